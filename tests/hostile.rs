//! Bad input gets a located diagnostic and exit code 2, never a panic:
//! each case runs the built binary on a file made for it.

mod common;

use common::privlint_in;
use std::path::Path;

const ORG: &str = "version: 1\norganization:\n  name: Beispiel GmbH\n  country: DE\n";

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn concise(dir: &Path, args: &[&str]) -> common::Run {
    let mut all = vec!["check", "--format", "concise", "--as-of", "2026-11-21"];
    all.extend_from_slice(args);
    let run = privlint_in(dir, &all);
    assert!(
        !run.stderr.contains("panicked"),
        "privlint panicked: {}",
        run.stderr
    );
    run
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check", "--format", "json", "--as-of", "2026-11-21"];
    all.extend_from_slice(args);
    let run = privlint_in(dir, &all);
    serde_json::from_str(&run.stdout).expect("json output parses")
}

#[test]
fn malformed_yaml_is_located_with_the_unclosed_bracket() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        format!("{ORG}  markets: [DE, AT\nprocessors: []\n"),
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.starts_with("m.yaml:6:11: error[PL002]"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_tab_used_for_indentation_is_pointed_at() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.yaml",
        format!("{ORG}processors:\n  - id: a\n\tname: A\n"),
    );
    let run = concise(dir.path(), &["t.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.starts_with("t.yaml:7:1: error[PL002]"),
        "{}",
        run.stdout
    );
}

#[test]
fn wrong_types_unknown_keys_and_duplicate_keys_are_located() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        "version: 1\norganization:\n  name: A\n  country: DE\n  employees: forty\n  countyr: DE\n  name: B\n",
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("m.yaml:5:14: error[PL011]"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("m.yaml:6:3: error[PL010] `countyr` is not a field of `organization`; did you mean `country`?"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("m.yaml:7:3: error[PL004] duplicate key `name`"),
        "{}",
        run.stdout
    );
}

/// An unknown country code is the cause; a rule reading it as a place
/// outside the EEA (GDPR140, GDPR141) would report its consequence.
#[test]
fn an_unknown_country_code_is_reported_alone() {
    for org in [
        "{name: X, country: XX, contact: a@b.c, markets: [DE]}",
        "{name: X, country: US, contact: a@b.c, markets: [DE], representatives: {eu: {name: R, country: ZZ, contact: r@x}}}",
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "m.yaml",
            format!("version: 1\norganization: {org}\n"),
        );
        let run = concise(dir.path(), &["."]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert!(run.stdout.contains("[PL023]"), "{}", run.stdout);
        assert!(!run.stdout.contains("[GDPR"), "{}", run.stdout);
    }
}

#[test]
fn unknown_ids_and_duplicate_ids_across_files_point_at_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let processor =
        "processors:\n  - id: aws\n    name: AWS\n    role: processor\n    country: LU\n";
    write(dir.path(), "a.yaml", format!("{ORG}{processor}"));
    write(
        dir.path(),
        "b.yaml",
        format!(
            "version: 1\n{processor}activities:\n  - id: x\n    name: X\n    recipients: [awss]\n"
        ),
    );
    let out = json(dir.path(), &["."]);
    let diags = out["diagnostics"].as_array().unwrap();
    let dup = diags
        .iter()
        .find(|d| d["code"] == "PL020")
        .expect("duplicate id reported");
    assert_eq!(dup["file"], "b.yaml");
    assert_eq!(
        dup["range"]["start"],
        serde_json::json!({"line": 2, "character": 8})
    );
    let related = &dup["relatedInformation"][0]["location"];
    assert!(related["uri"].as_str().unwrap().ends_with("/a.yaml"));
    assert_eq!(
        related["range"]["start"],
        serde_json::json!({"line": 5, "character": 8})
    );
    let unknown = diags
        .iter()
        .find(|d| d["code"] == "PL021")
        .expect("unknown id reported");
    assert_eq!(
        unknown["message"],
        "unknown recipient `awss`; did you mean `aws`?"
    );
}

#[test]
fn a_repeated_entity_is_reported_once_and_checked_once() {
    let dir = tempfile::tempdir().unwrap();
    // An activity without retention, pasted 3,000 times: one GDPR150 for
    // the first declaration, and the copies are duplicate ids.
    let activity = "  - {id: signup, name: Sign-up, purpose: Accounts, data_subjects: [customers], data_categories: [contact], legal_basis: contract}\n";
    write(
        dir.path(),
        "m.yaml",
        format!("{ORG}activities:\n{}", activity.repeat(3_000)),
    );
    let out = json(dir.path(), &["."]);
    let diags = out["diagnostics"].as_array().unwrap();
    let count = |code: &str| diags.iter().filter(|d| d["code"] == code).count();
    assert_eq!(count("GDPR150"), 1, "{diags:#?}");
    assert_eq!(
        diags.iter().find(|d| d["code"] == "GDPR150").unwrap()["location"]["line"],
        6
    );
    // 2,999 copies: 1,000 shown, the last says how many more.
    assert_eq!(count("PL020"), 1_000);
    let last = diags.iter().rfind(|d| d["code"] == "PL020").unwrap();
    assert_eq!(
        last["notes"][1],
        "1999 more problems like this in this file are not shown; fix these first"
    );
}

#[test]
fn a_location_listed_many_times_is_one_place() {
    let dir = tempfile::tempdir().unwrap();
    let locations = vec!["US"; 20_000].join(", ");
    write(
        dir.path(),
        "m.yaml",
        format!(
            "{ORG}processors:\n  - {{id: p, name: P, role: processor, country: US, locations: [{locations}]}}\nactivities:\n  - {{id: a, name: A, purpose: P, legal_basis: contract, data_subjects: [customers], data_categories: [contact], retention: P1Y, recipients: [p]}}\n"
        ),
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let count = |code: &str| run.stdout.matches(code).count();
    // The repeat is a format error, once; the place gets one flow.
    assert_eq!(count("PL012"), 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("`locations` lists `US` twice"),
        "{}",
        run.stdout
    );
    assert_eq!(count("GDPR130"), 1, "{}", run.stdout);
}

#[test]
fn an_alias_bomb_stops_at_the_expansion_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = format!("{ORG}a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    write(dir.path(), "bomb.yaml", bomb);
    let run = concise(dir.path(), &["bomb.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .contains("error[PL005] aliases in this file expand to more than 10000 nodes"),
        "{}",
        run.stdout
    );
}

#[test]
fn aliases_of_a_long_text_count_its_length() {
    let dir = tempfile::tempdir().unwrap();
    // An alias of 1 MB of text: one node, but 1 MB copied.
    let text = "x".repeat(1 << 20);
    let file = format!(
        "{ORG}processors:\n  - id: p\n    name: &n {text}\n    description: *n\n    role: *n\n"
    );
    write(dir.path(), "long.yaml", file);
    let run = concise(dir.path(), &["long.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains(
            "long.yaml:8:18: error[PL005] aliases in this file expand to more than 10000 nodes"
        ),
        "{}",
        run.stdout
    );
    // A short text repeated a few times is fine.
    let file = format!(
        "{ORG}processors:\n  - id: p\n    name: &n Stripe\n    description: *n\n    role: processor\n    country: IE\n"
    );
    write(dir.path(), "short.yaml", file);
    assert!(
        !concise(dir.path(), &["short.yaml"])
            .stdout
            .contains("PL005")
    );
}

#[test]
fn deep_flow_nesting_is_a_limit_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 100_000;
    write(
        dir.path(),
        "deep.yaml",
        format!("{ORG}x: {}{}\n", "[".repeat(depth), "]".repeat(depth)),
    );
    let run = concise(dir.path(), &["deep.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("deep.yaml:5:") && run.stdout.contains("[PL005]"),
        "{}",
        run.stdout
    );
}

#[test]
fn deep_block_nesting_is_a_limit_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deep.yaml",
        format!("{ORG}x:\n  {}a\n", "- ".repeat(20_000)),
    );
    let run = concise(dir.path(), &["deep.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("deep.yaml:6:")
            && run
                .stdout
                .contains("error[PL005] nesting is deeper than 64 levels"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_depth_limit_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        format!("{ORG}  description:\n    - - - x\n"),
    );
    let run = concise(dir.path(), &["--max-depth", "3", "m.yaml"]);
    assert!(
        run.stdout.contains("nesting is deeper than 3 levels"),
        "{}",
        run.stdout
    );
}

#[test]
fn invalid_utf8_is_located_at_the_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "latin1.yaml",
        b"version: 1\norganization:\n  name: M\xfcller AG\n",
    );
    let run = concise(dir.path(), &["latin1.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .starts_with("latin1.yaml:3:10: error[PL001] file is not valid UTF-8"),
        "{}",
        run.stdout
    );
}

/// Another tool's YAML in a legacy encoding (a Latin-1 comment in a
/// Compose file, a UTF-16 file from a Windows editor) is skipped when
/// walking, like its UTF-8 YAML; a manifest in one is reported, even when
/// the bad byte comes before `version: 1`.
#[test]
fn a_walked_file_in_another_encoding_is_reported_only_when_it_is_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.yaml", ORG);
    write(
        dir.path(),
        "docker-compose.yml",
        b"services:\n  web:\n    image: nginx\n    # Caf\xe9 proxy\n",
    );
    let utf16 = |text: &str| -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    };
    write(dir.path(), "tool.yaml", utf16("jobs:\n  build: {}\n"));
    let run = concise(dir.path(), &["."]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);

    write(
        dir.path(),
        "p.yaml",
        b"# Verarbeiter f\xfcr Zahlungen\nversion: 1\nprocessors: []\n",
    );
    write(dir.path(), "q.yaml", utf16("version: 1\nprocessors: []\n"));
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .contains("p.yaml:1:16: error[PL001] file is not valid UTF-8"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("q.yaml:1:1: error[PL001] file is UTF-16"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_binary_file_named_yaml_is_reported_when_walking() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.yaml", ORG);
    write(
        dir.path(),
        "logo.yaml",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    );
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .starts_with("logo.yaml:1:1: error[PL001] file is binary"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_bom_and_crlf_line_endings_are_accepted_and_columns_stay_right() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "crlf.yaml",
        "\u{feff}version: 1\r\norganization:\r\n  name: Zürich AG\r\n  country: CH\r\n  locatons: [CH]\r\n",
    );
    let out = json(dir.path(), &["crlf.yaml"]);
    let d = &out["diagnostics"][0];
    assert_eq!(d["code"], "PL010");
    assert_eq!(
        d["range"],
        serde_json::json!({"start": {"line": 4, "character": 2}, "end": {"line": 4, "character": 10}})
    );
    assert_eq!(d["location"]["line"], 5);
    assert_eq!(d["location"]["column"], 3);
    // Byte offsets count the file's bytes, the byte-order mark among them.
    let text = std::fs::read(dir.path().join("crlf.yaml")).unwrap();
    let start = d["location"]["byteStart"].as_u64().unwrap() as usize;
    let end = d["location"]["byteEnd"].as_u64().unwrap() as usize;
    assert_eq!(&text[start..end], b"locatons");
}

#[test]
fn lsp_ranges_count_utf16_units_and_columns_count_characters() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        "version: 1\norganization: {name: \"Müller 𝄞\", country: ch}\n",
    );
    let out = json(dir.path(), &["m.yaml"]);
    let d = &out["diagnostics"][0];
    assert_eq!(d["code"], "PL012");
    // `ch` starts after `organization: {name: "Müller 𝄞", country: `:
    // 42 characters, 43 UTF-16 units (𝄞 is a surrogate pair), 46 bytes.
    assert_eq!(
        d["range"]["start"],
        serde_json::json!({"line": 1, "character": 43})
    );
    assert_eq!(d["location"]["column"], 43);
    assert_eq!(d["location"]["byteStart"], 11 + 46);
}

