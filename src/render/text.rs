//! `--format text`: compiler-style rendering with codespan-reporting —
//! severity and code, message, source lines with a primary label and
//! secondary labels (in any file), `= note:` and `= help:`, then a summary.

use super::{Counts, summary_line};
use crate::report::{Finding, Severity};
use crate::source::{FileId, SourceMap, printable};
use codespan_reporting::diagnostic::{Diagnostic, Label, LabelStyle};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor::WriteColor};
use std::ops::Range;

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<String, FilesError> {
        Ok(printable(&self.get(id).display_path()).into_owned())
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.get(id).display_text())
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.get(id).line_index(byte_index))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.get(id);
        if line_index >= file.line_count() {
            // codespan asks for the line after the last one when a span ends the file.
            return Ok(file.text.len()..file.text.len());
        }
        Ok(file.full_line_range(line_index))
    }
}

/// Lines longer than this are not shown: a snippet repeats its whole line,
/// so a generated one-line file with many findings would print gigabytes.
const MAX_SHOWN_LINE: usize = 500;

fn to_codespan(finding: &Finding, sources: &SourceMap) -> Diagnostic<FileId> {
    let severity = match finding.severity {
        Severity::Error => codespan_reporting::diagnostic::Severity::Error,
        Severity::Warning => codespan_reporting::diagnostic::Severity::Warning,
        Severity::Info => codespan_reporting::diagnostic::Severity::Note,
    };
    let all = std::iter::once(&finding.primary).chain(&finding.secondary);
    let too_long = |span: crate::source::Span| {
        let file = sources.get(span.file);
        let first = file.line_index(span.start as usize);
        let last = file.line_index(span.end as usize);
        (first..=last.min(first + 1))
            .any(|l| l < file.line_count() && file.full_line_range(l).len() > MAX_SHOWN_LINE)
    };
    let mut notes = Vec::new();
    let mut labels = Vec::new();
    if all.clone().any(|l| too_long(l.span)) {
        // Where, without the line: `--> path:line:col` for each label.
        for (i, label) in all.enumerate() {
            let location = super::location_of(label.span, sources);
            let message = printable(&label.message);
            notes.push(match i {
                0 => format!(
                    "--> {location}: {message} (line not shown: longer than {MAX_SHOWN_LINE} bytes)"
                ),
                _ => format!("--> {location}: {message}"),
            });
        }
    } else {
        labels.push(
            Label::new(
                LabelStyle::Primary,
                finding.primary.span.file,
                finding.primary.span.range(),
            )
            .with_message(printable(&finding.primary.message)),
        );
        labels.extend(finding.secondary.iter().map(|l| {
            Label::new(LabelStyle::Secondary, l.span.file, l.span.range())
                .with_message(printable(&l.message))
        }));
    }
    notes.extend(
        finding
            .notes
            .iter()
            .map(|n| format!("note: {}", printable(n))),
    );
    if let Some(citation) = &finding.citation {
        match &citation.url {
            Some(url) => notes.push(format!("note: {} <{url}>", printable(&citation.text))),
            None => notes.push(format!("note: {}", printable(&citation.text))),
        }
    }
    if let Some(help) = &finding.help {
        notes.push(format!("help: {}", printable(help)));
    }
    Diagnostic::new(severity)
        .with_code(&finding.code)
        .with_message(printable(&finding.message))
        .with_labels(labels)
        .with_notes(notes)
}

/// Writes every finding and, with `summary`, the summary line.
pub fn render(
    findings: &[Finding],
    sources: &SourceMap,
    files_checked: usize,
    summary: bool,
    out: &mut dyn WriteColor,
) -> std::io::Result<()> {
    let config = term::Config::default();
    for finding in findings {
        term::emit_to_write_style(out, &config, sources, &to_codespan(finding, sources)).map_err(
            |error| match error {
                // Keep the kind: a closed pipe (`| head`) ends the run quietly.
                FilesError::Io(error) => error,
                other => std::io::Error::other(other),
            },
        )?;
    }
    if !summary {
        return Ok(());
    }
    let counts = Counts::of(findings);
    let line = summary_line(counts, files_checked);
    let mut style = codespan_reporting::term::termcolor::ColorSpec::new();
    style.set_bold(true);
    out.set_color(&style)?;
    write!(out, "{line}")?;
    out.reset()?;
    writeln!(out)
}
pub use codespan_reporting::term::termcolor::Buffer;
