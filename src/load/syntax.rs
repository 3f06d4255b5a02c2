//! Says what a YAML syntax error most likely is, in the terms of the slip
//! that made it: the parser reports where it stopped ("mapping values are
//! not allowed in this context"), often a line after the mistake. Each
//! explanation is read from the text around that place and given only when
//! the text shows it; otherwise the parser's own message stands.

use super::yaml::next_char_end;
use crate::report::codes;
use crate::report::{Finding, Label};
use crate::source::{FileId, Span};
use std::ops::Range;

/// The first character that YAML text may not hold, as a finding: YAML
/// 1.2.2 §5.1 (`c-printable`) leaves out the C0 controls but tab, line
/// feed and carriage return, DEL, the C1 controls but NEL, U+FFFE and
/// U+FFFF. The parser reads them as text, so a terminal escape would
/// reach a name.
pub fn unprintable(file: FileId, text: &str) -> Option<Finding> {
    let (at, c) = first_unprintable(text)?;
    let code = u32::from(c);
    Some(
        codes::YAML_SYNTAX
            .at(
                Span::new(file, at..at + c.len_utf8()),
                format!("invalid YAML: control character U+{code:04X}, which YAML text may not hold"),
                "control character here",
            )
            .with_note("it often comes with text pasted from a terminal or a word processor; most editors do not show it")
            .with_help(format!(
                "delete it; if the text needs it, write it as the escape `\\u{code:04X}` in a double-quoted string"
            )),
    )
}

fn first_unprintable(text: &str) -> Option<(usize, char)> {
    // Bytes that start such a character: the ASCII ones, and the lead bytes
    // of U+0080..U+00BF (0xC2) and U+F000..U+FFFF (0xEF), never continuation
    // bytes. Chunks are tested without branching, so the common case (no
    // such byte) runs at memory speed.
    let suspect = |b: u8| {
        (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) | (b == 0x7F) | (b == 0xC2) | (b == 0xEF)
    };
    const CHUNK: usize = 64;
    let bytes = text.as_bytes();
    for (n, chunk) in bytes.chunks(CHUNK).enumerate() {
        if !chunk.iter().fold(false, |any, &b| any | suspect(b)) {
            continue;
        }
        for (i, &b) in chunk.iter().enumerate() {
            if !suspect(b) {
                continue;
            }
            let at = n * CHUNK + i;
            let c = text[at..].chars().next()?;
            let printable = match c {
                '\u{80}'..='\u{9F}' => c == '\u{85}',
                '\u{FFFE}' | '\u{FFFF}' => false,
                _ => !c.is_ascii_control() || matches!(c, '\t' | '\n' | '\r'),
            };
            if !printable {
                return Some((at, c));
            }
        }
    }
    None
}

/// The finding for the parser's message `info` at `stop`, when the text
/// shows the slip behind it: a `: ` inside an unquoted value, a line
/// without its `:`, a key longer than YAML allows, a key indented unlike
/// the keys above it, a quote inside a quoted value, a reserved first
/// character.
pub fn explain(file: FileId, text: &str, info: &str, stop: Range<usize>) -> Option<Finding> {
    let at = Around { file, text, stop };
    at.missing_colon(info)
        .or_else(|| at.misindented(info))
        .or_else(|| at.misquoted(info))
}

struct Around<'t> {
    file: FileId,
    text: &'t str,
    /// Where the parser stopped.
    stop: Range<usize>,
}

impl<'t> Around<'t> {
    fn span(&self, range: Range<usize>) -> Span {
        Span::new(self.file, range)
    }

    fn stopped_here(&self) -> Label {
        Label::new(self.span(self.stop.clone()), "the parser stopped here")
    }

