//! The evaluation budget: how much work one rule may do on a manifest set.
//!
//! Nested comprehensions multiply: a user rule comparing every processor
//! with every other (`processors.all(a, processors.all(b, …))`) is 25
//! million steps on 5,000 processors, and a hostile set can hold far more.
//! Each comprehension is charged the size of what it ranges over when it
//! starts, on the fast path and in the interpreter alike, so both charge
//! the same. A rule is stopped when one evaluation, or all of its
//! evaluations together, pass the limit ([`MAX_STEPS`] by default); the
//! engine then reports it
//! (the outcome does not depend on the order of evaluation: a rule stops
//! exactly when the sum of its evaluations' steps passes the budget).
//! A `matches` pattern taken from the manifest is charged its compilation
//! once per rule, or each time when it is too large to keep ([`Patterns`]).
//!
//! Steps bound memory as well as time: text that `matches` scans or `+`
//! joins is charged by its length ([`TEXT_BYTES_PER_STEP`]), and each item
//! that `map` or `filter` adds to its result is charged its whole size
//! ([`weight`]), since the result holds a copy of it. A one-line rule
//! nesting `map`s over 2,000 processors used to build gigabytes.

use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, operators};
use cel::common::types::{CelBool, CelString};
use cel::common::value::CowVal;
use cel::{Env, ExecutionError};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Steps one rule may take on a manifest set by default
/// (`--max-rule-steps`): measured on a release build, 0.4 s on the fast
/// path and up to about 7 s in the interpreter, which is 17 times slower
/// per step on a pairwise comparison.
pub const MAX_STEPS: u64 = 5_000_000;

/// Why an evaluation stopped, after the expression.
pub const SPENT: &str = "was stopped: the rule's evaluation budget is spent";

/// The interpreter's charging function, wrapped around every range.
const FUNCTION: &str = "__privlint_steps";

/// The interpreter's charging function for what `+` joins (lists, maps and
/// text).
const ADD_FUNCTION: &str = "__privlint_add_steps";

/// The interpreter's charging function for an item `map` or `filter` adds
/// to its result.
const ITEM_FUNCTION: &str = "__privlint_item_steps";

/// Bytes of text per step, for text that `matches` scans or `+` joins: the
/// default budget scans or builds at most about 20 MB of text in one rule.
pub const TEXT_BYTES_PER_STEP: usize = 4;

/// The interpreter's `matches`, which every `matches` call is renamed to
/// (see [`Patterns`] for what it charges).
const MATCHES: &str = "__privlint_matches";

/// Largest compiled `matches` pattern accepted (the `regex` crate's own
/// limit is ten times more, and such a pattern takes tens of milliseconds
/// to compile).
pub const MAX_PATTERN_SIZE: usize = 1 << 20;

/// A pattern is compiled within the smallest of these sizes that holds it,
/// and charged that tier's steps: about one step per 4 bytes kept, so the
/// patterns a rule keeps stay within about 20 MB at the default budget.
const PATTERN_TIERS: [(usize, usize); 3] =
    [(4 << 10, 1_000), (16 << 10, 4_000), (64 << 10, 16_000)];

/// A pattern past the last tier (up to [`MAX_PATTERN_SIZE`]) takes up to
/// about 7 ms to compile (measured on a release build). It is not kept, and
/// is charged this each time it is compiled.
const LARGE_PATTERN_STEPS: usize = 50_000;

/// Compiled patterns kept per thread for rules that take none from the
/// manifest, before the cache starts again; a large one counts as 16.
const CACHED_PATTERNS: usize = 256;
const LARGE_PATTERN_WEIGHT: usize = 16;

/// The `matches` patterns a rule has compiled from the manifest's data
/// (`name.matches(other.name)`), shared by all of its evaluations. Each
/// distinct pattern is compiled and charged once for the rule, whichever
/// thread meets it first, so the rule's total does not depend on the
/// threads; a large pattern is charged each time, as it is compiled each
/// time.
pub type Patterns = Arc<Mutex<HashMap<Box<str>, Compiled>>>;

/// A pattern compiled (or why not), what compiling it costs, and whether it
/// is too large to keep.
#[derive(Clone)]
pub struct Compiled {
    regex: Result<regex::Regex, Arc<str>>,
    steps: usize,
    large: bool,
}

