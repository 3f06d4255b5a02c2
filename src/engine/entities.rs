//! What a rule sees: each entity of the resolved model as a CEL map — the
//! fields as written in the manifest, plus derived fields that are always
//! present (documented in `docs/rule-packs.md`). Built once per entity and
//! shared by every rule that looks at it.

use super::fast::IndexedMap;
use super::{facts, fast};
use crate::load::node::{Node, Value as NodeValue};
use crate::model::{Activity, Flow, Manifest, Organization, Processor, ReferenceData, Spanned};
use cel::Value;
use cel::objects::{Key, Map};
use std::collections::HashMap;
use std::sync::Arc;

/// The kinds of variable a rule can see; each has a field catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarType {
    Organization,
    Processor,
    Activity,
    Recipient,
    Tracking,
    Transfer,
    Evidence,
    List,
    Text,
}

/// One value per [`Kind`], found by indexing instead of hashing: the
/// evaluator reads its per-kind tables once per subject, hundreds of
/// thousands of times on a large set.
pub struct PerKind<T>([T; Kind::ALL.len()]);

impl<T> PerKind<T> {
    pub fn new(mut make: impl FnMut(Kind) -> T) -> PerKind<T> {
        PerKind(Kind::ALL.map(&mut make))
    }
}

impl<T> std::ops::Index<Kind> for PerKind<T> {
    type Output = T;
    fn index(&self, kind: Kind) -> &T {
        &self.0[kind as usize]
    }
}

/// What a rule iterates over (`for_each`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Organization,
    Processor,
    Activity,
    Recipient,
    Tracking,
    Transfer,
    Flow,
    Evidence,
}

impl Kind {
    /// Every kind, in evaluation order.
    pub const ALL: [Kind; 8] = [
        Kind::Organization,
        Kind::Processor,
        Kind::Activity,
        Kind::Recipient,
        Kind::Tracking,
        Kind::Transfer,
        Kind::Flow,
        Kind::Evidence,
    ];

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Organization => "organization",
            Kind::Processor => "processor",
            Kind::Activity => "activity",
            Kind::Recipient => "recipient",
            Kind::Tracking => "tracking",
            Kind::Transfer => "transfer",
            Kind::Flow => "flow",
            Kind::Evidence => "evidence",
        }
    }

    /// The variables in scope for this kind, with their types. The first
    /// one is the entity itself (the default anchor); every kind also sees
    /// `org` and `today`.
    pub fn variables(self) -> impl Iterator<Item = (&'static str, VarType)> {
        use VarType as T;
        let own: &[(&str, VarType)] = match self {
            Kind::Organization => &[
                ("org", T::Organization),
                ("activities", T::List),
                ("processors", T::List),
            ],
            Kind::Processor => &[("processor", T::Processor)],
            Kind::Activity => &[("activity", T::Activity)],
            Kind::Recipient => &[
                ("recipient", T::Recipient),
                ("activity", T::Activity),
                ("processor", T::Processor),
            ],
            Kind::Tracking => &[("tracking", T::Tracking), ("activity", T::Activity)],
            Kind::Transfer => &[
                ("transfer", T::Transfer),
                ("activity", T::Activity),
                ("processor", T::Processor),
            ],
            Kind::Flow => &[
                ("flow", T::Transfer),
                ("activity", T::Activity),
                ("processor", T::Processor),
            ],
            Kind::Evidence => &[("evidence", T::Evidence)],
        };
        let common = [("org", T::Organization), ("today", T::Text)]
            .into_iter()
            .filter(move |(name, _)| !own.iter().any(|(n, _)| n == name));
        own.iter().copied().chain(common)
    }

    pub fn variable_names(self) -> Vec<&'static str> {
        self.variables().map(|(n, _)| n).collect()
    }

    pub fn var_type(self, name: &str) -> Option<VarType> {
        self.variables().find(|(n, _)| *n == name).map(|(_, t)| t)
    }
}

/// Derived fields, always present, per variable type.
pub fn derived_fields(t: VarType) -> &'static [&'static str] {
    match t {
        VarType::Organization => &[
            "established_in_eea",
            "established_in_ch",
            "targets_eea",
            "targets_ch",
            "regulations",
            "public_authority",
            "has_eu_representative",
            "has_ch_representative",
            "eu_representative_where_targeted",
            "ch_representative_in_ch",
            "markets",
            "residency",
            "consent_ages",
            "employees_known",
            "headcount",
        ],
        VarType::Processor => &[
            "role",
            "locations",
            "certifications",
            "agreement_type",
            "agreement_ref",
            "sub_processors",
            "in_eea",
            "established_in_eea",
            "established_adequate_gdpr",
            "used",
            "direct",
        ],
        VarType::Activity => &[
            "basis",
            "interest",
            "assessment",
            "special_condition",
            "criminal_basis",
            "consent_mechanism",
            "consent_withdrawal",
            "consent_express",
            "consent_express_stated",
            "consent_prechecked",
            "retention_kind",
            "retention_text",
            "special",
            "criminal",
            "ch_sensitive",
            "children",
            "special_categories",
            "criminal_categories",
            "ch_sensitive_categories",
            "data_subjects",
            "data_categories",
            "recipients",
            "tracking",
            "profiling",
            "large_scale",
            "purpose",
            "marks",
        ],
        VarType::Recipient => &["activity", "processor", "role"],
        VarType::Tracking => &[
            "technology",
            "purpose",
            "provider",
            "user_requested",
            "index",
        ],
        VarType::Transfer => &[
            "country",
            "in_eea",
            "chain",
            "via",
            "recipient",
            "party",
            "onward",
            "mechanism",
            "declared_on",
            "tia",
            "scc_module",
            "swiss_addendum",
            "within_residency",
            "gdpr",
            "ndsg",
            "party_role",
            "party_country",
            "exporter_role",
        ],
        VarType::Evidence => &["path", "field", "is_url", "exists", "owner"],
        VarType::List | VarType::Text => &[],
    }
}

