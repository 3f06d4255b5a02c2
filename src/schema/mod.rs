//! Validates each manifest file against `schemas/manifest.schema.json`, the
//! single definition of the format, and turns the validator's errors into
//! findings that point at the YAML and read like a person wrote them.

mod instance;
mod messages;

use crate::load::Document;
use crate::report::Finding;
use crate::report::codes;
use std::sync::OnceLock;

/// The manifest schema, as shipped (`privlint schema` prints it).
pub const MANIFEST_SCHEMA: &str = include_str!("../../schemas/manifest.schema.json");

/// The rule-pack schema, as shipped.
pub const RULE_PACK_SCHEMA: &str = include_str!("../../schemas/rule-pack.schema.json");

pub use crate::report::MAX_FORMAT_FINDINGS;

/// A compiled JSON Schema with its document (for "did you mean" lists).
pub struct CompiledSchema {
    validator: jsonschema::Validator<instance::Yaml>,
    schema: serde_json::Value,
    /// The same schema over `serde_json` values, the reference the tree
    /// representation is checked against in debug builds (tests, fuzzing).
    #[cfg(debug_assertions)]
    reference: jsonschema::Validator,
    /// What the document's top level is called in messages.
    root_noun: &'static str,
}

/// The manifest schema (kept under its historical name).
pub type ManifestSchema = CompiledSchema;

impl CompiledSchema {
    pub fn compile(text: &str, root_noun: &'static str) -> CompiledSchema {
        let schema: serde_json::Value =
            serde_json::from_str(text).expect("embedded schema is JSON (tested)");
        let validator = jsonschema::options_for::<instance::Yaml>()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .expect("embedded schema compiles (tested)");
        CompiledSchema {
            validator,
            #[cfg(debug_assertions)]
            reference: jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&schema)
                .expect("embedded schema compiles (tested)"),
            schema,
            root_noun,
        }
    }

    /// The embedded manifest schema, compiled once per process.
    pub fn get() -> &'static CompiledSchema {
        static SCHEMA: OnceLock<CompiledSchema> = OnceLock::new();
        SCHEMA
            .get_or_init(|| CompiledSchema::compile(MANIFEST_SCHEMA, "a manifest file's top level"))
    }

    /// The embedded rule-pack schema, compiled once per process.
    pub fn rule_pack() -> &'static CompiledSchema {
        static SCHEMA: OnceLock<CompiledSchema> = OnceLock::new();
        SCHEMA.get_or_init(|| CompiledSchema::compile(RULE_PACK_SCHEMA, "a rule pack"))
    }

    /// Debug builds: the tree, read in place, gets the same errors as its
    /// JSON conversion.
    #[cfg(debug_assertions)]
    fn check_against_reference(&self, root: &crate::load::node::Node) {
        let key = |e: jsonschema::ValidationError<'_>| {
            format!("{} {} {}", e.instance_path(), e.schema_path(), e)
        };
        let json = root.to_json();
        let expected: Vec<String> = self.reference.iter_errors(&json).map(key).collect();
        let actual: Vec<String> = self.validator.iter_errors(root).map(key).collect();
        assert_eq!(actual, expected, "tree and JSON validation disagree");
    }

    /// The schema document itself.
    pub fn json(&self) -> &serde_json::Value {
        &self.schema
    }

    /// Validates a YAML tree, turning errors into located findings.
    pub fn validate_node(&self, root: &crate::load::node::Node) -> Vec<Finding> {
        #[cfg(debug_assertions)]
        self.check_against_reference(root);
        let mut findings: Vec<Finding> = Vec::new();
        let mut errors = self.validator.iter_errors(root);
        for error in errors.by_ref() {
            messages::describe(&error, root, &self.schema, self.root_noun, &mut findings);
            if findings.len() >= MAX_FORMAT_FINDINGS {
                break;
            }
        }
        findings.dedup_by(|a, b| a.primary == b.primary && a.message == b.message);
        let more = errors.count();
        if more > 0
            && let Some(last) = findings.last_mut()
        {
            last.notes.push(format!(
                "{more} more format errors in this file are not shown; fix these first"
            ));
        }
        findings
    }
}

/// The property names of a `$defs` entry of the manifest schema (for the
/// rule packs' field checks). Read from the schema document alone: loading
/// the packs does not wait for the validator to be compiled.
pub fn manifest_properties_of(def: &str) -> Vec<String> {
    properties(&format!("/$defs/{def}/properties"))
}

/// The keys of a manifest file's top level (`version`, `processors`, ...),
/// to tell a manifest from another tool's YAML found by walking.
pub fn manifest_top_level_keys() -> &'static [String] {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    KEYS.get_or_init(|| properties("/properties"))
}

fn properties(pointer: &str) -> Vec<String> {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    DOCUMENT
        .get_or_init(|| {
            serde_json::from_str(MANIFEST_SCHEMA).expect("embedded schema is JSON (tested)")
        })
        .pointer(pointer)
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
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
    schema.validate_node(root)
}
