//! PL028: `transfers` entries that no data can use. What data can reach
//! from a party is judged along every chain of `sub_processors`, not only
//! the shortest chain each flow keeps: two parties that share a
//! sub-processor abroad both hand it data.

use super::flows::{Chains, places};
use super::refdata::ReferenceData;
use super::{Manifest, TransferDecl};
use crate::report::{Finding, Label, codes};
use foldhash::{HashMap, HashMapExt};
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// For each party, the known countries where it or any party after it
/// (not past an independent controller, which passes nothing on) receives
/// data, as a bit set; and whether one of those parties has a reference or
/// a country code already reported (PL021, PL023), when nothing can be
/// said.
struct Onward<'m> {
    graph: DiGraph<(), ()>,
    codes: Vec<&'m str>,
    words: usize,
    sets: Vec<u64>,
    unsure: Vec<bool>,
}

impl<'m> Onward<'m> {
    /// Worked out once for all parties, in time linear in the parties and
    /// references: each strongly connected group (a cycle of references,
    /// PL022) shares one set, and groups are met after those they reach.
    fn new(manifest: &'m Manifest, data: &ReferenceData) -> Onward<'m> {
        let n = manifest.processors.len();
        let mut bit: HashMap<&str, usize> = HashMap::new();
        let mut codes = Vec::new();
        let mut unsure = vec![false; n];
        for (i, p) in manifest.processors.iter().enumerate() {
            // An independent controller's own sub-processors are never
            // followed, so a wrong reference among them changes nothing.
            unsure[i] = !p.is_independent_controller()
                && p.sub_processor_ids.len() < p.sub_processors.len();
            for place in places(p) {
                if data.country(&place.value).is_none() {
                    unsure[i] = true;
                } else if !bit.contains_key(place.value.as_str()) {
                    bit.insert(&place.value, codes.len());
                    codes.push(place.value.as_str());
                }
            }
        }
        let words = codes.len().div_ceil(64).max(1);
        let mut sets = vec![0u64; n * words];
        let mut graph = DiGraph::<(), ()>::with_capacity(n, n);
        for _ in 0..n {
            graph.add_node(());
        }
        for (i, p) in manifest.processors.iter().enumerate() {
            for place in places(p) {
                if let Some(&b) = bit.get(place.value.as_str()) {
                    sets[i * words + b / 64] |= 1 << (b % 64);
                }
            }
            if !p.is_independent_controller() {
                for &sub in &p.sub_processor_ids {
                    graph.add_edge(NodeIndex::new(i), NodeIndex::new(sub), ());
                }
            }
        }
        let mut group = vec![0u64; words];
        for members in kosaraju_scc(&graph) {
            group.fill(0);
            let mut doubt = false;
            for &m in &members {
                let m = m.index();
                for next in
                    std::iter::once(m).chain(graph.neighbors(NodeIndex::new(m)).map(|q| q.index()))
                {
                    doubt |= unsure[next];
                    for (g, s) in group.iter_mut().zip(&sets[next * words..][..words]) {
                        *g |= s;
                    }
                }
            }
            for &m in &members {
                let m = m.index();
                sets[m * words..][..words].copy_from_slice(&group);
                unsure[m] = doubt;
            }
        }
        Onward {
            graph,
            codes,
            words,
            sets,
            unsure,
        }
    }

    /// Which parties data reach from `starts` on (the starts included).
    fn reached(&self, starts: impl IntoIterator<Item = usize>) -> Vec<bool> {
        let mut seen = vec![false; self.unsure.len()];
        let mut stack: Vec<usize> = starts.into_iter().collect();
        while let Some(p) = stack.pop() {
            if !std::mem::replace(&mut seen[p], true) {
                stack.extend(self.graph.neighbors(NodeIndex::new(p)).map(|q| q.index()));
            }
        }
        seen
    }

    /// The countries data reach from `party` on, or `None` when that is not
    /// known.
    fn from(&self, party: usize) -> Option<Vec<&'m str>> {
        if self.unsure[party] {
            return None;
        }
        let set = &self.sets[party * self.words..][..self.words];
        let mut countries: Vec<&str> = (self.codes.iter().enumerate())
            .filter(|(b, _)| set[b / 64] & (1 << (b % 64)) != 0)
            .map(|(_, c)| *c)
            .collect();
        countries.sort_unstable();
        Some(countries)
    }
}

