//! `--format json`: diagnostics an editor can use without translation.
//! Each diagnostic is an LSP 3.17 `Diagnostic` (0-based ranges in UTF-16
//! code units, severity 1-4, code, `codeDescription.href`, `source`,
//! `relatedInformation`) plus privlint's own fields: the file, the rule
//! name, help, notes, citation, and 1-based line/column and byte offsets
//! for people and scripts. Schema: `schemas/diagnostics.schema.json`.

use super::{Counts, docs_url};
use crate::report::{Finding, Severity};
use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::path::Path;

/// Version of this output format; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'l, 'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    diagnostics: super::Lazy<'l, 'a, Finding, Diagnostic<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<super::Failure<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Diagnostic<'a> {
    file: &'a str,
    uri: &'a str,
    range: Range,
    severity: u8,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_description: Option<CodeDescription>,
    source: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_information: Vec<Related<'a>>,
    name: &'a str,
    severity_name: &'static str,
    location: HumanLocation,
    #[serde(skip_serializing_if = "str::is_empty")]
    label: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    citation: Option<&'a crate::report::Citation>,
}

#[derive(Serialize)]
struct CodeDescription {
    href: String,
}

#[derive(Serialize)]
struct Related<'a> {
    location: Location<'a>,
    message: &'a str,
}

#[derive(Serialize)]
struct Location<'a> {
    uri: &'a str,
    range: Range,
}

#[derive(Serialize)]
struct Range {
    start: LspPosition,
    end: LspPosition,
}

#[derive(Serialize)]
struct LspPosition {
    line: u32,
    character: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HumanLocation {
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    byte_start: u32,
    byte_end: u32,
}

fn lsp_range(sources: &SourceMap, span: Span) -> Range {
    let file = sources.get(span.file);
    let start = file.position(span.start as usize);
    let end = file.position(span.end as usize);
    Range {
        start: LspPosition {
            line: start.line,
            character: start.utf16,
        },
        end: LspPosition {
            line: end.line,
            character: end.utf16,
        },
    }
}

fn human(sources: &SourceMap, span: Span) -> HumanLocation {
    let file = sources.get(span.file);
    let start = file.position(span.start as usize);
    let end = file.position(span.end as usize);
    HumanLocation {
        line: start.line + 1,
        column: start.column + 1,
        end_line: end.line + 1,
        end_column: end.column + 1,
        byte_start: start.byte,
        byte_end: end.byte,
    }
}

/// The URI of a source: its file's, or `privlint:builtin/<path>` for a
/// built-in rule pack, which is not on disk (a `file://` URI would name
/// whatever file of that name the working directory has).
pub fn source_uri(file: &crate::source::SourceFile) -> String {
    if file.builtin {
        let path = file.path.as_os_str().as_encoded_bytes();
        return format!("privlint:builtin/{}", super::percent_encode_path(path));
    }
    file_uri(&file.path)
}

/// A `file://` URI for a path, absolute and percent-encoded as RFC 3986 requires.
pub fn file_uri(path: &Path) -> String {
    let absolute = crate::source::absolute_normalized(path);
    // The path's own bytes, so a name that is not UTF-8 keeps them (`%FF`).
    let bytes = absolute.as_os_str().as_encoded_bytes();
    let mut uri = String::from("file://");
    if !bytes.starts_with(b"/") {
        uri.push('/');
    }
    // A Windows drive letter keeps its colon (`file:///C:/…`).
    let rest = match bytes {
        [drive, b':', rest @ ..] if drive.is_ascii_alphabetic() => {
            uri.push(*drive as char);
            uri.push(':');
            rest
        }
        _ => bytes,
    };
    uri.push_str(&super::percent_encode_path(rest));
    uri
}

pub fn lsp_severity(severity: Severity) -> u8 {
    match severity {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
    }
}

pub fn render(findings: &[Finding], sources: &SourceMap, files_checked: usize) -> String {
    super::to_string(|out| render_to(out, findings, sources, files_checked))
}

/// [`render`], written as it is made: a large report is never held whole.
pub fn render_to(
    out: &mut dyn std::io::Write,
    findings: &[Finding],
    sources: &SourceMap,
    files_checked: usize,
) -> std::io::Result<()> {
    // Each file's path and URI once, not once per finding.
    let files: Vec<(String, String)> = sources
        .files()
        .map(|(_, f)| (f.display_path(), source_uri(f)))
        .collect();
    write(out, findings, sources, &files, files_checked, None)
}

fn write<'a>(
    out: &mut dyn std::io::Write,
    findings: &'a [Finding],
    sources: &'a SourceMap,
    files: &'a [(String, String)],
    files_checked: usize,
    error: Option<super::Failure<'a>>,
) -> std::io::Result<()> {
    let counts = Counts::of(findings);
    let diagnostic = |f: &'a Finding| -> Diagnostic<'a> {
        let uri_of = |span: Span| files[span.file.0 as usize].1.as_str();
        Diagnostic {
            file: &files[f.primary.span.file.0 as usize].0,
            uri: uri_of(f.primary.span),
            range: lsp_range(sources, f.primary.span),
            severity: lsp_severity(f.severity),
            code: &f.code,
            code_description: docs_url(&f.code, f.citation.as_ref().and_then(|c| c.url.as_deref()))
                .map(|href| CodeDescription { href }),
            source: "privlint",
            message: &f.message,
            related_information: f
                .secondary
                .iter()
                .map(|l| Related {
                    location: Location {
                        uri: uri_of(l.span),
                        range: lsp_range(sources, l.span),
                    },
                    message: &l.message,
                })
                .collect(),
            name: &f.name,
            severity_name: f.severity.as_str(),
            location: human(sources, f.primary.span),
            label: &f.primary.message,
            help: f.help.as_deref(),
            notes: f.notes.iter().map(String::as_str).collect(),
            citation: f.citation.as_ref(),
        }
    };
    let output = Output {
        version: FORMAT_VERSION,
        tool: Tool {
            name: "privlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files: files_checked,
            errors: counts.errors,
            warnings: counts.warnings,
            infos: counts.infos,
        },
        diagnostics: super::Lazy::new(findings, &diagnostic),
        error,
    };
    super::write_pretty(out, &output)
}

/// The JSON document for a run that could not check: an `error` saying
/// why (the same text as on standard error) and, for a configuration or
/// rule pack that could not be used, its problems as diagnostics located
/// in those files, so an editor can show them where they are.
pub fn render_error_to(
    out: &mut dyn std::io::Write,
    error: super::Failure<'_>,
    findings: &[Finding],
    sources: &SourceMap,
) -> std::io::Result<()> {
    let files: Vec<(String, String)> = sources
        .files()
        .map(|(_, f)| (f.display_path(), source_uri(f)))
        .collect();
    write(out, findings, sources, &files, 0, Some(error))
}
