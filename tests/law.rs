//! Legal edge cases, each from a realistic manifest that an earlier
//! version judged wrongly. Every test states the law that decides it.

mod common;

use common::{check_with, privlint};

fn concise(extra: &[&str], dir: &str) -> String {
    let run = check_with(extra, &[&format!("tests/fixtures/law/{dir}")], "concise");
    assert_ne!(run.code, 2, "{}{}", run.stdout, run.stderr);
    run.stdout
}

/// GDPR Art. 28(1), 44: what an independent controller passes on to its
/// own processors or locations is its processing and its transfer, not the
/// shop's, which sends the data to Luxembourg.
#[test]
fn flows_stop_at_an_independent_controller() {
    let out = concise(&[], "controller-onward");
    assert!(!out.contains("paypal-inc"), "{out}");
    assert!(
        !out.contains("[GDPR120]") && !out.contains("[GDPR130]"),
        "{out}"
    );
}

/// GDPR Art. 7(3) applies to explicit consent given as the Art. 9(2)(a)
/// condition; that consent is the "express" consent of revFADP Art. 6(7).
#[test]
fn explicit_consent_needs_a_withdrawal_and_is_express_consent() {
    let out = concise(&[], "explicit-consent");
    assert!(out.contains("[GDPR105]"), "{out}");
    assert!(!out.contains("[NDSG210]"), "{out}");
}

/// Implementing Decision (EU) 2021/914: a processor processing at its own
/// location abroad can export there itself, so module 3 fits; module 1
/// (controller to controller) still does not.
#[test]
fn module_three_fits_an_eea_processors_own_location_abroad() {
    let out = concise(&["--select", "GDPR137"], "eea-processor-own-location");
    assert!(!out.contains("[GDPR137]"), "{out}");
    let fixture = "tests/fixtures/law/eea-processor-own-location";
    let (_tmp, path) = variant(fixture, |t| t.replace("scc_module: 3", "scc_module: 1"));
    let out = only("GDPR137", &path);
    assert!(out.contains("[GDPR137]"), "{out}");
    // The same for a processor established in an adequate country (CH).
    let (_tmp, path) = variant(fixture, |t| {
        let swiss = t.replace(
            "country: IE\n    locations: [IE, US]",
            "country: CH\n    locations: [CH, US]",
        );
        assert!(swiss.contains("locations: [CH, US]"));
        swiss
    });
    let out = only("GDPR137", &path);
    assert!(!out.contains("[GDPR137]"), "{out}");
}

/// The appeal C-703/25 P against the DPF was lodged on 2025-10-31: a check
/// as of an earlier day does not cite it.
#[test]
fn the_dpf_appeal_is_cited_only_once_lodged() {
    let on = |date: &str| only_on("GDPR136", date, "tests/fixtures/law/dpf");
    let before = on("2025-10-30");
    assert!(!before.contains("[GDPR136]"), "{before}");
    let after = on("2025-10-31");
    assert!(after.contains("[GDPR136]"), "{after}");
}

/// A copy of a fixture directory's manifests, edited, in a temporary
/// directory; with its path.
fn variant(dir: &str, edit: impl Fn(String) -> String) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(common::root().join(dir)).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(tmp.path().join(path.file_name().unwrap()), edit(text)).unwrap();
        }
    }
    let path = tmp.path().to_str().unwrap().to_string();
    (tmp, path)
}

/// The concise output of one rule on a directory, as of a date.
fn only_on(code: &str, date: &str, path: &str) -> String {
    let args = [
        "check", "--as-of", date, "--format", "concise", "--select", code, path,
    ];
    privlint(&args).stdout
}

/// The concise output of one rule on a directory.
fn only(code: &str, path: &str) -> String {
    check_with(&["--select", code], &[path], "concise").stdout
}

/// GDPR139 is about the tracker's own transfer: another party's transfer on
/// the same activity (a hotel booked under Art. 49(1)(b)) is a specific one.
#[test]
fn a_derogation_to_a_party_other_than_the_tracker_is_not_tracking() {
    let (_tmp, path) = variant("tests/fixtures/rules/GDPR139/fail", |t| {
        t.replace("provider: meta-pixel}", "provider: matomo}")
    });
    let out = only("GDPR139", &path);
    assert!(!out.contains("[GDPR139]"), "{out}");
}

