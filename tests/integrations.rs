//! privlint in pre-commit hooks, CI and editors: configuration, inline
//! suppressions, baselines, and the GitHub and SARIF formats, each checked
//! against what its real consumer expects.

mod common;

use common::privlint_in;
use std::path::Path;

const ORG: &str = "version: 1\norganization:\n  name: Beispiel GmbH\n  country: DE\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> common::Run {
    let mut all = vec!["check", "--as-of", "2026-11-21", "--color", "never"];
    all.extend_from_slice(args);
    let run = privlint_in(dir, &all);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// An activity without a legal basis, at a known line.
fn missing_basis(dir: &Path) {
    write(
        dir,
        "m.yaml",
        &format!(
            "{ORG}activities:\n  - id: loyalty\n    name: Loyalty programme\n    retention: P1Y\n"
        ),
    );
}

// --- SARIF ------------------------------------------------------------------

fn sarif_schema() -> serde_json::Value {
    let path = std::env::var("PRIVLINT_SARIF_SCHEMA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| common::root().join("../shared/data/sarif-schema-2.1.0.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the OASIS SARIF 2.1.0 schema is needed at {} (or set PRIVLINT_SARIF_SCHEMA): {e}",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("the SARIF schema is JSON")
}

fn assert_valid_sarif(log: &serde_json::Value) {
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn sarif_output_is_valid_against_the_oasis_schema() {
    let run = common::check(
        &["examples/newsletter-platform", "examples/broken"],
        "sarif",
    );
    let log: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&log);
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn sarif_output_has_what_github_code_scanning_requires() {
    let run = common::check(&["examples/broken"], "sarif");
    let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(log["$schema"].as_str().unwrap().contains("sarif"));
    let run0 = &log["runs"][0];
    assert_eq!(run0["columnKind"], "utf16CodeUnits");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    for rule in rules {
        assert!(rule["shortDescription"]["text"].is_string(), "{rule}");
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(!full.is_empty() && full.chars().count() <= 1024, "{rule}");
        assert!(rule["help"]["text"].is_string() && rule["help"]["markdown"].is_string());
        assert!(rule["defaultConfiguration"]["level"].is_string());
    }
    for result in run0["results"].as_array().unwrap() {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.starts_with("examples/broken/"),
            "repository-relative: {uri}"
        );
        assert!(result["partialFingerprints"]["privlint/v1"].is_string());
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

// --- GitHub Actions -----------------------------------------------------------

#[test]
fn github_annotations_escape_messages_and_properties_exactly() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pack.yaml",
        "version: 1\npack: t\nname: T\nrules:\n  - code: TT001\n    name: escaped\n    severity: warning\n    summary: s\n    for_each: processor\n    require: 'false'\n    message: \"100% of `{processor.id}`: data, moved\\nsecond line\"\n",
    );
    write(
        dir.path(),
        "a,b:c.yaml",
        &format!(
            "{ORG}processors:\n  - {{id: hetzner, name: Hetzner, role: processor, country: DE}}\n"
        ),
    );
    let out = run(
        dir.path(),
        &[
            "--format",
            "github",
            "--rules",
            "pack.yaml",
            "--select",
            "TT001",
            "a,b:c.yaml",
        ],
    );
    assert_eq!(
        out.stdout,
        "::warning file=a%2Cb%3Ac.yaml,line=6,endLine=6,col=10,endColumn=17,title=privlint TT001 (escaped)::100%25 of `hetzner`: data, moved%0Asecond line\n"
    );
}

#[test]
fn github_annotations_drop_columns_for_multi_line_ranges() {
    let findings = vec![privlint::report::Finding::new(
        "X001",
        "x",
        privlint::report::Severity::Error,
        "m",
        privlint::report::Label::new(
            privlint::source::Span::new(privlint::source::FileId(0), 0..12),
            "l",
        ),
    )];
    let mut sources = privlint::source::SourceMap::default();
    sources.add(privlint::source::SourceFile::new(
        "f.yaml".into(),
        "line one\nline two\n".into(),
    ));
    let text = privlint::render::github::render(&findings, &sources);
    assert_eq!(
        text,
        "::error file=f.yaml,line=1,endLine=2,title=privlint X001 (x)::m\n"
    );
}

/// `check --format github` on `m.yaml` with `$GITHUB_STEP_SUMMARY` set to
/// `summary.md` in `dir`: the exit code and the summary file.
fn github_with_summary(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let summary = dir.join("summary.md");
    let mut all = vec!["check", "--format", "github", "--as-of", "2026-11-21"];
    all.extend_from_slice(args);
    all.push("m.yaml");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args(all)
        .current_dir(dir)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    (
        output.status.code(),
        std::fs::read_to_string(&summary).unwrap(),
    )
}

#[test]
fn github_format_appends_every_finding_to_the_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    std::fs::write(dir.path().join("summary.md"), "# earlier step\n").unwrap();
    let (code, text) = github_with_summary(dir.path(), &["--select", "GDPR101"]);
    assert_eq!(code, Some(1));
    assert!(text.starts_with("# earlier step\n## privlint"), "{text}");
    assert!(text.contains("| error | [GDPR101]"), "{text}");
}

/// privlint never modifies the files it checks: a step summary that names
/// one is refused like `-o`, and a FIFO (which would block) is not written.
#[test]
fn the_step_summary_is_never_a_checked_file_nor_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    let manifest = dir.path().join("m.yaml");
    let before = std::fs::read(&manifest).unwrap();
    // The exit code and the words of standard error (the message wraps to
    // the terminal's width) of a GitHub run with this summary path.
    let run = |summary: &Path| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_privlint"))
            .args(["check", "--format", "github", "m.yaml"])
            .current_dir(dir.path())
            .env("GITHUB_STEP_SUMMARY", summary)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stderr).replace('│', " ");
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (output.status.code(), words)
    };
    let (code, stderr) = run(&manifest);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("one of the files being checked"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&manifest).unwrap(), before);
    #[cfg(unix)]
    {
        let fifo = dir.path().join("fifo");
        let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        let (code, stderr) = run(&fifo);
        assert_eq!(code, Some(2));
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
}

// --- Baseline -----------------------------------------------------------------