#[test]
fn custom_tags_are_reported_and_never_interpreted() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        format!("{ORG}processors: !!python/object/apply:os.system [\"rm -rf /\"]\n"),
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stdout,
        "m.yaml:5:13: error[PL003] YAML tag `!!python/object/apply:os.system` is not interpreted\n"
    );
}

#[test]
fn a_tagged_value_is_one_error_not_also_a_missing_key() {
    let dir = tempfile::tempdir().unwrap();
    // Required keys, each with a tag: the key is there, its value unread.
    write(
        dir.path(),
        "m.yaml",
        format!(
            "{ORG}processors:\n  - id: p\n    name: !custom P\n    role: !!python/object:os.system processor\n    country: !env {{a: 1}}\n    locations: [DE, !x FI]\n"
        ),
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stdout,
        "m.yaml:7:11: error[PL003] YAML tag `!custom` is not interpreted\n\
         m.yaml:8:11: error[PL003] YAML tag `!!python/object:os.system` is not interpreted\n\
         m.yaml:9:14: error[PL003] YAML tag `!env` is not interpreted\n\
         m.yaml:10:21: error[PL003] YAML tag `!x` is not interpreted\n"
    );

    // The rules wait too: they would judge a tagged legal basis as
    // missing (GDPR101), an aliased tagged country likewise.
    write(
        dir.path(),
        "m.yaml",
        "version: 1\norganization: {name: B, country: &c !custom DE}\nrepresentatives_note: *c\nactivities:\n  - {id: a, name: A, purpose: P, data_subjects: [customers], data_categories: [contact.email], legal_basis: !vault contract, retention: P1Y}\n",
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stdout,
        "m.yaml:2:34: error[PL003] YAML tag `!custom` is not interpreted\n\
         m.yaml:3:1: error[PL010] `representatives_note` is not a field of a manifest file's top level\n\
         m.yaml:5:109: error[PL003] YAML tag `!vault` is not interpreted\n"
    );
    // Nothing turns it into a pass: the rules did not run.
    let ignored = concise(dir.path(), &["--ignore", "PL003", "m.yaml"]);
    assert_eq!(ignored.code, 2);
    assert!(
        ignored.stdout.contains("error[PL003]"),
        "{}",
        ignored.stdout
    );
}

#[test]
fn per_path_ignores_too_large_to_match_together_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.yaml", ORG);
    // Each pattern is a valid glob under the length limit; together they
    // exceed what globset builds into one matcher.
    let alternatives: Vec<String> = (0..40).map(|i| format!("x{i:02}*y*z")).collect();
    let alternatives = alternatives.join(",");
    let mut config = String::from("per_path_ignores:\n");
    for i in 0..1_000 {
        config.push_str(&format!(
            "  \"{i}**/{{{alternatives}}}/**/{{{alternatives}}}\": [GDPR136]\n"
        ));
    }
    write(dir.path(), "privlint.yaml", config);
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.starts_with(
            "privlint.yaml:1:1: error[PL031] the 1000 `per_path_ignores` patterns are too large to match together"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn core_schema_tags_are_read_as_yaml_defines_them() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        "version: !!int 1\norganization: !!map\n  name: !!str 1234\n  country: !!str DE\n",
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    // The same tags written verbatim, and the non-specific `!` (a string).
    write(
        dir.path(),
        "m.yaml",
        "version: !<tag:yaml.org,2002:int> 1\norganization: ! {name: ! 1234, country: DE}\n",
    );
    let run = concise(dir.path(), &["."]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    write(
        dir.path(),
        "m.yaml",
        "version: !!int one\norganization:\n  name: B\n  country: DE\n",
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.starts_with(
            "m.yaml:1:10: error[PL003] `one` is not an integer, as its tag `!!int` says\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn an_alias_inside_the_value_it_names_is_reported_as_recursive() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        "version: 1\norganization: &o\n  name: B\n  country: DE\n  parent: *o\n",
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2);
    // The key stays (its value unread), so that it is judged as a key.
    assert_eq!(
        run.stdout,
        "m.yaml:5:3: error[PL010] `parent` is not a field of `organization`\n\
         m.yaml:5:11: error[PL003] the alias `*o` is inside the value it names\n"
    );
}

#[test]
fn a_surrogate_pair_escape_is_one_character_and_a_lone_surrogate_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // Python's json.dumps writes an emoji so.
    let json =
        r#"{"version": 1, "organization": {"name": "Caf\u00e9 \ud83d\ude00", "country": "DE"}}"#;
    write(dir.path(), "m.yaml", json);
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    write(dir.path(), "m.yaml", json.replace(r"\ude00", "x"));
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("error[PL002]") && run.stdout.contains("invalid Unicode"),
        "{}",
        run.stdout
    );
}

#[cfg(unix)]
#[test]
fn a_backslash_in_a_posix_file_name_is_shown_as_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a\\b.yaml", format!("{ORG}bogus: 1\n"));
    let run = concise(dir.path(), &["a\\b.yaml"]);
    assert!(
        run.stdout.starts_with("a\\b.yaml:5:1: error[PL010]"),
        "{}",
        run.stdout
    );
    let json = privlint_in(dir.path(), &["check", "--format", "json", "a\\b.yaml"]);
    assert!(
        json.stdout.contains(r#""file": "a\\b.yaml""#),
        "{}",
        json.stdout
    );
    assert!(json.stdout.contains("a%5Cb.yaml"), "{}", json.stdout);
}

/// A walked file that does not parse is reported when it shows a sign of
/// being a manifest, in flow style and with `\r`-only line ends too:
/// skipping it would pass the set without its processors.
#[test]
fn a_broken_manifest_found_by_walking_is_reported_in_any_style() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "org.yaml", ORG);
    let broken = [
        "{version: 1, processors: [{id: us1, name: U, role: processor, country: US}]\n",
        "{\"processors\": [{\"id\": \"us1\"}], \"version\": 1\n",
        "version: 1\rprocessors:\r  - {id: us1, name: [U\r",
        "version:\t1\nprocessors: [\n",
    ];
    for text in broken {
        write(dir.path(), "p.yaml", text);
        let run = concise(dir.path(), &["."]);
        assert_eq!(run.code, 2, "{text:?}: {}", run.stdout);
        assert!(run.stdout.contains("p.yaml:"), "{text:?}: {}", run.stdout);
        assert!(
            run.stdout.contains("error[PL002]"),
            "{text:?}: {}",
            run.stdout
        );
    }
    // Another tool's broken YAML is still skipped, whatever its nested
    // mappings or comments hold.
    write(
        dir.path(),
        "p.yaml",
        "# see processors, activities: docs\njobs:\n  matrix: {os: linux, processors: 2}\n  build: {steps: [\n",
    );
    let run = concise(dir.path(), &["."]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
}

#[test]
fn an_empty_file_named_explicitly_is_not_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.yaml", "");
    let run = concise(dir.path(), &["empty.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stdout,
        "empty.yaml:1:1: error[PL006] this file is not a manifest: it is empty\n"
    );
    write(dir.path(), "notes.yaml", "# version: 1, one day\n");
    let run = concise(dir.path(), &["notes.yaml"]);
    assert_eq!(
        run.stdout,
        "notes.yaml:1:1: error[PL006] this file is not a manifest: it holds no YAML value, only comments\n"
    );
}

#[test]
fn files_that_are_not_manifests_are_skipped_when_walking() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.yaml", ORG);
    write(dir.path(), "empty.yaml", "");
    write(dir.path(), ".github/workflows/ci.yml", "on: push\n");
    write(dir.path(), "docker-compose.yml", "services: {}\n");
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// Real repositories hold other tools' YAML with a top-level `version`
/// (Compose files, Helm charts) and templates that are not YAML until
/// rendered. Walking skips them; a manifest with a wrong version or a
/// syntax error is still reported.
#[test]
fn other_tools_versioned_yaml_and_templates_are_skipped_when_walking() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "privacy/m.yaml", ORG);
    write(
        dir.path(),
        "docker-compose.yml",
        "version: \"3.8\"\nservices:\n  web:\n    image: nginx\n",
    );
    write(
        dir.path(),
        "charts/app/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    );
    write(
        dir.path(),
        "charts/app/templates/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n{{ include \"app.labels\" . | indent 4 }}\n",
    );
    // `version: 1` is not privlint's alone: a rule pack, AWS Amplify, sqlc.
    write(
        dir.path(),
        "policies/data-policy.yaml",
        "version: 1\npack: co\nname: Co policy\nrules: []\n",
    );
    write(
        dir.path(),
        "amplify.yml",
        "version: 1\nfrontend:\n  phases: {}\n",
    );
    write(dir.path(), "sqlc.yaml", "version: \"1\"\npackages: []\n");
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        run.stdout.lines().filter(|l| l.contains("error[")).count(),
        0
    );
    // A manifest whose only section is misspelt is reported, not skipped.
    write(
        dir.path(),
        "privacy/typo.yaml",
        "version: 1\nprocessers: []\n",
    );
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "privacy/typo.yaml:2:1: error[PL010] `processers` is not a field of a manifest file's top level; did you mean `processors`?"
        ),
        "{}",
        run.stdout
    );
    std::fs::remove_file(dir.path().join("privacy/typo.yaml")).unwrap();
    // So is one whose `version` is misspelt: skipping it passed the set.
    // Another tool's key that merely contains "version" is not one.
    write(
        dir.path(),
        "deploy/app.yaml",
        "apiVersion: v1\nactivities: []\n",
    );
    assert_eq!(concise(dir.path(), &["."]).code, 0);
    std::fs::remove_file(dir.path().join("deploy/app.yaml")).unwrap();
    for key in ["Version", "VERSION", "verison", "versions"] {
        write(
            dir.path(),
            "privacy/typo.yaml",
            format!("{key}: 1\nprocessors: []\n"),
        );
        let run = concise(dir.path(), &["."]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert!(
            run.stdout.contains(&format!(
                "privacy/typo.yaml:1:1: error[PL010] `{key}` is not a field of a manifest file's top level; did you mean `version`?"
            )),
            "{}",
            run.stdout
        );
    }
    std::fs::remove_file(dir.path().join("privacy/typo.yaml")).unwrap();

    write(
        dir.path(),
        "privacy/v2.yaml",
        "version: 2\nprocessors: []\n",
    );
    write(
        dir.path(),
        "privacy/broken.yaml",
        "# privacy manifest\nversion: 1 # format\nprocessors:\n  - id: [oops\n",
    );
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("error["))
        .collect();
    assert_eq!(errors.len(), 2, "{}", run.stdout);
    assert!(errors[0].starts_with("privacy/broken.yaml:") && errors[0].contains("[PL002]"));
    assert!(errors[1].starts_with("privacy/v2.yaml:1:10: error[PL007]"));
}

