//! The shipped examples behave as `examples/README.md` says.

mod common;

use common::check;

/// Clean means no error and no warning: the example relies on the EU-US
/// Data Privacy Framework, so it carries the info notes about the pending
/// appeal against it (GDPR136), as a real manifest would.
#[test]
fn the_clean_saas_example_has_no_errors_or_warnings() {
    let run = check(&["examples/saas-clean"], "concise");
    assert_eq!(run.code, 0, "{}", run.stdout);
    for line in run.stdout.lines() {
        assert!(line.contains(": info["), "not clean: {line}");
    }
    let strict = common::check_with(
        &["--fail-on", "warning"],
        &["examples/saas-clean"],
        "concise",
    );
    assert_eq!(strict.code, 0, "{}", strict.stdout);
}

#[test]
fn the_broken_example_reports_the_manifest_errors_it_was_written_with() {
    let run = check(&["examples/broken"], "concise");
    // Not valid input: every error reported, and exit 2, not 1.
    assert_eq!(run.code, 2);
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

/// The README's first command: legal findings only, so exit 1.
#[test]
fn the_newsletter_example_has_legal_findings_and_exits_1() {
    let run = check(&["examples/newsletter-platform"], "concise");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(!run.stdout.contains("[PL0"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "error[GDPR131] `account-emails` sends data to `mailgun` in US under `privacy-shield`"
        ),
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
