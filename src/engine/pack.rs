//! Rule packs: YAML files of rules (`rules/<pack>/pack.yaml` built in,
//! more from `--rules`). Loading parses the YAML, validates it against
//! `schemas/rule-pack.schema.json`, compiles every expression and template
//! once, and reports each problem located in the pack file.

use super::entities::{Kind, VarType, derived_fields};
use super::expr::{Expr, FieldError, Template};
use crate::load::embedded::Embedded;
use crate::load::node::Node;
use crate::load::yaml;
use crate::report::{Citation, Finding, Label, Severity};
use crate::schema::CompiledSchema;
use crate::source::{FileId, Span};
use crate::suggest::did_you_mean;

/// Where a label points: a variable in scope and a field path inside it.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub var: String,
    pub path: Vec<String>,
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub summary: String,
    pub pack: String,
    /// The regulation that must apply for the rule to run (`None`: always).
    pub regulation: Option<String>,
    pub citation: Option<Citation>,
    pub kind: Kind,
    pub when: Option<Expr>,
    pub require: Expr,
    pub verified: Option<Expr>,
    pub message: Template,
    pub label: Option<Template>,
    pub at: Anchor,
    pub related: Vec<(Anchor, Template)>,
    pub help: Option<Template>,
    pub note: Option<Template>,
    pub docs: String,
    /// Where the rule's code is written, for duplicate-code reports.
    pub code_span: Span,
    /// Where its name is written, for duplicate-name reports.
    pub name_span: Span,
}

impl Rule {
    /// Whether one of its conditions takes a `matches` pattern from data.
    pub fn patterns_from_data(&self) -> bool {
        [
            self.when.as_ref(),
            Some(&self.require),
            self.verified.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|e| e.patterns_from_data)
    }
}

/// Summary of a loaded pack.
#[derive(Debug, Clone)]
pub struct PackInfo {
    pub id: String,
    pub name: String,
    pub path: String,
    pub regulation: Option<String>,
    /// Where `pack:` gives the id.
    pub id_span: Option<Span>,
}

const CODE: &str = "PL030";
const NAME: &str = "invalid-rule-pack";

fn pack_error(span: Span, message: impl Into<String>, label: impl Into<String>) -> Finding {
    Finding::new(
        CODE,
        NAME,
        Severity::Error,
        message,
        Label::new(span, label),
    )
}

/// A problem in one field of a rule (an expression or a template).
fn field_error(span: Span, key: &str, message: String, help: Option<String>) -> Finding {
    pack_error(span, format!("in `{key}`: {message}"), "here").with_optional_help(help)
}

/// Parses and compiles one pack file. `file` is its id in the source map.
/// Built-in packs (`embedded`) come read already and skip the schema check
/// at run time: a test validates them against the schema instead.
pub fn load_pack(
    file: FileId,
    path: &str,
    text: &str,
    embedded: Option<&Embedded>,
    findings: &mut Vec<Finding>,
) -> Option<(PackInfo, Vec<Rule>)> {
    // Every problem in a pack is reported as PL030, whatever found it.
    let as_pack_error = |mut f: Finding| {
        f.code = CODE.to_string();
        f.name = NAME.to_string();
        f
    };
    // A built-in pack is read at build time, and trusted.
    let trusted = embedded.is_some();
    let root = if let Some(embedded) = embedded {
        embedded.root(file)
    } else {
        let parsed = yaml::parse(file, text, yaml::YamlLimits::default());
        let had_yaml_errors = !parsed.findings.is_empty();
        findings.extend(parsed.findings.into_iter().map(as_pack_error));
        let Some(root) = parsed.root else {
            // Empty, or only comments: a truncated or unfinished pack
            // must not pass as one with no rules.
            if !had_yaml_errors {
                findings.push(
                    pack_error(Span::new(file, 0..0), "the rule pack is empty", "no rules here")
                        .with_help(
                            "a rule pack is a mapping with `version`, `pack`, `name` and `rules` (docs/rule-packs.md)",
                        ),
                );
            }
            return None;
        };
        if had_yaml_errors {
            return None;
        }
        root
    };
    let schema_findings = if trusted {
        Vec::new()
    } else {
        CompiledSchema::rule_pack().validate_node(&root)
    };
    if !schema_findings.is_empty() {
        findings.extend(schema_findings.into_iter().map(as_pack_error));
        return None;
    }
    let text_of = |node: &Node, key: &str| node.get(key).and_then(Node::as_str).map(str::to_string);
    let info = PackInfo {
        id: text_of(&root, "pack").unwrap_or_default(),
        name: text_of(&root, "name").unwrap_or_default(),
        path: path.to_string(),
        regulation: text_of(&root, "regulation"),
        id_span: root.get("pack").map(|n| n.span),
    };
    let mut rules = Vec::new();
    for rule in root.get("rules").map(Node::as_seq).unwrap_or_default() {
        if let Some(rule) = compile_rule(rule, &info, trusted, findings) {
            rules.push(rule);
        }
    }
    Some((info, rules))
}

