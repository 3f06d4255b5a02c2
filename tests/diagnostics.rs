//! Every built-in diagnostic (`PL0xx`) has a fixture under
//! `tests/fixtures/diagnostics/<CODE>-<name>/`, and its rendering in the
//! text, concise and json formats is pinned by an insta snapshot.

mod common;

use common::{check, portable, root, yaml_files};
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

/// The three renderings of one fixture, as one document to review.
fn render_all(files: &[&str]) -> (i32, String) {
    let text = check(files, "text");
    let concise = check(files, "concise");
    let json = check(files, "json");
    assert_eq!(text.code, concise.code);
    assert_eq!(text.code, json.code);
    assert!(text.stderr.is_empty(), "unexpected stderr: {}", text.stderr);
    let doc = format!(
        "exit code: {}\n\n--- text ---\n{}\n--- concise ---\n{}\n--- json ---\n{}",
        text.code,
        text.stdout,
        concise.stdout,
        portable(&json.stdout)
    );
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
        let files = yaml_files(dir);
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        let run = check(&refs, "concise");
        assert!(
            run.stdout.contains(&format!("[{}]", code.code)),
            "fixture {prefix} does not report {}:\n{}",
            code.code,
            run.stdout
        );
        assert_eq!(run.code, 1, "fixture {prefix} should exit 1");
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
        let files = yaml_files(&dir);
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        let (_, doc) = render_all(&refs);
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
    let dir = root().join("docs/rules");
    let bless = std::env::var_os("PRIVLINT_BLESS").is_some();
    for code in codes::ALL {
        let path = dir.join(format!("{}.md", code.code));
        let expected = codes::explain(code);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            actual,
            expected,
            "{} is stale: run `PRIVLINT_BLESS=1 cargo test --test diagnostics`",
            path.display()
        );
    }
}
