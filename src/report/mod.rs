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
