//! privlint's own diagnostics (`PL0xx`): problems with the manifest as a
//! file set — encoding, YAML, schema, references — before any law is
//! applied. Legal rules live in the rule packs under `rules/`.

use super::Severity;

/// A built-in diagnostic kind.
#[derive(Debug)]
pub struct BuiltinCode {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub docs: &'static str,
}

/// Codes that mean a file was not read, or not wholly: no selector,
/// severity, per-path ignore, suppression or baseline entry turns them into
/// a pass, since the file (or the rest of the set after it) was never
/// checked. `--ignore PL0` would otherwise pass a file that does not parse,
/// and `--ignore PL003` one whose tagged values held every rule.
pub const ALWAYS_REPORTED: &[&BuiltinCode] = &[
    INVALID_ENCODING,
    YAML_SYNTAX,
    UNSUPPORTED_YAML,
    LIMIT_EXCEEDED,
];

/// Whether a finding's code is one of [`ALWAYS_REPORTED`].
pub fn always_reported(code: &str) -> bool {
    ALWAYS_REPORTED.iter().any(|c| c.code == code)
}

/// The note on an always-reported finding that a selector named.
pub fn not_ignorable_note(code: &BuiltinCode) -> String {
    format!(
        "`{}` ({}) cannot be ignored or downgraded: privlint did not check what it could not read",
        code.code, code.name
    )
}

macro_rules! codes {
    ($($ident:ident = $code:literal, $name:literal, $sev:ident, $summary:literal, $docs:literal;)*) => {
        $(pub const $ident: &BuiltinCode = &BuiltinCode {
            code: $code, name: $name, severity: Severity::$sev, summary: $summary, docs: $docs,
        };)*
        /// Every built-in code, in code order.
        pub const ALL: &[&BuiltinCode] = &[$($ident),*];
    };
}

