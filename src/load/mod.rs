//! Loading: find the files, read them within the limits, decode them and
//! parse their YAML into spanned trees. Everything wrong with a file's
//! bytes or syntax becomes a located finding in that file.

pub mod embedded;
pub mod node;
mod scalar;
mod syntax;
mod tree_tags;
pub mod walk;
pub mod yaml;

use crate::error::Fatal;
use crate::report::Finding;
use crate::report::codes;
use crate::source::{FileId, SourceFile, SourceMap, Span, UTF8_BOM};
use node::Node;
use std::io::Read;
use std::path::PathBuf;
pub use yaml::YamlLimits;

/// The highest `--max-depth` accepted: trees are walked recursively after
/// loading (dropping, copying an alias, validating, converting), and a tree
/// some tens of thousands of levels deep exhausts a thread's stack.
pub const MAX_DEPTH_LIMIT: u16 = 1000;

/// Limits on what input may make privlint do; each is a flag.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_file_size: u64,
    pub max_files: usize,
    pub yaml: YamlLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 8 * 1024 * 1024,
            max_files: 10_000,
            yaml: YamlLimits::default(),
        }
    }
}

/// One manifest file: its id in the source map and its top-level mapping.
#[derive(Debug)]
pub struct Document {
    pub file: FileId,
    pub root: Node,
    /// Where a `#` is text, not a comment (see [`yaml::ParsedYaml::verbatim`]).
    pub verbatim: Vec<std::ops::Range<usize>>,
    /// Tagged values kept as placeholders (see [`yaml::ParsedYaml::unread`]).
    pub unread: Vec<Span>,
}

/// What loading produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub documents: Vec<Document>,
    pub findings: Vec<Finding>,
    /// Files in `sources` that were not checked: YAML found by walking that
    /// is not a manifest, and the first file past the file limit.
    pub skipped: usize,
    /// Files were left unread (the file limit): what is declared across
    /// files is not known, so nothing is checked across them.
    pub incomplete: bool,
    /// Manifest files that did not load (encoding, YAML syntax, a limit),
    /// by the index of their first finding: as with `incomplete`, nothing
    /// is checked across files.
    pub failed: Vec<usize>,
    /// Manifest files that loaded with values left unread (a tag), by the
    /// index of their first finding: what they hold is not known either.
    pub unread: Vec<usize>,
}

/// Reads every manifest under `roots`. Files are read and parsed in
/// parallel; each gets the id of its place in the sorted list, so the
/// result does not depend on which thread finished first.
pub fn load(roots: &[PathBuf], limits: Limits) -> Result<Loaded, Fatal> {
    use rayon::prelude::*;
    let (candidates, unread) = walk::find_candidates(roots, limits.max_files)?;
    let yaml_files = candidates.len();
    let results: Vec<Result<LoadedFile, Fatal>> = candidates
        .into_par_iter()
        .enumerate()
        .map(|(i, candidate)| load_file(FileId(i as u32), candidate, limits))
        .collect();
    let mut loaded = Loaded::default();
    for result in results {
        loaded.add(result?);
    }
    loaded.note_failed();
    if let Some(path) = unread {
        let id = FileId(loaded.sources.len() as u32);
        let finding = codes::LIMIT_EXCEEDED
            .at(
                Span::new(id, 0..0),
                format!(
                    "more than {} YAML files: this one and any after it were not checked",
                    limits.max_files
                ),
                "not read",
            )
            .with_note(format!("the {} files before it were checked without references between files, the organisation and the rules, which need every file of the set", limits.max_files))
            .with_help("raise the limit with `--max-files` (or `limits.max_files` in privlint.yaml), or check fewer paths");
        loaded.sources.add(SourceFile::new(path, String::new()));
        // Shown for its finding, not read: not counted as checked.
        loaded.skipped += 1;
        loaded.incomplete = true;
        loaded.findings.push(finding);
    }
    if loaded.documents.is_empty() && loaded.findings.is_empty() {
        return Err(Fatal::NoManifest {
            roots: roots.to_vec(),
            yaml_files,
        });
    }
    Ok(loaded)
}

