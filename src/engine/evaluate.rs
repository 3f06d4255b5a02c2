//! Evaluates compiled rules over the resolved model: one CEL value per
//! entity, built once and shared by every rule of that `for_each`; a
//! finding where `when` holds and `require` does not; an evaluation error
//! is itself a finding with the rule's code, never a silent pass.

use super::budget;
use super::entities::{
    self, ActivityRecord, Entities, Entity, FlowFacts, FlowRecord, Kind, PerKind, ProcessorRecord,
    Use, string,
};
use super::fast::Interpret;
use super::fast::{IndexedMap, V};
use super::pack::{Anchor, Rule};
use crate::load::node::Node;
use crate::model::{Activity, Flow, Manifest, Organization, Processor, ReferenceData};
use crate::report::{Finding, Label, Severity};
use crate::source::{SourceMap, Span};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, IdedExpr, Value};
use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The model objects behind one evaluation, for pointing labels.
#[derive(Default, Clone, Copy)]
struct Scope<'m> {
    org: Option<&'m Organization>,
    processor: Option<&'m Processor>,
    activity: Option<&'m Activity>,
    tracking: Option<&'m Node>,
    recipient: Option<Span>,
    flow: Option<&'m Flow>,
    evidence: Option<Span>,
}

pub struct Evaluator<'a> {
    pub manifest: &'a Manifest,
    pub sources: &'a SourceMap,
    pub roots: &'a [PathBuf],
    pub data: &'a ReferenceData,
    /// Severity per rule code after overrides.
    pub severity: &'a HashMap<String, Severity>,
    /// Steps one rule may take in all (see [`budget`]).
    pub max_steps: u64,
}

/// What one evaluation is about: enough to bind its variables again and
/// to point its labels.
#[derive(Clone, Copy)]
enum Subject {
    /// The organisation; with a regulation's bit, as that regulation sees
    /// it (only the activities and processors inside its territory).
    Org(u64),
    Processor(usize),
    Activity(usize),
    /// The activity, the processor, and the index of the reference in the
    /// activity's `recipients`.
    Recipient(usize, usize, usize),
    /// The activity and the index of the entry in its `tracking`.
    Tracking(usize, usize),
    Flow(usize, Kind),
    Evidence(usize),
}

/// A rule that fired (or failed) somewhere. Most hits at one place are
/// repeats, so a hit becomes a finding only once it is known to be the
/// first at its place.
struct Hit<'r> {
    rule: &'r Rule,
    subject: Subject,
    primary: Span,
    /// The value the primary label stands for (see [`Label::value`]).
    primary_value: Span,
    unverified: bool,
    /// Why the rule could not be evaluated, if it could not.
    error: Option<String>,
}

/// Where an anchor is drawn and the value it stands for.
#[derive(Clone, Copy)]
struct Drawn {
    span: Span,
    value: Span,
    /// The anchor names a field the rule reads (`org.residency`), not the
    /// entity it is on.
    field: bool,
}

/// A value every evaluation shares (`org`, `today`, a processor), with its
/// conversion to the interpreter's representation, made the first time the
/// interpreter needs it (the fast path usually spares it).
struct Cached {
    map: IndexedMap,
    val: OnceLock<Option<Box<dyn Val>>>,
}

impl Cached {
    fn new(value: Value) -> Cached {
        Cached {
            map: IndexedMap::new(value),
            val: OnceLock::new(),
        }
    }

    fn val(&self) -> Option<&dyn Val> {
        self.val
            .get_or_init(|| Box::<dyn Val>::try_from(self.map.value.clone()).ok())
            .as_deref()
    }
}

/// One variable of an evaluation.
enum Binding<'a> {
    Cached(&'a Cached),
    Shared(&'a Value),
    Owned(Value),
    /// A flow, read field by field; its CEL map is built only if needed.
    Flow(FlowRecord<'a>),
    /// A recipient reference, likewise.
    Recipient(entities::RecipientRecord<'a>),
    /// An activity or processor, read field by field; its CEL map is built
    /// once, the first time it is needed.
    Entity(&'a dyn Entity, &'a OnceLock<Value>),
    /// Every activity or processor (an organisation's rules).
    Entities(&'a dyn Entities, &'a [OnceLock<Value>]),
    /// Those of them inside a regulation's territory.
    Subset(Subset<'a>),
}

/// The CEL list of the entities at `indices`, each map built once.
fn entity_list(
    all: &dyn Entities,
    values: &[OnceLock<Value>],
    indices: impl Iterator<Item = usize>,
) -> Value {
    entities::list(
        indices
            .map(|i| values[i].get_or_init(|| all.entity(i).to_value()).clone())
            .collect(),
    )
}

/// Some of the activities or processors, by index.
struct Subset<'a> {
    all: &'a dyn Entities,
    values: &'a [OnceLock<Value>],
    keep: &'a [usize],
}

impl super::fast::Records for Subset<'_> {
    fn len(&self) -> usize {
        self.keep.len()
    }

    fn get(&self, index: usize) -> &dyn super::fast::Record {
        self.all.get(self.keep[index])
    }
}

impl Entities for Subset<'_> {
    fn entity(&self, index: usize) -> &dyn Entity {
        self.all.entity(self.keep[index])
    }
}

impl Binding<'_> {
    fn fast(&self) -> V<'_> {
        match self {
            Binding::Cached(cached) => cached.map.fast(),
            Binding::Shared(value) => V::Ref(value),
            Binding::Owned(value) => V::Ref(value),
            Binding::Flow(record) => V::Record(record),
            Binding::Recipient(record) => V::Record(record),
            Binding::Entity(record, _) => V::Record(*record),
            Binding::Entities(records, _) => V::Records(*records),
            Binding::Subset(subset) => V::Records(subset),
        }
    }

    /// The variable as CEL. An entity's map is kept for later
    /// evaluations when `keep` (the interpreter, which may come back to it
    /// for every rule), and otherwise built for the caller alone (a
    /// message), so that rendering findings does not hold every map.
    fn value(&self, keep: bool) -> Value {
        match self {
            Binding::Cached(cached) => cached.map.value.clone(),
            Binding::Shared(value) => (*value).clone(),
            Binding::Owned(value) => value.clone(),
            Binding::Flow(record) => record.to_value(),
            Binding::Recipient(record) => record.to_value(),
            Binding::Entity(record, value) if keep => {
                value.get_or_init(|| record.to_value()).clone()
            }
            Binding::Entity(record, value) => {
                value.get().cloned().unwrap_or_else(|| record.to_value())
            }
            Binding::Entities(records, values) => entity_list(*records, values, 0..values.len()),
            Binding::Subset(subset) => {
                entity_list(subset.all, subset.values, subset.keep.iter().copied())
            }
        }
    }
}