codes! {
    INVALID_ENCODING = "PL001", "invalid-encoding", Error,
        "the file is not UTF-8 text",
        "## What it does\nReports a manifest file that is not UTF-8 text: a binary file named `.yaml`, or text in another encoding (Latin-1, UTF-16).\n\n## Why is this bad?\nYAML 1.2 files are Unicode text; privlint cannot read names such as `Zürich` from bytes in an unknown encoding.\n\n## Fix\nSave the file as UTF-8 (a byte-order mark is accepted), or move binary files out of the manifest roots.";
    YAML_SYNTAX = "PL002", "yaml-syntax", Error,
        "the file is not valid YAML",
        "## What it does\nReports YAML syntax errors: unclosed brackets or quotes, tabs used for indentation, a key indented unlike the keys above it, text of a value not indented under its key, a line of a mapping without its `:` or without the space after it, a `: ` inside a value without quotes, a merge conflict left in the file, a no-break space where YAML needs a plain one, control characters that YAML text may not hold (YAML 1.2.2 §5.1). Where the text shows the slip behind the parser's error, the message names it, on the line where it is.\n\n## Why is this bad?\nA file that does not parse cannot be checked. Until it does, privlint checks only what does not depend on it (each file's format, duplicate ids): references between files, the organisation and the rules wait, rather than report every reference to its processors as unknown.\n\n## Example\n```yaml\nprocessors:\n  - id: stripe\n\tname: Stripe   # tab: YAML indents with spaces only\n```\n\n## Fix\nIndent with spaces, close every bracket and quote, quote values that hold `: ` or ` #`. The label points where the parser gave up; the mistake is often just before it.";
    UNSUPPORTED_YAML = "PL003", "unsupported-yaml", Error,
        "the file uses a YAML feature privlint does not accept",
        "## What it does\nReports YAML features that manifests must not use: tags (`!include`, `!!python/object`), several documents in one file (`---`), complex mapping keys, merge keys (`<<`), and an alias inside the value it names (a structure that contains itself). The tags of the YAML 1.2 core schema (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`) are read as YAML defines them; a value that does not match its tag (`!!int abc`) is reported here.\n\n## Why is this bad?\nTags are never interpreted: a manifest is plain data, and a tag would make its meaning depend on the tool reading it. One document per file keeps every line's meaning clear.\n\n## Fix\nRemove the tag, split documents into separate files, and write keys as plain strings.";
    DUPLICATE_KEY = "PL004", "duplicate-key", Error,
        "a mapping has the same key twice",
        "## What it does\nReports a key that appears twice in the same mapping.\n\n## Why is this bad?\nYAML forbids duplicate keys, and parsers disagree on which value wins: one reader of the manifest would see a different processor location than another.\n\n## Example\n```yaml\n- id: aws\n  locations: [DE]\n  locations: [US]\n```\n\n## Fix\nKeep one of the two keys (merge the lists if both were meant).";
    LIMIT_EXCEEDED = "PL005", "limit-exceeded", Error,
        "the file exceeds one of privlint's limits",
        "## What it does\nReports a file larger than `--max-file-size`, nested deeper than `--max-depth`, or whose aliases expand to more nodes than `--max-alias-nodes` allows; and, when a walk finds more YAML files than `--max-files`, the first file left unchecked (directories are walked in name order).\n\n## Why is this bad?\nThese limits keep privlint fast and its memory bounded on hostile input (an alias bomb expands a few lines into billions of nodes). Real manifests stay far below them.\n\n## Fix\nSplit large files, flatten deep nesting, and avoid aliases that repeat large subtrees. If a real manifest needs more, raise the limit on the command line.";
    NOT_A_MANIFEST = "PL006", "not-a-manifest", Error,
        "a file named on the command line is not a manifest",
        "## What it does\nReports a file given explicitly on the command line that has no top-level `version` key (an empty file, a list, another tool's YAML).\n\n## Why is this bad?\nWhen privlint walks a directory it skips YAML files that are not manifests, but a file you name is one you expect to be checked.\n\n## Fix\nStart the file with `version: 1`, or do not name it.";
    UNSUPPORTED_VERSION = "PL007", "unsupported-version", Error,
        "the manifest declares a format version privlint does not know",
        "## What it does\nReports a `version` other than `1`.\n\n## Fix\nUse `version: 1`, the format this privlint reads.";
    UNKNOWN_FIELD = "PL010", "unknown-field", Error,
        "a key is not part of the manifest format",
        "## What it does\nReports keys the manifest format does not define, with the closest known key when there is one.\n\n## Why is this bad?\nA misspelt key (`locatons`) is silently ignored by looser tools, so a processor's US location would never be checked.\n\n## Example\n```yaml\n- id: stripe\n  locatons: [IE, US]\n```\n\n## Use instead\n```yaml\n- id: stripe\n  locations: [IE, US]\n```";
    INVALID_TYPE = "PL011", "invalid-type", Error,
        "a value has the wrong type",
        "## What it does\nReports values of the wrong kind: text where a number is expected, a single value where a list is expected.\n\n## Example\n```yaml\nemployees: forty\nlocations: US\n```\n\n## Use instead\n```yaml\nemployees: 40\nlocations: [US]\n```";
    INVALID_VALUE = "PL012", "invalid-value", Error,
        "a value is not one the format allows",
        "## What it does\nReports values outside a field's vocabulary (`role: vendor`), malformed ids, dates, country codes and durations.\n\n## Fix\nUse one of the values listed in the message; `privlint schema` prints the full format, and an editor with the schema modeline completes them.";
    MISSING_FIELD = "PL013", "missing-field", Error,
        "a required key is missing",
        "## What it does\nReports a required key that is absent (every processor needs `id`, `name`, `role` and `country`).\n\n## Fix\nAdd the key the message names.";
    DUPLICATE_ID = "PL020", "duplicate-id", Error,
        "two entities share an id",
        "## What it does\nReports an `id` used twice in the manifest set, pointing at both places, possibly in different files.\n\n## Why is this bad?\nReferences must name exactly one entity; with two, privlint (and a reader) cannot tell which processor an activity sends data to.\n\n## Fix\nRename one of them, or merge the two declarations.";
    UNKNOWN_REFERENCE = "PL021", "unknown-reference", Error,
        "a reference names an id that does not exist",
        "## What it does\nReports a recipient, sub-processor, data category, data subject or transfer target that names no declared entity, with the closest id when there is one.\n\n## Example\n```yaml\nrecipients: [mailgunn]\n```\n\n## Use instead\n```yaml\nrecipients: [mailgun]\n```";
    SUB_PROCESSOR_CYCLE = "PL022", "sub-processor-cycle", Error,
        "sub-processors form a cycle",
        "## What it does\nReports a chain of `sub_processors` that comes back to where it started (`a` → `b` → `a`), showing every step.\n\n## Why is this bad?\nA processor cannot be its own sub-processor; the cycle is almost always a reference in the wrong direction, and it hides which party really processes the data.\n\n## Fix\nRemove the reference that points back up the chain.";
    UNKNOWN_COUNTRY = "PL023", "unknown-country", Error,
        "a country code is not an ISO 3166-1 alpha-2 code",
        "## What it does\nReports country codes that ISO 3166-1 does not assign, with the right code for common mistakes (`UK` is `GB`, `EL` is `GR`).\n\n## Why is this bad?\nTransfer checks look countries up in the adequacy lists by their ISO code; an unknown code would never match.\n\n## Use instead\n```yaml\nlocations: [GB]\n```";
    MISSING_ORGANIZATION = "PL024", "missing-organization", Error,
        "the manifest set has no `organization`",
        "## What it does\nReports a manifest set in which no file declares `organization`.\n\n## Why is this bad?\nWhich law applies depends on where the organisation is established and whom it targets.\n\n## Fix\nAdd an `organization:` section with at least `name` and `country` to one file.";
    DUPLICATE_ORGANIZATION = "PL025", "duplicate-organization", Error,
        "`organization` is declared more than once",
        "## What it does\nReports a second `organization` section in the manifest set.\n\n## Fix\nKeep one `organization` section; a manifest set describes one controller.";
    TAXONOMY_CYCLE = "PL026", "taxonomy-cycle", Error,
        "user-defined categories or subjects form a `parent` cycle",
        "## What it does\nReports `parent` links among user-defined data categories or data subjects that come back to where they started.\n\n## Fix\nPoint `parent` at a built-in entry or at an entry higher up.";
    DUPLICATE_TRANSFER = "PL027", "duplicate-transfer", Error,
        "a country has two transfer entries where one safeguard is read",
        "## What it does\nReports a second `transfers` entry for the same country on one processor, or for the same country and `to` on one activity, pointing at both.\n\n## Why is this bad?\nOne safeguard covers a transfer: with two entries, which one applies depends on their order, and a stale one (`privacy-shield` after an update to `scc`) would be read or hidden by where it sits in the list.\n\n## Example\n```yaml\ntransfers:\n  - {country: US, mechanism: scc, scc_module: 2, tia: docs/tia.md}\n  - {country: US, mechanism: privacy-shield}\n```\n\n## Use instead\n```yaml\ntransfers:\n  - {country: US, mechanism: scc, scc_module: 2, tia: docs/tia.md}\n```";
    UNUSED_TRANSFER = "PL028", "unused-transfer", Warning,
        "a `transfers` entry covers no data flow",
        "## What it does\nReports a `transfers` entry that no data can use: on a processor, a country where neither it nor any sub-processor after it (along any chain) receives data; on an activity, a `to` party that does not receive the activity's data in that country (not among its recipients or their sub-processors, or not located there).\n\nNot checked: independent controllers (`role: controller`, whose onward transfers are their own), processors that no activity sends data to, entries behind an unknown reference (PL021) or country code (PL023), and activity entries in sets whose flows were not all inferred (PL005).\n\n## Why is this bad?\nThe safeguard protects nothing, and the manifest says something it does not do: often the `locations` list is missing the country the contract was signed for (the transfer checks then never see it), or the entry sits on the wrong party.\n\n## Example\n```yaml\n- id: helpdesk\n  name: Zendesk, Inc.\n  role: processor\n  country: US\n  locations: [US]\n  transfers:\n    - {country: US, mechanism: dpf}\n    - {country: IN, mechanism: scc, scc_module: 3, tia: docs/tia/zendesk-in.md}\n```\n\n## Fix\nAdd the country to the `locations` of the party that processes data there (`locations: [US, IN]`), move the entry to that party, or remove it.";
    INVALID_RULE_PACK = "PL030", "invalid-rule-pack", Error,
        "a rule pack does not load",
        "## What it does\nReports a rule pack (built in, or named with `--rules`) that does not parse, does not match `schemas/rule-pack.schema.json`, is empty, has a CEL expression that does not compile or names an unknown variable, field or function, a message template or label (`at`) naming an unknown field, an unknown `for_each` or `regulation`, a pack id loaded twice, or a code or name used twice.\n\n## Why is this bad?\nA rule that cannot load would silently check nothing. privlint stops with exit code 2 and points at the problem in the pack file.\n\n## Fix\nFollow the message; `docs/rule-packs.md` documents the format and every variable and field a rule can use.";
    INVALID_CONFIG = "PL031", "invalid-config", Error,
        "the configuration file is not valid",
        "## What it does\nReports a `privlint.yaml` (or the file named with `--config`) that does not parse or does not match `schemas/config.schema.json`: an unknown key, a wrong type, an unknown severity, a rule selector that names no rule, a pattern that is not a glob.\n\n## Why is this bad?\nA misspelt setting would silently do nothing: `ignroe: [GDPR107]` ignores nothing. privlint stops with exit code 2 and points at the problems, all kinds in one run.\n\n## Fix\nFollow the message; `privlint schema config` prints the format.";
    RULE_STOPPED = "PL032", "rule-stopped", Error,
        "a rule took more steps than its budget allows",
        "## What it does\nReports a rule that was stopped because it took more than `--max-rule-steps` steps (default 5,000,000) on the manifest set, summed over every entity it ran on. A step is an item of a list that a comprehension (`exists`, `all`, `map`, `filter`, `exists_one`), `in`, `==`, `!=` or `+` goes through; a comprehension counts its whole list when it starts. The finding points at the rule's `code` in its pack; the rule's own findings are left out, every other rule's are reported.\n\n## Why is this bad?\nLists gone through inside one another multiply: a rule comparing every processor with every other is 25 million steps on 5,000 processors and 10 billion on 100,000, which would run for hours. privlint stops it rather than hang a pre-commit hook or a CI job.\n\n## Example\n```yaml\nrequire: \"processors.all(a, processors.all(b, a.id == b.id || a.name != b.name))\"\n```\n\n## Use instead\nCheck each entity on its own (`for_each: processor`) where the rule allows it, or raise the budget for a set you know is large: `--max-rule-steps 100000000` (`limits.max_rule_steps` in `privlint.yaml`).";
    INVALID_SUPPRESSION = "PL040", "invalid-suppression", Error,
        "a `# privlint:` comment is malformed",
        "## What it does\nReports a `# privlint: allow` comment without a reason, without a rule, with an unknown rule or directive, or with a malformed `until` date. A malformed suppression suppresses nothing.\n\n## Why is this bad?\nAccepting a compliance risk is a decision someone must be able to read later: the reason is part of the syntax.\n\n## Example\n```yaml\n# privlint: allow GDPR130\n- {country: US, mechanism: scc}\n```\n\n## Use instead\n```yaml\n# privlint: allow GDPR130 — migration to the EU region ends 2027-03\n- {country: US, mechanism: scc}\n```";
    EXPIRED_SUPPRESSION = "PL041", "expired-suppression", Warning,
        "a suppression's `until` date has passed",
        "## What it does\nReports a `# privlint: allow … until DATE` comment whose date is before the evaluation date (`--as-of`, default today). It no longer suppresses anything, so the finding it covered is reported again too.\n\n## Fix\nFix the finding, or renew the suppression with a new date and reason.";
    UNUSED_SUPPRESSION = "PL042", "unused-suppression", Warning,
        "a suppression matches no finding",
        "## What it does\nReports a rule named in a `# privlint: allow` comment that suppressed no finding on its line (the comment's own line, or the next line for a comment on a line of its own).\n\n## Why is this bad?\nStale suppressions rot: they hide the next real finding on that line and mislead readers about accepted risks.\n\n## Fix\nRemove the suppression, or move it to the line of the finding.";
}

