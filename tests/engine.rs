//! How rules are chosen and run: selection, regulation applicability,
//! user packs, and errors during evaluation.

mod common;

use common::{check_with, privlint};

const LINTED: &str = "tests/fixtures/rules/GDPR101/fail";

#[test]
fn select_by_code_name_or_prefix_runs_only_those_rules() {
    for selector in ["GDPR101", "missing-legal-basis", "GDPR", "gdpr1"] {
        let run = check_with(&["--select", selector], &[LINTED], "concise");
        assert!(
            run.stdout.contains("[GDPR101]"),
            "{selector}: {}",
            run.stdout
        );
    }
    let other = check_with(&["--select", "ORG001"], &[LINTED], "concise");
    assert!(!other.stdout.contains("[GDPR101]"), "{}", other.stdout);
    assert_eq!(other.code, 0);
}

#[test]
fn ignore_wins_over_select() {
    let run = check_with(
        &["--select", "GDPR", "--ignore", "missing-legal-basis"],
        &[LINTED],
        "concise",
    );
    assert!(!run.stdout.contains("[GDPR101]"), "{}", run.stdout);
}

#[test]
fn gdpr_rules_do_not_run_where_only_the_swiss_law_applies() {
    let run = check_with(&["--regulation", "ndsg"], &[LINTED], "concise");
    assert!(!run.stdout.contains("[GDPR"), "{}", run.stdout);
    let run = check_with(&["--regulation", "gdpr"], &[LINTED], "concise");
    assert!(run.stdout.contains("[GDPR101]"), "{}", run.stdout);
}