thread_local! {
    /// Steps taken by, and allowed to, the evaluation running on this
    /// thread; unlimited outside one.
    static USED: Cell<u64> = const { Cell::new(0) };
    static LIMIT: Cell<u64> = const { Cell::new(u64::MAX) };
    /// The part of `USED` that paid for compiling patterns.
    static COMPILE_STEPS: Cell<u64> = const { Cell::new(0) };
    /// The patterns of the rule being evaluated, when it is charged for them.
    static PATTERNS: RefCell<Option<Patterns>> = const { RefCell::new(None) };
    /// The patterns compiled on this thread for rules without a scope,
    /// and their weight.
    static COMPILED: RefCell<(HashMap<Box<str>, Compiled>, usize)> = RefCell::new(Default::default());
}

/// While it lives, `matches` charges the rule whose patterns these are.
pub struct PatternScope(Option<Patterns>);

/// Charges the running evaluation's `matches` compilations to `patterns`
/// (`None`: not charged, as for a rule whose patterns are all literals,
/// which are checked when the pack loads).
pub fn patterns(patterns: Option<Patterns>) -> PatternScope {
    PatternScope(PATTERNS.replace(patterns))
}

impl Drop for PatternScope {
    fn drop(&mut self) {
        PATTERNS.set(self.0.take());
    }
}

/// Starts an evaluation that may take `limit` steps on this thread.
pub fn begin(limit: u64) {
    USED.set(0);
    COMPILE_STEPS.set(0);
    LIMIT.set(limit);
}

/// Ends the evaluation: the steps it took (more than its limit when it was
/// stopped). The thread is unlimited again.
pub fn end() -> u64 {
    let used = USED.get();
    begin(u64::MAX);
    used
}

/// Where the running evaluation is: its steps, and those of them that
/// paid for compiling patterns.
#[derive(Clone, Copy)]
pub struct Mark {
    used: u64,
    compiled: u64,
}

/// The running evaluation's steps so far, to take back later ([`rewind`]).
pub fn mark() -> Mark {
    Mark {
        used: USED.get(),
        compiled: COMPILE_STEPS.get(),
    }
}

/// Takes back the steps taken since `mark` by an attempt that is made
/// again, except those that paid for compiling a pattern: a rule is charged
/// a pattern once, so the second attempt does not pay for it again.
pub fn rewind(mark: Mark) {
    let compiled = COMPILE_STEPS.get() - mark.compiled;
    USED.set(mark.used.saturating_add(compiled));
}

/// Whether the running evaluation has passed its limit.
pub fn exhausted() -> bool {
    USED.get() > LIMIT.get()
}

/// Charges `steps`; `false` once the limit is passed (and from then on).
pub fn charge(steps: usize) -> bool {
    let steps = u64::try_from(steps).unwrap_or(u64::MAX);
    USED.set(USED.get().saturating_add(steps));
    !exhausted()
}

/// Charges text of `bytes` scanned or built.
pub fn charge_text(bytes: usize) -> bool {
    charge(bytes / TEXT_BYTES_PER_STEP)
}

/// Runs `f` without charging the running evaluation (a debug build's
/// second opinion must not count twice).
pub fn apart<T>(f: impl FnOnce() -> T) -> T {
    let (used, compiled, limit) = (USED.get(), COMPILE_STEPS.get(), LIMIT.get());
    begin(u64::MAX);
    let scope = patterns(None);
    let out = f();
    drop(scope);
    USED.set(used);
    COMPILE_STEPS.set(compiled);
    LIMIT.set(limit);
    out
}

/// The interpreter's environment: the standard library and the charging
/// function, built once.
pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        env.add_overload(
            FUNCTION,
            "privlint_steps_dyn",
            vec![cel::common::types::DYN_TYPE],
            steps,
        )
        .expect("the charging function is declared once");
        env.add_overload(
            ADD_FUNCTION,
            "privlint_add_steps_dyn",
            vec![cel::common::types::DYN_TYPE],
            add_steps,
        )
        .expect("the charging function is declared once");
        env.add_overload(
            ITEM_FUNCTION,
            "privlint_item_steps_dyn",
            vec![cel::common::types::DYN_TYPE],
            item_steps,
        )
        .expect("the charging function is declared once");
        cel::add_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>,
            name = MATCHES, id = "privlint_matches")
        .expect("the matching function is declared once");
        Arc::new(env)
    })
    .clone()
}

