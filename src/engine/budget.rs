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

use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, operators};
use cel::common::value::CowVal;
use cel::{Env, ExecutionError};
use std::cell::Cell;
use std::sync::{Arc, OnceLock};

/// Steps one rule may take on a manifest set by default
/// (`--max-rule-steps`): measured on a release build, 0.4 s on the fast
/// path and up to about 7 s in the interpreter, which is 17 times slower
/// per step on a pairwise comparison.
pub const MAX_STEPS: u64 = 5_000_000;

/// Why an evaluation stopped, after the expression.
pub const SPENT: &str = "was stopped: the rule's evaluation budget is spent";

/// The interpreter's charging function, wrapped around every range.
const FUNCTION: &str = "__privlint_steps";

thread_local! {
    /// Steps taken by, and allowed to, the evaluation running on this
    /// thread; unlimited outside one.
    static USED: Cell<u64> = const { Cell::new(0) };
    static LIMIT: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Starts an evaluation that may take `limit` steps on this thread.
pub fn begin(limit: u64) {
    USED.set(0);
    LIMIT.set(limit);
}

/// Ends the evaluation: the steps it took (more than its limit when it was
/// stopped). The thread is unlimited again.
pub fn end() -> u64 {
    let used = USED.get();
    begin(u64::MAX);
    used
}

/// Steps taken so far by the running evaluation.
pub fn used() -> u64 {
    USED.get()
}

/// Takes back the steps of an attempt made again (see [`used`]).
pub fn set_used(steps: u64) {
    USED.set(steps);
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

/// Runs `f` without charging the running evaluation (a debug build's
/// second opinion must not count twice).
pub fn apart<T>(f: impl FnOnce() -> T) -> T {
    let (used, limit) = (USED.get(), LIMIT.get());
    begin(u64::MAX);
    let out = f();
    USED.set(used);
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
        Arc::new(env)
    })
    .clone()
}

/// Charges a list or map its size and hands it back; other values are free.
fn steps<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let range = args.pop().ok_or(ExecutionError::MissingArgumentOrTarget)?;
    let size = match range.get_type().name() {
        "list" | "map" => range
            .as_sizer()
            .map_or(0, |s| usize::try_from(*s.size().inner()).unwrap_or(0)),
        _ => 0,
    };
    if charge(size) {
        Ok(range)
    } else {
        Err(ExecutionError::function_error(
            FUNCTION,
            "the rule's evaluation budget is spent",
        ))
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
                let internal = call
                    .args
                    .iter()
                    .any(|a| matches!(&a.expr, Expr::Ident(name) if name.starts_with('@')));
                if let Some((_, operands)) = WALKING
                    .iter()
                    .find(|(op, _)| *op == call.func_name && !internal)
                {
                    for &i in *operands {
                        if let Some(arg) = call.args.get_mut(i) {
                            wrap(arg);
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
    let inner = std::mem::take(expr);
    *expr = IdedExpr {
        id: inner.id,
        expr: Expr::Call(CallExpr {
            func_name: FUNCTION.to_string(),
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
        // map and filter are charged their ranges, and `==` both lists.
        assert_eq!(
            run("[1, 2, 3].map(x, x * 2).filter(y, y > 2) == [4, 6]", 100),
            (Ok(Value::Bool(true)), 3 + 3 + 2 + 2)
        );
        // `in` goes through its list each time.
        assert_eq!(
            run("[1, 2, 3].all(x, x in [1, 2, 3, 4])", 100),
            (Ok(Value::Bool(true)), 3 + 3 * 4)
        );
        assert_eq!(run("1 + 1 == 2", 0), (Ok(Value::Bool(true)), 0));
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
