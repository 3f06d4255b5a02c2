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

use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr};
use cel::common::value::CowVal;
use cel::{Env, ExecutionError};
use std::cell::Cell;
use std::sync::{Arc, OnceLock};

/// Steps one rule may take on a manifest set by default
/// (`--max-rule-steps`): about a second on the fast path, some seconds in
/// the interpreter.
pub const MAX_STEPS: u64 = 20_000_000;

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

fn steps<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let range = args.pop().ok_or(ExecutionError::MissingArgumentOrTarget)?;
    let size = range
        .as_sizer()
        .map_or(0, |s| usize::try_from(*s.size().inner()).unwrap_or(0));
    if charge(size) {
        Ok(range)
    } else {
        Err(ExecutionError::function_error(
            FUNCTION,
            "the rule's evaluation budget is spent",
        ))
    }
}

/// Wraps every comprehension's range in `expr` in the charging function,
/// for the interpreter.
pub fn meter(expr: &mut IdedExpr) {
    let mut stack: Vec<&mut IdedExpr> = vec![expr];
    while let Some(node) = stack.pop() {
        match &mut node.expr {
            Expr::Comprehension(c) => {
                let range = std::mem::take(&mut c.iter_range);
                c.iter_range = IdedExpr {
                    id: range.id,
                    expr: Expr::Call(CallExpr {
                        func_name: FUNCTION.to_string(),
                        target: None,
                        args: vec![range],
                    }),
                };
                let Expr::Call(call) = &mut c.iter_range.expr else {
                    unreachable!("set just above")
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
        // map and filter keep their single-pass evaluation, and are charged.
        assert_eq!(
            run("[1, 2, 3].map(x, x * 2).filter(y, y > 2) == [4, 6]", 100),
            (Ok(Value::Bool(true)), 6)
        );
        assert_eq!(run("1 + 1 == 2", 0), (Ok(Value::Bool(true)), 0));
    }

    #[test]
    fn outside_an_evaluation_nothing_is_limited() {
        assert!(charge(usize::MAX));
        assert!(charge(usize::MAX));
        assert!(!exhausted());
        end();
    }
}
