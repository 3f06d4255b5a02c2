//! `privlint init`: a commented starter manifest and configuration that
//! pass `privlint check`, with the editor modeline.

const SCHEMA_URL: &str = "https://raw.githubusercontent.com/privlint/privlint/main/schemas";

/// (path relative to the target directory, contents).
pub fn files() -> Vec<(&'static str, String)> {
    vec![
        ("privlint.yaml", CONFIG.replace("{SCHEMA}", SCHEMA_URL)),
        (
            "privacy/manifest.yaml",
            MANIFEST.replace("{SCHEMA}", SCHEMA_URL),
        ),
    ]
}

const CONFIG: &str = r#"# yaml-language-server: $schema={SCHEMA}/config.schema.json
# privlint's configuration: found in this directory or any parent.
# Command-line options override it. Paths are relative to this file.

# Where the manifests are (used when no path is given to `privlint check`).
roots: [privacy]

# Extra rule packs with your own policies (see docs/rule-packs.md).
# rules: [policies/data-policy.yaml]

# Rules to run or skip: codes (GDPR130), names or prefixes (GDPR, NDSG2).
# select: [ALL]
# ignore: [GDPR107]

# Severity overrides.
# severity:
#   GDPR134: error

# Rules to skip in some files only.
# per_path_ignores:
#   "privacy/legacy/**": [GDPR170]

# The lowest severity that fails the build (default: error).
fail_on: error
"#;

const MANIFEST: &str = r#"# yaml-language-server: $schema={SCHEMA}/manifest.schema.json
# A privacy manifest: who you are, who receives personal data, where, and
# why. Split it over several files as it grows (organization.yaml,
# processors.yaml, activities/*.yaml): privlint reads the whole directory.
# Every key is documented in docs/manifest-reference.md;
# `privlint taxonomy` lists the data categories and subjects.
version: 1

organization:
  name: Example GmbH              # legal name of the controller
  country: DE                     # ISO 3166-1 code of the main establishment
  contact: privacy@example.com
  markets: [DE, AT]               # where the people whose data you process are

processors:                       # every outside party that receives data
  - id: hosting
    name: Example Hosting GmbH
    role: processor               # processor | joint-controller | controller
    country: DE
    locations: [DE]               # where it processes or can access the data
    agreement:                    # the GDPR Art. 28 contract
      type: dpa
      ref: https://example.com/legal/dpa   # a URL, or a path in this repository
      signed: 2025-01-15

activities:                       # your records of processing (GDPR Art. 30)
  - id: customer-accounts
    name: Customer accounts
    purpose: Provide and bill the service customers subscribed to
    data_subjects: [customers]
    data_categories: [identity.name, contact.email]
    legal_basis: contract         # GDPR Art. 6(1)(b)
    recipients: [hosting]
    retention: P3Y                # ISO 8601: three years after the contract ends
"#;