pub fn string(s: impl Into<String>) -> Value {
    Value::String(Arc::new(s.into()))
}

pub fn list(items: Vec<Value>) -> Value {
    Value::List(Arc::new(items))
}

pub fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    list(items.into_iter().map(string).collect())
}

/// A CEL map under construction.
#[derive(Default)]
pub struct MapBuilder(HashMap<Key, Value>);

impl MapBuilder {
    pub fn from_node(node: &Node) -> MapBuilder {
        MapBuilder::from_node_except(node, &[])
    }

    /// The fields of `node` except `replaced`, which the caller sets itself
    /// (converting a field only to replace it would double a long list).
    pub fn from_node_except(node: &Node, replaced: &[&str]) -> MapBuilder {
        let mut map = HashMap::with_capacity(node.entries().len() + replaced.len());
        for entry in node.entries() {
            if !replaced.contains(&&*entry.key) {
                map.insert(Key::from(&*entry.key), node_value(&entry.value));
            }
        }
        MapBuilder(map)
    }

    pub fn set(&mut self, key: &str, value: Value) -> &mut Self {
        self.0.insert(Key::from(key), value);
        self
    }

    /// Sets each of `fields` that `record` serves itself.
    pub fn set_served(&mut self, record: &dyn fast::Record, fields: &[&str]) -> &mut Self {
        for &name in fields {
            if let Some(value) = record.field(name).and_then(fast::V::to_value) {
                self.set(name, value);
            }
        }
        self
    }

    pub fn build(self) -> Value {
        Value::Map(Map {
            map: Arc::new(self.0),
        })
    }
}

/// A YAML value as CEL.
pub fn node_value(node: &Node) -> Value {
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Int(i) => Value::Int(*i),
        NodeValue::Float(f) => Value::Float(*f),
        NodeValue::Str(s) => string(String::from(&**s)),
        NodeValue::Seq(items) => list(items.iter().map(node_value).collect()),
        NodeValue::Map(_) => MapBuilder::from_node(node).build(),
    }
}

fn text_at<'a>(node: &'a Node, path: &[&str]) -> Option<&'a str> {
    let mut current = node;
    for key in path {
        current = current.get(key)?;
    }
    current.as_str()
}

fn bool_at(node: &Node, path: &[&str]) -> Option<bool> {
    let mut current = node;
    for key in path {
        current = current.get(key)?;
    }
    current.as_bool()
}

