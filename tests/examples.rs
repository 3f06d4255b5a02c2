//! The shipped examples behave as `examples/README.md` says.

mod common;

use common::check;

#[test]
fn the_clean_saas_example_has_no_findings() {
    let run = check(&["examples/saas-clean"], "text");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.starts_with("no findings in "), "{}", run.stdout);
}

#[test]
fn the_broken_example_reports_the_manifest_errors_it_was_written_with() {
    let run = check(&["examples/broken"], "concise");
    assert_eq!(run.code, 1);
    for expected in [
        "[PL010]", "[PL011]", "[PL020]", "[PL021]", "[PL022]", "[PL023]",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn the_newsletter_example_has_a_misspelt_recipient() {
    let run = check(&["examples/newsletter-platform"], "concise");
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("unknown recipient `mailgunn`; did you mean `mailgun`?"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_swiss_example_with_crlf_and_umlauts_loads() {
    let run = check(&["examples/swiss-clinic"], "json");
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["summary"]["files"], 4);
}
