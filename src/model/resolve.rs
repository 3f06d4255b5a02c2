//! Resolution: one id namespace across the set, every reference checked
//! (with "did you mean"), sub-processor cycles, the user's taxonomy
//! extensions, country codes and dates, and the regulations that apply.

use super::build::{Parts, UserEntry};
use super::refdata::ReferenceData;
use super::taxonomy::{Marks, Taxonomy, TaxonomyNode};
use super::{Manifest, ResolveOptions, Spanned, TransferDecl, flows};
use crate::load::node::Node;
use crate::report::codes;
use crate::report::sink::Sink;
use crate::report::{Finding, Label};
use crate::source::Span;
use crate::suggest::Budget;
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Processor,
    Activity,
    Category,
    Subject,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Processor => "processor",
            Kind::Activity => "activity",
            Kind::Category => "data category",
            Kind::Subject => "data subject",
        }
    }

    fn article(self) -> &'static str {
        match self {
            Kind::Activity => "an",
            _ => "a",
        }
    }
}

pub fn resolve(
    mut parts: Parts,
    options: &ResolveOptions,
    data: &ReferenceData,
    out: &mut Vec<Finding>,
) -> Manifest {
    // Per file and code, at most MAX_FORMAT_FINDINGS findings are kept.
    let mut sink = Sink::default();
    let findings = &mut sink;
    let organization = organization(&mut parts, findings);
    let ids = unique_ids(&parts, findings);
    // A later declaration of an id is reported and left out, as rustc
    // leaves out a second definition of a name: checking both would report
    // each finding again per copy (a generated file that repeats one entity
    // 300,000 times held 600,000 legal findings).
    let first = |id: &Spanned<String>, kind: Kind| {
        ids.get(&id.value)
            .is_some_and(|&(k, span)| k == kind && span == id.span)
    };
    parts.processors.retain(|p| first(&p.id, Kind::Processor));
    parts.activities.retain(|a| first(&a.id, Kind::Activity));

    let processor_index: HashMap<String, usize> =
        first_index(parts.processors.iter().map(|p| &p.id));
    let budget = Budget::new(Budget::DEFAULT);
    let lookup = Lookup {
        ids: &ids,
        processors: &processor_index,
        budget: &budget,
    };
    for p in &mut parts.processors {
        p.sub_processor_ids = lookup.processors_of(&p.sub_processors, "sub-processor", findings);
    }
    for a in &mut parts.activities {
        a.recipient_ids = lookup.processors_of(&a.recipients, "recipient", findings);
        let targets: Vec<Spanned<String>> =
            a.transfers.iter().filter_map(|t| t.to.clone()).collect();
        lookup.processors_of(&targets, "transfer target", findings);
        let providers = tracking_providers(&a.node);
        lookup.processors_of(&providers, "tracking provider", findings);
    }
    sub_processor_cycles(&parts, findings);
    duplicate_transfers(&parts, findings);

    let mut taxonomy = Taxonomy::builtin(data);
    extend(
        &mut taxonomy,
        Kind::Category,
        &parts.user_categories,
        &ids,
        &budget,
        findings,
    );
    extend(
        &mut taxonomy,
        Kind::Subject,
        &parts.user_subjects,
        &ids,
        &budget,
        findings,
    );
    for a in &mut parts.activities {
        a.category_marks = marks_of(
            &taxonomy,
            Kind::Category,
            &a.data_categories,
            &budget,
            findings,
        );
        a.subject_marks = marks_of(
            &taxonomy,
            Kind::Subject,
            &a.data_subjects,
            &budget,
            findings,
        );
    }

    check_countries(organization.as_ref(), &parts, data, findings);
    check_dates(&parts, findings);

    let regulations = regulations(organization.as_ref(), &parts.activities, options, data);
    // Where the regulations are derived, each activity answers to those
    // its own markets (or, without them, the organisation's) bring; a set
    // chosen with `regulations:` or `--regulation` applies to every one.
    if let Some(org) = organization.as_ref().filter(|o| o.regulations.is_empty())
        && options.regulations.is_none()
        && parts.activities.iter().any(|a| !a.markets.is_empty())
    {
        // Worked out once for every activity without markets of its own.
        let org_own = derived(org, org.markets.iter(), options.as_of, data);
        for a in &mut parts.activities {
            let own = if a.markets.is_empty() {
                std::borrow::Cow::Borrowed(&org_own)
            } else {
                std::borrow::Cow::Owned(derived(org, a.markets.iter(), options.as_of, data))
            };
            a.outside = regulations
                .iter()
                .filter(|r| !own.contains(r))
                .cloned()
                .collect();
        }
    }
    let mut manifest = Manifest {
        organization,
        processors: parts.processors,
        activities: parts.activities,
        taxonomy,
        regulations,
        flows: Vec::new(),
        as_of: options.as_of,
    };
    let mut flow_findings = Vec::new();
    manifest.flows = crate::timings::time("  flows", || {
        flows::infer(&manifest, data, &mut flow_findings)
    });
    for finding in flow_findings {
        // At most one per `transfers` entry, and a warning suppressed or
        // baselined one by one: a cap taken before suppressions and the
        // baseline would hide the findings past it for good.
        if finding.code == codes::UNUSED_TRANSFER.code {
            out.push(finding);
        } else {
            sink.push(finding);
        }
    }
    sink.finish(out);
    manifest
}