pub fn organization(manifest: &Manifest, data: &ReferenceData) -> Value {
    let date = manifest.as_of;
    let empty = Node {
        value: NodeValue::Map(Vec::new()),
        span: crate::source::Span::new(crate::source::FileId(u32::MAX), 0..0),
    };
    let org: Option<&Organization> = manifest.organization.as_ref();
    let node = org.map_or(&empty, |o| &o.node);
    let mut map = MapBuilder::from_node_except(node, &["markets", "residency"]);
    let country = org
        .and_then(|o| o.country.as_ref())
        .map(|c| c.value.as_str())
        .unwrap_or("");
    let markets: Vec<&str> = org
        .map(|o| o.markets.iter().map(|m| m.value.as_str()).collect())
        .unwrap_or_default();
    let residency: Vec<&str> = org
        .map(|o| o.residency.iter().map(|m| m.value.as_str()).collect())
        .unwrap_or_default();
    // An activity's own markets are places the organisation targets too.
    let activity_markets = manifest
        .activities
        .iter()
        .flat_map(|a| a.markets.iter().map(|m| m.value.as_str()));
    let market_countries =
        data.expand_places(markets.iter().copied().chain(activity_markets), date);
    let in_eea = |c: &str| data.in_eea(c, date);
    let mut states: Vec<&str> = market_countries
        .iter()
        .map(String::as_str)
        .chain((!country.is_empty()).then_some(country))
        .filter(|c| in_eea(c))
        .map(|c| data.state_of(c))
        .collect();
    states.sort();
    states.dedup();
    // States the data list by their age; the others together, last, as
    // what they are: the GDPR's default, which their own law may lower.
    let mut ages: Vec<String> = Vec::new();
    let mut unlisted: Vec<&str> = Vec::new();
    for c in states {
        match data.child_age(c) {
            Some((age, verified)) => ages.push(format!(
                "{c} {age}{}",
                if verified { "" } else { " (unverified)" }
            )),
            None => unlisted.push(c),
        }
    }
    if !unlisted.is_empty() {
        ages.push(format!(
            "{} by default in {}, unless their law sets another age",
            data.default_child_age(),
            unlisted.join(" ")
        ));
    }
    let reps = node.get("representatives");
    let rep_country = |which: &str| {
        reps.and_then(|r| r.get(which))
            .and_then(|r| r.get("country"))
            .and_then(Node::as_str)
    };
    map.set(
        "established_in_eea",
        Value::Bool(!country.is_empty() && in_eea(country)),
    )
    .set("established_in_ch", Value::Bool(country == "CH"))
    .set(
        "targets_eea",
        Value::Bool(market_countries.iter().any(|c| in_eea(c))),
    )
    .set(
        "targets_ch",
        Value::Bool(market_countries.iter().any(|c| c == "CH")),
    )
    .set(
        "regulations",
        strings(manifest.regulations.iter().map(String::as_str)),
    )
    .set(
        "public_authority",
        Value::Bool(bool_at(node, &["public_authority"]).unwrap_or(false)),
    )
    .set(
        "has_eu_representative",
        Value::Bool(reps.and_then(|r| r.get("eu")).is_some()),
    )
    .set(
        "has_ch_representative",
        Value::Bool(reps.and_then(|r| r.get("ch")).is_some()),
    )
    // GDPR Art. 27(3): in a Member State where the targeted people are.
    .set(
        "eu_representative_where_targeted",
        Value::Bool(
            // A territory counts as its state (`RE` as `FR`, `AX` as `FI`).
            rep_country("eu").is_some_and(|c| {
                in_eea(c)
                    && market_countries
                        .iter()
                        .any(|m| data.state_of(m) == data.state_of(c))
            }),
        ),
    )
    // revFADP Art. 14(1): a representative in Switzerland.
    .set(
        "ch_representative_in_ch",
        Value::Bool(rep_country("ch") == Some("CH")),
    )
    .set("markets", strings(markets.iter().copied()))
    .set("residency", strings(residency.iter().copied()))
    .set("consent_ages", strings(ages.iter().map(String::as_str)))
    .set(
        "employees_known",
        Value::Bool(org.and_then(|o| o.employees).is_some()),
    )
    .set(
        "headcount",
        Value::Int(org.and_then(|o| o.employees).unwrap_or(0)),
    );
    if !node.entries().iter().any(|e| &*e.key == "country") {
        map.set("country", string(""));
    }
    if !node.entries().iter().any(|e| &*e.key == "name") {
        map.set("name", string(""));
    }
    map.build()
}

/// How the organisation's data reach a processor.
#[derive(Clone, Copy, Debug, Default)]
pub struct Use {
    /// Some activity's data reach it, directly or through others.
    pub used: bool,
    /// The organisation sends them to it itself.
    pub direct: bool,
}

/// An entity the fast path reads field by field; its CEL map is built only
/// where the interpreter or a message needs it.
pub trait Entity: fast::Record {
    fn to_value(&self) -> Value;
    /// One field of the map, without building the map.
    fn field_value(&self, name: &str) -> Option<Value>;
}

/// Every entity of a kind (an organisation rule's `activities`, `processors`).
pub trait Entities: fast::Records {
    fn entity(&self, index: usize) -> &dyn Entity;
}

impl<E: Entity> Entities for Vec<E> {
    fn entity(&self, index: usize) -> &dyn Entity {
        &self[index]
    }
}

impl Entity for ProcessorRecord<'_> {
    /// The processor as a CEL map: its fields as written and every derived
    /// field (all served by the record).
    fn to_value(&self) -> Value {
        let fields = derived_fields(VarType::Processor);
        let mut map = MapBuilder::from_node_except(&self.processor.node, fields);
        map.set_served(self, fields);
        map.build()
    }

    /// One field of [`Entity::to_value`], without building the map.
    fn field_value(&self, name: &str) -> Option<Value> {
        if derived_fields(VarType::Processor).contains(&name) {
            fast::Record::field(self, name).and_then(fast::V::to_value)
        } else {
            self.processor.node.get(name).map(node_value)
        }
    }
}

impl Entity for ActivityRecord<'_> {
    fn to_value(&self) -> Value {
        ActivityRecord::to_value(self)
    }

    fn field_value(&self, name: &str) -> Option<Value> {
        ActivityRecord::field_value(self, name)
    }
}

/// A processor's derived fields, worked out once, borrowed from the model.
/// The fast path reads them field by field; [`ProcessorRecord::to_value`]
/// builds the CEL map only where the interpreter or a message needs it, so
/// a set of many processors does not hold a map for each (a hundred
/// thousand processors held 290 MB of maps).
pub struct ProcessorRecord<'m> {
    processor: &'m Processor,
    role: &'m str,
    agreement_type: &'m str,
    agreement_ref: &'m str,
    in_eea: bool,
    established_in_eea: bool,
    established_adequate_gdpr: bool,
    uses: Use,
}