#[test]
fn a_baseline_hides_accepted_findings_across_line_shifts_but_not_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    let wrote = run(
        dir.path(),
        &[
            "--select",
            "GDPR101",
            "--write-baseline",
            "baseline.json",
            "m.yaml",
        ],
    );
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    // Unrelated edits move the finding down three lines.
    let shifted = std::fs::read_to_string(dir.path().join("m.yaml"))
        .unwrap()
        .replacen(
            "organization:",
            "# Maintained by the privacy team.\n# Reviewed quarterly.\n\norganization:",
            1,
        );
    std::fs::write(dir.path().join("m.yaml"), &shifted).unwrap();
    let hidden = run(
        dir.path(),
        &[
            "--select",
            "GDPR101",
            "--baseline",
            "baseline.json",
            "--format",
            "concise",
            "m.yaml",
        ],
    );
    assert_eq!(hidden.code, 0, "{}", hidden.stdout);
    assert_eq!(hidden.stdout, "");
    std::fs::write(
        dir.path().join("m.yaml"),
        format!("{shifted}  - id: referrals\n    name: Referrals\n"),
    )
    .unwrap();
    let new = run(
        dir.path(),
        &[
            "--select",
            "GDPR101",
            "--baseline",
            "baseline.json",
            "--format",
            "concise",
            "m.yaml",
        ],
    );
    assert_eq!(new.code, 1);
    assert_eq!(new.stdout.lines().count(), 1, "{}", new.stdout);
    assert!(new.stdout.contains("`referrals`"), "{}", new.stdout);
}

/// CI runs from the repository's root, a developer from a sub-folder or
/// with an absolute path: the same files, the same baseline.
#[test]
fn a_baseline_matches_from_any_working_directory_and_path_spelling() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    let set = dir.path().join("privacy");
    missing_basis(&set);
    let wrote = run(
        dir.path(),
        &[
            "--select",
            "GDPR101",
            "--write-baseline",
            "base.json",
            "privacy",
        ],
    );
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    let baseline = dir.path().join("base.json");
    let baseline = baseline.to_str().unwrap();
    let absolute = set.to_str().unwrap();
    for (cwd, path) in [
        (&set, "."),
        (&set, "m.yaml"),
        (&dir.path().to_path_buf(), absolute),
    ] {
        let hidden = run(
            cwd,
            &[
                "--select",
                "GDPR101",
                "--baseline",
                baseline,
                "--format",
                "concise",
                path,
            ],
        );
        assert_eq!(hidden.code, 0, "{path}: {}", hidden.stdout);
    }
}

/// With a configuration file, files are named from its folder: a
/// submodule's files (its own `.git`) keep the path they have from the
/// superproject, where the configuration and the baseline live.
#[test]
fn a_baseline_names_files_from_the_configuration_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    let set = dir.path().join("sub");
    missing_basis(&set);
    write(&set, ".git", "gitdir: ../.git/modules/sub\n");
    write(dir.path(), "privlint.yaml", "roots: [sub]\n");
    let wrote = run(
        dir.path(),
        &["--select", "GDPR101", "--write-baseline", "base.json"],
    );
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    let baseline = std::fs::read_to_string(dir.path().join("base.json")).unwrap();
    assert!(baseline.contains("\"file\": \"sub/m.yaml\""), "{baseline}");
    let hidden = run(&set, &["--select", "GDPR101", "--baseline", "../base.json"]);
    assert_eq!(hidden.code, 0, "{}", hidden.stdout);
}

#[test]
fn a_baseline_keeps_a_finding_when_the_processor_is_renamed() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = |name: &str| {
        format!(
            "{ORG}processors:\n  - id: crm\n    name: {name}\n    role: processor\n    country: DE\nactivities:\n  - id: a\n    name: A\n    purpose: Support\n    data_subjects: [customers]\n    data_categories: [contact]\n    legal_basis: contract\n    retention: P1Y\n    recipients: [crm]\n"
        )
    };
    write(dir.path(), "m.yaml", &manifest("CRM Ltd"));
    let args = ["--select", "GDPR120", "--format", "concise", "m.yaml"];
    let before = run(dir.path(), &args);
    assert!(before.stdout.contains("(CRM Ltd)"), "{}", before.stdout);
    let wrote = run(
        dir.path(),
        &[
            "--select",
            "GDPR120",
            "--write-baseline",
            "baseline.json",
            "m.yaml",
        ],
    );
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    // The display name changes; the processor and the finding do not.
    write(dir.path(), "m.yaml", &manifest("CRM Limited"));
    let against_baseline = || {
        run(
            dir.path(),
            &[
                "--baseline",
                "baseline.json",
                "--select",
                "GDPR120",
                "--format",
                "concise",
                "m.yaml",
            ],
        )
    };
    let renamed = against_baseline();
    assert_eq!(renamed.code, 0, "{}", renamed.stdout);
    // Another processor's finding is new.
    write(
        dir.path(),
        "m.yaml",
        &manifest("CRM Ltd")
            .replace("id: crm", "id: crm2")
            .replace("[crm]", "[crm2]"),
    );
    let other = against_baseline();
    assert_eq!(other.code, 1, "{}", other.stdout);
}

/// `m.yaml` checked with the rules of `pack.yaml` (code prefix `HOUSE`)
/// alone, concise, with `extra` arguments.
fn house(dir: &Path, extra: &[&str]) -> common::Run {
    let mut all = vec![
        "--rules",
        "pack.yaml",
        "--select",
        "HOUSE",
        "--format",
        "concise",
    ];
    all.extend_from_slice(extra);
    all.push("m.yaml");
    run(dir, &all)
}

