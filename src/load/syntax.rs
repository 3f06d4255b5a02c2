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
/// shows the slip behind it: a merge conflict, a space YAML does not read
/// as one, a `: ` inside an unquoted value, a line without its `:` or the
/// space after it, text not indented under its key, a key longer than
/// YAML allows, a key indented unlike the keys above it, a quote inside a
/// quoted value or one not closed, a reserved first character.
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
        let odd = |c: char| c.is_whitespace() && !matches!(c, ' ' | '\t' | '\n' | '\r');
        if let Some(c) = text[self.stop.start..].chars().next().filter(|&c| odd(c)) {
            return Some(self.odd_space(self.stop.start, c));
        }
        // The line above only where it reads as a key's: elsewhere such a
        // space is text, and the error is another.
        let above = self
            .previous_line(line_start)
            .filter(|&start| line_text(&text[start..]).contains(':'));
        let (at, c) = [Some(line_start), above]
            .into_iter()
            .flatten()
            .find_map(|start| {
                let line = text[start..].split(['\n', '\r']).next()?;
                let indent = line
                    .char_indices()
                    .take_while(|&(_, c)| c.is_whitespace() || c == '-');
                let after_colon = line
                    .find(':')
                    .map(|colon| colon + 1)
                    .and_then(|i| line[i..].chars().next().map(|c| (i, c)));
                indent
                    .chain(after_colon)
                    .find(|&(_, c)| odd(c))
                    .map(|(i, c)| (start + i, c))
            })?;
        Some(self.odd_space(at, c))
    }

    fn odd_space(&self, at: usize, c: char) -> Finding {
        let code = u32::from(c);
        let name = match c {
            '\u{A0}' => "a no-break space",
            '\u{202F}' => "a narrow no-break space",
            '\u{3000}' => "an ideographic space",
            _ => "a Unicode space",
        };
        let finding = codes::YAML_SYNTAX
            .at(
                self.span(at..at + c.len_utf8()),
                format!("invalid YAML: U+{code:04X}, {name}, where YAML needs a plain space"),
                name,
            )
            .with_note("YAML indents, and separates a key from its value, with plain spaces only; word processors and some keyboards type this one")
            .with_help("replace it with a plain space");
        match at == self.stop.start {
            true => finding,
            false => finding.with_secondary(self.stopped_here()),
        }
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
            && !line[colon + 2..].trim_start().starts_with(INDICATORS)
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
        // `: ` on a line that goes on with the value of a key above it.
        if !stopped && let Some(owner) = self.value_owner(line_start) {
            let owner_key = short(owner.key);
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(self.stop.clone()),
                        format!(
                            "invalid YAML: the value of `{owner_key}` goes on to this line, where `: ` starts a mapping"
                        ),
                        "read as a key's `:`",
                    )
                    .with_secondary(Label::new(
                        self.span(owner.start..owner.start + owner.key.len()),
                        "the value of this key",
                    ))
                    .with_note("in a value without quotes, `: ` starts a mapping and ` #` a comment")
                    .with_help(format!(
                        "put the value of `{owner_key}` in double quotes; or, if this line starts a key, indent it like `{owner_key}`"
                    )),
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
        // A list item: whatever is wrong, it is not its missing `:`.
        if content.starts_with("- ") || content == "-" {
            return None;
        }
        // Text at the column of a key with a value above it: either more of
        // that value, not indented under its key, or a key without its `:`
        // (`contry DE` under `name: X`). Both are said; which is meant, only
        // the writer knows.
        // `country:DE` (a field's name, then `:`) is a key without its space.
        let colon_key = content.split_once(':').is_some_and(|(key, value)| {
            crate::schema::field_names().contains(key) && !value.starts_with("//")
        });
        let is_text = !content.contains(": ") && !content.ends_with(':') && !colon_key;
        if is_text && let Some(owner) = self.owner_of_text(previous) {
            let owner_key = short(owner.key);
            let word = content.split_whitespace().next().unwrap_or(content);
            let rest = content[word.len()..].trim();
            let looks_like_key =
                word.starts_with(char::is_alphabetic) && is_key(word) && !rest.is_empty();
            let help = format!(
                "if it is more of the value of `{owner_key}`, indent it more than `{owner_key}`"
            );
            let help = match looks_like_key {
                true => format!(
                    "{help}; if `{}` is a key, write `{}: {}`",
                    short(word),
                    short(word),
                    short(rest)
                ),
                false => help,
            };
            return Some(
                codes::YAML_SYNTAX
                    .at(
                        self.span(start..start + content.len()),
                        format!(
                            "invalid YAML: this line has no `:`, and is not indented under `{owner_key}` above it"
                        ),
                        format!("indented {}", spaces(owner.column)),
                    )
                    .with_secondary(Label::new(
                        self.span(owner.start..owner.start + owner.key.len()),
                        format!("indented {}", spaces(owner.column)),
                    ))
                    .with_secondary(self.stopped_here())
                    .with_note("text of a value that goes on to more lines is indented more than its key; at the key's column, a line starts a new key")
                    .with_help(help),
            );
        }
        let item = content.trim_start_matches("- ").trim_start();
        // `name:X`, `- id:aws`, `website:https://…`: a key's `:` with no space.
        if let Some((key, value)) = item.split_once(':')
            && is_key(key)
            && key.starts_with(char::is_alphabetic)
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
        if content.starts_with(INDICATORS) || content.starts_with('#') {
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
        let at = indent(text, line_start);
        let mut start = line_start;
        loop {
            start = self.previous_line(start)?;
            if let Some(line) = KeyLine::at(text, start) {
                return (line.column == at && !line.value.starts_with(['[', '{'])).then_some(line);
            }
            if indent(text, start) != at || text[start..].trim_start().starts_with('-') {
                return None;
            }
        }
    }

    /// The key whose value the text of the line at `line_start` goes on
    /// with: above it, past lines of text (no key) indented at least as
    /// much, a key indented less, with a value on its line. `None` when
    /// the line above is itself a key's (then the line is a key indented
    /// unlike it, see `misindented`).
    fn value_owner(&self, line_start: usize) -> Option<KeyLine<'t>> {
        let text = self.text;
        let at = indent(text, line_start);
        let mut start = self.previous_line(line_start)?;
        if KeyLine::at(text, start).is_some() {
            return None;
        }
        loop {
            if let Some(line) = KeyLine::at(text, start) {
                let plain = !line.value.is_empty() && !line.value.starts_with(INDICATORS);
                return (line.column < at && plain).then_some(line);
            }
            if indent(text, start) < at || text[start..].trim_start().starts_with('-') {
                return None;
            }
            start = self.previous_line(start)?;
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
        // A lost line break leaves the indentation between the two.
        let joined = line.trim_end()[..line.trim_end().len() - second.len()].ends_with("  ")
            && crate::schema::field_names().contains(second);
        if joined {
            let at = key_start + line.trim_end().len() - second.len();
            return codes::YAML_SYNTAX
                .at(
                    self.span(at..at + second.len()),
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
            if let Some(line) = KeyLine::at(text, start)
                && line.column > column
                && best.as_ref().is_none_or(|b| line.column < b.column)
            {
                best = Some(line);
            }
            if indent(text, start) < column {
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
            let mut lines = text[at + 1..]
                .split(['\n', '\r'])
                .filter(|l| !l.trim().is_empty());
            let line = lines.next().unwrap_or("");
            let closed_below = lines.next().is_some_and(|next| next.contains(quote));
            if !line.contains(quote) && closed_below {
                return Some(
                    codes::YAML_SYNTAX
                        .at(
                            self.span(at..at + 1),
                            "invalid YAML: this quoted value goes on to the next line, which is not indented under its key",
                            "opened here",
                        )
                        .with_help("indent the lines after the first more than the key, or keep the value on one line"),
                );
            }
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

/// The characters that open a value YAML reads as other than plain text
/// (quotes, flow collections, block scalars, anchors, aliases, tags).
const INDICATORS: [char; 9] = ['"', '\'', '[', '{', '|', '>', '&', '*', '!'];

/// How many spaces indent the line starting at `start`.
fn indent(text: &str, start: usize) -> usize {
    text[start..].len() - text[start..].trim_start_matches(' ').len()
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