#[test]
fn a_user_pack_is_loaded_listed_explained_and_evaluated() {
    let pack = "examples/company-policy/policy.yaml";
    let run = check_with(&["--rules", pack], &["examples/saas-clean"], "concise");
    assert!(
        run.stdout.contains("[FW002]"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    let listed = privlint(&["rules", "--rules", pack]);
    assert!(
        listed.stdout.contains("FW001")
            && listed.stdout.contains("no-processing-in-denied-countries")
    );
    let explained = privlint(&["explain", "FW002", "--rules", pack]);
    assert_eq!(explained.code, 0);
    assert!(explained.stdout.contains("## What it does"));
}

/// In privlint.yaml and with `--rules`, or spelt two ways: one pack.
#[test]
fn a_pack_named_twice_is_loaded_once() {
    let pack = "examples/company-policy/policy.yaml";
    let twice = [
        "--rules",
        pack,
        "--rules",
        "./examples/company-policy/policy.yaml",
    ];
    let run = check_with(&twice, &["examples/saas-clean"], "concise");
    assert!(
        run.stdout.contains("[FW002]"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert!(!run.stdout.contains("PL030"), "{}", run.stdout);
}

/// A name clash points at the names, a code clash at the codes.
#[test]
fn a_duplicate_rule_name_is_shown_at_both_names() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack.yaml");
    std::fs::write(
        &pack,
        "version: 1\npack: x\nname: X\nrules:\n  - code: XX001\n    name: transfer-without-mechanism\n    severity: error\n    summary: s\n    for_each: processor\n    require: \"true\"\n    message: m\n",
    )
    .unwrap();
    let run = check_with(&["--rules", pack.to_str().unwrap()], &[LINTED], "concise");
    assert_eq!(run.code, 2);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(said.contains("duplicate rule name"), "{said}");
    assert!(said.contains("pack.yaml:6:11"), "{said}");
}

/// `{x?}` leaves a note out when empty; in a message it would print an
/// empty value silently, so it is an error there.
#[test]
fn an_optional_placeholder_is_allowed_only_in_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack.yaml");
    let rule = |field: &str| {
        format!(
            "version: 1\npack: x\nname: X\nrules:\n  - code: XX001\n    name: xx-one\n    severity: error\n    summary: s\n    for_each: transfer\n    require: \"false\"\n    message: m\n    {field}: \"through {{transfer.via?}}\"\n"
        )
    };
    std::fs::write(&pack, rule("help")).unwrap();
    let run = check_with(&["--rules", pack.to_str().unwrap()], &[LINTED], "concise");
    assert_eq!(run.code, 2);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(said.contains("allowed only in a `note`"), "{said}");
    std::fs::write(&pack, rule("note")).unwrap();
    let run = check_with(&["--rules", pack.to_str().unwrap()], &[LINTED], "concise");
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(!said.contains("PL030"), "{said}");
}

#[test]
fn a_rule_that_fails_to_evaluate_is_reported_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack.yaml");
    std::fs::write(
        &pack,
        "version: 1\npack: strict\nname: Strict\nrules:\n  - code: ST001\n    name: dpa-typed\n    severity: warning\n    summary: dpa typed\n    for_each: processor\n    require: processor.agreement.type == 'dpa'\n    message: \"`{processor.id}` has no DPA\"\n",
    )
    .unwrap();
    let manifest = dir.path().join("m.yaml");
    std::fs::write(
        &manifest,
        "version: 1\norganization: {name: A, country: DE}\nprocessors:\n  - {id: hetzner, name: Hetzner, role: processor, country: DE}\n",
    )
    .unwrap();
    let run = check_with(
        &["--rules", pack.to_str().unwrap()],
        &[manifest.to_str().unwrap()],
        "concise",
    );
    assert!(
        run.stdout
            .contains("error[ST001] rule `ST001` could not be evaluated here"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(run.code, 1);
}

#[test]
fn an_unreadable_rule_pack_is_a_located_usage_error() {
    let run = check_with(&["--rules", "no/such/pack.yaml"], &[LINTED], "text");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("error[PL030]: cannot read rule pack"),
        "{}",
        run.stderr
    );
}

/// Pack mistakes that used to turn rules off silently, or move their
/// labels, are errors when the pack loads, located, with a suggestion: an
/// empty or comment-only file, a regulation privlint does not know, a
/// function the interpreter does not have, a label on a field no manifest
/// can have.
#[test]
fn pack_mistakes_that_would_run_no_rule_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let rule = |extra: &str, require: &str| {
        format!(
            "version: 1\npack: house\nname: House\nrules:\n  - code: HOUSE001\n    name: house-rule\n    severity: error\n    summary: s\n    for_each: processor\n    require: '{require}'\n    message: \"m\"\n{extra}"
        )
    };
    for (text, (at, message)) in [
        (String::new(), ("pack.yaml:1:1", "the rule pack is empty")),
        (
            "# policies: to do\n".to_string(),
            ("pack.yaml:1:1", "the rule pack is empty"),
        ),
        (
            rule("", "true").replace("rules:", "regulation: gdrp\nrules:"),
            (
                "pack.yaml:4:13",
                "`gdrp` is not a valid regulation; did you mean `gdpr`?",
            ),
        ),
        (
            rule("", "true").replace("rules:", "regulation: [gdpr]\nrules:"),
            ("pack.yaml:4:13", "`regulation` must be text, found a list"),
        ),
        (
            rule("    regulation: ndsgg\n", "true"),
            (
                "pack.yaml:12:17",
                "`ndsgg` is not a valid regulation; did you mean `ndsg`?",
            ),
        ),
        (
            rule("", "processor.id.startswith(\"a\")"),
            (
                "pack.yaml:10:28",
                "in `require`: unknown function `startswith`; did you mean `startsWith`?",
            ),
        ),
        (
            rule("    at: processor.agrement\n", "true"),
            (
                "pack.yaml:12:9",
                "`at`: `processor` has no field `agrement`; did you mean `agreement`?",
            ),
        ),
    ] {
        let pack = dir.path().join("pack.yaml");
        std::fs::write(&pack, &text).unwrap();
        let run = check_with(&["--rules", pack.to_str().unwrap()], &[LINTED], "text");
        assert_eq!(run.code, 2, "{text}\n{}", run.stderr);
        let said = &run.stderr;
        assert!(
            said.contains(&format!("error[PL030]: {message}")),
            "{text}\n{said}"
        );
        assert!(said.contains(&format!("{at}\n")), "{text}\n{said}");
    }
    // A pack loaded again from a copy is one error, not one per rule.
    let copy = dir.path().join("copy.yaml");
    std::fs::write(&copy, rule("", "true")).unwrap();
    let pack = dir.path().join("pack.yaml");
    std::fs::write(&pack, rule("", "true")).unwrap();
    let twice = check_with(
        &[
            "--rules",
            pack.to_str().unwrap(),
            "--rules",
            copy.to_str().unwrap(),
        ],
        &[LINTED],
        "text",
    );
    assert_eq!(twice.code, 2);
    assert_eq!(
        twice.stderr.matches("error[PL030]").count(),
        1,
        "{}",
        twice.stderr
    );
    assert!(
        twice
            .stderr
            .contains("a rule pack with the id `house` is already loaded"),
        "{}",
        twice.stderr
    );
    // A misspelt required key is one mistake, said once: not also "missing".
    let pack = dir.path().join("pack.yaml");
    std::fs::write(&pack, rule("", "true").replace("require:", "requires:")).unwrap();
    let run = check_with(&["--rules", pack.to_str().unwrap()], &[LINTED], "text");
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.matches("error[PL030]").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`requires` is not a field of a rule; did you mean `require`?"),
        "{}",
        run.stderr
    );
}