/// Rewording a rule's message in a pack keeps the findings a baseline
/// accepted hidden; a finding about another value is still new.
#[test]
fn a_baseline_keeps_a_finding_when_its_rule_is_reworded() {
    let dir = tempfile::tempdir().unwrap();
    let pack = |message: &str| {
        format!(
            "version: 1\npack: house\nname: House\nrules:\n  - code: HOUSE001\n    name: no-us-processors\n    severity: error\n    summary: s\n    for_each: processor\n    require: processor.country != 'US'\n    message: \"{message}\"\n    at: processor.country\n"
        )
    };
    let manifest = |id: &str| {
        format!(
            "{ORG}processors:\n  - id: {id}\n    name: CRM Inc.\n    role: processor\n    country: US\n    agreement: {{type: dpa}}\n"
        )
    };
    write(
        dir.path(),
        "pack.yaml",
        &pack("`{processor.id}` ({processor.name}) is in {processor.country}"),
    );
    write(dir.path(), "m.yaml", &manifest("crm"));
    let wrote = house(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    write(
        dir.path(),
        "pack.yaml",
        &pack("policy DP-7 forbids processors in {processor.country}: `{processor.id}` is one"),
    );
    let reworded = house(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(reworded.code, 0, "{}", reworded.stdout);
    write(dir.path(), "m.yaml", &manifest("crm-two"));
    let other = house(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(other.code, 1, "{}", other.stdout);
    assert!(
        other.stdout.contains("`crm-two` is one"),
        "{}",
        other.stdout
    );
}

/// Two findings whose messages show only a display name, on the same
/// text (`type: none`), are about different processors: fixing one and
/// breaking the other is a new finding, not the accepted one.
#[test]
fn a_baseline_tells_apart_findings_that_show_only_a_name() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pack.yaml",
        "version: 1\npack: house\nname: House\nrules:\n  - code: HOUSE002\n    name: no-dpa\n    severity: error\n    summary: s\n    for_each: processor\n    require: processor.agreement_type != 'none'\n    message: \"`{processor.name}` has no DPA\"\n    at: processor.agreement.type\n",
    );
    let manifest = |first: &str, second: &str| {
        format!(
            "{ORG}processors:\n  - {{id: p1, name: P One, role: processor, country: DE, agreement: {{type: {first}}}}}\n  - {{id: p2, name: P Two, role: processor, country: DE, agreement: {{type: {second}}}}}\n"
        )
    };
    write(dir.path(), "m.yaml", &manifest("none", "dpa"));
    let wrote = house(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    write(dir.path(), "m.yaml", &manifest("dpa", "none"));
    let swapped = house(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(swapped.code, 1, "{}", swapped.stdout);
    assert!(
        swapped.stdout.contains("`P Two` has no DPA"),
        "{}",
        swapped.stdout
    );
}

// --- Suppressions ---------------------------------------------------------------

/// `m.yaml` written with `text`, checked for GDPR101 alone: the concise lines.
fn gdpr101_lines(dir: &Path, text: &str) -> Vec<String> {
    write(dir, "m.yaml", text);
    let out = run(
        dir,
        &["--select", "GDPR101", "--format", "concise", "m.yaml"],
    );
    out.stdout.lines().map(String::from).collect()
}

#[test]
fn suppressions_on_the_line_or_the_line_above_need_a_reason_and_may_expire() {
    let dir = tempfile::tempdir().unwrap();
    let lines = gdpr101_lines(
        dir.path(),
        &format!(
            "{ORG}activities:\n  # privlint: allow GDPR101 — agreed with the DPO on 2026-01-10\n  - id: a\n    name: A\n  - id: b  # privlint: allow missing-legal-basis -- pilot ends in March\n    name: B\n  - id: c  # privlint: allow GDPR101\n    name: C\n  - id: d  # privlint: allow GDPR101 until 2026-01-31 -- temporary\n    name: D\n"
        ),
    );
    assert_eq!(
        lines,
        [
            "m.yaml:11:9: error[GDPR101] activity `c` has no legal basis",
            "m.yaml:11:12: error[PL040] a suppression needs a reason",
            "m.yaml:13:9: error[GDPR101] activity `d` has no legal basis",
            "m.yaml:13:12: warning[PL041] suppression of `GDPR101` expired on 2026-01-31",
        ]
    );
}

/// A long comment (its rules are indexed, not searched) matches by code
/// in any case or by name, like a short one.
#[test]
fn a_suppression_naming_many_rules_matches_like_a_short_one() {
    let dir = tempfile::tempdir().unwrap();
    let others = [
        "GDPR102", "GDPR103", "GDPR104", "GDPR105", "GDPR106", "GDPR107", "GDPR110", "GDPR111",
        "GDPR120", "GDPR121", "GDPR130", "GDPR131", "GDPR132", "GDPR133", "GDPR134", "GDPR135",
        "GDPR136", "GDPR137", "GDPR138",
    ];
    for named in ["gdpr101", "missing-legal-basis"] {
        write(
            dir.path(),
            "m.yaml",
            &format!(
                "{ORG}activities:\n  # privlint: allow {}, {named} -- agreed\n  - id: a\n    name: A\n",
                others.join(", ")
            ),
        );
        // Every rule runs: a suppression of one that did not is not unused.
        let out = run(dir.path(), &["--format", "concise", "m.yaml"]);
        assert!(!out.stdout.contains("[GDPR101]"), "{named}: {}", out.stdout);
        assert_eq!(
            out.stdout.matches("[PL042]").count(),
            others.len(),
            "{}",
            out.stdout
        );
    }
}

/// A suppression on a list item's first line, or above it, covers the
/// item: GDPR130 points at `locations:` lines below `- id:`, where the
/// README shows the comment. It ends where the next item starts, however
/// the item's lines are indented, commented or spread over nested lists.
#[test]
fn a_suppression_on_an_item_covers_the_whole_item() {
    let dir = tempfile::tempdir().unwrap();
    let processor = |id: &str, head: &str, locations: &str| {
        format!(
            "  - id: {id}{head}\n    name: {id}\n    role: processor\n    country: DE\n    agreement: {{type: dpa}}\n{locations}"
        )
    };
    let text = format!(
        "{ORG}processors:\n  # privlint: allow GDPR130 -- migration ends 2027-03\n{}{}\n{}{}activities:\n  - {{id: a1, name: A, purpose: x, data_subjects: [customers], data_categories: [contact.email], legal_basis: contract, retention: P1Y, recipients: [one, two, three, four]}}\n",
        // A comment line that starts with a tab does not end the item.
        processor(
            "one",
            "",
            "\t# TODO: move to the EU region\n    locations: [DE, US]\n"
        ),
        processor(
            "two",
            "  # privlint: allow GDPR130 -- trailing, same item",
            "# a comment at column 0 does not end the item\n\n    locations:\n      - DE\n      - US\n"
        ),
        processor("three", "", "    locations: [DE, US]\n"),
        // A comment inside an item covers only the next line.
        processor(
            "four",
            "",
            "    # privlint: allow GDPR130 -- one line\n    locations: [DE, US]\n"
        ),
    );
    write(dir.path(), "m.yaml", &text);
    let out = run(dir.path(), &["--format", "concise", "m.yaml"]);
    let gdpr130: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("GDPR130") || l.contains("PL04"))
        .collect();
    assert_eq!(gdpr130.len(), 1, "{}", out.stdout);
    assert!(
        gdpr130[0].contains("sends data to `three`"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_suppression_that_matches_nothing_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        &format!(
            "{ORG}  # privlint: allow GDPR101 -- nothing here\n  contact: privacy@beispiel.de\n"
        ),
    );
    let out = run(dir.path(), &["--format", "concise", "m.yaml"]);
    assert!(
        out.stdout
            .contains("warning[PL042] suppression of `GDPR101` matches no finding"),
        "{}",
        out.stdout
    );
}

/// A rule named twice in one suppression, by its code or by its code and
/// its name, is allowed once: the repeat is not "matches no finding".
#[test]
fn a_rule_named_twice_in_a_suppression_is_allowed_once() {
    let dir = tempfile::tempdir().unwrap();
    for names in ["GDPR101, GDPR101", "GDPR101, missing-legal-basis"] {
        write(
            dir.path(),
            "m.yaml",
            &format!(
                "{ORG}activities:\n  # privlint: allow {names} -- agreed\n  - id: a\n    name: A\n"
            ),
        );
        let out = run(
            dir.path(),
            &["--format", "concise", "--select", "GDPR101", "m.yaml"],
        );
        assert!(!out.stdout.contains("[GDPR101]"), "{names}: {}", out.stdout);
        assert!(!out.stdout.contains("[PL042]"), "{names}: {}", out.stdout);
    }
}

#[test]
fn a_directive_inside_a_block_or_quoted_string_is_text_not_a_suppression() {
    let dir = tempfile::tempdir().unwrap();
    let lines = gdpr101_lines(
        dir.path(),
        &format!(
            "{ORG}activities:\n  - id: a\n    name: A\n    description: |\n      Notes\n      # privlint: allow GDPR101 — inside a literal block\n  - id: b\n    name: B\n    description: \"two\n      # privlint: allow GDPR101 — inside a quoted string\n      lines\"\n  - id: c\n    description: 'x\n      y' # privlint: allow GDPR101 — a comment after a string of two lines\n    name: C\n"
        ),
    );
    // `b` and `c` start on the line after a directive-looking text line,
    // which suppresses nothing; the trailing comment after `c`'s string is
    // a comment, on a line with no finding.
    assert_eq!(
        lines,
        [
            "m.yaml:6:9: error[GDPR101] activity `a` has no legal basis",
            "m.yaml:11:9: error[GDPR101] activity `b` has no legal basis",
            "m.yaml:16:9: error[GDPR101] activity `c` has no legal basis",
            "m.yaml:18:28: warning[PL042] suppression of `GDPR101` matches no finding",
        ]
    );
}

#[test]
fn a_directive_inside_a_scalar_is_text_at_the_end_of_a_file_after_an_anchor_or_with_cr_lines() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // A one-line block scalar, last in a file without a final newline.
        format!(
            "{ORG}activities:\n  - id: a\n    name: A\n    description: |\n      x # privlint: allow GDPR101 -- r"
        ),
        // An anchor whose name holds a quote, before a quoted scalar.
        format!(
            "{ORG}activities:\n  - id: a\n    name: A\n    description: &p\" \"two\n      # privlint: allow GDPR101 -- r\n      lines\"\n  - id: b\n    name: B\n"
        ),
        // Lines ended by a lone CR.
        format!(
            "{ORG}activities:\n  - id: a\n    name: A\n    description: \"two\r      # privlint: allow GDPR101 -- r\r      lines\"\n  - id: b\n    name: B\n"
        ),
    ];
    for text in cases {
        write(dir.path(), "m.yaml", &text);
        let out = run(
            dir.path(),
            &["--select", "GDPR101", "--format", "concise", "m.yaml"],
        );
        assert!(!out.stdout.contains("PL04"), "{text:?}: {}", out.stdout);
        let reported = out.stdout.matches("[GDPR101]").count();
        assert_eq!(
            reported,
            text.matches("- id:").count(),
            "{text:?}: {}",
            out.stdout
        );
    }
}

// --- Configuration ---------------------------------------------------------------

#[test]
fn the_configuration_is_found_upward_and_sets_roots_rules_and_levels() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(&dir.path().join("privacy"));
    write(
        dir.path(),
        "privlint.yaml",
        "roots: [privacy]\nselect: [GDPR101, GDPR150]\nseverity:\n  GDPR101: warning\nfail_on: error\n",
    );
    std::fs::create_dir_all(dir.path().join("docs/deep")).unwrap();
    let out = privlint_in(
        &dir.path().join("docs/deep"),
        &["check", "--format", "concise", "--as-of", "2026-11-21"],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("warning[GDPR101]"), "{}", out.stdout);
    // The command line wins over the file.
    let strict = privlint_in(
        &dir.path().join("docs/deep"),
        &["check", "--format", "concise", "--fail-on", "warning"],
    );
    assert_eq!(strict.code, 1);
    let isolated = privlint_in(
        dir.path(),
        &["check", "--isolated", "--format", "concise", "privacy"],
    );
    assert!(
        isolated.stdout.contains("error[GDPR101]"),
        "{}",
        isolated.stdout
    );
}

