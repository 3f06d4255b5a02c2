//! Evaluates compiled rules over the resolved model: one CEL value per
//! entity, built once and shared by every rule of that `for_each`; a
//! finding where `when` holds and `require` does not; an evaluation error
//! is itself a finding with the rule's code, never a silent pass.

use super::entities::{self, Kind, string};
use super::pack::{Anchor, Rule};
use crate::load::node::Node;
use crate::model::{Activity, Flow, Manifest, Organization, Processor, ReferenceData};
use crate::report::{Finding, Label, Severity};
use crate::source::{SourceMap, Span};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, Env, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
}

impl Evaluator<'_> {
    pub fn run(&self, rules: &[&Rule]) -> Vec<Finding> {
        use rayon::prelude::*;
        let m = self.manifest;
        let used = self.used_processors();
        let shared = Shared {
            env: Arc::new(Env::stdlib()),
            org: entities::organization(m, self.data),
            today: string(m.as_of.to_string()),
            processors: (0..m.processors.len())
                .into_par_iter()
                .map(|i| entities::processor(m, i, used[i], self.data))
                .collect(),
            activities: (0..m.activities.len())
                .into_par_iter()
                .map(|i| entities::activity(m, i))
                .collect(),
            rules: Kind::ALL
                .into_iter()
                .map(|k| (k, rules.iter().copied().filter(|r| r.kind == k).collect()))
                .collect(),
            converted: HashMap::new(),
        };
        let mut shared = shared;
        shared.convert_shared();
        let shared = shared;
        let org_scope = Scope {
            org: m.organization.as_ref(),
            ..Scope::default()
        };
        let active = |kind: Kind| !shared.rules[&kind].is_empty();
        let mut findings = Vec::new();

        // Entities are evaluated in parallel; collecting keeps the model's
        // order, so the output does not depend on the thread count.
        let organization = self.eval(
            &shared,
            Kind::Organization,
            vec![
                ("activities", entities::list(shared.activities.clone())),
                ("processors", entities::list(shared.processors.clone())),
            ],
            org_scope,
        );
        findings.extend(organization);
        if active(Kind::Processor) {
            let per: Vec<Vec<Finding>> = (0..m.processors.len())
                .into_par_iter()
                .map(|i| {
                    let scope = Scope {
                        processor: Some(&m.processors[i]),
                        ..org_scope
                    };
                    self.eval(
                        &shared,
                        Kind::Processor,
                        vec![("processor", shared.processors[i].clone())],
                        scope,
                    )
                })
                .collect();
            findings.extend(per.into_iter().flatten());
        }
        if active(Kind::Activity) || active(Kind::Recipient) || active(Kind::Tracking) {
            let per: Vec<Vec<Finding>> = (0..m.activities.len())
                .into_par_iter()
                .map(|i| self.activity_findings(&shared, i, org_scope))
                .collect();
            findings.extend(per.into_iter().flatten());
        }
        for (kind, name) in [(Kind::Transfer, "transfer"), (Kind::Flow, "flow")] {
            if !active(kind) {
                continue;
            }
            let per: Vec<Vec<Finding>> = m
                .flows
                .par_iter()
                .filter(|flow| kind == Kind::Flow || !flow.in_eea)
                .map(|flow| {
                    let party = *flow.chain.last().unwrap_or(&0);
                    let scope = Scope {
                        activity: Some(&m.activities[flow.activity]),
                        processor: Some(&m.processors[party]),
                        flow: Some(flow),
                        ..org_scope
                    };
                    let vars = vec![
                        (name, entities::flow(m, flow, self.data)),
                        ("activity", shared.activities[flow.activity].clone()),
                        ("processor", shared.processors[party].clone()),
                    ];
                    self.eval(&shared, kind, vars, scope)
                })
                .collect();
            findings.extend(per.into_iter().flatten());
        }
        if active(Kind::Evidence) {
            for evidence in self.evidence() {
                let scope = Scope {
                    evidence: Some(evidence.span),
                    ..org_scope
                };
                findings.extend(self.eval(
                    &shared,
                    Kind::Evidence,
                    vec![("evidence", evidence.value)],
                    scope,
                ));
            }
        }
        findings
    }

    /// The activity's own findings, then its recipients', then its tracking entries'.
    fn activity_findings(&self, shared: &Shared, i: usize, org_scope: Scope) -> Vec<Finding> {
        let m = self.manifest;
        let a = &m.activities[i];
        let scope = Scope {
            activity: Some(a),
            ..org_scope
        };
        let mut findings = self.eval(
            shared,
            Kind::Activity,
            vec![("activity", shared.activities[i].clone())],
            scope,
        );
        if !shared.rules[&Kind::Recipient].is_empty() {
            for reference in &a.recipients {
                let Some(p) = m
                    .processors
                    .iter()
                    .position(|p| p.id.value == reference.value)
                else {
                    continue;
                };
                let scope = Scope {
                    processor: Some(&m.processors[p]),
                    recipient: Some(reference.span),
                    ..scope
                };
                let vars = vec![
                    ("recipient", entities::recipient(m, i, p)),
                    ("activity", shared.activities[i].clone()),
                    ("processor", shared.processors[p].clone()),
                ];
                findings.extend(self.eval(shared, Kind::Recipient, vars, scope));
            }
        }
        if !shared.rules[&Kind::Tracking].is_empty() {
            let items = a.node.get("tracking").map(Node::as_seq).unwrap_or_default();
            for (t, item) in items.iter().enumerate() {
                let scope = Scope {
                    tracking: Some(item),
                    ..scope
                };
                let vars = vec![
                    ("tracking", entities::tracking_value(item, t)),
                    ("activity", shared.activities[i].clone()),
                ];
                findings.extend(self.eval(shared, Kind::Tracking, vars, scope));
            }
        }
        findings
    }

    /// Runs a kind's rules on one entity: one CEL context for all of them.
    fn eval(
        &self,
        shared: &Shared,
        kind: Kind,
        mut vars: Vec<(&'static str, Value)>,
        scope: Scope,
    ) -> Vec<Finding> {
        let rules = &shared.rules[&kind];
        if rules.is_empty() {
            return Vec::new();
        }
        vars.push(("org", shared.org.clone()));
        vars.push(("today", shared.today.clone()));
        // Entities shared by many evaluations were converted to CEL's own
        // representation once; the rest (flows, recipients) is converted here.
        let owned: Vec<Option<Box<dyn Val>>> = vars
            .iter()
            .map(|(_, value)| match shared.converted(value) {
                Some(_) => None,
                None => Box::<dyn Val>::try_from(value.clone()).ok(),
            })
            .collect();
        let lent = Lent {
            vars: vars
                .iter()
                .zip(&owned)
                .filter_map(|((name, value), own)| {
                    let val: &dyn Val = match own {
                        Some(boxed) => boxed.as_ref(),
                        None => shared.converted(value)?,
                    };
                    Some((*name, val))
                })
                .collect(),
        };
        let mut context = Context::with_env(shared.env.clone());
        context.set_variable_resolver(&lent);
        let values: HashMap<&str, &Value> = vars.iter().map(|(n, v)| (*n, v)).collect();
        rules
            .iter()
            .filter_map(|rule| self.apply(rule, &context, &values, scope))
            .collect()
    }

    fn used_processors(&self) -> Vec<bool> {
        let m = self.manifest;
        let mut used = vec![false; m.processors.len()];
        for flow in &m.flows {
            for &p in &flow.chain {
                used[p] = true;
            }
        }
        used
    }

    fn apply(
        &self,
        rule: &Rule,
        context: &Context,
        values: &HashMap<&str, &Value>,
        scope: Scope,
    ) -> Option<Finding> {
        let lookup = |var: &str| values.get(var).map(|v| (*v).clone());
        // Labels are resolved only for findings: most evaluations find nothing.
        let primary = || {
            self.resolve(&rule.at, scope)
                .or_else(|| self.default_span(scope))
        };
        let error = |message: String| {
            Some(
                Finding::new(
                    &rule.code,
                    &rule.name,
                    Severity::Error,
                    format!("rule `{}` could not be evaluated here", rule.code),
                    Label::new(primary()?, "while checking this"),
                )
                .with_note(message)
                .with_help("this is a defect in the rule pack: fix the rule's expression (use `has()` for optional fields)"),
            )
        };
        if let Some(when) = &rule.when {
            match when.eval_bool(context) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => return error(e),
            }
        }
        match rule.require.eval_bool(context) {
            Ok(true) => return None,
            Ok(false) => {}
            Err(e) => return error(e),
        }
        let mut severity = *self.severity.get(&rule.code).unwrap_or(&rule.severity);
        let mut unverified = false;
        if let Some(verified) = &rule.verified {
            match verified.eval_bool(context) {
                Ok(true) => {}
                Ok(false) => unverified = true,
                Err(e) => return error(e),
            }
        }
        if unverified && severity == Severity::Error {
            severity = Severity::Warning;
        }
        let primary = primary()?;
        let label = rule
            .label
            .as_ref()
            .map_or_else(|| rule.summary.clone(), |t| t.render(&lookup));
        let mut finding = Finding::new(
            &rule.code,
            &rule.name,
            severity,
            rule.message.render(&lookup),
            Label::new(primary, label),
        );
        for (anchor, message) in &rule.related {
            if let Some(span) = self.resolve(anchor, scope).filter(|s| *s != primary) {
                finding = finding.with_secondary(Label::new(span, message.render(&lookup)));
            }
        }
        if let Some(note) = &rule.note {
            finding = finding.with_note(note.render(&lookup));
        }
        if unverified {
            finding = finding.with_note("this rests on a fact not yet confirmed against a primary source, so it is at most a warning");
        }
        finding.help = rule.help.as_ref().map(|h| h.render(&lookup));
        finding.citation = rule.citation.clone();
        Some(finding)
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

    /// The span an anchor names, or `None` when it is not in this scope.
    fn resolve(&self, anchor: &Anchor, scope: Scope) -> Option<Span> {
        let path: Vec<&str> = anchor.path.iter().map(String::as_str).collect();
        match anchor.var.as_str() {
            "org" => {
                let org = scope.org?;
                Some(self.node_path(&org.node, &path).unwrap_or(org.key_span))
            }
            "processor" => {
                let p = scope.processor?;
                if path == ["locations"] && p.node.get("locations").is_none() {
                    return p.country.as_ref().map(|c| c.span);
                }
                Some(self.node_path(&p.node, &path).unwrap_or(p.id.span))
            }
            "activity" => {
                let a = scope.activity?;
                Some(self.node_path(&a.node, &path).unwrap_or(a.id.span))
            }
            "tracking" => {
                let t = scope.tracking?;
                Some(self.node_path(t, &path).unwrap_or_else(|| head(t)))
            }
            "recipient" => scope.recipient,
            "evidence" => scope.evidence,
            "transfer" | "flow" => {
                let flow = scope.flow?;
                match path.first().copied() {
                    None | Some("country") => Some(flow.country.span),
                    Some("recipient") => {
                        let first = &self.manifest.processors[*flow.chain.first()?].id.value;
                        let a = &self.manifest.activities[flow.activity];
                        a.recipients
                            .iter()
                            .find(|r| &r.value == first)
                            .map(|r| r.span)
                    }
                    Some(_) => {
                        let Some((on, i)) = flow.covered_by else {
                            return Some(flow.country.span);
                        };
                        let decl = self.manifest.declaration(on, i);
                        let field = if path[0] == "declaration" {
                            &path[1..]
                        } else {
                            &path[..]
                        };
                        Some(
                            self.node_path(&decl.node, field)
                                .unwrap_or(decl.mechanism.span),
                        )
                    }
                }
            }
            _ => None,
        }
    }

    /// The span of a field path inside a node. A mapping or list written
    /// over several lines is pointed at by its key, not underlined whole.
    fn node_path(&self, node: &Node, path: &[&str]) -> Option<Span> {
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
        Some(if multi_line {
            key_span.unwrap_or(span)
        } else {
            span
        })
    }

    /// Every evidence reference (`agreement.ref`, `tia`, `assessment`).
    fn evidence(&self) -> Vec<Evidence> {
        let m = self.manifest;
        let mut found = Vec::new();
        let mut repositories: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
        let mut add = |owner: &str, field: &str, node: Option<&Node>| {
            let Some(node) = node else { return };
            let Some(path) = node.as_str() else { return };
            let is_url = path.contains("://") || path.starts_with("mailto:");
            let exists = is_url || self.evidence_exists(node.span, path, &mut repositories);
            let mut map = entities::MapBuilder::default();
            map.set("path", string(path))
                .set("field", string(field))
                .set("is_url", Value::Bool(is_url))
                .set("exists", Value::Bool(exists))
                .set("owner", string(owner));
            found.push(Evidence {
                span: node.span,
                value: map.build(),
            });
        };
        for p in &m.processors {
            add(
                &p.id.value,
                "agreement.ref",
                p.node.get("agreement").and_then(|a| a.get("ref")),
            );
            for t in &p.transfers {
                add(&p.id.value, "transfers.tia", t.node.get("tia"));
            }
        }
        for a in &m.activities {
            add(
                &a.id.value,
                "legal_basis.assessment",
                a.node.get("legal_basis").and_then(|b| b.get("assessment")),
            );
            for t in &a.transfers {
                add(&a.id.value, "transfers.tia", t.node.get("tia"));
            }
        }
        found
    }

    /// A relative evidence path may be written from the manifest file's
    /// folder, from a root given on the command line, or from the
    /// repository root; it exists if it is found from any of them.
    /// `repositories` caches each folder's repository root: the walk up to
    /// `.git` is done once per folder, not once per evidence path.
    fn evidence_exists(
        &self,
        span: Span,
        path: &str,
        repositories: &mut HashMap<PathBuf, Option<PathBuf>>,
    ) -> bool {
        let relative = Path::new(path);
        if relative.is_absolute() {
            return relative.exists();
        }
        let file = &self.sources.get(span.file).path;
        let dir = file.parent().unwrap_or(Path::new("."));
        let mut bases: Vec<PathBuf> = vec![dir.to_path_buf()];
        bases.extend(self.roots.iter().map(|r| {
            if r.is_dir() {
                r.clone()
            } else {
                r.parent().unwrap_or(Path::new(".")).to_path_buf()
            }
        }));
        let repository = repositories
            .entry(dir.to_path_buf())
            .or_insert_with(|| crate::source::repository_root(dir));
        bases.extend(repository.clone());
        bases.iter().any(|b| b.join(relative).exists())
    }
}