    /// The start of the line the parser stopped on.
    fn line_start(&self) -> usize {
        let at = self.stop.start;
        self.text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1)
    }

    /// The start of the nearest line above the one starting at
    /// `line_start` with text that is not a comment.
    fn previous_line(&self, line_start: usize) -> Option<usize> {
        let mut end = line_start;
        loop {
            let upto = self.text[..end].trim_end_matches(['\n', '\r']);
            if upto.is_empty() {
                return None;
            }
            let start = upto.rfind(['\n', '\r']).map_or(0, |i| i + 1);
            let content = upto[start..].trim();
            if !content.is_empty() && !content.starts_with('#') {
                return Some(start);
            }
            end = start;
        }
    }

    /// `key: value: more`; a line without its `:` (`country DE`: the parser
    /// reads it as the start of a key that goes on to the next line, and
    /// stops there); a key of more than 1024 characters.
    fn missing_colon(&self, info: &str) -> Option<Finding> {
        let stopped = info == "simple key expect ':'";
        if !stopped && info != "mapping values are not allowed in this context" {
            return None;
        }
        let text = self.text;
        let line_start = self.line_start();
        let before = &text[line_start..self.stop.start];
        let key_start = line_start + (before.len() - before.trim_start_matches([' ', '-']).len());
        let line = &text[key_start..self.stop.start];
        if !stopped
            && let Some(colon) = line.find(": ")
            && !line[..colon].contains(['"', '\'', '[', '{', '#'])
            && !line[colon + 2..]
                .trim_start()
                .starts_with(['"', '\'', '[', '{', '|', '>', '&', '*', '!'])
        {
            let key = &line[..colon];
            let value = line_text(&text[key_start + colon + 2..]);
            let help = if value.len() <= 60 && !value.contains(['"', '\\']) {
                format!("put the value in double quotes: `{key}: \"{value}\"`")
            } else {
                format!("put the value of `{key}` in double quotes")
            };
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(self.stop.clone()),
                        format!(
                            "invalid YAML: the value of `{key}` holds `: `, which starts a mapping"
                        ),
                        "read as a key's `:`",
                    )
                    .with_note(
                        "in a value without quotes, `: ` starts a mapping and ` #` a comment",
                    )
                    .with_help(help),
            );
        }
        // YAML 1.2.2 §7.4: an implicit key is at most 1024 characters.
        if line.chars().nth(1024).is_some() && !line.contains(": ") {
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(key_start..next_char_end(text, key_start)),
                        "invalid YAML: a key of more than 1024 characters",
                        "this key",
                    )
                    .with_note("YAML reads a key of at most 1024 characters before its `:`")
                    .with_help("manifest keys are field names; shorten it"),
            );
        }
        let previous = self.previous_line(line_start)?;
        let content = (text[previous..].split(['\n', '\r']).next()?).trim();
        let word = content.trim_start_matches(['-', ' ']);
        if content.contains(':')
            || word.is_empty()
            || word.starts_with(['"', '\'', '[', '{', '|', '>', '&', '*', '!', '#'])
        {
            return None;
        }
        let word = line_text(word);
        let start = offset(text, word);
        let key = word.split_whitespace().next().unwrap_or(word);
        let shown = if word.chars().count() > 40 {
            format!("`{key}` …")
        } else {
            format!("`{word}`")
        };
        Some(
            codes::YAML_SYNTAX
                .at(
                    self.span(start..start + word.len()),
                    format!("invalid YAML: {shown} has no `:` after its key"),
                    "no `:` on this line",
                )
                .with_secondary(self.stopped_here())
                .with_note(
                    "without a `:`, YAML reads the line as the start of a key that goes on to the next line",
                )
                .with_help(format!(
                    "write `{key}: value`; text that continues the value above goes on lines indented under its key"
                )),
        )
    }

    /// A key indented unlike the keys above it: less (the parser wants a
    /// new list item or the end of the mapping), or more after a key with
    /// a value (the parser reads the line as more of that value).
    fn misindented(&self, info: &str) -> Option<Finding> {
        let less = info.ends_with("did not find expected '-' indicator")
            || info.ends_with("did not find expected key");
        let more = info == "mapping values are not allowed in this context";
        if !less && !more {
            return None;
        }
        let text = self.text;
        let line_start = self.line_start();
        let this = KeyLine::at(text, line_start)?;
        let above = if less {
            // The parser stops at the line's first character.
            if !text[line_start..self.stop.start]
                .trim_start_matches([' ', '-'])
                .is_empty()
            {
                return None;
            }
            self.stepped_out_of(line_start, this.column)?
        } else {
            let above = KeyLine::at(text, self.previous_line(line_start)?)?;
            if this.column <= above.column || above.value.is_empty() {
                return None;
            }
            above
        };
        let (key, width) = (this.key, above.column);
        let spaces = |n: usize| format!("{n} space{}", if n == 1 { "" } else { "s" });
        let relation = if less { "less" } else { "more" };
        let mut finding = codes::YAML_SYNTAX
            .at(
                self.span(this.start..this.start + key.len()),
                format!(
                    "invalid YAML: `{key}` is indented {relation} than `{}` above it",
                    above.key
                ),
                spaces(this.column),
            )
            .with_secondary(Label::new(
                self.span(above.start..above.start + above.key.len()),
                spaces(width),
            ));
        if more {
            finding = finding.with_note(format!(
                "indented more, the line reads as more of the value of `{}`",
                above.key
            ));
        }
        // `-id: x`: a list item's dash without its space is part of the key.
        let dash = [&this, &above]
            .into_iter()
            .find_map(|line| line.key.strip_prefix('-').filter(|k| !k.is_empty()));
        Some(match dash {
            Some(item) => finding.with_help(format!(
                "write `- {item}`: the `-` of a list item needs a space after it"
            )),
            None => finding.with_help(format!(
                "indent `{key}` by {}, like `{}`: the keys of one mapping start in one column",
                spaces(width),
                above.key
            )),
        })
    }

    /// The mapping a line indented to `column` stepped out of: up to the
    /// line that holds it (indented less), the least indented key that is
    /// indented more than `column`, the nearest of those.
    fn stepped_out_of(&self, line_start: usize, column: usize) -> Option<KeyLine<'t>> {
        let text = self.text;
        let mut best: Option<KeyLine> = None;
        let mut start = line_start;
        loop {
            start = self.previous_line(start)?;
            let indent = text[start..].len() - text[start..].trim_start_matches(' ').len();
            if let Some(line) = KeyLine::at(text, start)
                && line.column > column
                && best.as_ref().is_none_or(|b| line.column < b.column)
            {
                best = Some(line);
            }
            if indent < column {
                return best;
            }
        }
    }

    /// A quote inside a quoted value, or a value that starts with a
    /// character YAML reserves (`@`, `` ` ``).
    fn misquoted(&self, info: &str) -> Option<Finding> {
        let text = self.text;
        let at = self.stop.start;
        if let Some(reserved) = info
            .strip_prefix("unexpected character: `")
            .and_then(|c| c.strip_suffix('\''))
            .filter(|c| matches!(*c, "@" | "`"))
        {
            let value = line_text(&text[at..]);
            let help = if value.contains(['"', '\\', '`']) || value.len() > 60 {
                "put the value in double quotes".to_string()
            } else {
                format!("put the value in double quotes: `\"{value}\"`")
            };
            let named = if reserved == "@" { "`@`" } else { "a backtick" };
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(self.stop.clone()),
                        format!("invalid YAML: a value without quotes cannot start with {named}"),
                        "reserved by YAML",
                    )
                    .with_help(help),
            );
        }
        if info != "invalid trailing content after double-quoted scalar" {
            return None;
        }
        // The quote that opened the value, the first on the line, and the
        // one that closed it, just before where the parser stopped.
        let line_start = self.line_start();
        let opened = text[line_start..at].find(['\'', '"'])?;
        let single = text.as_bytes()[line_start + opened] == b'\'';
        let (closed, quote) = text[..at].trim_end().char_indices().next_back()?;
        let help = if single {
            "inside single quotes, write a `'` as `''` (`'O''Reilly'`), or use double quotes"
        } else {
            "inside double quotes, write a `\"` as `\\\"`, or use single quotes"
        };
        Some(
            codes::YAML_SYNTAX
                .at(
                    self.span(self.stop.clone()),
                    "invalid YAML: text after the closing quote of a value",
                    "the value ended before this",
                )
                .with_secondary(Label::new(
                    self.span(closed..closed + quote.len_utf8()),
                    "closing quote",
                ))
                .with_help(help),
        )
    }
}

