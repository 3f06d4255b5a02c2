//! Baselines: the findings a team accepted when adopting privlint on an
//! existing manifest. `--write-baseline FILE` records the fingerprints of
//! every current finding; `--baseline FILE` hides findings that match one
//! (each recorded finding hides one), so only new findings fail the build.

use super::Finding;
use super::fingerprint::fingerprint;
use crate::source::SourceMap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub file: String,
    pub code: String,
    pub fingerprint: String,
    pub message: String,
}

/// The baseline of the current findings, as pretty JSON, with the number
/// of findings it records.
pub fn write(findings: &[Finding], sources: &SourceMap) -> (String, usize) {
    // A file privlint could not read is never hidden (see `filter`): an
    // entry for it would be dead weight.
    let mut entries: Vec<Entry> = findings
        .iter()
        .filter(|f| !super::codes::always_reported(&f.code))
        .map(|f| Entry {
            file: sources.stable_path(f.primary.span.file).into_owned(),
            code: f.code.clone(),
            fingerprint: fingerprint(f, sources),
            message: f.message.clone(),
        })
        .collect();
    entries.sort();
    let recorded = entries.len();
    let baseline = Baseline {
        version: 1,
        findings: entries,
    };
    let mut text = serde_json::to_string_pretty(&baseline).unwrap_or_default();
    text.push('\n');
    (text, recorded)
}

/// Reads a baseline file.
pub fn parse(text: &str) -> Result<Baseline, String> {
    // serde would read a JSON list as the fields in order, and say so
    // in its own terms.
    if !text.trim_start().starts_with('{') {
        return Err("expected a JSON object with `version` and `findings`".to_string());
    }
    let baseline: Baseline = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if baseline.version != 1 {
        return Err(format!(
            "baseline version {} is not supported",
            baseline.version
        ));
    }
    Ok(baseline)
}

/// The findings not in the baseline, and how many it hid.
pub fn filter(
    findings: Vec<Finding>,
    baseline: &Baseline,
    sources: &SourceMap,
) -> (Vec<Finding>, usize) {
    let mut remaining: HashMap<&str, usize> = HashMap::new();
    for entry in &baseline.findings {
        *remaining.entry(entry.fingerprint.as_str()).or_default() += 1;
    }
    let mut hidden = 0;
    let kept = findings
        .into_iter()
        .filter(|f| {
            if super::codes::always_reported(&f.code) {
                return true;
            }
            let fp = fingerprint(f, sources);
            match remaining.get_mut(fp.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    hidden += 1;
                    false
                }
                _ => true,
            }
        })
        .collect();
    (kept, hidden)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn what_is_not_a_baseline_is_said_plainly() {
        assert!(parse("{\"version\": 1, \"findings\": []}").is_ok());
        let list = parse("[1, []]").unwrap_err();
        assert_eq!(list, "expected a JSON object with `version` and `findings`");
        let typo = parse("{\"version\": 1, \"findings\": [], \"finding\": []}").unwrap_err();
        assert!(typo.contains("unknown field `finding`"), "{typo}");
        let version = parse("{\"version\": 2, \"findings\": []}").unwrap_err();
        assert_eq!(version, "baseline version 2 is not supported");
    }
}