impl<'m> ProcessorRecord<'m> {
    pub fn new(
        manifest: &'m Manifest,
        index: usize,
        uses: Use,
        data: &ReferenceData,
    ) -> ProcessorRecord<'m> {
        let p: &Processor = &manifest.processors[index];
        let date = manifest.as_of;
        let country = p.country.as_ref().map(|c| c.value.as_str());
        let held = |cert: &str| p.certifications.iter().any(|h| h.value == cert);
        ProcessorRecord {
            processor: p,
            role: p.role.as_ref().map_or("", |r| r.value.as_str()),
            agreement_type: text_at(&p.node, &["agreement", "type"]).unwrap_or(""),
            agreement_ref: text_at(&p.node, &["agreement", "ref"]).unwrap_or(""),
            in_eea: p
                .locations
                .iter()
                .all(|l| data.in_eea(&l.value, manifest.as_of)),
            established_in_eea: country.is_some_and(|c| data.in_eea(c, date)),
            // As for a transfer there (`transfer.gdpr.adequate`).
            established_adequate_gdpr: country.is_some_and(|c| {
                data.adequacy_for("gdpr", c, date)
                    .iter()
                    .any(|d| d.covers(held))
            }),
            uses,
        }
    }
}

impl fast::Record for ProcessorRecord<'_> {
    fn field(&self, name: &str) -> Option<fast::V<'_>> {
        use fast::V;
        let p = self.processor;
        Some(match name {
            "role" => V::Str(self.role),
            "locations" => V::Strings(&p.locations),
            "certifications" => V::Strings(&p.certifications),
            "sub_processors" => V::Strings(&p.sub_processors),
            "agreement_type" => V::Str(self.agreement_type),
            "agreement_ref" => V::Str(self.agreement_ref),
            "in_eea" => V::Bool(self.in_eea),
            "established_in_eea" => V::Bool(self.established_in_eea),
            "established_adequate_gdpr" => V::Bool(self.established_adequate_gdpr),
            "used" => V::Bool(self.uses.used),
            "direct" => V::Bool(self.uses.direct),
            name => node_scalar(p.node.get(name)?)?,
        })
    }

    fn has(&self, name: &str) -> bool {
        derived_fields(VarType::Processor).contains(&name)
            || self.processor.node.get(name).is_some()
    }
}

pub fn activity(manifest: &Manifest, index: usize) -> Value {
    ActivityRecord::new(manifest, index).to_value()
}

/// An activity's derived scalar fields, worked out once from its node,
/// borrowed rather than copied. The fast path reads them field by field;
/// [`ActivityRecord::to_value`] builds the CEL map, with its lists, only
/// where the interpreter or a message needs it.
pub struct ActivityRecord<'m> {
    manifest: &'m Manifest,
    index: usize,
    basis: &'m str,
    interest: &'m str,
    assessment: &'m str,
    special_condition: &'m str,
    criminal_basis: &'m str,
    consent_mechanism: &'m str,
    consent_withdrawal: &'m str,
    consent_express: bool,
    consent_express_stated: bool,
    consent_prechecked: bool,
    retention_kind: &'static str,
    retention_text: &'m str,
    profiling: &'m str,
    large_scale: bool,
    purpose: &'m str,
}

/// The mapping an activity's `consent` is read from: the activity's own
/// when it has one, else the long form of its `legal_basis`, where the
/// manifest format also lets it be written.
pub fn consent_holder(activity: &Node) -> Option<&Node> {
    if activity.get("consent").is_some() {
        return Some(activity);
    }
    activity
        .get("legal_basis")
        .filter(|b| b.get("consent").is_some())
}

impl<'m> ActivityRecord<'m> {
    pub fn new(manifest: &'m Manifest, index: usize) -> ActivityRecord<'m> {
        let node = &manifest.activities[index].node;
        let basis_node = node.get("legal_basis");
        let long = |key: &str| basis_node.and_then(|b| text_at(b, &[key])).unwrap_or("");
        let consent = consent_holder(node).and_then(|h| h.get("consent"));
        let consent_text = |key: &str| consent.and_then(|c| text_at(c, &[key])).unwrap_or("");
        let consent_flag = |key: &str| consent.and_then(|c| bool_at(c, &[key])).unwrap_or(false);
        let (retention_kind, retention_text) = match node.get("retention") {
            None
            | Some(Node {
                value: NodeValue::Null,
                ..
            }) => ("missing", ""),
            Some(r) => match (&r.value, r.get("until"), r.get("period")) {
                (NodeValue::Str(s), _, _) if &**s == "indefinite" => ("indefinite", &**s),
                (NodeValue::Str(s), _, _) => ("duration", &**s),
                (_, Some(until), _) => ("until", until.as_str().unwrap_or("")),
                (_, None, Some(period)) => ("period", period.as_str().unwrap_or("")),
                _ => ("missing", ""),
            },
        };
        ActivityRecord {
            manifest,
            index,
            basis: basis_node
                .and_then(|b| b.as_str().or_else(|| text_at(b, &["basis"])))
                .unwrap_or(""),
            interest: long("interest"),
            assessment: long("assessment"),
            special_condition: long("special"),
            criminal_basis: long("criminal"),
            consent_mechanism: consent_text("mechanism"),
            consent_withdrawal: consent_text("withdrawal"),
            consent_express: consent_flag("express"),
            consent_express_stated: consent.is_some_and(|c| c.get("express").is_some()),
            consent_prechecked: consent_flag("prechecked"),
            retention_kind,
            retention_text,
            profiling: text_at(node, &["profiling"]).unwrap_or("none"),
            large_scale: bool_at(node, &["large_scale"]).unwrap_or(false),
            purpose: text_at(node, &["purpose"]).unwrap_or(""),
        }
    }

    fn activity(&self) -> &'m Activity {
        &self.manifest.activities[self.index]
    }

