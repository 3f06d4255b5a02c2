//! Infers data flows: each activity sends data to each recipient, to each
//! location of that recipient, and on through its sub-processors. Each flow
//! records which declared safeguard covers it.
//!
//! A chain stops at an independent controller (`role: controller`), and
//! reaches it only where it is established: what it passes on to its own
//! processors or locations is its own processing and its own transfer
//! (GDPR Art. 4(7), 28(1), 44: the exporter is that controller), not the
//! organisation's.

use super::refdata::ReferenceData;
use super::{DeclaredOn, Flow, Manifest};
use crate::report::{Finding, codes};
use std::collections::HashMap;

/// The longest chain of parties followed from a recipient. Real chains are
/// three or four parties long; a generated chain of thousands would make
/// every flow carry thousands of parties (quadratic time and memory).
pub const MAX_CHAIN: usize = 32;

/// Most flows inferred in one run: ten times the 10 MB benchmark's
/// 51,000. Flows multiply activities by parties by locations, so a small
/// generated file (300 activities, a 32-party chain, 240 locations each)
/// would otherwise make millions and take gigabytes.
pub const MAX_FLOWS: usize = 500_000;

/// One flow per (activity, recipient, party, location): each party reachable
/// from a recipient is reached through its shortest chain (breadth-first),
/// so the number of flows grows with the parties, not with the paths.
pub fn infer(manifest: &Manifest, data: &ReferenceData, findings: &mut Vec<Finding>) -> Vec<Flow> {
    use std::collections::{BTreeSet, HashSet, VecDeque};
    let mut flows = Vec::new();
    let mut cut: BTreeSet<usize> = BTreeSet::new();
    // Each party's distinct places, with whether each is a known country
    // and in the EEA on the evaluation date: worked out once per party, not
    // once per flow (tens of thousands of flows reach a few thousand
    // places). A place listed twice (reported as a repeat) is one place.
    let places_of: Vec<Vec<(&super::Spanned<String>, Option<bool>)>> = manifest
        .processors
        .iter()
        .map(|p| {
            let mut seen = HashSet::new();
            places(p)
                .iter()
                .filter(|l| seen.insert(l.value.as_str()))
                .map(|l| {
                    let in_eea = data
                        .country(&l.value)
                        .map(|_| data.in_eea(&l.value, manifest.as_of));
                    (l, in_eea)
                })
                .collect()
        })
        .collect();
    let safeguards = Safeguards::new(manifest);
    let mut stopped_at = None;
    'activities: for (a, activity) in manifest.activities.iter().enumerate() {
        let own = ActivityTransfers::new(manifest, a);
        for &recipient in &activity.recipient_ids {
            let mut seen: HashSet<usize> = HashSet::from([recipient]);
            let mut queue: VecDeque<Vec<usize>> = VecDeque::from([vec![recipient]]);
            while let Some(chain) = queue.pop_front() {
                let party = *chain.last().unwrap_or(&recipient);
                let shared: std::sync::Arc<[usize]> = chain.as_slice().into();
                // An unknown country code is reported (PL023); no flow is inferred to it.
                for &(location, in_eea) in &places_of[party] {
                    let Some(in_eea) = in_eea else { continue };
                    // Checked per flow: one activity can reach millions.
                    if flows.len() >= MAX_FLOWS {
                        stopped_at = Some(a);
                        break 'activities;
                    }
                    flows.push(Flow {
                        activity: a,
                        chain: shared.clone(),
                        country: location.clone(),
                        in_eea,
                        covered_by: own
                            .covering(manifest, &chain, &location.value)
                            .or_else(|| safeguards.covering(&chain, &location.value)),
                    });
                }
                if manifest.processors[party].is_independent_controller() {
                    continue;
                }
                if chain.len() == MAX_CHAIN {
                    if !manifest.processors[party].sub_processor_ids.is_empty() {
                        cut.insert(party);
                    }
                    continue;
                }
                for &sub in &manifest.processors[party].sub_processor_ids {
                    if seen.insert(sub) {
                        let mut next = chain.clone();
                        next.push(sub);
                        queue.push_back(next);
                    }
                }
            }
        }
    }
    if let Some(a) = stopped_at {
        let activity = &manifest.activities[a];
        let at = activity
            .recipients
            .first()
            .map_or(activity.id.span, |r| r.span);
        findings.push(
            codes::LIMIT_EXCEEDED
                .at(
                    at,
                    format!(
                        "more than {MAX_FLOWS} data flows: the flows of `{}` and of the activities after it were not all inferred",
                        activity.id.value
                    ),
                    "not followed",
                )
                .with_help("each activity sends data to every location of every party its recipients reach: check for lists of locations or sub-processors that were generated or pasted by mistake"),
        );
    }
    for party in cut {
        let p = &manifest.processors[party];
        let Some(first) = p.sub_processors.first() else {
            continue;
        };
        findings.push(
            codes::LIMIT_EXCEEDED
                .at(
                    first.span,
                    format!(
                        "the chain of sub-processors reaching `{}` is longer than {MAX_CHAIN} parties: its sub-processors were not followed",
                        p.id.value
                    ),
                    "not followed",
                )
                .with_help("check the `sub_processors` references: a chain this long is almost always a reference in the wrong direction"),
        );
    }
    flows
}

