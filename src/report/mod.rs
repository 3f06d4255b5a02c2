//! Findings: the type, the built-in codes, and how a run's findings are
//! counted and ordered.

pub mod baseline;
pub mod cascade;
pub mod codes;
pub mod finding;
pub mod fingerprint;
pub mod sink;
pub mod suppress;

pub use finding::{Citation, Finding, Label, Severity, sort_findings};

/// Format findings (YAML and schema) reported per file: a generated file
/// with a million wrong entries or duplicate keys would otherwise hold a
/// million findings in memory.
pub const MAX_FORMAT_FINDINGS: usize = 1_000;

/// `text` cut after `chars` characters, with `…`: a message quotes a value
/// back, and a value may be megabytes long.
pub fn shorten(text: &str, chars: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(chars) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}…", &text[..cut])),
    }
}
