//! Turns JSON Schema validation errors into privlint findings: the right
//! span, a message in the domain's words, and a "did you mean".

use super::window::Window;
use crate::load::node::{Node, PathSegment};
use crate::report::codes;
use crate::report::{Finding, Label, MAX_FORMAT_FINDINGS};
use crate::suggest::did_you_mean;
use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use serde_json::Value as Json;
use std::collections::{HashMap, HashSet};

/// A file's format findings, at most [`MAX_FORMAT_FINDINGS`] of them; the
/// rest are counted.
pub struct Out {
    pub findings: Vec<Finding>,
    pub unshown: usize,
    /// Whether every error of the file was counted in `unshown`.
    pub counted_all: bool,
}

impl Default for Out {
    fn default() -> Self {
        Out {
            findings: Vec::new(),
            unshown: 0,
            counted_all: true,
        }
    }
}

impl Out {
    pub fn full(&self) -> bool {
        self.findings.len() >= MAX_FORMAT_FINDINGS
    }

    fn push(&mut self, finding: Finding) {
        if self.full() {
            self.unshown += 1;
        } else {
            self.findings.push(finding);
        }
    }
}

/// Where an error is in the instance, as jsonschema saw it.
pub fn error_path(error: &ValidationError<'_>) -> Vec<Seg> {
    error
        .instance_path()
        .iter()
        .map(|s| match s {
            LocationSegment::Property(p) => Seg::Key(p.to_string()),
            LocationSegment::Index(i) => Seg::Index(i),
        })
        .collect()
}

/// Describes one error. `window` is the window the file was validated
/// through, if it was: list indexes are then the window's, and are shifted
/// back to the file's.
pub fn describe(
    error: &ValidationError<'_>,
    root: &Node,
    window: Option<&Window>,
    schema: &Json,
    root_noun: &str,
    out: &mut Out,
) {
    let mut path = error_path(error);
    if let Some(window) = window {
        window.locate(root, &mut path);
    }
    describe_at(error, path, root, window, schema, root_noun, out);
}