/// Charges a list or map its size and hands it back; other values are free.
fn steps<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let range = args.pop().ok_or(ExecutionError::MissingArgumentOrTarget)?;
    if charge(items(&range)) {
        Ok(range)
    } else {
        Err(spent(FUNCTION))
    }
}

/// The items of a list or the entries of a map; 0 for other values.
fn items(value: &CowVal<'_, '_>) -> usize {
    match value.get_type().name() {
        "list" | "map" => value
            .as_sizer()
            .map_or(0, |s| usize::try_from(*s.size().inner()).unwrap_or(0)),
        _ => 0,
    }
}

/// The error of a charging function once the budget is spent.
fn spent(function: &str) -> ExecutionError {
    ExecutionError::function_error(function, "the rule's evaluation budget is spent")
}

/// Charges an operand of `+` its size: a list's or map's items, a text's
/// or bytes' length ([`TEXT_BYTES_PER_STEP`]); and hands it back.
fn add_steps<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    use cel::common::types::CelBytes;
    let operand = args.pop().ok_or(ExecutionError::MissingArgumentOrTarget)?;
    let charged = if let Some(text) = operand.downcast_ref::<CelString>() {
        charge_text(text.inner().len())
    } else if let Some(bytes) = operand.downcast_ref::<CelBytes>() {
        charge_text(bytes.inner().len())
    } else {
        charge(items(&operand))
    };
    if charged {
        Ok(operand)
    } else {
        Err(spent(ADD_FUNCTION))
    }
}

/// Charges an item that `map` or `filter` adds to its result its
/// [`weight`], and hands it back.
fn item_steps<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let item = args.pop().ok_or(ExecutionError::MissingArgumentOrTarget)?;
    let left = LIMIT.get().saturating_sub(USED.get());
    let weight = weight(&*item, left);
    if charge(usize::try_from(weight).unwrap_or(usize::MAX)) {
        Ok(item)
    } else {
        Err(spent(ITEM_FUNCTION))
    }
}

/// The size of a value, as copying it costs: one step per value, list
/// item and map entry, and text by its length. The walk stops once past
/// `cap`, so a huge value costs no more to weigh than the budget left.
pub fn weight(value: &(dyn cel::common::value::Val + '_), cap: u64) -> u64 {
    use cel::common::types::CelMapKey as Key;
    use cel::common::types::{CelBytes, CelList, CelMap};
    let text = |bytes: usize| (bytes / TEXT_BYTES_PER_STEP) as u64;
    let mut total = 0u64;
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        total = total.saturating_add(1);
        if total > cap {
            break;
        }
        if let Some(s) = value.downcast_ref::<CelString>() {
            total = total.saturating_add(text(s.inner().len()));
        } else if let Some(b) = value.downcast_ref::<CelBytes>() {
            total = total.saturating_add(text(b.inner().len()));
        } else if let Some(list) = value.downcast_ref::<CelList>() {
            stack.extend(list.inner().iter().map(|item| &**item));
        } else if let Some(map) = value.downcast_ref::<CelMap>() {
            for (key, item) in map.inner() {
                let key = match key {
                    Key::String(s) => text(s.inner().len()),
                    _ => 0,
                };
                total = total.saturating_add(1 + key);
                stack.push(&**item);
            }
        }
    }
    total
}