    /// The activity's data categories that carry a taxonomy mark.
    fn with_mark(&self, mark: &'static str) -> impl Iterator<Item = &'m str> + use<'m> {
        let taxonomy = &self.manifest.taxonomy;
        self.activity()
            .data_categories
            .iter()
            .filter(move |c| {
                taxonomy
                    .categories
                    .get(&c.value)
                    .is_some_and(|n| taxonomy.has(n.marks, mark))
            })
            .map(|c| c.value.as_str())
    }

    /// Whether a data category of the activity carries the mark (the
    /// union of their marks was worked out when resolving).
    fn marked(&self, mark: &str) -> bool {
        let taxonomy = &self.manifest.taxonomy;
        taxonomy.has(self.activity().category_marks, mark)
    }

    fn children(&self) -> bool {
        let taxonomy = &self.manifest.taxonomy;
        taxonomy.has(self.activity().subject_marks, "child")
    }

    /// Fields of the map that neither the record nor the YAML serves.
    const LISTED: [&'static str; 5] = [
        "special_categories",
        "criminal_categories",
        "ch_sensitive_categories",
        "tracking",
        "marks",
    ];

    fn listed(&self, name: &str) -> Option<Value> {
        let a = self.activity();
        Some(match name {
            "special_categories" => strings(self.with_mark("gdpr-special")),
            "criminal_categories" => strings(self.with_mark("gdpr-criminal")),
            "ch_sensitive_categories" => strings(self.with_mark("ndsg-sensitive")),
            "tracking" => list(a.node.get("tracking").map_or_else(Vec::new, |t| {
                t.as_seq()
                    .iter()
                    .enumerate()
                    .map(|(i, item)| tracking_value(item, i))
                    .collect()
            })),
            "marks" => strings(
                self.manifest
                    .taxonomy
                    .names(a.category_marks.union(a.subject_marks)),
            ),
            _ => return None,
        })
    }

    /// The activity as a CEL map: its fields as written, every derived
    /// field the record serves, and the lists it leaves to the interpreter.
    pub fn to_value(&self) -> Value {
        let mut map = MapBuilder::from_node(&self.activity().node);
        map.set_served(self, derived_fields(VarType::Activity));
        for name in Self::LISTED {
            if let Some(value) = self.listed(name) {
                map.set(name, value);
            }
        }
        map.build()
    }

    /// One field of [`ActivityRecord::to_value`], without building the map
    /// (a message names one or two fields; building the whole map for each
    /// finding on an activity with many entries would be quadratic).
    pub fn field_value(&self, name: &str) -> Option<Value> {
        if Self::LISTED.contains(&name) {
            return self.listed(name);
        }
        let served = derived_fields(VarType::Activity).contains(&name);
        served
            .then(|| fast::Record::field(self, name).and_then(fast::V::to_value))
            .flatten()
            .or_else(|| self.activity().node.get(name).map(node_value))
    }
}

impl fast::Record for ActivityRecord<'_> {
    fn field(&self, name: &str) -> Option<fast::V<'_>> {
        use fast::V;
        Some(match name {
            "basis" => V::Str(self.basis),
            "interest" => V::Str(self.interest),
            "assessment" => V::Str(self.assessment),
            "special_condition" => V::Str(self.special_condition),
            "criminal_basis" => V::Str(self.criminal_basis),
            "consent_mechanism" => V::Str(self.consent_mechanism),
            "consent_withdrawal" => V::Str(self.consent_withdrawal),
            "consent_express" => V::Bool(self.consent_express),
            "consent_express_stated" => V::Bool(self.consent_express_stated),
            "consent_prechecked" => V::Bool(self.consent_prechecked),
            "retention_kind" => V::Str(self.retention_kind),
            "retention_text" => V::Str(self.retention_text),
            "special" => V::Bool(self.marked("gdpr-special")),
            "criminal" => V::Bool(self.marked("gdpr-criminal")),
            "ch_sensitive" => V::Bool(self.marked("ndsg-sensitive")),
            "children" => V::Bool(self.children()),
            "profiling" => V::Str(self.profiling),
            "large_scale" => V::Bool(self.large_scale),
            "purpose" => V::Str(self.purpose),
            "data_subjects" => V::Strings(&self.activity().data_subjects),
            "data_categories" => V::Strings(&self.activity().data_categories),
            "recipients" => V::Strings(&self.activity().recipients),
            // The other lists are left to the interpreter.
            name if derived_fields(VarType::Activity).contains(&name) => return None,
            name => node_scalar(self.activity().node.get(name)?)?,
        })
    }

    fn has(&self, name: &str) -> bool {
        derived_fields(VarType::Activity).contains(&name)
            || self.activity().node.get(name).is_some()
    }
}

impl fast::Strings for Vec<Spanned<String>> {
    fn len(&self) -> usize {
        <[Spanned<String>]>::len(self)
    }

    fn get(&self, index: usize) -> &str {
        &self[index].value
    }
}