struct Evidence {
    span: Span,
    value: Value,
}

/// What every evaluation shares: the CEL environment, the entity values
/// built once, and the rules by kind.
struct Shared<'r> {
    env: Arc<Env>,
    org: Value,
    today: Value,
    processors: Vec<Value>,
    activities: Vec<Value>,
    rules: HashMap<Kind, Vec<&'r Rule>>,
    /// CEL's representation of `org`, `today`, every processor and every
    /// activity, keyed by the address of the value's shared data.
    converted: HashMap<usize, Box<dyn Val>>,
}

impl Shared<'_> {
    /// The address identifying a shared value (maps and strings are `Arc`s).
    fn key(value: &Value) -> Option<usize> {
        match value {
            Value::Map(map) => Some(Arc::as_ptr(&map.map) as *const u8 as usize),
            Value::String(s) => Some(Arc::as_ptr(s) as *const u8 as usize),
            _ => None,
        }
    }

    fn converted(&self, value: &Value) -> Option<&dyn Val> {
        self.converted.get(&Self::key(value)?).map(|b| b.as_ref())
    }

    /// Converts the values every evaluation shares, once.
    fn convert_shared(&mut self) {
        use rayon::prelude::*;
        let all: Vec<&Value> = [&self.org, &self.today]
            .into_iter()
            .chain(&self.processors)
            .chain(&self.activities)
            .collect();
        let converted: Vec<(usize, Box<dyn Val>)> = all
            .par_iter()
            .filter_map(|v| Some((Self::key(v)?, Box::<dyn Val>::try_from((*v).clone()).ok()?)))
            .collect();
        self.converted = converted.into_iter().collect();
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
