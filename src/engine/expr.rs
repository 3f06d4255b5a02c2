//! Rule expressions (CEL) and message templates: compiled once when a pack
//! loads, with the limits the `cel` crate lacks (length, nesting), and
//! checked for names that are not in scope.

use super::budget::{self, MAX_PATTERN_SIZE};
use super::fast::{Fast, Interpret, V};
use crate::suggest::did_you_mean;
use cel::common::ast::IdedExpr;
use cel::{Program, Value};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{LazyLock, OnceLock};

/// Answers whether `var.field` exists; on `Err`, the fields that do.
/// Answers whether `var.a.b` exists (given `var` and `[a, b]`); on `Err`,
/// the first segment that does not, and the fields that would.
pub type FieldCheck<'a> = dyn Fn(&str, &[&str]) -> Result<(), FieldError> + 'a;

/// A field path that names nothing.
#[derive(Debug)]
pub struct FieldError {
    pub segment: String,
    pub candidates: Vec<String>,
}

impl FieldError {
    /// The variable and fields before the unknown one (`processor`), and
    /// what to say: "`processor` has no field `agrement`; did you mean
    /// `agreement`?". For a condition and a label alike.
    pub fn describe<S: AsRef<str>>(&self, var: &str, path: &[S]) -> (String, String) {
        let field = &self.segment;
        let owner = path
            .iter()
            .map(AsRef::as_ref)
            .take_while(|s| s != field)
            .fold(var.to_string(), |acc, s| format!("{acc}.{s}"));
        let message = match did_you_mean(field, self.candidates.iter().map(String::as_str)) {
            Some(h) => format!("`{owner}` has no field `{field}`; did you mean `{h}`?"),
            None => format!("`{owner}` has no field `{field}`"),
        };
        (owner, message)
    }
}

/// Longest expression accepted, in bytes.
pub const MAX_EXPRESSION_LEN: usize = 4096;
/// Deepest nesting of `(`, `[` and `{` accepted.
pub const MAX_EXPRESSION_DEPTH: usize = 32;
/// Most operators and field accesses accepted. A chain such as
/// `1 + 1 + … + 1` nests as deeply as brackets do in the syntax tree, and
/// the parser and the interpreter recurse on it.
pub const MAX_EXPRESSION_OPERATORS: usize = 128;
/// Deepest nesting of comprehensions (`exists`, `all`, `map`, `filter`,
/// `exists_one`) accepted. Their cost multiplies: eight nested `exists` over
/// ten items each is 10^8 steps for every entity, in 300 bytes.
pub const MAX_COMPREHENSION_NESTING: usize = 3;

