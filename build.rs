//! Reads the rule packs and reference data that ship in the binary
//! (`rules/**/*.yaml`) into compact trees in `OUT_DIR`, so that a run
//! decodes them (`src/load/embedded.rs`) instead of parsing 240 KB of YAML
//! every time: that parsing was half the work of checking a small example
//! (BENCHMARKS.md, thirteenth session).
//!
//! The trees are what the loader (`src/load/yaml.rs`) builds from the same
//! text, spans included: scalars are typed by the loader's own module
//! (`src/load/scalar.rs`), and a test decodes every tree and compares it
//! with the loader's. The shipped files are plain data, so anything else
//! (anchors, tags, a second document, a key that is not text) stops the
//! build with the file and line.

#[path = "src/load/scalar.rs"]
#[allow(dead_code)]
mod scalar;
#[path = "src/load/tree_tags.rs"]
mod tree_tags;

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::path::{Path, PathBuf};
use tree_tags::{FALSE, FLOAT, INT, MAP, NULL, SEQ, STR, TRUE};

fn main() {
    println!("cargo::rerun-if-changed=rules");
    println!("cargo::rerun-if-changed=src/load/scalar.rs");
    println!("cargo::rerun-if-changed=src/load/tree_tags.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut files = Vec::new();
    yaml_files(Path::new("rules"), &mut files);
    for path in files {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let tree =
            encode(&text).unwrap_or_else(|(line, e)| panic!("{}:{line}: {e}", path.display()));
        let target = out.join(&path).with_extension("yaml.tree");
        std::fs::create_dir_all(target.parent().expect("a file has a folder"))
            .unwrap_or_else(|e| panic!("{}: {e}", target.display()));
        std::fs::write(&target, tree).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
    }
}

fn yaml_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable folder").path();
        if path.is_dir() {
            yaml_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            files.push(path);
        }
    }
}

/// An open collection: where its end offset and child count are to be
/// written once it closes.
struct Open {
    start: usize,
    flow: bool,
    map: bool,
    patch: usize,
    children: u32,
    /// The end of its last child (a block collection ends there).
    last_end: Option<usize>,
    /// In a mapping: whether the next node is a key.
    expect_key: bool,
}

/// Encodes the first document of `text` as `src/load/tree_tags.rs` says.
fn encode(text: &str) -> Result<Vec<u8>, (usize, String)> {
    // saphyr reports character indices; spans are byte offsets.
    let mut byte_of: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    byte_of.push(text.len());
    let byte = |index: usize| byte_of[index.min(byte_of.len() - 1)];
    let mut out = Vec::with_capacity(text.len());
    let mut stack: Vec<Open> = Vec::new();
    let mut documents = 0;
    for event in Parser::new_from_str(text).keep_tags(true) {
        let (event, span) = event.map_err(|e| (e.marker().line(), e.info().to_string()))?;
        let line = span.start.line();
        let start = byte(span.start.index());
        let end = byte(span.end.index()).max(start);
        let done_end = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err((line, "a second YAML document".into()));
                }
                continue;
            }
            Event::Alias(_) => return Err((line, "an alias".into())),
            Event::Scalar(_, _, anchor, tag)
            | Event::SequenceStart(anchor, tag)
            | Event::MappingStart(anchor, tag)
                if anchor > 0 || tag.is_some() =>
            {
                return Err((line, "an anchor or a tag".into()));
            }
            Event::Scalar(value, style, ..) => {
                if let Some(map) = stack.last_mut().filter(|o| o.map && o.expect_key) {
                    if style == ScalarStyle::Plain
                        && scalar::resolve_plain(&value) != scalar::Scalar::Str
                    {
                        return Err((line, format!("the key `{value}` is not text")));
                    }
                    map.expect_key = false;
                    map.last_end = Some(end);
                    put_str(&mut out, &value);
                    put_u32(&mut out, start);
                    put_u32(&mut out, end);
                    continue;
                }
                let resolved = match style {
                    ScalarStyle::Plain => scalar::resolve_plain(&value),
                    _ => scalar::Scalar::Str,
                };
                out.push(match resolved {
                    scalar::Scalar::Null => NULL,
                    scalar::Scalar::Bool(false) => FALSE,
                    scalar::Scalar::Bool(true) => TRUE,
                    scalar::Scalar::Int(_) => INT,
                    scalar::Scalar::Float(_) => FLOAT,
                    scalar::Scalar::Str => STR,
                });
                put_u32(&mut out, start);
                put_u32(&mut out, end);
                match resolved {
                    scalar::Scalar::Int(i) => out.extend_from_slice(&i.to_le_bytes()),
                    scalar::Scalar::Float(f) => out.extend_from_slice(&f.to_bits().to_le_bytes()),
                    scalar::Scalar::Str => put_str(&mut out, &value),
                    _ => {}
                }
                end
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let map = matches!(event, Event::MappingStart(..));
                if stack.last().is_some_and(|o| o.map && o.expect_key) {
                    return Err((line, "a key that is not text".into()));
                }
                out.push(if map { MAP } else { SEQ });
                put_u32(&mut out, start);
                let patch = out.len();
                out.extend_from_slice(&[0; 8]);
                stack.push(Open {
                    start,
                    flow: matches!(text.as_bytes().get(start), Some(b'[' | b'{')),
                    map,
                    patch,
                    children: 0,
                    last_end: None,
                    expect_key: map,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let open = stack.pop().expect("the parser balances its events");
                // As the loader: a block collection ends with its last
                // child, a flow collection with its closing bracket.
                let close = if open.flow {
                    end
                } else {
                    open.last_end.unwrap_or(open.start)
                };
                let close = close.max(open.start);
                out[open.patch..open.patch + 4].copy_from_slice(&offset(close).to_le_bytes());
                out[open.patch + 4..open.patch + 8].copy_from_slice(&open.children.to_le_bytes());
                close
            }
        };
        if let Some(parent) = stack.last_mut() {
            parent.children += 1;
            // A mapping's entry ends with its key or its value, whichever
            // is later (the key's end is there already).
            parent.last_end = match (parent.map, parent.last_end) {
                (true, Some(key_end)) => Some(key_end.max(done_end)),
                _ => Some(done_end),
            };
            parent.expect_key = parent.map;
        }
    }
    Ok(out)
}

fn offset(at: usize) -> u32 {
    u32::try_from(at).expect("embedded files are far below 4 GB")
}

fn put_u32(out: &mut Vec<u8>, at: usize) {
    out.extend_from_slice(&offset(at).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_u32(out, text.len());
    out.extend_from_slice(text.as_bytes());
}
