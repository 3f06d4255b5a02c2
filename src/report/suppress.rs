//! Inline suppressions: a comment on the offending line or the line above
//! (on a list item's first line, the whole item),
//!
//! ```yaml
//! # privlint: allow GDPR130 — transfers end with the migration in Q3
//! # privlint: allow GDPR134, GDPR137 until 2027-06-30 -- TIA in review
//! ```
//!
//! A reason is required (after `—` or `--`). After its `until` date a
//! suppression stops working and is itself reported; one that suppresses
//! nothing is reported as unused, so suppressions don't rot.

use super::Finding;
use super::codes;
use super::sink::Sink;
use crate::source::{FileId, SourceMap, Span};
use crate::suggest::did_you_mean;
use jiff::civil::Date;

/// One `# privlint: allow` comment.
#[derive(Debug)]
pub struct Suppression {
    pub file: FileId,
    /// The 0-based line whose findings it covers.
    pub target_line: usize,
    /// The end (exclusive) of the lines it covers: the line after
    /// `target_line`, or, when that line starts a list item (`- id: …`),
    /// the item's last line, so that it covers the whole entity.
    pub scope_end: usize,
    /// The codes or names it allows, with their spans.
    pub rules: Vec<(String, Span)>,
    pub until: Option<Date>,
    pub span: Span,
}

const MARKER: &str = "privlint:";