fn organization(parts: &mut Parts, findings: &mut Sink) -> Option<super::Organization> {
    let mut organizations = std::mem::take(&mut parts.organizations).into_iter();
    let first = organizations.next();
    match &first {
        None => {
            if let Some(span) = parts
                .first_version
                .filter(|_| !parts.malformed_organization)
            {
                findings.push(
                    codes::MISSING_ORGANIZATION
                        .at(
                            span,
                            "the manifest set has no `organization`",
                            "no file of the set declares it",
                        )
                        .with_help(
                            "add an `organization:` section with `name` and `country` to one file",
                        ),
                );
            }
        }
        Some(org) => {
            for other in organizations {
                findings.push(
                    codes::DUPLICATE_ORGANIZATION
                        .at(other.key_span, "`organization` is declared more than once", "declared again here")
                        .with_secondary(Label::new(org.key_span, "first declared here"))
                        .with_help("a manifest set describes one controller: keep one `organization` section"),
                );
            }
        }
    }
    first
}

/// All ids with their kind, first declaration wins; duplicates reported.
fn unique_ids(parts: &Parts, findings: &mut Sink) -> HashMap<String, (Kind, Span)> {
    let mut all: Vec<(&Spanned<String>, Kind)> = Vec::new();
    all.extend(parts.processors.iter().map(|p| (&p.id, Kind::Processor)));
    all.extend(parts.activities.iter().map(|a| (&a.id, Kind::Activity)));
    all.extend(
        parts
            .user_categories
            .iter()
            .map(|c| (&c.id, Kind::Category)),
    );
    all.extend(parts.user_subjects.iter().map(|s| (&s.id, Kind::Subject)));
    // Files are loaded in path order, so span order is reading order.
    all.sort_by_key(|(id, _)| (id.span.file, id.span.start));
    let mut ids: HashMap<String, (Kind, Span)> = HashMap::with_capacity(all.len());
    for (id, kind) in all {
        match ids.get(&id.value) {
            Some(_) if !findings.wants(id.span.file, codes::DUPLICATE_ID.code) => {}
            Some(&(first_kind, first_span)) => {
                let what = if first_kind == kind {
                    format!("duplicate {} id `{}`", kind.noun(), id.value)
                } else {
                    format!(
                        "id `{}` is used by {} {} and {} {}",
                        id.value,
                        first_kind.article(),
                        first_kind.noun(),
                        kind.article(),
                        kind.noun()
                    )
                };
                findings.push(
                    codes::DUPLICATE_ID
                        .at(id.span, what, "declared again here")
                        .with_secondary(Label::new(first_span, "first declared here"))
                        .with_note("ids are unique across every file of the manifest set")
                        .with_help("rename one of them, or merge the two declarations"),
                );
            }
            None => {
                ids.insert(id.value.clone(), (kind, id.span));
            }
        }
    }
    ids
}

fn first_index<'a>(ids: impl Iterator<Item = &'a Spanned<String>>) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, id) in ids.enumerate() {
        map.entry(id.value.clone()).or_insert(i);
    }
    map
}

