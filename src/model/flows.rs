//! Infers data flows: each activity sends data to each recipient, to each
//! location of that recipient, and on through its sub-processors. Each flow
//! records which declared safeguard covers it.

use super::refdata::ReferenceData;
use super::{DeclaredOn, Flow, Manifest};

pub fn infer(manifest: &Manifest, data: &ReferenceData) -> Vec<Flow> {
    let mut flows = Vec::new();
    for (a, activity) in manifest.activities.iter().enumerate() {
        for &recipient in &activity.recipient_ids {
            // Depth-first over the chain, never visiting a party twice on one path.
            let mut stack: Vec<Vec<usize>> = vec![vec![recipient]];
            while let Some(chain) = stack.pop() {
                let party = *chain.last().unwrap_or(&recipient);
                // An unknown country code is reported (PL023); no flow is inferred to it.
                for location in manifest.processors[party]
                    .locations
                    .iter()
                    .filter(|l| data.country(&l.value).is_some())
                {
                    flows.push(Flow {
                        activity: a,
                        chain: chain.clone(),
                        country: location.clone(),
                        in_eea: data.in_eea(&location.value, manifest.as_of),
                        covered_by: coverage(manifest, a, &chain, &location.value),
                    });
                }
                for &sub in manifest.processors[party].sub_processor_ids.iter().rev() {
                    if !chain.contains(&sub) {
                        let mut next = chain.clone();
                        next.push(sub);
                        stack.push(next);
                    }
                }
            }
        }
    }
    flows
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
