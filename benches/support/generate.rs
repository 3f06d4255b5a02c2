//! Generates realistic synthetic manifest sets for benchmarks and
//! determinism tests: an organisation, processors with sub-processor chains
//! and transfers, activities with recipients, tracking and retention, split
//! over many files — with some findings, as real manifests have.
#![allow(dead_code)]

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The shape of a generated set.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub activities: usize,
    pub processors: usize,
    pub files: usize,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            activities: 10_000,
            processors: 2_000,
            files: 500,
        }
    }
}

impl Shape {
    pub fn scaled(self, factor: f64) -> Shape {
        let s = |n: usize| ((n as f64 * factor).round() as usize).max(1);
        Shape {
            activities: s(self.activities),
            processors: s(self.processors).max(4),
            files: s(self.files).max(2),
        }
    }
}

/// xorshift64*: a deterministic stream, so every run benchmarks the same input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const EEA: &[&str] = &["DE", "IE", "NL", "FR", "AT", "SE", "FI", "ES", "IT", "PL"];
const ABROAD: &[&str] = &["US", "GB", "CH", "JP", "IN", "CA", "BR", "SG"];
const VENDORS: &[&str] = &[
    "Cloud Hosting",
    "Payments",
    "Mail Delivery",
    "Customer Support",
    "Analytics",
    "CRM",
    "Payroll",
    "Backup",
    "Monitoring",
    "Translation",
    "Survey",
    "Video Conferencing",
];
const CATEGORIES: &[&str] = &[
    "identity.name",
    "contact.email",
    "contact.phone",
    "contact.postal_address",
    "online.ip_address",
    "online.cookie_id",
    "usage.page_views",
    "financial.payment_card",
    "financial.invoice",
    "communication.content",
    "account.user_id",
    "employment.salary",
    "special.health",
];
const SUBJECTS: &[&str] = &[
    "customers",
    "prospects",
    "website-visitors",
    "employees",
    "newsletter-subscribers",
    "applicants",
];
const BASES: &[&str] = &[
    "contract",
    "consent",
    "legitimate-interests",
    "legal-obligation",
];

fn processor(rng: &mut Rng, i: usize, total: usize) -> String {
    let mut out = String::new();
    let abroad = rng.chance(35);
    let country = if abroad {
        rng.pick(ABROAD)
    } else {
        rng.pick(EEA)
    };
    let mut locations = vec![country];
    if rng.chance(30) {
        let other = if rng.chance(50) {
            rng.pick(ABROAD)
        } else {
            rng.pick(EEA)
        };
        if other != country {
            locations.push(other);
        }
    }
    let role = match rng.below(20) {
        0 => "joint-controller",
        1 => "controller",
        _ => "processor",
    };
    let kind = rng.pick(VENDORS);
    let _ = writeln!(out, "  - id: vendor-{i}");
    let _ = writeln!(out, "    name: {kind} Provider {i} Ltd.");
    let _ = writeln!(out, "    role: {role}");
    let _ = writeln!(out, "    country: {country}");
    let _ = writeln!(out, "    locations: [{}]", locations.join(", "));
    let _ = writeln!(
        out,
        "    description: >-\n      {kind} services for the product, operated from {}; data are\n      encrypted in transit and at rest, access is logged and reviewed quarterly.",
        locations.join(" and ")
    );
    if !rng.chance(4) {
        let kind = if role == "joint-controller" {
            "joint-controller-arrangement"
        } else {
            "dpa"
        };
        let _ = writeln!(
            out,
            "    agreement: {{type: {kind}, ref: \"https://vendor-{i}.example.com/legal/dpa\", signed: \"2024-0{}-1{}\"}}",
            1 + rng.below(9),
            rng.below(9)
        );
    }
    let us = locations.contains(&"US");
    if us && rng.chance(70) {
        let _ = writeln!(
            out,
            "    certifications: [eu-us-dpf, swiss-us-dpf, iso-27001]"
        );
    } else if rng.chance(40) {
        let _ = writeln!(out, "    certifications: [iso-27001]");
    }
    if i + 1 < total && rng.chance(30) {
        let depth = 1 + rng.below(3);
        let subs: Vec<String> = (1..=depth)
            .map(|d| format!("vendor-{}", (i + d * 7) % total))
            .filter(|s| *s != format!("vendor-{i}"))
            .collect();
        if !subs.is_empty() {
            let _ = writeln!(out, "    sub_processors: [{}]", subs.join(", "));
        }
    }
    let abroad_locations: Vec<&&str> = locations.iter().filter(|c| ABROAD.contains(c)).collect();
    if !abroad_locations.is_empty() && !rng.chance(10) {
        let _ = writeln!(out, "    transfers:");
        for c in abroad_locations {
            let mechanism = match rng.below(30) {
                0 => "privacy-shield",
                1 => "derogation-consent",
                2..=12 if *c == "US" => "dpf",
                _ => "scc",
            };
            let _ = writeln!(out, "      - country: {c}");
            let _ = writeln!(out, "        mechanism: {mechanism}");
            if mechanism == "scc" {
                let _ = writeln!(out, "        scc_module: 2\n        swiss_addendum: true");
                if !rng.chance(15) {
                    let _ = writeln!(
                        out,
                        "        tia: \"https://intranet.example.com/tia/vendor-{i}-{c}\""
                    );
                }
            }
        }
    }
    out
}