/// A compiled CEL condition.
pub struct Expr {
    pub source: String,
    /// The parsed condition for the interpreter, metered
    /// ([`budget::meter`]); for a stored built-in condition it is parsed
    /// the first time the interpreter is needed.
    program: OnceLock<Option<IdedExpr>>,
    /// The same condition for the fast path, when it is within its subset.
    fast: Option<Fast>,
    /// Whether a `matches` pattern comes from data (see [`patterns_from_data`]).
    pub patterns_from_data: bool,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

/// Why an expression was rejected: a message and, when known, the byte
/// offset in the expression where the problem is.
#[derive(Debug)]
pub struct ExprError {
    pub message: String,
    pub offset: Option<usize>,
    pub help: Option<String>,
}

impl Expr {
    /// Compiles `source`, checking that it only names the variables in
    /// scope and, for `var.field`, fields that `known` accepts.
    pub fn compile(
        source: &str,
        variables: &[&str],
        known: &FieldCheck<'_>,
    ) -> Result<Expr, ExprError> {
        if source.len() > MAX_EXPRESSION_LEN {
            return Err(ExprError {
                message: format!("expression is longer than {MAX_EXPRESSION_LEN} bytes"),
                offset: None,
                help: Some("split the condition into several rules".into()),
            });
        }
        if let Some(at) = too_deep(source) {
            return Err(ExprError {
                message: format!(
                    "expression nests brackets deeper than {MAX_EXPRESSION_DEPTH} levels"
                ),
                offset: Some(at),
                help: None,
            });
        }
        if let Some(at) = too_many_operators(source) {
            return Err(ExprError {
                message: format!(
                    "expression has more than {MAX_EXPRESSION_OPERATORS} operators and field accesses"
                ),
                offset: Some(at),
                help: Some("split the condition into several rules".into()),
            });
        }
        // The parser is a third-party crate: a panic in it must not end the run.
        let compiled = catch_unwind(AssertUnwindSafe(|| Program::compile(source)));
        let program = match compiled {
            Ok(Ok(program)) => program,
            Ok(Err(errors)) => {
                let first = errors.errors.first();
                let message = first.map_or_else(|| errors.to_string(), |e| e.msg.clone());
                // ANTLR lists every token it expected; the first part says enough.
                let message = match message.split_once(" expecting ") {
                    Some((head, _)) if head.contains("'<EOF>'") => {
                        "the expression ends too early".to_string()
                    }
                    Some((head, _)) => head.to_string(),
                    None => message,
                };
                let offset = first.and_then(|e| offset_of(source, e.pos));
                // Two of the parser's messages name its internals.
                let (message, help) = if message.contains("Recursion limit") {
                    (
                        "the expression nests too deeply for the CEL parser".to_string(),
                        Some("split the condition into several rules, or use `&&` and `||` in place of nested `?:`".into()),
                    )
                } else if message.contains("ExprContext") {
                    (
                        "a `?:` in the middle of another `?:` needs brackets".to_string(),
                        Some("write `a ? (b ? c : d) : e`".into()),
                    )
                } else {
                    (message, None)
                };
                return Err(ExprError {
                    message: format!("invalid CEL: {message}"),
                    offset,
                    help,
                });
            }
            Err(_) => {
                return Err(ExprError {
                    message: "the CEL parser could not read this expression".into(),
                    offset: None,
                    help: None,
                });
            }
        };
        if comprehension_nesting(&program.expression().expr) > MAX_COMPREHENSION_NESTING {
            return Err(ExprError {
                message: format!(
                    "expression nests comprehensions (`exists`, `all`, `map`, `filter`) more than {MAX_COMPREHENSION_NESTING} deep"
                ),
                offset: None,
                help: Some(
                    "each level multiplies the work for every entity: split the condition into several rules".into(),
                ),
            });
        }
        if let Err(message) = check_patterns(&program.expression().expr) {
            return Err(ExprError {
                message,
                offset: None,
                help: Some(
                    "`matches` takes an RE2-style regular expression (the Rust `regex` crate's syntax)".into(),
                ),
            });
        }
        let bound = comprehension_variables(source);
        let mut unknown: Vec<String> = program
            .references()
            .variables()
            .into_iter()
            .filter(|v| {
                !variables.contains(v) && !bound.iter().any(|b| b == v) && !CEL_TYPES.contains(v)
            })
            .map(String::from)
            .collect();
        unknown.sort();
        if let Some(name) = unknown.first() {
            let suggestion = did_you_mean(name, variables.iter().copied());
            return Err(ExprError {
                message: match suggestion {
                    Some(s) => format!("unknown variable `{name}`; did you mean `{s}`?"),
                    None => format!("unknown variable `{name}`"),
                },
                offset: source.find(name.as_str()),
                help: Some(format!("this rule can use {}", quote_list(variables))),
            });
        }
        if let Some(name) = program
            .references()
            .functions()
            .into_iter()
            .filter(|f| f.starts_with(|c: char| c.is_ascii_alphabetic()))
            .filter(|f| !declared_function(f))
            .min()
        {
            let suggestion = did_you_mean(name, STANDARD_FUNCTIONS.iter().copied());
            return Err(ExprError {
                message: match suggestion {
                    Some(s) => format!("unknown function `{name}`; did you mean `{s}`?"),
                    None => format!("unknown function `{name}`"),
                },
                offset: function_offset(source, name),
                help: Some("docs/rule-packs.md lists the functions a condition can call".into()),
            });
        }
        for (offset, var, path) in field_accesses(source, variables) {
            if let Err(error) = known(var, &path) {
                let (owner, message) = error.describe(var, &path);
                return Err(ExprError {
                    message,
                    offset: Some(offset + owner.len() + 1),
                    help: Some("docs/rule-packs.md lists the fields of every variable".into()),
                });
            }
        }
        Ok(Expr {
            source: source.to_string(),
            fast: Fast::compile(program.expression()),
            patterns_from_data: patterns_from_data(&program.expression().expr),
            program: OnceLock::from(Some(metered(&program))),
        })
    }

    /// A built-in pack's condition, from the compiled store, without
    /// parsing it; `None` when it is not stored (a test keeps the store in
    /// step with the packs, whose conditions it also checks in full).
    pub fn builtin(source: &str) -> Option<Expr> {
        static STORE: LazyLock<HashMap<String, Fast>> = LazyLock::new(|| {
            serde_json::from_str(include_str!("builtin.json")).unwrap_or_default()
        });
        let fast = STORE.get(source)?.clone();
        // A stored condition is within the fast path's subset, whose
        // patterns are literals.
        Some(Expr {
            source: source.to_string(),
            program: OnceLock::new(),
            fast: Some(fast),
            patterns_from_data: false,
        })
    }

