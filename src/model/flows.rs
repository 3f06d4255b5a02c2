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
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The longest chain of parties followed from a recipient. Real chains are
/// three or four parties long; a generated chain of thousands would make
/// every flow carry thousands of parties (quadratic time and memory).
pub const MAX_CHAIN: usize = 32;

/// Most flows inferred in one run: ten times the 10 MB benchmark's
/// 51,000. Flows multiply activities by parties by locations, so a small
/// generated file (300 activities, a 32-party chain, 240 locations each)
/// would otherwise make millions and take gigabytes.
pub const MAX_FLOWS: usize = 500_000;

/// Most steps spent following sub-processors in one run: each reference
/// looked at and each party of each chain kept is one. The chains from a
/// recipient are followed once and shared by every activity naming it, so a
/// real set spends a few hundred thousand; a generated one where a thousand
/// processors each list all the others would spend billions.
pub const MAX_REACH_STEPS: usize = 4_000_000;

/// The chains from one recipient, each shared by the flows that take it.
pub(super) type Chains = Arc<[Arc<[usize]>]>;

/// Why inference stopped early.
#[derive(Clone, Copy)]
enum Stop {
    Flows,
    Chains,
}

/// The chains from each recipient to every party it reaches, breadth-first
/// (each party through its shortest chain), worked out the first time the
/// recipient is met and shared by every activity that names it.
struct Reach {
    chains: Vec<Option<Chains>>,
    /// Whether some party is reached from the recipient along more than
    /// one chain (two sub-processors sharing one, or a cycle): only then
    /// can the chain a flow keeps be covered while another is not.
    merges: Vec<bool>,
    /// Parties reached in the current search carry its stamp: no set to
    /// hash into or to clear per recipient.
    seen: Vec<u32>,
    stamp: u32,
    steps: usize,
    /// Parties whose sub-processors were not followed: the chain reaching
    /// them was already [`MAX_CHAIN`] long.
    cut: BTreeSet<usize>,
}

impl Reach {
    fn new(parties: usize) -> Reach {
        Reach {
            chains: vec![None; parties],
            merges: vec![false; parties],
            seen: vec![0; parties],
            stamp: 0,
            steps: 0,
            cut: BTreeSet::new(),
        }
    }

    /// A new search from `recipient`: its one chain so far.
    fn start(&mut self, recipient: usize) -> Vec<Arc<[usize]>> {
        self.stamp += 1;
        self.seen[recipient] = self.stamp;
        vec![Arc::from([recipient])]
    }

    /// `chain` extended to `sub`, now reached in the current search; each
    /// party copied is a step.
    fn step_to(&mut self, chain: &[usize], sub: usize) -> Arc<[usize]> {
        self.seen[sub] = self.stamp;
        self.steps += chain.len() + 1;
        let mut longer = Vec::with_capacity(chain.len() + 1);
        longer.extend_from_slice(chain);
        longer.push(sub);
        longer.into()
    }

    /// The chains from `recipient`, or `None` once the step budget is spent.
    fn of(&mut self, manifest: &Manifest, recipient: usize) -> Option<Chains> {
        if let Some(chains) = &self.chains[recipient] {
            return Some(chains.clone());
        }
        let mut chains = self.start(recipient);
        let mut next = 0;
        while let Some(chain) = chains.get(next).cloned() {
            next += 1;
            let party = *chain.last().unwrap_or(&recipient);
            let p = &manifest.processors[party];
            if p.is_independent_controller() {
                continue;
            }
            if chain.len() == MAX_CHAIN {
                if !p.sub_processor_ids.is_empty() {
                    self.cut.insert(party);
                }
                continue;
            }
            for &sub in &p.sub_processor_ids {
                self.steps += 1;
                if self.seen[sub] == self.stamp {
                    self.merges[recipient] = true;
                } else {
                    chains.push(self.step_to(&chain, sub));
                }
            }
            if self.steps > MAX_REACH_STEPS {
                return None;
            }
        }
        let chains: Chains = chains.into();
        self.chains[recipient] = Some(chains.clone());
        Some(chains)
    }

    /// The shortest chain from `recipient` to each party it reaches through
    /// parties none of which `covers` a country: where data reach a party
    /// along such a chain, no declared safeguard protects that route
    /// whatever the chain a flow kept. `None` once the step budget is spent.
    fn open(
        &mut self,
        manifest: &Manifest,
        recipient: usize,
        covers: impl Fn(usize) -> bool,
    ) -> Option<HashMap<usize, Arc<[usize]>>> {
        let mut open = HashMap::new();
        if covers(recipient) {
            return Some(open);
        }
        let mut chains = self.start(recipient);
        let mut next = 0;
        while let Some(chain) = chains.get(next).cloned() {
            next += 1;
            let party = *chain.last().unwrap_or(&recipient);
            open.insert(party, chain.clone());
            let p = &manifest.processors[party];
            if p.is_independent_controller() || chain.len() == MAX_CHAIN {
                continue;
            }
            for &sub in &p.sub_processor_ids {
                self.steps += 1;
                if self.seen[sub] != self.stamp && !covers(sub) {
                    chains.push(self.step_to(&chain, sub));
                }
            }
            if self.steps > MAX_REACH_STEPS {
                return None;
            }
        }
        Some(open)
    }
}