/// [`describe`] for an error already located in the file at `path`.
pub fn describe_at(
    error: &ValidationError<'_>,
    path: Vec<Seg>,
    root: &Node,
    window: Option<&Window>,
    schema: &Json,
    root_noun: &str,
    out: &mut Out,
) {
    let Some(node) = root.at_path(path.iter().map(Seg::as_path)) else {
        return;
    };
    let schema_path = error.schema_path().as_str().to_string();
    let field = field_name(&path);
    match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            // Pick the branch meant for this kind of value (the one without a
            // type error at this very place) and report its errors instead.
            let here = error.instance_path().as_str();
            let fitting: Vec<&Vec<ValidationError<'static>>> = context
                .iter()
                .filter(|branch| {
                    !branch.iter().any(|e| {
                        matches!(e.kind(), ValidationErrorKind::Type { .. })
                            && e.instance_path().as_str() == here
                    })
                })
                .collect();
            match fitting.first() {
                Some(branch) => {
                    for inner in branch.iter() {
                        describe(inner, root, window, schema, root_noun, out);
                    }
                }
                None => {
                    let expected = context
                        .iter()
                        .filter_map(|b| {
                            b.iter().find_map(|e| match e.kind() {
                                ValidationErrorKind::Type { kind } => Some(type_words(kind)),
                                _ => None,
                            })
                        })
                        .collect::<Vec<_>>()
                        .join(" or ");
                    let mut finding = codes::INVALID_TYPE.at(
                        node.span,
                        format!("{field} must be {expected}, found {}", node.kind_name()),
                        format!("expected {expected}"),
                    );
                    // Privacy notices often give alternatives ("Art. 6(1)(b),
                    // otherwise (f)"); a record names the basis it relies on.
                    if matches!(path.last(), Some(Seg::Key(k)) if k == "legal_basis")
                        && !node.as_seq().is_empty()
                    {
                        finding = finding.with_help(
                            "name the one basis this activity relies on; if different purposes rest on different bases, make one activity per purpose",
                        );
                    }
                    out.push(finding);
                }
            }
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let object_path = schema_path.rsplit_once('/').map_or("", |(p, _)| p);
            let known: Vec<String> = schema
                .pointer(object_path)
                .and_then(|s| s.get("properties"))
                .and_then(Json::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            let owner = object_noun(object_path, &path, root_noun);
            // In the file's order, by one pass: a mapping may have a great
            // many unknown keys, and each is reported until the cap.
            let unexpected: HashSet<&str> = unexpected.iter().map(String::as_str).collect();
            let mut left = unexpected.len();
            for entry in node.entries() {
                if left == 0 || out.full() {
                    out.unshown += left;
                    break;
                }
                if unexpected.contains(&*entry.key) {
                    left -= 1;
                    out.push(unknown_field(&entry.key, entry.key_span, &owner, &known));
                }
            }
        }
        ValidationErrorKind::Required { property } => {
            let property = property.as_str().unwrap_or_default();
            let object_path = schema_path.rsplit_once('/').map_or("", |(p, _)| p);
            // `requires:` for `require:` is one mistake: the unknown key's
            // "did you mean `require`?" says it, without a second error.
            let closed = schema.pointer(&format!("{object_path}/additionalProperties"))
                == Some(&serde_json::Value::Bool(false));
            let misspelt = closed
                && node.entries().iter().any(|e| {
                    schema
                        .pointer(&format!("{object_path}/properties/{}", e.key))
                        .is_none()
                        && did_you_mean(&e.key, [property]).is_some()
                });
            if misspelt {
                return;
            }
            let owner = describe_entity(object_noun(object_path, &path, root_noun), node);
            let entry = parent_entry_span(root, &path).filter(|_| node.get("id").is_none());
            let (span, label) = match entry {
                Some(key) => (key, "declared here".to_string()),
                None => head_label(node),
            };
            // `else: {required: [period]}` after `if: {required: [until]}`:
            // either field would do.
            let instead = object_path
                .strip_suffix("/else")
                .and_then(|p| schema.pointer(&format!("{p}/if/required/0")))
                .and_then(serde_json::Value::as_str);
            let (message, help) = match instead {
                Some(other) => (
                    format!("{owner} is missing `{property}` or `{other}`"),
                    format!("add `{property}:` or `{other}:`"),
                ),
                None => (
                    format!("{owner} is missing `{property}`"),
                    match schema
                        .pointer(&format!("{object_path}/properties/{property}"))
                        .and_then(|p| enum_values(p, schema))
                    {
                        Some(values) => {
                            format!("add `{property}:` with one of {}", list_code(&values))
                        }
                        None => format!("add `{property}:`"),
                    },
                ),
            };
            let mut finding = codes::MISSING_FIELD
                .at(span, message, label)
                .with_help(help);
            // A field's value that lacks a field of its own (`retention: {}`)
            // is unreliable as a whole: rule findings on it are consequences.
            // An entity or a section keeps its other findings.
            if entry.is_some() && path.len() >= 2 {
                finding.covers = Some(node.span);
            }
            out.push(finding);
        }
        ValidationErrorKind::Type { kind } => {
            let expected = type_words(kind);
            let mut finding = codes::INVALID_TYPE.at(
                node.span,
                format!("{field} must be {expected}, found {}", node.kind_name()),
                format!("expected {expected}"),
            );
            // Only short values are quoted back: a help line is one line.
            let short = node.as_str().filter(|t| t.len() <= 80);
            if matches!(kind, TypeKind::Single(jsonschema::JsonType::Array)) {
                if let Some(text) = short {
                    finding = finding.with_help(format!("write a list: `[{text}]`"));
                }
            } else if let (Some(text), TypeKind::Single(jsonschema::JsonType::Integer)) =
                (short, kind)
            {
                finding = finding.with_help(format!("write a number without quotes, not `{text}`"));
            } else if schema_path.starts_with("/$defs/date/")
                && let Some(digits) = node.as_i64().map(|n| n.to_string())
                && digits.len() == 8
                && format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..])
                    .parse::<jiff::civil::Date>()
                    .is_ok()
            {
                // `signed: 20250115`: a date written without its dashes.
                let (y, m, d) = (&digits[..4], &digits[4..6], &digits[6..]);
                finding = finding.with_help(format!("write the date as YYYY-MM-DD: `{y}-{m}-{d}`"));
            }
            out.push(finding);
        }
        ValidationErrorKind::Enum { options } => {
            let values: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let found = scalar_text(node);
            let is_severity = values.len() == 3
                && ["error", "warning", "info"]
                    .iter()
                    .all(|v| values.iter().any(|x| x == v));
            let what = if is_severity {
                "severity".to_string()
            } else {
                field_bare(&path)
            };
            let mut message = format!("`{found}` is not a valid {what}");
            if let Some(best) = did_you_mean(&found, values.iter().map(String::as_str)) {
                message.push_str(&format!("; did you mean `{best}`?"));
            }
            out.push(
                codes::INVALID_VALUE
                    .at(node.span, message, "unknown value")
                    .with_help(format!("use one of {}", list_code(&values))),
            );
        }
        ValidationErrorKind::Pattern { .. } => {
            out.push(pattern_finding(&schema_path, node, &path));
        }
        // Evidence must be found the same way on every machine that checks.
        ValidationErrorKind::Not { .. } | ValidationErrorKind::MinLength { .. }
            if schema_path.starts_with("/$defs/evidence/") =>
        {
            let text = scalar_text(node);
            let message = if text.is_empty() {
                format!("{} is empty", field_name(&path))
            } else {
                format!("`{text}` is not a path in the repository or a URL")
            };
            out.push(
                codes::INVALID_VALUE
                    .at(node.span, message, "not a repository path or URL")
                    .with_help("write a path relative to the manifest or the repository, such as `contracts/dpa.md`, or a URL such as `https://example.com/dpa`: an absolute or `file:` path depends on the machine that checks"),
            );
        }
        ValidationErrorKind::FalseSchema => {
            let key = match path.last() {
                Some(Seg::Key(k)) => k.clone(),
                _ => "value".to_string(),
            };
            let (span, _) = path
                .last()
                .and_then(|_| parent_entry_span(root, &path))
                .map_or((node.span, ()), |s| (s, ()));
            out.push(
                codes::UNKNOWN_FIELD
                    .at(span, format!("`{key}` cannot be used here"), "not allowed together with the other fields")
                    .with_help(if key == "period" || key == "from" {
                        "retention is either a period (`period`, `from`) or event-bound (`until`), not both".to_string()
                    } else {
                        format!("remove `{key}`")
                    }),
            );
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            out.push(codes::INVALID_VALUE.at(
                node.span,
                format!("{field} must be at least {limit}"),
                "too small",
            ));
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            out.push(codes::INVALID_VALUE.at(
                node.span,
                format!("{field} must be at most {limit}"),
                "too large",
            ));
        }
        ValidationErrorKind::MinItems { limit } => {
            let entries = if *limit == 1 {
                "an entry".to_string()
            } else {
                format!("at least {limit} entries")
            };
            out.push(codes::INVALID_VALUE.at(
                node.span,
                format!("{field} is empty; it needs {entries}"),
                "empty list",
            ));
        }
        ValidationErrorKind::UniqueItems => repeated_entry(node, &path, out),
        ValidationErrorKind::Constant { expected_value } => {
            let mut finding = codes::INVALID_VALUE.at(
                node.span,
                format!("{field} must be `{expected_value}`"),
                format!("expected `{expected_value}`"),
            );
            // `version: "1"`: the right value, quoted.
            if expected_value.is_number() && node.as_str() == Some(&expected_value.to_string()) {
                finding = finding.with_help(format!(
                    "write the number without quotes: `{expected_value}`"
                ));
            }
            out.push(finding);
        }
        _ => {
            out.push(codes::INVALID_VALUE.at(
                node.span,
                format!("{field}: {error}"),
                "invalid value",
            ));
        }
    }
}