#[test]
fn gitignored_files_are_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.yaml", ORG);
    write(dir.path(), ".gitignore", "generated/\n");
    write(dir.path(), "generated/broken.yaml", "version: 1\nfoo: [\n");
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// Only `.gitignore` as git reads it hides a manifest: not one in a folder
/// above the walked root (or above the repository), not an `.ignore` file.
/// Otherwise a file elsewhere on the machine would pass a set unchecked.
#[test]
fn ignore_files_outside_the_set_or_not_gits_hide_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "version: 1\nfoo: [\n";
    write(dir.path(), ".gitignore", "broken.yaml\n");
    write(dir.path(), "set/m.yaml", ORG);
    write(dir.path(), "set/broken.yaml", broken);
    write(dir.path(), "set/.ignore", "broken.yaml\n");
    let outside = concise(&dir.path().join("set"), &["."]);
    assert_eq!(outside.code, 2, "{}", outside.stdout);
    // In a repository, from its root down; not from above it.
    std::fs::create_dir_all(dir.path().join("set/.git")).unwrap();
    let above = concise(&dir.path().join("set"), &["."]);
    assert_eq!(above.code, 2, "{}", above.stdout);
    write(dir.path(), "set/.gitignore", "broken.yaml\n");
    write(
        dir.path(),
        "set/sub/m.yaml",
        ORG.replace("version: 1\n", "version: 1\nprocessors: []\n"),
    );
    write(dir.path(), "set/sub/broken.yaml", broken);
    let inside = concise(&dir.path().join("set/sub"), &["."]);
    assert_eq!(inside.code, 0, "{}", inside.stdout);
}

#[test]
fn a_directory_without_a_manifest_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ci.yml", "on: push\n");
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no manifest found in `.`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 YAML file was found"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = concise(dir.path(), &["nowhere"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`nowhere` does not exist"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_reported_not_followed_forever() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.yaml", ORG);
    std::fs::create_dir(dir.path().join("inner")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("inner/up")).unwrap();
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("symbolic link loop"), "{}", run.stderr);
}

#[test]
fn a_file_of_tens_of_megabytes_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::from(ORG);
    big.push_str("  description: \"");
    big.push_str(&"x".repeat(30 * 1024 * 1024));
    big.push_str("\"\n");
    write(dir.path(), "big.yaml", big);
    let run = concise(dir.path(), &["big.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stdout,
        "big.yaml:1:1: error[PL005] file is 30.0 MiB, over the limit of 8.0 MiB\n"
    );
    let raised = concise(dir.path(), &["--max-file-size", "40000000", "big.yaml"]);
    assert_eq!(raised.code, 0, "{}", raised.stdout);
}

#[test]
fn the_same_input_gives_byte_identical_output() {
    let root = common::root();
    let first = common::check(&["examples"], "json");
    let second = common::check(&["examples"], "json");
    assert_eq!(first.stdout, second.stdout);
    let text = common::privlint_in(&root, &["check", "--color", "never", "examples/broken"]);
    let again = common::privlint_in(&root, &["check", "--color", "never", "examples/broken"]);
    assert_eq!(text.stdout, again.stdout);
}

#[test]
fn more_files_than_the_limit_is_located_at_the_first_unread_one() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["b/1.yaml", "b/2.yaml", "c/3.yaml", "c/4.yaml"] {
        write(
            dir.path(),
            name,
            "version: 1\nprocessors:\n  - {id: p, name: P, role: processor, locations: [DE]}\n",
        );
    }
    write(dir.path(), "z/org.yaml", ORG);
    let run = concise(dir.path(), &["--max-files", "3", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // Walked in name order: b/1, b/2, c/3 are read; c/4 is the first left.
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines.contains(
            &"c/4.yaml:1:1: error[PL005] more than 3 YAML files: this one and any after it were not checked"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("z/org.yaml"), "{}", run.stdout);
    // The files read had their format checked (`country` is missing)...
    assert!(
        run.stdout.contains("b/2.yaml:3:10: error[PL013]"),
        "{}",
        run.stdout
    );
    // ...and what no unread file can change: `p` is declared twice.
    assert!(
        run.stdout.contains("b/2.yaml:3:10: error[PL020]"),
        "{}",
        run.stdout
    );
    // Not what needs every file: the organization is in a file not read
    // (no PL024), and no rule runs on part of the set.
    for code in ["PL024", "GDPR"] {
        assert!(!run.stdout.contains(code), "{}", run.stdout);
    }
    let all = concise(dir.path(), &["--max-files", "5", "."]).stdout;
    assert_eq!(all.matches("PL005").count(), 0);
    assert!(all.contains("PL020"), "{all}");
}

#[test]
fn an_output_path_that_is_a_checked_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", ORG);
    for flag in ["-o", "--write-baseline"] {
        let run = concise(dir.path(), &[flag, "a.yaml", "a.yaml"]);
        assert_eq!(run.code, 2, "{flag}: {}", run.stderr);
        assert!(run.stderr.contains("refusing to write"), "{}", run.stderr);
        let after = std::fs::read_to_string(dir.path().join("a.yaml")).unwrap();
        assert_eq!(after, ORG, "{flag} modified the manifest");
    }
}

#[test]
fn an_output_path_that_is_the_config_a_rule_pack_or_the_baseline_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", ORG);
    let pack = "version: 1\npack: acme\nname: ACME\nrules:\n  - code: ACME001\n    name: named\n    severity: warning\n    summary: s\n    for_each: organization\n    require: \"true\"\n    message: m\n";
    write(dir.path(), "pack.yaml", pack);
    let config = "rules: [pack.yaml]\nbaseline: base.json\n";
    write(dir.path(), "privlint.yaml", config);
    // Writing the baseline the configuration reads is how it is renewed.
    let renewed = concise(dir.path(), &["--write-baseline", "base.json", "a.yaml"]);
    assert_eq!(renewed.code, 0, "{}", renewed.stderr);
    let baseline = std::fs::read_to_string(dir.path().join("base.json")).unwrap();
    for (target, what) in [
        ("privlint.yaml", "the configuration in use"),
        ("pack.yaml", "a rule pack in use"),
        ("base.json", "the baseline in use"),
    ] {
        let run = concise(dir.path(), &["-o", target, "a.yaml"]);
        assert_eq!(run.code, 2, "{target}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("refusing to write to `{target}`: it is {what}")),
            "{}",
            run.stderr
        );
    }
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert_eq!(read("privlint.yaml"), config);
    assert_eq!(read("pack.yaml"), pack);
    assert_eq!(read("base.json"), baseline);
}

/// A reader that goes away (`privlint check | head`, `2>&-`) neither
/// crashes privlint (a panic is exit 101) nor changes its exit code: a
/// pipeline under `pipefail` must still fail on findings.
#[cfg(unix)]
#[test]
fn closed_output_streams_keep_the_exit_code() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{ORG}activities:\n");
    for i in 0..2_000 {
        text.push_str(&format!("  - {{id: a{i}, name: A, purpose: P}}\n"));
    }
    write(dir.path(), "m.yaml", &text);
    let run = |args: &[&str], closed: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_privlint"));
        command
            .current_dir(dir.path())
            .args(args)
            .stdin(Stdio::null());
        let (stdout, stderr) = match closed {
            "stdout" => (Stdio::piped(), Stdio::null()),
            _ => (Stdio::null(), Stdio::piped()),
        };
        let mut child = command.stdout(stdout).stderr(stderr).spawn().unwrap();
        // Close the reading end before privlint writes.
        drop(child.stdout.take());
        drop(child.stderr.take());
        child.wait().unwrap().code()
    };
    let check = [
        "check",
        "--isolated",
        "--as-of",
        "2026-11-21",
        "--color",
        "never",
    ];
    assert_eq!(run(&[&check[..], &["m.yaml"]].concat(), "stdout"), Some(1));
    assert_eq!(
        run(&[&check[..], &["missing.yaml"]].concat(), "stderr"),
        Some(2)
    );
    assert_eq!(
        run(
            &[&check[..], &["--write-baseline", "b.json", "m.yaml"]].concat(),
            "stderr"
        ),
        Some(0)
    );
}

