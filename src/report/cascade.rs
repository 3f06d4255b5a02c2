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
    // `country: XX` is a well-formed code of no country: the rules would
    // read it as a place outside the EEA (GDPR140 on the organisation).
    codes::UNKNOWN_COUNTRY,
];

/// Drops the `rule_findings` whose primary label overlaps a format error's
/// among `findings` (or contains it), or the value it covers, and those
/// with a secondary label inside one: the rule read the invalid value as
/// evidence (`country: EEA` is a PL012, not also a place "outside the EEA").
/// A secondary label on a field the rule reads whole is dropped when it
/// merely holds an error (`residency: [EEAX]` is not a promise the flows
/// break). A label drawn at a key stands for its value (`Label::value`).
pub fn drop_cascades(rule_findings: Vec<Finding>, findings: &[Finding]) -> Vec<Finding> {
    let errors = Errors::new(findings);
    if errors.spans.is_empty() {
        return rule_findings;
    }
    rule_findings
        .into_iter()
        .filter(|f| {
            !errors.overlap(f.primary.span)
                && !errors.overlap(f.primary.evidence())
                && !f.secondary.iter().any(|l| {
                    errors.inside(l.evidence()) || (l.reads_whole && errors.overlap(l.evidence()))
                })
        })
        .collect()
}

/// The format errors' spans in file and start order, each with the
/// furthest end among it and the ones before it in its file: a rule finding
/// is then checked with one binary search, not against every error.
struct Errors {
    spans: Vec<Span>,
    furthest: Vec<u32>,
}

impl Errors {
    fn new(findings: &[Finding]) -> Errors {
        let mut spans: Vec<Span> = findings
            .iter()
            .filter(|f| FORMAT_ERRORS.iter().any(|c| c.code == f.code))
            .flat_map(|f| std::iter::once(f.primary.span).chain(f.covers))
            .collect();
        spans.sort_by_key(|s| (s.file, s.start));
        let mut furthest: Vec<u32> = Vec::with_capacity(spans.len());
        for (i, span) in spans.iter().enumerate() {
            let end = span.end.max(span.start + 1);
            furthest.push(match i.checked_sub(1) {
                Some(p) if spans[p].file == span.file => furthest[p].max(end),
                _ => end,
            });
        }
        Errors { spans, furthest }
    }

    /// Whether `span` lies within one of the errors.
    fn inside(&self, span: Span) -> bool {
        let end = span.end.max(span.start + 1);
        // The errors of the file that start where `span` does or before.
        let before = self
            .spans
            .partition_point(|e| (e.file, e.start) <= (span.file, span.start));
        before
            .checked_sub(1)
            .is_some_and(|i| self.spans[i].file == span.file && self.furthest[i] >= end)
    }

    /// Whether `span` overlaps one of the errors.
    fn overlap(&self, span: Span) -> bool {
        let end = span.end.max(span.start + 1);
        // The errors of the file that start before `span` ends.
        let before = self
            .spans
            .partition_point(|e| (e.file, e.start) < (span.file, end));
        before
            .checked_sub(1)
            .is_some_and(|i| self.spans[i].file == span.file && self.furthest[i] > span.start)
    }
}

/// Whether two spans share a byte (an empty span counts as the byte it
/// sits on): the pairwise reference [`Errors::overlap`] is tested against.
#[cfg(test)]
fn overlaps(a: Span, b: Span) -> bool {
    let (a_end, b_end) = (a.end.max(a.start + 1), b.end.max(b.start + 1));
    a.file == b.file && a.start < b_end && b.start < a_end
}

#[cfg(test)]
mod tests {
    use super::{Errors, overlaps};
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

    /// The indexed search answers as the pairwise test does.
    #[test]
    fn the_index_agrees_with_the_pairwise_test() {
        let spans: Vec<Span> = (0..200u32)
            .map(|i| {
                let start = (i * 37) % 101;
                Span::new(
                    FileId(i % 3),
                    start as usize..(start + (i * 13) % 17) as usize,
                )
            })
            .collect();
        let errors = Errors {
            furthest: Vec::new(),
            spans: Vec::new(),
        };
        assert!(!errors.overlap(spans[0]));
        for n in [1, 5, 40] {
            let findings: Vec<_> = spans[..n]
                .iter()
                .map(|s| crate::report::codes::INVALID_VALUE.at(*s, "m", "l"))
                .collect();
            let errors = Errors::new(&findings);
            for probe in &spans {
                let pairwise = spans[..n].iter().any(|e| overlaps(*probe, *e));
                assert_eq!(
                    errors.overlap(*probe),
                    pairwise,
                    "{probe:?} against {n} errors"
                );
                let within = |e: &Span| {
                    let end = |s: &Span| s.end.max(s.start + 1);
                    e.file == probe.file && e.start <= probe.start && end(e) >= end(probe)
                };
                assert_eq!(
                    errors.inside(*probe),
                    spans[..n].iter().any(within),
                    "{probe:?} inside {n} errors"
                );
            }
        }
    }
}