#[test]
fn per_path_ignores_skip_rules_in_matching_files() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(&dir.path().join("legacy"));
    write(
        dir.path(),
        "privlint.yaml",
        "per_path_ignores:\n  \"legacy/**\": [GDPR101]\n",
    );
    let out = privlint_in(
        dir.path(),
        &["check", "--format", "concise", "--select", "GDPR101"],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn an_invalid_configuration_is_a_located_error_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    write(dir.path(), "privlint.yaml", "ignroe: [GDPR101]\n");
    let out = privlint_in(dir.path(), &["check", "m.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(
            "error[PL031]: `ignroe` is not a field of the configuration; did you mean `ignore`?"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("privlint.yaml:1:1"), "{}", out.stderr);
}

/// A configuration with mistakes of every kind is reported in one round:
/// an unknown field does not hide a bad value, a bad glob or a selector
/// that names no rule (which the run would otherwise report only once the
/// rest is fixed).
#[test]
fn every_mistake_in_a_configuration_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    write(
        dir.path(),
        "privlint.yaml",
        "selectt: [GDPR]\nignore: [GDPR13O, GDPR101]\nfail_on: warnin\nper_path_ignores:\n  \"legacy/[a\": [PL99]\n",
    );
    let out = privlint_in(dir.path(), &["check", "m.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let headers: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error["))
        .collect();
    assert_eq!(
        headers,
        [
            "error[PL031]: `selectt` is not a field of the configuration; did you mean `select`?",
            "error[PL031]: no rule is called `GDPR13O`; did you mean `GDPR130`?",
            "error[PL031]: `warnin` is not a valid severity; did you mean `warning`?",
            "error[PL031]: `legacy/[a` is not a valid glob: unclosed character class; missing ']'",
            "error[PL031]: no rule is called `PL99`",
        ],
        "{}",
        out.stderr
    );

    // A selector may name a rule of a pack given with `--rules`, or of a
    // pack the file lists: when `rules` is not a list, nothing is judged.
    let pack = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/company-policy/policy.yaml");
    let pack = pack.to_str().unwrap();
    for (config, args) in [
        (
            "select: [FW001]\nbogus: 1\n".to_string(),
            vec!["--rules", pack],
        ),
        (format!("rules: {pack}\nselect: [FW001]\n"), vec![]),
    ] {
        write(dir.path(), "privlint.yaml", &config);
        let mut argv = vec!["check", "m.yaml"];
        argv.extend(args);
        let out = privlint_in(dir.path(), &argv);
        assert_eq!(out.code, 2, "{}", out.stderr);
        let errors: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("error["))
            .collect();
        assert_eq!(errors.len(), 1, "{}", out.stderr);
        assert!(!out.stderr.contains("FW001`"), "{}", out.stderr);
    }
    // A listed pack that is not there is said in the same run.
    write(
        dir.path(),
        "privlint.yaml",
        "rules: [missing.yaml]\nbogus: 1\n",
    );
    let out = privlint_in(dir.path(), &["check", "m.yaml"]);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error["))
        .collect();
    assert_eq!(
        errors,
        [
            "error[PL031]: `missing.yaml` does not exist",
            "error[PL031]: `bogus` is not a field of the configuration",
        ],
        "{}",
        out.stderr
    );
}

