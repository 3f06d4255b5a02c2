//! Every built-in diagnostic (`PL0xx`) has a fixture under
//! `tests/fixtures/diagnostics/<CODE>-<name>/`, and its rendering in the
//! text, concise and json formats is pinned by an insta snapshot.

mod common;

use common::{check_with, portable, root, yaml_files};
use privlint::report::codes;

fn fixture_dirs() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("tests/fixtures/diagnostics"))
        .expect("fixtures exist")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The arguments for one fixture directory: its manifest files, and any
/// rule packs under its `rules/` folder. Pack rules are off (`--ignore ALL`):
/// these fixtures are about privlint's own diagnostics, unless the
/// fixture's `privlint.yaml` selects the rules it needs.
fn fixture_args(dir: &std::path::Path) -> (Vec<String>, Vec<String>) {
    let config = dir.join("privlint.yaml");
    let selects = std::fs::read_to_string(&config).is_ok_and(|t| t.contains("\nselect:"));
    let mut extra = if selects {
        Vec::new()
    } else {
        vec!["--ignore".to_string(), "ALL".to_string()]
    };
    if config.is_file() {
        extra.push("--config".to_string());
        extra.push(
            config
                .strip_prefix(root())
                .unwrap_or(&config)
                .to_string_lossy()
                .replace('\\', "/"),
        );
    }
    let rules = dir.join("rules");
    if rules.is_dir() {
        for pack in yaml_files(&rules) {
            extra.push("--rules".to_string());
            extra.push(pack);
        }
    }
    (extra, yaml_files(dir))
}

fn run(dir: &std::path::Path, format: &str) -> common::Run {
    let (extra, files) = fixture_args(dir);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    check_with(&extra, &files, format)
}

/// The three renderings of one fixture, as one document to review.
fn render_all(dir: &std::path::Path) -> (i32, String) {
    let text = run(dir, "text");
    let concise = run(dir, "concise");
    let json = run(dir, "json");
    assert_eq!(text.code, concise.code);
    assert_eq!(text.code, json.code);
    let mut doc = format!("exit code: {}\n\n", text.code);
    if !text.stderr.is_empty() {
        doc.push_str(&format!("--- stderr ---\n{}\n", text.stderr));
    }
    // Exit 2 with findings printed is invalid input, reported like any
    // finding; without, the run stopped (a rule pack, a config).
    if text.code != 2 || !text.stdout.is_empty() {
        doc.push_str(&format!(
            "--- text ---\n{}\n--- concise ---\n{}\n--- json ---\n{}",
            text.stdout,
            concise.stdout,
            portable(&json.stdout)
        ));
    }
    (text.code, doc)
}

#[test]
fn every_builtin_diagnostic_has_a_fixture_that_reports_it() {
    let dirs = fixture_dirs();
    for code in codes::ALL {
        let prefix = format!("{}-{}", code.code, code.name);
        let dir = dirs
            .iter()
            .find(|d| d.file_name().is_some_and(|n| n.to_string_lossy() == prefix))
            .unwrap_or_else(|| panic!("no fixture directory tests/fixtures/diagnostics/{prefix}"));
        let out = run(dir, "concise");
        let reported = out.stdout.contains(&format!("[{}]", code.code))
            || out.stderr.contains(&format!("[{}]", code.code));
        assert!(
            reported,
            "fixture {prefix} does not report {}:\n{}{}",
            code.code, out.stdout, out.stderr
        );
        // A rule pack or config that does not load stops the run; a
        // manifest that is not valid input is reported, and exits 2 too.
        let expected = match code.code {
            "PL030" | "PL031" => 2,
            c if codes::is_invalid_input(c) => 2,
            _ if code.severity == privlint::report::Severity::Error => 1,
            _ => 0,
        };
        assert_eq!(out.code, expected, "fixture {prefix} exit code");
    }
}

#[test]
fn diagnostic_renderings_match_snapshots() {
    for dir in fixture_dirs() {
        let name = dir
            .file_name()
            .expect("named")
            .to_string_lossy()
            .into_owned();
        let (_, doc) = render_all(&dir);
        insta::assert_snapshot!(name, doc);
    }
}

#[test]
fn every_builtin_diagnostic_can_be_explained() {
    for code in codes::ALL {
        let run = common::privlint(&["explain", code.code]);
        assert_eq!(run.code, 0);
        assert!(
            run.stdout
                .starts_with(&format!("# {} {}", code.code, code.name))
        );
        assert!(run.stdout.contains("## What it does"));
        let by_name = common::privlint(&["explain", code.name]);
        assert_eq!(by_name.stdout, run.stdout);
    }
}

/// `codeDescription.href` links to `docs/rules/<CODE>.md`; this keeps those
/// pages equal to `privlint explain`. Run with `PRIVLINT_BLESS=1` to rewrite them.
#[test]
fn rule_docs_pages_are_up_to_date() {
    for code in codes::ALL {
        common::assert_docs_page(code.code, &codes::explain(code));
    }
}