struct Lookup<'a> {
    ids: &'a HashMap<String, (Kind, Span)>,
    processors: &'a HashMap<String, usize>,
    budget: &'a Budget,
}

impl Lookup<'_> {
    /// Resolves references to processors, reporting each unknown one.
    fn processors_of(
        &self,
        refs: &[Spanned<String>],
        role: &str,
        findings: &mut Sink,
    ) -> Vec<usize> {
        let mut resolved = Vec::with_capacity(refs.len());
        for r in refs {
            if let Some(&i) = self.processors.get(&r.value) {
                resolved.push(i);
                continue;
            }
            if !findings.wants(r.span.file, codes::UNKNOWN_REFERENCE.code) {
                continue;
            }
            let candidates = self.processors.keys().map(String::as_str);
            findings.push(unknown_reference(
                r,
                role,
                Kind::Processor,
                self.ids.get(&r.value),
                candidates,
                self.budget,
            ));
        }
        resolved
    }
}

fn unknown_reference<'a>(
    r: &Spanned<String>,
    role: &str,
    expected: Kind,
    other: Option<&(Kind, Span)>,
    candidates: impl Iterator<Item = &'a str>,
    budget: &Budget,
) -> Finding {
    if let Some(&(kind, span)) = other {
        return codes::UNKNOWN_REFERENCE
            .at(
                r.span,
                format!(
                    "{role} `{}` is {} {}, not {} {}",
                    r.value,
                    kind.article(),
                    kind.noun(),
                    expected.article(),
                    expected.noun()
                ),
                format!("expected {} {}", expected.article(), expected.noun()),
            )
            .with_secondary(Label::new(span, format!("`{}` is declared here", r.value)));
    }
    // did_you_mean breaks ties alphabetically: the order does not matter.
    let suggestion = if budget.is_spent() {
        None
    } else {
        budget.did_you_mean(&r.value, &candidates.collect::<Vec<_>>())
    };
    let mut message = format!("unknown {role} `{}`", r.value);
    if let Some(best) = suggestion {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    let help = match suggestion {
        Some(_) => None,
        None => Some(format!(
            "declare {} {} with `id: {}`, or fix the reference",
            expected.article(),
            expected.noun(),
            r.value
        )),
    };
    codes::UNKNOWN_REFERENCE
        .at(
            r.span,
            message,
            format!("no {} has this id", expected.noun()),
        )
        .with_optional_help(help)
}

fn tracking_providers(node: &Node) -> Vec<Spanned<String>> {
    node.get("tracking")
        .map(|list| {
            list.as_seq()
                .iter()
                .filter_map(|t| super::build::text(t, "provider"))
                .collect()
        })
        .unwrap_or_default()
}

/// Reports a second transfer entry for a country on one processor (or for
/// a country and `to` on one activity): one safeguard is read per flow, so
/// which one would depend on the order of the entries.
fn duplicate_transfers(parts: &Parts, findings: &mut Sink) {
    let shown = |text: &str| crate::report::shorten(text, 80).into_owned();
    // Each owner's transfers by (country, `to`): the first of a key is the
    // one a flow reads, every later one is reported against it.
    let mut check = |owner: &dyn Fn(&TransferDecl) -> String,
                     transfers: &[TransferDecl],
                     by_to: bool| {
        let mut first: HashMap<(&str, &str), &TransferDecl> = HashMap::new();
        for t in transfers.iter().filter(|t| !t.country.value.is_empty()) {
            let to = match (&t.to, by_to) {
                (Some(to), true) => to.value.as_str(),
                (None, true) => continue,
                (_, false) => "",
            };
            let kept = *first.entry((t.country.value.as_str(), to)).or_insert(t);
            let span = t.country.span;
            if std::ptr::eq(kept, t) || !findings.wants(span.file, codes::DUPLICATE_TRANSFER.code) {
                continue;
            }
            let country = shown(&t.country.value);
            findings.push(
                codes::DUPLICATE_TRANSFER
                    .at(
                        span,
                        format!("{} has two transfers to `{country}`", owner(t)),
                        "declared again here",
                    )
                    .with_secondary(Label::new(kept.country.span, "first declared here"))
                    .with_help("keep one entry per country, with the safeguard that applies"),
            );
        }
    };
    for p in &parts.processors {
        check(
            &|_| format!("processor `{}`", shown(&p.id.value)),
            &p.transfers,
            false,
        );
    }
    for a in &parts.activities {
        let owner = |t: &TransferDecl| {
            let to = t.to.as_ref().map_or(String::new(), |to| shown(&to.value));
            format!("activity `{}` (for `{to}`)", shown(&a.id.value))
        };
        check(&owner, &a.transfers, true);
    }
}

/// Cycles of `sub_processors` reported at most: a set where every
/// processor lists every other has a cycle per pair, and each would be
/// built and kept (minutes and gigabytes for a few megabytes of input).
const MAX_CYCLES: usize = 100;

/// Reports each cycle of `sub_processors` the search meets once, at the
/// reference that closes it, with a label on every step.
fn sub_processor_cycles(parts: &Parts, findings: &mut Sink) {
    const OFF_STACK: usize = usize::MAX;
    let processors = &parts.processors;
    let n = processors.len();
    let mut done = vec![false; n];
    // Where each processor is on the search's stack, so that closing a
    // cycle does not search the stack for it.
    let mut at = vec![OFF_STACK; n];
    let mut reported: BTreeSet<Vec<usize>> = BTreeSet::new();
    let mut out: Vec<Finding> = Vec::new();
    let mut more = false;
    'search: for start in 0..n {
        if done[start] {
            continue;
        }
        // Iterative DFS: (node, next edge to follow).
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        at[start] = 0;
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            let edges = &processors[node].sub_processor_ids;
            if *edge == edges.len() {
                done[node] = true;
                at[node] = OFF_STACK;
                stack.pop();
                continue;
            }
            let next = edges[*edge];
            *edge += 1;
            if at[next] != OFF_STACK {
                if reported.len() == MAX_CYCLES {
                    more = true;
                    break 'search;
                }
                let cycle: Vec<usize> = stack[at[next]..].iter().map(|&(p, _)| p).collect();
                let mut key = cycle.clone();
                let min = key
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, p)| **p)
                    .map_or(0, |(i, _)| i);
                key.rotate_left(min);
                if reported.insert(key) {
                    out.push(cycle_finding(processors, &cycle));
                }
            } else if !done[next] {
                at[next] = stack.len();
                stack.push((next, 0));
            }
        }
    }
    if more && let Some(last) = out.last_mut() {
        last.notes.push(format!(
            "the search stopped after {MAX_CYCLES} cycles; more may remain: fix these first"
        ));
    }
    for finding in out {
        findings.push(finding);
    }
}