impl Evaluator<'_> {
    /// The findings of `rules`, and the rules stopped for spending their
    /// evaluation budget (whose findings are left out).
    pub fn run<'r>(&self, rules: &[&'r Rule]) -> (Vec<Finding>, Vec<&'r Rule>) {
        use rayon::prelude::*;
        let m = self.manifest;
        let shared = crate::timings::time("  entities", || self.shared(rules));
        let active = |kind: Kind| !shared.rules[kind].is_empty();

        // Subjects are evaluated in parallel; collecting keeps the model's
        // order, so the output does not depend on the thread count.
        let mut hits = self.hits(&shared, Kind::Organization, Subject::Org(0));
        for view in &shared.territory.views {
            hits.extend(self.hits(&shared, Kind::Organization, Subject::Org(view.bit)));
        }
        if active(Kind::Processor) {
            let per: Vec<Vec<Hit>> = (0..m.processors.len())
                .into_par_iter()
                .map(|i| self.hits(&shared, Kind::Processor, Subject::Processor(i)))
                .collect();
            hits.extend(per.into_iter().flatten());
        }
        if active(Kind::Activity) || active(Kind::Recipient) || active(Kind::Tracking) {
            let per: Vec<Vec<Hit>> = crate::timings::time("  activity rules", || {
                (0..m.activities.len())
                    .into_par_iter()
                    .map(|i| self.activity_hits(&shared, i))
                    .collect()
            });
            hits.extend(per.into_iter().flatten());
        }
        for kind in [Kind::Transfer, Kind::Flow] {
            if !active(kind) {
                continue;
            }
            let per: Vec<Vec<Hit>> = crate::timings::time(
                if kind == Kind::Flow {
                    "  flow rules"
                } else {
                    "  transfer rules"
                },
                || {
                    (0..m.flows.len())
                        .into_par_iter()
                        .filter(|&f| kind == Kind::Flow || !m.flows[f].in_eea)
                        .map(|f| self.hits(&shared, kind, Subject::Flow(f, kind)))
                        .collect()
                },
            );
            hits.extend(per.into_iter().flatten());
        }
        for e in 0..shared.evidence.len() {
            hits.extend(self.hits(&shared, Kind::Evidence, Subject::Evidence(e)));
        }
        let stopped: Vec<&Rule> = Kind::ALL
            .into_iter()
            .flat_map(|kind| {
                let spent = &shared.spent[kind];
                shared.rules[kind]
                    .iter()
                    .zip(spent)
                    .filter(|(_, spent)| spent.load(Ordering::Relaxed) > self.max_steps)
                    .map(|(rule, _)| *rule)
            })
            .collect();
        if !stopped.is_empty() {
            hits.retain(|hit| !stopped.iter().any(|r| std::ptr::eq(*r, hit.rule)));
        }
        let kept = collapse(hits);
        let findings = crate::timings::time("  findings", || {
            kept.into_par_iter()
                .map(|(hit, more)| self.finding(&shared, &hit, more))
                .collect()
        });
        (findings, stopped)
    }

    /// What every evaluation shares, built once.
    fn shared<'r>(&self, rules: &[&'r Rule]) -> Shared<'_, 'r> {
        use rayon::prelude::*;
        let m = self.manifest;
        let uses = self.processor_use();
        let rules: PerKind<Vec<&Rule>> =
            PerKind::new(|k| rules.iter().copied().filter(|r| r.kind == k).collect());
        let active = |kind: Kind| !rules[kind].is_empty();
        let spent = PerKind::new(|kind| rules[kind].iter().map(|_| AtomicU64::new(0)).collect());
        let patterns = PerKind::new(|kind| {
            rules[kind]
                .iter()
                .map(|r| r.patterns_from_data().then(Default::default))
                .collect()
        });
        // Evidence (one map per cited document, and a file lookup) is made
        // on one thread, beside the flows' facts.
        let (evidence, facts) = rayon::join(
            || {
                crate::timings::time("    evidence", || {
                    if active(Kind::Evidence) {
                        self.evidence()
                    } else {
                        Vec::new()
                    }
                })
            },
            || {
                crate::timings::time("    flow facts", || {
                    (active(Kind::Transfer) || active(Kind::Flow))
                        .then(|| FlowFacts::new(m, self.data))
                })
            },
        );
        let distinct = facts.as_ref().map_or(0, FlowFacts::distinct);
        // Rules share verdicts in their order until the cells would pass
        // the budget (a user pack of thousands of rules on a set with
        // thousands of distinct facts); the rest are evaluated per flow.
        let mut cells = 0usize;
        let flow_verdicts = PerKind::new(|kind| {
            if !matches!(kind, Kind::Transfer | Kind::Flow) {
                return Vec::new();
            }
            rules[kind]
                .iter()
                .map(|rule| {
                    let shared = facts_decide(rule, kind)
                        && cells.saturating_add(distinct) <= MAX_SHARED_VERDICTS;
                    cells += if shared { distinct } else { 0 };
                    shared.then(|| (0..distinct).map(|_| OnceLock::new()).collect())
                })
                .collect()
        });
        Shared {
            spent,
            patterns,
            org: Cached::new(entities::organization(m, self.data)),
            today: Cached::new(string(m.as_of.to_string())),
            processors: crate::timings::time("    processor records", || {
                (0..m.processors.len())
                    .into_par_iter()
                    .map(|i| ProcessorRecord::new(m, i, uses[i], self.data))
                    .collect()
            }),
            processor_values: (0..m.processors.len()).map(|_| OnceLock::new()).collect(),
            activities: crate::timings::time("    activity records", || {
                (0..m.activities.len())
                    .into_par_iter()
                    .map(|i| ActivityRecord::new(m, i))
                    .collect()
            }),
            activity_values: (0..m.activities.len()).map(|_| OnceLock::new()).collect(),
            facts,
            flow_verdicts,
            evidence,
            processor_index: if active(Kind::Recipient) {
                let mut index = foldhash::HashMap::default();
                for (i, p) in m.processors.iter().enumerate() {
                    index.entry(p.id.value.as_str()).or_insert(i);
                }
                index
            } else {
                Default::default()
            },
            territory: Territory::new(m, &rules),
            rules,
        }
    }

    /// The activity's own hits, then its recipients', then its tracking entries'.
    fn activity_hits<'r>(&self, shared: &Shared<'_, 'r>, i: usize) -> Vec<Hit<'r>> {
        let m = self.manifest;
        let a = &m.activities[i];
        let mut hits = self.hits(shared, Kind::Activity, Subject::Activity(i));
        if !shared.rules[Kind::Recipient].is_empty() {
            for (r, reference) in a.recipients.iter().enumerate() {
                let Some(&p) = shared.processor_index.get(reference.value.as_str()) else {
                    continue;
                };
                hits.extend(self.hits(shared, Kind::Recipient, Subject::Recipient(i, p, r)));
            }
        }
        if !shared.rules[Kind::Tracking].is_empty() {
            let items = a.node.get("tracking").map(Node::as_seq).unwrap_or_default();
            for t in 0..items.len() {
                hits.extend(self.hits(shared, Kind::Tracking, Subject::Tracking(i, t)));
            }
        }
        hits
    }

    /// The variables of a subject and the model objects behind them.
    fn bind<'s>(
        &'s self,
        shared: &'s Shared<'s, '_>,
        subject: Subject,
    ) -> (Vec<(&'static str, Binding<'s>)>, Scope<'s>) {
        let m = self.manifest;
        let mut scope = Scope {
            org: m.organization.as_ref(),
            ..Scope::default()
        };
        // Room for the subject's variables and the two every kind sees.
        let mut vars = Vec::with_capacity(5);
        match subject {
            Subject::Org(0) => vars.extend([
                (
                    "activities",
                    Binding::Entities(&shared.activities, &shared.activity_values),
                ),
                (
                    "processors",
                    Binding::Entities(&shared.processors, &shared.processor_values),
                ),
            ]),
            Subject::Org(bit) => {
                let view = shared.territory.view(bit);
                vars.extend([
                    (
                        "activities",
                        Binding::Subset(Subset {
                            all: &shared.activities,
                            values: &shared.activity_values,
                            keep: &view.activities,
                        }),
                    ),
                    (
                        "processors",
                        Binding::Subset(Subset {
                            all: &shared.processors,
                            values: &shared.processor_values,
                            keep: &view.processors,
                        }),
                    ),
                ]);
            }
            Subject::Processor(i) => {
                scope.processor = Some(&m.processors[i]);
                vars.push(("processor", shared.processor(i)))
            }
            Subject::Activity(i) => {
                scope.activity = Some(&m.activities[i]);
                vars.push(("activity", shared.activity(i)))
            }
            Subject::Recipient(i, p, r) => {
                scope.activity = Some(&m.activities[i]);
                scope.processor = Some(&m.processors[p]);
                scope.recipient = Some(m.activities[i].recipients[r].span);
                vars.extend([
                    (
                        "recipient",
                        Binding::Recipient(entities::RecipientRecord::new(m, i, p)),
                    ),
                    ("activity", shared.activity(i)),
                    ("processor", shared.processor(p)),
                ])
            }
            Subject::Tracking(i, t) => {
                let a = &m.activities[i];
                let items = a.node.get("tracking").map(Node::as_seq).unwrap_or_default();
                scope.activity = Some(a);
                scope.tracking = items.get(t);
                let value = scope
                    .tracking
                    .map_or(Value::Null, |item| entities::tracking_value(item, t));
                vars.extend([
                    ("tracking", Binding::Owned(value)),
                    ("activity", shared.activity(i)),
                ])
            }
            Subject::Flow(f, kind) => {
                let flow = &m.flows[f];
                let party = *flow.chain.last().unwrap_or(&0);
                scope.activity = Some(&m.activities[flow.activity]);
                scope.processor = Some(&m.processors[party]);
                scope.flow = Some(flow);
                let facts = shared
                    .facts
                    .as_ref()
                    .expect("flow facts are built when flow rules run");
                vars.extend([
                    (
                        if kind == Kind::Flow {
                            "flow"
                        } else {
                            "transfer"
                        },
                        Binding::Flow(facts.record(m, self.data, f)),
                    ),
                    ("activity", shared.activity(flow.activity)),
                    ("processor", shared.processor(party)),
                ])
            }
            Subject::Evidence(e) => {
                scope.evidence = Some(shared.evidence[e].span);
                vars.push(("evidence", Binding::Shared(&shared.evidence[e].value)))
            }
        };
        vars.push(("org", Binding::Cached(&shared.org)));
        vars.push(("today", Binding::Cached(&shared.today)));
        (vars, scope)
    }

    /// Runs a kind's rules on one subject.
    fn hits<'r>(&self, shared: &Shared<'_, 'r>, kind: Kind, subject: Subject) -> Vec<Hit<'r>> {
        let rules = &shared.rules[kind];
        if rules.is_empty() {
            return Vec::new();
        }
        let verdicts = match (subject, &shared.facts) {
            (Subject::Flow(f, kind), Some(facts)) => {
                Some((&shared.flow_verdicts[kind], facts.of_flow(f)))
            }
            _ => None,
        };
        // Release builds skip a flow whose every rule has a shared verdict
        // that it does not fire (debug builds bind it, to check them all).
        if !cfg!(debug_assertions)
            && let Some((per_rule, k)) = verdicts
            && per_rule
                .iter()
                .all(|cells| cells.as_ref().is_some_and(|c| c[k].get() == Some(&None)))
        {
            return Vec::new();
        }
        let (bindings, scope) = self.bind(shared, subject);
        let vars: Vec<(&str, V)> = bindings.iter().map(|(n, b)| (*n, b.fast())).collect();
        // The interpreter is asked only where the fast path declines; its
        // variables are made then, once per subject. Shared values keep
        // their conversion; the rest (activities, flows) is converted here.
        let owned: OnceCell<Vec<Option<Box<dyn Val>>>> = OnceCell::new();
        let interpret = |expr: &IdedExpr| {
            let owned = owned.get_or_init(|| {
                bindings
                    .iter()
                    .map(|(_, binding)| match binding {
                        Binding::Cached(_) => None,
                        other => Box::<dyn Val>::try_from(other.value(true)).ok(),
                    })
                    .collect()
            });
            let lent = Lent {
                vars: bindings
                    .iter()
                    .zip(owned)
                    .filter_map(|((name, binding), own)| {
                        let val: &dyn Val = match (binding, own) {
                            (Binding::Cached(cached), _) => cached.val()?,
                            (_, own) => own.as_deref()?,
                        };
                        Some((*name, val))
                    })
                    .collect(),
            };
            let mut context = Context::with_env(budget::env());
            context.set_variable_resolver(&lent);
            Value::resolve(expr, &context)
        };
        // Looked up once per subject, not once per rule and subject.
        let (spent, patterns) = (&shared.spent[kind], &shared.patterns[kind]);
        // Evidence is inside a regulation's territory where its owner is.
        let territorial = match subject {
            Subject::Evidence(e) => shared.evidence[e].owner,
            subject => subject,
        };
        let admits = shared.territory.admits(self.manifest, territorial);
        let rule_bits = &shared.territory.rule_bits[kind];
        rules
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| {
                if !admits.rule(rule_bits[i]) {
                    return None;
                }
                // Once a rule has spent its budget, its other evaluations
                // are skipped: it is reported as stopped, whatever they give.
                let spent = &spent[i];
                if spent.load(Ordering::Relaxed) > self.max_steps {
                    return None;
                }
                let patterns = &patterns[i];
                let metered = || {
                    let _charged = patterns.as_ref().map(|p| budget::patterns(Some(p.clone())));
                    budget::begin(self.max_steps);
                    let verdict = Self::verdict(rule, &vars, &interpret);
                    // Most evaluations go through no list: no write to share.
                    let steps = budget::end();
                    if steps > 0 {
                        spent.fetch_add(steps, Ordering::Relaxed);
                    }
                    verdict
                };
                let shared_verdict = verdicts.and_then(|(v, k)| v[i].as_ref().map(|v| &v[k]));
                let verdict = match shared_verdict {
                    Some(cell) => {
                        let verdict = cell.get_or_init(metered);
                        #[cfg(debug_assertions)]
                        assert_eq!(
                            *verdict,
                            budget::apart(|| Self::verdict(rule, &vars, &interpret)),
                            "a shared verdict of {} differs from the flow's own",
                            rule.code
                        );
                        verdict.clone()
                    }
                    None => metered(),
                }?;
                self.hit(rule, verdict, scope, subject)
            })
            .collect()
    }

    /// Per processor: whether some activity's data reach it, and whether
    /// the organisation sends them to it itself (the first party of a
    /// flow) rather than only through another processor.
    fn processor_use(&self) -> Vec<Use> {
        let m = self.manifest;
        let mut uses = vec![Use::default(); m.processors.len()];
        for flow in &m.flows {
            if let Some(&first) = flow.chain.first() {
                uses[first].direct = true;
            }
            for &p in flow.chain.iter() {
                uses[p].used = true;
            }
        }
        uses
    }

    /// Whether a rule fires on one subject: `when` holds and `require`
    /// does not, or one of them cannot be evaluated.
    fn verdict(rule: &Rule, vars: &[(&str, V)], interpret: &Interpret<'_>) -> Verdict {
        if let Some(when) = &rule.when {
            match when.eval_bool(vars, interpret) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => return Some((false, Some(e))),
            }
        }
        match rule.require.eval_bool(vars, interpret) {
            Ok(true) => return None,
            Ok(false) => {}
            Err(e) => return Some((false, Some(e))),
        }
        let unverified = match &rule.verified {
            None => false,
            Some(verified) => match verified.eval_bool(vars, interpret) {
                Ok(b) => !b,
                Err(e) => return Some((false, Some(e))),
            },
        };
        Some((unverified, None))
    }

    /// The hit a firing rule makes on a subject, where its anchor points.
    fn hit<'r>(
        &self,
        rule: &'r Rule,
        (unverified, error): (bool, Option<String>),
        scope: Scope,
        subject: Subject,
    ) -> Option<Hit<'r>> {
        let (primary, primary_value) = self
            .resolve(&rule.at, scope)
            .map(|d| (d.span, d.value))
            .or_else(|| self.default_span(scope).map(|s| (s, s)))?;
        Some(Hit {
            rule,
            subject,
            primary,
            primary_value,
            unverified,
            error,
        })
    }

    /// The finding a hit stands for, with the number of repeats it hides.
    fn finding(&self, shared: &Shared, hit: &Hit, more: usize) -> Finding {
        let rule = hit.rule;
        let (bindings, scope) = self.bind(shared, hit.subject);
        let mut finding = match &hit.error {
            Some(message) => Finding::new(
                &rule.code,
                &rule.name,
                Severity::Error,
                format!("rule `{}` could not be evaluated here", rule.code),
                Label::new(hit.primary, "while checking this").standing_for(hit.primary_value),
            )
            .with_note(message.clone())
            .with_help("this is a defect in the rule pack: fix the rule's expression (use `has()` for optional fields)"),
            None => self.message(rule, &bindings, scope, hit),
        };
        if more > 0 {
            let what = if more == 1 {
                "1 more case".to_string()
            } else {
                format!("{more} more cases")
            };
            finding.notes.push(format!("reported once here; the same applies to {what} (other activities or chains reaching this place)"));
        }
        finding
    }

    /// Renders a rule's message, labels, notes and help for a hit.
    fn message(
        &self,
        rule: &Rule,
        bindings: &[(&str, Binding)],
        scope: Scope,
        hit: &Hit,
    ) -> Finding {
        // Only the variables the templates name are made, once each.
        let values: Vec<OnceCell<Value>> = bindings.iter().map(|_| OnceCell::new()).collect();
        let lookup = |var: &str, field: Option<&str>| {
            let i = bindings.iter().position(|(n, _)| *n == var)?;
            let whole = || values[i].get_or_init(|| bindings[i].1.value(false));
            match (field, &bindings[i].1) {
                (None, _) => Some(whole().clone()),
                (Some(f), Binding::Entity(record, map)) if map.get().is_none() => {
                    record.field_value(f)
                }
                (Some(f), Binding::Flow(record)) => record.field_value(f),
                (Some(f), _) => match whole() {
                    Value::Map(map) => map.get(&cel::objects::Key::from(f)).cloned(),
                    _ => None,
                },
            }
        };
        let mut severity = *self.severity.get(&rule.code).unwrap_or(&rule.severity);
        if hit.unverified && severity == Severity::Error {
            severity = Severity::Warning;
        }
        let label = rule
            .label
            .as_ref()
            .map_or_else(|| rule.summary.clone(), |t| t.render(&lookup));
        let mut finding = Finding::new(
            &rule.code,
            &rule.name,
            severity,
            rule.message.render(&lookup),
            Label::new(hit.primary, label).standing_for(hit.primary_value),
        );
        for (anchor, message) in &rule.related {
            if let Some(drawn) = self
                .resolve(anchor, scope)
                .filter(|d| d.span != hit.primary)
            {
                let mut label =
                    Label::new(drawn.span, message.render(&lookup)).standing_for(drawn.value);
                label.reads_whole = drawn.field;
                finding = finding.with_secondary(label);
            }
        }
        if let Some(note) = rule
            .note
            .as_ref()
            .and_then(|n| n.render_unless_empty(&lookup))
        {
            finding = finding.with_note(note);
        }
        if hit.unverified {
            finding = finding.with_note("this rests on a fact not yet confirmed against a primary source, so it is at most a warning");
        }
        finding.help = rule.help.as_ref().map(|h| h.render(&lookup));
        finding.citation = rule.citation.clone();
        finding.identity = Some(identity(rule, bindings, &lookup));
        finding
    }

    fn default_span(&self, scope: Scope) -> Option<Span> {
        scope
            .evidence
            .or(scope.recipient)
            .or(scope.flow.map(|f| f.country.span))
            .or(scope.tracking.map(head))
            .or(scope.activity.map(|a| a.id.span))
            .or(scope.processor.map(|p| p.id.span))
            .or(scope.org.map(|o| o.key_span))
    }

    /// Where an anchor is drawn and the value it stands for (the same
    /// span, but for a value over several lines, drawn at its key), or
    /// `None` when it is not in this scope.
    fn resolve(&self, anchor: &Anchor, scope: Scope) -> Option<Drawn> {
        let path: Vec<&str> = anchor.path.iter().map(String::as_str).collect();
        let at = |s: Span| Drawn {
            span: s,
            value: s,
            field: false,
        };
        match anchor.var.as_str() {
            "org" => {
                let org = scope.org?;
                Some(self.node_path(&org.node, &path).unwrap_or(at(org.key_span)))
            }
            "processor" => {
                let p = scope.processor?;
                if path == ["locations"] && p.node.get("locations").is_none() {
                    return p.country.as_ref().map(|c| at(c.span));
                }
                Some(self.node_path(&p.node, &path).unwrap_or(at(p.id.span)))
            }
            "activity" => {
                let a = scope.activity?;
                // `consent` is drawn where the facts read it from.
                let holder = match path.first() {
                    Some(&"consent") => entities::consent_holder(&a.node).unwrap_or(&a.node),
                    _ => &a.node,
                };
                Some(self.node_path(holder, &path).unwrap_or(at(a.id.span)))
            }
            "tracking" => {
                let t = scope.tracking?;
                Some(self.node_path(t, &path).unwrap_or_else(|| at(head(t))))
            }
            "recipient" => scope.recipient.map(at),
            "evidence" => scope.evidence.map(at),
            "transfer" | "flow" => {
                let flow = scope.flow?;
                match path.first().copied() {
                    None | Some("country") => Some(at(flow.country.span)),
                    Some("recipient") => {
                        let first = &self.manifest.processors[*flow.chain.first()?].id.value;
                        let a = &self.manifest.activities[flow.activity];
                        a.recipients
                            .iter()
                            .find(|r| &r.value == first)
                            .map(|r| at(r.span))
                    }
                    Some(_) => {
                        let Some((on, i)) = flow.covered_by else {
                            return Some(at(flow.country.span));
                        };
                        let decl = self.manifest.declaration(on, i);
                        let field = if path[0] == "declaration" {
                            &path[1..]
                        } else {
                            &path[..]
                        };
                        Some(
                            self.node_path(&decl.node, field)
                                .unwrap_or(at(decl.mechanism.span)),
                        )
                    }
                }
            }
            _ => None,
        }
    }

    /// Where a field path inside a node is drawn, and its value's span. A
    /// mapping, list or text written over several lines is pointed at by
    /// its key, not underlined whole.
    fn node_path(&self, node: &Node, path: &[&str]) -> Option<Drawn> {
        if path.is_empty() {
            return None;
        }
        let mut current = node;
        let mut key_span = None;
        for segment in path {
            if let Ok(index) = segment.parse::<usize>() {
                current = current.as_seq().get(index)?;
                key_span = None;
            } else {
                let entry = current.entry(segment)?;
                key_span = Some(entry.key_span);
                current = &entry.value;
            }
        }
        let span = current.span;
        let file = self.sources.get(span.file);
        let multi_line = file.line_index(span.start as usize) != file.line_index(span.end as usize);
        Some(Drawn {
            span: if multi_line {
                key_span.unwrap_or(span)
            } else {
                span
            },
            value: span,
            field: true,
        })
    }

    /// Every evidence reference (`agreement.ref`, `tia`, `assessment`).
    fn evidence(&self) -> Vec<Evidence> {
        let m = self.manifest;
        let mut found = Vec::new();
        let mut lookup = EvidenceLookup::new(self.roots);
        let mut add = |subject: Subject, owner: &str, field: &str, node: Option<&Node>| {
            let Some(node) = node else { return };
            let Some(path) = node.as_str() else { return };
            let is_url = path.contains("://") || path.starts_with("mailto:");
            let file = &self.sources.get(node.span.file).path;
            let exists = is_url || lookup.exists(file, path);
            let mut map = entities::MapBuilder::default();
            map.set("path", string(path))
                .set("field", string(field))
                .set("is_url", Value::Bool(is_url))
                .set("exists", Value::Bool(exists))
                .set("owner", string(owner));
            found.push(Evidence {
                span: node.span,
                value: map.build(),
                owner: subject,
            });
        };
        for (i, p) in m.processors.iter().enumerate() {
            let owner = Subject::Processor(i);
            add(
                owner,
                &p.id.value,
                "agreement.ref",
                p.node.get("agreement").and_then(|a| a.get("ref")),
            );
            for t in &p.transfers {
                add(owner, &p.id.value, "transfers.tia", t.node.get("tia"));
            }
        }
        for (i, a) in m.activities.iter().enumerate() {
            let owner = Subject::Activity(i);
            add(
                owner,
                &a.id.value,
                "legal_basis.assessment",
                a.node.get("legal_basis").and_then(|b| b.get("assessment")),
            );
            for t in &a.transfers {
                add(owner, &a.id.value, "transfers.tia", t.node.get("tia"));
            }
        }
        found
    }
}