#[test]
fn a_configured_rule_that_does_not_exist_or_a_bad_glob_is_located() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    write(
        dir.path(),
        "privlint.yaml",
        "ignore: [GDPR13O]\nseverity:\n  GDPR1O1: warning\nper_path_ignores:\n  \"*.yaml\": [GDPR101, PL99]\n",
    );
    let out = privlint_in(dir.path(), &["check", "m.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let headers: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error[") || l.contains("┌─"))
        .collect();
    assert_eq!(
        headers,
        [
            "error[PL031]: no rule is called `GDPR13O`; did you mean `GDPR130`?",
            "  ┌─ privlint.yaml:1:10",
            "error[PL031]: no rule is called `GDPR1O1`; did you mean `GDPR101`?",
            "  ┌─ privlint.yaml:3:3",
            "error[PL031]: no rule is called `PL99`",
            "  ┌─ privlint.yaml:5:23",
        ],
        "{}",
        out.stderr
    );

    write(
        dir.path(),
        "privlint.yaml",
        "per_path_ignores:\n  \"legacy/[a\": [GDPR101]\n",
    );
    let out = privlint_in(dir.path(), &["check", "m.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error[PL031]: `legacy/[a` is not a valid glob")
            && out.stderr.contains("privlint.yaml:2:3"),
        "{}",
        out.stderr
    );

    // Tens of thousands of patterns would build an automaton of hundreds
    // of MB, or fail: the first past the limit is pointed at.
    let mut many = String::from("per_path_ignores:\n");
    for i in 0..1_200 {
        many.push_str(&format!("  \"**/dir{i}/**/*.y?ml\": [GDPR101]\n"));
    }
    write(dir.path(), "privlint.yaml", &many);
    let out = privlint_in(dir.path(), &["check", "m.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error[PL031]: `per_path_ignores` has 1200 patterns; at most 1000 are read")
            && out.stderr.contains("privlint.yaml:1002:3"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_empty_regulations_list_is_an_error_not_a_silent_pass() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.yaml", &format!("{ORG}  regulations: []\n"));
    let out = run(dir.path(), &["--format", "concise", "m.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("m.yaml:5:16: error[PL012] `regulations` is empty; it needs an entry"),
        "{}",
        out.stdout
    );
    write(dir.path(), "m.yaml", ORG);
    write(dir.path(), "privlint.yaml", "regulations: []\n");
    let out = privlint_in(dir.path(), &["check", "m.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("error[PL031]: `regulations` is empty"),
        "{}",
        out.stderr
    );
}

// --- init and output flags ----------------------------------------------------------

#[test]
fn init_writes_a_starter_that_passes_check_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let init = privlint_in(dir.path(), &["init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let manifest = std::fs::read_to_string(dir.path().join("privacy/manifest.yaml")).unwrap();
    assert!(manifest.starts_with("# yaml-language-server: $schema="));
    let check = privlint_in(
        dir.path(),
        &["check", "--fail-on", "info", "--format", "concise"],
    );
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert_eq!(check.stdout, "");
    let again = privlint_in(dir.path(), &["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exist"), "{}", again.stderr);
}

#[test]
fn output_exit_zero_and_statistics() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    let out = run(
        dir.path(),
        &[
            "--select",
            "GDPR101",
            "--format",
            "json",
            "--output",
            "report.json",
            "m.yaml",
        ],
    );
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["summary"]["errors"], 1);
    let zero = run(
        dir.path(),
        &["--select", "GDPR101", "--exit-zero", "m.yaml"],
    );
    assert_eq!(zero.code, 0);
    let stats = run(
        dir.path(),
        &["--select", "GDPR101", "--statistics", "m.yaml"],
    );
    assert_eq!(
        stats.stdout,
        "    1  GDPR101  error    missing-legal-basis\n"
    );
}

/// A manifest that is not valid input exits 2 (privlint could not check it
/// as written), in every format and whatever the fail level; the findings
/// are still written. Downgrading the code in the configuration is a
/// decision to accept it, and then it is a finding like any other.
#[test]
fn invalid_input_exits_2_unless_its_code_is_downgraded() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        &format!(
            "{ORG}processors:\n  - id: p\n    name: P\n    role: processor\n    country: DE\n    locatons: [DE]\n"
        ),
    );
    for args in [
        &["m.yaml"][..],
        &["--exit-zero", "m.yaml"],
        &["--fail-on", "info", "m.yaml"],
        &["--format", "json", "m.yaml"],
        &["--format", "github", "m.yaml"],
        &["--statistics", "m.yaml"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stdout.contains("PL010") || out.stdout.contains("unknown-field"),
            "{args:?}: {}",
            out.stdout
        );
    }
    let sarif = run(
        dir.path(),
        &[
            "--format",
            "sarif",
            "--output",
            "r.sarif",
            "--exit-zero",
            "m.yaml",
        ],
    );
    assert_eq!(sarif.code, 2);
    let written = std::fs::read_to_string(dir.path().join("r.sarif")).unwrap();
    assert!(written.contains("PL010"), "{written}");

    write(dir.path(), "privlint.yaml", "severity:\n  PL010: warning\n");
    let accepted = run(dir.path(), &["--format", "concise", "m.yaml"]);
    assert_eq!(accepted.code, 0, "{}", accepted.stdout);
    assert!(
        accepted.stdout.contains("warning[PL010]"),
        "{}",
        accepted.stdout
    );
}

