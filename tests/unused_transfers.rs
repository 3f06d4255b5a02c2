//! PL028 (a `transfers` entry no data flow uses) judges what data can
//! reach along every chain of `sub_processors`, not only the chain each
//! flow keeps: each test is a manifest an earlier version reported wrongly.

mod common;

use common::check_with;

/// The concise PL028 lines of one manifest.
fn pl028(manifest: &str) -> String {
    let run = run(manifest);
    assert_ne!(run.code, 2, "{}{}", run.stdout, run.stderr);
    (run.stdout.lines())
        .filter(|l| l.contains("[PL028]"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// privlint's concise output (PL028 and the errors) on one manifest.
fn run(manifest: &str) -> common::Run {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("manifest.yaml");
    std::fs::write(&path, manifest).unwrap();
    check_with(
        &["--isolated", "--select", "PL028"],
        &[path.to_str().unwrap()],
        "concise",
    )
}

const HEAD: &str = "version: 1\norganization: {name: Beispiel GmbH, country: DE}\n";

fn activity(id: &str, recipients: &str, transfers: &str) -> String {
    format!(
        "  - id: {id}
    name: {id}
    purpose: Anfragen beantworten
    legal_basis: contract
    data_subjects: [customers]
    data_categories: [contact.email]
    recipients: {recipients}
    retention: P1Y
{transfers}"
    )
}

/// Two EU sub-processors of one recipient share a US sub-processor: each
/// hands the activity's data to it, so each one's US transfer is used,
/// though each flow keeps only the shortest chain to the US.
#[test]
fn a_shared_sub_processor_uses_both_parties_transfers() {
    let manifest = format!(
        "{HEAD}processors:
  - {{id: platform, name: Plattform AG, role: processor, country: DE, sub_processors: [crm, ticketing]}}
  - {{id: crm, name: CRM GmbH, role: processor, country: DE, sub_processors: [cloud],
      transfers: [{{country: US, mechanism: dpf}}]}}
  - {{id: ticketing, name: Ticketing SAS, role: processor, country: FR, sub_processors: [cloud],
      transfers: [{{country: US, mechanism: dpf}}]}}
  - {{id: cloud, name: Cloud Inc., role: processor, country: US, certifications: [eu-us-dpf]}}
activities:
{}",
        activity("sales", "[platform]", ""),
    );
    assert_eq!(pl028(&manifest), "");
}

/// An activity may declare its transfer against the sub-processor that
/// receives the data abroad, not only against a direct recipient.
#[test]
fn an_activity_entry_may_name_a_sub_processor() {
    let manifest = format!(
        "{HEAD}processors:
  - {{id: crm, name: CRM GmbH, role: processor, country: DE, sub_processors: [cloud]}}
  - {{id: cloud, name: Cloud Inc., role: processor, country: US, locations: [US, IN]}}
activities:
{}",
        activity(
            "sales",
            "[crm]",
            "    transfers:
      - {to: cloud, country: US, mechanism: derogation-consent}
      - {to: cloud, country: IN, mechanism: derogation-consent}
      - {to: cloud, country: JP, mechanism: derogation-consent}
      - {to: crm, country: US, mechanism: derogation-consent}
",
        ),
    );
    // `crm` passes the data on to `cloud` in the US: an entry naming any
    // party of the chain covers the flow, as the transfer rules read it.
    let out = pl028(&manifest);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains(
            "`sales` declares a transfer to `cloud` in JP, but its data reach `cloud` nowhere in JP"
        ),
        "{out}"
    );
}

/// A party the activity's data never reach is reported; an independent
/// controller receives data only where it is established, and a note says
/// so (GDPR Art. 28(1), 44: its onward transfers are its own).
#[test]
fn an_entry_on_a_party_out_of_reach_is_reported() {
    let manifest = format!(
        "{HEAD}processors:
  - {{id: crm, name: CRM GmbH, role: processor, country: DE}}
  - {{id: psp, name: Pay Ltd, role: controller, country: GB, locations: [GB, US], sub_processors: [psp-us]}}
  - {{id: psp-us, name: Pay Inc., role: processor, country: US}}
activities:
{}{}",
        activity(
            "sales",
            "[crm]",
            "    transfers: [{to: psp, country: GB, mechanism: derogation-contract}]\n"
        ),
        activity(
            "payments",
            "[psp]",
            "    transfers: [{to: psp-us, country: US, mechanism: derogation-contract}]\n"
        ),
    );
    let out = pl028(&manifest);
    assert!(
        out.contains("`sales` declares a transfer to `psp` in GB, but its data never reach `psp`"),
        "{out}"
    );
    // Past an independent controller, data are not the activity's flows.
    assert!(
        out.contains(
            "`payments` declares a transfer to `psp-us` in US, but its data never reach `psp-us`"
        ),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2, "{out}");
}

/// Where a party on the way has an unknown reference (PL021) or an unknown
/// country code (PL023), what the data reach is not known: the entry may
/// be right, so PL028 says nothing.
#[test]
fn unknown_references_and_countries_are_not_judged() {
    let broken_sub = format!(
        "{HEAD}processors:
  - {{id: crm, name: CRM GmbH, role: processor, country: DE, sub_processors: [clould],
      transfers: [{{country: US, mechanism: dpf}}]}}
  - {{id: cloud, name: Cloud Inc., role: processor, country: US}}
activities:
{}",
        activity(
            "sales",
            "[crm]",
            "    transfers: [{to: crm, country: US, mechanism: derogation-consent}]\n"
        ),
    );
    let out = run(&broken_sub).stdout;
    assert!(out.contains("[PL021]") && !out.contains("[PL028]"), "{out}");
    let bad_country = format!(
        "{HEAD}processors:
  - {{id: crm, name: CRM GmbH, role: processor, country: DE, sub_processors: [cloud],
      transfers: [{{country: US, mechanism: dpf}}]}}
  - {{id: cloud, name: Cloud Inc., role: processor, country: US, locations: [UK]}}
activities:
{}",
        activity(
            "sales",
            "[crm]",
            "    transfers: [{to: cloud, country: US, mechanism: derogation-consent}]\n"
        ),
    );
    let out = run(&bad_country).stdout;
    assert!(out.contains("[PL023]") && !out.contains("[PL028]"), "{out}");
}

/// A cycle of references (PL022) shares what each party on it reaches:
/// `crm`'s US entry is used through `cloud`, whichever party the cycle is
/// entered at.
#[test]
fn a_cycle_shares_its_countries() {
    let manifest = format!(
        "{HEAD}processors:
  - {{id: crm, name: CRM GmbH, role: processor, country: DE, sub_processors: [backup],
      transfers: [{{country: US, mechanism: dpf}}, {{country: JP, mechanism: dpf}}]}}
  - {{id: backup, name: Backup GmbH, role: processor, country: DE, sub_processors: [crm, cloud]}}
  - {{id: cloud, name: Cloud Inc., role: processor, country: US, certifications: [eu-us-dpf]}}
activities:
{}",
        activity("sales", "[backup]", ""),
    );
    let out = run(&manifest).stdout;
    assert!(out.contains("[PL022]"), "{out}");
    let unused: Vec<&str> = out.lines().filter(|l| l.contains("[PL028]")).collect();
    assert_eq!(unused.len(), 1, "{out}");
    assert!(
        unused[0].contains("`crm` declares a transfer to JP, but no data reach JP through it"),
        "{out}"
    );
}

/// Every entry of a large generated graph is judged: 300 processors that
/// each list the next 60 reach 18,000 references, and each declares a US
/// transfer that no US location uses.
#[test]
fn every_entry_of_a_dense_graph_is_judged() {
    let mut manifest = format!("{HEAD}processors:\n");
    for i in 0..300 {
        let subs: Vec<String> = (i + 1..(i + 61).min(300))
            .map(|j| format!("p{j}"))
            .collect();
        manifest.push_str(&format!(
            "  - {{id: p{i}, name: P, role: processor, country: DE, sub_processors: [{}], transfers: [{{country: US, mechanism: dpf}}]}}\n",
            subs.join(", ")
        ));
    }
    manifest.push_str(&format!("activities:\n{}", activity("a", "[p0]", "")));
    assert_eq!(pl028(&manifest).lines().count(), 300);
}

/// A party with `locations: []` ends no flow, but data reach it: its
/// entries are judged too, whatever the order of the lists that lead to
/// it.
#[test]
fn a_party_without_locations_is_judged() {
    for subs in ["[mid, other]", "[other, mid]"] {
        let manifest = format!(
            "{HEAD}processors:
  - {{id: hub, name: Hub GmbH, role: processor, country: IE, sub_processors: {subs}}}
  - {{id: other, name: Other GmbH, role: processor, country: IE, sub_processors: [store]}}
  - {{id: mid, name: Mid GmbH, role: processor, country: IE, locations: [], sub_processors: [store],
      transfers: [{{country: JP, mechanism: scc, scc_module: 3, tia: https://x.example/tia}}]}}
  - {{id: store, name: Store GmbH, role: processor, country: IE}}
  - {{id: lone, name: Lone GmbH, role: processor, country: IE, locations: [],
      transfers: [{{country: US, mechanism: dpf}}]}}
activities:
{}",
            activity("sales", "[hub, lone]", ""),
        );
        let out = pl028(&manifest);
        assert_eq!(out.lines().count(), 2, "{subs}: {out}");
        assert!(
            out.contains("`mid` declares a transfer to JP"),
            "{subs}: {out}"
        );
        assert!(
            out.contains("`lone` declares a transfer to US"),
            "{subs}: {out}"
        );
    }
}

/// The note on an independent controller's place is given only where the
/// data reach it.
#[test]
fn the_controller_note_only_where_data_reach_it() {
    let manifest = format!(
        "{HEAD}processors:
  - {{id: crm, name: CRM GmbH, role: processor, country: IE}}
  - {{id: psp, name: Pay Inc., role: controller, country: US, locations: [US, PH]}}
activities:
{}{}",
        activity(
            "sales",
            "[crm]",
            "    transfers: [{to: psp, country: US, mechanism: derogation-contract}]\n"
        ),
        activity(
            "payments",
            "[psp]",
            "    transfers: [{to: psp, country: PH, mechanism: derogation-contract}]\n"
        ),
    );
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("manifest.yaml");
    std::fs::write(&path, manifest).unwrap();
    let run = check_with(
        &["--isolated", "--select", "PL028"],
        &[path.to_str().unwrap()],
        "text",
    );
    let out = run.stdout;
    assert_eq!(out.matches("warning[PL028]").count(), 2, "{out}");
    assert_eq!(
        out.matches("is an independent controller").count(),
        1,
        "{out}"
    );
    let payments = &out[out.find("`payments` declares").expect("payments")..];
    assert!(
        payments.contains(
            "`psp` is an independent controller: your data reach it where it is established (US)"
        ),
        "{out}"
    );
}

/// 1,005 unused entries, the first 1,000 allowed by a comment: the other 5
/// are reported (a cap taken before suppressions hid them), and a baseline
/// records all 1,005.
#[test]
fn many_entries_are_not_capped_before_suppressions_or_the_baseline() {
    let mut manifest = format!("{HEAD}processors:\n");
    let mut recipients = Vec::new();
    for i in 0..1005 {
        let allow = if i < 1000 {
            "      # privlint: allow PL028 -- US region planned\n"
        } else {
            ""
        };
        manifest.push_str(&format!(
            "  - id: p{i}\n    name: P\n    role: processor\n    country: IE\n    transfers:\n{allow}      - {{country: US, mechanism: dpf}}\n"
        ));
        recipients.push(format!("p{i}"));
    }
    manifest.push_str(&format!(
        "activities:\n{}",
        activity("a", &format!("[{}]", recipients.join(", ")), "")
    ));
    let out = pl028(&manifest);
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(out.lines().all(|l| l.contains("`p100")), "{out}");

    let tmp = tempfile::tempdir().unwrap();
    let plain = manifest.replace("      # privlint: allow PL028 -- US region planned\n", "");
    std::fs::write(tmp.path().join("m.yaml"), plain).unwrap();
    let dir = tmp.path();
    let written = common::privlint_in(
        dir,
        &[
            "check",
            "--isolated",
            "--write-baseline",
            "b.json",
            "m.yaml",
        ],
    );
    assert!(
        written.stderr.contains("privlint: recorded"),
        "{}",
        written.stderr
    );
    let recorded = std::fs::read_to_string(dir.join("b.json")).unwrap();
    assert_eq!(recorded.matches("\"PL028\"").count(), 1005);
    let run = common::privlint_in(
        dir,
        &[
            "check",
            "--isolated",
            "--format",
            "concise",
            "--baseline",
            "b.json",
            "m.yaml",
        ],
    );
    assert!(!run.stdout.contains("[PL028]"), "{}", run.stdout);
}

/// Where a limit stopped part of the check (PL005), a suppression whose
/// finding is missing is not called unused: removing it would bring the
/// finding back once the limit is fixed.
#[test]
fn no_unused_suppression_when_a_limit_stopped_the_check() {
    let mut manifest = format!("{HEAD}processors:\n");
    for i in 0..40 {
        manifest.push_str(&format!(
            "  - {{id: c{i}, name: C, role: processor, country: IE, sub_processors: [c{}]}}\n",
            i + 1
        ));
    }
    manifest.push_str("  - {id: c40, name: C, role: processor, country: IE}\n");
    manifest.push_str(
        "  - id: a\n    name: A\n    role: processor\n    country: IE\n    transfers:\n      # privlint: allow GDPR130 -- planned\n      - {country: US, mechanism: dpf}\n",
    );
    manifest.push_str(&format!(
        "activities:\n{}{}",
        activity("chain", "[c0]", ""),
        activity("other", "[a]", "")
    ));
    let out = run(&manifest).stdout;
    assert!(out.contains("[PL005]"), "{out}");
    assert!(!out.contains("[PL042]"), "{out}");
}

/// A repeated entry (PL027) gets one PL028, on the first; a wrong
/// reference past an independent controller (never followed) does not
/// stop the check of the parties before it.
#[test]
fn repeats_and_references_past_a_controller() {
    let manifest = format!(
        "{HEAD}processors:
  - {{id: crm, name: CRM GmbH, role: processor, country: IE, sub_processors: [psp],
      transfers: [{{country: US, mechanism: dpf}}, {{country: US, mechanism: dpf}}]}}
  - {{id: psp, name: Pay Ltd, role: controller, country: IE, sub_processors: [nope]}}
activities:
{}",
        activity(
            "sales",
            "[crm]",
            "    transfers:
      - {to: crm, country: JP, mechanism: derogation-consent}
      - {to: crm, country: JP, mechanism: derogation-consent}
",
        ),
    );
    let out = run(&manifest).stdout;
    assert!(out.contains("[PL021]") && out.contains("[PL027]"), "{out}");
    let unused: Vec<&str> = out.lines().filter(|l| l.contains("[PL028]")).collect();
    assert_eq!(unused.len(), 2, "{out}");
    assert!(
        unused[0].contains("`crm` declares a transfer to US"),
        "{out}"
    );
    assert!(
        unused[1].contains("`sales` declares a transfer to `crm` in JP"),
        "{out}"
    );
}