/// Whether evidence paths exist. A relative path may be written from the
/// manifest file's folder, from a root given on the command line, or from
/// the repository root; it exists if it is found from any of them. Each
/// folder's repository root, and each (folder, path) answer, is looked up
/// once: many entities cite the same documents.
struct EvidenceLookup {
    /// The roots as folders, worked out once.
    roots: Vec<PathBuf>,
    repositories: HashMap<PathBuf, Option<PathBuf>>,
    /// Outside a repository, the folders evidence must be in: the working
    /// folder and the roots, resolved once, when first needed.
    bounds: std::cell::OnceCell<Vec<PathBuf>>,
    answers: HashMap<(PathBuf, String), bool>,
}

impl EvidenceLookup {
    fn new(roots: &[PathBuf]) -> EvidenceLookup {
        EvidenceLookup {
            roots: roots
                .iter()
                .map(|r| {
                    if r.is_dir() {
                        r.clone()
                    } else {
                        r.parent().unwrap_or(Path::new(".")).to_path_buf()
                    }
                })
                .collect(),
            repositories: HashMap::new(),
            bounds: std::cell::OnceCell::new(),
            answers: HashMap::new(),
        }
    }

    fn exists(&mut self, manifest_file: &Path, path: &str) -> bool {
        let relative = Path::new(path);
        if relative.is_absolute() {
            // Not a repository path (PL012 says so), even with PL012 ignored.
            return false;
        }
        let dir = manifest_file.parent().unwrap_or(Path::new("."));
        let key = (dir.to_path_buf(), path.to_string());
        if let Some(&known) = self.answers.get(&key) {
            return known;
        }
        let repository = self
            .repositories
            .entry(dir.to_path_buf())
            .or_insert_with(|| crate::source::repository_root(dir).map(|root| real(&root)))
            .clone();
        // A document, inside the repository when there is one, else inside
        // the working folder or a path given: a path that climbs out
        // (`../../etc/passwd`) names a file of whichever machine runs the
        // check.
        let inside = |found: &Path| {
            let found = real(found);
            match &repository {
                Some(root) => found.starts_with(root),
                None => self
                    .bounds
                    .get_or_init(|| {
                        // A check run from `/` would otherwise accept any
                        // file of the machine: the file system's root is
                        // no project folder.
                        let cwd = std::env::current_dir()
                            .ok()
                            .map(|cwd| real(&cwd))
                            .filter(|cwd| cwd.parent().is_some());
                        cwd.into_iter()
                            .chain(self.roots.iter().map(|b| real(b)))
                            .collect()
                    })
                    .iter()
                    .any(|bound| found.starts_with(bound)),
            }
        };
        let found = std::iter::once(dir.to_path_buf())
            .chain(self.roots.iter().cloned())
            .chain(repository.clone())
            .map(|base| base.join(relative))
            .any(|candidate| candidate.is_file() && inside(&candidate));
        self.answers.insert(key, found);
        found
    }
}

