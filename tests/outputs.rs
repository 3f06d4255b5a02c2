//! The machine-readable outputs keep their contracts: the JSON format
//! validates against `schemas/diagnostics.schema.json` and deserialises
//! into LSP diagnostics as an editor would read them.

mod common;

use common::check;

fn json_output() -> serde_json::Value {
    let run = check(
        &[
            "tests/fixtures/diagnostics/PL020-duplicate-id",
            "examples/broken",
        ],
        "json",
    );
    serde_json::from_str(&run.stdout).expect("valid JSON")
}

#[test]
fn json_output_matches_its_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/diagnostics.schema.json")).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let output = json_output();
    let errors: Vec<String> = validator
        .iter_errors(&output)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!output["diagnostics"].as_array().unwrap().is_empty());
}

#[test]
fn json_diagnostics_deserialise_as_lsp_diagnostics() {
    let output = json_output();
    for value in output["diagnostics"].as_array().unwrap() {
        let diagnostic: lsp_types::Diagnostic =
            serde_json::from_value(value.clone()).expect("an LSP Diagnostic");
        assert_eq!(diagnostic.source.as_deref(), Some("privlint"));
        assert!(diagnostic.severity.is_some());
        assert!(diagnostic.code_description.is_some());
        for related in diagnostic.related_information.unwrap_or_default() {
            assert_eq!(
                related.location.uri.scheme().map(|s| s.as_str()),
                Some("file")
            );
        }
    }
}

#[test]
fn the_printed_schemas_are_valid_json_schemas() {
    for which in ["manifest", "diagnostics", "rule-pack"] {
        let run = common::privlint(&["schema", which]);
        assert_eq!(run.code, 0);
        let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        jsonschema::meta::validate(&schema).unwrap_or_else(|e| panic!("{which}: {e}"));
    }
}

#[test]
fn concise_lines_have_the_documented_shape() {
    let run = check(&["examples/broken"], "concise");
    for line in run.stdout.lines() {
        let mut parts = line.splitn(4, ':');
        let (path, line_no, col, rest) = (parts.next(), parts.next(), parts.next(), parts.next());
        assert!(path.is_some_and(|p| p.ends_with(".yaml")), "{line}");
        assert!(line_no.is_some_and(|n| n.parse::<u32>().is_ok()), "{line}");
        assert!(col.is_some_and(|n| n.parse::<u32>().is_ok()), "{line}");
        assert!(
            rest.is_some_and(|r| r.starts_with(" error[PL")
                || r.starts_with(" warning[")
                || r.starts_with(" info[")),
            "{line}"
        );
    }
}

/// A label on a flow collection ends at its `]`: the spaces and comment
/// after it are not underlined, in the text or in an editor's range.
#[test]
fn a_flow_collection_label_stops_at_its_closing_bracket() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.yaml"),
        "version: 1\norganization:\n  name: X\n  country: DE\n  residency: [EEA]   # we promise\nprocessors:\n  - {id: p, name: P, role: processor, country: US, agreement: {type: dpa}}\nactivities:\n  - {id: a1, name: A, purpose: x, data_subjects: [customers], data_categories: [contact.email], legal_basis: contract, retention: P1Y, recipients: [p]}\n",
    )
    .unwrap();
    let run = common::privlint_in(
        dir.path(),
        &[
            "check",
            "--isolated",
            "--select",
            "ORG001",
            "--format",
            "json",
            "m.yaml",
        ],
    );
    let output: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let related = &output["diagnostics"][0]["relatedInformation"];
    let promise = related
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["location"]["range"]["start"]["line"] == 4)
        .unwrap_or_else(|| panic!("{output:#}"));
    assert_eq!(promise["location"]["range"]["start"]["character"], 13);
    assert_eq!(promise["location"]["range"]["end"]["character"], 18);
}