fn cycle_finding(processors: &[super::Processor], cycle: &[usize]) -> Finding {
    let reference = |from: usize, to: usize| -> Span {
        let target = &processors[to].id.value;
        processors[from]
            .sub_processors
            .iter()
            .find(|r| &r.value == target)
            .map_or(processors[from].id.span, |r| r.span)
    };
    let names = cycle_steps(cycle, |p| &processors[p].id.value);
    let last = *cycle.last().unwrap_or(&cycle[0]);
    let mut finding = codes::SUB_PROCESSOR_CYCLE.at(
        reference(last, cycle[0]),
        format!("sub-processors form a cycle: {}", names.join(" → ")),
        format!(
            "`{}` leads back to `{}`",
            processors[last].id.value, processors[cycle[0]].id.value
        ),
    );
    for pair in cycle.windows(2).take(CYCLE_SHOWN - 1) {
        finding = finding.with_secondary(Label::new(
            reference(pair[0], pair[1]),
            format!(
                "`{}` passes data to `{}`",
                processors[pair[0]].id.value, processors[pair[1]].id.value
            ),
        ));
    }
    finding.with_help("a party cannot be its own sub-processor: remove the reference that points back up the chain")
}

/// Where a user entry's `parent` leads.
enum Parent<'a> {
    Builtin(Marks),
    User(usize),
    Unknown(&'a Spanned<String>),
    None,
}

