//! Validates each manifest file against `schemas/manifest.schema.json`, the
//! single definition of the format, and turns the validator's errors into
//! findings that point at the YAML and read like a person wrote them.

mod instance;
mod messages;
mod window;

use crate::load::Document;
use crate::load::node::{Node, Value};
use crate::report::Finding;
use crate::report::codes;
use jsonschema::error::ValidationErrorKind;
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
    /// The lists that must not repeat an entry, where they sit: (top-level
    /// key, whether it holds a list of entities, the list's key in each).
    /// Checked by the tree when a file is validated in windows, since a
    /// window sees part of a list.
    unique_lists: Vec<(String, bool, String)>,
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
            unique_lists: unique_lists(&schema),
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
        self.validate_in_windows(root, window::WINDOW_ITEMS)
    }

    /// Validates a tree, in windows of `size` list items when it has more.
    fn validate_in_windows(&self, root: &crate::load::node::Node, size: u32) -> Vec<Finding> {
        // A file with more list items than a window goes straight to the
        // windows: validating it whole costs memory in proportion to its
        // longest list (`uniqueItems` hashes every item), which the tree
        // check of repeats below does not.
        let windowed = window::Plan::has_more_items_than(root, size);
        if !windowed && self.validator.is_valid(root) {
            return Vec::new();
        }
        let mut out = messages::Out::default();
        let plan = window::Plan::new(root);
        if plan.items <= size {
            for error in self.validator.iter_errors(root) {
                self.describe(&error, messages::error_path(&error), root, None, &mut out);
            }
        } else {
            // Too many errors may wait in a large file to hold them at once.
            // Past the cap, the rest of the file is not searched: the errors
            // are counted only as far as the last window searched.
            let mut plan = plan;
            for range in plan.windows(size) {
                if out.full() {
                    out.counted_all = false;
                    break;
                }
                plan = window::with_window(plan, range, |window| {
                    for error in self.validator.iter_errors(root) {
                        if matches!(error.kind(), ValidationErrorKind::UniqueItems) {
                            continue;
                        }
                        let mut path = messages::error_path(&error);
                        if window.locate(root, &mut path) {
                            self.describe(&error, path, root, Some(window), &mut out);
                        }
                    }
                });
            }
            self.repeated_entries(root, &mut out);
        }
        let mut findings = out.findings;
        findings.dedup_by(|a, b| a.primary == b.primary && a.message == b.message);
        // A value of the wrong type (`role: true`) is not also a wrong value
        // of the right type: one finding per mistake.
        let mistyped: std::collections::HashSet<crate::source::Span> = findings
            .iter()
            .filter(|f| f.code == codes::INVALID_TYPE.code)
            .map(|f| f.primary.span)
            .collect();
        if !mistyped.is_empty() {
            findings.retain(|f| {
                f.code != codes::INVALID_VALUE.code || !mistyped.contains(&f.primary.span)
            });
        }
        if out.unshown > 0
            && let Some(last) = findings.last_mut()
        {
            last.notes.push(if out.counted_all {
                format!(
                    "{} more format errors in this file are not shown; fix these first",
                    out.unshown
                )
            } else {
                format!(
                    "more format errors in this file are not shown (at least {}); fix these first",
                    out.unshown
                )
            });
        }
        findings
    }

    /// The repeats in lists that must not have any, found on the tree.
    fn repeated_entries(&self, root: &crate::load::node::Node, out: &mut messages::Out) {
        use messages::Seg;
        for (top, is_list, key) in &self.unique_lists {
            let Some(node) = root.get(top) else { continue };
            let entities = if *is_list {
                node.as_seq()
            } else {
                std::slice::from_ref(node)
            };
            for (i, entity) in entities.iter().enumerate() {
                if let Some(list) = entity.get(key).filter(|l| !l.as_seq().is_empty()) {
                    let mut path = vec![Seg::Key(top.clone())];
                    path.extend(is_list.then_some(Seg::Index(i)));
                    path.push(Seg::Key(key.clone()));
                    messages::repeated_entry(list, &path, out);
                }
            }
        }
    }

    /// One error into findings; past the cap, it is only counted.
    fn describe(
        &self,
        error: &jsonschema::ValidationError<'_>,
        path: Vec<messages::Seg>,
        root: &crate::load::node::Node,
        window: Option<&window::Window>,
        out: &mut messages::Out,
    ) {
        if out.full() {
            out.unshown += 1;
        } else {
            messages::describe_at(error, path, root, window, &self.schema, self.root_noun, out);
        }
    }
}