/// Reports the first entry of the list at `path` that repeats an earlier
/// one, found in one pass (a list may be long).
pub fn repeated_entry(list: &Node, path: &[Seg], out: &mut Out) {
    let field = field_name(path);
    let mut seen: HashMap<String, &Node> = HashMap::new();
    for item in list.as_seq() {
        if let Some(first) = seen.insert(item.to_json().to_string(), item) {
            out.push(
                codes::INVALID_VALUE
                    .at(
                        item.span,
                        format!("{field} lists `{}` twice", scalar_text(item)),
                        "repeated here",
                    )
                    .with_secondary(Label::new(first.span, "first listed here"))
                    .with_help("remove the repeated entry"),
            );
            return;
        }
    }
}

#[derive(Debug)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    fn as_path(&self) -> PathSegment<'_> {
        match self {
            Seg::Key(k) => PathSegment::Key(k),
            Seg::Index(i) => PathSegment::Index(*i),
        }
    }
}

fn unknown_field(key: &str, span: crate::source::Span, owner: &str, known: &[String]) -> Finding {
    if key == "<<" {
        return codes::UNSUPPORTED_YAML
            .at(span, "merge keys (`<<`) are not supported", "merge key")
            .with_note("`<<` is a YAML 1.1 extension; YAML 1.2 reads it as an ordinary key")
            .with_help("write the fields out, or repeat a whole value with an alias (`*name`)");
    }
    let mut message = format!("`{key}` is not a field of {owner}");
    if let Some(best) = did_you_mean(key, known.iter().map(String::as_str)) {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    let mut finding = codes::UNKNOWN_FIELD.at(span, message, "unknown field");
    if !known.is_empty() {
        finding = finding.with_help(format!("{owner} has the fields {}", list_code(known)));
    }
    finding
}

/// Words for the object a schema location describes.
fn object_noun(schema_object: &str, path: &[Seg], root_noun: &str) -> String {
    let def = schema_object
        .strip_prefix("/$defs/")
        // An object declared inside a definition's properties
        // (`organization.representatives`) is named by its field.
        .filter(|d| !d.contains("/properties/"))
        .map(|d| d.split('/').next().unwrap_or(d));
    let noun = match def {
        Some("organization") => "`organization`",
        Some("processor") => "a processor",
        Some("activity") => "an activity",
        Some("transfer") => "a transfer",
        Some("activityTransfer") => "an activity's transfer",
        Some("agreement") => "an agreement",
        Some("representative") => "a representative",
        Some("dpo") => "`dpo`",
        Some("consent") => "`consent`",
        Some("legalBasisLong") | Some("legalBasis") => "a legal basis",
        Some("retention") => "a retention",
        Some("tracking") => "a tracking entry",
        Some("userCategory") => "a data category",
        Some("userSubject") => "a data subject",
        Some("rule") => "a rule",
        _ if schema_object.is_empty() => root_noun,
        _ => return format!("`{}`", field_bare(path)),
    };
    noun.to_string()
}

/// "processor `stripe`" when the object has an id, else the noun.
fn describe_entity(noun: String, node: &Node) -> String {
    match node.get("id").and_then(Node::as_str) {
        Some(id) => format!(
            "{} `{id}`",
            noun.trim_start_matches("a ").trim_start_matches("an ")
        ),
        None => noun,
    }
}

/// Where to point for a whole object: its id when it has one, else its first key.
fn head_label(node: &Node) -> (crate::source::Span, String) {
    if let Some(id) = node.get("id") {
        return (id.span, "declared here".to_string());
    }
    match node.entries().first() {
        Some(first) => (first.key_span, "in this mapping".to_string()),
        None => (node.span, "here".to_string()),
    }
}

fn parent_entry_span(root: &Node, path: &[Seg]) -> Option<crate::source::Span> {
    let (last, parent) = path.split_last()?;
    let Seg::Key(key) = last else { return None };
    let parent = root.at_path(parent.iter().map(Seg::as_path))?;
    parent.entry(key).map(|e| e.key_span)
}

/// "`employees`", or "each entry of `locations`".
fn field_name(path: &[Seg]) -> String {
    match path {
        [] => "the file".to_string(),
        [.., Seg::Key(k)] => format!("`{k}`"),
        [.., Seg::Key(k), Seg::Index(_)] => format!("each entry of `{k}`"),
        [.., Seg::Index(_)] => "each entry".to_string(),
    }
}

/// Compound keys that read as plain words in a message.
const READS_AS_WORDS: &[&str] = &[
    "legal_basis",
    "data_subjects",
    "data_categories",
    "sub_processors",
    "scc_module",
];

/// The field a value belongs to, for "is not a valid …": plain words for
/// one-word keys (`role`), the key itself for compound ones (`legal_basis`).
fn field_bare(path: &[Seg]) -> String {
    if let [.., Seg::Key(k), Seg::Index(_)] = path {
        return format!("entry of `{k}`");
    }
    path.iter()
        .rev()
        .find_map(|s| match s {
            Seg::Key(k) if READS_AS_WORDS.contains(&k.as_str()) => Some(k.replace('_', " ")),
            Seg::Key(k) if k.contains('_') => Some(format!("`{k}`")),
            Seg::Key(k) => Some(k.clone()),
            Seg::Index(_) => None,
        })
        .unwrap_or_else(|| "value".to_string())
}

/// A value as a message quotes it, shortened past 80 characters.
fn scalar_text(node: &Node) -> String {
    let text = match &node.value {
        crate::load::node::Value::Str(s) => s.to_string(),
        _ => node.to_json().to_string(),
    };
    crate::report::shorten(&text, 80).into_owned()
}

fn type_words(kind: &TypeKind) -> String {
    use jsonschema::JsonType;
    let word = |t: &JsonType| match t {
        JsonType::Array => "a list",
        JsonType::Boolean => "`true` or `false`",
        JsonType::Integer => "a whole number",
        JsonType::Null => "empty",
        JsonType::Number => "a number",
        JsonType::Object => "a mapping",
        JsonType::String => "text",
    };
    match kind {
        TypeKind::Single(t) => word(t).to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| word(&t))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn enum_values(property: &Json, schema: &Json) -> Option<Vec<String>> {
    let resolved = match property.get("$ref").and_then(Json::as_str) {
        Some(r) => schema.pointer(r.trim_start_matches('#'))?,
        None => property,
    };
    let values = resolved.get("enum")?.as_array()?;
    Some(
        values
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
    )
}

fn list_code(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{}, {last}", rest.join(", ")),
    }
}

fn pattern_finding(schema_path: &str, node: &Node, path: &[Seg]) -> Finding {
    let def = schema_path
        .strip_prefix("/$defs/")
        .and_then(|d| d.split('/').next())
        .unwrap_or("");
    let text = scalar_text(node);
    let field = field_name(path);
    let (message, help) = match def {
        "countryCode" | "countryOrRegion" => {
            // `uk` is `GB`, `USA` is `US`, `Germany` is `DE`.
            let known = crate::model::ReferenceData::get().code_meant_by(&text);
            let help = if let Some(code) = known {
                format!("did you mean `{code}`? country codes are ISO 3166-1 alpha-2, in upper case")
            } else if def == "countryOrRegion" {
                "use a two-letter ISO 3166-1 code such as `DE`, or `EEA` / `EU`".to_string()
            } else {
                "use a two-letter ISO 3166-1 code such as `DE`, `US` or `GB`".to_string()
            };
            (format!("`{text}` is not an ISO 3166-1 alpha-2 country code"), help)
        }
        "id" => {
            let help = if misplaced_dot(&text) {
                format!(
                    "a `.` separates two parts of an id, as in `contact.email`: did you mean `{}`?",
                    slug(&text)
                )
            } else {
                format!(
                    "ids use lower-case letters, digits, `.`, `_` and `-`, such as `{}`",
                    slug(&text)
                )
            };
            (format!("`{text}` is not a valid id"), help)
        }
        "date" => (
            format!("`{text}` is not a date in the form YYYY-MM-DD"),
            "write dates as `2024-02-01`".to_string(),
        ),
        "duration" | "retention" => (
            format!("`{text}` is not an ISO 8601 duration"),
            "write `P10Y` for ten years, `P6M` for six months, `P30D` for thirty days (or `indefinite`, or the long form with `until`)".to_string(),
        ),
        // A rule pack's own names (rules/…/pack.yaml, `privlint schema rule-pack`).
        "rule" if matches!(path.last(), Some(Seg::Key(k)) if k == "code") => (
            format!("`{text}` is not a rule code"),
            "a code is 1 to 8 capital letters and three digits, such as `ACME001`".to_string(),
        ),
        "rule" if matches!(path.last(), Some(Seg::Key(k)) if k == "name") => (
            format!("`{text}` is not a rule name"),
            format!(
                "rule names are kebab-case (lower-case letters and digits joined by `-`), such as `{}`",
                kebab(&text)
            ),
        ),
        "" if matches!(path, [Seg::Key(k)] if k == "pack") => (
            format!("`{text}` is not a pack id"),
            format!(
                "a pack id is lower-case letters, digits and `-`, starting with a letter, such as `{}`",
                kebab(&text)
            ),
        ),
        _ => (
            format!("{field} has an invalid value `{text}`"),
            "see `privlint schema` (manifests), `privlint schema config` or `privlint schema rule-pack` for the expected form".to_string(),
        ),
    };
    codes::INVALID_VALUE
        .at(node.span, message, "invalid value")
        .with_help(help)
}

/// Whether an id's only fault is an empty part: `criminal.`, `special..health`.
fn misplaced_dot(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

/// The id a user probably meant: `Stripe, Inc.` is `stripe-inc`, and
/// `special..health` is `special.health`.
/// `Rule One` → `rule-one`, `T_x` → `t-x`: a kebab-case suggestion.
fn kebab(text: &str) -> String {
    let out = words(text, |c| c == '-');
    let out = out.trim_start_matches(|c: char| c.is_ascii_digit());
    if out.is_empty() {
        "my-rule".to_string()
    } else {
        out.to_string()
    }
}

fn slug(text: &str) -> String {
    let out = words(text, |c| "._-".contains(c));
    if out.is_empty() {
        "stripe-inc".to_string()
    } else {
        out
    }
}

/// The letters and digits of `text` in lower case, each run of other
/// characters written as one separator: itself when `separator` keeps it
/// (which it must do for `-`), else `-`.
fn words(text: &str, separator: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with(&separator) {
            out.push(if separator(c) { c } else { '-' });
        }
    }
    out.trim_end_matches(&separator).to_string()
}
