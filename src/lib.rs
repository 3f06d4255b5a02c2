//! privlint: a compliance-as-code linter for privacy manifests.
//!
//! The pipeline runs one way: [`load`] (files → spanned YAML) →
//! [`schema`] (the manifest format) → [`model`] (resolution and the
//! derived model) → [`render`]. Every stage adds [`report::Finding`]s;
//! [`check`] runs them all.

pub mod engine;
pub mod error;
pub mod load;
pub mod model;
pub mod render;
pub mod report;
pub mod schema;
pub mod source;
pub mod suggest;

use error::Fatal;
use jiff::civil::Date;
use model::{Manifest, ResolveOptions};
use report::{Finding, Severity, sort_findings};
use source::SourceMap;
use std::path::PathBuf;

/// What to check, and how.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Files or directories; directories are walked for `*.yaml` / `*.yml`.
    pub paths: Vec<PathBuf>,
    pub limits: load::Limits,
    /// The day the law is evaluated on (`--as-of`).
    pub as_of: Date,
    /// Regulations to apply instead of the derived ones (`--regulation`).
    pub regulations: Option<Vec<String>>,
    /// Extra rule packs (`--rules`).
    pub rule_packs: Vec<PathBuf>,
    /// Which rules run, and severity overrides.
    pub selection: engine::Selection,
}

impl CheckOptions {
    pub fn new(paths: Vec<PathBuf>) -> CheckOptions {
        CheckOptions {
            paths,
            limits: load::Limits::default(),
            as_of: today(),
            regulations: None,
            rule_packs: Vec::new(),
            selection: engine::Selection::default(),
        }
    }
}

/// The local calendar day.
pub fn today() -> Date {
    jiff::Zoned::now().date()
}

/// The result of a check: every file read, every finding in output order,
/// and the resolved model.
#[derive(Debug)]
pub struct Report {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    pub manifest: Manifest,
    /// Manifest files checked (files skipped as not manifests are not counted).
    pub files_checked: usize,
}

impl Report {
    /// Whether any finding is at or above `level`.
    pub fn fails(&self, level: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= level)
    }
}

/// Loads the rule packs, then loads, validates, resolves and evaluates a
/// manifest set.
pub fn check(options: &CheckOptions) -> Result<Report, Fatal> {
    let engine = engine::Engine::load(&options.rule_packs).map_err(|failure| Fatal::RulePacks {
        failure: Box::new(failure),
    })?;
    let loaded = load::load(&options.paths, options.limits)?;
    let mut findings = loaded.findings;
    let files_checked = loaded.sources.len() - loaded.skipped;
    for document in &loaded.documents {
        findings.extend(schema::validate(document));
    }
    let resolve_options = ResolveOptions {
        as_of: options.as_of,
        regulations: options.regulations.clone(),
    };
    let (manifest, resolution) = model::resolve(loaded.documents, &resolve_options);
    findings.extend(resolution);
    findings.extend(engine.evaluate(
        &manifest,
        &loaded.sources,
        &options.paths,
        &options.selection,
    ));
    sort_findings(&mut findings, &loaded.sources);
    Ok(Report {
        sources: loaded.sources,
        findings,
        manifest,
        files_checked,
    })
}