/// A path resolved as the file system does, links included: a committed
/// link to `/` must not carry evidence out of the project.
fn real(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| crate::source::absolute_normalized(path))
}

struct Evidence {
    span: Span,
    value: Value,
    /// The processor or activity that cites it: the evidence is inside a
    /// regulation's territory where its owner is.
    owner: Subject,
}

/// Shared verdicts kept in one run, at most (about 40 MB).
const MAX_SHARED_VERDICTS: usize = 1 << 20;

/// Whether a rule fires, and if so whether unverified and with what
/// evaluation error: `None` when it does not fire.
type Verdict = Option<(bool, Option<String>)>;

/// Whether a flow or transfer rule's verdict is the same on every flow
/// with the same regime facts: it reads `today`, `org`, and only the
/// fields of the flow that the facts decide.
fn facts_decide(rule: &Rule, kind: Kind) -> bool {
    let flow = if kind == Kind::Flow {
        "flow"
    } else {
        "transfer"
    };
    let allowed = |var: &str, field: Option<&str>| match var {
        "today" | "org" => true,
        _ if var == flow => field.is_some_and(FlowFacts::determines),
        _ => false,
    };
    [
        rule.when.as_ref(),
        Some(&rule.require),
        rule.verified.as_ref(),
    ]
    .into_iter()
    .flatten()
    .all(|expr| expr.reads_only(&allowed))
}

