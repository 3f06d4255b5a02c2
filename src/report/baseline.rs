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

/// The baseline of the current findings, as pretty JSON.
pub fn write(findings: &[Finding], sources: &SourceMap) -> String {
    let mut entries: Vec<Entry> = findings
        .iter()
        .map(|f| Entry {
            file: sources.get(f.primary.span.file).display_path(),
            code: f.code.clone(),
            fingerprint: fingerprint(f, sources),
            message: f.message.clone(),
        })
        .collect();
    entries.sort();
    let baseline = Baseline {
        version: 1,
        findings: entries,
    };
    let mut text = serde_json::to_string_pretty(&baseline).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads a baseline file.
pub fn parse(text: &str) -> Result<Baseline, String> {
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