/// A YAML scalar as the fast path reads it; `None` for what it leaves to
/// the interpreter (floats, lists, mappings).
fn node_scalar(node: &Node) -> Option<fast::V<'_>> {
    use fast::V;
    Some(match &node.value {
        NodeValue::Null => V::Null,
        NodeValue::Bool(b) => V::Bool(*b),
        NodeValue::Int(i) => V::Int(*i),
        NodeValue::Str(s) => V::Str(s),
        NodeValue::Float(_) | NodeValue::Seq(_) | NodeValue::Map(_) => return None,
    })
}

pub fn tracking_value(item: &Node, index: usize) -> Value {
    let mut map = MapBuilder::from_node(item);
    map.set(
        "technology",
        string(text_at(item, &["technology"]).unwrap_or("")),
    )
    .set("purpose", string(text_at(item, &["purpose"]).unwrap_or("")))
    .set(
        "provider",
        string(text_at(item, &["provider"]).unwrap_or("")),
    )
    .set(
        "user_requested",
        Value::Bool(bool_at(item, &["user_requested"]).unwrap_or(false)),
    )
    .set("index", Value::Int(index as i64));
    map.build()
}

/// An activity's reference to a recipient, read field by field: a rule
/// on recipients runs on every reference of a large set, and most never
/// need the CEL map.
pub struct RecipientRecord<'m> {
    activity: &'m str,
    processor: &'m str,
    role: &'m str,
}

impl<'m> RecipientRecord<'m> {
    pub fn new(manifest: &'m Manifest, activity: usize, processor: usize) -> RecipientRecord<'m> {
        let p = &manifest.processors[processor];
        RecipientRecord {
            activity: &manifest.activities[activity].id.value,
            processor: &p.id.value,
            role: p.role.as_ref().map_or("", |r| r.value.as_str()),
        }
    }

    pub fn to_value(&self) -> Value {
        let mut map = MapBuilder::default();
        map.set("activity", string(self.activity))
            .set("processor", string(self.processor))
            .set("role", string(self.role));
        map.build()
    }
}

impl fast::Record for RecipientRecord<'_> {
    fn field(&self, name: &str) -> Option<fast::V<'_>> {
        Some(fast::V::Str(match name {
            "activity" => self.activity,
            "processor" => self.processor,
            "role" => self.role,
            _ => return None,
        }))
    }

    fn has(&self, name: &str) -> bool {
        derived_fields(VarType::Recipient).contains(&name)
    }
}

/// The regime facts of every flow. They depend on the destination, the
/// mechanism and the party's certifications, not on the activity, so they
/// are worked out once per distinct triple and shared.
pub struct FlowFacts {
    /// Per distinct key, the GDPR and revFADP facts, read field by field.
    facts: Vec<[IndexedMap; 2]>,
    /// Per flow, the index of its facts.
    of_flow: Vec<u32>,
}

/// What a flow's regime facts depend on: country, mechanism, and the
/// party's set of certifications (an index into the distinct sets).
type FactsKey<'m> = (&'m str, Option<&'m str>, usize);

fn facts_key<'m>(manifest: &'m Manifest, flow: &'m Flow, alike: &[usize]) -> FactsKey<'m> {
    let mechanism = flow
        .covered_by
        .map(|(on, i)| manifest.declaration(on, i).mechanism.value.as_str());
    let party = *flow.chain.last().unwrap_or(&0);
    (flow.country.value.as_str(), mechanism, alike[party])
}

impl FlowFacts {
    /// Whether a rule that reads `transfer.field` (or `flow.field`) sees
    /// the same value on every flow with the same facts: true of the fields
    /// the key is made of (country, mechanism), of those worked out from
    /// the country alone (within the EEA, within the promised residency)
    /// and of the facts themselves.
    pub fn determines(field: &str) -> bool {
        matches!(
            field,
            "country" | "mechanism" | "gdpr" | "ndsg" | "in_eea" | "within_residency"
        )
    }

    /// How many distinct sets of facts there are.
    pub fn distinct(&self) -> usize {
        self.facts.len()
    }

    /// Which of them the `f`-th flow has.
    pub fn of_flow(&self, f: usize) -> usize {
        self.of_flow[f] as usize
    }

    pub fn new(manifest: &Manifest, data: &ReferenceData) -> FlowFacts {
        use rayon::prelude::*;
        let mut sets: foldhash::HashMap<Vec<&str>, usize> = Default::default();
        let mut examples: Vec<usize> = Vec::new();
        let certified_alike: Vec<usize> = manifest
            .processors
            .iter()
            .enumerate()
            .map(|(p, processor)| {
                let mut set: Vec<&str> = processor
                    .certifications
                    .iter()
                    .map(|c| c.value.as_str())
                    .collect();
                set.sort_unstable();
                set.dedup();
                *sets.entry(set).or_insert_with(|| {
                    examples.push(p);
                    examples.len() - 1
                })
            })
            .collect();
        let mut distinct: foldhash::HashMap<FactsKey, u32> = Default::default();
        let mut keys: Vec<FactsKey> = Vec::new();
        let of_flow = manifest
            .flows
            .iter()
            .map(|flow| {
                let key = facts_key(manifest, flow, &certified_alike);
                *distinct.entry(key).or_insert_with(|| {
                    keys.push(key);
                    keys.len() as u32 - 1
                })
            })
            .collect();
        let facts = keys
            .into_par_iter()
            .map(|key| {
                let (country, mechanism, set) = key;
                let certifications: Vec<&str> = manifest.processors[examples[set]]
                    .certifications
                    .iter()
                    .map(|c| c.value.as_str())
                    .collect();
                let facts = ["gdpr", "ndsg"].map(|regime| {
                    facts::regime_facts(
                        data,
                        regime,
                        country,
                        mechanism,
                        &certifications,
                        manifest.as_of,
                    )
                });
                facts.map(IndexedMap::new)
            })
            .collect();
        FlowFacts { facts, of_flow }
    }