/// The codes that mean the manifest set is not valid input (bytes, YAML,
/// format, references), or could not be checked in full (a rule stopped
/// at its budget): privlint could not check it as asked, so an error of
/// one of these exits 2, like an unreadable path, and not 1 like a legal
/// finding. Suppression comments and rule packs are not here: a malformed
/// comment leaves the manifest checkable, and a bad pack stops the run
/// before any manifest is read.
pub const INVALID_INPUT: &[&BuiltinCode] = &[
    INVALID_ENCODING,
    YAML_SYNTAX,
    UNSUPPORTED_YAML,
    DUPLICATE_KEY,
    LIMIT_EXCEEDED,
    NOT_A_MANIFEST,
    UNSUPPORTED_VERSION,
    UNKNOWN_FIELD,
    INVALID_TYPE,
    INVALID_VALUE,
    MISSING_FIELD,
    DUPLICATE_ID,
    UNKNOWN_REFERENCE,
    SUB_PROCESSOR_CYCLE,
    UNKNOWN_COUNTRY,
    MISSING_ORGANIZATION,
    DUPLICATE_ORGANIZATION,
    TAXONOMY_CYCLE,
    DUPLICATE_TRANSFER,
    RULE_STOPPED,
];

/// Whether `code` is one of [`INVALID_INPUT`].
pub fn is_invalid_input(code: &str) -> bool {
    INVALID_INPUT.iter().any(|c| c.code == code)
}