/// What one file gave.
struct LoadedFile {
    source: SourceFile,
    findings: Vec<Finding>,
    document: Option<Document>,
    /// Found by walking and not a manifest.
    skipped: bool,
}

fn load_file(id: FileId, candidate: walk::Candidate, limits: Limits) -> Result<LoadedFile, Fatal> {
    let path = candidate.path;
    let unreadable = |source| Fatal::Unreadable {
        path: path.clone(),
        error: source,
    };
    let file = std::fs::File::open(&path).map_err(unreadable)?;
    let declared = file.metadata().map(|m| m.len()).unwrap_or(0);
    if declared > limits.max_file_size {
        return Ok(too_large(id, path, declared, limits.max_file_size));
    }
    // `take` bounds what is read even when the size on disk lies (devices, growing files).
    let mut bytes = Vec::with_capacity(declared as usize);
    file.take(limits.max_file_size + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    Ok(load_bytes(id, path, bytes, candidate.explicit, limits))
}

/// Loads files given in memory (an editor's unsaved buffers, fuzzing), as
/// if each had been named on the command line.
pub fn load_in_memory(files: Vec<(PathBuf, Vec<u8>)>, limits: Limits) -> Loaded {
    let mut loaded = Loaded::default();
    for (i, (path, bytes)) in files.into_iter().enumerate() {
        loaded.add(load_bytes(FileId(i as u32), path, bytes, true, limits));
    }
    loaded.note_failed();
    loaded
}

impl Loaded {
    /// Says, on the first finding of each file that did not load, what was
    /// not checked because of it; with no other manifest, nothing was.
    fn note_failed(&mut self) {
        if self.documents.is_empty() {
            return;
        }
        for &at in &self.failed {
            self.findings[at].notes.push(
                "until this file loads, references between files, the organisation and the rules are not checked: they need every file of the set".into(),
            );
        }
        for &at in &self.unread {
            self.findings[at].notes.push(
                "until every value of this file can be read, references between files, the organisation and the rules are not checked: a rule would judge the value as missing".into(),
            );
        }
    }

    fn add(&mut self, file: LoadedFile) {
        // A manifest that did not load (bytes, syntax, a limit) may declare
        // the ids the others name, or the organisation: what needs every
        // file is not checked, rather than every reference to the file's
        // processors reported as unknown.
        let failed = !file.skipped
            && file.document.is_none()
            && !(file.findings.iter()).any(|f| f.code == codes::NOT_A_MANIFEST.code);
        if failed && !file.findings.is_empty() {
            self.failed.push(self.findings.len());
        }
        if file.document.as_ref().is_some_and(|d| !d.unread.is_empty()) && !file.findings.is_empty()
        {
            self.unread.push(self.findings.len());
        }
        self.sources.add(file.source);
        self.findings.extend(file.findings);
        self.documents.extend(file.document);
        self.skipped += usize::from(file.skipped);
    }
}

/// Decodes and parses one file's bytes.
fn load_bytes(
    id: FileId,
    path: PathBuf,
    bytes: Vec<u8>,
    explicit: bool,
    limits: Limits,
) -> LoadedFile {
    if bytes.len() as u64 > limits.max_file_size {
        return too_large(id, path, bytes.len() as u64, limits.max_file_size);
    }
    // A UTF-16 or UTF-32 file's text, to tell whether it is a manifest.
    let wide = (!explicit).then(|| wide_text(&bytes)).flatten();
    let bom = bytes.starts_with(UTF8_BOM);
    let (text, problem, lossy) = decode(bytes);
    let source = SourceFile::new(path, text).after_leading_bytes(if bom {
        UTF8_BOM.len() as u32
    } else {
        0
    });
    if let Some(problem) = problem {
        // Another tool's YAML found by walking, in another encoding, is
        // skipped like its UTF-8 YAML; a manifest is reported, and so is a
        // binary file named `.yaml`, which is no tool's YAML.
        let readable = wide.or(lossy);
        if !explicit
            && let Some(text) = readable
            && !looks_like_manifest(&text)
        {
            return LoadedFile {
                source,
                findings: Vec::new(),
                document: None,
                skipped: true,
            };
        }
        let finding = problem.into_finding(id, source.text.len());
        return LoadedFile {
            source,
            findings: vec![finding],
            document: None,
            skipped: false,
        };
    }
    let parsed = yaml::parse(id, &source.text, limits.yaml);
    // `Version: 1` is a manifest with a typo, not someone else's file: the
    // format check then says "did you mean `version`?".
    let has_version = parsed
        .root
        .as_ref()
        .is_some_and(|r| r.get("version").is_some() || misspelt_version(r));
    let failed = parsed.root.is_none() && !parsed.findings.is_empty();
    let ours = match &parsed.root {
        Some(root) => is_manifest(root),
        // A file that does not parse is reported when it shows a sign of
        // being a manifest: its `version: 1` line may be past the error.
        None => failed && looks_like_manifest(&source.text),
    };
    if !ours && !explicit {
        // Another tool's YAML found by walking (a CI config, a Compose
        // file's `version: "3.8"`, a Helm chart or template): not ours.
        return LoadedFile {
            source,
            findings: Vec::new(),
            document: None,
            skipped: true,
        };
    }
    let mut findings = parsed.findings;
    let mut document = None;
    match parsed.root {
        Some(root) if has_version => {
            document = Some(Document {
                file: id,
                root,
                verbatim: parsed.verbatim,
                unread: parsed.unread,
            })
        }
        Some(root) => findings.push(not_a_manifest(root.span, "has no top-level `version` key")),
        None if !failed => {
            // A file of comments (or only `---`) holds no document either.
            let why = if source.text.trim().is_empty() {
                "is empty"
            } else {
                "holds no YAML value, only comments"
            };
            findings.push(not_a_manifest(Span::new(id, 0..0), why));
        }
        None => {}
    }
    LoadedFile {
        source,
        findings,
        document,
        skipped: false,
    }
}

/// Whether a parsed file found by walking is a manifest. It needs a
/// top-level `version`, and beside it a key of the manifest format (so
/// `version: 2` with `processors:` is reported as an unknown version).
/// Without one, `version: 1` alone is still a manifest when its other keys
/// are near misses of the format's (`processers:`), so a typo is reported
/// rather than the file skipped; other tools' files that happen to have
/// `version: 1` (a rule pack, AWS Amplify, sqlc) are not.
fn is_manifest(root: &Node) -> bool {
    let keys = crate::schema::manifest_top_level_keys();
    let Some(version) = root.get("version") else {
        // `Version:` or `verison:` beside `processors:`.
        return misspelt_version(root)
            && root
                .entries()
                .iter()
                .any(|e| keys.iter().any(|m| *m == *e.key));
    };
    let others: Vec<&str> = root
        .entries()
        .iter()
        .map(|e| &*e.key)
        .filter(|k| *k != "version")
        .collect();
    if others.iter().any(|k| keys.iter().any(|m| m == k)) {
        return true;
    }
    let is_one = version.as_i64() == Some(1) || version.as_str() == Some("1");
    is_one
        && (others.is_empty()
            // A few keys tell; a hostile file may have millions.
            || others.iter().take(64).any(|k| {
                crate::suggest::did_you_mean(k, keys.iter().map(String::as_str)).is_some()
            }))
}

/// Whether a top-level key is a near miss of `version` (`Version`,
/// `VERSION`, `verison`, `versions`): at most two edits, case aside, so
/// `apiVersion` or `revision` are not. A few keys tell; a hostile file may
/// have millions.
fn misspelt_version(root: &Node) -> bool {
    root.entries().iter().take(64).any(|e| {
        &*e.key != "version"
            && e.key.len() <= 9
            && strsim::levenshtein(&e.key.to_ascii_lowercase(), "version") <= 2
    })
}

/// Whether the text of a file that does not parse shows a manifest's top
/// level: `version: 1`, or one of the format's own top-level keys at the
/// start of a line or, in a flow mapping that opens a line at its start
/// (`{version: 1, …}`), at its first level. Lines end at `\n` or `\r` (old
/// Mac files end lines with `\r` alone); comments are not read.
fn looks_like_manifest(text: &str) -> bool {
    let keys = crate::schema::manifest_top_level_keys();
    let shows = |part: &str, top_level: bool| {
        let Some((key, rest)) = part.split_once(':') else {
            return false;
        };
        let key = key.trim().trim_matches(['"', '\'']);
        if key == "version" {
            let value = rest
                .split(|c: char| c.is_whitespace() || c == ',' || c == '}')
                .find(|v| !v.is_empty());
            return value.is_some_and(|v| v.trim_matches(['"', '\'']) == "1");
        }
        top_level && keys.iter().any(|k| k == key)
    };
    text.split(['\n', '\r']).any(|line| {
        if line.trim_start().starts_with('#') {
            return false;
        }
        shows(line, !line.starts_with(char::is_whitespace))
            || (line.starts_with('{') && first_level(line).any(|part| shows(part, true)))
    })
}

/// The entries of a one-line flow mapping at its first level (quotes and
/// nested brackets aside).
fn first_level(line: &str) -> impl Iterator<Item = &str> {
    let mut depth = 0usize;
    let mut quote = None;
    let mut cuts = vec![];
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => {
                depth += 1;
                if depth == 1 {
                    cuts.push(i + 1);
                }
            }
            (None, '}' | ']') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 1 => cuts.push(i + 1),
            _ => {}
        }
    }
    cuts.into_iter().map(move |at| {
        let rest = &line[at..];
        rest.split(',').next().unwrap_or(rest).trim_start()
    })
}