fn compile_rule(
    node: &Node,
    pack: &PackInfo,
    trusted: bool,
    findings: &mut Vec<Finding>,
) -> Option<Rule> {
    let text = |key: &str| node.get(key).and_then(Node::as_str).map(str::to_string);
    let code_node = node.get("code")?;
    let kind_node = node.get("for_each")?;
    let kind = Kind::parse(kind_node.as_str()?)?;
    let variables = kind.variable_names();
    let before = findings.len();

    // A built-in pack's fields are checked by a test, not on every run
    // (the catalogue of fields is rebuilt per template).
    let known = |var: &str, path: &[&str]| -> Result<(), FieldError> {
        if trusted {
            return Ok(());
        }
        check_field(kind, var, path)
    };
    let mut expr = |key: &str| -> Option<Expr> {
        let value = node.get(key)?;
        let source = value.as_str()?;
        if let Some(stored) = Expr::builtin(source).filter(|_| trusted) {
            return Some(stored);
        }
        match Expr::compile(source, &variables, &known) {
            Ok(e) => Some(e),
            Err(error) => {
                let mut span = offset_span(value, source, error.offset);
                // A name (`startswith`, `actvity`) is underlined whole.
                if let Some(offset) = error.offset
                    && span != value.span
                {
                    let word = source[offset.min(source.len())..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(source.len() - offset.min(source.len()));
                    span.end = (span.start + word.max(1) as u32).min(value.span.end);
                }
                findings.push(field_error(span, key, error.message, error.help));
                None
            }
        }
    };
    let when = expr("when");
    let require = expr("require");
    let verified = expr("verified");

    let mut template = |key: &str, value: Option<&Node>| -> Option<Template> {
        let value = value?;
        let source = value.as_str()?;
        match Template::parse(source, &known, &variables) {
            // Only a note can be left out; elsewhere `?` would print an
            // empty value silently.
            Ok(t) if t.has_optional() && key != "note" => {
                let at = source.find("?}").unwrap_or(0);
                findings.push(field_error(
                    offset_span(value, source, Some(at)),
                    key,
                    "an optional placeholder (`{…?}`) is allowed only in a `note`".to_string(),
                    Some(
                        "drop the `?`, or move the text that needs it into the rule's `note`"
                            .to_string(),
                    ),
                ));
                None
            }
            Ok(t) => Some(t),
            Err(error) => {
                let span = widen_to_placeholder(
                    offset_span(value, source, Some(error.offset)),
                    value,
                    source,
                    error.offset,
                );
                findings.push(field_error(span, key, error.message, error.help));
                None
            }
        }
    };
    let message = template("message", node.get("message"));
    let label = template("label", node.get("label"));
    let help = template("help", node.get("help"));
    let note = template("note", node.get("note"));
    let mut anchor_errors = Vec::new();
    let mut related = Vec::new();
    for item in node.get("related").map(Node::as_seq).unwrap_or_default() {
        let anchor = item
            .get("at")
            .and_then(|a| anchor(a, kind, &known, &mut anchor_errors));
        let text = template("related.message", item.get("message"));
        if let (Some(a), Some(t)) = (anchor, text) {
            related.push((a, t));
        }
    }
    let at = match node.get("at") {
        Some(a) => anchor(a, kind, &known, &mut anchor_errors),
        None => Some(Anchor {
            var: variables[0].to_string(),
            path: Vec::new(),
        }),
    };
    findings.extend(anchor_errors);
    if findings.len() > before {
        return None;
    }
    let citation = node.get("citation").map(|c| Citation {
        text: c
            .get("text")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string(),
        url: c.get("url").and_then(Node::as_str).map(str::to_string),
    });
    Some(Rule {
        code: code_node.as_str()?.to_string(),
        name: text("name")?,
        severity: Severity::parse(&text("severity")?)?,
        summary: text("summary")?,
        pack: pack.id.clone(),
        regulation: text("regulation").or_else(|| pack.regulation.clone()),
        citation,
        kind,
        when,
        require: require?,
        verified,
        message: message?,
        label,
        at: at?,
        related,
        help,
        note,
        docs: text("docs").unwrap_or_default(),
        code_span: code_node.span,
        name_span: node.get("name").map_or(code_node.span, |n| n.span),
    })
}

/// Whether `var.path` names a field: the first segment against the
/// variable's catalog, and for a transfer's `gdpr` / `ndsg` facts the
/// second. Lists and `today` have no fields to check (methods, indices).
fn check_field(kind: Kind, var: &str, path: &[&str]) -> Result<(), FieldError> {
    let Some(first) = path.first() else {
        return Ok(());
    };
    let t = kind.var_type(var);
    if matches!(t, Some(VarType::List | VarType::Text) | None) {
        return Ok(());
    }
    let fields = field_catalog(kind, var);
    if !fields.iter().any(|f| f == first) {
        return Err(FieldError {
            segment: first.to_string(),
            candidates: fields,
        });
    }
    if t == Some(VarType::Transfer)
        && matches!(*first, "gdpr" | "ndsg")
        && let Some(second) = path.get(1)
        && !super::facts::REGIME_FIELDS.contains(second)
    {
        return Err(FieldError {
            segment: second.to_string(),
            candidates: super::facts::REGIME_FIELDS
                .iter()
                .map(|f| f.to_string())
                .collect(),
        });
    }
    Ok(())
}

/// The fields a template may name on a variable.
fn field_catalog(kind: Kind, var: &str) -> Vec<String> {
    let Some(t) = kind.var_type(var) else {
        return Vec::new();
    };
    let mut fields: Vec<String> = derived_fields(t).iter().map(|s| s.to_string()).collect();
    let def = match t {
        VarType::Organization => Some("organization"),
        VarType::Processor => Some("processor"),
        VarType::Activity => Some("activity"),
        VarType::Tracking => Some("tracking"),
        _ => None,
    };
    if let Some(def) = def {
        fields.extend(crate::schema::manifest_properties_of(def));
    }
    fields.sort();
    fields.dedup();
    fields
}

fn anchor(
    node: &Node,
    kind: Kind,
    known: &super::expr::FieldCheck<'_>,
    findings: &mut Vec<Finding>,
) -> Option<Anchor> {
    let text = node.as_str()?;
    let mut parts = text.split('.');
    let var = parts.next().unwrap_or_default().to_string();
    let variables = kind.variable_names();
    if kind.var_type(&var).is_none()
        || matches!(kind.var_type(&var), Some(VarType::List | VarType::Text))
    {
        let hint = did_you_mean(&var, variables.iter().copied());
        let mut finding = pack_error(
            node.span,
            match hint {
                Some(h) => format!("`at` names unknown variable `{var}`; did you mean `{h}`?"),
                None => format!("`at` names unknown variable `{var}`"),
            },
            "here",
        );
        finding = finding.with_help(format!(
            "labels can point at {}",
            variables
                .iter()
                .filter(|v| !matches!(kind.var_type(v), Some(VarType::List | VarType::Text)))
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        findings.push(finding);
        return None;
    }
    let path: Vec<String> = parts.map(str::to_string).collect();
    // A label falls back to the entity when the field is absent from a
    // manifest; a field no manifest can have is a mistake in the pack.
    let segments: Vec<&str> = path.iter().map(String::as_str).collect();
    if let Err(error) = known(&var, &segments) {
        let (_, message) = error.describe(&var, &segments);
        findings.push(
            pack_error(node.span, format!("`at`: {message}"), "here")
                .with_help("docs/rule-packs.md lists the fields of every variable"),
        );
        return None;
    }
    Some(Anchor { var, path })
}

/// The span of a byte offset inside a string value, when the value is
/// written on one line as plain or quoted text; else the whole value.
fn offset_span(value: &Node, source: &str, offset: Option<usize>) -> Span {
    let whole = value.span;
    let Some(offset) = offset else { return whole };
    let written = whole.end.saturating_sub(whole.start) as usize;
    let quote = match written.checked_sub(source.len()) {
        Some(0) => 0,
        Some(2) => 1,
        _ => return whole,
    };
    let start = whole.start as usize + quote + offset.min(source.len());
    let end = (start + 1).min(whole.end as usize - quote).max(start);
    Span::new(whole.file, start..end)
}

/// A template error's span covers the whole `{placeholder}`.
fn widen_to_placeholder(span: Span, value: &Node, source: &str, offset: usize) -> Span {
    if span == value.span {
        return span;
    }
    let len = source[offset..].find('}').map_or(1, |close| close + 1);
    Span {
        end: (span.start + len as u32).min(value.span.end),
        ..span
    }
}
