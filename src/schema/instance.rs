//! The YAML tree as a JSON Schema instance: jsonschema reads the spanned
//! [`Node`] tree in place through its representation traits, so a file is
//! validated without first being copied into a `serde_json::Value` (that
//! copy, one map per mapping, cost more than the validation itself).
//!
//! The tree reads as its JSON conversion ([`Node::to_json`]) would, which
//! stays the reference for cold paths (error values, `enum` comparisons):
//! non-finite floats read as null there, so they read as null here too.

use crate::load::node::{Entry, Node, Value};
use crate::source::{FileId, Span};
use jsonschema::JsonType;
use jsonschema::json::{Array, Json, JsonNumber, Node as JsonNode, NodeIdentity, Object};
use std::borrow::Cow;

/// The representation marker for [`jsonschema::Validator`].
pub struct Yaml;

/// Scratch space for property names validated as nodes (`propertyNames`).
pub struct NameBuffer(Node);

impl Default for NameBuffer {
    fn default() -> Self {
        NameBuffer(Node {
            value: Value::Null,
            span: Span::new(FileId(0), 0..0),
        })
    }
}

impl Json for Yaml {
    type Node<'a> = &'a Node;
    type PreparedKey = Box<str>;
    type StringBuffer = NameBuffer;

    // Mappings are short lists searched in order: a pass over the members
    // costs about what two lookups do.
    const KEYS_PER_LOOKUP: usize = 2;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(buffer: &mut NameBuffer, string: &str, f: impl FnOnce(&Node) -> T) -> T {
        buffer.0.value = Value::Str(string.into());
        f(&buffer.0)
    }
}

/// A number as the tree holds it: finite (others read as null).
pub enum Number {
    Int(i64),
    Float(f64),
}

impl JsonNumber for Number {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            Number::Int(i) => u64::try_from(i).ok(),
            Number::Float(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            Number::Int(i) => Some(i),
            Number::Float(_) => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        })
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_number().to_string())
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        Cow::Owned(match *self {
            Number::Int(i) => serde_json::Number::from(i),
            Number::Float(f) => serde_json::Number::from_f64(f).unwrap_or_else(|| 0.into()),
        })
    }

    fn is_integer(&self) -> bool {
        match *self {
            Number::Int(_) => true,
            Number::Float(f) => f.fract() == 0.0,
        }
    }

    fn is_written_as_integer(&self) -> bool {
        matches!(self, Number::Int(_))
    }
}

fn finite(node: &Node) -> Option<f64> {
    match node.value {
        Value::Float(f) if f.is_finite() => Some(f),
        _ => None,
    }
}

impl<'a> JsonNode<'a, Yaml> for &'a Node {
    type Object = &'a [Entry];
    type Array = &'a [Node];
    type Number = Number;

    fn as_object(&self) -> Option<&'a [Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&'a [Node]> {
        match &self.value {
            Value::Seq(items) => Some(super::window::visible(self, items)),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match &self.value {
            Value::Str(s) => Some(Cow::Borrowed(s)),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<Number> {
        match self.value {
            Value::Int(i) => Some(Number::Int(i)),
            _ => finite(self).map(Number::Float),
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn is_null(&self) -> bool {
        self.json_type() == JsonType::Null
    }

    fn json_type(&self) -> JsonType {
        match &self.value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Int(_) => JsonType::Number,
            Value::Float(f) if f.is_finite() => JsonType::Number,
            Value::Float(_) => JsonType::Null,
            Value::Str(_) => JsonType::String,
            Value::Seq(_) => JsonType::Array,
            Value::Map(_) => JsonType::Object,
        }
    }

    fn to_value(&self) -> Cow<'a, serde_json::Value> {
        Cow::Owned(visible_json(self))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref::<Node>(*self) as usize))
    }
}

/// The JSON conversion of `node` as the validation on this thread sees it.
/// A list validated in a window reads as the part shown, in errors too, and
/// so do the lists inside: an error on a mapping (an unknown key at the top
/// level) copies it in every window, and its whole copy per window would
/// make the windows quadratic in a long list under it.
fn visible_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Seq(items) => serde_json::Value::Array(
            super::window::visible(node, items)
                .iter()
                .map(visible_json)
                .collect(),
        ),
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|e| (String::from(&*e.key), visible_json(&e.value)))
                .collect(),
        ),
        _ => node.to_json(),
    }
}

impl<'a> Object<'a, Yaml> for &'a [Entry] {
    type Node = &'a Node;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        <[Entry]>::len(self)
    }

    fn get(&self, key: &Box<str>) -> Option<&'a Node> {
        self.iter().find(|e| e.key == *key).map(|e| &e.value)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

pub struct Members<'a>(std::slice::Iter<'a, Entry>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Node);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|e| (&*e.key, &e.value))
    }
}

impl<'a> Array<'a, Yaml> for &'a [Node] {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        <[Node]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::Yaml;
    use crate::load::yaml::{YamlLimits, parse};
    use crate::source::FileId;

    /// jsonschema's own contract test, on its document written as YAML.
    #[test]
    fn the_tree_meets_the_representation_contract() {
        let text = serde_json::to_string(&jsonschema::json::conformance::document()).unwrap();
        let root = parse(FileId(0), &text, YamlLimits::default())
            .root
            .expect("JSON is YAML");
        jsonschema::json::conformance::assert_conformance::<Yaml>(&&root);
    }
}