fn not_a_manifest(span: Span, why: &str) -> Finding {
    let span = Span {
        end: span.start,
        ..span
    };
    codes::NOT_A_MANIFEST
        .at(
            span,
            format!("this file is not a manifest: it {why}"),
            "expected `version: 1` here",
        )
        .with_help("start the file with `version: 1`")
}

fn too_large(id: FileId, path: PathBuf, size: u64, limit: u64) -> LoadedFile {
    let finding = codes::LIMIT_EXCEEDED
        .at(
            Span::new(id, 0..0),
            {
                let (shown, bound) = (human_size(size), human_size(limit));
                // Reading stops one byte past the limit: a device
                // (`/dev/zero`) or a growing file has no size of its own.
                if size == limit.saturating_add(1) {
                    format!("file is over the limit of {limit} bytes ({bound})")
                } else if shown == bound {
                    // Just over the limit, the rounded sizes read the same.
                    format!("file is {size} bytes, over the limit of {limit} bytes ({bound})")
                } else {
                    format!("file is {shown}, over the limit of {bound}")
                }
            },
            "not read",
        )
        .with_help(
            "split the manifest into several files, or raise the limit with `--max-file-size`",
        );
    LoadedFile {
        source: SourceFile::new(path, String::new()),
        findings: vec![finding],
        document: None,
        skipped: false,
    }
}