/// What every evaluation shares: the CEL environment (made only if the
/// interpreter is needed), the entity values built once, and the rules by
/// kind.
struct Shared<'a, 'r> {
    /// Steps each rule has taken, by kind in the order of `rules`; past
    /// the evaluator's `max_steps` the rule is stopped.
    spent: PerKind<Vec<AtomicU64>>,
    /// The `matches` patterns each rule that takes them from data has
    /// compiled, in the same order.
    patterns: PerKind<Vec<Option<budget::Patterns>>>,
    org: Cached,
    today: Cached,
    processors: Vec<ProcessorRecord<'a>>,
    /// The processors' CEL maps, each built the first time it is needed.
    processor_values: Vec<OnceLock<Value>>,
    activities: Vec<ActivityRecord<'a>>,
    /// The activities' CEL maps, each built the first time it is needed.
    activity_values: Vec<OnceLock<Value>>,
    /// The regime facts of the flows, when flow rules run.
    facts: Option<FlowFacts>,
    /// For flow and transfer rules that read nothing a flow's facts do not
    /// decide (see [`facts_decide`]), their verdict per set of facts: worked
    /// out on the first flow with those facts, shared by the others (tens
    /// of thousands of flows have a few hundred sets of facts).
    flow_verdicts: PerKind<Vec<Option<Vec<OnceLock<Verdict>>>>>,
    evidence: Vec<Evidence>,
    /// The first processor with each id, when recipient rules run.
    processor_index: foldhash::HashMap<&'a str, usize>,
    rules: PerKind<Vec<&'r Rule>>,
    territory: Territory,
}