/// Finds the suppressions of one file, reporting malformed ones.
pub fn parse(
    sources: &SourceMap,
    file: FileId,
    verbatim: &[std::ops::Range<usize>],
    known: &[(&str, &str)],
    budget: &crate::suggest::Budget,
    findings: &mut Sink,
) -> Vec<Suppression> {
    let source = sources.get(file);
    let mut found = Vec::new();
    // Most files have no directive: one substring search rules them out.
    if !source.text.contains(MARKER) {
        return found;
    }
    let verbatim_all = verbatim;
    let mut verbatim = verbatim.iter().peekable();
    for line in 0..source.line_count() {
        let mut range = source.line_range(line);
        // A line that starts inside a block or quoted scalar is text up to
        // the scalar's end: `# privlint: allow` there is not a comment.
        let indent = source.text[range.clone()]
            .find(|c: char| c != ' ' && c != '\t')
            .map_or(range.end, |i| range.start + i);
        while verbatim.next_if(|v| v.end <= indent).is_some() {}
        let mut after_scalar = false;
        if let Some(v) = verbatim.peek()
            && v.start <= indent
        {
            if v.end >= range.end {
                continue;
            }
            range.start = v.end;
            after_scalar = true;
        }
        let text = &source.text[range.clone()];
        let Some(hash) = comment_start(text) else {
            continue;
        };
        let comment = &text[hash + 1..];
        let body = comment.trim_start();
        let Some(after) = body.strip_prefix(MARKER) else {
            continue;
        };
        let comment_start_offset = range.start + hash;
        let offset_of = |s: &str| range.start + (s.as_ptr() as usize - text.as_ptr() as usize);
        let span = Span::new(file, comment_start_offset..range.end);
        let directive = after.trim_start();
        let word: &str = directive.split_whitespace().next().unwrap_or("");
        if word != "allow" {
            let at = Span::new(
                file,
                offset_of(directive)..offset_of(directive) + word.len().max(1),
            );
            let mut f = codes::INVALID_SUPPRESSION.at(
                at,
                format!("unknown privlint directive `{word}`"),
                "expected `allow`",
            );
            if did_you_mean(word, ["allow"]).is_some() {
                f.message.push_str("; did you mean `allow`?");
            }
            findings.push(f.with_help("write `# privlint: allow CODE — reason`"));
            continue;
        }
        let rest = &directive["allow".len()..];
        let (head, reason) = split_reason(rest);
        if reason.is_none_or(|r| r.trim().is_empty()) {
            // `allow GDPR120 - being signed`: a reason, after one dash.
            let one_dash = reason.is_none() && head.contains(" - ");
            let (label, help) = if one_dash {
                (
                    "the reason follows one `-`",
                    "a reason follows two dashes or an em dash: `# privlint: allow CODE -- reason`",
                )
            } else {
                (
                    "no reason given",
                    "say why the finding is accepted: `# privlint: allow CODE — reason`",
                )
            };
            findings.push(
                codes::INVALID_SUPPRESSION
                    .at(span, "a suppression needs a reason", label)
                    .with_help(help),
            );
            continue;
        }
        let mut rules = Vec::new();
        let mut named: Vec<usize> = Vec::new();
        let mut until = None;
        let mut tokens = head
            .split([',', ' ', '\t'])
            .filter(|t| !t.is_empty())
            .peekable();
        let mut valid = true;
        while let Some(token) = tokens.next() {
            let token_span = Span::new(file, offset_of(token)..offset_of(token) + token.len());
            let date_span = |d: &str| {
                (!d.is_empty()).then(|| Span::new(file, offset_of(d)..offset_of(d) + d.len()))
            };
            if token == "until" {
                let date = tokens.next().unwrap_or("");
                match date.parse::<Date>() {
                    Ok(d) => until = Some(d),
                    Err(_) => {
                        let message = super::not_a_date(date);
                        findings.push(
                            codes::INVALID_SUPPRESSION
                                .at(
                                    date_span(date).unwrap_or(token_span),
                                    message,
                                    "not a calendar date",
                                )
                                .with_help("write `until 2027-06-30`"),
                        );
                        valid = false;
                    }
                }
                continue;
            }
            if let Some(rule) = known
                .iter()
                .position(|(code, name)| code.eq_ignore_ascii_case(token) || *name == token)
            {
                // A rule named twice (`GDPR120, GDPR120`, or its code and
                // its name) is allowed once: the second would be reported
                // as matching nothing.
                if !named.contains(&rule) {
                    named.push(rule);
                    rules.push((token.to_string(), token_span));
                }
            } else {
                let candidates: Vec<&str> = if budget.is_spent() {
                    Vec::new()
                } else {
                    known.iter().flat_map(|(c, n)| [*c, *n]).collect()
                };
                let mut f = codes::INVALID_SUPPRESSION.at(
                    token_span,
                    format!("unknown rule `{token}` in suppression"),
                    "no such rule",
                );
                if let Some(best) = budget.did_you_mean(token, &candidates) {
                    f.message.push_str(&format!("; did you mean `{best}`?"));
                }
                findings.push(f.with_help("`privlint rules` lists every code"));
                valid = false;
            }
        }
        if rules.is_empty() && valid {
            findings.push(
                codes::INVALID_SUPPRESSION
                    .at(
                        span,
                        "a suppression must name the rules it allows",
                        "no rule named",
                    )
                    .with_help("write `# privlint: allow CODE — reason`"),
            );
            continue;
        }
        if !valid {
            continue;
        }
        // A comment alone on its line covers the next line; a trailing one its own.
        let alone = !after_scalar && text[..hash].trim().is_empty();
        let target_line = if alone { line + 1 } else { line };
        found.push(Suppression {
            file,
            target_line,
            scope_end: target_line + 1,
            rules,
            until,
            span,
        });
    }
    widen_to_items(source, verbatim_all, &mut found);
    found
}