/// Reports the `transfers` entries that no data can use (PL028): on a
/// processor (not an independent controller) that receives data, a country
/// where neither it nor any party after it receives data; on an activity,
/// a `to` party its data do not reach, or reach nowhere in that country.
/// `chains` gives the chains from a recipient, as flows were inferred;
/// `None` where inference stopped at a limit (PL005), when activity entries
/// are not judged.
pub(super) fn report(
    manifest: &Manifest,
    data: &ReferenceData,
    chains: Option<&mut dyn FnMut(usize) -> Option<Chains>>,
    findings: &mut Vec<Finding>,
) {
    let n = manifest.processors.len();
    let onward = Onward::new(manifest, data);
    // Parties any activity sends data to, along every chain: not only
    // those ending a flow (a party with `locations: []` ends none).
    let used =
        onward.reached((manifest.activities.iter()).flat_map(|a| a.recipient_ids.iter().copied()));
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, p) in manifest.processors.iter().enumerate() {
        index.entry(p.id.value.as_str()).or_insert(i);
    }
    // An unknown country code is reported as PL023 already.
    let known = |t: &TransferDecl| data.country(&t.country.value).is_some();
    // Not capped: at most one finding per entry written, and a cap taken
    // before suppressions and the baseline would hide findings still due.
    let mut push = |finding: Finding| findings.push(finding);
    for (p, processor) in manifest.processors.iter().enumerate() {
        // An independent controller's own onward transfers are its
        // business (see the flows module): declaring them is not a mistake.
        if !used[p] || processor.is_independent_controller() || processor.transfers.is_empty() {
            continue;
        }
        let Some(countries) = onward.from(p) else {
            continue;
        };
        // A repeated entry is PL027 already: one PL028 for the first.
        let mut judged = foldhash::HashSet::default();
        for t in &processor.transfers {
            if countries.contains(&t.country.value.as_str())
                || !known(t)
                || !judged.insert(t.country.value.as_str())
            {
                continue;
            }
            let id = &processor.id.value;
            let alone = processor.sub_processor_ids.is_empty();
            let note = match (countries.is_empty(), alone) {
                (true, true) => format!("`{id}` lists no `locations`"),
                (true, false) => format!("`{id}` and its sub-processors list no `locations`"),
                (false, true) => format!("`{id}` receives data in {}", countries.join(", ")),
                (false, false) => format!(
                    "data reach `{id}` and its sub-processors in {}",
                    countries.join(", ")
                ),
            };
            let country = &t.country.value;
            push(
                codes::UNUSED_TRANSFER
                    .at(
                        t.country.span,
                        format!("`{id}` declares a transfer to {country}, but no data reach {country} through it"),
                        "no flow to this country",
                    )
                    .with_note(note)
                    .with_help(format!(
                        "add {country} to the `locations` of the party that processes data there, or remove this entry"
                    )),
            );
        }
    }
    let Some(chains) = chains else { return };
    // The parties an activity's data reach carry its stamp.
    let mut reached = vec![usize::MAX; n];
    for (a, activity) in manifest.activities.iter().enumerate() {
        if activity.transfers.iter().all(|t| t.to.is_none()) {
            continue;
        }
        // Unresolved recipients are PL021 already; a reference missing on
        // the way may lead anywhere.
        if activity.recipient_ids.len() < activity.recipients.len()
            || activity.recipient_ids.iter().any(|&r| onward.unsure[r])
        {
            continue;
        }
        for &r in &activity.recipient_ids {
            let Some(chains) = chains(r) else { return };
            for chain in chains.iter() {
                reached[*chain.last().unwrap_or(&r)] = a;
            }
        }
        let mut judged = foldhash::HashSet::default();
        for t in &activity.transfers {
            let Some(to) = &t.to else { continue };
            if !judged.insert((to.value.as_str(), t.country.value.as_str())) {
                continue;
            }
            // An unknown target is PL021 already.
            let Some(&target) = index.get(to.value.as_str()) else {
                continue;
            };
            if !known(t) {
                continue;
            }
            let problem = if reached[target] != a {
                format!("its data never reach `{}`", to.value)
            } else {
                match onward.from(target) {
                    None => continue,
                    Some(countries) if countries.contains(&t.country.value.as_str()) => continue,
                    Some(_) => format!(
                        "its data reach `{}` nowhere in {}",
                        to.value, t.country.value
                    ),
                }
            };
            let mut finding = codes::UNUSED_TRANSFER
                .at(
                    t.country.span,
                    format!(
                        "`{}` declares a transfer to `{}` in {}, but {problem}",
                        activity.id.value, to.value, t.country.value
                    ),
                    "no flow to this party and country",
                )
                .with_secondary(Label::new(to.span, "the party named"));
            let party = &manifest.processors[target];
            if reached[target] == a
                && party.is_independent_controller()
                && let Some(country) = &party.country
            {
                finding = finding.with_note(format!(
                    "`{}` is an independent controller: your data reach it where it is established ({}); what it sends on is its own transfer",
                    to.value, country.value
                ));
            }
            push(finding.with_help(format!(
                "name a party among the activity's `recipients` or their sub-processors that processes data in {}, or remove this entry",
                t.country.value
            )));
        }
    }
}