    /// Whether it reads nothing but what `allowed` accepts (see
    /// [`Fast::reads_only`]); `false` when the interpreter would decide.
    pub fn reads_only(&self, allowed: &dyn Fn(&str, Option<&str>) -> bool) -> bool {
        self.fast.as_ref().is_some_and(|f| f.reads_only(allowed))
    }

    /// The fast path's compiled form, when it can be stored.
    pub fn stored_form(&self) -> Option<&Fast> {
        self.fast.as_ref().filter(|f| f.is_complete())
    }

    fn program(&self) -> Option<&IdedExpr> {
        self.program
            .get_or_init(|| {
                catch_unwind(AssertUnwindSafe(|| Program::compile(&self.source).ok()))
                    .ok()
                    .flatten()
                    .map(|program| metered(&program))
            })
            .as_ref()
    }

    /// Evaluates to a boolean over `vars`; anything else is an error.
    /// `interpret` runs the program in the `cel` interpreter, which decides
    /// whatever the fast path leaves to it.
    pub fn eval_bool(
        &self,
        vars: &[(&str, V<'_>)],
        interpret: &Interpret<'_>,
    ) -> Result<bool, String> {
        let before = budget::mark();
        let answer = match self.fast.as_ref().and_then(|f| f.eval(vars, interpret)) {
            // A budget spent on the fast path is not spent again in the
            // interpreter.
            _ if budget::exhausted() => None,
            Some(answer) => {
                #[cfg(debug_assertions)]
                assert_eq!(
                    budget::apart(|| self.interpret(interpret)),
                    Ok(answer),
                    "the fast path disagrees with the interpreter on `{}`",
                    self.source
                );
                Some(Ok(answer))
            }
            // The steps of an attempt the fast path declined are taken
            // again in the interpreter, and counted once.
            None => {
                budget::rewind(before);
                Some(self.interpret(interpret))
            }
        };
        match answer {
            Some(answer) if !budget::exhausted() => answer,
            _ => Err(format!("`{}` {}", self.source, budget::SPENT)),
        }
    }

    fn interpret(&self, interpret: &Interpret<'_>) -> Result<bool, String> {
        let Some(program) = self.program() else {
            return Err(format!("`{}` could not be compiled", self.source));
        };
        match catch_unwind(AssertUnwindSafe(|| interpret(program))) {
            Ok(Ok(Value::Bool(b))) => Ok(b),
            Ok(Ok(other)) => Err(format!(
                "`{}` gave {}, not true or false",
                self.source,
                cel_text(&other)
            )),
            Ok(Err(error)) => Err(format!("`{}` failed: {error}", self.source)),
            Err(_) => Err(format!(
                "`{}` crashed the expression evaluator",
                self.source
            )),
        }
    }
}

/// The program's expression with its comprehensions metered.
fn metered(program: &Program) -> IdedExpr {
    let mut expr = program.expression().clone();
    budget::meter(&mut expr);
    expr
}

fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every `var.field` in an expression (outside string literals) for a
/// variable in scope: (byte offset of `var`, var, field).
fn field_accesses<'s>(source: &'s str, variables: &[&str]) -> Vec<(usize, &'s str, Vec<&'s str>)> {
    let code = without_strings(source);
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let word_start = i == 0
            || !(bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'_'
                || bytes[i - 1] == b'.');
        if word_start && (b.is_ascii_alphabetic() || b == b'_') {
            let end = i + source[i..]
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            let word = &source[i..end];
            if variables.contains(&word) {
                // Follow `.name` segments; one followed by `(` is a method call.
                let mut path = Vec::new();
                let mut at = end;
                while bytes.get(at) == Some(&b'.') {
                    let len = source[at + 1..]
                        .bytes()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                        .count();
                    if len == 0 || bytes.get(at + 1 + len) == Some(&b'(') {
                        break;
                    }
                    path.push(&source[at + 1..at + 1 + len]);
                    at += 1 + len;
                }
                if !path.is_empty() {
                    found.push((i, word, path));
                }
                i = at.max(end);
                continue;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    found
}

/// Byte offset of the first bracket past the nesting limit, outside strings.
fn too_deep(source: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in without_strings(source).bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_EXPRESSION_DEPTH {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The expression with every string literal, quotes included, blanked out
/// byte for byte: the scanners above and below see only code, at the same
/// offsets as in the source.
fn without_strings(source: &str) -> String {
    let mut code = source.as_bytes().to_vec();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < code.len() {
        let b = code[i];
        match quote {
            Some(q) => {
                let width = if b == b'\\' { 2 } else { 1 };
                if b == q {
                    quote = None;
                }
                for byte in code.iter_mut().skip(i).take(width) {
                    *byte = b' ';
                }
                i += width;
                continue;
            }
            None if b == b'"' || b == b'\'' => {
                quote = Some(b);
                code[i] = b' ';
            }
            None => {}
        }
        i += 1;
    }
    // Only whole literals were blanked, with ASCII spaces.
    String::from_utf8(code).unwrap_or_default()
}

/// The offset of the first operator or `.` past the limit, outside string
/// literals.
fn too_many_operators(source: &str) -> Option<usize> {
    let code = without_strings(source);
    let bytes = code.as_bytes();
    let mut count = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let pair = bytes.get(i..i + 2).unwrap_or(&[]);
        let width = match (b, pair) {
            (_, b"&&" | b"||" | b"==" | b"!=" | b"<=" | b">=") => 2,
            (b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%' | b'?' | b'!' | b'.', _) => 1,
            _ if pair == b"in" && is_word_boundary(bytes, i, 2) => 2,
            _ => 0,
        };
        if width > 0 {
            count += 1;
            if count > MAX_EXPRESSION_OPERATORS {
                return Some(i);
            }
            i += width;
        } else {
            i += 1;
        }
    }
    None
}

fn is_word_boundary(bytes: &[u8], start: usize, len: usize) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    (start == 0 || !word(bytes[start - 1])) && bytes.get(start + len).is_none_or(|b| !word(*b))
}

/// The byte offset of a parser position (1-based line, 0-based column).
fn offset_of(source: &str, (line, column): (isize, isize)) -> Option<usize> {
    if line < 1 || column < 0 {
        return None;
    }
    let start: usize = source
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let line_text = source.get(start..)?.lines().next().unwrap_or("");
    let within: usize = line_text
        .chars()
        .take(column as usize)
        .map(char::len_utf8)
        .sum();
    Some(start + within)
}

/// A value as CEL would write it (`["FR", "BE"]`, `1`), for a message;
/// long ones are cut.
fn cel_text(value: &Value) -> String {
    let mut text = match value {
        Value::List(items) => {
            let items: Vec<String> = items.iter().take(20).map(cel_text).collect();
            let more = if items.len() < 20 { "" } else { ", …" };
            format!("[{}{more}]", items.join(", "))
        }
        Value::Map(_) => "a map".to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => format!("{u}u"),
        Value::Float(f) => f.to_string(),
        Value::String(s) => format!("{:?}", s.as_str()),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::Bytes(_) => "bytes".to_string(),
        _ => "a value that is not true or false".to_string(),
    };
    if text.len() > 200 {
        let cut = (0..=200)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// CEL's type names, which an expression names as identifiers
/// (`type(x) == string`).
const CEL_TYPES: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "int",
    "list",
    "map",
    "null_type",
    "string",
    "type",
    "uint",
];

/// The functions of CEL's standard library that a condition may call,
/// for "did you mean" (a test checks the interpreter declares each).
const STANDARD_FUNCTIONS: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "string",
    "int",
    "uint",
    "double",
    "bytes",
    "bool",
    "type",
    "dyn",
];

/// Whether the interpreter declares a function called `name`, asked of
/// the interpreter itself: calling it with nothing is an error of another
/// kind (missing argument, no overload) when it exists, as a global
/// function or as a method.
fn declared_function(name: &str) -> bool {
    let env = budget::env();
    let context = cel::Context::with_env(env.clone());
    [format!("{name}()"), format!("''.{name}()")]
        .iter()
        .any(|probe| {
            let run = catch_unwind(AssertUnwindSafe(|| {
                env.compile(probe).map(|program| program.execute(&context))
            }));
            !matches!(
                run,
                Ok(Ok(Err(cel::ExecutionError::UndeclaredReference(ref n)))) if n.as_str() == name
            )
        })
}

/// Where a call to `name` is written: `name(`, as a method or not.
fn function_offset(source: &str, name: &str) -> Option<usize> {
    source.match_indices(name).map(|(at, _)| at).find(|&at| {
        let before = source[..at].chars().next_back();
        let after = source[at + name.len()..].trim_start();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') && after.starts_with('(')
    })
}

/// Names bound by macros (`list.exists(p, ...)`), which are not free variables.
/// The sub-expressions of a parsed expression.
fn children(expr: &cel::common::ast::Expr) -> Vec<&cel::common::ast::Expr> {
    use cel::common::ast::Expr as E;
    match expr {
        E::Comprehension(c) => [
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ]
        .into_iter()
        .map(|e| &e.expr)
        .collect(),
        E::Call(call) => call
            .target
            .iter()
            .map(|t| &t.expr)
            .chain(call.args.iter().map(|a| &a.expr))
            .collect(),
        E::List(list) => list.elements.iter().map(|e| &e.expr).collect(),
        E::Select(select) => vec![&select.operand.expr],
        E::Map(map) => entry_values(&map.entries),
        E::Struct(st) => entry_values(&st.entries),
        E::Unspecified | E::Ident(_) | E::Literal(_) => Vec::new(),
    }
}

/// The keys and values of map and struct literals.
fn entry_values(entries: &[cel::common::ast::IdedEntryExpr]) -> Vec<&cel::common::ast::Expr> {
    use cel::common::ast::EntryExpr;
    entries
        .iter()
        .flat_map(|e| match &e.expr {
            EntryExpr::MapEntry(m) => vec![&m.key.expr, &m.value.expr],
            EntryExpr::StructField(f) => vec![&f.value.expr],
        })
        .collect()
}

/// How deeply comprehensions nest in a parsed expression (recursion is
/// bounded: the bracket and operator limits are checked before parsing).
fn comprehension_nesting(expr: &cel::common::ast::Expr) -> usize {
    let deepest = children(expr)
        .into_iter()
        .map(comprehension_nesting)
        .max()
        .unwrap_or(0);
    match expr {
        cel::common::ast::Expr::Comprehension(_) => 1 + deepest,
        _ => deepest,
    }
}

/// Whether a `matches` call takes its pattern from data rather than a
/// literal: such a rule may compile a pattern per entity, and is charged
/// for them (see [`budget::Patterns`]).
fn patterns_from_data(expr: &cel::common::ast::Expr) -> bool {
    use cel::common::ast::{Expr as E, LiteralValue};
    matches_pattern(expr).is_some_and(|p| !matches!(p, E::Literal(LiteralValue::String(_))))
        || children(expr).into_iter().any(patterns_from_data)
}

/// The pattern argument of a `matches` call (`t.matches(p)` or
/// `matches(t, p)`).
fn matches_pattern(expr: &cel::common::ast::Expr) -> Option<&cel::common::ast::Expr> {
    let cel::common::ast::Expr::Call(call) = expr else {
        return None;
    };
    let pattern = match (call.func_name.as_str(), &call.target, call.args.len()) {
        ("matches", Some(_), 1) => call.args.first(),
        ("matches", None, 2) => call.args.get(1),
        _ => None,
    };
    pattern.map(|p| &p.expr)
}

/// Every literal pattern given to `matches` compiles, within
/// [`MAX_PATTERN_SIZE`].
fn check_patterns(expr: &cel::common::ast::Expr) -> Result<(), String> {
    use cel::common::ast::{Expr as E, LiteralValue};
    if let Some(E::Literal(LiteralValue::String(source))) = matches_pattern(expr) {
        regex::RegexBuilder::new(source)
            .size_limit(MAX_PATTERN_SIZE)
            .build()
            .map_err(|e| {
                let text = e.to_string();
                let last = text.lines().last().unwrap_or_default().trim();
                format!("invalid or too large regular expression in `matches`: {last}")
            })?;
    }
    children(expr).into_iter().try_for_each(check_patterns)
}

fn comprehension_variables(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for macro_name in ["exists_one(", "exists(", "all(", "map(", "filter("] {
        for (at, _) in source.match_indices(macro_name) {
            if !source[..at].ends_with('.') {
                continue;
            }
            let rest = &source[at + macro_name.len()..];
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}

/// A message template: literal text and `{var.path}` placeholders;
/// `{{` and `}}` stand for literal braces.
#[derive(Debug, Clone)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    /// `{var.path}`; `{var.path?}` is optional: a note in which it
    /// renders empty is left out.
    Field {
        var: String,
        path: Vec<String>,
        optional: bool,
    },
}

impl Part {
    /// A display name: `{org.name}`, `{processor.name}`, `{activity.name}`
    /// (a cookie's `{tracking.name}` is what it is, not a display name).
    fn is_name(&self) -> bool {
        matches!(self, Part::Field { var, path, .. }
            if matches!(var.as_str(), "org" | "processor" | "activity")
                && path.len() == 1
                && path[0] == "name")
    }
}

/// A template error with the byte offset of the placeholder.
#[derive(Debug)]
pub struct TemplateError {
    pub message: String,
    pub offset: usize,
    pub help: Option<String>,
}

impl Template {
    /// Parses a template; `known` answers whether `var.field` exists (its
    /// first path segment) and lists the candidates for "did you mean".
    pub fn parse(
        source: &str,
        known: &FieldCheck<'_>,
        variables: &[&str],
    ) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        let mut offset = 0;
        while let Some(i) = rest.find(['{', '}']) {
            text.push_str(&rest[..i]);
            let brace = &rest[i..];
            if brace.starts_with("{{") || brace.starts_with("}}") {
                text.push_str(&brace[..1]);
                rest = &brace[2..];
                offset += i + 2;
                continue;
            }
            if brace.starts_with('}') {
                return Err(TemplateError {
                    message: "unmatched `}` in template".into(),
                    offset: offset + i,
                    help: Some("write `}}` for a literal brace".into()),
                });
            }
            let Some(close) = brace.find('}') else {
                return Err(TemplateError {
                    message: "unclosed `{` in template".into(),
                    offset: offset + i,
                    help: Some("write `{{` for a literal brace".into()),
                });
            };
            let inner = brace[1..close].trim();
            let (inner, optional) = match inner.strip_suffix('?') {
                Some(inner) => (inner.trim_end(), true),
                None => (inner, false),
            };
            let mut segments = inner.split('.').map(str::to_string);
            let var = segments.next().unwrap_or_default();
            let path: Vec<String> = segments.collect();
            let at = offset + i;
            if !variables.contains(&var.as_str()) {
                let hint = did_you_mean(&var, variables.iter().copied());
                return Err(TemplateError {
                    message: match hint {
                        Some(h) => {
                            format!("template names unknown variable `{var}`; did you mean `{h}`?")
                        }
                        None => format!("template names unknown variable `{var}`"),
                    },
                    offset: at,
                    help: Some(format!("this rule can use {}", quote_list(variables))),
                });
            }
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Err(error) = known(&var, &segments) {
                {
                    let field = &error.segment;
                    let hint = did_you_mean(field, error.candidates.iter().map(String::as_str));
                    return Err(TemplateError {
                        message: match hint {
                            Some(h) => format!(
                                "template names unknown field `{var}.{field}`; did you mean `{h}`?"
                            ),
                            None => format!("template names unknown field `{var}.{field}`"),
                        },
                        offset: at,
                        help: None,
                    });
                }
            }
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Field {
                var,
                path,
                optional,
            });
            rest = &brace[close + 1..];
            offset = at + close + 1;
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// Fills the placeholders from the values in scope. Lists are joined
    /// with `, `; a missing value renders as `?`.
    /// Renders with `lookup(var, field)`: the variable's value, or with a
    /// field, that field of it (so a record need not be built whole).
    pub fn render(&self, lookup: &dyn Fn(&str, Option<&str>) -> Option<Value>) -> String {
        self.render_parts(lookup, false).unwrap_or_default()
    }

    /// Whether a placeholder is marked optional (`{var.field?}`).
    pub fn has_optional(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Field { optional: true, .. }))
    }

    /// The rendered text, or `None` when an optional placeholder in it is
    /// empty: a note about the route (`through {transfer.via?}`) says
    /// nothing for a direct flow.
    pub fn render_unless_empty(
        &self,
        lookup: &dyn Fn(&str, Option<&str>) -> Option<Value>,
    ) -> Option<String> {
        self.render_parts(lookup, true)
    }

    /// What the rendered text is about: the values of its placeholders,
    /// without the wording around them (a pack may reword a message) and
    /// without display names (a name may change while the thing named
    /// stays).
    pub fn identity(&self, lookup: &dyn Fn(&str, Option<&str>) -> Option<Value>) -> Vec<String> {
        self.parts
            .iter()
            .filter(|part| !part.is_name())
            .filter_map(|part| match part {
                Part::Field { var, path, .. } => Some(field_text(var, path, lookup)),
                Part::Text(_) => None,
            })
            .collect()
    }

    /// The text; `None` when `skip_empty` and an optional placeholder is empty.
    fn render_parts(
        &self,
        lookup: &dyn Fn(&str, Option<&str>) -> Option<Value>,
        skip_empty: bool,
    ) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field {
                    var,
                    path,
                    optional,
                } => {
                    let shown = field_text(var, path, lookup);
                    if skip_empty && *optional && shown.is_empty() {
                        return None;
                    }
                    out.push_str(&shown);
                }
            }
        }
        Some(out)
    }
}

/// What a placeholder shows: its value, shortened; `?` when it has none.
pub(crate) fn field_text(
    var: &str,
    path: &[String],
    lookup: &dyn Fn(&str, Option<&str>) -> Option<Value>,
) -> String {
    let mut value = lookup(var, path.first().map(String::as_str));
    for key in path.iter().skip(1) {
        value = value.and_then(|v| match v {
            Value::Map(map) => map.get(&cel::objects::Key::from(key.as_str())).cloned(),
            _ => None,
        });
    }
    let shown = value.map_or_else(|| "?".to_string(), |v| display(&v));
    crate::report::shorten(&shown, LONGEST_SHOWN).into_owned()
}

/// Longest value a placeholder prints: a list of thousands of entries in
/// every finding's message would make the output quadratic.
const LONGEST_SHOWN: usize = 200;

/// How a value reads in a message.
pub fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "none".to_string(),
        // Stops once past what a message shows (see `shorten`).
        Value::List(items) => {
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&display(item));
                if out.len() > 4 * LONGEST_SHOWN {
                    out.push('…');
                    break;
                }
            }
            out
        }
        // Sorted: a map's own order changes from run to run.
        Value::Map(map) => {
            let mut entries: Vec<String> = map
                .map
                .iter()
                .map(|(k, v)| format!("{k}: {}", display(v)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(", "))
        }
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(_: &str, _: &[&str]) -> Result<(), FieldError> {
        Ok(())
    }

    fn only(field: &'static str) -> impl Fn(&str, &[&str]) -> Result<(), FieldError> {
        move |_: &str, path: &[&str]| match path.first() {
            Some(f) if *f != field => Err(FieldError {
                segment: f.to_string(),
                candidates: vec![field.to_string()],
            }),
            _ => Ok(()),
        }
    }

    #[test]
    fn parser_internals_do_not_reach_the_message() {
        let mut nested = "false".to_string();
        for _ in 0..100 {
            nested = format!("true ? false : {nested}");
        }
        for (source, message) in [
            (
                "true ? true ? true : false : false".to_string(),
                "invalid CEL: a `?:` in the middle of another `?:` needs brackets",
            ),
            (
                nested,
                "invalid CEL: the expression nests too deeply for the CEL parser",
            ),
        ] {
            let error = Expr::compile(&source, &["processor"], &any).unwrap_err();
            assert_eq!(error.message, message);
            assert!(error.help.is_some());
        }
        // With brackets, it compiles.
        let bracketed = "true ? (true ? true : false) : false";
        assert!(Expr::compile(bracketed, &["processor"], &any).is_ok());
    }

    #[test]
    fn unknown_functions_are_rejected_with_a_suggestion() {
        for (source, message, at) in [
            (
                "processor.id.startswith('a')",
                "unknown function `startswith`; did you mean `startsWith`?",
                13,
            ),
            (
                "lenght(processor.locations) < 3",
                "unknown function `lenght`",
                0,
            ),
            (
                "processor.role == 'processor' || nosuchfn(processor.id)",
                "unknown function `nosuchfn`",
                33,
            ),
        ] {
            let error = Expr::compile(source, &["processor"], &any).unwrap_err();
            assert_eq!(error.message, message, "{source}");
            assert_eq!(error.offset, Some(at), "{source}");
        }
        for known in STANDARD_FUNCTIONS {
            assert!(declared_function(known), "{known}");
        }
        for source in [
            "size(processor.locations) > 0 && processor.id.endsWith('x')",
            "processor.locations.exists(l, l.matches('^D')) || int('1') == 1",
            "has(processor.id) && processor.locations.map(l, l).filter(l, l == 'DE').size() == 0",
        ] {
            Expr::compile(source, &["processor"], &any).expect(source);
        }
    }

    #[test]
    fn compiles_and_rejects_unknown_variables() {
        assert!(Expr::compile("activity.basis == 'consent'", &["activity", "org"], &any).is_ok());
        let err =
            Expr::compile("actvity.basis == 'consent'", &["activity", "org"], &any).unwrap_err();
        assert!(
            err.message.contains("did you mean `activity`"),
            "{}",
            err.message
        );
        let ok = Expr::compile(
            "activity.tracking.exists(t, t.purpose == 'analytics')",
            &["activity"],
            &any,
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn rejects_unknown_fields_of_variables() {
        let known = only("locations");
        let err = Expr::compile("'RU' in processor.locatons", &["processor"], &known).unwrap_err();
        assert!(
            err.message.contains("did you mean `locations`"),
            "{}",
            err.message
        );
        assert!(
            Expr::compile(
                "'processor.x' == processor.locations[0]",
                &["processor"],
                &known
            )
            .is_ok()
        );
    }

    #[test]
    fn rejects_deep_nesting_before_the_parser_sees_it() {
        let deep = format!("{}true{}", "(".repeat(100), ")".repeat(100));
        let err = Expr::compile(&deep, &[], &any).unwrap_err();
        assert!(
            err.message.contains("nests brackets deeper"),
            "{}",
            err.message
        );
        let huge = format!("{}true{}", "(".repeat(100_000), ")".repeat(100_000));
        let err = Expr::compile(&huge, &[], &any).unwrap_err();
        assert!(err.message.contains("longer than"), "{}", err.message);
    }

    /// Operator chains nest as deeply as brackets: the longest accepted
    /// compiles and evaluates on a thread with rayon's default 2 MiB stack
    /// (rules compile and run on rayon's workers), and one more is refused.
    /// CEL's type names are not variables: `type(x) == string` loads,
    /// and the fast path and the interpreter agree on it (debug builds).
    #[test]
    fn type_names_are_not_unknown_variables() {
        let context = cel::Context::with_env(budget::env());
        let interpret = |e: &cel::IdedExpr| Value::resolve(e, &context);
        for (source, expected) in [
            ("type('a') == string", true),
            (
                "type(1) == int && type([1]) == list && type({}) == map",
                true,
            ),
            (
                "type(1u) == uint && type(1.0) == double && type(true) == bool",
                true,
            ),
            (
                "type(b'x') == bytes && type(null) == null_type && type(int) == type",
                true,
            ),
            ("type('a') == int", false),
        ] {
            let expr = Expr::compile(source, &[], &any).expect(source);
            assert_eq!(expr.eval_bool(&[], &interpret), Ok(expected), "{source}");
        }
    }

    #[test]
    fn operator_chains_are_bounded_and_fit_a_worker_stack() {
        let chain = |n: usize| format!("{} > 0 && !false", vec!["1"; n].join(" + "));
        // The longest chain, inside the deepest brackets.
        let longest = format!(
            "{}{}{} && size({}[1]{}) == 1",
            "(".repeat(MAX_EXPRESSION_DEPTH - 2),
            chain(MAX_EXPRESSION_OPERATORS - 4),
            ")".repeat(MAX_EXPRESSION_DEPTH - 2),
            "[".repeat(MAX_EXPRESSION_DEPTH - 2),
            "]".repeat(MAX_EXPRESSION_DEPTH - 2),
        );
        let result = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let expr = Expr::compile(&longest, &[], &any).map_err(|e| e.message)?;
                let context = cel::Context::with_env(budget::env());
                let interpret = |e: &cel::IdedExpr| Value::resolve(e, &context);
                expr.eval_bool(&[], &interpret)
            })
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert_eq!(result, Ok(true));
        let nested = |n: usize| {
            let mut e = "x > 0".to_string();
            for i in 0..n {
                e = format!("[1, 2].exists(x{i}, {e})").replace("x >", &format!("x{i} >"));
            }
            e
        };
        assert!(Expr::compile(&nested(MAX_COMPREHENSION_NESTING), &[], &any).is_ok());
        assert!(Expr::compile(r#""abc".matches("^a")"#, &[], &any).is_ok());
        for bad in [
            r#""abc".matches("(unclosed")"#,
            r#"matches("x", "[a-z]{1000}{100}")"#,
        ] {
            let err = Expr::compile(bad, &[], &any).unwrap_err();
            assert!(
                err.message.contains("regular expression"),
                "{}",
                err.message
            );
        }
        let err = Expr::compile(&nested(MAX_COMPREHENSION_NESTING + 1), &[], &any).unwrap_err();
        assert!(
            err.message.contains("nests comprehensions"),
            "{}",
            err.message
        );
        let err = Expr::compile(&chain(MAX_EXPRESSION_OPERATORS), &[], &any).unwrap_err();
        assert!(
            err.message.contains("more than 128 operators"),
            "{}",
            err.message
        );
        let dots = format!("a{}", ".b".repeat(200));
        assert!(Expr::compile(&dots, &["a"], &any).is_err());
        assert!(Expr::compile(r#""a.b.c.d" == "&&||&&""#, &[], &any).is_ok());
    }

    #[test]
    fn reports_syntax_errors_briefly() {
        let err = Expr::compile("activity.basis ==", &["activity"], &any).unwrap_err();
        assert_eq!(err.message, "invalid CEL: the expression ends too early");
    }

    #[test]
    fn templates_validate_variables_and_fields() {
        let known = only("id");
        assert!(Template::parse("activity `{activity.id}`", &known, &["activity"]).is_ok());
        let err = Template::parse("{activity.idd}", &known, &["activity"]).unwrap_err();
        assert!(err.message.contains("did you mean `id`"));
        assert!(Template::parse("{{literal}}", &known, &["activity"]).is_ok());
    }
}