/// Widens each suppression whose line starts a block list item (`- id:
/// legacy-crm`) to the item's lines: they run until the next line, outside
/// a scalar and not blank or a comment, that is indented no deeper than
/// the item's `-`. One pass over the lines, with a stack of open items.
fn widen_to_items(
    source: &crate::source::SourceFile,
    verbatim: &[std::ops::Range<usize>],
    found: &mut [Suppression],
) {
    let Some(first) = found.iter().map(|s| s.target_line).min() else {
        return;
    };
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|&i| found[i].target_line);
    let mut next = order.into_iter().peekable();
    let mut verbatim = verbatim.iter().peekable();
    // Open items: the column of their `-`, and the suppression.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let lines = source.line_count();
    for line in first..lines {
        let range = source.line_range(line);
        let text = &source.text[range.clone()];
        let column = text.find(|c: char| c != ' ').unwrap_or(text.len());
        let rest = &text[column..];
        while verbatim
            .next_if(|v| v.end <= range.start + column)
            .is_some()
        {}
        let in_scalar = verbatim
            .peek()
            .is_some_and(|v| v.start < range.start + column);
        // Indentation is spaces: a line whose first character past them is
        // a tab is a comment, or continues a flow collection or a scalar.
        let structural = !in_scalar
            && !rest.trim().is_empty()
            && !rest.starts_with('#')
            && !rest.starts_with('\t');
        if structural {
            while let Some(&(dash, i)) = open.last() {
                if column > dash {
                    break;
                }
                found[i].scope_end = line;
                open.pop();
            }
        }
        let item = structural && (rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t"));
        while let Some(i) = next.next_if(|&i| found[i].target_line == line) {
            if item {
                open.push((column, i));
            }
        }
        if next.peek().is_none() && open.is_empty() {
            return;
        }
    }
    for (_, i) in open {
        found[i].scope_end = lines;
    }
}

/// The `#` that starts a comment: at the line start or after white space,
/// outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && previous.is_whitespace() => return Some(i),
            None => {}
        }
        previous = c;
    }
    None
}

/// Splits `CODES [until DATE] — reason` at the first `—` or `--`.
fn split_reason(rest: &str) -> (&str, Option<&str>) {
    for separator in ["—", "--", "–"] {
        if let Some(at) = rest.find(separator) {
            return (&rest[..at], Some(&rest[at + separator.len()..]));
        }
    }
    (rest, None)
}