/// Art. 49(3) covers the exercise of public powers, not a public body's
/// contracts.
#[test]
fn a_public_authority_on_a_contract_may_use_the_contract_derogation() {
    let (_tmp, path) = variant("tests/fixtures/rules/GDPR138/fail", |t| {
        t.replace("legal_basis: public-task", "legal_basis: contract")
    });
    let out = only("GDPR138", &path);
    assert!(!out.contains("[GDPR138]"), "{out}");
}

/// `express: false` says what it says, even with an explicit Art. 9 condition.
#[test]
fn express_false_is_not_overridden_by_explicit_consent() {
    let (_tmp, path) = variant("tests/fixtures/law/explicit-consent", |t| {
        t.replace(
            "consent: {mechanism: signed form}",
            "consent: {mechanism: signed form, express: false}",
        )
    });
    let out = only("NDSG210", &path);
    assert!(out.contains("[NDSG210]"), "{out}");
}

/// Implementing Decision (EU) 2021/914: a joint controller exporting to its
/// processor uses module 2 (controller to processor), not module 3.
#[test]
fn a_joint_controllers_processor_takes_module_two() {
    let out = concise(&["--select", "GDPR137"], "joint-controller-processor");
    assert!(!out.contains("[GDPR137]"), "{out}");
    let (_tmp, path) = variant("tests/fixtures/law/joint-controller-processor", |t| {
        t.replace("scc_module: 2", "scc_module: 3")
    });
    let out = only("GDPR137", &path);
    assert!(out.contains("[GDPR137]"), "{out}");
}

/// Swiss manifests often leave `legal_basis` out: a `consent:` block then
/// says the activity relies on consent, which must be express for
/// sensitive data (revFADP Art. 6(7)).
#[test]
fn swiss_consent_without_a_legal_basis_must_still_be_express() {
    let without_basis = |t: String| {
        let edited = t.replace("    legal_basis: consent\n", "");
        assert_ne!(edited, t, "the fixture has `legal_basis: consent`");
        edited
    };
    let (_tmp, path) = variant("tests/fixtures/rules/NDSG210/fail", without_basis);
    assert!(only("NDSG210", &path).contains("[NDSG210]"));
    let (_tmp, path) = variant("tests/fixtures/rules/NDSG210/pass", without_basis);
    assert!(!only("NDSG210", &path).contains("[NDSG210]"));
}

/// GDPR107 names the ages privlint holds, and says of the other states
/// that 16 is only the GDPR's default; a territory counts as its state.
#[test]
fn child_consent_ages_say_which_are_defaults() {
    let (_tmp, path) = variant("tests/fixtures/rules/GDPR107/fail", |t| {
        let start = t.find("markets: [").unwrap();
        let end = start + t[start..].find(']').unwrap() + 1;
        format!("{}markets: [PT, RE, AT]{}", &t[..start], &t[end..])
    });
    let out = only("GDPR107", &path);
    assert!(
        out.contains(
            "(AT 14, DE 16, FR 15, 16 by default in PT, unless their law sets another age)"
        ),
        "{out}"
    );
}

/// GDPR Art. 9(1): health data is a special category whatever a user's own
/// category names as its parent. `special.health.mental` under `contact`
/// kept no mark (a false pass); the nearest built-in ancestor of its id
/// now adds its marks, however many levels down.
#[test]
fn a_user_category_under_special_keeps_the_mark_whatever_its_parent() {
    for (id, parent) in [
        ("special.health.mental", "\n    parent: contact.email"),
        ("special.health.mental.sessions", ""),
    ] {
        let (_tmp, path) = variant("tests/fixtures/rules/GDPR110/fail", |t| {
            let t = t.replace("special.health.medical_records", id);
            t.replace(
                "processors:\n",
                &format!("data_categories:\n  - id: {id}{parent}\nprocessors:\n"),
            )
        });
        let out = only("GDPR110", &path);
        assert!(out.contains("[GDPR110]"), "{id}: {out}");
    }
}

/// FDPIC, 8 Sep 2020: the Swiss-US Privacy Shield gives no adequate
/// protection, so until the Swiss-US DPF (15 Sep 2024) a US disclosure
/// needed a guarantee or an exception. Declaring nothing passed before
/// 2023-09-01 while declaring the dead Privacy Shield was reported.
#[test]
fn a_swiss_disclosure_to_the_us_needs_a_guarantee_from_september_2020() {
    let on = |date: &str| only_on("NDSG201", date, "tests/fixtures/rules/NDSG201/fail");
    let before = on("2020-09-07");
    assert!(!before.contains("[NDSG201]"), "{before}");
    let after = on("2022-01-01");
    assert!(after.contains("[NDSG201]"), "{after}");
}