/// Adds user categories (or subjects), inheriting marks through `parent`.
/// A dotted id without `parent` sits under its prefix when that exists.
fn extend(
    taxonomy: &mut Taxonomy,
    kind: Kind,
    entries: &[UserEntry],
    ids: &HashMap<String, (Kind, Span)>,
    budget: &Budget,
    findings: &mut Sink,
) {
    let table = match kind {
        Kind::Subject => &taxonomy.subjects,
        _ => &taxonomy.categories,
    };
    let mut user: Vec<&UserEntry> = Vec::new();
    for entry in entries {
        if table.contains_key(&entry.id.value) {
            findings.push(
                codes::DUPLICATE_ID
                    .at(
                        entry.id.span,
                        format!("`{}` is already a built-in {}", entry.id.value, kind.noun()),
                        "already built in",
                    )
                    .with_help(format!(
                        "use the built-in {} directly, or choose another id",
                        kind.noun()
                    )),
            );
        } else if ids
            .get(&entry.id.value)
            .is_some_and(|(k, s)| *k == kind && *s == entry.id.span)
        {
            user.push(entry); // later duplicates were reported with the other ids
        }
    }
    let index: HashMap<&str, usize> = user
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.value.as_str(), i))
        .collect();
    let parents: Vec<Parent> = user
        .iter()
        .map(|e| {
            let (id, written) = match &e.parent {
                Some(p) => (p.value.as_str(), Some(p)),
                None => match e.id.value.rsplit_once('.') {
                    Some((prefix, _)) => (prefix, None),
                    None => return Parent::None,
                },
            };
            if let Some(node) = table.get(id) {
                Parent::Builtin(node.marks)
            } else if let Some(&j) = index.get(id) {
                Parent::User(j)
            } else {
                written.map_or(Parent::None, Parent::Unknown)
            }
        })
        .collect();
    for parent in &parents {
        if let Parent::Unknown(written) = parent {
            let names = table
                .keys()
                .map(String::as_str)
                .chain(index.keys().copied());
            findings.push(unknown_reference(
                written,
                &format!("parent {}", kind.noun()),
                kind,
                None,
                names,
                budget,
            ));
        }
    }
    // An id under a built-in one (`special.health.mental`) carries its
    // marks whatever `parent` says: a parent cannot take away the special
    // category its own name claims. The nearest built-in ancestor counts,
    // however many levels down.
    // Only prefixes no deeper than a built-in id are looked up: a generated
    // id of a million dots would otherwise hash a million long prefixes.
    let depth = (table.keys())
        .map(|k| k.bytes().filter(|&b| b == b'.').count())
        .max()
        .unwrap_or(0);
    let implied: Vec<Marks> = user
        .iter()
        .map(|e| {
            let mut id = e.id.value.as_str();
            if let Some((cut, _)) = id.match_indices('.').nth(depth + 1) {
                id = &id[..cut];
            }
            while let Some((prefix, _)) = id.rsplit_once('.') {
                if let Some(node) = table.get(prefix) {
                    return node.marks;
                }
                id = prefix;
            }
            Marks::default()
        })
        .collect();
    // Follow each chain of parents; memoise, and report each cycle once.
    let mut marks: Vec<Option<Marks>> = vec![None; user.len()];
    // Where each entry sits on the chain being followed (a search along
    // the chain would make a long one quadratic).
    let mut on_path: Vec<Option<usize>> = vec![None; user.len()];
    for start in 0..user.len() {
        let mut path: Vec<usize> = Vec::new();
        let mut current = start;
        let base = loop {
            if let Some(known) = marks[current] {
                break known;
            }
            if let Some(pos) = on_path[current] {
                taxonomy_cycle(&user, &parents, &path[pos..], kind, findings);
                break Marks::default();
            }
            on_path[current] = Some(path.len());
            path.push(current);
            match parents[current] {
                Parent::Builtin(m) => break m,
                Parent::User(j) => current = j,
                Parent::Unknown(_) | Parent::None => break Marks::default(),
            }
        };
        // Each entry has its own implied marks and those of every entry
        // after it on the chain.
        let mut inherited = base;
        for &p in path.iter().rev() {
            inherited = inherited.union(implied[p]);
            marks[p] = Some(inherited);
            on_path[p] = None;
        }
    }
    let target = match kind {
        Kind::Subject => &mut taxonomy.subjects,
        _ => &mut taxonomy.categories,
    };
    for (entry, marks) in user.iter().zip(marks) {
        target.insert(
            entry.id.value.clone(),
            TaxonomyNode {
                marks: marks.unwrap_or_default(),
            },
        );
    }
}