    /// The `f`-th flow as a rule reads it.
    pub fn record<'m>(
        &'m self,
        manifest: &'m Manifest,
        data: &'m ReferenceData,
        f: usize,
    ) -> FlowRecord<'m> {
        let flow = &manifest.flows[f];
        FlowRecord {
            manifest,
            data,
            flow,
            facts: &self.facts[self.of_flow[f] as usize],
            party: &manifest.processors[*flow.chain.last().unwrap_or(&0)],
            declaration: flow
                .covered_by
                .map(|(on, i)| (on, manifest.declaration(on, i))),
        }
    }
}

/// A flow whose fields are read without building its CEL map; the map is
/// built only when the interpreter or a message needs it.
pub struct FlowRecord<'m> {
    manifest: &'m Manifest,
    data: &'m ReferenceData,
    flow: &'m Flow,
    facts: &'m [IndexedMap; 2],
    party: &'m Processor,
    declaration: Option<(crate::model::DeclaredOn, &'m crate::model::TransferDecl)>,
}

impl FlowRecord<'_> {
    /// The flow as a CEL map: every field the record serves, and the chain.
    pub fn to_value(&self) -> Value {
        let chain = self
            .flow
            .chain
            .iter()
            .map(|&p| self.manifest.processors[p].id.value.as_str());
        let mut map = MapBuilder::default();
        map.set_served(self, derived_fields(VarType::Transfer));
        map.set("chain", strings(chain));
        map.set("via", string(self.via()));
        map.build()
    }

    /// One field of [`FlowRecord::to_value`], without building the map.
    pub fn field_value(&self, name: &str) -> Option<Value> {
        match name {
            "chain" => {
                return Some(strings(
                    self.flow
                        .chain
                        .iter()
                        .map(|&p| self.manifest.processors[p].id.value.as_str()),
                ));
            }
            "via" => return Some(string(self.via())),
            _ => {}
        }
        derived_fields(VarType::Transfer)
            .contains(&name)
            .then(|| fast::Record::field(self, name).and_then(fast::V::to_value))
            .flatten()
    }

    /// The parties the data pass through before the last one, as a message
    /// shows them (`` `platform` → `crm` ``); empty for a direct flow, so a
    /// note naming it is left out there.
    fn via(&self) -> String {
        let before = &self.flow.chain[..self.flow.chain.len().saturating_sub(1)];
        let ids: Vec<String> = before
            .iter()
            .map(|&p| format!("`{}`", self.manifest.processors[p].id.value))
            .collect();
        ids.join(" → ")
    }
}

impl fast::Record for FlowRecord<'_> {
    fn field(&self, name: &str) -> Option<fast::V<'_>> {
        use fast::V;
        let flow = self.flow;
        let decl = self.declaration.map(|(_, d)| d);
        Some(match name {
            "country" => V::Str(&flow.country.value),
            "in_eea" => V::Bool(flow.in_eea),
            "recipient" => V::Str(
                flow.chain
                    .first()
                    .map_or("", |&p| self.manifest.processors[p].id.value.as_str()),
            ),
            "party" => V::Str(&self.party.id.value),
            "party_role" => V::Str(self.party.role.as_ref().map_or("", |r| r.value.as_str())),
            "party_country" => V::Str(self.party.country.as_ref().map_or("", |c| c.value.as_str())),
            "exporter_role" => V::Str(match flow.chain.len() {
                0 | 1 => "",
                n => self.manifest.processors[flow.chain[n - 2]]
                    .role
                    .as_ref()
                    .map_or("", |r| r.value.as_str()),
            }),
            "onward" => V::Bool(flow.chain.len() > 1),
            "mechanism" => V::Str(decl.map_or("", |d| d.mechanism.value.as_str())),
            "declared_on" => V::Str(match self.declaration {
                Some((crate::model::DeclaredOn::Activity(_), _)) => "activity",
                Some((crate::model::DeclaredOn::Processor(_), _)) => "processor",
                None => "",
            }),
            "tia" => V::Str(decl.and_then(|d| text_at(&d.node, &["tia"])).unwrap_or("")),
            "scc_module" => V::Int(
                decl.and_then(|d| d.node.get("scc_module"))
                    .and_then(Node::as_i64)
                    .unwrap_or(0),
            ),
            "swiss_addendum" => V::Bool(
                decl.and_then(|d| bool_at(&d.node, &["swiss_addendum"]))
                    .unwrap_or(false),
            ),
            "within_residency" => V::Bool(within_residency(self.manifest, flow, self.data)),
            "gdpr" => self.facts[0].fast(),
            "ndsg" => self.facts[1].fast(),
            _ => return None,
        })
    }

    fn has(&self, name: &str) -> bool {
        derived_fields(VarType::Transfer).contains(&name)
    }
}