fn activity(rng: &mut Rng, i: usize, processors: usize) -> String {
    let mut out = String::new();
    let basis = rng.pick(BASES);
    let _ = writeln!(out, "  - id: activity-{i}");
    let _ = writeln!(out, "    name: Processing activity {i}");
    let _ = writeln!(
        out,
        "    purpose: Provide feature {i} of the service to customers and keep its records"
    );
    // Real records of processing carry prose; it is most of a manifest's bytes.
    let _ = writeln!(
        out,
        "    description: >-\n      Team {} runs feature {i} for paying customers and trial users. Data are\n      collected in the web application and the mobile apps, stored in the primary\n      database cluster, replicated to the backup region, and deleted or\n      anonymised when the retention period ends. Access is limited to the\n      on-call engineers of the team and to support staff handling tickets\n      about the feature; every access is logged and reviewed quarterly.",
        i % 40
    );
    let subjects: Vec<&str> = (0..1 + rng.below(2))
        .map(|_| rng.pick(SUBJECTS))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let _ = writeln!(out, "    data_subjects: [{}]", subjects.join(", "));
    let categories: Vec<&str> = (0..2 + rng.below(3))
        .map(|_| rng.pick(CATEGORIES))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let _ = writeln!(out, "    data_categories: [{}]", categories.join(", "));
    let special = categories.contains(&"special.health");
    if rng.chance(3) {
        // no legal basis: a finding
    } else if basis == "legitimate-interests" || special {
        let _ = writeln!(out, "    legal_basis:");
        let _ = writeln!(
            out,
            "      basis: {}",
            if special { "contract" } else { basis }
        );
        if !special {
            let _ = writeln!(
                out,
                "      interest: Keep feature {i} secure and improve it"
            );
            let _ = writeln!(
                out,
                "      assessment: \"https://intranet.example.com/lia/activity-{i}\""
            );
        } else {
            let _ = writeln!(
                out,
                "      special: {}",
                if rng.chance(90) {
                    "health-care"
                } else {
                    "explicit-consent"
                }
            );
        }
    } else {
        let _ = writeln!(out, "    legal_basis: {basis}");
        if basis == "consent" {
            let _ = writeln!(
                out,
                "    consent: {{mechanism: cookie-banner, withdrawal: banner-settings}}"
            );
        }
    }
    let recipients: Vec<String> = (0..1 + rng.below(3))
        .map(|_| format!("vendor-{}", rng.below(processors)))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let _ = writeln!(out, "    recipients: [{}]", recipients.join(", "));
    match rng.below(20) {
        0 => {}
        1 => {
            let _ = writeln!(out, "    retention: {{until: withdrawal of consent}}");
        }
        2..=5 => {
            let _ = writeln!(
                out,
                "    retention: {{period: P8Y, from: end of the calendar year, reason: \"§147 AO\"}}"
            );
        }
        _ => {
            let _ = writeln!(out, "    retention: P{}Y", 1 + rng.below(10));
        }
    }
    if rng.chance(10) {
        let purpose = rng.pick(&["strictly-necessary", "analytics", "marketing", "functional"]);
        let _ = writeln!(
            out,
            "    tracking:\n      - {{technology: cookie, purpose: {purpose}, name: _f{i}, duration: P13M}}"
        );
    }
    out
}

/// Writes the set into `dir`, returning its files in creation order.
pub fn generate(dir: &Path, shape: Shape, seed: u64) -> Vec<PathBuf> {
    let mut rng = Rng(seed.max(1));
    let mut written = Vec::new();
    let mut write = |name: String, text: String| {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        written.push(path);
    };
    write(
        "organization.yaml".into(),
        "# yaml-language-server: $schema=../schemas/manifest.schema.json\nversion: 1\norganization:\n  name: Synthetic Services GmbH\n  country: DE\n  contact: privacy@synthetic.example\n  employees: 1200\n  markets: [DE, AT, CH, FR, NL]\n  dpo: {name: Dana Schmidt, contact: dpo@synthetic.example}\n".into(),
    );
    let processor_files = (shape.files / 5).max(1);
    let activity_files = shape.files.saturating_sub(processor_files + 1).max(1);
    for f in 0..processor_files {
        let mut text = String::from("version: 1\nprocessors:\n");
        for i in (f..shape.processors).step_by(processor_files) {
            text.push_str(&processor(&mut rng, i, shape.processors));
        }
        write(format!("processors/vendors-{f:04}.yaml"), text);
    }
    for f in 0..activity_files {
        let mut text = String::from("version: 1\nactivities:\n");
        for i in (f..shape.activities).step_by(activity_files) {
            text.push_str(&activity(&mut rng, i, shape.processors));
        }
        write(
            format!("activities/team-{:03}/activities-{f:04}.yaml", f % 40),
            text,
        );
    }
    written
}

/// Total bytes of the files.
pub fn size(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum()
}