/// A command line that does not parse, a configuration with located
/// errors, or a combination of flags that cannot be honoured also give
/// JSON and SARIF a document, with the located problems in its message.
#[test]
fn command_line_and_configuration_errors_still_write_a_document() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    for args in [
        &["--format", "json", "--as-of", "2024-02-30", "m.yaml"][..],
        &["--format=json", "--bogus", "m.yaml"][..],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}");
        let document: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        assert_eq!(document["error"]["code"], "privlint::usage");
        assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    }
    // The last `--format` wins, as clap reads it; with `--output`, nothing
    // is written (the mistake may be the output path).
    let last = run(
        dir.path(),
        &["--format", "json", "--format", "sarif", "--bogus", "m.yaml"],
    );
    assert!(last.stdout.contains("\"$schema\""), "{}", last.stdout);
    let named = run(
        dir.path(),
        &["--format", "sarif", "-o", "r.sarif", "--bogus", "m.yaml"],
    );
    assert_eq!((named.code, named.stdout.as_str()), (2, ""));
    assert!(!dir.path().join("r.sarif").exists());
    let sarif = run(
        dir.path(),
        &["--format", "sarif", "--max-files", "x", "m.yaml"],
    );
    assert_eq!(sarif.code, 2);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("SARIF");
    assert_valid_sarif(&log);

    let table = run(dir.path(), &["--format", "sarif", "--statistics", "m.yaml"]);
    assert_eq!(table.code, 2);
    let log: serde_json::Value = serde_json::from_str(&table.stdout).expect("SARIF");
    let text =
        &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"];
    assert!(text.as_str().unwrap().contains("`--statistics`"), "{text}");

    write(dir.path(), "privlint.yaml", "ignore: [\"\"]\n");
    let empty = privlint_in(dir.path(), &["check", "m.yaml"]);
    assert!(
        empty.stderr.contains("an empty rule selector"),
        "{}",
        empty.stderr
    );
    write(dir.path(), "privlint.yaml", "ignore: [GDPR13O]\n");
    let json = privlint_in(dir.path(), &["check", "--format", "json", "m.yaml"]);
    assert_eq!(json.code, 2);
    let document: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(
        document["error"]["message"],
        "1 error in the configuration:\nprivlint.yaml:1:10: error[PL031] no rule is called `GDPR13O`; did you mean `GDPR130`?"
    );
}

/// A configuration or rule pack that cannot be used stops the check; its
/// located problems are diagnostics in those files in every machine
/// format, so an editor underlines them and code scanning shows them where
/// they are, not only in the error's message.
#[test]
fn configuration_and_rule_pack_errors_are_diagnostics_in_their_files() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    write(
        dir.path(),
        "privlint.yaml",
        "ignore: [GDPR13O]\nselect: 5\n",
    );
    write(
        dir.path(),
        "house.yaml",
        "version: 1\npack: house\nrules:\n  - code: HOUSE001\n    name: x\n    severty: error\n",
    );
    let json = run(dir.path(), &["--format", "json", "m.yaml"]);
    assert_eq!(json.code, 2);
    let document: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/diagnostics.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    assert!(validator.is_valid(&document), "{document:#}");
    assert_eq!(document["error"]["code"], "privlint::config");
    assert_eq!(document["summary"]["errors"], 2);
    let at: Vec<_> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}:{} {}",
                d["file"].as_str().unwrap(),
                d["range"]["start"]["line"],
                d["range"]["start"]["character"],
                d["code"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(at, ["privlint.yaml 0:9 PL031", "privlint.yaml 1:8 PL031"]);

    let sarif = run(dir.path(), &["--format", "sarif", "m.yaml"]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("SARIF");
    assert_valid_sarif(&log);
    let run0 = &log["runs"][0];
    assert_eq!(run0["invocations"][0]["executionSuccessful"], false);
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let index = results[0]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run0["tool"]["driver"]["rules"][index]["id"], "PL031");
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(1), Some(10))
    );

    let github = run(dir.path(), &["--format", "github", "m.yaml"]);
    let lines: Vec<&str> = github.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", github.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=privlint.yaml,line=1,endLine=1,col=10,endColumn=17,title=privlint PL031"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[2]
            .starts_with("::error title=privlint could not check::2 errors in the configuration")
    );

    // Concise: one line each where the findings go (quickfix lists), and
    // not again in full on standard error.
    let concise = run(dir.path(), &["--format", "concise", "m.yaml"]);
    assert_eq!(concise.code, 2);
    assert_eq!(
        concise.stdout.lines().collect::<Vec<_>>(),
        [
            "privlint.yaml:1:10: error[PL031] no rule is called `GDPR13O`; did you mean `GDPR130`?",
            "privlint.yaml:2:9: error[PL031] `select` must be a list, found a whole number"
        ]
    );
    assert_eq!(
        concise.stderr.trim(),
        "privlint: the configuration above could not be used"
    );

    // A rule pack: the misspelt key is a diagnostic in the pack.
    std::fs::remove_file(dir.path().join("privlint.yaml")).unwrap();
    let pack = run(
        dir.path(),
        &["--format", "json", "--rules", "house.yaml", "m.yaml"],
    );
    assert_eq!(pack.code, 2);
    let document: serde_json::Value = serde_json::from_str(&pack.stdout).expect("JSON");
    assert!(validator.is_valid(&document), "{document:#}");
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert!(!diagnostics.is_empty(), "{document:#}");
    assert!(
        diagnostics.iter().all(|d| d["file"] == "house.yaml"),
        "{document:#}"
    );
    assert!(
        diagnostics
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("severty")),
        "{document:#}"
    );
}