/// `text.matches(pattern)`: the pattern compiled once per rule, or once
/// per thread for a rule that takes none from the manifest; charged as
/// [`Patterns`] says.
fn matches(text: &CelString<'_>, pattern: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    let spent = || spent("matches");
    // Once the budget is spent, nothing more is compiled: CEL's `all` and
    // `exists` go on through their list after an error.
    if exhausted() {
        return Err(spent());
    }
    // Scanning is linear in the text, with a factor the pattern sets.
    if !charge_text(text.inner().len()) {
        return Err(spent());
    }
    let source = pattern.inner();
    let compiled = match PATTERNS.with_borrow(Clone::clone) {
        Some(rule) => {
            let kept = rule.lock().ok().and_then(|kept| kept.get(source).cloned());
            match kept {
                Some(compiled) => compiled,
                None => {
                    let compiled = compile(source);
                    // Kept by the first thread to get here, which pays.
                    let first = compiled.large
                        || rule
                            .lock()
                            .map_or(true, |mut kept| match kept.entry(source.into()) {
                                std::collections::hash_map::Entry::Vacant(slot) => {
                                    slot.insert(compiled.clone());
                                    true
                                }
                                std::collections::hash_map::Entry::Occupied(_) => false,
                            });
                    if first && !charge_compile(compiled.steps) {
                        return Err(spent());
                    }
                    compiled
                }
            }
        }
        None => COMPILED.with_borrow_mut(|(cache, weight)| {
            if let Some(compiled) = cache.get(source) {
                return compiled.clone();
            }
            let compiled = compile(source);
            let added = if compiled.large {
                LARGE_PATTERN_WEIGHT
            } else {
                1
            };
            if *weight + added > CACHED_PATTERNS {
                cache.clear();
                *weight = 0;
            }
            *weight += added;
            cache.insert(source.into(), compiled.clone());
            compiled
        }),
    };
    match compiled.regex {
        Ok(regex) => Ok(CelBool::from(regex.is_match(text.inner()))),
        Err(message) => Err(ExecutionError::function_error(
            "matches",
            message.to_string(),
        )),
    }
}

/// Charges the compilation of a pattern (see [`rewind`]).
fn charge_compile(steps: usize) -> bool {
    COMPILE_STEPS.set(COMPILE_STEPS.get() + steps as u64);
    charge(steps)
}

/// Compiles within the smallest tier that holds the pattern (see
/// [`PATTERN_TIERS`]).
fn compile(source: &str) -> Compiled {
    let build = |limit| regex::RegexBuilder::new(source).size_limit(limit).build();
    let describe = |e: regex::Error| -> Arc<str> {
        let text = e.to_string();
        let last = text.lines().last().unwrap_or_default().trim();
        let shown = crate::report::shorten(source, 80);
        format!("`{shown}` is not a valid regular expression, or one too large: {last}").into()
    };
    for (size, steps) in PATTERN_TIERS {
        match build(size) {
            Err(regex::Error::CompiledTooBig(_)) => continue,
            built => {
                return Compiled {
                    regex: built.map_err(describe),
                    steps,
                    large: false,
                };
            }
        }
    }
    Compiled {
        regex: build(MAX_PATTERN_SIZE).map_err(describe),
        steps: LARGE_PATTERN_STEPS,
        large: true,
    }
}

/// The operators that go through a list or map, and which of their
/// operands they go through.
const WALKING: [(&str, &[usize]); 4] = [
    (operators::IN, &[1]),
    (operators::EQUALS, &[0, 1]),
    (operators::NOT_EQUALS, &[0, 1]),
    (operators::ADD, &[0, 1]),
];

/// Wraps in the charging function, for the interpreter, every
/// comprehension's range and every operand that `in`, `==`, `!=` and `+`
/// go through (a list `in` a list inside a comprehension is quadratic too).
/// A comprehension's own accumulator (`@result`) is left alone: cel
/// recognises `@result + [x]` to build `map` and `filter` in one pass.
pub fn meter(expr: &mut IdedExpr) {
    let mut stack: Vec<&mut IdedExpr> = vec![expr];
    while let Some(node) = stack.pop() {
        match &mut node.expr {
            Expr::Comprehension(c) => {
                wrap(&mut c.iter_range);
                let Expr::Call(call) = &mut c.iter_range.expr else {
                    unreachable!("wrapped just above")
                };
                stack.extend(call.args.iter_mut());
                stack.extend([
                    &mut c.accu_init,
                    &mut c.loop_cond,
                    &mut c.loop_step,
                    &mut c.result,
                ]);
            }
            Expr::Call(call) => {
                // `t.matches(p)` and `matches(t, p)` become `__privlint_matches(t, p)`.
                if call.func_name == "matches" {
                    let arity = call.args.len() + usize::from(call.target.is_some());
                    if arity == 2 {
                        if let Some(target) = call.target.take() {
                            call.args.insert(0, *target);
                        }
                        call.func_name = MATCHES.to_string();
                    }
                }
                let internal = call
                    .args
                    .iter()
                    .any(|a| matches!(&a.expr, Expr::Ident(name) if name.starts_with('@')));
                // `map` and `filter` append `@result + [item]`: the item is
                // charged its weight, and the list literal kept so that cel
                // still appends in place.
                if internal
                    && call.func_name == operators::ADD
                    && let [_, items] = call.args.as_mut_slice()
                    && let Expr::List(list) = &mut items.expr
                {
                    for item in &mut list.elements {
                        wrap_in(item, ITEM_FUNCTION);
                    }
                }
                if let Some((op, operands)) = WALKING
                    .iter()
                    .find(|(op, _)| *op == call.func_name && !internal)
                {
                    let function = if *op == operators::ADD {
                        ADD_FUNCTION
                    } else {
                        FUNCTION
                    };
                    for &i in *operands {
                        if let Some(arg) = call.args.get_mut(i) {
                            wrap_in(arg, function);
                        }
                    }
                }
                // A wrapper is met again below, as a call that is not an
                // operator: only its operand is metered.
                stack.extend(call.target.as_deref_mut());
                stack.extend(call.args.iter_mut());
            }
            Expr::List(list) => stack.extend(list.elements.iter_mut()),
            Expr::Select(select) => stack.push(&mut select.operand),
            Expr::Map(map) => stack.extend(map.entries.iter_mut().flat_map(entry_exprs)),
            Expr::Struct(st) => stack.extend(st.entries.iter_mut().flat_map(entry_exprs)),
            Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => {}
        }
    }
}

