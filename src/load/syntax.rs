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
    at.conflict_marker()
        .or_else(|| at.unicode_space())
        .or_else(|| at.missing_colon(info))
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

    /// A merge conflict left in the file (`<<<<<<< HEAD`).
    fn conflict_marker(&self) -> Option<Finding> {
        let text = self.text;
        let at = if text.starts_with("<<<<<<<") {
            0
        } else {
            memchr::memmem::find(text.as_bytes(), b"\n<<<<<<<")? + 1
        };
        let end = at + text[at..].find(['\n', '\r']).unwrap_or(text.len() - at);
        Some(
            codes::YAML_SYNTAX
                .at(
                    self.span(at..end),
                    "invalid YAML: the file holds a merge conflict",
                    "conflict marker",
                )
                .with_help("resolve the conflict: keep the lines meant, and remove the `<<<<<<<`, `=======` and `>>>>>>>` lines"),
        )
    }

    /// A space YAML does not read as one (a no-break space, an ideographic
    /// space) in the indentation or after a key's `:`, on the line the
    /// parser stopped on or the one above.
    fn unicode_space(&self) -> Option<Finding> {
        let text = self.text;
        let line_start = self.line_start();
        let lines = [Some(line_start), self.previous_line(line_start)];
        let odd = |c: char| c.is_whitespace() && !matches!(c, ' ' | '\t' | '\n' | '\r');
        let (at, c) = lines.into_iter().flatten().find_map(|start| {
            let line = text[start..].split(['\n', '\r']).next()?;
            let indent = line.char_indices().take_while(|(_, c)| c.is_whitespace());
            let after_colon = line
                .find(':')
                .map(|colon| colon + 1)
                .and_then(|i| line[i..].chars().next().map(|c| (i, c)));
            indent
                .chain(after_colon)
                .find(|&(_, c)| odd(c))
                .map(|(i, c)| (start + i, c))
        })?;
        let code = u32::from(c);
        let name = match c {
            '\u{A0}' => "a no-break space",
            '\u{202F}' => "a narrow no-break space",
            '\u{3000}' => "an ideographic space",
            _ => "a Unicode space",
        };
        Some(
            codes::YAML_SYNTAX
                .at(
                    self.span(at..at + c.len_utf8()),
                    format!("invalid YAML: U+{code:04X}, {name}, where YAML needs a plain space"),
                    name,
                )
                .with_secondary(self.stopped_here())
                .with_note("YAML indents, and separates a key from its value, with plain spaces only; word processors and some keyboards type this one")
                .with_help("replace it with a plain space"),
        )
    }

    /// `key: value: more` (or two keys joined on one line); a line
    /// without its `:` (`country DE`: the parser reads it as the start of a
    /// key that goes on to the next line, and stops there), or without the
    /// space after it (`name:X`); text that continues a value without being
    /// indented under its key; a key of more than 1024 characters.
    fn missing_colon(&self, info: &str) -> Option<Finding> {
        let stopped = matches!(info, "simple key expect ':'" | "simple key expected");
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
            return Some(self.colon_in_value(key_start, colon));
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
        // At the end of a file without a final line break, the parser stops
        // on the line itself.
        let at_end = text[self.stop.start..].trim().is_empty() && !before.trim().is_empty();
        let previous = match at_end {
            true => line_start,
            false => self.previous_line(line_start)?,
        };
        let content = line_text(&text[previous..]);
        let start = offset(text, content);
        let item = content.trim_start_matches("- ").trim_start();
        // `name:X`, `- id:aws`, `website:https://…`: a key's `:` with no space.
        if let Some((key, value)) = item.split_once(':')
            && is_key(key)
            && !value.is_empty()
            && !value.starts_with([' ', ':'])
            && !item.contains(": ")
        {
            let colon = offset(text, item) + key.len();
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(colon..colon + 1),
                        format!("invalid YAML: `{}` needs a space after `:`", short(item)),
                        "no space after this `:`",
                    )
                    .with_secondary(self.stopped_here())
                    .with_note("without the space, YAML reads `key:value` as one piece of text")
                    .with_help(format!("write `{}: {}`", short(key), short(value))),
            );
        }
        // A list item: whatever is wrong, it is not its missing `:`.
        if content.starts_with("- ") || content == "-" {
            return None;
        }
        let word = content.split_whitespace().next().unwrap_or(content);
        if let Some(rest) = word.strip_prefix('-')
            && !rest.is_empty()
        {
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(start..start + word.len()),
                        format!("invalid YAML: `{}` needs a space after `-`", short(word)),
                        "no space after this `-`",
                    )
                    .with_secondary(self.stopped_here())
                    .with_help(format!(
                        "write `- {}`: the `-` of a list item needs a space after it",
                        short(rest)
                    )),
            );
        }
        if content.starts_with(['"', '\'', '[', '{', '|', '>', '&', '*', '!', '#']) {
            return None;
        }
        // `country= DE`, `country：DE` (a full-width colon): a key, then
        // something else than `: `.
        let key_end = word
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .unwrap_or(word.len());
        let (key, after) = word.split_at(key_end);
        if key.is_empty() || (after.contains(':') && !after.starts_with('\u{FF1A}')) {
            return None;
        }
        if let Some(wrong) = after
            .chars()
            .next()
            .filter(|c| matches!(c, '=' | '\u{FF1A}'))
        {
            let value = content[key.len() + wrong.len_utf8()..].trim();
            let named = if wrong == '=' {
                "`=`".to_string()
            } else {
                "a full-width colon (U+FF1A)".to_string()
            };
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(start + key.len()..start + key.len() + wrong.len_utf8()),
                        format!(
                            "invalid YAML: `{}` has {named} where YAML needs `: `",
                            short(key)
                        ),
                        "not a `:`",
                    )
                    .with_secondary(self.stopped_here())
                    .with_help(format!("write `{}: {}`", short(key), short(value))),
            );
        }
        if !after.is_empty() {
            return None;
        }
        // Text under a key with a value, as indented as the key: more of
        // the value, not indented enough (unless it starts with a field's
        // name: then it is that field without its `:`).
        if !crate::schema::field_names().contains(key)
            && let Some(owner) = self.owner_of_text(previous)
        {
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(start..start + content.len()),
                        format!(
                            "invalid YAML: this line continues the value of `{}`, but is not indented under it",
                            short(owner.key)
                        ),
                        format!("indented {}", spaces(owner.column)),
                    )
                    .with_secondary(Label::new(
                        self.span(owner.start..owner.start + owner.key.len()),
                        format!("indented {}", spaces(owner.column)),
                    ))
                    .with_secondary(self.stopped_here())
                    .with_note("text of a value that goes on to more lines is indented more than its key; at the key's column, a line starts a new key")
                    .with_help(format!(
                        "indent the text of `{}` more than the key",
                        short(owner.key)
                    )),
            );
        }
        let shown = if content.chars().count() > 40 {
            format!("`{}` …", short(key))
        } else {
            format!("`{content}`")
        };
        Some(
            codes::YAML_SYNTAX
                .at(
                    self.span(start..start + content.len()),
                    format!("invalid YAML: {shown} has no `:` after its key"),
                    "no `:` on this line",
                )
                .with_secondary(self.stopped_here())
                .with_note(
                    "without a `:`, YAML reads the line as the start of a key that goes on to the next line",
                )
                .with_help(format!(
                    "write `{}: value`; text that continues the value above goes on lines indented under its key",
                    short(key)
                )),
        )
    }

    /// The key whose value a line of text at `line_start` (no key of its
    /// own) would continue: the nearest key line above it at its column,
    /// with only such text between them, and a value or none.
    fn owner_of_text(&self, line_start: usize) -> Option<KeyLine<'t>> {
        let text = self.text;
        let column =
            |start: usize| text[start..].len() - text[start..].trim_start_matches(' ').len();
        let at = column(line_start);
        let mut start = line_start;
        loop {
            start = self.previous_line(start)?;
            if column(start) != at || text[start..].trim_start().starts_with('-') {
                return None;
            }
            if let Some(line) = KeyLine::at(text, start) {
                return (line.column == at).then_some(line);
            }
        }
    }

    /// `key: value: more` on one line, or two keys joined (`name: X
    /// country: DE`).
    fn colon_in_value(&self, key_start: usize, colon: usize) -> Finding {
        let text = self.text;
        let line = &text[key_start..self.stop.start];
        let key = short(&line[..colon]);
        let value = line_text(&text[key_start + colon + 2..]);
        // The word before the `:` the parser stopped at.
        let second = line.trim_end().rsplit([' ', '\t']).next().unwrap_or("");
        let joined = second.len() < line[colon + 2..].trim().len()
            && crate::schema::field_names().contains(second);
        if joined {
            let at = self.stop.start - second.len();
            return codes::YAML_SYNTAX
                .at(
                    self.span(at..self.stop.start),
                    format!("invalid YAML: `{second}` starts a second key on the line of `{key}`"),
                    "a second key",
                )
                .with_help(format!(
                    "put `{second}:` on a line of its own, below `{key}`"
                ));
        }
        let curly = value.starts_with(['\u{201C}', '\u{2018}']);
        let help = if curly {
            let inner = value.trim_matches(['\u{201C}', '\u{201D}', '\u{2018}', '\u{2019}']);
            format!(
                "replace the curly quotes with straight ones: `{key}: \"{}\"`",
                short(inner)
            )
        } else if value.chars().count() <= 60 && !value.contains(['"', '\\']) {
            format!("put the value in double quotes: `{key}: \"{value}\"`")
        } else {
            format!("put the value of `{key}` in double quotes")
        };
        codes::YAML_SYNTAX
            .at(
                self.span(self.stop.clone()),
                format!("invalid YAML: the value of `{key}` holds `: `, which starts a mapping"),
                "read as a key's `:`",
            )
            .with_note("in a value without quotes, `: ` starts a mapping and ` #` a comment")
            .with_help(help)
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
        let (key, width) = (short(this.key), above.column);
        let above_key = short(above.key);
        let relation = if less { "less" } else { "more" };
        let mut finding = codes::YAML_SYNTAX
            .at(
                self.span(this.start..this.start + this.key.len()),
                format!("invalid YAML: `{key}` is indented {relation} than `{above_key}` above it"),
                spaces(this.column),
            )
            .with_secondary(Label::new(
                self.span(above.start..above.start + above.key.len()),
                spaces(width),
            ));
        if more {
            finding = finding.with_note(format!(
                "indented more, the line reads as more of the value of `{above_key}`"
            ));
        }
        // `-id: x`: a list item's dash without its space is part of the key.
        let dash = [&this, &above]
            .into_iter()
            .find_map(|line| line.key.strip_prefix('-').filter(|k| !k.is_empty()));
        Some(match dash {
            Some(item) => finding.with_help(format!(
                "write `- {}`: the `-` of a list item needs a space after it",
                short(item)
            )),
            None => finding.with_help(format!(
                "indent `{key}` by {}, like `{above_key}`: the keys of one mapping start in one column",
                spaces(width),
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
            // In a flow list or mapping, the value ends at its `,`.
            let in_flow = text[self.line_start()..at]
                .trim_end()
                .ends_with(['[', '{', ',']);
            let value = match in_flow {
                true => value.split([',', ']', '}']).next().unwrap_or(value).trim(),
                false => value,
            };
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
        let opens = text[at..]
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\''));
        if let Some(quote) = opens
            && (info == "invalid indentation in quoted scalar"
                || info.ends_with("found unexpected end of stream"))
        {
            let line = text[at + 1..].split(['\n', '\r']).next().unwrap_or("");
            if !line.contains(quote) {
                return Some(
                    codes::YAML_SYNTAX
                        .at(
                            self.span(at..at + 1),
                            format!("invalid YAML: the `{quote}` that opens this value is not closed"),
                            "opened here",
                        )
                        .with_note("a quoted value may go on to more lines, each indented under its key, up to its closing quote")
                        .with_help(format!("close the quote at the end of the value: `{quote}{}{quote}`", short(line.trim_end()))),
                );
            }
        }
        if opens == Some('"')
            && (info.contains("hexadecimal number") || info.contains("unknown escape"))
        {
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(self.stop.clone()),
                        "invalid YAML: a `\\` inside double quotes starts an escape (`\\n`, `\\u00e9`)",
                        "in this double-quoted value",
                    )
                    .with_help("write a path with `/`, or put the value in single quotes, where `\\` is text"),
            );
        }
        if info != "invalid trailing content after double-quoted scalar" {
            return None;
        }
        // The quote that closed the value, just before where the parser
        // stopped, tells its kind.
        let (closed, quote) = text[..at].trim_end().char_indices().next_back()?;
        let single = quote == '\'';
        if text[at..].starts_with(',') {
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(at..at + 1),
                        "invalid YAML: a `,` after a quoted value",
                        "not part of the value",
                    )
                    .with_help("remove the `,`: in a YAML mapping, a line ends without one"),
            );
        }
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

/// Whether `word` reads as a key: a field name's characters.
fn is_key(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Text shown in a message: at most 40 characters of it (a hostile line
/// may be megabytes long).
fn short(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
    }
}

fn spaces(n: usize) -> String {
    format!("{n} space{}", if n == 1 { "" } else { "s" })
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
