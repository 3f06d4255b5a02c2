//! The YAML tree privlint works on: YAML 1.2 core-schema values, each with
//! the byte span it came from.

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// A mapping entry. Keys are always strings (other keys are rejected when
/// loading), kept with their own span for "unknown field" labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Box<str>,
    pub key_span: Span,
    pub value: Node,
}

/// Bytes of text that weigh as much as a node in [`Node::size`]: an alias
/// of a long text copies the text, so a budget of nodes alone would let
/// ten thousand aliases of a megabyte through.
pub const TEXT_PER_NODE: usize = 64;

impl Node {
    /// Gives this node, its keys and everything below them one span
    /// (an alias's copy of its anchor). Iterative: trees may be deep.
    pub fn respan(&mut self, span: Span) {
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            node.span = span;
            match &mut node.value {
                Value::Seq(items) => stack.extend(items.iter_mut()),
                Value::Map(entries) => {
                    for entry in entries.iter_mut() {
                        entry.key_span = span;
                        stack.push(&mut entry.value);
                    }
                }
                _ => {}
            }
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A whole number: an integer, or a float without a fractional part
    /// (`1000.0`, `1e3`), which JSON Schema's `integer` also accepts, so
    /// that a value the format accepts is never read as absent.
    pub fn as_i64(&self) -> Option<i64> {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        match self.value {
            Value::Int(i) => Some(i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < EXACT => Some(f as i64),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// The entry with this key, when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| &*e.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows a path of keys and sequence indices.
    pub fn at_path<'a>(&self, path: impl IntoIterator<Item = PathSegment<'a>>) -> Option<&Node> {
        let mut node = self;
        for segment in path {
            node = match segment {
                PathSegment::Key(key) => node.get(key)?,
                PathSegment::Index(i) => node.as_seq().get(i)?,
            };
        }
        Some(node)
    }

    /// A short name for the kind of value, for messages (`a list`, `text`).
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "a whole number",
            Value::Float(_) => "a number",
            Value::Str(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// Counts the nodes in this subtree, text weighing a node per
    /// [`TEXT_PER_NODE`] bytes (for the alias expansion budget).
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Str(text) => text.len() / TEXT_PER_NODE,
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| 1 + e.key.len() / TEXT_PER_NODE + e.value.size())
                .sum(),
            _ => 0,
        }
    }

    /// The value as JSON: for validation errors' values, reference data and
    /// messages (files are validated in place, see `schema::instance`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(String::from(&**s)),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (String::from(&*e.key), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSegment<'a> {
    Key(&'a str),
    Index(usize),
}