/// Whether the flow's destination is within the organisation's promised
/// residency (always, when it promises none).
fn within_residency(manifest: &Manifest, flow: &Flow, data: &ReferenceData) -> bool {
    let residency = manifest.organization.as_ref().map(|o| &o.residency);
    residency.is_none_or(|places| {
        places.is_empty()
            || places
                .iter()
                .any(|p| data.place_contains(&p.value, &flow.country.value, manifest.as_of))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fast::{Record, V};
    use crate::model::{ResolveOptions, resolve};
    use std::path::PathBuf;

    /// A record against its CEL map: every field it serves is equal, and
    /// `has` answers like the map. Returns the number of fields compared.
    fn compare(record: &dyn Record, value: Value, fields: &[&str]) -> usize {
        let Value::Map(map) = value else {
            panic!("a record is a map")
        };
        let mut names: Vec<String> = map.map.keys().map(|k| k.to_string()).collect();
        names.extend(fields.iter().map(|f| f.to_string()));
        names.push("nothing".into());
        let mut compared = 0;
        for name in &names {
            let expected = map.get(&cel::objects::KeyRef::String(name));
            assert_eq!(record.has(name), expected.is_some(), "has({name})");
            let Some(expected) = expected else { continue };
            let same = match record.field(name) {
                None => true,
                Some(V::Ref(v)) => v == expected,
                Some(V::Str(s)) => *expected == Value::from(s),
                Some(V::Bool(b)) => *expected == Value::Bool(b),
                Some(V::Int(i)) => *expected == Value::Int(i),
                Some(V::Null) => *expected == Value::Null,
                Some(V::Strings(list)) => {
                    *expected == strings((0..list.len()).map(|i| list.get(i)))
                }
                Some(V::Record(inner)) => inner.value().as_ref() == Some(expected),
                Some(_) => false,
            };
            assert!(same, "`{name}` differs: {expected:?}");
            compared += 1;
        }
        compared
    }

    /// Every key of `map` reads the same through `field_value`.
    fn fields_match_map(map: Value, field_value: impl Fn(&str) -> Option<Value>) -> usize {
        let Value::Map(map) = map else {
            panic!("not a map")
        };
        for (key, value) in map.map.iter() {
            let cel::objects::Key::String(name) = key else {
                continue;
            };
            assert_eq!(field_value(name).as_ref(), Some(value), "field `{name}`");
        }
        map.map.len()
    }

    /// Every field a flow, activity or processor record serves equals the same field
    /// of its CEL map, and so does every field read alone for a message,
    /// for the examples and the rule fixtures.
    #[test]
    fn records_read_like_their_maps() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut sets: Vec<PathBuf> = vec![root.join("examples")];
        for dir in ["tests/fixtures/rules", "tests/fixtures/diagnostics"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                sets.push(entry.unwrap().path());
            }
        }
        let data = ReferenceData::get();
        let (mut flows, mut activities, mut processors, mut recipients) = (0, 0, 0, 0);
        for set in sets {
            let Ok(loaded) = crate::load::load(&[set], crate::load::Limits::default()) else {
                continue;
            };
            let options = ResolveOptions {
                as_of: jiff::civil::date(2026, 11, 21),
                regulations: None,
            };
            let (manifest, _) = resolve(loaded.documents, &options);
            let facts = FlowFacts::new(&manifest, data);
            for f in 0..manifest.flows.len() {
                let record = facts.record(&manifest, data, f);
                flows += fields_match_map(record.to_value(), |f| record.field_value(f));
                flows += compare(
                    &record,
                    record.to_value(),
                    derived_fields(VarType::Transfer),
                );
            }
            for i in 0..manifest.activities.len() {
                let record = ActivityRecord::new(&manifest, i);
                activities += fields_match_map(record.to_value(), |f| record.field_value(f));
                activities += compare(
                    &record,
                    record.to_value(),
                    derived_fields(VarType::Activity),
                );
            }
            for i in 0..manifest.processors.len() {
                let uses = Use {
                    used: i % 2 == 0,
                    direct: i % 3 == 0,
                };
                let record = ProcessorRecord::new(&manifest, i, uses, data);
                processors += fields_match_map(record.to_value(), |f| record.field_value(f));
                processors += compare(
                    &record,
                    record.to_value(),
                    derived_fields(VarType::Processor),
                );
            }
            for (i, activity) in manifest.activities.iter().enumerate() {
                for reference in &activity.recipients {
                    let Some(p) =
                        (manifest.processors.iter()).position(|p| p.id.value == reference.value)
                    else {
                        continue;
                    };
                    let record = RecipientRecord::new(&manifest, i, p);
                    recipients += compare(
                        &record,
                        record.to_value(),
                        derived_fields(VarType::Recipient),
                    );
                }
            }
        }
        assert!(
            recipients > 100,
            "only {recipients} recipient fields compared"
        );
        assert!(flows > 500, "only {flows} flow fields compared");
        assert!(
            activities > 1000,
            "only {activities} activity fields compared"
        );
        assert!(
            processors > 1000,
            "only {processors} processor fields compared"
        );
    }
}