/// The built-in code with this code or name (case-insensitive).
pub fn find(code_or_name: &str) -> Option<&'static BuiltinCode> {
    ALL.iter()
        .copied()
        .find(|c| c.code.eq_ignore_ascii_case(code_or_name) || c.name == code_or_name)
}

impl BuiltinCode {
    /// A finding of this kind at `span`.
    pub fn at(
        &'static self,
        span: crate::source::Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> super::Finding {
        super::Finding::new(
            self.code,
            self.name,
            self.severity,
            message,
            super::Label::new(span, label),
        )
    }
}

/// The long explanation `privlint explain` prints, also kept as
/// `docs/rules/<CODE>.md` (the page diagnostics link to).
pub fn explain(code: &BuiltinCode) -> String {
    let exit = if code.code == RULE_STOPPED.code {
        "\n\nThe check is incomplete while an error of this code remains: privlint still reports every other finding, and exits with code 2 (could not check), not 1.\n"
    } else if is_invalid_input(code.code) {
        "\n\nThe manifest set is not valid input while an error of this code remains: privlint still reports every finding, and exits with code 2 (could not check), not 1.\n"
    } else {
        "\n"
    };
    format!(
        "# {} {}\n\n{} (default severity: {}; built-in)\n\n{}{exit}",
        code.code,
        code.name,
        code.summary,
        code.severity.as_str(),
        code.docs
    )
}