/// Removes suppressed findings, and reports expired and unused suppressions
/// (at most [`super::MAX_FORMAT_FINDINGS`] of each per file: a generated
/// file may hold a million stale comments).
pub fn apply(
    findings: Vec<Finding>,
    suppressions: &[Suppression],
    sources: &SourceMap,
    as_of: Date,
    ran: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    // Where a limit stopped part of the check (PL005) or a rule (PL032),
    // a finding a suppression allowed may only be missing: saying "remove
    // it" would bring it back once the limit is out of the way. So may one
    // of a rule that did not run (`ran`).
    let complete = !findings
        .iter()
        .any(|f| f.code == codes::LIMIT_EXCEEDED.code || f.code == codes::RULE_STOPPED.code);
    let mut reported = Sink::default();
    // Which rule of which suppression was used, flat: a generated file may
    // hold hundreds of thousands of comments.
    let mut first_rule = Vec::with_capacity(suppressions.len() + 1);
    first_rule.push(0);
    for s in suppressions {
        first_rule.push(first_rule.last().copied().unwrap_or(0) + s.rules.len());
    }
    let mut used = vec![false; first_rule.last().copied().unwrap_or(0)];
    // The live suppressions by the lines they cover, sorted for binary
    // search. Their ranges nest like the items they cover (or are apart):
    // each one's parent is the nearest earlier one that contains it.
    let mut at: Vec<(FileId, usize, std::cmp::Reverse<usize>, usize)> = suppressions
        .iter()
        .enumerate()
        .filter(|(_, s)| s.until.is_none_or(|u| u >= as_of))
        .map(|(i, s)| (s.file, s.target_line, std::cmp::Reverse(s.scope_end), i))
        .collect();
    at.sort_unstable();
    const NONE: usize = usize::MAX;
    let mut parent = vec![NONE; at.len()];
    let mut enclosing: Vec<usize> = Vec::new();
    for k in 0..at.len() {
        let (file, start, std::cmp::Reverse(end), _) = at[k];
        while let Some(&top) = enclosing.last() {
            let (f, s, std::cmp::Reverse(e), _) = at[top];
            if f == file && s <= start && e >= end {
                break;
            }
            enclosing.pop();
        }
        parent[k] = enclosing.last().copied().unwrap_or(NONE);
        enclosing.push(k);
    }
    // A comment may name thousands of codes on a line with thousands of
    // findings: those are indexed; most name a few, searched in place.
    use std::collections::HashMap;
    type Index<'s> = (HashMap<String, usize>, HashMap<&'s str, usize>);
    let indexed: HashMap<usize, Index<'_>> = suppressions
        .iter()
        .enumerate()
        .filter(|(_, s)| s.rules.len() > 16)
        .map(|(i, s)| {
            let (mut codes, mut names) = (HashMap::new(), HashMap::new());
            for (r, (rule, _)) in s.rules.iter().enumerate() {
                codes.entry(rule.to_ascii_lowercase()).or_insert(r);
                names.entry(rule.as_str()).or_insert(r);
            }
            (i, (codes, names))
        })
        .collect();
    // The first rule of suppression `i` that names the finding, by code
    // (in any case) or by name.
    let naming = |i: usize, code: &str, name: &str| match indexed.get(&i) {
        Some((codes, names)) => match (codes.get(&code.to_ascii_lowercase()), names.get(name)) {
            (Some(&a), Some(&b)) => Some(a.min(b)),
            (a, b) => a.or(b).copied(),
        },
        None => suppressions[i]
            .rules
            .iter()
            .position(|(rule, _)| rule.eq_ignore_ascii_case(code) || rule == name),
    };
    let mut kept = Vec::with_capacity(findings.len());
    'findings: for finding in findings {
        let file = sources.get(finding.primary.span.file);
        let line = file.line_index(finding.primary.span.start as usize);
        let place = (finding.primary.span.file, line);
        // The last suppression starting at or before the line, then the
        // ones that enclose it: innermost first.
        let mut k = at
            .partition_point(|&(f, l, _, _)| (f, l) <= place)
            .wrapping_sub(1);
        while let Some(&(f, _, std::cmp::Reverse(end), i)) = at.get(k) {
            if f != place.0 {
                break;
            }
            k = parent[k];
            if end <= line {
                continue;
            }
            if let Some(r) = naming(i, &finding.code, &finding.name) {
                used[first_rule[i] + r] = true;
                // Named, so not unused; but a file privlint could not read
                // is never a pass.
                if let Some(code) = codes::ALWAYS_REPORTED
                    .iter()
                    .find(|c| c.code == finding.code)
                {
                    let mut finding = finding;
                    finding.notes.push(codes::not_ignorable_note(code));
                    kept.push(finding);
                }
                continue 'findings;
            }
        }
        kept.push(finding);
    }
    for (i, s) in suppressions.iter().enumerate() {
        if let Some(until) = s.until.filter(|u| *u < as_of) {
            if !reported.wants(s.file, codes::EXPIRED_SUPPRESSION.code) {
                continue;
            }
            let rules: Vec<String> = s.rules.iter().map(|(r, _)| format!("`{r}`")).collect();
            reported.push(
                codes::EXPIRED_SUPPRESSION
                    .at(
                        s.span,
                        format!("suppression of {} expired on {until}", rules.join(", ")),
                        "expired",
                    )
                    .with_help(
                        "fix the finding, or renew the suppression with a new date and reason",
                    ),
            );
            continue;
        }
        for (r, (rule, span)) in s.rules.iter().enumerate() {
            if complete
                && !used[first_rule[i] + r]
                && ran(rule)
                && reported.wants(s.file, codes::UNUSED_SUPPRESSION.code)
            {
                reported.push(
                    codes::UNUSED_SUPPRESSION
                        .at(
                            *span,
                            format!("suppression of `{rule}` matches no finding"),
                            "nothing to suppress here",
                        )
                        .with_help(
                            "remove it: the finding it allowed is gone or is on another line",
                        ),
                );
            }
        }
    }
    reported.finish(&mut kept);
    kept
}