/// The first transfer each processor declares to each country, found by
/// lookup rather than by a scan per flow (a processor may list thousands).
struct Safeguards<'m> {
    first: Vec<HashMap<&'m str, usize>>,
}

impl<'m> Safeguards<'m> {
    fn new(manifest: &'m Manifest) -> Self {
        let first = manifest
            .processors
            .iter()
            .map(|p| {
                let mut first = HashMap::new();
                for (i, t) in p.transfers.iter().enumerate() {
                    first.entry(t.country.value.as_str()).or_insert(i);
                }
                first
            })
            .collect();
        Safeguards { first }
    }

    /// The transfer of the party nearest the end of the chain that covers
    /// `country`.
    fn covering(&self, chain: &[usize], country: &str) -> Option<(DeclaredOn, usize)> {
        chain.iter().rev().find_map(|&p| {
            self.first[p]
                .get(country)
                .map(|&i| (DeclaredOn::Processor(p), i))
        })
    }
}

/// An activity's own transfers, by country and target: the first one
/// declared for a country to any party of a chain covers the chain's flow
/// to that country.
struct ActivityTransfers<'m> {
    activity: usize,
    first: HashMap<(&'m str, &'m str), usize>,
}

impl<'m> ActivityTransfers<'m> {
    fn new(manifest: &'m Manifest, activity: usize) -> Self {
        let mut first = HashMap::new();
        for (i, t) in manifest.activities[activity].transfers.iter().enumerate() {
            if let Some(to) = &t.to {
                first
                    .entry((t.country.value.as_str(), to.value.as_str()))
                    .or_insert(i);
            }
        }
        ActivityTransfers { activity, first }
    }

    fn covering(
        &self,
        manifest: &Manifest,
        chain: &[usize],
        country: &str,
    ) -> Option<(DeclaredOn, usize)> {
        if self.first.is_empty() {
            return None;
        }
        chain
            .iter()
            .filter_map(|&p| {
                let id = manifest.processors[p].id.value.as_str();
                self.first.get(&(country, id)).copied()
            })
            .min()
            .map(|i| (DeclaredOn::Activity(self.activity), i))
    }
}

/// Where a party receives data: an independent controller where it is
/// established (where it processes them then is its own transfer, like its
/// sub-processors), any other party at each of its locations.
fn places(p: &super::Processor) -> &[super::Spanned<String>] {
    match (p.is_independent_controller(), &p.country) {
        (true, Some(country)) => std::slice::from_ref(country),
        _ => p.locations.as_slice(),
    }
}