/// `privlint rules` shows the severity findings get, with the
/// configuration's `severity` applied and marked, as a check applies it.
#[test]
fn the_rules_listing_shows_the_configured_severity() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("privlint.yaml"),
        "severity:\n  GDPR1: info\n  GDPR134: error\n",
    )
    .unwrap();
    let text = common::privlint_in(dir.path(), &["rules"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    let line = |code: &str| {
        text.stdout
            .lines()
            .find(|l| l.starts_with(code))
            .unwrap_or_default()
            .split_whitespace()
            .nth(2)
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(line("GDPR134"), "error*");
    assert_eq!(line("GDPR101"), "info*");
    assert_eq!(line("NDSG201"), "error");
    assert!(
        text.stdout
            .contains("* set by `severity` in the configuration")
    );
    let json = common::privlint_in(dir.path(), &["rules", "--format", "json"]);
    let rules: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let gdpr134 = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "GDPR134")
        .unwrap();
    assert_eq!(
        (&gdpr134["severity"], &gdpr134["default_severity"]),
        (&serde_json::json!("error"), &serde_json::json!("warning"))
    );
}

#[test]
fn findings_at_or_above_the_fail_level_set_the_exit_code() {
    let pack = "examples/company-policy/policy.yaml";
    let info = check_with(
        &["--rules", pack, "--select", "FW003"],
        &["examples/saas-clean"],
        "concise",
    );
    assert!(info.stdout.contains("info[FW003]"), "{}", info.stdout);
    assert_eq!(info.code, 0);
    let strict = check_with(
        &["--rules", pack, "--select", "FW003", "--fail-on", "info"],
        &["examples/saas-clean"],
        "concise",
    );
    assert_eq!(strict.code, 1);
}

#[test]
fn a_pack_reusing_a_rule_code_is_a_located_error_pointing_at_both() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack.yaml");
    std::fs::write(
        &pack,
        "version: 1\npack: mine\nname: Mine\nrules:\n  - code: GDPR101\n    name: my-basis-rule\n    severity: error\n    summary: s\n    for_each: activity\n    require: activity.basis != ''\n    message: \"`{activity.id}`\"\n",
    )
    .unwrap();
    let run = check_with(&["--rules", pack.to_str().unwrap()], &[LINTED], "text");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("error[PL030]: duplicate rule code `GDPR101`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("pack.yaml:5:11"), "{}", run.stderr);
    assert!(
        run.stderr.contains("rules/gdpr/pack.yaml"),
        "the first declaration is shown: {}",
        run.stderr
    );
}

#[test]
fn recipient_rules_run_once_per_recipient_reference_and_point_at_it() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack.yaml");
    std::fs::write(
        &pack,
        "version: 1\npack: vendors\nname: Vendors\nrules:\n  - code: VN001\n    name: no-joint-controllers\n    severity: warning\n    summary: data shared with a joint controller\n    for_each: recipient\n    require: recipient.role != 'joint-controller'\n    message: \"`{recipient.activity}` shares data with `{recipient.processor}`\"\n",
    )
    .unwrap();
    let manifest = dir.path().join("m.yaml");
    std::fs::write(
        &manifest,
        "version: 1\norganization: {name: A, country: DE}\nprocessors:\n  - {id: meta, name: Meta, role: joint-controller, country: IE}\n  - {id: hetzner, name: Hetzner, role: processor, country: DE}\nactivities:\n  - id: ads\n    name: Ads\n    recipients: [hetzner, meta]\n",
    )
    .unwrap();
    let run = check_with(
        &["--rules", pack.to_str().unwrap(), "--select", "VN"],
        &[manifest.to_str().unwrap()],
        "concise",
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [format!(
            "{}:9:27: warning[VN001] `ads` shares data with `meta`",
            manifest.display()
        )],
        "{}",
        run.stderr
    );
}

/// A format error is reported as itself, not also as the legal violation
/// the rule reads into the value the user did not mean; findings elsewhere
/// on the entity stay.
#[test]
fn rules_do_not_report_on_a_value_with_a_format_error() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = |agreement: &str| {
        format!(
            "version: 1\norganization: {{name: A GmbH, country: DE, markets: [DE]}}\n\
             processors:\n  - id: mailer\n    name: Mailer SAS\n    role: processor\n    \
             country: FR\n    agreement: {{type: {agreement}}}\n\
             activities:\n  - id: news\n    name: News\n    purpose: Send news\n    \
             data_subjects: [customers]\n    data_categories: [contact.email]\n    \
             legal_basis: contract\n    recipients: [mailer]\n    retention: P1Y\n"
        )
    };
    let path = dir.path().join("manifest.yaml");
    let run = |agreement: &str| {
        std::fs::write(&path, manifest(agreement)).unwrap();
        check_with(
            &["--select", "GDPR120"],
            &[path.to_str().unwrap()],
            "concise",
        )
        .stdout
    };
    let typo = run("DPA");
    assert!(typo.contains("[PL012]"), "{typo}");
    assert!(!typo.contains("[GDPR120]"), "{typo}");
    let none = run("none");
    assert!(none.contains("[GDPR120]"), "{none}");
    // A stray key elsewhere on the entity hides nothing.
    std::fs::write(
        &path,
        manifest("none").replace(
            "    name: Mailer SAS\n",
            "    name: Mailer SAS\n    owner: IT\n",
        ),
    )
    .unwrap();
    let stray = check_with(
        &["--select", "GDPR120"],
        &[path.to_str().unwrap()],
        "concise",
    )
    .stdout;
    assert!(
        stray.contains("[PL010]") && stray.contains("[GDPR120]"),
        "{stray}"
    );
}

