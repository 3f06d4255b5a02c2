//! The one diagnostic type every stage produces and every renderer reads.

use crate::source::{SourceMap, Span};
use serde::Serialize;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A span with what it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// The value the label stands for when it is drawn elsewhere (a value
    /// written over several lines is labelled at its key): what
    /// `report::cascade` checks. Not shown.
    pub value: Option<Span>,
    /// The rule read this whole value (a field it names, such as
    /// `residency: [EEA, XX]`): a format error anywhere in it makes the
    /// finding unreliable (`report::cascade`). Not shown.
    pub reads_whole: bool,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
            value: None,
            reads_whole: false,
        }
    }

    /// The label, standing for `value` (kept only when it is not drawn there).
    pub fn standing_for(mut self, value: Span) -> Label {
        self.value = (value != self.span).then_some(value);
        self
    }

    /// The span the label's evidence is read from.
    pub fn evidence(&self) -> Span {
        self.value.unwrap_or(self.span)
    }
}

/// Where a rule comes from in the law.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Citation {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A finding: something wrong (or worth knowing) at a place in the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Stable code (`PL021`, `GDPR101`).
    pub code: String,
    /// Kebab-case name (`unknown-reference`).
    pub name: String,
    pub severity: Severity,
    /// One line, lowercase, no trailing period; names things in backticks.
    pub message: String,
    /// The thing that is wrong.
    pub primary: Label,
    /// What explains it, possibly in other files.
    pub secondary: Vec<Label>,
    /// Context (`= note:`).
    pub notes: Vec<String>,
    /// How to fix it (`= help:`).
    pub help: Option<String>,
    pub citation: Option<Citation>,
    /// What the finding is about, for its fingerprint, when the message
    /// also shows what may change without changing that: a rule's message
    /// with display names left out (`processor `crm` ({name})`), so that
    /// renaming a processor keeps it in the baseline. `None`: the message.
    pub identity: Option<String>,
    /// For a format error, the value it makes unreliable beyond its label
    /// (a mapping that lacks a field): rule findings on it are dropped as
    /// consequences (`report::cascade`). Not shown.
    pub covers: Option<Span>,
}

impl Finding {
    pub fn new(
        code: &str,
        name: &str,
        severity: Severity,
        message: impl Into<String>,
        primary: Label,
    ) -> Finding {
        Finding {
            code: code.to_string(),
            name: name.to_string(),
            severity,
            message: message.into(),
            primary,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            citation: None,
            identity: None,
            covers: None,
        }
    }

    pub fn with_secondary(mut self, label: Label) -> Finding {
        self.secondary.push(label);
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Finding {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn with_optional_help(mut self, help: Option<String>) -> Finding {
        if help.is_some() {
            self.help = help;
        }
        self
    }
}

/// Sorts findings into the order every format shows them: by file path,
/// then position, then code and message, so output never depends on the
/// order files were found or rules ran.
pub fn sort_findings(findings: &mut [Finding], sources: &SourceMap) {
    findings.sort_by(|a, b| {
        let pa = &sources.get(a.primary.span.file).path;
        let pb = &sources.get(b.primary.span.file).path;
        pa.cmp(pb)
            .then(a.primary.span.start.cmp(&b.primary.span.start))
            .then(a.primary.span.end.cmp(&b.primary.span.end))
            .then(a.code.cmp(&b.code))
            .then(a.message.cmp(&b.message))
    });
}