/// A line read as a mapping's line: where its key starts (past the
/// indentation and any `- `), its column, the key and what follows its `: `.
struct KeyLine<'t> {
    start: usize,
    column: usize,
    key: &'t str,
    value: &'t str,
}

impl<'t> KeyLine<'t> {
    fn at(text: &'t str, line_start: usize) -> Option<KeyLine<'t>> {
        let line = text[line_start..].split(['\n', '\r']).next()?;
        let mut rest = line.trim_start_matches(' ');
        while let Some(after) = rest.strip_prefix("- ") {
            rest = after.trim_start_matches(' ');
        }
        let indent = line.len() - rest.len();
        let (key, value) = match rest.split_once(": ") {
            Some((key, value)) => (key, value),
            None => (rest.strip_suffix(':')?, ""),
        };
        let plain = !key.is_empty() && !key.contains(['"', '\'', '[', '{', '#', '\t']);
        plain.then_some(KeyLine {
            start: line_start + indent,
            // Spaces and dashes: one byte, one column.
            column: indent,
            key,
            value: line_text(value),
        })
    }
}

/// A line's text up to its end or its comment (` #`), trimmed.
fn line_text(rest: &str) -> &str {
    let line = rest.split(['\n', '\r']).next().unwrap_or(rest);
    let text = match line.find(" #").or_else(|| line.find("\t#")) {
        Some(comment) => &line[..comment],
        None => line,
    };
    text.trim()
}

/// Where `part`, a slice of `text`, starts in it.
fn offset(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

#[cfg(test)]
mod tests {
    use super::first_unprintable;

    #[test]
    fn printable_text_has_no_unprintable_character() {
        let text = "a\tb\r\nc\u{85}d\u{A0}é\u{FEFF}\u{FFFD}😀 ".repeat(40);
        assert_eq!(first_unprintable(&text), None);
        for (c, at) in [('\u{7}', 3), ('\u{7F}', 3), ('\u{90}', 3), ('\u{FFFF}', 3)] {
            let text = format!("{}abc{c}", "x".repeat(61));
            assert_eq!(first_unprintable(&text[61..]), Some((at, c)));
            // Across a chunk's edge.
            assert_eq!(first_unprintable(&text), Some((64, c)));
        }
    }
}
