//! Builds the spanned [`Node`] tree from saphyr-parser's event stream.
//!
//! The tree is built iteratively (an explicit stack, never recursion), so
//! nesting depth is checked as the events arrive and a hostile file stops
//! at the limit instead of overflowing the stack. Aliases are expanded
//! against a node budget (alias bombs), duplicate keys and tags are
//! reported, and only the first YAML document is read.

use super::node::{Entry, Node, Value};
use super::scalar::{self, Scalar};
use super::syntax;
use crate::report::codes;
use crate::report::{Finding, Label, MAX_FORMAT_FINDINGS};
use crate::source::{CharToByte, FileId, Span};
use foldhash::{HashMap, HashMapExt};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use std::ops::Range;

/// Limits on what one file may make privlint do.
#[derive(Clone, Copy, Debug)]
pub struct YamlLimits {
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Nodes that alias expansion may create in one file.
    pub max_alias_nodes: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_depth: 64,
            max_alias_nodes: 10_000,
        }
    }
}

/// The result of parsing one file: its first document (when it parsed)
/// and whatever was wrong.
pub struct ParsedYaml {
    pub root: Option<Node>,
    pub findings: Vec<Finding>,
    /// Byte ranges of the block scalars and of the quoted scalars that span
    /// lines, in order: a `#` line inside one is text, not a comment.
    pub verbatim: Vec<Range<usize>>,
    /// Spans of the tagged values, in order: left out (a list item, a key,
    /// and its entry), or kept as a null placeholder (a mapping value, so
    /// that its key is not reported missing). None is read: the schema
    /// says nothing more about them ([`crate::schema`]), and the rules wait
    /// ([`crate::load::Loaded::unread`]).
    pub unread: Vec<Span>,
}

enum Frame {
    Seq {
        start: usize,
        flow: bool,
        anchor: usize,
        tagged: bool,
        /// Where this sequence's items start in the builder's `items`.
        base: usize,
    },
    Map {
        start: usize,
        flow: bool,
        anchor: usize,
        tagged: bool,
        /// Where this mapping's entries start in the builder's `entries`.
        base: usize,
        key: Option<KeySlot>,
        index: Option<HashMap<Box<str>, usize>>,
    },
}

/// The key of the entry being built; `None` inside when the key was not a
/// plain string (already reported) and the entry is dropped.
struct KeySlot(Option<(Box<str>, Span)>);

/// Keys at which a mapping switches from a linear duplicate scan to a map.
const LINEAR_KEY_SCAN: usize = 16;

struct Builder<'t> {
    file: FileId,
    text: &'t str,
    bytes: CharToByte<'t>,
    limits: YamlLimits,
    stack: Vec<Frame>,
    /// The children of every open collection, innermost last: a closed
    /// collection takes its own in one allocation of the exact size,
    /// instead of growing a vector of its own child by child.
    items: Vec<Node>,
    entries: Vec<Entry>,
    /// Each anchor's value, its size, and whether it is tagged (an alias
    /// of a tagged value is unread as the value is).
    anchors: HashMap<usize, (Node, usize, bool)>,
    alias_nodes: usize,
    documents: usize,
    root: Option<Node>,
    findings: Vec<Finding>,
    /// Findings past [`MAX_FORMAT_FINDINGS`], counted, not kept.
    unshown: usize,
    verbatim: Vec<Range<usize>>,
    unread: Vec<Span>,
}

pub fn parse(file: FileId, text: &str, limits: YamlLimits) -> ParsedYaml {
    let mut builder = Builder {
        file,
        text,
        bytes: CharToByte::new(text),
        limits,
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        documents: 0,
        root: None,
        findings: Vec::new(),
        unshown: 0,
        verbatim: Vec::new(),
        unread: Vec::new(),
    };
    if let Some(finding) = syntax::unprintable(file, text) {
        builder.findings.push(finding);
        return builder.fail();
    }
    let mut parser = Parser::new_from_str(text).keep_tags(true);
    loop {
        match parser.next_event() {
            None => break,
            Some(Err(error)) => {
                builder.syntax_error(&error);
                return builder.fail();
            }
            Some(Ok((event, span))) => {
                let start = builder.bytes.byte(span.start.index());
                let end = builder.bytes.byte(span.end.index()).max(start);
                match builder.event(event, start, end) {
                    Flow::Continue => {}
                    Flow::Stop => break,
                    Flow::Abort => return builder.fail(),
                }
            }
        }
    }
    let root = builder.root.take();
    let verbatim = std::mem::take(&mut builder.verbatim);
    let mut unread = std::mem::take(&mut builder.unread);
    unread.sort_unstable();
    ParsedYaml {
        root,
        findings: builder.findings(),
        verbatim,
        unread,
    }
}

