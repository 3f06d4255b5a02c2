//! `--as-of` evaluates the law as it stood on a day: each dated fact of the
//! reference data is checked the day before and the day it changed.

mod common;

use common::privlint;

/// A manifest of an organisation in `org_country` sending data to a party
/// in `country` under `mechanism` (none when empty), holding `certs`.
fn manifest(org_country: &str, country: &str, mechanism: &str, certs: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let transfers = if mechanism.is_empty() {
        String::new()
    } else {
        format!(
            "    transfers:\n      - {{country: {country}, mechanism: {mechanism}, tia: https://example.com/tia, swiss_addendum: true}}\n"
        )
    };
    let text = format!(
        "version: 1\norganization: {{name: Example, country: {org_country}, markets: [{org_country}]}}\nprocessors:\n  - id: vendor\n    name: Vendor\n    role: processor\n    country: {country}\n    agreement: {{type: dpa, ref: https://example.com/dpa}}\n    certifications: [{certs}]\n{transfers}activities:\n  - id: hosting\n    name: Hosting\n    purpose: Host the service\n    data_subjects: [customers]\n    data_categories: [contact.email]\n    legal_basis: contract\n    retention: P1Y\n    recipients: [vendor]\n"
    );
    std::fs::write(dir.path().join("m.yaml"), text).unwrap();
    dir
}

/// The transfer findings (GDPR13x / NDSG20x) on a day.
fn transfer_findings(dir: &tempfile::TempDir, date: &str) -> Vec<String> {
    let path = dir.path().join("m.yaml");
    let run = privlint(&[
        "check",
        "--format",
        "concise",
        "--as-of",
        date,
        "--select",
        "GDPR13,NDSG20",
        "--ignore",
        "GDPR136",
        path.to_str().unwrap(),
    ]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    run.stdout.lines().map(String::from).collect()
}

fn changes_on(
    org: &str,
    country: &str,
    mechanism: &str,
    certs: &str,
    before: &str,
    on: &str,
    invalid_before: bool,
) {
    let dir = manifest(org, country, mechanism, certs);
    let early = transfer_findings(&dir, before);
    let late = transfer_findings(&dir, on);
    let what = format!("{org} -> {country} under `{mechanism}` [{certs}]");
    if invalid_before {
        assert!(!early.is_empty(), "{what}: expected a finding on {before}");
        assert!(late.is_empty(), "{what}: expected none on {on}: {late:?}");
    } else {
        assert!(
            early.is_empty(),
            "{what}: expected none on {before}: {early:?}"
        );
        assert!(!late.is_empty(), "{what}: expected a finding on {on}");
    }
}

#[test]
fn safe_harbor_is_invalid_from_2015_10_06() {
    changes_on(
        "DE",
        "US",
        "safe-harbor",
        "",
        "2015-10-05",
        "2015-10-06",
        false,
    );
}

#[test]
fn privacy_shield_is_invalid_from_2020_07_16() {
    changes_on(
        "DE",
        "US",
        "privacy-shield",
        "",
        "2020-07-15",
        "2020-07-16",
        false,
    );
}

#[test]
fn swiss_us_privacy_shield_is_invalid_from_2020_09_08() {
    changes_on(
        "CH",
        "US",
        "swiss-us-privacy-shield",
        "",
        "2020-09-07",
        "2020-09-08",
        false,
    );
}

#[test]
fn old_sccs_are_invalid_after_2022_12_27() {
    for old in ["scc-2001", "scc-2004", "scc-2010"] {
        changes_on("DE", "US", old, "", "2022-12-27", "2022-12-28", false);
    }
}

#[test]
fn the_eu_us_dpf_is_valid_from_2023_07_10() {
    changes_on(
        "DE",
        "US",
        "dpf",
        "eu-us-dpf",
        "2023-07-09",
        "2023-07-10",
        true,
    );
    // With no declared mechanism, the US adequacy decision covers certified parties.
    changes_on(
        "DE",
        "US",
        "",
        "eu-us-dpf",
        "2023-07-09",
        "2023-07-10",
        true,
    );
}

#[test]
fn the_swiss_us_dpf_is_valid_from_2024_09_15() {
    changes_on(
        "CH",
        "US",
        "dpf",
        "swiss-us-dpf",
        "2024-09-14",
        "2024-09-15",
        true,
    );
}

#[test]
fn an_eu_us_certification_does_not_cover_swiss_transfers() {
    let dir = manifest("CH", "US", "dpf", "eu-us-dpf");
    assert!(!transfer_findings(&dir, "2025-01-01").is_empty());
}

#[test]
fn the_uk_became_a_third_country_in_2021_with_adequacy_from_2021_06_28() {
    // In the EU until the end of the transition period: no transfer at all.
    changes_on("DE", "GB", "", "", "2020-12-31", "2021-01-01", false);
    // Then adequate from the Commission's decision of 28 June 2021.
    changes_on("DE", "GB", "", "", "2021-06-27", "2021-06-28", true);
}

#[test]
fn japan_is_adequate_for_the_eu_but_not_on_the_swiss_list() {
    let eu = manifest("DE", "JP", "adequacy", "");
    assert!(transfer_findings(&eu, "2025-01-01").is_empty());
    let ch = manifest("CH", "JP", "adequacy", "");
    assert!(!transfer_findings(&ch, "2025-01-01").is_empty());
}

/// The Treaties apply in the outermost regions (TFEU Art. 349, 355(1)):
/// Réunion is in the EU; Mayotte from 2014-01-01, Saint-Barthélemy until
/// 2011-12-31; Gibraltar with the UK until 2020-12-31 (Art. 355(3)).
#[test]
fn the_eus_outermost_regions_and_gibraltar_are_not_third_countries() {
    let dir = manifest("FR", "RE", "", "");
    assert!(transfer_findings(&dir, "2026-12-05").is_empty());
    changes_on("FR", "YT", "", "", "2013-12-31", "2014-01-01", true);
    changes_on("FR", "BL", "", "", "2011-12-31", "2012-01-01", false);
    changes_on("ES", "GI", "", "", "2020-12-31", "2021-01-01", false);
}

/// A day before a law applied is evaluated with its rules, and the run
/// says so rather than silently reporting Art. 27 in 2017.
#[test]
fn a_day_before_a_law_applied_is_noted() {
    let run = common::check_with(
        &["--as-of", "2017-01-01"],
        &["examples/newsletter-platform"],
        "concise",
    );
    assert!(
        run.stderr
            .contains("on 2017-01-01 the EU General Data Protection Regulation (EU) 2016/679 did not apply yet (it applies from 2018-05-25)"),
        "{}",
        run.stderr
    );
    let run = common::check_with(
        &["--as-of", "2024-01-01"],
        &["examples/newsletter-platform"],
        "concise",
    );
    assert!(!run.stderr.contains("did not apply yet"), "{}", run.stderr);
}

/// `--as-of` takes a day as the help writes it: a date and time is not
/// silently cut to its date.
#[test]
fn as_of_takes_a_day_only() {
    for text in ["2024-01-01 12:00", "2024-01-01T00:00", "2024-1-1"] {
        let run = common::check_with(
            &["--as-of", text],
            &["examples/newsletter-platform"],
            "concise",
        );
        assert_eq!(run.code, 2, "{text}: {}", run.stderr);
        assert!(run.stderr.contains("YYYY-MM-DD"), "{text}: {}", run.stderr);
    }
}
