//! A stage's findings, capped per file and code: a generated file with a
//! million unknown references would otherwise hold a million findings.

use super::{Finding, MAX_FORMAT_FINDINGS};
use crate::source::FileId;
use std::collections::HashMap;

#[derive(Default)]
pub struct Sink {
    kept: Vec<Finding>,
    counts: HashMap<FileId, HashMap<String, Count>>,
}

#[derive(Default)]
struct Count {
    kept: usize,
    unshown: usize,
    /// Where the last kept finding of this file and code is in `kept`.
    last: usize,
}

impl Sink {
    /// Whether a finding of `code` in `file` would be kept; when not, it
    /// is counted, so the caller need not build it.
    pub fn wants(&mut self, file: FileId, code: &str) -> bool {
        match self.counts.get_mut(&file).and_then(|c| c.get_mut(code)) {
            Some(count) if count.kept >= MAX_FORMAT_FINDINGS => {
                count.unshown += 1;
                false
            }
            _ => true,
        }
    }

    pub fn push(&mut self, finding: Finding) {
        let per_file = self.counts.entry(finding.primary.span.file).or_default();
        let count = match per_file.get_mut(finding.code.as_str()) {
            Some(count) => count,
            None => per_file.entry(finding.code.clone()).or_default(),
        };
        if count.kept < MAX_FORMAT_FINDINGS {
            count.kept += 1;
            count.last = self.kept.len();
            self.kept.push(finding);
        } else {
            count.unshown += 1;
        }
    }

    /// The kept findings, in the order they came; the last kept one of a
    /// file and code past the cap says how many more there were.
    pub fn finish(mut self, out: &mut Vec<Finding>) {
        for count in self.counts.values().flat_map(HashMap::values) {
            if count.unshown > 0 {
                self.kept[count.last].notes.push(format!(
                    "{} more problems like this in this file are not shown; fix these first",
                    count.unshown
                ));
            }
        }
        out.extend(self.kept);
    }
}