/// `expr` becomes `__privlint_steps(expr)`.
fn wrap(expr: &mut IdedExpr) {
    wrap_in(expr, FUNCTION)
}

/// `expr` becomes `function(expr)`.
fn wrap_in(expr: &mut IdedExpr, function: &str) {
    let inner = std::mem::take(expr);
    *expr = IdedExpr {
        id: inner.id,
        expr: Expr::Call(CallExpr {
            func_name: function.to_string(),
            target: None,
            args: vec![inner],
        }),
    };
}

fn entry_exprs(entry: &mut cel::common::ast::IdedEntryExpr) -> Vec<&mut IdedExpr> {
    match &mut entry.expr {
        EntryExpr::MapEntry(m) => vec![&mut m.key, &mut m.value],
        EntryExpr::StructField(f) => vec![&mut f.value],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cel::{Context, Program, Value};

    fn run(source: &str, limit: u64) -> (Result<Value, ExecutionError>, u64) {
        let program = Program::compile(source).unwrap();
        let mut expr = program.expression().clone();
        meter(&mut expr);
        let context = Context::with_env(env());
        begin(limit);
        let out = Value::resolve(&expr, &context);
        (out, end())
    }

    #[test]
    fn comprehensions_are_charged_their_range_each_time_they_start() {
        // 10 + 10 × 10 steps: the inner range starts once per outer item.
        let pairs = "[0,1,2,3,4,5,6,7,8,9].all(a, [0,1,2,3,4,5,6,7,8,9].all(b, a + b >= 0))";
        assert_eq!(run(pairs, 1_000), (Ok(Value::Bool(true)), 110));
        let (out, used) = run(pairs, 100);
        assert!(out.is_err(), "{out:?}");
        assert!(used > 100);
        // map and filter are charged their ranges and the items they add
        // (one step each for a number), and `==` both lists.
        assert_eq!(
            run("[1, 2, 3].map(x, x * 2).filter(y, y > 2) == [4, 6]", 100),
            (Ok(Value::Bool(true)), 3 + 3 + 3 + 2 + 2 + 2)
        );
        // `in` goes through its list each time.
        assert_eq!(
            run("[1, 2, 3].all(x, x in [1, 2, 3, 4])", 100),
            (Ok(Value::Bool(true)), 3 + 3 * 4)
        );
        assert_eq!(run("1 + 1 == 2", 0), (Ok(Value::Bool(true)), 0));
    }

    #[test]
    fn what_map_builds_and_what_text_costs_are_charged() {
        // Each item `map` adds is charged its weight: a list of two texts of
        // 8 bytes is 1 + 2 × (1 + 2) = 7 steps, on top of the range (2).
        let (out, used) = run("[1, 2].map(x, ['abcdefgh', 'abcdefgh'])", 100);
        assert!(out.is_ok(), "{out:?}");
        assert_eq!(used, 2 + 2 * 7);
        // `+` is charged the text it joins, a step per 4 bytes.
        assert_eq!(
            run("'abcdefgh' + 'abcd' == 'abcdefghabcd'", 100),
            (Ok(Value::Bool(true)), 2 + 1)
        );
        // `matches` is charged the text it scans.
        assert_eq!(
            run("'abcdefghabcdefgh'.matches('h$')", 100),
            (Ok(Value::Bool(true)), 4)
        );
        // Nested maps that copy a large value stop early, not at gigabytes.
        let big = format!("'{}'", "x".repeat(4000));
        let nested =
            format!("[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, {big} + {big}))");
        let (out, used) = run(&nested, 10_000);
        assert!(out.is_err(), "{out:?}");
        assert!(used > 10_000 && used < 20_000, "{used}");
    }

    #[test]
    fn a_pattern_from_data_is_charged_once_per_rule_by_its_size() {
        let _charged = patterns(Some(Patterns::default()));
        let [(_, small), (_, medium), (_, larger)] = PATTERN_TIERS;
        // Three distinct patterns compiled, one of them twice.
        assert_eq!(
            run(
                r#"["^a", "b$", "^a", "c"].all(p, "abc".matches(p) || true)"#,
                100_000
            ),
            (Ok(Value::Bool(true)), 4 + 3 * small as u64)
        );
        // Already compiled by this rule: only the range is charged.
        assert_eq!(
            run(r#"["^a"].all(p, matches("abc", p))"#, 100_000),
            (Ok(Value::Bool(true)), 1)
        );
        // By the size they compile to.
        assert_eq!(
            run(
                r#"["[a-z]{100}", "[a-z]{400}"].all(p, !"abc".matches(p))"#,
                100_000
            ),
            (Ok(Value::Bool(true)), 2 + (medium + larger) as u64)
        );
        // Too large to keep: charged each time it is compiled.
        let large = r#"["[a-z]{1000}", "[a-z]{1000}"].all(p, !"abc".matches(p))"#;
        assert_eq!(
            run(large, 1_000_000),
            (Ok(Value::Bool(true)), 2 + 2 * LARGE_PATTERN_STEPS as u64)
        );
        let (out, _) = run(r#"["("].all(p, "abc".matches(p))"#, 100_000);
        let error = format!("{out:?}");
        assert!(
            error.contains("`(` is not a valid regular expression"),
            "{error}"
        );
        let (out, used) = run(
            r#"["x{1}", "x{2}", "x{3}"].all(p, !"abc".matches(p))"#,
            1_500,
        );
        assert!(out.is_err() && used > 1_500, "{out:?} {used}");
    }

    #[test]
    fn literal_patterns_and_rules_without_a_scope_are_not_charged() {
        assert_eq!(
            run(
                r#"["^a", "c$"].all(p, "abc".matches(p)) && "abc".matches("c$")"#,
                100
            ),
            (Ok(Value::Bool(true)), 2)
        );
    }

    /// `map` and `filter` stay one pass: cel builds them in place only
    /// while their step is `@result + [x]`, which metering leaves alone.
    #[test]
    fn map_and_filter_keep_their_shape() {
        let program = Program::compile("[1, 2].map(x, x + 1).filter(y, y > 2)").unwrap();
        let mut expr = program.expression().clone();
        meter(&mut expr);
        let mut steps = Vec::new();
        let mut stack = vec![&expr];
        while let Some(node) = stack.pop() {
            match &node.expr {
                Expr::Comprehension(c) => {
                    steps.push(c.loop_step.clone());
                    stack.extend([&c.iter_range, &c.loop_step, &c.result]);
                }
                Expr::Call(call) => stack.extend(call.args.iter()),
                _ => {}
            }
        }
        // `@result + [x]`, or `cond ? @result + [x] : @result`.
        let appends = |e: &IdedExpr| {
            matches!(&e.expr, Expr::Call(c) if c.func_name == operators::ADD
                && matches!(&c.args[0].expr, Expr::Ident(n) if n == "@result"))
        };
        assert_eq!(steps.len(), 2);
        for step in steps {
            let shaped = appends(&step)
                || matches!(&step.expr, Expr::Call(c) if c.args.len() == 3 && appends(&c.args[1]));
            assert!(shaped, "{step:?}");
        }
    }

    #[test]
    fn outside_an_evaluation_nothing_is_limited() {
        assert!(charge(usize::MAX));
        assert!(charge(usize::MAX));
        assert!(!exhausted());
        end();
    }
}
