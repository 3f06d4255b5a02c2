//! Every rule of the built-in packs has a failing and a passing fixture
//! (`tests/fixtures/rules/<CODE>/{fail,pass}/`); the failing one's output is
//! pinned as an insta snapshot, and every rule can be explained.

mod common;

use common::{check_with, root};
use privlint::engine::Engine;
use std::path::Path;

fn engine() -> Engine {
    Engine::load(&[]).expect("the built-in packs load")
}

/// Extra arguments from a fixture's `args` file (one per line).
fn fixture_args(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("args"))
        .map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn run_fixture(code: &str, which: &str, format: &str) -> common::Run {
    let dir = root().join("tests/fixtures/rules").join(code);
    let set = dir.join(which);
    assert!(
        set.is_dir(),
        "rule {code} has no {which} fixture at {}",
        set.display()
    );
    let mut extra = fixture_args(&dir);
    extra.extend(fixture_args(&set));
    extra.push("--select".into());
    extra.push(code.into());
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let path = format!("tests/fixtures/rules/{code}/{which}");
    check_with(&extra, &[&path], format)
}

#[test]
fn every_rule_fires_on_its_failing_fixture_and_not_on_its_passing_one() {
    let mut problems = Vec::new();
    for rule in &engine().rules {
        let fail = run_fixture(&rule.code, "fail", "concise");
        if !fail.stdout.contains(&format!("[{}]", rule.code)) {
            problems.push(format!(
                "{}: fail fixture does not report it:\n{}{}",
                rule.code, fail.stdout, fail.stderr
            ));
        }
        let pass = run_fixture(&rule.code, "pass", "concise");
        if pass.stdout.contains(&format!("[{}]", rule.code)) || pass.code == 2 {
            problems.push(format!(
                "{}: pass fixture reports it:\n{}{}",
                rule.code, pass.stdout, pass.stderr
            ));
        }
        for (which, run) in [("fail", &fail), ("pass", &pass)] {
            if run.stdout.contains("[PL0") || run.code == 2 {
                problems.push(format!(
                    "{}: {which} fixture is not a valid manifest set:\n{}{}",
                    rule.code, run.stdout, run.stderr
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn failing_fixtures_match_snapshots() {
    for rule in &engine().rules {
        let run = run_fixture(&rule.code, "fail", "text");
        insta::assert_snapshot!(
            rule.code.clone(),
            format!("exit code: {}\n\n{}", run.code, run.stdout)
        );
    }
}

#[test]
fn every_rule_is_explained_with_its_law() {
    for rule in &engine().rules {
        let run = common::privlint(&["explain", &rule.code]);
        assert_eq!(run.code, 0, "{}", rule.code);
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Law",
        ] {
            assert!(
                run.stdout.contains(section),
                "{} explain lacks {section}:\n{}",
                rule.code,
                run.stdout
            );
        }
        assert!(
            rule.citation.as_ref().is_some_and(|c| c.url.is_some()),
            "{} has no cited URL",
            rule.code
        );
        let by_name = common::privlint(&["explain", &rule.name]);
        assert_eq!(by_name.stdout, run.stdout);
    }
}

/// `codeDescription.href` links to `docs/rules/<CODE>.md`; run with
/// `PRIVLINT_BLESS=1` to rewrite the pages.
#[test]
fn rule_docs_pages_are_up_to_date() {
    for rule in &engine().rules {
        common::assert_docs_page(&rule.code, &privlint::engine::explain(rule));
    }
}

#[test]
fn every_rule_is_listed_in_the_readme() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for rule in &engine().rules {
        assert!(
            readme.contains(&format!("| {} | `{}` |", rule.code, rule.name)),
            "README lacks {}",
            rule.code
        );
    }
}

/// Built-in packs skip the schema check at run time; this is where it happens.
#[test]
fn every_built_in_pack_matches_the_rule_pack_schema() {
    for pack in privlint::engine::BUILTIN_PACKS {
        let (path, text) = (pack.path, pack.text);
        let parsed =
            privlint::load::yaml::parse(privlint::source::FileId(0), text, Default::default());
        assert!(parsed.findings.is_empty(), "{path} does not parse");
        let root = parsed.root.expect("a document");
        let problems = privlint::schema::CompiledSchema::rule_pack().validate_node(&root);
        assert!(problems.is_empty(), "{path}: {problems:#?}");
    }
}