/// Which regulations do not apply to a subject, as bits of their
/// positions in the manifest's regulations: an activity's `markets` may
/// leave it outside a regulation that applies to the organisation (GDPR
/// Art. 3(2) reaches only the processing related to the targeting), and
/// with it the processors that only such activities use.
struct Territory {
    /// The bit of each rule's regulation (0 for none), in `rules`' order.
    rule_bits: PerKind<Vec<u64>>,
    activities: Vec<u64>,
    processors: Vec<u64>,
    /// The regulations some activity lies outside of.
    narrowed: u64,
    /// Per such regulation, what its organisation rules see.
    views: Vec<View>,
}

/// The activities and processors inside one regulation's territory.
struct View {
    bit: u64,
    activities: Vec<usize>,
    processors: Vec<usize>,
}

/// Which rules run on a subject.
struct Admits {
    /// Rules of these regulations do not.
    outside: u64,
    /// Only rules of this regulation do (an organisation's view of it).
    only: Option<u64>,
}

impl Admits {
    fn rule(&self, bit: u64) -> bool {
        match self.only {
            Some(only) => bit == only,
            None => bit & self.outside == 0,
        }
    }
}

impl Territory {
    fn new(m: &Manifest, rules: &PerKind<Vec<&Rule>>) -> Territory {
        let bit = |regulation: &str| {
            m.regulations
                .iter()
                .position(|r| r == regulation)
                .filter(|&i| i < 64)
                .map_or(0, |i| 1u64 << i)
        };
        let activities: Vec<u64> = m
            .activities
            .iter()
            .map(|a| a.outside.iter().fold(0, |bits, r| bits | bit(r)))
            .collect();
        let narrowed = activities.iter().fold(0, |all, &bits| all | bits);
        // A processor is outside a regulation when every activity whose
        // data reach it is; one no activity reaches stays inside.
        let mut processors = vec![0u64; if narrowed != 0 { m.processors.len() } else { 0 }];
        if narrowed != 0 {
            let all = !0u64;
            let mut reached = vec![None::<u64>; m.processors.len()];
            for flow in &m.flows {
                let inside = all & !activities[flow.activity];
                for &p in flow.chain.iter() {
                    *reached[p].get_or_insert(0) |= inside;
                }
            }
            for (bits, reached) in processors.iter_mut().zip(reached) {
                *bits = reached.map_or(0, |inside| !inside);
            }
        }
        let inside = |bits: &[u64], b: u64| {
            (0..bits.len())
                .filter(|&i| bits[i] & b == 0)
                .collect::<Vec<usize>>()
        };
        let views = (0..64)
            .map(|i| 1u64 << i)
            .filter(|b| narrowed & b != 0)
            .map(|b| View {
                bit: b,
                activities: inside(&activities, b),
                processors: inside(&processors, b),
            })
            .collect();
        Territory {
            rule_bits: PerKind::new(|kind| {
                rules[kind]
                    .iter()
                    .map(|r| r.regulation.as_deref().map_or(0, bit))
                    .collect()
            }),
            activities,
            processors,
            narrowed,
            views,
        }
    }

