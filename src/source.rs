//! The files privlint has read, and conversions between byte offsets and the
//! positions each consumer wants: 1-based lines and character columns for
//! people, 0-based UTF-16 positions for LSP, byte ranges for codespan.

use std::ops::Range;
use std::path::{Path, PathBuf};

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one file. Offsets are into the file's text after a
/// leading byte-order mark was removed (editors do not count it either).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A position in a file in every unit a consumer may want.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 0-based line.
    pub line: u32,
    /// 0-based column in Unicode scalar values (what people count).
    pub column: u32,
    /// 0-based column in UTF-16 code units (LSP's default encoding).
    pub utf16: u32,
    /// Byte offset in the file.
    pub byte: u32,
}

/// One file: its path as given or found, and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as shown to the user (relative when it was given relative).
    pub path: PathBuf,
    /// The text, without a leading byte-order mark.
    pub text: String,
    /// Bytes of the file before `text`: 3 after a UTF-8 byte-order mark,
    /// so that byte offsets count the file's bytes.
    leading: u32,
    line_starts: Vec<u32>,
    /// Lines with a non-ASCII character, in order: in the others a column
    /// is a byte count, without counting characters along a long line.
    non_ascii_lines: Vec<u32>,
    /// Characters and UTF-16 units before every `CHECKPOINT`-th byte, made
    /// on the first column asked for in a non-ASCII line, so that a column
    /// is counted from the nearest checkpoint, not from the line start (a
    /// long line with many findings would be quadratic).
    checkpoints: std::sync::OnceLock<Vec<Counted>>,
    /// The text as shown in a terminal, made on first use (see [`SourceFile::display_text`]).
    display: std::sync::OnceLock<Option<String>>,
    /// See [`SourceFile::stable_path`], made on first use.
    stable: std::sync::OnceLock<String>,
    /// Embedded in the binary (a built-in rule pack): `path` names it in
    /// privlint's repository, not on the user's disk.
    pub builtin: bool,
}

/// How a built-in file is named to the user: not a path on their disk,
/// where a file of the same name may hold something else.
pub const BUILTIN_PREFIX: &str = "<built-in>/";

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> SourceFile {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(line_breaks(text.as_bytes()));
        let mut non_ascii_lines = Vec::new();
        if !text.is_ascii() {
            for line in 0..line_starts.len() {
                let start = line_starts[line] as usize;
                let end = line_starts
                    .get(line + 1)
                    .map_or(text.len(), |&e| e as usize);
                if !text.as_bytes()[start..end].is_ascii() {
                    non_ascii_lines.push(line as u32);
                }
            }
        }
        SourceFile {
            path,
            text,
            leading: 0,
            line_starts,
            non_ascii_lines,
            checkpoints: std::sync::OnceLock::new(),
            display: std::sync::OnceLock::new(),
            stable: std::sync::OnceLock::new(),
            builtin: false,
        }
    }

    /// The same file, whose text follows `bytes` bytes left out of it (a
    /// UTF-8 byte-order mark).
    pub fn after_leading_bytes(mut self, bytes: u32) -> SourceFile {
        self.leading = bytes;
        self
    }

    /// The text with everything a terminal would interpret replaced, byte
    /// for byte, so that offsets still hold: a lone `\r` line break becomes
    /// `\n`, other control characters `?`, and bidirectional controls (which
    /// can make a line read differently than it parses) U+FFFD.
    pub fn display_text(&self) -> &str {
        self.display
            .get_or_init(|| printable_source(&self.text))
            .as_deref()
            .unwrap_or(&self.text)
    }

    pub fn display_path(&self) -> String {
        if self.builtin {
            return format!("{BUILTIN_PREFIX}{}", display_path(&self.path));
        }
        display_path(&self.path)
    }

    /// The path that names the file in a fingerprint (baselines, SARIF):
    /// from the root of the repository it is in, the same from any working
    /// directory and on any clone; outside a repository, from the working
    /// directory (however the path was spelt), or absolute above it.
    pub fn stable_path(&self) -> &str {
        self.stable.get_or_init(|| {
            if self.builtin {
                return self.display_path();
            }
            let absolute = absolute_normalized(&self.path);
            let root = absolute.parent().and_then(repository_root).or_else(|| {
                std::env::current_dir()
                    .ok()
                    .map(|d| absolute_normalized(&d))
            });
            match root.as_deref().and_then(|r| absolute.strip_prefix(r).ok()) {
                Some(inside) => display_path(inside),
                None => display_path(&absolute),
            }
        })
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, byte: usize) -> usize {
        match self.line_starts.binary_search(&(byte as u32)) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte range of a 0-based line, without its line terminator (`\n` or `\r\n`).
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts[line] as usize;
        let mut end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |&next| next as usize);
        let bytes = self.text.as_bytes();
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    /// Byte range including the terminator (what codespan expects).
    pub fn full_line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts[line] as usize;
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |&next| next as usize);
        start..end
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The position of a byte offset. Offsets inside a line terminator or
    /// past the end are clamped to the end of the line's content.
    pub fn position(&self, byte: usize) -> Position {
        let byte = floor_char_boundary(&self.text, byte.min(self.text.len()));
        let line = self.line_index(byte);
        let content = self.line_range(line);
        let upto = &self.text[content.start..byte.min(content.end).max(content.start)];
        let (column, utf16) = if self.non_ascii_lines.binary_search(&(line as u32)).is_err() {
            (upto.len(), upto.len())
        } else {
            let start = self.counted(content.start);
            let end = self.counted(content.start + upto.len());
            (
                (end.chars - start.chars) as usize,
                (end.utf16 - start.utf16) as usize,
            )
        };
        Position {
            line: line as u32,
            column: column as u32,
            utf16: utf16 as u32,
            byte: byte as u32 + self.leading,
        }
    }
}

