//! Findings: the type, the built-in codes, and how a run's findings are
//! counted and ordered.

pub mod baseline;
pub mod cascade;
pub mod codes;
pub mod finding;
pub mod fingerprint;
pub mod suppress;

pub use finding::{Citation, Finding, Label, Severity, sort_findings};