enum Flow {
    Continue,
    Stop,
    Abort,
}

impl Builder<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start..end)
    }

    fn fail(self) -> ParsedYaml {
        ParsedYaml {
            root: None,
            findings: self.findings(),
            verbatim: Vec::new(),
            unread: Vec::new(),
        }
    }

    /// Reports a problem that may repeat throughout a file (a duplicate
    /// key, a tag): past the cap it is only counted.
    fn report(&mut self, finding: Finding) {
        capped(&mut self.findings, &mut self.unshown, finding);
    }

    fn findings(mut self) -> Vec<Finding> {
        if self.unshown > 0
            && let Some(last) = self.findings.last_mut()
        {
            last.notes.push(format!(
                "{} more problems like these in this file are not shown; fix these first",
                self.unshown
            ));
        }
        self.findings
    }

    fn event(&mut self, event: Event<'_>, start: usize, end: usize) -> Flow {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    let span = self.span(start, end.max(start + 3).min(self.text.len()));
                    self.findings.push(
                        codes::UNSUPPORTED_YAML
                            .at(
                                span,
                                "privlint reads one YAML document per file",
                                "a second document starts here",
                            )
                            .with_help("put each document in a file of its own"),
                    );
                    return Flow::Stop;
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                if let Some(range) = multi_line(self.text, start, end, style) {
                    self.verbatim.push(range);
                }
                let span = self.span(start, end);
                let (value, tagged) = match tag {
                    None => (resolve_scalar(&value, style), false),
                    Some(tag) => self.tagged_scalar(&display_tag(&tag), &value, style, span),
                };
                return self.complete(Node { value, span }, anchor, tagged);
            }
            Event::Alias(id) => {
                let span = self.span(start, end);
                let Some((node, size, tagged)) = self.anchors.get(&id) else {
                    // saphyr reports unknown anchors itself, so this is an
                    // alias inside the value its anchor names. It is left
                    // out of the tree, as a tagged value is.
                    let name = self.text.get(start..end).unwrap_or("*").trim_end();
                    self.report(
                        codes::UNSUPPORTED_YAML
                            .at(
                                span,
                                format!("the alias `{name}` is inside the value it names"),
                                "recursive alias",
                            )
                            .with_note(
                                "a manifest is a tree of plain data; it cannot contain itself",
                            )
                            .with_help("write the value out instead of the alias"),
                    );
                    let node = Node {
                        value: Value::Null,
                        span,
                    };
                    return self.complete(node, 0, true);
                };
                self.alias_nodes += size;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    self.findings.push(
                        codes::LIMIT_EXCEEDED
                            .at(
                                span,
                                format!(
                                    "aliases in this file expand to more than {} nodes",
                                    self.limits.max_alias_nodes
                                ),
                                "expansion budget exceeded here",
                            )
                            .with_note("a few lines of nested aliases can expand to billions of nodes (an alias bomb); every 64 bytes of text an alias repeats count as a node")
                            .with_help("write the values out, or raise the budget with `--max-alias-nodes`"),
                    );
                    return Flow::Abort;
                }
                // Each use is located where it is written: a finding in the
                // second use of `&r` points at that `*r`, not again at `&r`.
                let (mut node, tagged) = (node.clone(), *tagged);
                node.respan(span);
                return self.complete(node, 0, tagged);
            }
            Event::SequenceStart(anchor, tag) => {
                return self.open(start, end, anchor, tag.map(|t| display_tag(&t)), false);
            }
            Event::MappingStart(anchor, tag) => {
                return self.open(start, end, anchor, tag.map(|t| display_tag(&t)), true);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Flow::Continue;
                };
                // A flow collection ends at its `]` or `}`: the scanner's
                // end mark runs on over the spaces and comment after it.
                let end = match self.text.as_bytes().get(start) {
                    Some(b']' | b'}') => start + 1,
                    _ => end,
                };
                let (node, anchor, tagged) = self.close(frame, end);
                return self.complete(node, anchor, tagged);
            }
        }
        Flow::Continue
    }

    fn open(
        &mut self,
        start: usize,
        end: usize,
        anchor: usize,
        tag: Option<String>,
        map: bool,
    ) -> Flow {
        if self.stack.len() >= self.limits.max_depth {
            let span = self.span(start, (start + 1).min(self.text.len()).max(start));
            self.findings.push(
                codes::LIMIT_EXCEEDED
                    .at(
                        span,
                        format!("nesting is deeper than {} levels", self.limits.max_depth),
                        "too deep here",
                    )
                    .with_help(
                        "manifests, rule packs and configurations need a handful of levels; for manifests of real data, `--max-depth` raises the limit (rule packs and configurations keep the default)",
                    ),
            );
            return Flow::Abort;
        }
        // `!!map` on a mapping and `!!seq` on a sequence say what it is.
        // So does the non-specific tag `!`.
        let core = if map { "!!map" } else { "!!seq" };
        let tag = tag.filter(|t| t != core && t != "!");
        let tagged = tag.is_some();
        if let Some(tag) = tag {
            self.tag_found(&tag, self.span(start, end));
        }
        let flow = matches!(self.text.as_bytes().get(start), Some(b'[' | b'{'));
        self.stack.push(if map {
            Frame::Map {
                start,
                flow,
                anchor,
                tagged,
                base: self.entries.len(),
                key: None,
                index: None,
            }
        } else {
            Frame::Seq {
                start,
                flow,
                anchor,
                tagged,
                base: self.items.len(),
            }
        });
        Flow::Continue
    }

    /// Turns a finished frame into its node. A block collection's span ends
    /// with its last child (its end event sits wherever the next token is);
    /// a flow collection's ends with its closing bracket.
    fn close(&mut self, frame: Frame, end: usize) -> (Node, usize, bool) {
        let (start, flow, anchor, tagged, value, last) = match frame {
            Frame::Seq {
                start,
                flow,
                anchor,
                tagged,
                base,
            } => {
                let items = take_from(&mut self.items, base);
                let last = items.last().map(|n| n.span.end as usize);
                (start, flow, anchor, tagged, Value::Seq(items), last)
            }
            Frame::Map {
                start,
                flow,
                anchor,
                tagged,
                base,
                ..
            } => {
                let entries = take_from(&mut self.entries, base);
                let last = entries
                    .last()
                    .map(|e| e.value.span.end.max(e.key_span.end) as usize);
                (start, flow, anchor, tagged, Value::Map(entries), last)
            }
        };
        let end = if flow { end } else { last.unwrap_or(start) };
        let span = self.span(start, end.max(start));
        (Node { value, span }, anchor, tagged)
    }

    /// Hands a finished node to its parent (or makes it the document root).
    /// A tagged value (already reported) is never interpreted: a list item
    /// is left out, a mapping value becomes a null placeholder, so that its
    /// key is not reported missing; each is in [`ParsedYaml::unread`].
    fn complete(&mut self, mut node: Node, anchor: usize, tagged: bool) -> Flow {
        if anchor > 0 {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size, tagged));
        }
        if tagged {
            self.unread.push(node.span);
        }
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Flow::Continue;
        };
        let is_key = matches!(frame, Frame::Map { key: None, .. });
        if tagged && !is_key {
            match frame {
                Frame::Map {
                    key: Some(KeySlot(Some(_))),
                    ..
                } => node.value = Value::Null,
                Frame::Map { key, .. } => {
                    *key = None;
                    return Flow::Continue;
                }
                Frame::Seq { .. } => return Flow::Continue,
            }
        }
        match frame {
            Frame::Seq { .. } => self.items.push(node),
            Frame::Map {
                base, key, index, ..
            } => match key.take() {
                None => {
                    let slot = match node.value {
                        Value::Seq(_) | Value::Map(_) => None,
                        _ => Some((scalar_key_text(node.value, node.span, self.text), node.span)),
                    };
                    if slot.is_none() {
                        capped(
                            &mut self.findings,
                            &mut self.unshown,
                            codes::UNSUPPORTED_YAML
                                .at(
                                    node.span,
                                    "mapping keys must be plain text",
                                    "a list or mapping used as a key",
                                )
                                .with_help("write the key as a plain string"),
                        );
                    }
                    *key = Some(KeySlot(slot));
                }
                Some(KeySlot(None)) => {}
                Some(KeySlot(Some((name, key_span)))) => {
                    let existing = match index {
                        Some(index) => index.get(&name).copied(),
                        None => self.entries[*base..].iter().position(|e| e.key == name),
                    };
                    if let Some(first) = existing {
                        let first_span = self.entries[*base + first].key_span;
                        capped(
                            &mut self.findings,
                            &mut self.unshown,
                            codes::DUPLICATE_KEY
                                .at(key_span, format!("duplicate key `{name}`"), "this key repeats")
                                .with_secondary(Label::new(first_span, "first defined here"))
                                .with_help("keep one of the two keys; YAML readers disagree on which value wins"),
                        );
                        return Flow::Continue;
                    }
                    if let Some(index) = index {
                        index.insert(name.clone(), self.entries.len() - *base);
                    } else if self.entries.len() - *base + 1 >= LINEAR_KEY_SCAN {
                        let mut map: HashMap<Box<str>, usize> = self.entries[*base..]
                            .iter()
                            .enumerate()
                            .map(|(i, e)| (e.key.clone(), i))
                            .collect();
                        map.insert(name.clone(), self.entries.len() - *base);
                        *index = Some(map);
                    }
                    self.entries.push(Entry {
                        key: name,
                        key_span,
                        value: node,
                    });
                }
            },
        }
        Flow::Continue
    }

    /// A tagged scalar's value, and whether it is left out of the tree: a
    /// core-schema tag is read, any other reported and left out.
    fn tagged_scalar(
        &mut self,
        tag: &str,
        text: &str,
        style: ScalarStyle,
        span: Span,
    ) -> (Value, bool) {
        match core_scalar(tag, text) {
            Some(Ok(value)) => (value, false),
            Some(Err(expected)) => {
                let shown = crate::report::shorten(text, 80);
                self.report(
                    codes::UNSUPPORTED_YAML
                        .at(
                            span,
                            format!("`{shown}` is not {expected}, as its tag `{tag}` says"),
                            "does not match its tag",
                        )
                        .with_help("remove the tag, or write a value of its type"),
                );
                // Read as if untagged: the key is there, and what else is
                // wrong with its value is said.
                (resolve_scalar(text, style), false)
            }
            None => {
                self.tag_found(tag, span);
                (Value::Null, true)
            }
        }
    }

    fn tag_found(&mut self, tag: &str, span: Span) {
        self.report(
            codes::UNSUPPORTED_YAML
                .at(
                    span,
                    format!(
                        "YAML tag `{}` is not interpreted",
                        crate::report::shorten(tag, 80)
                    ),
                    "tagged value",
                )
                .with_note("a manifest is plain data: privlint never runs or includes anything a tag names")
                .with_help("remove the tag and write the value itself"),
        );
    }

    fn syntax_error(&mut self, error: &ScanError) {
        let at = self.bytes.byte(error.marker().index());
        let end = next_char_end(self.text, at);
        let info = error.info();
        if info.contains("recursion limit") {
            // The scanner's own bound on flow nesting: a limit, not a typo.
            self.findings.push(
                codes::LIMIT_EXCEEDED
                    .at(
                        self.span(at, end),
                        "nesting of `[` and `{` is deeper than 255 levels, more than the YAML parser reads",
                        "too deep here",
                    )
                    .with_note("this bound is the parser's own, whatever `--max-depth` allows")
                    .with_help("manifests, rule packs and configurations need a handful of levels; flatten the nesting"),
            );
            return;
        }
        // `name:<TAB>value`: the parser wants a space after `:` (or `-`)
        // and says "must be followed by a valid YAML whitespace", which a
        // tab looks like. Point at the tab and say so.
        if let Some(indicator) = ["':'", "'-'"]
            .into_iter()
            .find(|i| info.starts_with(&format!("{i} must be followed")))
        {
            let tabs = self.text[..at].len() - self.text[..at].trim_end_matches('\t').len();
            if tabs > 0 {
                let indicator = indicator.trim_matches('\'');
                self.findings.push(
                    codes::YAML_SYNTAX
                        .at(
                            self.span(at - tabs, at),
                            format!(
                                "invalid YAML: a tab after `{indicator}`, where a space is needed"
                            ),
                            "tab character here",
                        )
                        .with_help(format!(
                            "write a space after `{indicator}` (a tab may follow the space)"
                        )),
                );
                return;
            }
        }
        if let Some(finding) = syntax::explain(self.file, self.text, info, at..end) {
            self.findings.push(finding);
            return;
        }
        // The word, not the letters: "unprintable" is about no tab.
        let tab = info
            .split(|c: char| !c.is_ascii_alphabetic())
            .any(|word| word == "tab" || word == "tabs");
        // The parser may stop just after the tab (indentation) or before
        // it: point at the first tab of the line, else the next one.
        let line_start = self.text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let tab_at = self.text[line_start..at]
            .find('\t')
            .map(|offset| line_start + offset)
            .or_else(|| self.text[at..].find('\t').map(|offset| at + offset))
            .filter(|_| tab);
        let (at, end) = match tab_at {
            Some(tab_at) => (tab_at, tab_at + 1),
            None => (at, end),
        };
        let mut finding = codes::YAML_SYNTAX.at(
            self.span(at, end),
            format!("invalid YAML: {}", info.trim_end_matches('.')),
            if tab {
                "tab character here"
            } else {
                "the parser stopped here"
            },
        );
        if tab || self.text.as_bytes().get(at) == Some(&b'\t') {
            finding =
                finding.with_help("YAML indents with spaces only; replace the tab with spaces");
        }
        // An unclosed `[` or `{` is the usual cause of errors further down.
        if let Some(open) = unclosed_flow_bracket(self.text, at) {
            let bracket = if self.text.as_bytes()[open] == b'[' {
                "`[`"
            } else {
                "`{`"
            };
            finding = finding
                .with_secondary(Label::new(
                    self.span(open, open + 1),
                    format!("this {bracket} is not closed"),
                ))
                .with_help(format!("close the {bracket}, or check for a missing `,`"));
        }
        self.findings.push(finding);
    }
}