pub(crate) fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// Why bytes are not text privlint reads.
enum DecodeProblem {
    Utf16,
    Utf32,
    Binary,
    InvalidUtf8,
}

impl DecodeProblem {
    /// The finding sits at the end of the valid prefix kept as the file's text.
    fn into_finding(self, id: FileId, at: usize) -> Finding {
        let span = Span::new(id, at..at);
        let (message, label, help) = match self {
            DecodeProblem::Utf16 => (
                "file is UTF-16 text; manifests are UTF-8",
                "encoded as UTF-16",
                "save the file as UTF-8",
            ),
            DecodeProblem::Utf32 => (
                "file is UTF-32 text; manifests are UTF-8",
                "UTF-32 byte-order mark",
                "save the file as UTF-8",
            ),
            DecodeProblem::Binary => (
                "file is binary, not YAML text",
                "NUL byte here",
                "move binary files out of the manifest roots, or name only the manifest files",
            ),
            DecodeProblem::InvalidUtf8 => (
                "file is not valid UTF-8",
                "invalid byte sequence here",
                "save the file as UTF-8 (editors call it \"UTF-8\" or \"Unicode\")",
            ),
        };
        codes::INVALID_ENCODING
            .at(span, message, label)
            .with_help(help)
    }
}

/// UTF-16 without a byte-order mark, as some Windows editors save: the
/// first characters are ASCII with a NUL byte beside each, all on the same
/// side. (Otherwise the first NUL would call the file binary.)
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let pairs: Vec<(u8, u8)> = bytes
        .chunks_exact(2)
        .take(32)
        .map(|p| (p[0], p[1]))
        .collect();
    let ascii = |b: u8| b != 0 && b.is_ascii();
    pairs.len() >= 2
        && (pairs.iter().all(|&(a, b)| ascii(a) && b == 0)
            || pairs.iter().all(|&(a, b)| a == 0 && ascii(b)))
}