    fn view(&self, bit: u64) -> &View {
        self.views
            .iter()
            .find(|v| v.bit == bit)
            .expect("a view for every narrowed regulation")
    }

    /// Which rules run on `subject`.
    fn admits(&self, m: &Manifest, subject: Subject) -> Admits {
        match subject {
            // The whole organisation: the rules of regulations no
            // activity lies outside of; each other one sees its view.
            Subject::Org(0) => Admits {
                outside: self.narrowed,
                only: None,
            },
            Subject::Org(bit) => Admits {
                outside: 0,
                only: Some(bit),
            },
            _ => Admits {
                outside: self.outside(m, subject),
                only: None,
            },
        }
    }

    /// The regulations outside which `subject` lies.
    fn outside(&self, m: &Manifest, subject: Subject) -> u64 {
        let activity = |i: usize| self.activities[i];
        match subject {
            Subject::Org(_) | Subject::Evidence(_) => 0,
            Subject::Processor(p) => self.processors.get(p).copied().unwrap_or(0),
            Subject::Activity(a) | Subject::Recipient(a, ..) | Subject::Tracking(a, _) => {
                activity(a)
            }
            Subject::Flow(f, _) => activity(m.flows[f].activity),
        }
    }
}

impl<'a> Shared<'a, '_> {
    fn activity(&self, i: usize) -> Binding<'_> {
        Binding::Entity(&self.activities[i], &self.activity_values[i])
    }

    fn processor(&self, i: usize) -> Binding<'_> {
        Binding::Entity(&self.processors[i], &self.processor_values[i])
    }
}

