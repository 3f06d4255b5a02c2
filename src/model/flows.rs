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
    // Whether each party's places are known countries, and in the EEA on
    // the evaluation date: worked out once per party, not once per flow
    // (tens of thousands of flows reach a few thousand places).
    let in_eea: Vec<Vec<Option<bool>>> = manifest
        .processors
        .iter()
        .map(|p| {
            places(p)
                .iter()
                .map(|l| {
                    data.country(&l.value)
                        .map(|_| data.in_eea(&l.value, manifest.as_of))
                })
                .collect()
        })
        .collect();
    for (a, activity) in manifest.activities.iter().enumerate() {
        if flows.len() >= MAX_FLOWS {
            let at = activity
                .recipients
                .first()
                .map_or(activity.id.span, |r| r.span);
            findings.push(
                codes::LIMIT_EXCEEDED
                    .at(
                        at,
                        format!(
                            "more than {MAX_FLOWS} data flows: the flows of `{}` and of the activities after it were not inferred",
                            activity.id.value
                        ),
                        "not followed",
                    )
                    .with_help("each activity sends data to every location of every party its recipients reach: check for lists of locations or sub-processors that were generated or pasted by mistake"),
            );
            break;
        }
        for &recipient in &activity.recipient_ids {
            let mut seen: HashSet<usize> = HashSet::from([recipient]);
            let mut queue: VecDeque<Vec<usize>> = VecDeque::from([vec![recipient]]);
            while let Some(chain) = queue.pop_front() {
                let party = *chain.last().unwrap_or(&recipient);
                let p = &manifest.processors[party];
                let shared: std::sync::Arc<[usize]> = chain.as_slice().into();
                // An unknown country code is reported (PL023); no flow is inferred to it.
                for (location, &in_eea) in places(p).iter().zip(&in_eea[party]) {
                    let Some(in_eea) = in_eea else { continue };
                    flows.push(Flow {
                        activity: a,
                        chain: shared.clone(),
                        country: location.clone(),
                        in_eea,
                        covered_by: coverage(manifest, a, &chain, &location.value),
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

/// Where a party receives data: an independent controller where it is
/// established (where it processes them then is its own transfer, like its
/// sub-processors), any other party at each of its locations.
fn places(p: &super::Processor) -> &[super::Spanned<String>] {
    match (p.is_independent_controller(), &p.country) {
        (true, Some(country)) => std::slice::from_ref(country),
        _ => p.locations.as_slice(),
    }
}

fn coverage(
    manifest: &Manifest,
    activity: usize,
    chain: &[usize],
    country: &str,
) -> Option<(DeclaredOn, usize)> {
    let in_chain = |id: &str| chain.iter().any(|&p| manifest.processors[p].id.value == id);
    let own = manifest.activities[activity]
        .transfers
        .iter()
        .position(|t| {
            t.country.value == country && t.to.as_ref().is_some_and(|to| in_chain(&to.value))
        });
    if let Some(i) = own {
        return Some((DeclaredOn::Activity(activity), i));
    }
    chain.iter().rev().find_map(|&p| {
        manifest.processors[p]
            .transfers
            .iter()
            .position(|t| t.country.value == country)
            .map(|i| (DeclaredOn::Processor(p), i))
    })
}
