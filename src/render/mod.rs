//! Output formats. A renderer shows findings; it never decides what is
//! wrong. Each format is a module of its own.

pub mod concise;
pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

use crate::report::{Finding, Severity};

/// Where each rule's documentation lives (`codeDescription.href`, SARIF `helpUri`).
pub const DOCS_BASE: &str = "https://github.com/privlint/privlint/blob/main/docs/rules/";

/// The page that documents `code`: privlint's own for its built-in codes
/// and rules, else the rule's citation (a user's pack has no page there).
pub fn docs_url(code: &str, citation_url: Option<&str>) -> Option<String> {
    if crate::report::codes::find(code).is_some() || builtin_rule_codes().contains(code) {
        return Some(format!("{DOCS_BASE}{code}.md"));
    }
    citation_url.map(str::to_string)
}

/// The codes of the built-in packs' rules, read from their text once (each
/// rule starts `  - code: CODE`; a test holds this to the loaded packs).
pub fn builtin_rule_codes() -> &'static std::collections::HashSet<&'static str> {
    static CODES: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        (crate::engine::BUILTIN_PACKS.iter())
            .flat_map(|p| p.text.lines())
            .filter_map(|l| l.strip_prefix("  - code: "))
            .map(str::trim)
            .collect()
    })
}

/// `path:line:col` of a finding's primary label, 1-based, as people and
/// quickfix lists read it.
pub fn location(f: &Finding, sources: &crate::source::SourceMap) -> String {
    location_of(f.primary.span, sources)
}

/// `path:line:col` (1-based) of a span's start, printable on a terminal.
pub fn location_of(span: crate::source::Span, sources: &crate::source::SourceMap) -> String {
    let file = sources.get(span.file);
    let pos = file.position(span.start as usize);
    format!(
        "{}:{}:{}",
        crate::source::printable(&file.display_path()),
        pos.line + 1,
        pos.column + 1
    )
}

/// Counts by severity, for summary lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Counts {
        let mut counts = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.infos += 1,
            }
        }
        counts
    }
}

/// `5000000` as `5,000,000`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `3 errors, 1 warning in 4 files`, or `no findings in 4 files`.
pub fn summary_line(counts: Counts, files: usize) -> String {
    let mut parts = Vec::new();
    if counts.errors > 0 {
        parts.push(plural(counts.errors, "error"));
    }
    if counts.warnings > 0 {
        parts.push(plural(counts.warnings, "warning"));
    }
    if counts.infos > 0 {
        parts.push(format!("{} info", counts.infos));
    }
    let what = if parts.is_empty() {
        "no findings".to_string()
    } else {
        parts.join(", ")
    };
    format!("{what} in {}", plural(files, "file"))
}

/// Why a run could not check, beside any located problems behind it.
#[derive(serde::Serialize)]
pub struct Failure<'a> {
    pub code: &'a str,
    pub message: &'a str,
    pub help: Option<&'a str>,
}

/// A list serialized by mapping each item when it is written, so a format
/// with a million findings does not first build a million values.
pub struct Lazy<'l, 'a, T, V> {
    items: &'a [T],
    map: &'l dyn Fn(&'a T) -> V,
}

impl<'l, 'a, T, V> Lazy<'l, 'a, T, V> {
    pub fn new(items: &'a [T], map: &'l dyn Fn(&'a T) -> V) -> Self {
        Lazy { items, map }
    }
}

impl<T, V: serde::Serialize> serde::Serialize for Lazy<'_, '_, T, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.items.iter().map(self.map))
    }
}

/// A streaming renderer's output, in memory (for tests and library users;
/// the binary writes large formats straight to their destination).
pub fn to_string(render: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    // Writing to a Vec fails only if serialising fails, which the types
    // rule out; keep what was written rather than panic.
    let _ = render(&mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Writes a JSON document, pretty-printed, with a final newline.
pub fn write_pretty(
    out: &mut dyn std::io::Write,
    document: &impl serde::Serialize,
) -> std::io::Result<()> {
    // serde_json writes token by token: through a buffer of its own type
    // each write is a copy, not a dynamic call (1.4 million of them for
    // the benchmark's 5 MB report).
    use std::io::Write as _;
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut *out);
    serde_json::to_writer_pretty(&mut buffered, document)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// A path's bytes as a URI path: each segment percent-encoded (RFC 3986
/// unreserved characters kept), joined by `/`. Its own bytes, so a name
/// that is not UTF-8 keeps them (`%FF`); `\\` separates only on Windows.
pub(crate) fn percent_encode_path(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for (i, segment) in bytes
        .split(|&b| b == b'/' || (cfg!(windows) && b == b'\\'))
        .enumerate()
    {
        if i > 0 {
            out.push('/');
        }
        for &byte in segment {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    out.push(byte as char)
                }
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    /// The codes read from the built-in packs' text are exactly their rules.
    #[test]
    fn builtin_rule_codes_are_the_built_in_packs_rules() {
        let engine = crate::engine::Engine::load(&[]).expect("the built-in packs load");
        let loaded: std::collections::HashSet<&str> =
            engine.rules.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(&loaded, super::builtin_rule_codes());
    }
}