/// Where lines start after the first: YAML 1.2 breaks lines at `\n`,
/// `\r\n` and a lone `\r` (its production b-break).
fn line_breaks(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    // memchr: the line index is built for every file read, byte by byte it
    // cost as much as a tenth of parsing.
    memchr::memchr2_iter(b'\n', b'\r', bytes)
        .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
        .map(|i| i as u32 + 1)
}

/// Whether a character in a source line would be interpreted by a
/// terminal or reorder the text around it: control characters other than
/// tab and line feed, and bidirectional controls.
fn is_unprintable(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with unprintable characters replaced by characters of the same
/// UTF-8 length; `None` when there is nothing to replace.
fn printable_source(text: &str) -> Option<String> {
    if !text.chars().any(is_unprintable) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => out.push(c),
            '\r' => out.push('\n'),
            c if is_unprintable(c) => {
                for _ in 0..c.len_utf8() / 3 {
                    out.push('\u{FFFD}');
                }
                for _ in 0..c.len_utf8() % 3 {
                    out.push('?');
                }
            }
            c => out.push(c),
        }
    }
    debug_assert_eq!(out.len(), text.len());
    Some(out)
}

/// A string from a manifest, safe to print on a terminal on one line:
/// control characters (line breaks included) and bidirectional controls
/// are written as escapes: `\n`, `\r` and `\t` as in YAML's double-quoted
/// strings, the others by code point (`\u{1b}`).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    // One line: a line break in a message or a path would split it.
    // Invisible characters too: `hetzner` and `hetzner` + U+200B would read
    // the same in "did you mean `hetzner`?".
    let invisible = |c: char| matches!(c, '\u{00AD}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}');
    let escaped = |c: char| c.is_control() || is_bidi_control(c) || invisible(c);
    if !text.chars().any(escaped) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '\n' | '\r' | '\t') {
            out.extend(c.escape_default());
        } else if escaped(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Characters and UTF-16 units before a byte offset.
#[derive(Clone, Copy, Debug, Default)]
struct Counted {
    byte: u32,
    chars: u32,
    utf16: u32,
}

const CHECKPOINT: usize = 4096;

impl Counted {
    fn advance(self, text: &str) -> Counted {
        Counted {
            byte: self.byte + text.len() as u32,
            chars: self.chars + text.chars().count() as u32,
            utf16: self.utf16 + text.chars().map(char::len_utf16).sum::<usize>() as u32,
        }
    }
}

impl SourceFile {
    /// Counts up to `byte`, a character boundary.
    fn counted(&self, byte: usize) -> Counted {
        let checkpoints = self.checkpoints.get_or_init(|| {
            let mut all = vec![Counted::default()];
            let mut at = Counted::default();
            while (at.byte as usize) + CHECKPOINT < self.text.len() {
                let next = floor_char_boundary(&self.text, at.byte as usize + CHECKPOINT);
                at = at.advance(&self.text[at.byte as usize..next]);
                all.push(at);
            }
            all
        });
        let i = checkpoints.partition_point(|c| c.byte as usize <= byte) - 1;
        let from = checkpoints[i];
        from.advance(&self.text[from.byte as usize..byte])
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Largest configuration file or rule pack read.
pub const MAX_SIDE_FILE: u64 = 16 * 1024 * 1024;

/// Largest baseline read: it grows with the findings it accepts (about
/// 200 bytes each), and `--write-baseline` must not write one that
/// `--baseline` then refuses.
pub const MAX_BASELINE: u64 = 256 * 1024 * 1024;

/// Reads a file privlint is pointed at besides the manifests (a
/// configuration, a rule pack, a baseline): a regular file of at most
/// [`MAX_SIDE_FILE`] bytes, read within that bound, so that `/dev/zero` or
/// a FIFO named by mistake is an error, not a hang or gigabytes.
pub fn read_side_file(path: &Path) -> std::io::Result<String> {
    read_side_file_within(path, MAX_SIDE_FILE)
}

/// [`read_side_file`] with another bound.
pub fn read_side_file_within(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::{Error, Read};
    // Asked before opening: opening a FIFO blocks until a writer comes.
    if !std::fs::metadata(path)?.is_file() {
        return Err(Error::other("not a regular file"));
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::other("not a regular file"));
    }
    let too_large = || Error::other(format!("larger than {} MiB", limit / (1024 * 1024)));
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
    if memchr::memchr(0, &bytes).is_some() {
        return Err(Error::other(
            "a binary file, not text (it holds a NUL byte)",
        ));
    }
    String::from_utf8(bytes).map_err(|_| Error::other("not UTF-8 text"))
}

/// UTF-8's byte-order mark, which the text read leaves out.
pub const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Paths are shown with forward slashes and without a leading `./`, so the
/// output is the same on every platform and byte-identical across runs.
/// Only Windows separates with `\\`; elsewhere it is part of a name.
pub fn display_path(path: &Path) -> String {
    let shown = path.to_string_lossy();
    let shown = if cfg!(windows) {
        shown.replace('\\', "/")
    } else {
        shown.into_owned()
    };
    match shown.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => shown,
    }
}

/// The repository root: the nearest folder upward with `.git`.
pub fn repository_root(start: &Path) -> Option<PathBuf> {
    let mut dir = absolute_normalized(start);
    loop {
        if dir.join(".git").exists() {
            return Some(dir);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// `path` made absolute against the working directory, with `.` and `..`
/// resolved lexically, as editors resolve the URIs they are given: a
/// diagnostic for `../m.yaml` must name the file the editor has open.
pub fn absolute_normalized(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Every file read in one run.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// The folder fingerprints name files from when set (see
    /// [`SourceMap::stable_path`]), absolute.
    fingerprint_base: Option<PathBuf>,
}

impl SourceMap {
    /// Names files in fingerprints from `base`, the folder of the
    /// configuration file in use: it stays where it is, whichever folder
    /// privlint runs from, and it is where baselines were written from
    /// before fingerprints were anchored (a submodule's files keep their
    /// `sub/` prefix, as from the superproject's root).
    pub fn set_fingerprint_base(&mut self, base: Option<&Path>) {
        self.fingerprint_base = base.map(absolute_normalized);
    }

    /// The path that names a file in a fingerprint: from the configuration
    /// file's folder when the file is under it, else
    /// [`SourceFile::stable_path`].
    pub fn stable_path(&self, id: FileId) -> std::borrow::Cow<'_, str> {
        let file = self.get(id);
        if let Some(base) = &self.fingerprint_base
            && let Ok(inside) = absolute_normalized(&file.path).strip_prefix(base)
        {
            return std::borrow::Cow::Owned(display_path(inside));
        }
        std::borrow::Cow::Borrowed(file.stable_path())
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        let text = &self.get(span.file).text;
        text.get(span.range()).unwrap_or("")
    }
}

/// Converts the character indices a YAML parser reports into byte offsets.
/// Parsers report positions mostly in increasing order, so a cursor that
/// walks forward (or back) from the last answer is linear overall.
pub struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    char_pos: usize,
    byte_pos: usize,
}

impl<'a> CharToByte<'a> {
    pub fn new(text: &'a str) -> Self {
        CharToByte {
            text,
            ascii: text.is_ascii(),
            char_pos: 0,
            byte_pos: 0,
        }
    }

    pub fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let bytes = self.text.as_bytes();
        // A text with one `ü` takes this path for all of it, and stepping a
        // character at a time was a tenth of the loader's instructions: an
        // ASCII stretch is crossed at once, others eight bytes at a time.
        let need = char_index.saturating_sub(self.char_pos);
        let ahead = self.byte_pos.saturating_add(need).min(bytes.len());
        if need > 0 && bytes[self.byte_pos..ahead].is_ascii() {
            self.char_pos += ahead - self.byte_pos;
            self.byte_pos = ahead;
        }
        while self.char_pos < char_index && self.byte_pos < bytes.len() {
            if char_index - self.char_pos >= 8
                && let Some(word) = bytes.get(self.byte_pos..self.byte_pos + 8)
                && u64::from_le_bytes(word.try_into().unwrap_or_default()) & 0x8080_8080_8080_8080
                    == 0
            {
                self.byte_pos += 8;
                self.char_pos += 8;
                continue;
            }
            self.byte_pos += utf8_width(bytes[self.byte_pos]);
            self.char_pos += 1;
        }
        while self.char_pos > char_index {
            self.byte_pos -= 1;
            while !self.text.is_char_boundary(self.byte_pos) {
                self.byte_pos -= 1;
            }
            self.char_pos -= 1;
        }
        self.byte_pos.min(bytes.len())
    }
}

fn utf8_width(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_utf16_units() {
        let file = SourceFile::new("a.yaml".into(), "name: Zürich 𝄞 x\nb: 1\n".into());
        let x = file.text.find(" x").unwrap() + 1;
        let pos = file.position(x);
        assert_eq!((pos.line, pos.column, pos.utf16), (0, 15, 16));
        let b = file.text.find("b:").unwrap();
        assert_eq!(file.position(b).line, 1);
        assert_eq!(file.position(b).column, 0);
    }

    #[test]
    fn crlf_is_not_part_of_a_line() {
        let file = SourceFile::new("a.yaml".into(), "a: 1\r\nb: 2\r\n".into());
        assert_eq!(file.line_range(0), 0..4);
        assert_eq!(file.position(6).line, 1);
        assert_eq!(file.position(5).column, 4);
    }

    #[test]
    fn columns_on_a_long_non_ascii_line_count_from_checkpoints() {
        let line = "ü𝄞x".repeat(5000);
        let file = SourceFile::new("a.yaml".into(), format!("a: 1\nk: {line}\n"));
        let start = file.text.find("k:").unwrap();
        for nth in [0, 1, 2, 3, 2999, 4999] {
            let byte = start + 3 + nth * "ü𝄞x".len();
            let pos = file.position(byte);
            assert_eq!(
                (pos.line, pos.column, pos.utf16),
                (1, 3 + 3 * nth as u32, 3 + 4 * nth as u32)
            );
        }
    }

    #[test]
    fn a_lone_cr_breaks_lines_as_in_yaml() {
        let file = SourceFile::new("a.yaml".into(), "a: 1\rb: 2\r\nc: 3".into());
        let c = file.text.find("c:").unwrap();
        assert_eq!((file.position(c).line, file.position(c).column), (2, 0));
        assert_eq!(file.line_range(0), 0..4);
        assert_eq!(file.display_text(), "a: 1\nb: 2\r\nc: 3");
    }

    #[test]
    fn terminal_controls_are_not_shown_raw() {
        let text = "k\u{1b}[2J: \u{202E}x\u{85}\n";
        let file = SourceFile::new("a.yaml".into(), text.into());
        assert_eq!(file.display_text(), "k?[2J: \u{FFFD}x??\n");
        assert_eq!(file.display_text().len(), text.len());
        assert_eq!(printable("a\u{7}b"), "a\\u{7}b");
        assert_eq!(printable("hetzner\u{200B}"), "hetzner\\u{200b}");
        assert_eq!(printable("Zürich \u{1F600}"), "Zürich \u{1F600}");
        assert!(matches!(printable("plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn char_cursor_moves_both_ways() {
        let text = "Müller: Zürich";
        let mut c = CharToByte::new(text);
        assert_eq!(c.byte(8), 9);
        assert_eq!(c.byte(2), 3);
        assert_eq!(c.byte(14), text.len());
        assert_eq!(c.byte(0), 0);
    }

    #[test]
    fn char_cursor_agrees_with_char_indices_across_ascii_runs() {
        // Multi-byte characters before, inside and after runs of ASCII
        // longer and shorter than the eight bytes skipped at once.
        let text = "é processors: [Zürich-1234567, 東京, x] \u{1F600}abcdefghijklmnop\nü";
        let reference: Vec<usize> = text
            .char_indices()
            .map(|(b, _)| b)
            .chain([text.len()])
            .collect();
        for step in 1..12 {
            let mut c = CharToByte::new(text);
            for i in (0..reference.len()).step_by(step) {
                assert_eq!(c.byte(i), reference[i], "forward to {i} by {step}");
            }
            for i in (0..reference.len()).rev().step_by(step) {
                assert_eq!(c.byte(i), reference[i], "back to {i} by {step}");
            }
        }
        assert_eq!(CharToByte::new(text).byte(10_000), text.len());
        // Past a wide character, a huge index must not overflow the sum.
        let mut c = CharToByte::new("é");
        assert_eq!(c.byte(1), 2);
        assert_eq!(c.byte(usize::MAX), 2);
    }
}
