//! What the dated reference data says about one transfer under one regime
//! on the evaluation date: is the destination adequate, is the declared
//! mechanism a ground at all, valid on that day, and what does it require.
//! Generic over the data: which mechanisms were struck down and when is in
//! `rules/data/mechanisms.yaml`, not here.

use super::entities::{MapBuilder, string};
use crate::model::ReferenceData;
use cel::Value;
use jiff::civil::Date;

/// The fields of `transfer.gdpr` / `transfer.ndsg` (documented in docs/rule-packs.md).
pub const REGIME_FIELDS: &[&str] = &[
    "adequate_country",
    "adequate",
    "adequacy_decision",
    "adequacy_requires_certification",
    "adequacy_scope",
    "adequacy_verified",
    "adequacy_pending_case",
    "mechanism_ground",
    "mechanism_kind",
    "mechanism_name",
    "mechanism_valid",
    "mechanism_started",
    "mechanism_expired",
    "mechanism_valid_from",
    "mechanism_invalid_from",
    "mechanism_invalidated_by",
    "mechanism_article",
    "mechanism_url",
    "mechanism_country_allowed",
    "mechanism_countries",
    "mechanism_requires_certification",
    "certified",
    "mechanism_requires_tia",
    "mechanism_requires_swiss_addendum",
    "mechanism_verified",
    "mechanism_pending_case",
];

pub fn regime_facts(
    data: &ReferenceData,
    regime: &str,
    country: &str,
    mechanism: Option<&str>,
    certifications: &[&str],
    date: Date,
) -> Value {
    let certified =
        |cert: &Option<String>| cert.as_deref().is_none_or(|c| certifications.contains(&c));
    let decisions = data.adequacy_for(regime, country, date);
    let adequate_decision = decisions
        .iter()
        .find(|d| d.covers(|c| certifications.contains(&c)));
    let any_decision = decisions.first();
    let mut map = MapBuilder::default();
    map.set("adequate_country", Value::Bool(any_decision.is_some()))
        .set("adequate", Value::Bool(adequate_decision.is_some()))
        .set(
            "adequacy_decision",
            string(any_decision.map_or(String::new(), |d| d.decision.clone())),
        )
        .set(
            "adequacy_requires_certification",
            string(
                any_decision
                    .and_then(|d| d.requires_certification.clone())
                    .unwrap_or_default(),
            ),
        )
        .set(
            "adequacy_scope",
            string(
                any_decision
                    .and_then(|d| d.scope.clone())
                    .unwrap_or_default(),
            ),
        )
        .set(
            "adequacy_verified",
            Value::Bool(decisions.iter().all(|d| d.verified)),
        )
        .set(
            "adequacy_pending_case",
            string(
                any_decision
                    .and_then(|d| d.pending_case.as_ref())
                    .and_then(|p| p.pending_on(date))
                    .unwrap_or(""),
            ),
        );

    let entry = mechanism
        .and_then(|m| data.mechanism(m))
        .and_then(|m| m.regimes.get(regime).map(|r| (m, r)));
    let Some((mechanism, facts)) = entry else {
        map.set("mechanism_ground", Value::Bool(false))
            .set(
                "mechanism_kind",
                string(
                    mechanism
                        .and_then(|m| data.mechanism(m))
                        .map_or("", |m| m.kind.as_str()),
                ),
            )
            .set(
                "mechanism_name",
                string(
                    mechanism
                        .and_then(|m| data.mechanism(m))
                        .map_or(String::new(), |m| m.name.clone()),
                ),
            )
            .set("mechanism_valid", Value::Bool(false))
            .set("mechanism_started", Value::Bool(false))
            .set("mechanism_expired", Value::Bool(false))
            .set("mechanism_valid_from", string(""))
            .set("mechanism_invalid_from", string(""))
            .set("mechanism_invalidated_by", string(""))
            .set("mechanism_article", string(""))
            .set("mechanism_url", string(""))
            .set("mechanism_country_allowed", Value::Bool(false))
            .set("mechanism_countries", string(""))
            .set("mechanism_requires_certification", string(""))
            .set("certified", Value::Bool(false))
            .set("mechanism_requires_tia", Value::Bool(false))
            .set("mechanism_requires_swiss_addendum", Value::Bool(false))
            .set("mechanism_verified", Value::Bool(true))
            .set("mechanism_pending_case", string(""));
        return map.build();
    };
    let started = facts.valid_from.is_none_or(|f| f <= date);
    let expired = facts.invalid_from.is_some_and(|i| i <= date);
    let country_allowed = facts
        .countries
        .as_ref()
        .is_none_or(|list| list.iter().any(|c| c == country));
    let is_certified = certified(&facts.requires_certification);
    // A mechanism backed by an adequacy list (mechanisms.yaml `list:`)
    // stands or falls with that list.
    let valid = if facts.list.is_some() {
        adequate_decision.is_some()
    } else {
        started && !expired && country_allowed && is_certified
    };
    let invalidated_by = facts
        .invalidated_by
        .as_ref()
        .map_or(String::new(), describe_invalidation);
    let pending = facts
        .pending_case
        .as_ref()
        .and_then(|p| p.pending_on(date))
        .unwrap_or("")
        .to_string();
    map.set("mechanism_ground", Value::Bool(true))
        .set("mechanism_kind", string(mechanism.kind.clone()))
        .set("mechanism_name", string(mechanism.name.clone()))
        .set("mechanism_valid", Value::Bool(valid))
        .set("mechanism_started", Value::Bool(started))
        .set("mechanism_expired", Value::Bool(expired))
        .set(
            "mechanism_valid_from",
            string(facts.valid_from.map_or(String::new(), |d| d.to_string())),
        )
        .set(
            "mechanism_invalid_from",
            string(facts.invalid_from.map_or(String::new(), |d| d.to_string())),
        )
        .set("mechanism_invalidated_by", string(invalidated_by))
        .set("mechanism_article", string(facts.article.clone()))
        .set("mechanism_url", string(facts.url.clone()))
        .set("mechanism_country_allowed", Value::Bool(country_allowed))
        .set(
            "mechanism_countries",
            string(
                facts
                    .countries
                    .as_ref()
                    .map_or(String::new(), |c| c.join(", ")),
            ),
        )
        .set(
            "mechanism_requires_certification",
            string(facts.requires_certification.clone().unwrap_or_default()),
        )
        .set("certified", Value::Bool(is_certified))
        .set("mechanism_requires_tia", Value::Bool(facts.requires_tia))
        .set(
            "mechanism_requires_swiss_addendum",
            Value::Bool(facts.requires_swiss_addendum),
        )
        .set("mechanism_verified", Value::Bool(facts.verified))
        .set("mechanism_pending_case", string(pending));
    map.build()
}