/// Keeps a finding unless the file already has [`MAX_FORMAT_FINDINGS`];
/// a free function, for where a frame of the builder is borrowed.
fn capped(findings: &mut Vec<Finding>, unshown: &mut usize, finding: Finding) {
    if findings.len() < MAX_FORMAT_FINDINGS {
        findings.push(finding);
    } else {
        *unshown += 1;
    }
}

/// The children of a closing collection, from `base` to the end of the
/// scratch stack. The outermost collection takes the stack's buffer
/// itself: a list of millions of items is then never held twice.
fn take_from<T>(stack: &mut Vec<T>, base: usize) -> Vec<T> {
    if base == 0 {
        let mut all = std::mem::take(stack);
        all.shrink_to_fit();
        all
    } else {
        stack.drain(base..).collect()
    }
}

/// A tag as it was written: `!!str`, `!include`, `!e!thing`. A core tag
/// written verbatim (`!<tag:yaml.org,2002:int>`) is the same tag as its
/// short form, and is shown and read as that.
fn display_tag(tag: &saphyr_parser::Tag) -> String {
    let full = format!("{}{}", tag.handle, tag.suffix);
    if let Some(core) = full.strip_prefix("tag:yaml.org,2002:") {
        return format!("!!{core}");
    }
    if full == "!" {
        return full;
    }
    match tag.handle.as_str() {
        handle if handle.starts_with('!') => format!("{handle}{}", tag.suffix),
        handle => format!("!<{handle}{}>", tag.suffix),
    }
}

