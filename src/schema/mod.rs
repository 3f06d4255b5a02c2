//! Validates each manifest file against `schemas/manifest.schema.json`, the
//! single definition of the format, and turns the validator's errors into
//! findings that point at the YAML and read like a person wrote them.

mod messages;

use crate::load::Document;
use crate::report::Finding;
use crate::report::codes;
use std::sync::OnceLock;

/// The manifest schema, as shipped (`privlint schema` prints it).
pub const MANIFEST_SCHEMA: &str = include_str!("../../schemas/manifest.schema.json");

/// The compiled manifest schema.
pub struct ManifestSchema {
    validator: jsonschema::Validator,
    schema: serde_json::Value,
}

impl ManifestSchema {
    /// The embedded schema, compiled once per process.
    pub fn get() -> &'static ManifestSchema {
        static SCHEMA: OnceLock<ManifestSchema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            let schema: serde_json::Value =
                serde_json::from_str(MANIFEST_SCHEMA).expect("embedded schema is JSON (tested)");
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&schema)
                .expect("embedded schema compiles (tested)");
            ManifestSchema { validator, schema }
        })
    }

    /// The schema document itself.
    pub fn json(&self) -> &serde_json::Value {
        &self.schema
    }
}

/// Checks one document. Returns its findings; a document whose `version`
/// is not 1 is not validated further (its format is unknown).
pub fn validate(document: &Document) -> Vec<Finding> {
    let schema = ManifestSchema::get();
    let root = &document.root;
    if let Some(version) = root.get("version")
        && let Some(v) = version.as_i64().filter(|v| *v != 1)
    {
        return vec![
            codes::UNSUPPORTED_VERSION
                .at(
                    version.span,
                    format!("manifest format version {v} is not supported"),
                    "unknown version",
                )
                .with_help("this privlint reads `version: 1`"),
        ];
    }
    let instance = root.to_json();
    let mut findings: Vec<Finding> = Vec::new();
    for error in schema.validator.iter_errors(&instance) {
        messages::describe(&error, root, &schema.schema, &mut findings);
    }
    findings.dedup_by(|a, b| a.primary == b.primary && a.message == b.message);
    findings
}