/// The variables of one evaluation, lent to CEL without copying.
struct Lent<'a> {
    vars: Vec<(&'static str, &'a dyn Val)>,
}

impl VariableResolver for Lent<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        self.vars
            .iter()
            .find(|(name, _)| *name == variable)
            .map(|(_, val)| CowVal::Borrowed(*val))
    }
}

/// A node's head: a one-line mapping whole, else its first key.
fn head(node: &Node) -> Span {
    match node.entries().first() {
        Some(first) if !is_single_line(node) => first.key_span,
        _ => node.span,
    }
}

fn is_single_line(node: &Node) -> bool {
    node.entries()
        .last()
        .is_none_or(|last| last.value.span.end.saturating_sub(node.span.start) < 120)
        && node
            .entries()
            .iter()
            .all(|e| e.key_span.start >= node.span.start)
        && node.span.end.saturating_sub(node.span.start) < 120
}

/// One finding per rule and place: a flow rule fires once per activity
/// reaching the same location, which would repeat the same label. The
/// first hit is kept (evaluation order is the model's order, so this is
/// deterministic), with how many more it stands for.
fn collapse(hits: Vec<Hit>) -> Vec<(Hit, usize)> {
    let mut kept: Vec<(Hit, usize)> = Vec::with_capacity(hits.len());
    let mut index: foldhash::HashMap<(&str, Span), usize> = Default::default();
    for hit in hits {
        match index.get(&(hit.rule.code.as_str(), hit.primary)) {
            Some(&at) => kept[at].1 += 1,
            None => {
                index.insert((hit.rule.code.as_str(), hit.primary), kept.len());
                kept.push((hit, 0));
            }
        }
    }
    kept
}

/// What a rule's finding is about, for its fingerprint: the values its
/// message names (in any order, without display names), and the ids of
/// the entities in scope, a flow's place and route, a cookie's name, so
/// that two findings whose messages show only names, on the same text,
/// stay apart.
fn identity(
    rule: &Rule,
    bindings: &[(&str, Binding)],
    lookup: &dyn Fn(&str, Option<&str>) -> Option<Value>,
) -> String {
    let mut parts = rule.message.identity(lookup);
    for (var, binding) in bindings {
        let keys: &[&str] = match binding {
            Binding::Entity(..) => &["id"],
            Binding::Flow(_) => &["country", "chain"],
            _ if *var == "tracking" => match lookup(var, Some("name")) {
                Some(Value::String(name)) if !name.is_empty() => &["name"],
                _ => &["index"],
            },
            _ => &[],
        };
        for key in keys {
            if lookup(var, Some(key)).is_some() {
                let value = super::expr::field_text(var, &[key.to_string()], lookup);
                parts.push(format!("{var}.{key}={value}"));
            }
        }
    }
    parts.sort();
    parts.join("\u{1f}")
}