/// A template may name a whole map (`{org}`); it reads the same every run
/// (a CEL map's own order changes from run to run).
#[test]
fn a_message_naming_a_whole_map_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack.yaml");
    std::fs::write(
        &pack,
        "version: 1\npack: maps\nname: Maps\nrules:\n  - code: MAP001\n    name: org-as-map\n    \
         severity: info\n    summary: the organisation\n    for_each: organization\n    \
         require: \"false\"\n    message: \"{org}\"\n",
    )
    .unwrap();
    let pack = pack.to_str().unwrap();
    let first = check_with(&["--rules", pack], &["examples/saas-clean"], "concise").stdout;
    assert!(first.contains("[MAP001] {"), "{first}");
    for _ in 0..4 {
        let again = check_with(&["--rules", pack], &["examples/saas-clean"], "concise").stdout;
        assert_eq!(again, first);
    }
}

/// A misspelt selector would run no rule and report a clean set.
#[test]
fn an_unknown_rule_selector_is_a_usage_error_with_a_suggestion() {
    let run = check_with(&["--select", "GDPR13O"], &[LINTED], "concise");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `GDPR130`?"),
        "{}",
        run.stderr
    );
    let run = check_with(&["--ignore", "no-such-rule"], &[LINTED], "concise");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = check_with(&["--select", "GDPR130,,GDPR101"], &[LINTED], "concise");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("an empty rule selector"),
        "{}",
        run.stderr
    );
    for fine in ["ALL", "gdpr1", "PL0", "missing-legal-basis"] {
        let run = check_with(&["--ignore", fine], &[LINTED], "concise");
        assert_ne!(run.code, 2, "{fine}: {}", run.stderr);
    }
}

/// `consent` may be given in the long form of `legal_basis`: rules on it
/// point there (where a suppression comment goes), and `express: false`
/// there counts as it does at activity level.
#[test]
fn consent_in_the_long_form_of_the_legal_basis_is_read_and_pointed_at_there() {
    let dir = tempfile::tempdir().unwrap();
    let set = |org: &str, consent: &str| {
        format!(
            "version: 1\norganization: {org}\nactivities:\n  - id: a\n    name: A\n    purpose: P\n    data_subjects: [patients]\n    data_categories: [special.health]\n    legal_basis:\n      basis: consent\n      special: explicit-consent\n      consent:\n        mechanism: checkbox\n{consent}    retention: P1Y\n"
        )
    };
    let eu = "{name: A, country: DE}";
    let path = dir.path().join("m.yaml");
    let check = |text: String| {
        std::fs::write(&path, text).unwrap();
        check_with(
            &["--as-of", "2026-11-21"],
            &[path.to_str().unwrap()],
            "concise",
        )
    };
    let run = check(set(eu, "        prechecked: true\n"));
    // Line 12 is `consent:` (a mapping over several lines is labelled at
    // its key), line 14 `prechecked: true`.
    assert!(
        run.stdout.contains("m.yaml:14:21: error[GDPR106]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("m.yaml:12:7: error[GDPR105]"),
        "{}",
        run.stdout
    );
    let run = check(set(
        eu,
        "        prechecked: true # privlint: allow GDPR106 -- a test\n        withdrawal: settings\n",
    ));
    assert!(
        !run.stdout.contains("GDPR106") && !run.stdout.contains("PL042"),
        "{}",
        run.stdout
    );
    // Swiss: explicit consent as the Art. 9 condition is express unless the
    // consent says otherwise, wherever it is written.
    let ch = "{name: A, country: CH}";
    let run = check(set(
        ch,
        "        withdrawal: settings\n        express: false\n",
    ));
    assert!(
        run.stdout.contains("m.yaml:12:7: error[NDSG210]"),
        "{}",
        run.stdout
    );
    let run = check(set(ch, "        withdrawal: settings\n"));
    assert!(!run.stdout.contains("NDSG210"), "{}", run.stdout);
}
