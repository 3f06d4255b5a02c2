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

/// Whether `text` is written `YYYY-MM-DD` (a day of the calendar or not).
pub fn date_shaped(text: &str) -> bool {
    text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// Why `text` is not a date: `2026-02-30` has the form, not the day.
pub fn not_a_date(text: &str) -> String {
    if date_shaped(text) {
        format!("`{text}` is not a day of the calendar")
    } else {
        format!(
            "`{}` is not a date in the form YYYY-MM-DD",
            shorten(text, 40)
        )
    }
}

/// `text` cut after `chars` characters, with `…`: a message quotes a value
/// back, and a value may be megabytes long.
pub fn shorten(text: &str, chars: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(chars) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}…", &text[..cut])),
    }
}