/// Two transfer entries for one country: which safeguard would be read
/// depends on their order, so both orders are reported (PL027, exit 2).
#[test]
fn two_transfers_to_one_country_are_reported_in_either_order() {
    let dir = tempfile::tempdir().unwrap();
    let entries = [
        "{country: US, mechanism: scc, tia: 'https://t.example', scc_module: 2}",
        "{country: US, mechanism: privacy-shield}",
    ];
    for (first, second) in [(0, 1), (1, 0)] {
        write(
            dir.path(),
            "m.yaml",
            format!(
                "{ORG}processors:\n  - id: p\n    name: P\n    role: processor\n    country: DE\n    locations: [US]\n    agreement: {{type: dpa, ref: 'https://d.example'}}\n    transfers: [{}, {}]\nactivities:\n  - id: a\n    name: A\n    purpose: P\n    legal_basis: contract\n    retention: P1Y\n    recipients: [p]\n    transfers:\n      - {{to: p, country: US, mechanism: dpf}}\n      - {{to: p, country: US, mechanism: derogation-consent}}\n",
                entries[first], entries[second]
            ),
        );
        let run = concise(dir.path(), &["m.yaml"]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert!(
            run.stdout
                .contains("error[PL027] processor `p` has two transfers to `US`"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("error[PL027] activity `a` (for `p`) has two transfers to `US`"),
            "{}",
            run.stdout
        );
    }
}

/// A check that stops early (a broken configuration or pack) does not
/// know every file it reads: its error document replaces only a new file
/// or an earlier report, never the configuration or a pack named by `-o`.
#[test]
fn an_error_document_never_replaces_a_file_privlint_reads() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", ORG);
    let config = "select: [NOPE001]\n";
    write(dir.path(), "privlint.yaml", config);
    for format in ["json", "sarif", "github"] {
        let run = concise(
            dir.path(),
            &["--format", format, "-o", "privlint.yaml", "a.yaml"],
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        let after = std::fs::read_to_string(dir.path().join("privlint.yaml")).unwrap();
        assert_eq!(after, config, "{format}");
    }
    // An earlier report is replaced by the error document.
    write(dir.path(), "privlint.yaml", "");
    let report = privlint_in(
        dir.path(),
        &["check", "--format", "json", "-o", "r.json", "a.yaml"],
    );
    assert_eq!(report.code, 0, "{}", report.stderr);
    write(dir.path(), "privlint.yaml", config);
    let failed = privlint_in(
        dir.path(),
        &["check", "--format", "json", "-o", "r.json", "a.yaml"],
    );
    assert_eq!(failed.code, 2);
    let document = std::fs::read_to_string(dir.path().join("r.json")).unwrap();
    assert!(document.contains("\"error\""), "{document}");
}

#[test]
fn a_file_named_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "set/a.yaml", ORG);
    let run = concise(dir.path(), &["set", "set/a.yaml", "./set/../set/a.yaml"]);
    assert!(!run.stdout.contains("PL025"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("p.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo here
    }
    let run = concise(dir.path(), &["p.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    // Nor one named as the configuration, a rule pack or the baseline.
    write(dir.path(), "m.yaml", ORG);
    for option in ["--config", "--rules", "--baseline"] {
        let run = concise(dir.path(), &[option, "p.yaml", "m.yaml"]);
        assert_eq!(run.code, 2, "{option}: {}", run.stderr);
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(said.contains("not a regular file"), "{option}: {said}");
    }
}

/// The walker reads each folder's `.gitignore`: one that is a FIFO (at
/// the root, in a sub-folder, or in the repository above the root) would
/// block for ever, and a huge one costs memory without bound.
#[cfg(unix)]
#[test]
fn a_gitignore_that_is_a_fifo_or_huge_stops_the_check_instead_of_hanging() {
    for place in [
        ".gitignore",
        "sub/.gitignore",
        "../.gitignore",
        "../../.gitignore",
    ] {
        // `top/outer` holds the repository; `top` is above it.
        let top = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(top.path().join("outer/.git")).unwrap();
        let dir = top.path().join("outer/set");
        write(&dir, "m.yaml", ORG);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join(place))
            .status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here
        }
        let run = concise(&dir, &["."]);
        assert_eq!(run.code, 2, "{place}: {}", run.stderr);
        assert!(
            run.stderr.contains("not a regular file"),
            "{place}: {}",
            run.stderr
        );
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.yaml", ORG);
    write(dir.path(), "sub/.gitignore", "x*y\n".repeat(100_000));
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("more than the 256.0 KiB"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_lone_carriage_return_breaks_lines_as_in_yaml() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.yaml",
        "version: 1\rorganization:\r  name: a\r  country: XX\r",
    );
    let run = concise(dir.path(), &["a.yaml"]);
    assert!(
        run.stdout.contains("a.yaml:4:12: error[PL023]"),
        "{}",
        run.stdout
    );
}

#[test]
fn terminal_control_characters_are_never_printed_raw() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", format!("{ORG}foo\x1b[2Kbar: 1\n"));
    for format in ["text", "concise"] {
        let run = privlint_in(
            dir.path(),
            &["check", "--format", format, "--color", "never", "a.yaml"],
        );
        assert!(run.stdout.contains("PL002"), "{}", run.stdout);
        assert!(
            !run.stdout.contains('\x1b'),
            "{format}: raw ESC in {:?}",
            run.stdout
        );
    }
}

#[test]
fn control_characters_that_yaml_excludes_are_located() {
    // YAML 1.2.2 §5.1: no C0 control but tab, LF and CR, no DEL, no C1
    // control but NEL, no U+FFFE or U+FFFF; anywhere, comments included.
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("  name: Beispiel\x07 GmbH\n", "4:17", "U+0007"),
        ("  name: \"Bei\x0bspiel\"\n", "4:13", "U+000B"),
        ("  name: Beispiel # note\x7f\n", "4:24", "U+007F"),
        ("  name: Bei\u{90}spiel\n", "4:12", "U+0090"),
        ("  name: Beispiel\u{FFFE}\n", "4:17", "U+FFFE"),
    ];
    for (line, at, named) in cases {
        let text = format!("version: 1\norganization:\n  country: DE\n{line}");
        write(dir.path(), "c.yaml", &text);
        let run = concise(dir.path(), &["c.yaml"]);
        assert_eq!(run.code, 2, "{line:?}: {}", run.stdout);
        let expected = format!("c.yaml:{at}: error[PL002] invalid YAML: control character {named}");
        assert!(
            run.stdout.starts_with(&expected),
            "{line:?}: {}",
            run.stdout
        );
    }
    // Tab, CR, NEL and the rest of Unicode are text.
    write(
        dir.path(),
        "c.yaml",
        "version: 1\r\norganization:\r\n  country: DE\r\n  name: \"Bei\tspiel\u{85} Zürich \u{FEFF}\u{1F600}\"\r\n",
    );
    let run = concise(dir.path(), &["c.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn the_commonest_mapping_slips_are_named_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // A line without its `:`: the parser stops a line later.
        (
            "  name: A\n  # c\n\n  country DE  # note\n  markets: [DE]\n",
            "c.yaml:6:3: error[PL002] invalid YAML: this line has no `:`, and is not indented under `name` above it",
        ),
        (
            "  country DE\n  name: A\n",
            "c.yaml:3:3: error[PL002] invalid YAML: `country DE` has no `:` after its key",
        ),
        // `: ` inside an unquoted value.
        (
            "  name: Beispiel: GmbH\n",
            "c.yaml:3:17: error[PL002] invalid YAML: the value of `name` holds `: `, which starts a mapping",
        ),
        // A key indented less, or more, than the keys of its mapping.
        (
            "  name: A\n  agreement:\n    type: dpa\n country: DE\n",
            "c.yaml:6:2: error[PL002] invalid YAML: `country` is indented less than `agreement` above it",
        ),
        (
            "  name: A\n    country: DE\n",
            "c.yaml:4:5: error[PL002] invalid YAML: `country` is indented more than `name` above it",
        ),
        // A quote inside a quoted value; a reserved first character.
        (
            "  name: 'O'Reilly'\n",
            "c.yaml:3:12: error[PL002] invalid YAML: text after the closing quote of a value",
        ),
        (
            "  name: @beispiel\n",
            "c.yaml:3:9: error[PL002] invalid YAML: a value without quotes cannot start with `@`",
        ),
        (
            "  name: \"Beispiel GmbH\n  country: DE\n",
            "c.yaml:3:9: error[PL002] invalid YAML: the `\"` that opens this value is not closed",
        ),
        // No space after `:`, on a middle line and on the last one.
        (
            "  name:Beispiel\n  country: DE\n",
            "c.yaml:3:7: error[PL002] invalid YAML: `name:Beispiel` needs a space after `:`",
        ),
        (
            "  name: A\n  country:DE",
            "c.yaml:4:10: error[PL002] invalid YAML: `country:DE` needs a space after `:`",
        ),
        // Wrapped text at its key's column is not a key without `:`.
        (
            "  name: A\n  description: B2B software for\n  contract management.\n  country: DE\n",
            "c.yaml:5:3: error[PL002] invalid YAML: this line has no `:`, and is not indented under `description` above it",
        ),
        (
            "  name: A\n  markets:\n    - DE\n    -AT\n  country: DE\n",
            "c.yaml:6:5: error[PL002] invalid YAML: `-AT` needs a space after `-`",
        ),
        // Spaces YAML does not read as spaces; a merge conflict.
        (
            "\u{a0} name: A\n  country: DE\n",
            "c.yaml:3:1: error[PL002] invalid YAML: U+00A0, a no-break space, where YAML needs a plain space",
        ),
        (
            "  name: A\n<<<<<<< HEAD\n  country: DE\n=======\n  country: AT\n>>>>>>> main\n",
            "c.yaml:4:1: error[PL002] invalid YAML: the file holds a merge conflict",
        ),
        // `: ` in text that goes on with a value; a quoted value whose
        // next line is not indented under its key.
        (
            "  name: A\n  description: open\n    9:00 to 17:00\n    note: closed on Sundays\n",
            "c.yaml:6:9: error[PL002] invalid YAML: the value of `description` goes on to this line, where `: ` starts a mapping",
        ),
        (
            "  name: A\n  description: \"first line\n  second line\"\n",
            "c.yaml:4:16: error[PL002] invalid YAML: this quoted value goes on to the next line, which is not indented under its key",
        ),
    ];
    for (body, expected) in cases {
        write(
            dir.path(),
            "c.yaml",
            format!("version: 1\norganization:\n{body}"),
        );
        let run = concise(dir.path(), &["c.yaml"]);
        assert_eq!(run.code, 2, "{body:?}: {}", run.stdout);
        assert!(run.stdout.starts_with(expected), "{body:?}: {}", run.stdout);
    }
    write(
        dir.path(),
        "c.yaml",
        "version: 1\norganization:\n  name: Beispiel: GmbH\n",
    );
    let out = json(dir.path(), &["c.yaml"]);
    assert_eq!(
        out["diagnostics"][0]["help"],
        "put the value in double quotes: `name: \"Beispiel: GmbH\"`"
    );
    // A key of megabytes is not copied into the message.
    write(
        dir.path(),
        "c.yaml",
        format!(
            "version: 1\norganization:\n  {}\n  name: A\n",
            "k".repeat(1_000_000)
        ),
    );
    let run = concise(dir.path(), &["c.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.len() < 1000, "{}", run.stdout.len());
    // YAML 1.2.2 §7.4: at most 1024 characters before a key's `:`.
    write(
        dir.path(),
        "c.yaml",
        format!("version: 1\norganization:\n  {}: 1\n", "k".repeat(2000)),
    );
    let run = concise(dir.path(), &["c.yaml"]);
    assert!(
        run.stdout.starts_with(
            "c.yaml:3:3: error[PL002] invalid YAML: a key of more than 1024 characters"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_file_that_does_not_load_is_not_reported_again_through_its_ids() {
    // A syntax error in the processors' file: the activity's recipient is
    // not "unknown", the organisation not "missing", and no rule reads a
    // set without its processors. What holds whatever that file declares
    // is still reported: a duplicate id among the files that loaded.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "org.yaml", ORG);
    write(
        dir.path(),
        "processors.yaml",
        "version: 1\nprocessors:\n  - id: stripe\n    name: \"Stripe\n",
    );
    let activity = "  - id: billing\n    name: Billing\n    purpose: Billing\n    legal_basis: contract\n    data_categories: [contact.email]\n    data_subjects: [customers]\n    recipients: [stripe]\n";
    write(
        dir.path(),
        "a.yaml",
        format!("version: 1\nactivities:\n{activity}"),
    );
    write(
        dir.path(),
        "b.yaml",
        format!("version: 1\nactivities:\n{activity}"),
    );
    let run = concise(dir.path(), &["."]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let codes: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.split("error[").nth(1))
        .map(|l| &l[..5])
        .collect();
    assert_eq!(codes, ["PL020", "PL002"], "{}", run.stdout);
    let out = json(dir.path(), &["."]);
    let broken = out["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "PL002")
        .unwrap();
    let notes = broken["notes"].to_string();
    assert!(notes.contains("until this file loads"), "{notes}");
    // Once it loads, the set is checked in full.
    write(
        dir.path(),
        "processors.yaml",
        "version: 1\nprocessors:\n  - id: strip\n    name: Stripe\n    role: processor\n    country: IE\n",
    );
    let run = concise(dir.path(), &["."]);
    assert!(run.stdout.contains("error[PL021]"), "{}", run.stdout);
}

#[test]
fn findings_on_a_very_long_line_do_not_repeat_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let markets: Vec<String> = (0..2000).map(|i| format!("X{}", i % 10)).collect();
    write(
        dir.path(),
        "a.yaml",
        format!(
            "version: 1\norganization: {{name: a, country: DE, markets: [{}]}}\n",
            markets.join(", ")
        ),
    );
    let line = std::fs::read_to_string(dir.path().join("a.yaml"))
        .unwrap()
        .len();
    let run = privlint_in(dir.path(), &["check", "--color", "never", "a.yaml"]);
    assert!(
        run.stdout.contains("line not shown"),
        "{}",
        &run.stdout[..500]
    );
    // Without the fallback each of the 2,000 findings would print the line.
    assert!(
        run.stdout.len() < 2000 * 300,
        "{} bytes for a {line}-byte line",
        run.stdout.len()
    );
}

#[test]
fn a_very_long_sub_processor_chain_is_cut_with_a_located_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(ORG);
    text.push_str("processors:\n");
    for i in 0..200 {
        text.push_str(&format!(
            "  - {{id: p{i}, name: P, role: processor, country: DE, sub_processors: [p{}]}}\n",
            (i + 1) % 200
        ));
    }
    text.push_str("activities:\n  - {id: a, name: A, recipients: [p0]}\n");
    write(dir.path(), "a.yaml", text);
    let run = concise(dir.path(), &["a.yaml"]);
    assert!(
        run.stdout
            .contains("error[PL005] the chain of sub-processors reaching `p31`"),
        "{}",
        run.stdout
    );
    // The 200-step cycle is named by its ends.
    let cycle = run.stdout.lines().find(|l| l.contains("PL022")).unwrap();
    assert!(cycle.contains("… 191 more … → `p199` → `p0`"), "{cycle}");
}

/// A file of thousands of the same mistake reports the first 1,000 and
/// counts the rest in a note on the last: wrong list entries (format
/// errors), duplicate keys and tags (YAML problems).
#[test]
fn repeated_problems_are_capped_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "entries.yaml",
            "processors:\n",
            "  - X0\n",
            3000,
            "PL011",
            "2000 more format errors",
        ),
        (
            "dups.yaml",
            "x:\n",
            "  k: 1\n",
            3000,
            "PL004",
            "1999 more problems like these",
        ),
        (
            "tags.yaml",
            "y:\n",
            "  - !t 1\n",
            1500,
            "PL003",
            "500 more problems like these",
        ),
    ];
    for (file, key, line, times, code, note) in cases {
        write(
            dir.path(),
            file,
            format!("{ORG}{key}{}", line.repeat(times)),
        );
        let run = concise(dir.path(), &[file]);
        let shown = run.stdout.matches(&format!("error[{code}]")).count();
        assert_eq!(shown, 1000, "{file}: {}", &run.stdout[..300]);
        let json = json(dir.path(), &[file]);
        let last = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == code)
            .nth(999)
            .unwrap();
        let notes = last["notes"].to_string();
        assert!(notes.contains(note), "{file}: {notes}");
    }
}

/// A long list under an unknown key, flow or block, at the top level or in
/// an entity: one finding. The file is validated in windows of its items,
/// and the error on the mapping holding the key comes in each of them.
#[test]
fn a_long_list_under_an_unknown_key_is_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    let flow = vec!["1"; 100_000].join(",");
    let cases = [
        (
            "flow.yaml",
            format!("{ORG}x: [{flow}]\n"),
            "flow.yaml:5:1: error[PL010] `x` is not a field of a manifest file's top level",
        ),
        (
            "block.yaml",
            format!("{ORG}x:\n{}", "  - 1\n".repeat(100_000)),
            "block.yaml:5:1: error[PL010] `x` is not a field of a manifest file's top level",
        ),
        (
            "entity.yaml",
            format!(
                "{ORG}processors:\n  - {{id: p, name: P, role: processor, country: DE, x-extra: [{flow}]}}\n"
            ),
            "entity.yaml:6:52: error[PL010] `x-extra` is not a field of a processor",
        ),
    ];
    for (file, text, expected) in cases {
        write(dir.path(), file, text);
        let run = concise(dir.path(), &[file]);
        assert_eq!(run.code, 2, "{file}: {}", run.stdout);
        assert_eq!(run.stdout.lines().collect::<Vec<_>>(), [expected], "{file}");
    }
}

#[test]
fn a_whole_number_written_as_a_float_is_read_and_a_huge_one_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let org = |employees: &str| {
        format!(
            "version: 1\norganization: {{name: a, country: DE, employees: {employees}}}\n\
             activities: [{{id: act, name: x, legal_basis: contract, retention: P1Y}}]\n"
        )
    };
    // GDPR170 (the Art. 30 record) depends on the head count.
    write(dir.path(), "a.yaml", org("1000"));
    let int = concise(dir.path(), &["a.yaml"]).stdout;
    write(dir.path(), "a.yaml", org("1000.0"));
    let float = concise(dir.path(), &["a.yaml"]).stdout;
    assert_eq!(int, float);
    write(dir.path(), "a.yaml", org("99999999999999999999"));
    let huge = concise(dir.path(), &["a.yaml"]).stdout;
    assert!(
        huge.contains("error[PL012] `employees` must be at most"),
        "{huge}"
    );
}

/// A binary file given as the configuration, a rule pack or the baseline
/// is said to be binary, not a YAML syntax error about tabs.
#[test]
fn binary_side_files_are_named_as_binary() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", ORG);
    write(dir.path(), "blob.bin", [0u8, 1, 2]);
    for flag in ["--baseline", "--config", "--rules"] {
        let run = concise(dir.path(), &[flag, "blob.bin", "a.yaml"]);
        let said = format!("{}{}", run.stdout, run.stderr);
        assert_eq!(run.code, 2, "{flag}: {said}");
        assert!(said.contains("binary"), "{flag}: {said}");
        assert!(!said.contains("tab"), "{flag}: {said}");
    }
    // In a manifest, an unprintable character is no tab either.
    write(dir.path(), "a.yaml", format!("{ORG}  name2: a\u{1}b\n"));
    let run = privlint_in(
        dir.path(),
        &["check", "--isolated", "--color", "never", "a.yaml"],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(!run.stdout.contains("tab"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn side_files_that_are_devices_or_fifos_are_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", ORG);
    for flag in ["--baseline", "--config", "--rules"] {
        let run = concise(dir.path(), &[flag, "/dev/zero", "a.yaml"]);
        assert_eq!(run.code, 2, "{flag}: {}{}", run.stdout, run.stderr);
        assert!(
            format!("{}{}", run.stdout, run.stderr).contains("not a regular file"),
            "{flag}: {}{}",
            run.stdout,
            run.stderr
        );
    }
}

/// A device named as a manifest has no size: reading stops past the limit,
/// and the message does not invent one.
#[cfg(unix)]
#[test]
fn a_device_named_as_a_manifest_stops_at_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let run = concise(dir.path(), &["/dev/zero"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "/dev/zero:1:1: error[PL005] file is over the limit of 8388608 bytes (8.0 MiB)\n"
    );
}

#[cfg(unix)]
#[test]
fn an_output_path_hard_linked_to_a_checked_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", ORG);
    std::fs::hard_link(dir.path().join("a.yaml"), dir.path().join("report.txt")).unwrap();
    let run = concise(dir.path(), &["-o", "report.txt", "a.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
        ORG
    );
}

#[test]
fn builtin_codes_can_be_ignored_or_reweighted_by_name_but_not_by_all() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", format!("{ORG}  colour: blue\n"));
    let plain = concise(dir.path(), &["a.yaml"]).stdout;
    assert!(plain.contains("error[PL010]"), "{plain}");
    let ignored = concise(dir.path(), &["--ignore", "PL010", "a.yaml"]).stdout;
    assert!(!ignored.contains("PL010"), "{ignored}");
    let all = concise(dir.path(), &["--ignore", "ALL", "a.yaml"]).stdout;
    assert!(all.contains("error[PL010]"), "{all}");
}

#[test]
fn a_file_name_with_a_line_break_stays_on_one_line_in_text_output() {
    let dir = tempfile::tempdir().unwrap();
    let name = "a\nb.yaml";
    if std::fs::write(dir.path().join(name), format!("{ORG}  colour: blue\n")).is_err() {
        return; // the file system does not allow it
    }
    let run = privlint_in(dir.path(), &["check", "--color", "never", name]);
    assert!(run.stdout.contains("a\\nb.yaml:"), "{}", run.stdout);
}

/// Unknown references and duplicate ids are capped per file like format
/// errors: a generated list of 200,000 unknown ids is 1,000 findings and a
/// count, not 200,000 findings in memory.
#[test]
fn unknown_references_and_duplicate_ids_are_capped_per_file() {
    let dir = tempfile::tempdir().unwrap();
    // Distinct ids: a repeated one is one entry of the set (and a PL012).
    let unknown = (0..200_000)
        .map(|i| format!("zz{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut text = format!(
        "{ORG}activities:\n  - id: a\n    name: A\n    legal_basis: contract\n    retention: P1Y\n    data_categories: [{unknown}]\n"
    );
    for _ in 0..1_500 {
        text.push_str("  - {id: d, name: D, legal_basis: contract, retention: P1Y}\n");
    }
    write(dir.path(), "a.yaml", text);
    let run = concise(dir.path(), &["a.yaml"]);
    assert_eq!(run.code, 2);
    let count = |code: &str| run.stdout.lines().filter(|l| l.contains(code)).count();
    assert_eq!(count("[PL021]"), 1_000);
    assert_eq!(count("[PL020]"), 1_000);
    let text = privlint_in(
        dir.path(),
        &[
            "check",
            "--as-of",
            "2026-11-21",
            "--color",
            "never",
            "a.yaml",
        ],
    );
    assert!(
        text.stdout
            .contains("note: 199000 more problems like this in this file are not shown"),
        "{}",
        &text.stdout[text.stdout.len().saturating_sub(3000)..]
    );
    assert!(
        text.stdout
            .contains("note: 499 more problems like this in this file are not shown"),
        "{}",
        &text.stdout[text.stdout.len().saturating_sub(3000)..]
    );
}

#[test]
fn unused_and_malformed_suppressions_are_capped_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{ORG}  contact: privacy@beispiel.de\n");
    for _ in 0..1_200 {
        text.push_str("  # privlint: allow GDPR101 -- stale\n  # privlint: allow GDPR101\n");
    }
    write(dir.path(), "a.yaml", text);
    let run = concise(dir.path(), &["a.yaml"]);
    let count = |code: &str| run.stdout.lines().filter(|l| l.contains(code)).count();
    assert_eq!(count("[PL042]"), 1_000, "{}", run.stderr);
    assert_eq!(count("[PL040]"), 1_000, "{}", run.stderr);
    let text = privlint_in(dir.path(), &["check", "--as-of", "2026-11-21", "a.yaml"]);
    assert_eq!(
        text.stdout
            .matches("note: 200 more problems like this in this file are not shown")
            .count(),
        2,
        "{}",
        &text.stdout[text.stdout.len().saturating_sub(3000)..]
    );
}

#[test]
fn flows_are_capped_with_a_located_limit() {
    let dir = tempfile::tempdir().unwrap();
    // 100 locations x 26 parties x 200 activities = 520,000 flows: the
    // cap is reached within `a192` (192 x 2,600 = 499,200).
    let countries: Vec<String> = (b'A'..=b'Z')
        .flat_map(|a| (b'A'..=b'Z').map(move |b| format!("{}{}", a as char, b as char)))
        .collect();
    let data = std::fs::read_to_string(common::root().join("rules/data/countries.yaml")).unwrap();
    let known: Vec<&String> = countries
        .iter()
        .filter(|c| data.contains(&format!("code: \"{c}\"")))
        .take(100)
        .collect();
    let locations = known
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = String::from(ORG);
    text.push_str("processors:\n");
    for i in 0..26 {
        let sub = if i < 25 {
            format!(", sub_processors: [p{}]", i + 1)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "  - {{id: p{i}, name: P, role: processor, country: DE, locations: [{locations}]{sub}}}\n"
        ));
    }
    text.push_str("activities:\n");
    for i in 0..200 {
        text.push_str(&format!("  - {{id: a{i}, name: A, recipients: [p0]}}\n"));
    }
    write(dir.path(), "a.yaml", text);
    let run = concise(dir.path(), &["--select", "GDPR101", "a.yaml"]);
    assert!(
        run.stdout
            .contains("error[PL005] more than 500000 data flows: the flows of `a192` and of the activities after it were not all inferred"),
        "{}",
        &run.stdout[..run.stdout.len().min(2000)]
    );
}

/// The depth limit can be raised only as far as every later walk of the
/// tree stays within a thread's stack: at the ceiling, a tree that deep,
/// copied by an alias, reported as an unknown field and walked on worker
/// threads, is checked without crashing.
#[test]
fn the_depth_limit_has_a_ceiling_that_is_safe() {
    let dir = tempfile::tempdir().unwrap();
    let refused = concise(dir.path(), &["--max-depth", "1001", "."]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("not in 1..=1000"),
        "{}",
        refused.stderr
    );

    let deep = format!("{}v", "- ".repeat(999));
    for name in ["a.yaml", "b.yaml", "c.yaml"] {
        write(
            dir.path(),
            name,
            format!("{ORG}unknown: &deep\n  {deep}\nalso: *deep\n"),
        );
    }
    let run = concise(dir.path(), &["--max-depth", "1000", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stdout.contains("`unknown` is not a field"),
        "{}",
        run.stdout
    );
}

/// A country written the wrong way gets the right code: `uk` is `GB` (not
/// `UK`, itself not an ISO code), and a country's name its code.
#[test]
fn misspelt_countries_suggest_the_iso_code() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        "version: 1\norganization: {name: X, country: uk, markets: [germany]}\n",
    );
    let run = privlint_in(
        dir.path(),
        &[
            "check",
            "--as-of",
            "2026-11-21",
            "--color",
            "never",
            "m.yaml",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("help: did you mean `GB`?"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("help: did you mean `DE`?"),
        "{}",
        run.stdout
    );
}

/// A tab that indents a key is pointed at, not the key after it.
#[test]
fn an_indenting_tab_is_located_at_the_tab() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        "version: 1\norganization:\n\tname: x\n",
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.starts_with("m.yaml:3:1: error[PL002]"),
        "{}",
        run.stdout
    );
}