/// Where the schema's `uniqueItems` lists are: in the entities its top
/// level holds (`processors[*].locations`, `organization.markets`).
fn unique_lists(schema: &serde_json::Value) -> Vec<(String, bool, String)> {
    let mut found = Vec::new();
    let Some(top) = schema.get("properties").and_then(|p| p.as_object()) else {
        return found;
    };
    for (key, property) in top {
        let (is_list, reference) = match property.pointer("/items/$ref") {
            Some(r) => (true, r),
            None => (
                false,
                property.get("$ref").unwrap_or(&serde_json::Value::Null),
            ),
        };
        let Some(def) = reference
            .as_str()
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|r| schema.pointer(r))
            .and_then(|d| d.get("properties"))
            .and_then(|p| p.as_object())
        else {
            continue;
        };
        for (name, field) in def {
            if field.get("uniqueItems") == Some(&serde_json::Value::Bool(true)) {
                found.push((key.clone(), is_list, name.clone()));
            }
        }
    }
    found
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

/// Every field name of the manifest, configuration and rule-pack formats,
/// at any depth: a word that is one starts a line as a key, not as text.
pub fn field_names() -> &'static std::collections::BTreeSet<String> {
    static NAMES: OnceLock<std::collections::BTreeSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        fn collect(value: &serde_json::Value, names: &mut std::collections::BTreeSet<String>) {
            match value {
                serde_json::Value::Object(map) => {
                    if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                        names.extend(props.keys().cloned());
                    }
                    map.values().for_each(|v| collect(v, names));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, names)),
                _ => {}
            }
        }
        let mut names = std::collections::BTreeSet::new();
        collect(manifest_document(), &mut names);
        for schema in [RULE_PACK_SCHEMA, crate::config::CONFIG_SCHEMA] {
            if let Ok(value) = serde_json::from_str(schema) {
                collect(&value, &mut names);
            }
        }
        names
    })
}

/// The manifest schema as JSON, parsed once.
fn manifest_document() -> &'static serde_json::Value {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        serde_json::from_str(MANIFEST_SCHEMA).expect("embedded schema is JSON (tested)")
    })
}