/// When privlint cannot check at all (here: no manifest), JSON and SARIF
/// still get a valid document saying why, where the report would have
/// gone, so editors and code-scanning uploads do not fail on a missing or
/// empty file. The exit code stays 2 and the error is on standard error.
/// With `--format github`, a run that cannot check says so as an
/// annotation: the failed step would otherwise show none.
#[test]
fn a_run_that_cannot_check_is_a_github_error_annotation() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ci.yml", "on: push\n");
    let out = run(dir.path(), &["--format", "github", "."]);
    assert_eq!(out.code, 2);
    assert!(
        out.stdout
            .starts_with("::error title=privlint could not check::no manifest found"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with("%0A(privlint::no_manifest)\n"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.lines().count(), 1);
}

#[test]
fn a_run_that_cannot_check_still_writes_a_valid_json_or_sarif_document() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ci.yml", "on: push\n");
    let json = run(dir.path(), &["--format", "json", "."]);
    assert_eq!(json.code, 2);
    assert!(json.stderr.contains("no manifest found"), "{}", json.stderr);
    let document: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(document["error"]["code"], "privlint::no_manifest");
    assert_eq!(document["diagnostics"], serde_json::json!([]));
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/diagnostics.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let sarif = run(
        dir.path(),
        &["--format", "sarif", "--output", "r.sarif", "."],
    );
    assert_eq!(sarif.code, 2);
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.sarif")).unwrap())
            .unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["descriptor"]["id"],
        "privlint::no_manifest"
    );
    assert_valid_sarif(&log);
}

/// A missing `roots`, `rules` or `baseline` path of the configuration is
/// pointed at where the configuration writes it; a root the command line
/// replaces is not checked, nor a baseline about to be written.
#[test]
fn a_configured_path_that_does_not_exist_is_located() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    for (config, at) in [
        ("rules: [nope.yaml]\n", "privlint.yaml:1:9"),
        ("roots: [m.yaml, nope]\n", "privlint.yaml:1:17"),
        ("baseline: nope.json\n", "privlint.yaml:1:11"),
    ] {
        write(dir.path(), "privlint.yaml", config);
        let out = privlint_in(dir.path(), &["check"]);
        assert_eq!(out.code, 2, "{config}");
        assert!(out.stderr.contains("error[PL031]"), "{}", out.stderr);
        assert!(out.stderr.contains("does not exist"), "{}", out.stderr);
        assert!(out.stderr.contains(at), "{config}: {}", out.stderr);
    }
    write(
        dir.path(),
        "privlint.yaml",
        "roots: [nope]\nbaseline: b.json\n",
    );
    let out = privlint_in(
        dir.path(),
        &["check", "--write-baseline", "b.json", "m.yaml"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);

    // A close name beside it is suggested as the file would write it; a
    // folder where a pack file belongs is said to be one.
    write(dir.path(), "policy/acme.yaml", "version: 1\n");
    for (config, said) in [
        (
            "rules: [policy/acme.yml]\n",
            "`policy/acme.yml` does not exist; did you mean `policy/acme.yaml`?",
        ),
        ("rules: [policy]\n", "`policy` is a folder, not a file"),
    ] {
        write(dir.path(), "privlint.yaml", config);
        let out = privlint_in(dir.path(), &["check", "m.yaml"]);
        assert_eq!(out.code, 2, "{config}");
        assert!(out.stderr.contains(said), "{config}: {}", out.stderr);
        assert!(
            out.stderr.contains("privlint.yaml:1:9"),
            "{config}: {}",
            out.stderr
        );
    }
}

/// A built-in rule pack is in the binary, not on the user's disk, where a
/// file of the same name may hold something else: a finding at one (a
/// rule stopped by its step budget, PL032) names it as built in, never as
/// a file of the repository, in every format.
#[test]
fn a_finding_in_a_built_in_pack_never_names_a_file_of_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    // A file of the same name in the repository must not be pointed at.
    write(dir.path(), "rules/gdpr/pack.yaml", "# the user's own\n");
    let args = |format: &'static str| ["--max-rule-steps", "1", "--format", format, "m.yaml"];
    let concise = run(dir.path(), &args("concise"));
    assert_eq!(concise.code, 2, "{}", concise.stderr);
    assert!(
        concise.stdout.contains("<built-in>/rules/gdpr/pack.yaml:")
            && concise
                .stdout
                .contains("error[PL032] rule `GDPR150` was stopped"),
        "{}",
        concise.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&run(dir.path(), &args("json")).stdout).unwrap();
    let stopped: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "PL032")
        .collect();
    assert!(!stopped.is_empty());
    for d in &stopped {
        let uri = d["uri"].as_str().unwrap();
        assert!(uri.starts_with("privlint:builtin/rules/"), "{uri}");
        assert!(d["file"].as_str().unwrap().starts_with("<built-in>/rules/"));
    }
    let github = run(dir.path(), &args("github"));
    for line in github.stdout.lines().filter(|l| l.contains("PL032")) {
        assert!(line.starts_with("::error title="), "{line}");
    }
    let sarif: serde_json::Value =
        serde_json::from_str(&run(dir.path(), &args("sarif")).stdout).unwrap();
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let location = results
        .iter()
        .find(|r| r["ruleId"] == "PL032")
        .map(|r| &r["locations"][0]["physicalLocation"]["artifactLocation"])
        .unwrap();
    assert_eq!(location["uriBaseId"], "PRIVLINT_BUILTIN", "{location}");
    assert!(
        sarif["runs"][0]["originalUriBaseIds"]["PRIVLINT_BUILTIN"]["description"].is_object(),
        "{}",
        sarif["runs"][0]["originalUriBaseIds"]
    );
}

