//! Moves each file's YAML into typed entities. The schema has already
//! reported malformed fields, so this is lenient: a field of the wrong
//! type is treated as absent, and an entity without an id is left out of
//! resolution (its missing id was reported).

use super::{Activity, Organization, Processor, Spanned, TransferDecl};
use crate::load::Document;
use crate::load::node::{Node, Value};
use crate::report::Finding;
use crate::source::Span;

/// A user-defined data category or data subject.
#[derive(Debug)]
pub struct UserEntry {
    pub id: Spanned<String>,
    pub parent: Option<Spanned<String>>,
}

/// Everything declared in the set, before resolution.
#[derive(Debug, Default)]
pub struct Parts {
    pub organizations: Vec<Organization>,
    pub processors: Vec<Processor>,
    pub activities: Vec<Activity>,
    pub user_categories: Vec<UserEntry>,
    pub user_subjects: Vec<UserEntry>,
    /// The `version` key of the first file, where set-level findings point.
    pub first_version: Option<Span>,
    /// An `organization` key whose value is not a mapping (its format
    /// error says so; the set does not lack one).
    pub malformed_organization: bool,
}

/// Builds every file's entities in parallel, then joins them in the
/// files' order, so the result does not depend on the thread count.
pub fn build(documents: Vec<Document>, _findings: &mut Vec<Finding>) -> Parts {
    use rayon::prelude::*;
    let per_file: Vec<Parts> = documents.into_par_iter().map(build_one).collect();
    let mut parts = Parts::default();
    for one in per_file {
        parts.organizations.extend(one.organizations);
        parts.processors.extend(one.processors);
        parts.activities.extend(one.activities);
        parts.user_categories.extend(one.user_categories);
        parts.user_subjects.extend(one.user_subjects);
        if parts.first_version.is_none() {
            parts.first_version = one.first_version;
        }
        parts.malformed_organization |= one.malformed_organization;
    }
    parts
}

fn build_one(document: Document) -> Parts {
    let mut parts = Parts::default();
    {
        let Value::Map(entries) = document.root.value else {
            return parts;
        };
        for entry in entries {
            match &*entry.key {
                "version" => {
                    parts.first_version.get_or_insert(entry.key_span);
                }
                "organization" if entry.value.is_map() => parts
                    .organizations
                    .push(organization(entry.value, entry.key_span)),
                "organization" => parts.malformed_organization = true,
                "processors" => {
                    for item in into_items(entry.value) {
                        if let Some(p) = processor(item) {
                            parts.processors.push(p);
                        }
                    }
                }
                "activities" => {
                    for item in into_items(entry.value) {
                        if let Some(a) = activity(item) {
                            parts.activities.push(a);
                        }
                    }
                }
                "data_categories" => parts
                    .user_categories
                    .extend(into_items(entry.value).iter().filter_map(user_entry)),
                "data_subjects" => parts
                    .user_subjects
                    .extend(into_items(entry.value).iter().filter_map(user_entry)),
                _ => {}
            }
        }
    }
    parts
}

fn into_items(node: Node) -> Vec<Node> {
    match node.value {
        Value::Seq(items) => items,
        _ => Vec::new(),
    }
}

pub(super) fn text(node: &Node, key: &str) -> Option<Spanned<String>> {
    let value = node.get(key)?;
    value.as_str().map(|s| Spanned {
        value: s.to_string(),
        span: value.span,
    })
}

/// The texts of a list, each once. Every list the model reads is a set
/// (`uniqueItems` in the schema, which reports a repeat): a hostile list of
/// millions of repeats becomes one entry, not millions of copies.
pub(super) fn text_list(node: &Node, key: &str) -> Vec<Spanned<String>> {
    let Some(list) = node.get(key) else {
        return Vec::new();
    };
    let items = list.as_seq();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut out: Vec<Spanned<String>> = Vec::with_capacity(items.len().min(64));
    for item in items {
        let Some(s) = item.as_str() else { continue };
        // Short lists, the usual case, are searched rather than hashed.
        let repeat = if items.len() <= 16 {
            out.iter().any(|t| t.value == s)
        } else {
            !seen.insert(s)
        };
        if !repeat {
            out.push(Spanned {
                value: s.to_string(),
                span: item.span,
            });
        }
    }
    out
}

fn organization(node: Node, key_span: Span) -> Organization {
    Organization {
        country: text(&node, "country"),
        markets: text_list(&node, "markets"),
        residency: text_list(&node, "residency"),
        employees: node.get("employees").and_then(Node::as_i64),
        regulations: text_list(&node, "regulations"),
        key_span,
        node,
    }
}

fn transfer_decls(node: &Node) -> Vec<TransferDecl> {
    node.get("transfers")
        .map(|list| {
            list.as_seq()
                .iter()
                .filter_map(|item| {
                    Some(TransferDecl {
                        to: text(item, "to"),
                        country: text(item, "country")?,
                        mechanism: text(item, "mechanism")?,
                        span: item.span,
                        node: item.clone(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn processor(node: Node) -> Option<Processor> {
    let id = text(&node, "id")?;
    let country = text(&node, "country");
    let mut locations = text_list(&node, "locations");
    // An empty list is no answer either: a party that receives data
    // processes them somewhere (`locations: []` left it out of every flow).
    if locations.is_empty() {
        locations.extend(country.clone());
    }
    Some(Processor {
        role: text(&node, "role"),
        certifications: text_list(&node, "certifications"),
        sub_processors: text_list(&node, "sub_processors"),
        sub_processor_ids: Vec::new(),
        transfers: transfer_decls(&node),
        id,
        country,
        locations,
        node,
    })
}

fn activity(node: Node) -> Option<Activity> {
    Some(Activity {
        id: text(&node, "id")?,
        recipients: text_list(&node, "recipients"),
        recipient_ids: Vec::new(),
        data_categories: text_list(&node, "data_categories"),
        data_subjects: text_list(&node, "data_subjects"),
        category_marks: Default::default(),
        subject_marks: Default::default(),
        transfers: transfer_decls(&node),
        markets: text_list(&node, "markets"),
        outside: Vec::new(),
        node,
    })
}

fn user_entry(node: &Node) -> Option<UserEntry> {
    Some(UserEntry {
        id: text(node, "id")?,
        parent: text(node, "parent"),
    })
}
