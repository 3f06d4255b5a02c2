//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF
//! viewers. Valid against the OASIS schema and within GitHub's stricter
//! subset: `$schema`, `tool.driver.rules` with short and full descriptions
//! and help, default levels, repository-relative URIs, `columnKind`, and
//! `partialFingerprints`.

use super::docs_url;
use crate::report::fingerprint::fingerprint;
use crate::report::{Finding, Severity};
use crate::source::{SourceMap, Span};
use serde_json::{Value, json};
use std::path::Path;

/// The log, serialized as it is written: each result is built, written and
/// dropped in turn, so memory does not grow with a copy of every finding.
#[derive(serde::Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    column_kind: &'static str,
    results: super::Lazy<'a, 'a, Finding, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invocations: Option<Value>,
}

/// The `uriBaseId` of the built-in rule packs.
const BUILTIN_BASE: &str = "PRIVLINT_BUILTIN";

/// What SARIF says about a rule in `tool.driver.rules`.
pub struct RuleInfo {
    pub code: String,
    pub name: String,
    pub summary: String,
    pub severity: Severity,
    /// Markdown documentation (`privlint explain`).
    pub docs: String,
    pub citation: Option<String>,
    /// The citation's link, the rule's `helpUri` when privlint has no page
    /// of its own for it (a user's pack).
    pub citation_url: Option<String>,
    pub tags: Vec<String>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A file's URI relative to the repository root (`%SRCROOT%`), with
/// forward slashes; a file outside it gets its absolute `file://` URI and
/// no base, since a relative `../` would climb out of the source root.
fn artifact_uri(path: &Path, root: Option<&Path>) -> (String, bool) {
    let absolute = crate::source::absolute_normalized(path);
    match root.and_then(|r| absolute.strip_prefix(r).ok()) {
        Some(relative) => {
            let uri = super::percent_encode_path(relative.as_os_str().as_encoded_bytes());
            (uri, true)
        }
        None => (super::json::file_uri(&absolute), false),
    }
}

fn region(sources: &SourceMap, span: Span) -> Value {
    let file = sources.get(span.file);
    let start = file.position(span.start as usize);
    let end = file.position(span.end as usize);
    // SARIF columns are 1-based; endColumn is exclusive. Columns count
    // UTF-16 code units, as `columnKind` says.
    json!({
        "startLine": start.line + 1,
        "startColumn": start.utf16 + 1,
        "endLine": end.line + 1,
        "endColumn": end.utf16.max(if start.line == end.line { start.utf16 + 1 } else { 0 }) + 1,
    })
}

/// First paragraph of the docs' "What it does" section, for `fullDescription`.
fn full_description(rule: &RuleInfo) -> String {
    let body = rule
        .docs
        .split("## What it does")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(&rule.summary);
    let mut text: String = body.split("\n\n").next().unwrap_or(body).replace('\n', " ");
    if text.chars().count() > 1000 {
        text = text.chars().take(999).collect::<String>() + "…";
    }
    text
}

pub fn render(findings: &[Finding], sources: &SourceMap, rules: &[RuleInfo], cwd: &Path) -> String {
    super::to_string(|out| render_to(out, findings, sources, rules, cwd))
}

/// [`render`], written as it is made: a large log is never held whole.
pub fn render_to(
    out: &mut dyn std::io::Write,
    findings: &[Finding],
    sources: &SourceMap,
    rules: &[RuleInfo],
    cwd: &Path,
) -> std::io::Result<()> {
    write_log(out, findings, sources, rules, cwd, None)
}

fn write_log(
    out: &mut dyn std::io::Write,
    findings: &[Finding],
    sources: &SourceMap,
    rules: &[RuleInfo],
    cwd: &Path,
    invocations: Option<Value>,
) -> std::io::Result<()> {
    let root = crate::source::repository_root(cwd);
    let mut used: Vec<&RuleInfo> = rules.iter().collect();
    used.sort_by(|a, b| a.code.cmp(&b.code));
    let index_of = |code: &str| used.iter().position(|r| r.code == code);
    let driver_rules: Vec<Value> = used
        .iter()
        .map(|r| {
            let mut help_text = r.docs.clone();
            if help_text.trim().is_empty() {
                help_text = r.summary.clone();
            }
            let mut properties = json!({ "tags": r.tags });
            if let Some(citation) = &r.citation {
                properties["citation"] = json!(citation);
            }
            let mut rule = json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": full_description(r) },
                "help": { "text": help_text, "markdown": help_text },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": properties,
            });
            if let Some(uri) = docs_url(&r.code, r.citation_url.as_deref()) {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect();
    // Each file's URI once, not once per location.
    let uris: Vec<Value> = sources
        .files()
        .map(|(_, f)| {
            if f.builtin {
                let uri = super::percent_encode_path(f.path.as_os_str().as_encoded_bytes());
                return json!({ "uri": uri, "uriBaseId": BUILTIN_BASE });
            }
            match artifact_uri(&f.path, root.as_deref()) {
                (uri, true) => json!({ "uri": uri, "uriBaseId": "%SRCROOT%" }),
                (uri, false) => json!({ "uri": uri }),
            }
        })
        .collect();
    let mut base_ids = serde_json::Map::new();
    if let Some(root) = &root {
        base_ids.insert(
            "%SRCROOT%".into(),
            json!({ "uri": super::json::file_uri(root) + "/" }),
        );
    }
    // A built-in rule pack is in the binary, under no directory a viewer
    // could resolve: the base is described, without a URI (SARIF 3.14.14).
    if sources.files().any(|(_, f)| f.builtin) {
        base_ids.insert(
            BUILTIN_BASE.into(),
            json!({ "description": { "text": "privlint's built-in rule packs, embedded in its binary (rules/ in privlint's repository)" } }),
        );
    }
    let result = |f: &Finding| -> Value {
        let location = |span: Span| {
            json!({
                "physicalLocation": {
                    "artifactLocation": uris[span.file.0 as usize],
                    "region": region(sources, span),
                }
            })
        };
        let mut message = f.message.clone();
        for note in &f.notes {
            message.push_str(&format!("\nnote: {note}"));
        }
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let mut primary = location(f.primary.span);
        if !f.primary.message.is_empty() {
            primary["message"] = json!({ "text": f.primary.message });
        }
        let mut result = json!({
            "ruleId": f.code,
            "level": level(f.severity),
            "message": { "text": message },
            "locations": [primary],
            "partialFingerprints": { "privlint/v1": fingerprint(f, sources) },
        });
        if let Some(i) = index_of(&f.code) {
            result["ruleIndex"] = json!(i);
        }
        if !f.secondary.is_empty() {
            let related: Vec<Value> = f
                .secondary
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let mut loc = location(l.span);
                    loc["id"] = json!(i);
                    loc["message"] = json!({ "text": l.message });
                    loc
                })
                .collect();
            result["relatedLocations"] = json!(related);
        }
        result
    };
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({
                "driver": {
                    "name": "privlint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/privlint/privlint",
                    "rules": driver_rules,
                }
            }),
            column_kind: "utf16CodeUnits",
            results: super::Lazy::new(findings, &result),
            original_uri_base_ids: (!base_ids.is_empty()).then(|| Value::Object(base_ids)),
            invocations,
        }],
    };
    super::write_pretty(out, &log)
}