fn properties(pointer: &str) -> Vec<String> {
    manifest_document()
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
    // Any other number, however written (`2`, `1.5`, a number too large
    // for an integer), is a version this privlint does not know.
    let other_version = |node: &Node| match node.value {
        Value::Int(v) if v != 1 => Some(v.to_string()),
        Value::Float(v) if v != 1.0 && v.is_finite() => Some(if v.abs() < 1e15 {
            v.to_string()
        } else {
            format!("{v:e}")
        }),
        _ => None,
    };
    if let Some(version) = root.get("version")
        && let Some(v) = other_version(version)
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
    let mut findings = schema.validate_node(root);
    // A tagged value was reported when loading and is not read.
    if !document.unread.is_empty() {
        findings.retain(|f| document.unread.binary_search(&f.primary.span).is_err());
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::CompiledSchema;
    use crate::load::yaml::{YamlLimits, parse};
    use crate::report::Finding;
    use crate::source::FileId;

    fn root(text: &str) -> crate::load::node::Node {
        parse(FileId(0), text, YamlLimits::default())
            .root
            .expect("parses")
    }

    /// A manifest's `regulations` and a pack's `regulation` accept exactly
    /// the regulations of the reference data: a pack rule on any other
    /// would never run.
    #[test]
    fn both_schemas_name_the_regulations_of_the_reference_data() {
        let mut known: Vec<String> = crate::model::refdata::ReferenceData::get()
            .regulations
            .iter()
            .map(|r| r.id.clone())
            .collect();
        known.sort();
        for schema in [super::MANIFEST_SCHEMA, super::RULE_PACK_SCHEMA] {
            let schema: serde_json::Value = serde_json::from_str(schema).unwrap();
            let mut named: Vec<String> =
                serde_json::from_value(schema["$defs"]["regulation"]["enum"].clone()).unwrap();
            named.sort();
            assert_eq!(named, known);
        }
    }

    #[test]
    fn every_other_version_number_is_an_unsupported_version() {
        for (written, shown) in [("2", "2"), ("1.5", "1.5"), ("99999999999999999999", "1e20")] {
            let document = crate::load::Document {
                file: FileId(0),
                root: root(&format!("version: {written}\nprocessors: []\n")),
                verbatim: Vec::new(),
                unread: Vec::new(),
            };
            let findings = super::validate(&document);
            assert_eq!(findings.len(), 1, "{written}");
            assert_eq!(findings[0].code, "PL007");
            assert_eq!(
                findings[0].message,
                format!("manifest format version {shown} is not supported")
            );
        }
        // `1.0` is the number 1.
        let document = crate::load::Document {
            file: FileId(0),
            root: root("version: 1.0\nprocessors: []\n"),
            verbatim: Vec::new(),
            unread: Vec::new(),
        };
        assert!(super::validate(&document).is_empty());
        // `"1"` is the right version, quoted.
        let document = crate::load::Document {
            file: FileId(0),
            root: root("version: \"1\"\nprocessors: []\n"),
            verbatim: Vec::new(),
            unread: Vec::new(),
        };
        let findings = super::validate(&document);
        assert_eq!(findings[0].message, "`version` must be `1`");
        assert_eq!(
            findings[0].help.as_deref(),
            Some("write the number without quotes: `1`")
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_one_finding() {
        let document = crate::load::Document {
            file: FileId(0),
            root: root("version: 1\nprocessors:\n  - {id: a, name: A, role: true, country: DE}\n"),
            verbatim: Vec::new(),
            unread: Vec::new(),
        };
        let findings = super::validate(&document);
        let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["PL011"], "{findings:#?}");
    }

    fn key(f: &Finding) -> (u32, String, Vec<String>) {
        (f.primary.span.start, f.message.clone(), f.notes.clone())
    }

    /// Processors with errors at every depth: in the entity, in its lists,
    /// in the mappings inside its lists.
    fn manifest(processors: usize) -> String {
        let mut text = String::from("version: 1\nunknown_top: 1\nprocessors:\n");
        for i in 0..processors {
            text.push_str(&match i % 5 {
                0 => format!("  - {{id: p{i}, name: P, role: processor, country: DE}}\n"),
                1 => format!("  - {{id: p{i}, name: P, role: processr, country: DE, locations: [DE, 7, FR, {{}}, FR]}}\n"),
                2 => format!(
                    "  - id: p{i}\n    name: P\n    role: processor\n    country: US\n    transfers:\n      - {{country: US, mechanism: dpf}}\n      - {{country: US, mechanisms: scc}}\n      - {{country: 5}}\n"
                ),
                3 => format!("  - {{id: p{i}, nme: P, role: processor, country: DE}}\n"),
                _ => "  - plain text\n".to_string(),
            });
        }
        text
    }

    #[test]
    fn windows_find_what_one_pass_finds() {
        let schema = CompiledSchema::get();
        for processors in [1, 7, 40] {
            let root = root(&manifest(processors));
            let mut whole: Vec<_> = schema
                .validate_in_windows(&root, u32::MAX)
                .iter()
                .map(key)
                .collect();
            assert!(!whole.is_empty());
            whole.sort();
            for size in [1, 2, 3, 5, 64] {
                let mut windowed: Vec<_> = schema
                    .validate_in_windows(&root, size)
                    .iter()
                    .map(key)
                    .collect();
                windowed.sort();
                assert_eq!(
                    windowed, whole,
                    "{processors} processors, windows of {size}"
                );
            }
        }
    }

    /// A manifest of one processor whose list `field` holds `entries`.
    fn one_processor(field: &str, entries: &str) -> String {
        format!(
            "version: 1\nprocessors: [{{id: p, name: P, role: processor, country: DE, {field}: [{entries}]}}]\n"
        )
    }

    /// A file with more list items than a window is validated in windows
    /// even when it is valid (whole, `uniqueItems` would hash every item of
    /// its longest list): a valid file stays without findings.
    #[test]
    fn a_valid_file_is_valid_in_windows() {
        let schema = CompiledSchema::get();
        let mut text = String::from("version: 1\nprocessors:\n");
        for i in 0..40 {
            text.push_str(&format!(
                "  - {{id: p{i}, name: P, role: processor, country: DE, locations: [DE, FR, IT]}}\n"
            ));
        }
        let root = root(&text);
        assert!(super::window::Plan::has_more_items_than(&root, 159));
        assert!(!super::window::Plan::has_more_items_than(&root, 160));
        for size in [1, 2, 5, 64, u32::MAX] {
            assert_eq!(
                schema.validate_in_windows(&root, size),
                [],
                "windows of {size}"
            );
        }
    }

    /// All the array elements in a JSON value, at any depth.
    fn elements(value: &serde_json::Value) -> usize {
        match value {
            serde_json::Value::Array(items) => {
                items.len() + items.iter().map(elements).sum::<usize>()
            }
            serde_json::Value::Object(map) => map.values().map(elements).sum(),
            _ => 0,
        }
    }

    /// The error on a mapping with an unknown key comes in every window, and
    /// holds the mapping: its lists, at any depth, are copied as far as the
    /// window shows them, or a long list under the key is copied whole once
    /// per window (quadratic in its length).
    #[test]
    fn an_error_on_a_mapping_copies_only_the_window_of_its_lists() {
        let schema = CompiledSchema::get();
        let text = format!(
            "version: 1\nx: [{}]\norganization: {{name: X, y: [{}]}}\n",
            "[1, 2], ".repeat(200),
            "1, ".repeat(200)
        );
        let root = root(&text);
        let mut plan = super::window::Plan::new(&root);
        assert_eq!(plan.items, 800);
        let mut copied = 0;
        for range in plan.windows(10) {
            plan = super::window::with_window(plan, range, |_| {
                for error in schema.validator.iter_errors(&root) {
                    copied += elements(error.instance());
                }
            });
        }
        // Each item is copied about once into each error that holds it (`x`
        // unknown at the top level; `organization` without `country`, with
        // `y` unknown): copied whole, it would be 80 windows times 800 items.
        assert!(copied <= 4 * 800, "{copied} items copied");
        let whole: Vec<_> = schema
            .validate_in_windows(&root, u32::MAX)
            .iter()
            .map(key)
            .collect();
        let windowed: Vec<_> = schema
            .validate_in_windows(&root, 10)
            .iter()
            .map(key)
            .collect();
        assert_eq!(whole.len(), 3, "{whole:?}");
        assert_eq!(windowed, whole);
    }

    #[test]
    fn a_repeat_split_across_windows_is_found() {
        let schema = CompiledSchema::get();
        let names: Vec<String> = (0..40).map(|i| format!("c{i}")).collect();
        let root = root(&one_processor(
            "certifications",
            &format!("dup, {}, dup", names.join(", ")),
        ));
        let whole: Vec<_> = schema
            .validate_in_windows(&root, u32::MAX)
            .iter()
            .map(key)
            .collect();
        assert_eq!(whole.len(), 1);
        assert!(whole[0].1.contains("lists `dup` twice"), "{whole:?}");
        for size in [1, 3, 16] {
            let windowed: Vec<_> = schema
                .validate_in_windows(&root, size)
                .iter()
                .map(key)
                .collect();
            assert_eq!(windowed, whole, "windows of {size}");
        }
    }

    #[test]
    fn a_long_invalid_list_stops_at_the_cap() {
        let schema = CompiledSchema::get();
        let text = format!("version: 1\nprocessors: [{}]\n", "{},".repeat(3_000));
        let root = root(&text);
        // Each `{}` misses four fields: 12,000 errors, 1,000 shown.
        let whole = schema.validate_in_windows(&root, u32::MAX);
        assert_eq!(whole.len(), 1_000);
        assert!(
            whole[999].notes[0].starts_with("11000 more format errors"),
            "{:?}",
            whole[999].notes
        );
        let windowed = schema.validate_in_windows(&root, 100);
        assert_eq!(windowed.len(), 1_000);
        assert!(
            windowed[999].notes[0]
                .starts_with("more format errors in this file are not shown (at least"),
            "{:?}",
            windowed[999].notes
        );
    }

    #[test]
    fn many_unknown_keys_are_capped() {
        let schema = CompiledSchema::get();
        let mut text = String::from("version: 1\n");
        for i in 0..1_500 {
            text.push_str(&format!("k{i}: 1\n"));
        }
        let found = schema.validate_node(&root(&text));
        assert_eq!(found.len(), 1_000);
        assert_eq!(
            found[0].message,
            "`k0` is not a field of a manifest file's top level"
        );
        assert!(
            found[999].notes[0].starts_with("500 more format errors"),
            "{:?}",
            found[999].notes
        );
    }

    #[test]
    fn a_repeat_late_in_a_long_list_is_found() {
        let schema = CompiledSchema::get();
        let ids: Vec<String> = (0..3_000).map(|i| format!("s{i}")).collect();
        let text = one_processor("sub_processors", &format!("{}, s17", ids.join(", ")));
        let found = schema.validate_node(&root(&text));
        assert!(
            found.iter().any(|f| f.message.contains("twice")),
            "{found:?}"
        );
    }
}