/// How many steps of a cycle a message names (then the last one).
const CYCLE_SHOWN: usize = 8;

/// The steps of a cycle for its message, back to the first: a long cycle
/// is named by its ends, since its steps would fill pages.
fn cycle_steps<'a>(cycle: &[usize], id: impl Fn(usize) -> &'a str) -> Vec<String> {
    let name = |i: usize| format!("`{}`", id(i));
    let mut names: Vec<String> = cycle.iter().take(CYCLE_SHOWN).map(|&i| name(i)).collect();
    if cycle.len() > CYCLE_SHOWN {
        names.push(format!("… {} more …", cycle.len() - CYCLE_SHOWN - 1));
        names.push(name(cycle[cycle.len() - 1]));
    }
    names.push(name(cycle[0]));
    names
}

/// Reports a cycle of `parent` links at the member declared first.
fn taxonomy_cycle(
    user: &[&UserEntry],
    parents: &[Parent],
    cycle: &[usize],
    kind: Kind,
    findings: &mut Sink,
) {
    let first = cycle
        .iter()
        .position(|&i| i == *cycle.iter().min().unwrap_or(&0))
        .unwrap_or(0);
    let mut ordered = cycle.to_vec();
    ordered.rotate_left(first);
    let names = cycle_steps(&ordered, |i| &user[i].id.value);
    let head = user[ordered[0]];
    let Some(written) = &head.parent else { return };
    let mut finding = codes::TAXONOMY_CYCLE.at(
        written.span,
        format!(
            "{} parents form a cycle: {}",
            kind.noun(),
            names.join(" → ")
        ),
        "this parent leads back here",
    );
    for &i in ordered.iter().skip(1).take(CYCLE_SHOWN - 1) {
        if let (Parent::User(_), Some(p)) = (&parents[i], &user[i].parent) {
            finding = finding.with_secondary(Label::new(
                p.span,
                format!("`{}` has this parent", user[i].id.value),
            ));
        }
    }
    findings.push(finding.with_help("point `parent` at a built-in entry or at one higher up"));
}

fn marks_of(
    taxonomy: &Taxonomy,
    kind: Kind,
    refs: &[Spanned<String>],
    budget: &Budget,
    findings: &mut Sink,
) -> Marks {
    let table = match kind {
        Kind::Subject => &taxonomy.subjects,
        _ => &taxonomy.categories,
    };
    let mut marks = Marks::default();
    for r in refs {
        match table.get(&r.value) {
            Some(node) => marks = marks.union(node.marks),
            None if !findings.wants(r.span.file, codes::UNKNOWN_REFERENCE.code) => {}
            None => {
                let names = table.keys().map(String::as_str);
                let mut finding = unknown_reference(r, kind.noun(), kind, None, names, budget);
                if finding.help.is_some() {
                    finding.help = Some(format!(
                        "use a built-in {} (`privlint taxonomy` lists them) or declare your own under `{}:` with a `parent`",
                        kind.noun(),
                        if kind == Kind::Subject {
                            "data_subjects"
                        } else {
                            "data_categories"
                        }
                    ));
                }
                findings.push(finding);
            }
        }
    }
    marks
}

fn check_countries(
    organization: Option<&super::Organization>,
    parts: &Parts,
    data: &ReferenceData,
    findings: &mut Sink,
) {
    let mut check = |code: &Spanned<String>, regions_allowed: bool| {
        if data.country(&code.value).is_some()
            || (regions_allowed && data.region(&code.value).is_some())
        {
            return;
        }
        // Malformed codes were reported by the schema.
        if code.value.len() != 2 || !code.value.bytes().all(|b| b.is_ascii_uppercase()) {
            return;
        }
        let mut finding = codes::UNKNOWN_COUNTRY.at(
            code.span,
            format!("`{}` is not an ISO 3166-1 country code", code.value),
            "unknown country",
        );
        finding = match data.alias(&code.value) {
            Some(alias) => finding
                .with_note(alias.note.clone())
                .with_help(format!("use `{}`", alias.code)),
            None => finding.with_help("use the two-letter ISO 3166-1 alpha-2 code of the country"),
        };
        findings.push(finding);
    };
    if let Some(org) = organization {
        org.country.iter().for_each(|c| check(c, false));
        org.markets.iter().for_each(|c| check(c, true));
        org.residency.iter().for_each(|c| check(c, true));
        if let Some(reps) = org.node.get("representatives") {
            for entry in reps.entries() {
                if let Some(c) = super::build::text(&entry.value, "country") {
                    check(&c, false);
                }
            }
        }
    }
    for p in &parts.processors {
        // `locations` defaults to `country`: check each written span once.
        let mut spans: BTreeSet<(u32, u32)> = BTreeSet::new();
        for c in p.country.iter().chain(&p.locations) {
            if spans.insert((c.span.start, c.span.end)) {
                check(c, false);
            }
        }
        p.transfers.iter().for_each(|t| check(&t.country, false));
    }
    for a in &parts.activities {
        a.markets.iter().for_each(|c| check(c, true));
        a.transfers.iter().for_each(|t| check(&t.country, false));
    }
}