/// A suppression of a rule that did not run (not selected, its law does
/// not apply, or the rules waited for a file that does not parse) is not
/// "unused": deleting it would bring the finding back on the next full run.
#[test]
fn a_suppression_of_a_rule_that_did_not_run_is_not_unused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        &format!(
            "{ORG}processors:\n  - {{id: p1, name: P1, role: processor, country: FR}}  # privlint: allow GDPR120 -- DPA being signed\nactivities:\n  - {{id: a, name: A, legal_basis: contract, retention: P1Y, recipients: [p1]}}\n"
        ),
    );
    for args in [
        &["--format", "concise", "m.yaml"][..],
        &["--format", "concise", "--select", "GDPR150", "m.yaml"],
        &["--format", "concise", "--ignore", "GDPR120", "m.yaml"],
        &["--format", "concise", "--regulation", "ndsg", "m.yaml"],
    ] {
        let out = run(dir.path(), args);
        assert!(!out.stdout.contains("PL042"), "{args:?}: {}", out.stdout);
    }
    // The rules wait while another file does not parse.
    write(dir.path(), "wip.yaml", "version: 1\nprocessors: [\n");
    let out = run(dir.path(), &["--format", "concise", "."]);
    assert!(out.stdout.contains("PL002"), "{}", out.stdout);
    assert!(!out.stdout.contains("PL042"), "{}", out.stdout);
    // A suppression of a rule that ran and found nothing still is.
    std::fs::remove_file(dir.path().join("wip.yaml")).unwrap();
    let text = std::fs::read_to_string(dir.path().join("m.yaml")).unwrap();
    write(dir.path(), "m.yaml", &text.replace("GDPR120", "GDPR150"));
    let out = run(dir.path(), &["--format", "concise", "m.yaml"]);
    assert!(
        out.stdout.contains("[PL042] suppression of `GDPR150`"),
        "{}",
        out.stdout
    );
}

/// A baseline written while part of the set was not checked would lack
/// what that part holds: it is not written, and the run exits with 2.
#[test]
fn a_baseline_is_not_written_while_part_of_the_set_is_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    missing_basis(dir.path());
    write(dir.path(), "wip.yaml", "version: 1\nprocessors: [\n");
    let out = privlint_in(dir.path(), &["check", "--write-baseline", "b.json", "."]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!dir.path().join("b.json").exists());
    assert!(
        out.stderr.contains("baseline not written"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("wip.yaml:3:1: error[PL002]"),
        "{}",
        out.stderr
    );
    std::fs::remove_file(dir.path().join("wip.yaml")).unwrap();
    let out = privlint_in(dir.path(), &["check", "--write-baseline", "b.json", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(dir.path().join("b.json").exists());
}

/// GitHub places an annotation by its path from the repository root,
/// whatever folder privlint ran from and however the path was spelt.
#[test]
fn github_annotations_name_files_from_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    missing_basis(&dir.path().join("compliance/privacy"));
    let from_sub = run(
        &dir.path().join("compliance"),
        &["--format", "github", "privacy/../privacy/m.yaml"],
    );
    let absolute = dir.path().join("compliance/privacy/m.yaml");
    let from_root = run(
        dir.path(),
        &["--format", "github", absolute.to_str().unwrap()],
    );
    for out in [from_sub, from_root] {
        assert!(
            out.stdout
                .contains("::error file=compliance/privacy/m.yaml,line=6,"),
            "{}",
            out.stdout
        );
    }
}

/// GitHub drops a step summary over 1 MiB: the table stops short of it
/// and says how many findings it left out.
#[test]
fn the_step_summary_stays_under_githubs_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{ORG}activities:\n");
    for i in 0..12_000 {
        text.push_str(&format!(
            "  - {{id: activity-{i}, name: Activity number {i} of a large set}}\n"
        ));
    }
    write(dir.path(), "m.yaml", &text);
    let (code, written) = github_with_summary(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert!(written.len() < 1024 * 1024, "{} bytes", written.len());
    assert!(
        written.contains(" more: the annotations"),
        "{}",
        &written[written.len() - 300..]
    );
}

/// A rule of a user's pack has no page among privlint's: its
/// documentation link is its citation's, never a made-up privlint URL.
#[test]
fn a_user_packs_rules_link_their_citation_not_a_privlint_page() {
    let root = common::root();
    let pack = root.join("examples/company-policy/policy.yaml");
    let set = root.join("examples/newsletter-platform");
    let json = run(
        &root,
        &[
            "--format",
            "json",
            "--rules",
            pack.to_str().unwrap(),
            set.to_str().unwrap(),
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let mut seen = 0;
    for d in json["diagnostics"].as_array().unwrap() {
        let href = d["codeDescription"]["href"].as_str();
        if d["code"].as_str().unwrap().starts_with("FW") {
            seen += 1;
            assert_eq!(href, d["citation"]["url"].as_str(), "{d}");
        } else {
            assert!(href.unwrap().contains("/docs/rules/"), "{d}");
        }
    }
    assert!(seen > 0);
    let sarif = run(
        &root,
        &[
            "--format",
            "sarif",
            "--rules",
            pack.to_str().unwrap(),
            set.to_str().unwrap(),
        ],
    );
    let sarif: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        let uri = rule["helpUri"].as_str().unwrap_or("");
        assert_eq!(
            uri.contains("/docs/rules/"),
            !rule["id"].as_str().unwrap().starts_with("FW"),
            "{rule}"
        );
    }
}

/// A reason after a single dash is a reason in the wrong place, not none.
#[test]
fn a_reason_after_one_dash_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        &format!(
            "{ORG}activities:\n  - id: a  # privlint: allow GDPR101 - being fixed\n    name: A\n"
        ),
    );
    let out = run(dir.path(), &["--format", "text", "m.yaml"]);
    assert!(
        out.stdout
            .contains("error[PL040]: a suppression needs a reason"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("the reason follows one `-`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("`# privlint: allow CODE -- reason`"),
        "{}",
        out.stdout
    );
}

/// Checking only some files of a set (the changed ones) makes references
/// to the others look unknown: the finding says which files were read.
#[test]
fn naming_only_some_files_says_why_references_look_unknown() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "privacy/org.yaml",
        &format!("{ORG}processors:\n  - {{id: hosting, name: H, role: processor, country: DE}}\n"),
    );
    write(
        dir.path(),
        "privacy/acts.yaml",
        "version: 1\nactivities:\n  - {id: a, name: A, recipients: [hosting]}\n",
    );
    let out = run(dir.path(), &["--format", "text", "privacy/acts.yaml"]);
    assert!(
        out.stdout
            .contains("error[PL021]: unknown recipient `hosting`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("note: only the files named were read (privacy/acts.yaml)"),
        "{}",
        out.stdout
    );
    let whole = run(dir.path(), &["--format", "concise", "privacy"]);
    assert!(!whole.stdout.contains("PL021"), "{}", whole.stdout);
}