/// A flow collection that could be a key (a block sequence's item, a JSON
/// document) is streamed: saphyr-parser 0.3.3 queued all its tokens until it
/// closed, 800 MB for 6 MB of `{x: 1, ...}`. privlint builds with the patched
/// copy in `vendor/saphyr-parser` (PATCHED.md); when a release carries the
/// fix, this test passes without it.
#[test]
fn a_long_flow_collection_in_key_position_is_streamed() {
    for text in [
        format!("- {{{}}}\n", "x: 1, ".repeat(100_000)),
        format!("{{\"version\": 1{}}}\n", ", \"x\": 1".repeat(100_000)),
        format!("[{}]\n", "a, ".repeat(200_000)),
    ] {
        let read = std::cell::Cell::new(0usize);
        let chars = text.chars().inspect(|_| read.set(read.get() + 1));
        let mut parser = saphyr_parser::Parser::new_from_iter(chars);
        // Stream, document, (sequence,) collection start, first scalars.
        for _ in 0..6 {
            parser.next_event().expect("an event").expect("valid YAML");
        }
        assert!(
            read.get() < 8 * 1024,
            "{} of {} characters read before the first events of `{}…`",
            read.get(),
            text.len(),
            &text[..12]
        );
    }
}

/// An `organization` that is not a mapping is one format error, not also
/// "the manifest set has no `organization`".
#[test]
fn a_malformed_organization_is_not_also_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    for value in ["Shop GmbH", "", "[Shop GmbH]"] {
        write(
            dir.path(),
            "m.yaml",
            format!("version: 1\norganization: {value}\n"),
        );
        let run = concise(dir.path(), &["."]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        let codes: Vec<&str> = run
            .stdout
            .lines()
            .filter_map(|l| l.split_once("error[")?.1.split_once(']'))
            .map(|(code, _)| code)
            .collect();
        assert_eq!(codes, ["PL011"], "{value:?}: {}", run.stdout);
    }
}

