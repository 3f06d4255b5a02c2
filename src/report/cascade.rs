//! Keeps a format error from reading like a legal violation: a rule does
//! not report on an entity (the organisation, a processor, an activity)
//! that has a format error, since the rule saw a value the user did not
//! mean (`agreement: {type: DPA}` is not "no data processing agreement").
//! Like rustc after a type error, privlint reports the cause, not its
//! consequences; the run fails with the format error anyway.

use super::{Finding, codes};
use crate::source::Span;

/// The format errors that make an entity's values unreliable.
const FORMAT_ERRORS: &[&codes::BuiltinCode] = &[
    codes::UNKNOWN_FIELD,
    codes::INVALID_TYPE,
    codes::INVALID_VALUE,
    codes::MISSING_FIELD,
];

/// Drops the `rule_findings` whose primary label lies in one of `entities`
/// (their spans) that holds a format error among `findings`.
pub fn drop_cascades(
    rule_findings: Vec<Finding>,
    findings: &[Finding],
    entities: impl IntoIterator<Item = Span>,
) -> Vec<Finding> {
    let errors: Vec<Span> = findings
        .iter()
        .filter(|f| FORMAT_ERRORS.iter().any(|c| c.code == f.code))
        .map(|f| f.primary.span)
        .collect();
    if errors.is_empty() {
        return rule_findings;
    }
    let damaged: Vec<Span> = entities
        .into_iter()
        .filter(|entity| errors.iter().any(|e| within(*e, *entity)))
        .collect();
    rule_findings
        .into_iter()
        .filter(|f| !damaged.iter().any(|d| within(f.primary.span, *d)))
        .collect()
}

fn within(inner: Span, outer: Span) -> bool {
    inner.file == outer.file && outer.start <= inner.start && inner.end <= outer.end
}