/// The same FDPIC statement: from 8 Sep 2020 the FDPIC's list of states no
/// longer rated the US adequate, so an adequacy claim for the US fails
/// there before the new law too, not only from 2023-09-01.
#[test]
fn a_swiss_adequacy_claim_for_the_us_fails_from_september_2020() {
    let (_tmp, path) = variant("tests/fixtures/rules/NDSG202/fail", |t| {
        let us = t.replace("country: KR", "country: US");
        let us = us.replace("locations: [KR]", "locations: [US]");
        us.replace(
            "{country: KR, mechanism: adequacy}",
            "{country: US, mechanism: adequacy}",
        )
    });
    let before = only_on("NDSG202", "2020-09-07", &path);
    assert!(!before.contains("[NDSG202]"), "{before}");
    let after = only_on("NDSG202", "2022-01-01", &path);
    assert!(after.contains("[NDSG202]"), "{after}");
}

/// GDPR Art. 44: each route by which data reach a party abroad is a
/// transfer. Where two sub-processors both pass data to a US host and only
/// one has a safeguard, the other route is unprotected, whichever of the
/// two the `sub_processors` list names first (the flow kept only the
/// shortest chain, so one order passed).
#[test]
fn a_route_without_a_safeguard_is_reported_whatever_the_order() {
    for subs in ["[crm, ticketing]", "[ticketing, crm]"] {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = format!(
            "version: 1
organization: {{name: Beispiel GmbH, country: DE}}
processors:
  - {{id: platform, name: Plattform AG, role: processor, country: DE, sub_processors: {subs}}}
  - {{id: crm, name: CRM GmbH, role: processor, country: DE, sub_processors: [host]}}
  - {{id: ticketing, name: Ticketing SAS, role: processor, country: FR, sub_processors: [host],
      transfers: [{{country: US, mechanism: scc, scc_module: 3, tia: https://x.example/tia}}]}}
  - {{id: host, name: Host Inc., role: processor, country: US}}
activities:
  - {{id: sales, name: Sales, purpose: Sell, legal_basis: contract, data_subjects: [customers],
      data_categories: [contact.email], recipients: [platform], retention: P1Y}}
"
        );
        std::fs::write(tmp.path().join("m.yaml"), manifest).unwrap();
        let out = only("GDPR130", tmp.path().to_str().unwrap());
        assert!(
            out.contains("[GDPR130] `sales` sends data to `host` in US"),
            "{subs}: {out}"
        );
        // The note names the route without a safeguard.
        let text = check_with(
            &["--select", "GDPR130"],
            &[tmp.path().to_str().unwrap()],
            "text",
        );
        assert!(
            text.stdout
                .contains("note: the data reach `host` through `platform` → `crm`\n"),
            "{subs}: {}",
            text.stdout
        );
        // With a safeguard on both routes, nothing.
        let both = std::fs::read_to_string(tmp.path().join("m.yaml"))
            .unwrap()
            .replace(
                "sub_processors: [host]}",
                "sub_processors: [host], transfers: [{country: US, mechanism: scc, scc_module: 3, tia: https://x.example/tia}]}",
            );
        std::fs::write(tmp.path().join("m.yaml"), both).unwrap();
        let out = only("GDPR130", tmp.path().to_str().unwrap());
        assert!(!out.contains("[GDPR130]"), "{subs}: {out}");
    }
}

/// revFADP Art. 9(1), 61(b): the Swiss processor contract is a duty of its
/// own. Where the GDPR applies too, GDPR120 reports the same processor, and
/// ignoring the GDPR rule (or the GDPR) must not silence the Swiss one.
#[test]
fn the_swiss_processor_contract_is_reported_beside_the_gdprs() {
    let (_tmp, path) = variant("tests/fixtures/rules/NDSG250/fail", |t| {
        let both = t.replace("markets: [CH]", "markets: [CH, DE]");
        assert_ne!(both, t);
        both
    });
    let out = check_with(&["--select", "GDPR120,NDSG250"], &[&path], "concise").stdout;
    assert!(
        out.contains("[GDPR120]") && out.contains("[NDSG250]"),
        "{out}"
    );
    let out = check_with(&["--ignore", "GDPR"], &[&path], "concise").stdout;
    assert!(out.contains("[NDSG250]"), "{out}");
}

/// GDPR Art. 5(1)(e), 13(2)(a); revFADP Art. 6(4): "for an indefinite
/// time", in Dutch or Spanish, is no limit, and "as long as necessary"
/// restates the principle instead of giving the criteria.
#[test]
fn vague_retention_in_other_languages_is_no_limit() {
    for until in [
        "voor onbepaalde tijd",
        "para siempre",
        "As long as necessary.",
    ] {
        let (_tmp, path) = variant("tests/fixtures/rules/GDPR150/fail", |t| {
            t.replace(
                "retention: {until: Forever.}",
                &format!("retention: {{until: {until}}}"),
            )
        });
        let out = only("GDPR150", &path);
        assert!(
            out.contains("`waitlist` keeps personal data"),
            "{until}: {out}"
        );
    }
    // A real event still passes.
    let (_tmp, path) = variant("tests/fixtures/rules/GDPR150/fail", |t| {
        t.replace(
            "retention: {until: Forever.}",
            "retention: {until: the class has taken place}",
        )
    });
    let out = only("GDPR150", &path);
    assert!(!out.contains("`waitlist`"), "{out}");
}

/// GDPR Art. 3(2): a controller not established in the Union is subject
/// to the GDPR only for the processing related to offering goods or
/// services to data subjects in the Union (or monitoring them there). A
/// Swiss AG's Zurich payroll, `markets: [CH]`, is not; its web shop for
/// Germany is. The revFADP (Art. 3(1)) applies to both, and the EU rules
/// skip the processor only the payroll uses.
#[test]
fn an_activity_whose_markets_miss_the_union_is_outside_the_gdpr() {
    let out = concise(&[], "activity-markets");
    assert!(out.contains("[NDSG250] processor `lohnbuero`"), "{out}");
    assert!(!out.contains("[GDPR120] processor `lohnbuero`"), "{out}");
    assert!(out.contains("[GDPR120] processor `shopsystem`"), "{out}");

    // Without its own markets, the organisation's (CH and DE) apply to it.
    let (_dir, path) = variant("tests/fixtures/law/activity-markets", |t| {
        t.replace("    markets: [CH]\n", "")
    });
    assert!(
        only("GDPR120", &path).contains("[GDPR120] processor `lohnbuero`"),
        "{}",
        only("GDPR120", &path)
    );
    // An organisation established in the Union answers to the GDPR for
    // all its processing (Art. 3(1)), whatever an activity's markets.
    let (_dir, path) = variant("tests/fixtures/law/activity-markets", |t| {
        t.replacen("  country: CH\n", "  country: DE\n", 1)
    });
    assert!(
        only("GDPR120", &path).contains("[GDPR120] processor `lohnbuero`"),
        "{}",
        only("GDPR120", &path)
    );
    // An activity's market is one the organisation targets: a German
    // shop alone brings the GDPR, with its representative duty.
    let (_dir, path) = variant("tests/fixtures/law/activity-markets", |t| {
        t.replace("  markets: [CH, DE]\n", "  markets: [CH]\n")
            .replace(
                "    legal_basis: contract\n    recipients: [shopsystem]",
                "    markets: [DE]\n    legal_basis: contract\n    recipients: [shopsystem]",
            )
    });
    let out = only("GDPR120", &path);
    assert!(out.contains("[GDPR120] processor `shopsystem`"), "{out}");
    assert!(!out.contains("`lohnbuero`"), "{out}");
}

/// GDPR Art. 3(2), revFADP Art. 3(1), as the organisation's rules see
/// them: a rule of one regulation counts only the activities inside its
/// territory; an activity without its own markets has the organisation's
/// (not those another activity adds); a set of regulations chosen with
/// `regulations:` applies to every activity.
#[test]
fn each_regulation_sees_only_the_activities_in_its_territory() {
    let fixture = "tests/fixtures/law/activity-markets";
    // Health data on a large scale for US and German patients: the Swiss
    // representative duty (NDSG220) is about persons in Switzerland.
    let (_dir, path) = variant(fixture, |t| {
        t.replace(
            "  country: CH\n  markets: [CH, DE]\n",
            "  country: US\n  markets: [US, CH, DE]\n",
        )
        .replace(
            "    data_categories: [identity.name, financial.bank_account]\n",
            "    data_categories: [special.health]\n    large_scale: true\n",
        )
        .replace("    markets: [CH]\n", "    markets: [US, DE]\n")
        .replace(
            "    purpose: Sell bicycles to customers in Switzerland and Germany\n",
            "    purpose: Sell bicycles to customers in Switzerland\n    markets: [CH]\n",
        )
    });
    assert_eq!(only("NDSG220", &path), "", "{path}");

    // The web shop alone targets Germany; the payroll, with no markets of
    // its own, has the organisation's (CH): no GDPR rule judges it.
    let (_dir, path) = variant(fixture, |t| {
        t.replace("  markets: [CH, DE]\n", "  markets: [CH]\n")
            .replace("    markets: [CH]\n", "")
            .replace(
                "    purpose: Sell bicycles to customers in Switzerland and Germany\n",
                "    purpose: Sell bicycles to customers in Germany\n    markets: [DE]\n",
            )
    });
    let out = only("GDPR120", &path);
    assert!(
        out.contains("`shopsystem`") && !out.contains("`lohnbuero`"),
        "{out}"
    );

    // Evidence is where its owner is: the payroll bureau's missing
    // contract file is not the GDPR's (GDPR160) while only the payroll
    // uses the bureau.
    let with_contract = |t: String| {
        t.replace(
            "    description: Payroll bureau; no contract on file yet.\n",
            "    agreement: {type: dpa, ref: contracts/lohnbuero-dpa.pdf}\n",
        )
    };
    let (_dir, path) = variant(fixture, with_contract);
    assert_eq!(only("GDPR160", &path), "");
    let (_dir, path) = variant(fixture, |t| {
        with_contract(t.replace("    markets: [CH]\n", ""))
    });
    assert!(only("GDPR160", &path).contains("lohnbuero-dpa.pdf"));

    // Chosen, not derived: the GDPR applies to the payroll too.
    let (_dir, path) = variant(fixture, |t| {
        t.replace(
            "  markets: [CH, DE]\n",
            "  markets: [CH, DE]\n  regulations: [gdpr, ndsg]\n",
        )
    });
    assert!(only("GDPR120", &path).contains("`lohnbuero`"));
}

/// GDPR Art. 44; EDPB Guidelines 05/2021, criterion 3: a US company is an
/// importer in the US wherever it hosts. An empty `locations` is no
/// answer (it left the party out of every flow); an independent
/// controller is reached at its `country`, where GDPR130 judges it.
#[test]
fn an_importer_established_abroad_is_judged_whatever_its_locations() {
    let fixture = "tests/fixtures/rules/GDPR128/fail";
    let (_dir, path) = variant(fixture, |t| t.replace("locations: [DE] ", "locations: []"));
    let out = only("GDPR130", &path);
    assert!(
        out.contains("`customer-support` sends data to `helpdesk` in US"),
        "{out}"
    );
    let (_dir, path) = variant(fixture, |t| {
        t.replace("role: processor", "role: controller")
    });
    assert_eq!(only("GDPR128", &path), "");
    assert!(only("GDPR130", &path).contains("in US"));
}

/// GDPR Art. 3(2) and TFEU Art. 355(4): the Åland Islands are in the
/// Union (though outside the EEA Agreement, Art. 126(2)), so targeting
/// people there brings the GDPR.
#[test]
fn targeting_the_aland_islands_brings_the_gdpr() {
    let (_dir, path) = variant("tests/fixtures/law/activity-markets", |t| {
        t.replace("  markets: [CH, DE]\n", "  markets: [CH, AX]\n")
    });
    assert!(only("GDPR120", &path).contains("`shopsystem`"));
    // GDPR Art. 27(3): a representative in Finland is in a Member State
    // where the targeted people are; one in Germany is not.
    assert!(only("GDPR141", &path).contains("established in DE"));
    let (_dir, path) = variant("tests/fixtures/law/activity-markets", |t| {
        t.replace("  markets: [CH, DE]\n", "  markets: [CH, AX]\n")
            .replace(
                "country: DE, contact: rep@example.de",
                "country: FI, contact: rep@example.fi",
            )
    });
    assert_eq!(only("GDPR141", &path), "");
}