/// A problem inside an aliased value is reported where each use is
/// written: at the anchor for the first, at the `*alias` for the next.
#[test]
fn a_problem_in_an_alias_is_located_at_each_use() {
    let dir = tempfile::tempdir().unwrap();
    let activity = |id: &str, recipients: &str| {
        format!(
            "  - {{id: {id}, name: A, purpose: P, data_subjects: [customers], data_categories: [identity.name], legal_basis: contract, retention: P1Y,\n     recipients: {recipients}}}\n"
        )
    };
    write(
        dir.path(),
        "m.yaml",
        format!(
            "version: 1\norganization: {{name: Shop GmbH, country: DE}}\nactivities:\n{}{}",
            activity("a1", "&r [hetznr]"),
            activity("a2", "*r")
        ),
    );
    let run = concise(dir.path(), &["."]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "m.yaml:5:22: error[PL021] unknown recipient `hetznr`",
            "m.yaml:7:18: error[PL021] unknown recipient `hetznr`",
        ],
        "{}",
        run.stdout
    );
}

/// Evidence is a document of the repository or a URL: an absolute path,
/// a `file:` URL or a path that climbs out of the repository would be
/// found, or not, depending on the machine that checks.
#[test]
fn evidence_outside_the_repository_is_not_evidence() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(dir.path(), "contracts/dpa.md", "# DPA\n");
    let manifest = |reference: &str| {
        format!(
            "version: 1\norganization: {{name: X, country: DE}}\nprocessors:\n  - {{id: h, name: H, role: processor, country: DE, agreement: {{type: dpa, ref: \"{reference}\"}}}}\nactivities:\n  - {{id: a, name: A, purpose: P, data_subjects: [customers], data_categories: [identity.name], legal_basis: contract, retention: P1Y, recipients: [h]}}\n"
        )
    };
    let code_for = |reference: &str| {
        write(dir.path(), "privacy/m.yaml", manifest(reference));
        let run = concise(dir.path(), &["privacy"]);
        let codes: Vec<String> = run
            .stdout
            .lines()
            .filter_map(|l| Some(l.split_once('[')?.1.split_once(']')?.0.to_string()))
            .collect();
        codes.join(",")
    };
    assert_eq!(code_for("../contracts/dpa.md"), "");
    assert_eq!(code_for("contracts/dpa.md"), "");
    assert_eq!(code_for("https://example.com/dpa"), "");
    for outside in ["/etc/hostname", "file:///etc/hostname", "https://", ""] {
        assert_eq!(code_for(outside), "PL012", "{outside:?}");
    }
    // A file that exists, outside the repository, reached by climbing.
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "dpa.md", "# not ours\n");
    let target = outside.path().join("dpa.md").canonicalize().unwrap();
    let climbing = "../".repeat(40) + target.to_str().unwrap().trim_start_matches('/');
    assert_eq!(code_for(&climbing), "GDPR160");
    #[cfg(unix)]
    {
        // Nor through a link committed to the repository.
        std::os::unix::fs::symlink(outside.path(), dir.path().join("contracts/elsewhere")).unwrap();
        assert_eq!(code_for("contracts/elsewhere/dpa.md"), "GDPR160");
    }
    for url in ["FILE:///etc/hostname", "https:///etc/hostname"] {
        assert_eq!(code_for(url), "PL012", "{url}");
    }
    assert_eq!(code_for("contracts"), "GDPR160"); // a folder

    // Without a repository, the working folder and the paths given bound
    // it: `../contracts` from `privacy/` is in the project, a climb out of
    // it is not.
    std::fs::remove_dir(dir.path().join(".git")).unwrap();
    assert_eq!(code_for("../contracts/dpa.md"), "");
    assert_eq!(code_for(&climbing), "GDPR160");
    // Run from the file system's root, which is no project folder: the
    // folder given bounds it alone (it let every file of the machine in).
    write(dir.path(), "privacy/m.yaml", manifest(&climbing));
    let privacy = dir.path().join("privacy");
    let run = concise(Path::new("/"), &[privacy.to_str().unwrap()]);
    assert!(run.stdout.contains("[GDPR160]"), "{}", run.stdout);
}

