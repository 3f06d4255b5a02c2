//! Keeps a format error from reading like a legal violation: a rule
//! finding is dropped when it points at a value that has a format error
//! (`agreement: {type: DPA}` is a PL012 on `DPA`, not also GDPR120 "no data
//! processing agreement" on the `agreement` it sits in). Like rustc after
//! a type error, privlint reports the cause, not its consequences. Findings
//! elsewhere on the same entity stay: a stray key does not hide that
//! health data lack an Art. 9 condition.

use super::{Finding, codes};
use crate::source::Span;

/// The format errors that make a value unreliable.
const FORMAT_ERRORS: &[&codes::BuiltinCode] = &[
    codes::UNKNOWN_FIELD,
    codes::INVALID_TYPE,
    codes::INVALID_VALUE,
    codes::MISSING_FIELD,
];

/// Drops the `rule_findings` whose primary label overlaps a format error's
/// among `findings` (or contains it).
pub fn drop_cascades(rule_findings: Vec<Finding>, findings: &[Finding]) -> Vec<Finding> {
    let errors: Vec<Span> = findings
        .iter()
        .filter(|f| FORMAT_ERRORS.iter().any(|c| c.code == f.code))
        .map(|f| f.primary.span)
        .collect();
    if errors.is_empty() {
        return rule_findings;
    }
    rule_findings
        .into_iter()
        .filter(|f| !errors.iter().any(|e| overlaps(f.primary.span, *e)))
        .collect()
}

/// Whether two spans share a byte (an empty span counts as the byte it
/// sits on).
fn overlaps(a: Span, b: Span) -> bool {
    let (a_end, b_end) = (a.end.max(a.start + 1), b.end.max(b.start + 1));
    a.file == b.file && a.start < b_end && b.start < a_end
}

#[cfg(test)]
mod tests {
    use super::overlaps;
    use crate::source::{FileId, Span};

    #[test]
    fn spans_overlap_when_they_share_a_byte() {
        let s = |a, b| Span::new(FileId(0), a..b);
        assert!(overlaps(s(10, 30), s(20, 23)));
        assert!(overlaps(s(20, 23), s(10, 30)));
        assert!(!overlaps(s(10, 20), s(20, 23)));
        assert!(overlaps(s(10, 30), s(15, 15)));
        assert!(!overlaps(s(10, 20), s(25, 25)));
        assert!(!overlaps(s(10, 20), Span::new(FileId(1), 12..14)));
    }
}
