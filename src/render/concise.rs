//! `--format concise`: one line per finding, `path:line:col: severity[CODE] message`,
//! for grep, editors' quickfix lists and pre-commit output.

use crate::report::Finding;
use crate::source::SourceMap;
use std::fmt::Write;

pub fn render(findings: &[Finding], sources: &SourceMap) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(
            out,
            "{}: {}[{}] {}",
            super::location(f, sources),
            f.severity.as_str(),
            f.code,
            crate::source::printable(&f.message.replace('\n', " "))
        );
    }
    out
}