/// "C-311/18 (Schrems II)", or the act or authority that ended a mechanism.
fn describe_invalidation(value: &serde_json::Value) -> String {
    let field = |k: &str| value.get(k).and_then(|v| v.as_str());
    match (
        field("case"),
        field("name"),
        field("act"),
        field("authority"),
    ) {
        (Some(case), Some(name), _, _) => format!("{case} ({name})"),
        (Some(case), None, _, _) => case.to_string(),
        (None, _, Some(act), _) => act.to_string(),
        (None, Some(name), None, Some(authority)) => format!("{authority}: {name}"),
        (None, Some(name), None, None) => name.to_string(),
        (None, None, None, Some(authority)) => authority.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_regime_fields_are_exactly_the_ones_built() {
        let data = ReferenceData::get();
        let date: Date = "2026-11-21".parse().unwrap();
        for mechanism in [None, Some("scc"), Some("no-such-mechanism")] {
            let Value::Map(map) = regime_facts(data, "gdpr", "US", mechanism, &[], date) else {
                panic!("a map")
            };
            let mut built: Vec<String> = map
                .map
                .keys()
                .map(|k| match k {
                    cel::objects::Key::String(s) => s.to_string(),
                    other => format!("{other:?}"),
                })
                .collect();
            built.sort();
            let mut documented: Vec<String> = REGIME_FIELDS.iter().map(|s| s.to_string()).collect();
            documented.sort();
            assert_eq!(built, documented, "{mechanism:?}");
        }
    }
}