/// Dates that match `YYYY-MM-DD` but name no calendar day (`2024-02-30`).
fn check_dates(parts: &Parts, findings: &mut Sink) {
    for p in &parts.processors {
        let Some(agreement) = p.node.get("agreement") else {
            continue;
        };
        let Some(signed) = super::build::text(agreement, "signed") else {
            continue;
        };
        let shaped = signed.value.len() == 10 && signed.value.as_bytes()[4] == b'-';
        if shaped && signed.value.parse::<jiff::civil::Date>().is_err() {
            findings.push(
                codes::INVALID_VALUE
                    .at(
                        signed.span,
                        format!("`{}` is not a calendar date", signed.value),
                        "no such day",
                    )
                    .with_help("check the month and day"),
            );
        }
    }
}

/// The regulations that apply: the command line's, else the manifest's
/// `regulations`, else derived from establishment and markets, the
/// organisation's and its activities' (`rules/data/regulations.yaml`).
/// Regulations that apply `with` another are added with it.
fn regulations(
    organization: Option<&super::Organization>,
    activities: &[super::Activity],
    options: &ResolveOptions,
    data: &ReferenceData,
) -> Vec<String> {
    let chosen: Vec<String> = if let Some(cli) = &options.regulations {
        cli.clone()
    } else if let Some(org) = organization.filter(|o| !o.regulations.is_empty()) {
        org.regulations.iter().map(|r| r.value.clone()).collect()
    } else if let Some(org) = organization {
        // An activity's own markets are places the organisation targets.
        let markets = org
            .markets
            .iter()
            .chain(activities.iter().flat_map(|a| &a.markets));
        return derived(org, markets, options.as_of, data);
    } else {
        Vec::new()
    };
    with_companions(chosen, data)
}

/// The regulations whose territory holds the organisation's establishment
/// or one of `markets` (GDPR Art. 3(1) and 3(2), revFADP Art. 3(1)).
fn derived<'a>(
    org: &super::Organization,
    markets: impl Iterator<Item = &'a Spanned<String>>,
    date: jiff::civil::Date,
    data: &ReferenceData,
) -> Vec<String> {
    let within = |places: &[String], country: &str| {
        places
            .iter()
            .any(|place| data.place_contains(place, country, date))
    };
    let markets = data.expand_places(markets.map(|m| m.value.as_str()), date);
    let chosen = data
        .regulations
        .iter()
        .filter(|r| {
            let established = org
                .country
                .as_ref()
                .is_some_and(|c| within(&r.applies.established_in, &c.value));
            let targets = markets.iter().any(|m| within(&r.applies.targets, m));
            established || targets
        })
        .map(|r| r.id.clone())
        .collect();
    with_companions(chosen, data)
}

/// Adds the regulations that apply `with` one chosen, in the data file's
/// order, so output does not depend on how they were asked.
fn with_companions(chosen: Vec<String>, data: &ReferenceData) -> Vec<String> {
    let mut all: Vec<String> = chosen;
    for r in &data.regulations {
        if !all.contains(&r.id) && r.applies.with.iter().any(|w| all.contains(w)) {
            all.push(r.id.clone());
        }
    }
    let order = |id: &String| {
        data.regulations
            .iter()
            .position(|r| &r.id == id)
            .unwrap_or(usize::MAX)
    };
    all.sort_by_key(order);
    all.dedup();
    all
}
