//! The resolved manifest model: typed entities built from every file of a
//! manifest set, with their references resolved, the taxonomy applied, and
//! what privlint derives — the regulations that apply and every data flow
//! (activity → recipient → sub-processors → location).
//!
//! This is the API rule evaluation works on. Entities keep their YAML
//! [`Node`] so any field can be shown or pointed at; the typed fields are
//! the ones resolution and derivation need.
//!
//! ```no_run
//! # use privlint::model::Manifest;
//! # fn show(manifest: &Manifest) {
//! for flow in manifest.transfers() {
//!     let activity = &manifest.activities[flow.activity];
//!     let party = &manifest.processors[*flow.chain.last().unwrap()];
//!     println!("{} -> {} in {}", activity.id.value, party.id.value, flow.country.value);
//! }
//! # }
//! ```

mod build;
mod flows;
pub mod refdata;
mod resolve;
pub mod taxonomy;
mod unused;

use crate::load::Document;
use crate::load::node::Node;
use crate::report::Finding;
use crate::source::Span;
use jiff::civil::Date;
pub use refdata::ReferenceData;
pub use taxonomy::{Marks, Taxonomy};

/// A value with the span it was written at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// The controller (`organization`).
#[derive(Debug)]
pub struct Organization {
    pub country: Option<Spanned<String>>,
    pub markets: Vec<Spanned<String>>,
    pub residency: Vec<Spanned<String>>,
    pub employees: Option<i64>,
    /// `regulations:` as written (an override of the derived set).
    pub regulations: Vec<Spanned<String>>,
    /// The span of the `organization` key, for labels about the whole section.
    pub key_span: Span,
    pub node: Node,
}

/// A processor or other recipient (`processors[]`).
#[derive(Debug)]
pub struct Processor {
    pub id: Spanned<String>,
    pub role: Option<Spanned<String>>,
    pub country: Option<Spanned<String>>,
    /// Where it processes the data: `locations`, or `country` when absent or empty.
    pub locations: Vec<Spanned<String>>,
    pub certifications: Vec<Spanned<String>>,
    /// Ids as written; see `sub_processor_ids` for the resolved ones.
    pub sub_processors: Vec<Spanned<String>>,
    /// Indices into [`Manifest::processors`] of the resolved sub-processors.
    pub sub_processor_ids: Vec<usize>,
    pub transfers: Vec<TransferDecl>,
    pub node: Node,
}

impl Processor {
    /// A recipient that uses the data for its own purposes (`role:
    /// controller`): its own processors are not the organisation's.
    pub fn is_independent_controller(&self) -> bool {
        self.role.as_ref().is_some_and(|r| r.value == "controller")
    }
}

/// A processing activity (`activities[]`).
#[derive(Debug)]
pub struct Activity {
    pub id: Spanned<String>,
    pub recipients: Vec<Spanned<String>>,
    /// Indices into [`Manifest::processors`] of the resolved recipients.
    pub recipient_ids: Vec<usize>,
    pub data_categories: Vec<Spanned<String>>,
    pub data_subjects: Vec<Spanned<String>>,
    /// Marks of all its data categories (special, criminal, sensitive).
    pub category_marks: Marks,
    /// Marks of all its data subjects (child).
    pub subject_marks: Marks,
    /// Activity-specific transfers (`transfers: [{to, country, mechanism}]`).
    pub transfers: Vec<TransferDecl>,
    /// `markets:` as written: where this activity's data subjects are, when
    /// narrower than the organisation's.
    pub markets: Vec<Spanned<String>>,
    /// Regulations of [`Manifest::regulations`] that do not apply to this
    /// activity (its `markets`, or the organisation's when it has none,
    /// reach none of their territory, and the organisation is not
    /// established there); rules of those regulations skip it, its flows
    /// and recipients. Empty where the regulations were chosen, not derived.
    pub outside: Vec<String>,
    pub node: Node,
}

/// A declared transfer safeguard, on a processor or an activity.
#[derive(Clone, Debug)]
pub struct TransferDecl {
    /// For activity transfers: the processor it concerns (`to`).
    pub to: Option<Spanned<String>>,
    pub country: Spanned<String>,
    pub mechanism: Spanned<String>,
    /// The whole entry, for labels.
    pub span: Span,
    pub node: Node,
}

/// Where a declared transfer safeguard sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclaredOn {
    Activity(usize),
    Processor(usize),
}

/// One inferred data flow: an activity's data reaching a place through a
/// chain of parties (the recipient first, then sub-processors).
#[derive(Clone, Debug)]
pub struct Flow {
    pub activity: usize,
    /// Processor indices from the recipient down to the party at `country`,
    /// shared by the flows to each of that party's locations: the shortest
    /// chain, or the shortest with no safeguard for `country` where one is.
    pub chain: std::sync::Arc<[usize]>,
    /// The location, with the span of its entry in the last party's `locations`.
    pub country: Spanned<String>,
    /// Whether the country was inside the EEA (or EU) on the evaluation date.
    pub in_eea: bool,
    /// The declared safeguard that covers this flow, if any: an activity
    /// transfer naming a party of the chain wins, then the deepest party's
    /// own `transfers`, then those of the parties above it.
    pub covered_by: Option<(DeclaredOn, usize)>,
}

/// The resolved manifest set.
#[derive(Debug)]
pub struct Manifest {
    pub organization: Option<Organization>,
    pub processors: Vec<Processor>,
    pub activities: Vec<Activity>,
    pub taxonomy: Taxonomy,
    /// Ids of the regulations that apply (`gdpr`, `eprivacy`, `ndsg`).
    pub regulations: Vec<String>,
    /// Every flow; [`Manifest::transfers`] gives those leaving the EEA.
    pub flows: Vec<Flow>,
    /// The date the law is evaluated on.
    pub as_of: Date,
}

impl Manifest {
    /// Flows to a destination outside the EEA on the evaluation date.
    pub fn transfers(&self) -> impl Iterator<Item = &Flow> {
        self.flows.iter().filter(|f| !f.in_eea)
    }

    pub fn applies(&self, regulation: &str) -> bool {
        self.regulations.iter().any(|r| r == regulation)
    }

    /// The declaration a flow's `covered_by` points at.
    pub fn declaration(&self, on: DeclaredOn, index: usize) -> &TransferDecl {
        match on {
            DeclaredOn::Activity(a) => &self.activities[a].transfers[index],
            DeclaredOn::Processor(p) => &self.processors[p].transfers[index],
        }
    }
}

/// Options for resolution.
#[derive(Clone, Debug)]
pub struct ResolveOptions {
    pub as_of: Date,
    /// Regulations named on the command line; override everything else.
    pub regulations: Option<Vec<String>>,
}

/// Builds and resolves the model from the loaded documents. Findings are
/// the manifest's own errors (duplicates, unknown references, cycles).
pub fn resolve(documents: Vec<Document>, options: &ResolveOptions) -> (Manifest, Vec<Finding>) {
    let data = ReferenceData::get();
    let mut findings = Vec::new();
    let parts = crate::timings::time("  build", || build::build(documents, &mut findings));
    let manifest = resolve::resolve(parts, options, data, &mut findings);
    (manifest, findings)
}