/// The last `[` or `{` before `at` that is not closed before it, ignoring
/// quoted text and comments. A hint for syntax errors, so it only looks at
/// the few lines above the error.
fn unclosed_flow_bracket(text: &str, at: usize) -> Option<usize> {
    let before = &text[..at.min(text.len())];
    let window_start = before
        .char_indices()
        .rev()
        .filter(|(_, c)| *c == '\n')
        .nth(20)
        .map_or(0, |(i, _)| i + 1);
    let mut open: Vec<usize> = Vec::new();
    let mut quote: Option<u8> = None;
    let mut comment = false;
    let bytes = before.as_bytes();
    for (i, &b) in bytes.iter().enumerate().skip(window_start) {
        if comment {
            comment = b != b'\n';
            continue;
        }
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') if i == 0 || !bytes[i - 1].is_ascii_alphanumeric() => {
                quote = Some(b)
            }
            (None, b'#') if i == 0 || bytes[i - 1].is_ascii_whitespace() => comment = true,
            (None, b'[' | b'{') => open.push(i),
            (None, b']' | b'}') => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

pub(super) fn next_char_end(text: &str, at: usize) -> usize {
    text[at.min(text.len())..]
        .chars()
        .next()
        .filter(|c| *c != '\n' && *c != '\r')
        .map_or(at, |c| at + c.len_utf8())
}

/// The bytes of a block scalar, or of a quoted scalar that spans lines
/// (at `\n` or a lone `\r`): where a `#` is text, not a comment. saphyr
/// ends a quoted scalar's span after what follows it on its last line (a
/// trailing comment too), so its end is found again at the closing quote.
fn multi_line(text: &str, start: usize, end: usize, style: ScalarStyle) -> Option<Range<usize>> {
    let bytes = &text.as_bytes()[..end];
    let end = match style {
        ScalarStyle::Plain => return None,
        ScalarStyle::Literal | ScalarStyle::Folded => return Some(start..end),
        ScalarStyle::DoubleQuoted => closing_quote(bytes, start, b'"'),
        ScalarStyle::SingleQuoted => closing_quote(bytes, start, b'\''),
    };
    bytes[start..end]
        .iter()
        .any(|&b| b == b'\n' || b == b'\r')
        .then_some(start..end)
}

/// The end of the quoted scalar whose event starts at `start`: past its
/// closing quote (`\"` escapes one in double quotes, `''` in single). The
/// event starts at its tag or anchor, if any, whose names may hold quotes.
fn closing_quote(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut open = start;
    while matches!(bytes.get(open), Some(b'!' | b'&')) {
        while bytes.get(open).is_some_and(|b| !b.is_ascii_whitespace()) {
            open += 1;
        }
        while bytes.get(open).is_some_and(u8::is_ascii_whitespace) {
            open += 1;
        }
    }
    if bytes.get(open) != Some(&quote) {
        return bytes.len();
    }
    let mut i = open + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' if quote == b'"' => i += 2,
            _ if b == quote && quote == b'\'' && bytes.get(i + 1) == Some(&quote) => i += 2,
            _ if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The text of a scalar used as a key. Keys are compared as written, so
/// `1:` and `"1":` are the same key, as in JSON.
fn scalar_key_text(value: Value, span: Span, text: &str) -> Box<str> {
    match value {
        Value::Str(s) => s,
        // `null:` and `~:` as written (an empty key stays empty), without
        // the tag or anchor the span starts with: `!!bool true:` and
        // `&k true:` are the key `true`.
        _ => {
            let mut written = text.get(span.range()).unwrap_or_default().trim();
            while written.starts_with(['!', '&']) {
                written = written
                    .split_once(char::is_whitespace)
                    .map_or("", |(_, rest)| rest.trim_start());
            }
            written.into()
        }
    }
}

/// A scalar with a tag of the YAML 1.2 core schema (`!!str`, `!!int`,
/// `!!float`, `!!bool`, `!!null`), read as its tag says, quoted or not:
/// `Err` names the type when the text is not one. `None` for any other tag.
fn core_scalar(tag: &str, text: &str) -> Option<Result<Value, &'static str>> {
    let plain = || resolve_scalar(text, ScalarStyle::Plain);
    Some(match tag {
        // `!`, the non-specific tag, makes a scalar a string (YAML 1.2 §6.9.1).
        "!!str" | "!" => Ok(Value::Str(text.into())),
        "!!int" => match plain() {
            v @ Value::Int(_) => Ok(v),
            _ => Err("an integer"),
        },
        "!!float" => match plain() {
            v @ Value::Float(_) => Ok(v),
            #[allow(clippy::cast_precision_loss)]
            Value::Int(i) => Ok(Value::Float(i as f64)),
            _ => Err("a number"),
        },
        "!!bool" => match plain() {
            v @ Value::Bool(_) => Ok(v),
            _ => Err("`true` or `false`"),
        },
        "!!null" => match plain() {
            Value::Null => Ok(Value::Null),
            _ => Err("null"),
        },
        _ => return None,
    })
}

/// Resolves a scalar by the YAML 1.2 core schema. Only plain scalars are
/// typed; quoted and block scalars are always strings.
pub fn resolve_scalar(text: &str, style: ScalarStyle) -> Value {
    if style != ScalarStyle::Plain {
        return Value::Str(text.into());
    }
    match scalar::resolve_plain(text) {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::Int(i),
        Scalar::Float(f) => Value::Float(f),
        Scalar::Str => Value::Str(text.into()),
    }
}