/// The text of a UTF-16 or UTF-32 file (by its byte-order mark, or by
/// the NUL bytes beside ASCII of UTF-16 without one), decoded lossily;
/// `None` for any other file.
fn wide_text(bytes: &[u8]) -> Option<String> {
    let units = |size: usize, big: bool| {
        bytes.chunks_exact(size).map(move |c| {
            let mut unit = 0u32;
            for i in 0..size {
                let byte = u32::from(c[if big { i } else { size - 1 - i }]);
                unit = (unit << 8) | byte;
            }
            unit
        })
    };
    let utf32 = |big| {
        units(4, big)
            .map(|u| char::from_u32(u).unwrap_or('\u{FFFD}'))
            .collect()
    };
    let utf16 = |big| {
        let units = units(2, big).map(|u| u as u16);
        char::decode_utf16(units)
            .map(|c| c.unwrap_or('\u{FFFD}'))
            .collect()
    };
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) {
        Some(utf32(false))
    } else if bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        Some(utf32(true))
    } else if bytes.starts_with(&[0xFF, 0xFE]) {
        Some(utf16(false))
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        Some(utf16(true))
    } else if looks_like_utf16(bytes) {
        Some(utf16(bytes.first() == Some(&0)))
    } else {
        None
    }
}

/// Decodes a file's bytes: its text (on failure the valid prefix, so the
/// finding can show the line where the problem starts), the problem, and
/// for text that is not valid UTF-8 the whole text read lossily.
fn decode(mut bytes: Vec<u8>) -> (String, Option<DecodeProblem>, Option<String>) {
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return (String::new(), Some(DecodeProblem::Utf32), None);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return (String::new(), Some(DecodeProblem::Utf16), None);
    }
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
    if looks_like_utf16(&bytes) {
        return (String::new(), Some(DecodeProblem::Utf16), None);
    }
    if let Some(nul) = memchr::memchr(0, &bytes) {
        bytes.truncate(nul);
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => valid_prefix(error),
        };
        return (text, Some(DecodeProblem::Binary), None);
    }
    match String::from_utf8(bytes) {
        Ok(text) => (text, None, None),
        Err(error) => {
            let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
            (
                valid_prefix(error),
                Some(DecodeProblem::InvalidUtf8),
                Some(lossy),
            )
        }
    }
}

fn valid_prefix(error: std::string::FromUtf8Error) -> String {
    let valid = error.utf8_error().valid_up_to();
    let mut bytes = error.into_bytes();
    bytes.truncate(valid);
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{DecodeProblem, decode};

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_named_as_such() {
        for big_endian in [false, true] {
            let (_, problem, _) = decode(utf16("version: 1\n", big_endian));
            assert!(
                matches!(problem, Some(DecodeProblem::Utf16)),
                "{big_endian}"
            );
        }
        // A NUL further on is binary; UTF-8 text is text.
        assert!(matches!(
            decode(b"version: 1\n\0".to_vec()).1,
            Some(DecodeProblem::Binary)
        ));
        assert!(decode(b"version: 1\n".to_vec()).1.is_none());
        assert!(decode(b"a".to_vec()).1.is_none());
    }
}