/// One flow per (activity, recipient, party, location): each party reachable
/// from a recipient is reached through its shortest chain (breadth-first),
/// so the number of flows grows with the parties, not with the paths. Where
/// that chain has a safeguard for the country and another chain to the
/// party has none, the flow takes the shortest such open chain: each route
/// is a transfer (GDPR Art. 44), and the unprotected one is what to report.
pub fn infer(manifest: &Manifest, data: &ReferenceData, findings: &mut Vec<Finding>) -> Vec<Flow> {
    use foldhash::HashSet;
    let mut flows = Vec::new();
    // Each party's distinct places, with whether each is a known country
    // and in the EEA on the evaluation date: worked out once per party, not
    // once per flow (tens of thousands of flows reach a few thousand
    // places). A place listed twice (reported as a repeat) is one place.
    let places_of: Vec<Vec<(&super::Spanned<String>, Option<bool>)>> = manifest
        .processors
        .iter()
        .map(|p| {
            let mut seen = HashSet::default();
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
    let mut reach = Reach::new(manifest.processors.len());
    // Per (activity when it declares the country itself, recipient,
    // country): the open routes, worked out once.
    type Key<'m> = (Option<usize>, usize, &'m str);
    let mut open_routes: HashMap<Key<'_>, HashMap<usize, Arc<[usize]>>> = HashMap::new();
    let mut stopped = None;
    'activities: for (a, activity) in manifest.activities.iter().enumerate() {
        let own = ActivityTransfers::new(manifest, a);
        for &recipient in &activity.recipient_ids {
            let Some(chains) = reach.of(manifest, recipient) else {
                stopped = Some((a, Stop::Chains));
                break 'activities;
            };
            for chain in chains.iter() {
                let party = *chain.last().unwrap_or(&recipient);
                let merges = reach.merges[recipient];
                // An unknown country code is reported (PL023); no flow is inferred to it.
                for &(location, in_eea) in &places_of[party] {
                    let Some(in_eea) = in_eea else { continue };
                    // Checked per flow: one activity can reach millions.
                    if flows.len() >= MAX_FLOWS {
                        stopped = Some((a, Stop::Flows));
                        break 'activities;
                    }
                    let country = location.value.as_str();
                    let mut chain = chain.clone();
                    let mut covered_by = own
                        .covering(manifest, &chain, country)
                        .or_else(|| safeguards.covering(&chain, country));
                    // The chain kept may be covered where another is not:
                    // report the open one (the flow's worst route).
                    if covered_by.is_some() && merges && !in_eea {
                        let key = (own.declares(country).then_some(a), recipient, country);
                        let open = match open_routes.get(&key) {
                            Some(open) => open,
                            None => {
                                let covers = |p: usize| {
                                    safeguards.declares(p, country)
                                        || own.declares_for(manifest, p, country)
                                };
                                let Some(open) = reach.open(manifest, recipient, covers) else {
                                    stopped = Some((a, Stop::Chains));
                                    break 'activities;
                                };
                                open_routes.entry(key).or_insert(open)
                            }
                        };
                        if let Some(route) = open.get(&party) {
                            chain = route.clone();
                            covered_by = None;
                        }
                    }
                    flows.push(Flow {
                        activity: a,
                        chain,
                        country: location.clone(),
                        in_eea,
                        covered_by,
                    });
                }
            }
        }
    }
    if let Some((a, stop)) = stopped {
        let activity = &manifest.activities[a];
        let at = activity
            .recipients
            .first()
            .map_or(activity.id.span, |r| r.span);
        let id = &activity.id.value;
        let message = match stop {
            Stop::Flows => format!(
                "more than {MAX_FLOWS} data flows: the flows of `{id}` and of the activities after it were not all inferred"
            ),
            Stop::Chains => format!(
                "following sub-processors took more than {MAX_REACH_STEPS} steps: the flows of `{id}` and of the activities after it were not all inferred"
            ),
        };
        findings.push(
            codes::LIMIT_EXCEEDED
                .at(at, message, "not followed")
                .with_help("each activity sends data to every location of every party its recipients reach: check for lists of locations or sub-processors that were generated or pasted by mistake"),
        );
    }
    // Where flows were not all inferred (PL005), which parties an
    // activity's data reach is not known.
    let complete = stopped.is_none() && reach.cut.is_empty();
    let mut chains = |r| reach.of(manifest, r);
    let chains: Option<&mut dyn FnMut(usize) -> Option<Chains>> = match complete {
        true => Some(&mut chains),
        false => None,
    };
    super::unused::report(manifest, data, chains, findings);
    for party in reach.cut {
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

    /// Whether `party` declares a transfer to `country`.
    fn declares(&self, party: usize, country: &str) -> bool {
        self.first[party].contains_key(country)
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

    /// Whether the activity declares a transfer to `country` to any party.
    fn declares(&self, country: &str) -> bool {
        !self.first.is_empty() && self.first.keys().any(|&(c, _)| c == country)
    }

    /// Whether the activity declares a transfer to `country` to `party`.
    fn declares_for(&self, manifest: &Manifest, party: usize, country: &str) -> bool {
        !self.first.is_empty()
            && (self.first).contains_key(&(country, manifest.processors[party].id.value.as_str()))
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
pub(super) fn places(p: &super::Processor) -> &[super::Spanned<String>] {
    match (p.is_independent_controller(), &p.country) {
        (true, Some(country)) => std::slice::from_ref(country),
        _ => p.locations.as_slice(),
    }
}