/// A SARIF log for a run that could not check (no manifest, an unreadable
/// path, a broken config or rule pack): an unsuccessful invocation saying
/// why, so a code-scanning upload still gets a valid log, and the located
/// problems of a configuration or rule pack as results in those files.
pub fn render_error_to(
    out: &mut dyn std::io::Write,
    error: super::Failure<'_>,
    findings: &[Finding],
    sources: &SourceMap,
    rules: &[RuleInfo],
    cwd: &Path,
) -> std::io::Result<()> {
    let text = match error.help {
        Some(help) => format!("{} ({help})", error.message),
        None => error.message.to_string(),
    };
    let invocations = json!([{
        "executionSuccessful": false,
        "toolExecutionNotifications": [{
            "level": "error",
            "descriptor": { "id": error.code },
            "message": { "text": text },
        }],
    }]);
    write_log(out, findings, sources, rules, cwd, Some(invocations))
}

#[cfg(test)]
mod tests {
    use super::artifact_uri;
    use std::path::Path;

    #[test]
    fn uris_are_normalised_and_never_climb_out_of_the_source_root() {
        let root = Path::new("/repo");
        assert_eq!(
            artifact_uri(Path::new("/repo/privacy/./a b.yaml"), Some(root)),
            ("privacy/a%20b.yaml".to_string(), true)
        );
        assert_eq!(
            artifact_uri(Path::new("/repo/privacy/../m.yaml"), Some(root)),
            ("m.yaml".to_string(), true)
        );
        assert_eq!(
            artifact_uri(Path::new("/repo/../elsewhere/m.yaml"), Some(root)),
            ("file:///elsewhere/m.yaml".to_string(), false)
        );
        assert_eq!(
            artifact_uri(Path::new("/tmp/m.yaml"), None),
            ("file:///tmp/m.yaml".to_string(), false)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_name_that_is_not_utf8_keeps_its_bytes_in_the_uri() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"/tmp/bad\xffname.yaml"));
        assert_eq!(
            super::super::json::file_uri(path),
            "file:///tmp/bad%FFname.yaml"
        );
        assert_eq!(
            artifact_uri(path, Some(Path::new("/tmp"))),
            ("bad%FFname.yaml".to_string(), true)
        );
        // On Unix a backslash is part of a name, not a separator.
        assert_eq!(
            artifact_uri(Path::new("/tmp/a\\b.yaml"), Some(Path::new("/tmp"))),
            ("a%5Cb.yaml".to_string(), true)
        );
    }
}