/// Paths that cannot be checked say why, once: `-` (no standard input),
/// a link to nothing, an output path that is a folder.
#[test]
fn unusable_paths_say_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let stdin = concise(dir.path(), &["-"]);
    assert_eq!(stdin.code, 2);
    assert!(stdin.stderr.contains("standard input"), "{}", stdin.stderr);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("gone.yaml"), dir.path().join("m.yaml"))
            .unwrap();
        let dangling = concise(dir.path(), &["m.yaml"]);
        assert_eq!(dangling.code, 2);
        assert!(
            dangling.stderr.contains("is a symbolic link to")
                && dangling.stderr.contains("gone.yaml"),
            "{}",
            dangling.stderr
        );
        std::fs::remove_file(dir.path().join("m.yaml")).unwrap();
    }
    write(dir.path(), "m.yaml", ORG);
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let folder = concise(dir.path(), &["--output", "out", "m.yaml"]);
    assert_eq!(folder.code, 2);
    assert_eq!(
        folder.stderr.matches("os error").count(),
        1,
        "{}",
        folder.stderr
    );
}

/// Every list the model reads is a set: a repeat is one PL012, and the
/// rest of the check sees the entry once (a list of millions of repeats
/// costs one entry, not millions of copies and a finding for each).
#[test]
fn a_repeated_entry_is_reported_once_and_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let ghosts = vec!["ghost"; 5_000].join(", ");
    write(
        dir.path(),
        "a.yaml",
        format!(
            "{ORG}activities:\n  - id: a\n    name: A\n    legal_basis: contract\n    retention: P1Y\n    data_categories: [contact.email]\n    recipients: [{ghosts}]\n"
        ),
    );
    let run = concise(dir.path(), &["a.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let count = |code: &str| run.stdout.lines().filter(|l| l.contains(code)).count();
    assert_eq!(count("[PL012]"), 1, "{}", run.stdout);
    assert_eq!(count("[PL021]"), 1, "{}", run.stdout);
}

/// A user pack of one organisation rule, COST001, requiring `condition`.
fn costly_pack(condition: &str) -> String {
    format!(
        "version: 1\npack: costly\nname: Costly\nrules:\n  - code: COST001\n    name: costly\n    severity: warning\n    summary: s\n    for_each: organization\n    require: \"{condition}\"\n    message: m\n"
    )
}

/// A user rule whose comprehensions multiply (every processor against
/// every other) is stopped at its evaluation budget, on the fast path and
/// in the interpreter alike, and reported at the rule (PL032, exit 2);
/// the other rules' findings stay. Below the budget it runs. (The default
/// budget is the same mechanism; a small one keeps the test fast in debug
/// builds.)
#[test]
fn a_rule_that_multiplies_comprehensions_is_stopped_at_its_budget() {
    let dir = tempfile::tempdir().unwrap();
    let conditions = [
        // The fast path.
        "processors.all(a, processors.all(b, a.id != b.id || a.name == b.name))",
        // The interpreter (`+` on strings is not on the fast path; every
        // name is `P`, too short to be charged as text).
        "processors.all(a, processors.all(b, a.name + '' == b.name))",
    ];
    // An activity without a retention: GDPR150, from another rule.
    let processors = |n: usize| {
        let mut text = format!(
            "{ORG}activities:\n  - id: a\n    name: A\n    purpose: Billing\n    legal_basis: contract\n    data_categories: [contact.email]\n    data_subjects: [customers]\nprocessors:\n"
        );
        for i in 0..n {
            text.push_str(&format!(
                "  - {{id: p{i}, name: P, role: processor, country: DE, agreement: {{type: dpa, ref: 'https://example.com/dpa'}}}}\n"
            ));
        }
        text
    };
    let budget = ["--max-rule-steps", "90299", "--rules", "pack.yaml", "m"];
    for condition in conditions {
        write(dir.path(), "pack.yaml", costly_pack(condition));
        // 100 + 100 × 100 steps.
        write(dir.path(), "m/a.yaml", processors(100));
        let small = concise(dir.path(), &budget);
        assert!(!small.stdout.contains("COST001"), "{}", small.stdout);
        assert!(!small.stderr.contains("COST001"), "{}", small.stderr);
        // 300 + 300 × 300 = 90,300 steps: one too many, on both paths.
        write(dir.path(), "m/a.yaml", processors(300));
        let large = concise(dir.path(), &budget);
        assert_eq!(
            large.code, 2,
            "{condition}: {}{}",
            large.stdout, large.stderr
        );
        assert!(
            large.stdout.contains(
                "pack.yaml:5:11: error[PL032] rule `COST001` was stopped: it took more than 90,299 steps on this manifest set"
            ),
            "{condition}: {}",
            large.stdout
        );
        // Every other rule still reports.
        let others = concise(
            dir.path(),
            &["--rules", "pack.yaml", "--ignore", "COST001", "m"],
        )
        .stdout;
        let others: Vec<&str> = others.lines().filter(|l| l.contains("]")).collect();
        assert!(!others.is_empty());
        for line in others {
            assert!(
                large.stdout.contains(line),
                "{line} is missing from:\n{}",
                large.stdout
            );
        }
        // A budget that covers it exactly lets it run.
        let enough = concise(
            dir.path(),
            &["--max-rule-steps", "90300", "--rules", "pack.yaml", "m"],
        );
        assert!(!enough.stderr.contains("COST001"), "{}", enough.stderr);
    }
}

/// Steps bound memory too: a one-line rule nesting `map`s over every
/// processor (each item a copy of a processor), or joining long texts in a
/// loop, used to build gigabytes under the step budget and abort. It is
/// now stopped (PL032) with the memory of an ordinary run.
#[test]
fn a_rule_that_builds_copies_is_stopped_before_it_fills_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{ORG}processors:\n");
    let about = "x".repeat(2_000);
    for i in 0..400 {
        text.push_str(&format!(
            "  - {{id: p{i}, name: P, role: processor, country: DE, description: {about}}}\n"
        ));
    }
    write(dir.path(), "m/a.yaml", text);
    for condition in [
        "processors.map(a, processors.map(b, a)).all(x, size(x) > 0)",
        "processors.all(a, [1,2,3,4,5,6,7,8,9,10].map(i, a.description + a.description).size() > 0)",
    ] {
        write(dir.path(), "pack.yaml", costly_pack(condition));
        let run = concise(
            dir.path(),
            &["--max-rule-steps", "200000", "--rules", "pack.yaml", "m"],
        );
        assert!(
            run.stdout
                .contains("error[PL032] rule `COST001` was stopped"),
            "{condition}: {}{}",
            run.stdout,
            run.stderr
        );
    }
}

/// A user rule that takes its `matches` pattern from the manifest
/// compiles one per distinct value: each is charged to the rule once, by
/// its size (a large one each time), so a set of large distinct patterns
/// stops the rule promptly (PL032) instead of compiling for minutes, and
/// one pattern shared by every processor costs one compilation.
#[test]
fn patterns_taken_from_the_manifest_are_charged_to_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let processors = |name: &dyn Fn(usize) -> String| {
        let mut text = format!("{ORG}processors:\n");
        for i in 0..400 {
            text.push_str(&format!(
                "  - {{id: p{i}, name: '{}', role: processor, country: DE, agreement: {{type: dpa, ref: 'https://example.com/dpa'}}}}\n",
                name(i)
            ));
        }
        text
    };
    // One evaluation going through every processor, and one per processor
    // (where the fast path hands `matches` to the interpreter, which runs
    // the condition again: the compilation is still charged once).
    for (for_each, condition) in [
        ("organization", "processors.all(p, !p.id.matches(p.name))"),
        ("processor", "!processor.id.matches(processor.name)"),
    ] {
        write(
            dir.path(),
            "pack.yaml",
            format!(
                "version: 1\npack: naming\nname: Naming\nrules:\n  - code: NAME001\n    name: id-matches-name\n    severity: warning\n    summary: s\n    for_each: {for_each}\n    require: \"{condition}\"\n    message: m\n"
            ),
        );
        // 400 distinct patterns of about 300 KiB compiled: 20 million steps.
        write(
            dir.path(),
            "m/a.yaml",
            processors(&|i| format!("x{i}[a-z]{{1000}}")),
        );
        let distinct = concise(dir.path(), &["--rules", "pack.yaml", "m"]);
        assert_eq!(distinct.code, 2, "{}{}", distinct.stdout, distinct.stderr);
        assert!(
            distinct
                .stdout
                .contains("error[PL032] rule `NAME001` was stopped"),
            "{for_each}: {}",
            distinct.stdout
        );
        // The same pattern for all: compiled once (small enough to keep:
        // `\w` is a Unicode class, about 20 KiB compiled).
        write(dir.path(), "m/a.yaml", processors(&|_| r"x\w+".into()));
        let shared = concise(dir.path(), &["--rules", "pack.yaml", "m"]);
        assert!(!shared.stdout.contains("NAME001"), "{}", shared.stdout);
        assert_eq!(shared.code, 0, "{}{}", shared.stdout, shared.stderr);
    }
}

