//! `--format github`: GitHub Actions workflow commands, so findings appear
//! as annotations on the pull request, plus a Markdown summary of every
//! finding for `$GITHUB_STEP_SUMMARY` (GitHub shows at most 10 annotations
//! of each type per step).

use super::{Counts, summary_line};
use crate::report::{Finding, Severity};
use crate::source::SourceMap;
use std::fmt::Write;

/// Escapes a message as GitHub's toolkit does (`%` first), after writing
/// other control characters and bidirectional controls from a manifest as
/// `\u{1b}` escapes, so that the log viewer shows them instead of acting
/// on them.
pub fn escape_data(text: &str) -> String {
    let visible: String = text
        .split_inclusive(['\r', '\n'])
        .map(|part| {
            let (body, end) = match part.strip_suffix(['\r', '\n']) {
                Some(body) => (body, &part[body.len()..]),
                None => (part, ""),
            };
            crate::source::printable(body).into_owned() + end
        })
        .collect();
    visible
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: the message escapes plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// One workflow command per finding.
pub fn render(findings: &[Finding], sources: &SourceMap) -> String {
    let mut out = String::new();
    for f in findings {
        let file = sources.get(f.primary.span.file);
        let start = file.position(f.primary.span.start as usize);
        let end = file.position(f.primary.span.end as usize);
        let mut properties = Vec::new();
        // A built-in rule pack is not in the repository: its annotation is
        // the run's, not one on a file of the same name there.
        if !file.builtin {
            // GitHub places an annotation by its path from the repository
            // root, however the path was given on the command line.
            properties.push(format!("file={}", escape_property(file.stable_path())));
            properties.push(format!("line={}", start.line + 1));
            properties.push(format!("endLine={}", end.line + 1));
            // GitHub rejects columns when the annotation spans several lines.
            if start.line == end.line {
                properties.push(format!("col={}", start.column + 1));
                properties.push(format!("endColumn={}", end.column + 1));
            }
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("privlint {} ({})", f.code, f.name))
        ));
        let mut message = f.message.clone();
        for note in &f.notes {
            message.push_str(&format!("\nnote: {note}"));
        }
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        if let Some(citation) = &f.citation {
            message.push_str(&format!("\nlaw: {}", citation.text));
        }
        let _ = writeln!(
            out,
            "::{} {}::{}",
            command(f.severity),
            properties.join(","),
            escape_data(&message)
        );
    }
    out
}

/// Bytes of step summary after which rows stop: GitHub keeps at most
/// 1 MiB per step, and a row is at most a few kilobytes (messages are cut).
const SUMMARY_BUDGET: usize = 900 * 1024;

/// A Markdown report of every finding, for `$GITHUB_STEP_SUMMARY`.
pub fn step_summary(findings: &[Finding], sources: &SourceMap, files_checked: usize) -> String {
    let mut out = String::from("## privlint\n\n");
    let _ = writeln!(
        out,
        "{}\n",
        summary_line(Counts::of(findings), files_checked)
    );
    if findings.is_empty() {
        return out;
    }
    out.push_str("| severity | code | location | message |\n|---|---|---|---|\n");
    for (i, f) in findings.iter().enumerate() {
        // GitHub drops a step's summary over 1 MiB whole: the table stops
        // short of that, and says how much it left out.
        if out.len() > SUMMARY_BUDGET {
            let _ = writeln!(
                out,
                "\n… and {} more: the annotations and `--format sarif` hold every finding.",
                super::plural(findings.len() - i, "finding")
            );
            break;
        }
        let url = super::docs_url(&f.code, f.citation.as_ref().and_then(|c| c.url.as_deref()));
        let code = match url {
            Some(url) => format!("[{}](<{}>)", f.code, url.replace(['<', '>', '\n'], "")),
            None => f.code.clone(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            f.severity.as_str(),
            markdown_cell(&code),
            markdown_cell(&code_span(&super::location(f, sources))),
            markdown_cell(&f.message)
        );
    }
    out
}

/// Table cells cannot hold `|` or newlines.
fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// `text` as a Markdown code span: fenced by more backticks than it holds
/// in a row (a file name may hold some), padded when it starts or ends
/// with one (CommonMark 6.1).
fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_with_backticks_or_bars_stays_in_its_cell() {
        assert_eq!(code_span("m.yaml:1:1"), "`m.yaml:1:1`");
        assert_eq!(code_span("a``b.yaml:1:1"), "```a``b.yaml:1:1```");
        assert_eq!(code_span("`a.yaml:1:1"), "`` `a.yaml:1:1 ``");
        assert_eq!(
            markdown_cell(&code_span("a|b\nc.yaml:2:3")),
            "`a\\|b c.yaml:2:3`"
        );
    }

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
