//! The rule packs and reference data that ship in the binary, as text (to
//! show and to point at) and as the tree `build.rs` read them into, so a
//! run decodes a few hundred kilobytes instead of parsing their YAML.

use super::node::{Entry, Node, Value};
use super::tree_tags::{FALSE, FLOAT, INT, MAP, NULL, SEQ, STR, TRUE};
use crate::source::{FileId, Span};

/// A YAML file of `rules/`, embedded: its text and its tree.
#[derive(Clone, Copy, Debug)]
pub struct Embedded {
    /// Its path in the repository (`rules/gdpr/pack.yaml`).
    pub path: &'static str,
    pub text: &'static str,
    tree: &'static [u8],
}

/// `embedded!("rules/gdpr/pack.yaml")`: the file's text and the tree
/// `build.rs` wrote for it.
macro_rules! embedded {
    ($path:literal) => {
        $crate::load::embedded::Embedded::new(
            $path,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path)),
            include_bytes!(concat!(env!("OUT_DIR"), "/", $path, ".tree")),
        )
    };
}
pub(crate) use embedded;

impl Embedded {
    pub const fn new(path: &'static str, text: &'static str, tree: &'static [u8]) -> Embedded {
        Embedded { path, text, tree }
    }

    /// Its first document, located in `file`: the tree the loader would
    /// build from its text (a test checks every embedded file).
    pub fn root(&self, file: FileId) -> Node {
        let mut reader = Reader {
            file,
            bytes: self.tree,
        };
        reader.node()
    }
}

struct Reader {
    file: FileId,
    bytes: &'static [u8],
}

// The trees are written by this crate's build, never read from users, so a
// malformed one is a build bug: the slicing panics say so loudly.
impl Reader {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.bytes.split_at(N);
        self.bytes = rest;
        head.try_into().expect("split at N")
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }

    fn str(&mut self) -> Box<str> {
        let len = self.u32() as usize;
        let (text, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        std::str::from_utf8(text)
            .expect("build.rs writes UTF-8")
            .into()
    }

    fn span(&mut self) -> Span {
        let start = self.u32();
        let end = self.u32();
        Span {
            file: self.file,
            start,
            end,
        }
    }

    fn node(&mut self) -> Node {
        let [tag] = self.take();
        let span = self.span();
        let value = match tag {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            INT => Value::Int(i64::from_le_bytes(self.take())),
            FLOAT => Value::Float(f64::from_bits(u64::from_le_bytes(self.take()))),
            STR => Value::Str(self.str()),
            SEQ => Value::Seq((0..self.u32()).map(|_| self.node()).collect()),
            MAP => Value::Map(
                (0..self.u32())
                    .map(|_| {
                        let key = self.str();
                        let key_span = self.span();
                        let value = self.node();
                        Entry {
                            key,
                            key_span,
                            value,
                        }
                    })
                    .collect(),
            ),
            other => panic!("embedded tree: unknown node tag {other}"),
        };
        Node { value, span }
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml;

    /// Every embedded file decodes to exactly the tree the loader builds
    /// from its text: `build.rs` and the loader agree.
    #[test]
    fn embedded_trees_are_what_the_loader_builds() {
        let all = crate::engine::BUILTIN_PACKS
            .iter()
            .chain(crate::model::refdata::EMBEDDED_DATA);
        let mut checked = 0;
        for (i, file) in all.enumerate() {
            let id = crate::source::FileId(i as u32);
            let parsed = yaml::parse(id, file.text, yaml::YamlLimits::default());
            assert!(parsed.findings.is_empty(), "{}", file.path);
            let expected = parsed.root.expect("embedded files parse");
            assert!(
                file.root(id) == expected,
                "{}: the stored tree differs",
                file.path
            );
            checked += 1;
        }
        // And every YAML file of `rules/` ships (build.rs reads them all).
        fn count(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .map(|p| match p.is_dir() {
                    true => count(&p),
                    false => usize::from(p.extension().is_some_and(|e| e == "yaml")),
                })
                .sum()
        }
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        assert_eq!(checked, count(&rules));
    }
}