/// `retention: {}` is one mistake: the missing field (either of the two
/// that would do), not also "no storage limit" (GDPR150) on the same value.
/// An entity that lacks a field keeps its other findings.
#[test]
fn a_mapping_missing_a_field_is_not_also_a_rule_finding() {
    let dir = tempfile::tempdir().unwrap();
    let activity = "activities:\n  - id: news\n    name: News\n    purpose: Send the newsletter\n    legal_basis: contract\n    data_categories: [contact.email]\n    data_subjects: [customers]\n";
    for retention in ["{}", "\n      reason: marketing"] {
        write(
            dir.path(),
            "a.yaml",
            format!("{ORG}{activity}    retention: {retention}\n"),
        );
        let run = concise(dir.path(), &["a.yaml"]);
        assert_eq!(
            run.stdout.trim_end(),
            "a.yaml:12:5: error[PL013] a retention is missing `period` or `until`",
            "{retention}"
        );
    }
    // A processor without a `name` still has a transfer without a mechanism.
    write(
        dir.path(),
        "a.yaml",
        format!(
            "{ORG}processors:\n  - id: crm\n    role: processor\n    country: US\n    agreement: {{type: dpa, ref: 'https://example.com/dpa'}}\n{activity}    retention: P1Y\n    recipients: [crm]\n"
        ),
    );
    let run = concise(dir.path(), &["a.yaml"]);
    assert!(
        run.stdout
            .contains("[PL013] processor `crm` is missing `name`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("[GDPR130]"), "{}", run.stdout);
}

/// A tab right after `:` reads like a space in an editor; the parser wants
/// a space there. The error points at the tab and says so.
#[test]
fn a_tab_after_a_colon_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.yaml",
        "version: 1\norganization:\n  name:\tBeispiel GmbH\n  country: DE\n",
    );
    let run = concise(dir.path(), &["a.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stdout.trim_end(),
        "a.yaml:3:8: error[PL002] invalid YAML: a tab after `:`, where a space is needed"
    );
}

/// A file that does not parse was never checked: no selector, severity,
/// per-path ignore, suppression or baseline makes it a pass.
#[test]
fn unreadable_files_cannot_be_ignored_into_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        "version: 1\norganization: {name: A, country: DE\n",
    );
    for args in [
        &["--ignore", "PL002"][..],
        &["--ignore", "yaml-syntax"],
        &["--ignore", "PL0"],
    ] {
        let mut all = args.to_vec();
        all.push("m.yaml");
        let run = concise(dir.path(), &all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert!(
            run.stdout.contains("error[PL002]"),
            "{args:?}: {}",
            run.stdout
        );
    }
    write(
        dir.path(),
        "privlint.yaml",
        "severity:\n  PL002: info\nper_path_ignores:\n  \"*.yaml\": [PL002]\n",
    );
    let run = privlint_in(dir.path(), &["check", "--format", "concise", "m.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let baseline = dir.path().join("baseline.json");
    let written = privlint_in(
        dir.path(),
        &[
            "check",
            "--isolated",
            "--write-baseline",
            baseline.to_str().unwrap(),
            "m.yaml",
        ],
    );
    assert!(written.code == 0 || written.code == 2, "{}", written.stderr);
    if baseline.exists() {
        let run = privlint_in(
            dir.path(),
            &[
                "check",
                "--isolated",
                "--baseline",
                baseline.to_str().unwrap(),
                "m.yaml",
            ],
        );
        assert_eq!(run.code, 2, "{}", run.stdout);
    }
}

/// A suppression comment naming a limit (PL005) cannot hide it: the finding
/// stays, with a note saying why, and the comment is not "unused" (PL042).
#[test]
fn a_suppressed_limit_stays_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(ORG);
    text.push_str("processors:\n");
    for i in 0..40 {
        let comment = if i == 31 {
            "  # privlint: allow PL005 -- generated"
        } else {
            ""
        };
        text.push_str(&format!(
            "  - {{id: p{i}, name: P, role: processor, country: DE, sub_processors: [p{}]}}{comment}\n",
            i + 1
        ));
    }
    text.push_str("  - {id: p40, name: P, role: processor, country: DE}\n");
    text.push_str("activities:\n  - {id: a, name: A, recipients: [p0]}\n");
    write(dir.path(), "a.yaml", text);
    let run = concise(dir.path(), &["a.yaml"]);
    assert!(run.stdout.contains("error[PL005]"), "{}", run.stdout);
    assert!(!run.stdout.contains("PL042"), "{}", run.stdout);
    let full = privlint_in(
        dir.path(),
        &["check", "--isolated", "--color", "never", "a.yaml"],
    );
    assert!(
        full.stdout
            .contains("`PL005` (limit-exceeded) cannot be ignored or downgraded"),
        "{}",
        full.stdout
    );
}

/// Processors that each list every other one: each cycle the search meets
/// is reported up to a cap, and following the chains stops at a step
/// budget (this took 24 s and 2.7 GB for 7 MB).
#[test]
fn processors_that_all_list_each_other_are_checked_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let n = 300;
    let ids: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
    let mut text = String::from("version: 1\norganization: {name: A, country: DE}\nprocessors:\n");
    for id in &ids {
        let subs: Vec<&str> = ids
            .iter()
            .filter(|s| *s != id)
            .map(String::as_str)
            .collect();
        text.push_str(&format!(
            "  - {{id: {id}, name: P, role: processor, country: DE, sub_processors: [{}]}}\n",
            subs.join(", ")
        ));
    }
    text.push_str("activities:\n");
    for a in 0..50 {
        text.push_str(&format!(
            "  - {{id: a{a}, name: A, legal_basis: contract, retention: P1Y, recipients: [{}]}}\n",
            ids.join(", ")
        ));
    }
    write(dir.path(), "m.yaml", text);
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let count = |code: &str| run.stdout.lines().filter(|l| l.contains(code)).count();
    assert_eq!(count("[PL022]"), 100, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("following sub-processors took more than"),
        "{}",
        run.stdout
    );
}

/// A rule that cites an invalid value as evidence is a consequence of the
/// format error, not a second problem: `country: EEA` is a PL012, not also
/// an organisation "established outside the EEA" without a representative.
#[test]
fn a_rule_citing_an_invalid_value_is_not_reported_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        "version: 1\norganization: {name: A, country: EEA, markets: [EEA]}\n",
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert!(run.stdout.contains("error[PL012]"), "{}", run.stdout);
    assert!(!run.stdout.contains("GDPR140"), "{}", run.stdout);
    // A valid third country still gets the finding.
    write(
        dir.path(),
        "m.yaml",
        "version: 1\norganization: {name: A, country: US, markets: [DE]}\n",
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert!(run.stdout.contains("[GDPR140]"), "{}", run.stdout);
    // A value over several lines is labelled at its key, and still stands
    // for its value: the invalid one hides the rule, the valid one not.
    let org = |country: &str| {
        format!("version: 1\norganization:\n  name: A\n  country: {country}\n  markets: [DE]\n")
    };
    for (country, cause) in [
        ("\"DE\n    X\"", "error[PL012]"),
        (">-\n    XX", "error[PL023]"),
        (
            "\"DE\n    X\"\n  representatives: {eu: {name: R, country: DE, contact: r@x}}",
            "error[PL012]",
        ),
    ] {
        write(dir.path(), "m.yaml", org(country));
        let run = concise(dir.path(), &["m.yaml"]);
        assert!(run.stdout.contains(cause), "{}", run.stdout);
        assert!(!run.stdout.contains("[GDPR"), "{}", run.stdout);
    }
    write(dir.path(), "m.yaml", org(">-\n    US"));
    let run = concise(dir.path(), &["m.yaml"]);
    assert!(
        run.stdout.contains("m.yaml:2:1: error[GDPR140]"),
        "{}",
        run.stdout
    );
}

/// A field a rule reads whole is unreliable when one of its items is
/// invalid: `residency: [EEAX]` is a PL012, not also a promise that every
/// flow breaks (ORG001). A stray key on an entity the rule only points at
/// still hides nothing.
#[test]
fn a_rule_reading_a_list_with_an_invalid_item_is_not_reported_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let set = |residency: &str, stray: &str| {
        format!(
            "version: 1\norganization: {{name: A, country: DE, markets: [DE], residency: {residency}}}\n\
             processors:\n  - {{id: p, name: P, role: processor, country: FR, locations: [FR]{stray}}}\n\
             activities:\n  - {{id: a, name: A, purpose: Support, legal_basis: contract, data: [contact], subjects: [customers], retention: P1Y, recipients: [p]}}\n"
        )
    };
    for residency in ["[EEAX]", "[DE, FRX]"] {
        write(dir.path(), "m.yaml", set(residency, ""));
        let run = concise(dir.path(), &["m.yaml"]);
        assert!(run.stdout.contains("error[PL012]"), "{}", run.stdout);
        assert!(!run.stdout.contains("[ORG001]"), "{}", run.stdout);
    }
    // A valid promise the flow breaks is reported, a stray key on the
    // processor beside it or not.
    for stray in ["", ", notes: x"] {
        write(dir.path(), "m.yaml", set("[DE]", stray));
        let run = concise(dir.path(), &["m.yaml"]);
        assert!(run.stdout.contains("[ORG001]"), "{}", run.stdout);
    }
}

/// A retention is an ISO 8601 duration, which may carry a decimal fraction
/// in its last unit (ISO 8601-1:2019 5.5.2.4): `P0.5Y` is half a year, not
/// a format error. A fraction before another unit, or a bare `P`, is.
#[test]
fn a_duration_with_a_fraction_in_its_last_unit_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    for (retention, valid) in [
        ("P0.5Y", true),
        ("P1,5D", true),
        ("P1Y2M3DT4H5M6.5S", true),
        ("PT0.5H", true),
        ("P1.5Y6M", false),
        ("P.5Y", false),
        ("P1.Y", false),
        ("P", false),
        // ISO 8601 digits are ASCII, as `\d` is in the schema's ECMA-262
        // patterns that editors run (Rust's `\d` is any Unicode digit).
        ("P\u{0663}Y", false),
    ] {
        write(
            dir.path(),
            "m.yaml",
            format!("version: 1\nactivities:\n  - {{id: a, name: A, retention: {retention}}}\n"),
        );
        let run = concise(dir.path(), &["m.yaml"]);
        let rejected = run
            .stdout
            .contains(&format!("`{retention}` is not an ISO 8601 duration"));
        assert_eq!(rejected, !valid, "{retention}: {}", run.stdout);
    }
}

/// "Did you mean" for misspelt selectors in `privlint.yaml` comes out of
/// the run's suggestion budget: 200,000 of them took 20 s, comparing each
/// with every rule. Past the budget, the errors carry no suggestion.
#[test]
fn misspelt_selectors_share_the_suggestion_budget() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.yaml", ORG);
    let selectors: Vec<String> = (0..5_000).map(|i| format!("GDPR10{i}X")).collect();
    write(
        dir.path(),
        "privlint.yaml",
        format!("select: [{}]\n", selectors.join(", ")),
    );
    let run = concise(dir.path(), &["m.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("[PL031]"))
        .collect();
    assert_eq!(lines.len(), 5_000, "{}", run.stdout);
    assert!(lines[0].contains("did you mean"), "{}", lines[0]);
    assert!(!lines[4_999].contains("did you mean"), "{}", lines[4_999]);
}
