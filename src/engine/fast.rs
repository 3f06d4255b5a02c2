//! A fast path for the CEL that rule conditions are mostly written in:
//! field access, literals, comparisons, `&&`, `||`, `!`, `?:`, `in`,
//! `size`, `has` and the `exists` / `all` comprehensions, evaluated over
//! borrowed entity values (or records that work fields out on access)
//! without allocating.
//!
//! It is exact or it declines: a part outside that subset (`exists_one`,
//! arithmetic, a function such as `matches`) is handed to the `cel`
//! interpreter, only when it is reached (`a && b.exists(…)` never asks when
//! `a` is false); and at run time any case whose meaning is not obvious (a
//! missing field, mixed types, floats, an error) returns `None`, and the
//! caller asks the interpreter for the whole expression. The interpreter
//! stays the reference: debug builds (the test suite, the fuzzers) run both
//! and assert they agree.

use cel::common::ast::operators as op;
use cel::common::ast::{Expr, IdedExpr, LiteralValue};
use cel::objects::KeyRef;
use cel::{ResolveResult, Value};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A condition compiled for the fast path. The built-in packs' conditions
/// are stored compiled (`builtin.json`), so a run that needs nothing else
/// never starts the CEL parser.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fast(Node);

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Node {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Str(String),
    Null,
    Var(String),
    Select(Box<Node>, String),
    Has(Box<Node>, String),
    List(Vec<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Cond(Box<[Node; 3]>),
    Eq(Box<[Node; 2]>, bool),
    Cmp(Box<[Node; 2]>, CmpOp),
    In(Box<[Node; 2]>),
    Size(Box<Node>),
    /// `text.matches("literal pattern")`, the pattern compiled once (the
    /// interpreter compiles it on every call, for every entity).
    Matches(Box<Node>, Pattern),
    /// A part left to the interpreter; it must give a boolean. Never
    /// stored: a condition with one is compiled at run time.
    #[serde(skip)]
    Slow(Box<IdedExpr>),
    /// `exists` and `all` are macros expanded into comprehensions over a
    /// list; the fast path runs those whose accumulator stays a scalar
    /// (`exists_one`, `filter` and `map` need arithmetic or lists).
    Comprehension(Box<Comprehension>),
    NotStrictlyFalse(Box<Node>),
}

/// A regular expression compiled as the `cel` interpreter compiles it
/// (`regex::Regex::new`), stored as its source.
#[derive(Clone, Debug)]
struct Pattern(regex::Regex);

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        regex::Regex::new(&source)
            .map(Pattern)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Comprehension {
    range: Node,
    iter_var: String,
    accu_var: String,
    init: Node,
    cond: Node,
    step: Node,
    result: Node,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    fn holds(self, order: Ordering) -> bool {
        match self {
            CmpOp::Lt => order.is_lt(),
            CmpOp::Le => order.is_le(),
            CmpOp::Gt => order.is_gt(),
            CmpOp::Ge => order.is_ge(),
        }
    }
}

/// Runs a sub-expression in the `cel` interpreter.
pub type Interpret<'i> = dyn Fn(&IdedExpr) -> ResolveResult + 'i;

/// What one evaluation reads: the variables, the interpreter, and the
/// variables bound by the comprehensions around (innermost first).
struct Env<'a, 'i, 'e> {
    vars: &'a [(&'a str, V<'a>)],
    interpret: &'a Interpret<'i>,
    /// The iteration variable and the accumulator of one comprehension.
    locals: [(&'a str, V<'a>); 2],
    outer: Option<&'e Env<'a, 'i, 'e>>,
}

impl<'a> Env<'a, '_, '_> {
    fn lookup(&self, name: &str) -> Option<V<'a>> {
        let mut env = Some(self);
        while let Some(e) = env {
            if let Some((_, v)) = e.locals.iter().find(|(n, _)| *n == name) {
                return Some(*v);
            }
            env = e.outer;
        }
        self.vars.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

/// An entity whose fields are worked out when read, so that evaluating a
/// rule does not first build it as a CEL map.
pub trait Record: Sync {
    /// The field's value, or `None` for the interpreter to decide (the
    /// field is absent, or not one the record serves itself).
    fn field(&self, name: &str) -> Option<V<'_>>;
    /// Whether the field is present, as `has()` asks.
    fn has(&self, name: &str) -> bool;
    /// The whole record as a CEL value, for records that are one.
    fn value(&self) -> Option<Value> {
        None
    }
    /// How many fields `size()` counts, where the record knows.
    fn size(&self) -> Option<usize> {
        None
    }
}

/// A CEL map with its fields sorted by name, read as a record: the fast
/// path finds a field by binary search instead of hashing its name (the
/// CEL map hashes with SipHash on every lookup, and rules read the
/// organisation, processors and regime facts on every flow).
pub struct IndexedMap {
    pub value: Value,
    fields: Option<Vec<(Box<str>, Value)>>,
}

impl IndexedMap {
    pub fn new(value: Value) -> IndexedMap {
        let fields = match &value {
            Value::Map(map) => {
                let mut fields: Vec<(Box<str>, Value)> = Vec::with_capacity(map.map.len());
                for (key, field) in map.map.iter() {
                    // A map with a key that is not a name is read by the interpreter.
                    let cel::objects::Key::String(name) = key else {
                        fields.clear();
                        break;
                    };
                    fields.push((Box::from(name.as_str()), field.clone()));
                }
                fields.sort_unstable_by(|a, b| by_length(&a.0, &b.0));
                (fields.len() == map.map.len()).then_some(fields)
            }
            _ => None,
        };
        IndexedMap { value, fields }
    }

    /// The value for the fast path: a record when it is a map of names.
    pub fn fast(&self) -> V<'_> {
        match self.fields {
            Some(_) => V::Record(self),
            None => V::Ref(&self.value),
        }
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        let fields = self.fields.as_deref()?;
        let at = fields.binary_search_by(|(n, _)| by_length(n, name)).ok()?;
        Some(&fields[at].1)
    }
}

/// Names ordered by length first: most comparisons in a search are then
/// settled without comparing bytes.
fn by_length(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Record for IndexedMap {
    fn field(&self, name: &str) -> Option<V<'_>> {
        self.lookup(name).map(V::Ref)
    }

    fn has(&self, name: &str) -> bool {
        self.lookup(name).is_some()
    }

    fn value(&self) -> Option<Value> {
        Some(self.value.clone())
    }

    fn size(&self) -> Option<usize> {
        self.fields.as_ref().map(Vec::len)
    }
}

/// A list of records (`activities` for an organisation's rules).
pub trait Records: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn get(&self, index: usize) -> &dyn Record;
}

impl<R: Record> Records for Vec<R> {
    fn len(&self) -> usize {
        <[R]>::len(self)
    }

    fn get(&self, index: usize) -> &dyn Record {
        &self[index]
    }
}

/// A list of strings held by the model (an activity's `data_categories`).
pub trait Strings: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn get(&self, index: usize) -> &str;
}

/// A value met while evaluating: borrowed from the entities or the
/// expression, or a small scalar.
#[derive(Clone, Copy)]
pub enum V<'a> {
    Ref(&'a Value),
    Record(&'a dyn Record),
    Records(&'a dyn Records),
    Strings(&'a dyn Strings),
    Bool(bool),
    Int(i64),
    UInt(u64),
    Str(&'a str),
    Null,
    /// A list literal of the expression.
    #[allow(private_interfaces)]
    List(&'a [Node]),
}

impl V<'_> {
    /// The value as CEL; `None` for a record or a list literal, which a
    /// record's field never is.
    pub fn to_value(self) -> Option<Value> {
        Some(match self {
            V::Ref(value) => value.clone(),
            V::Bool(b) => Value::Bool(b),
            V::Int(i) => Value::Int(i),
            V::UInt(u) => Value::UInt(u),
            V::Str(s) => Value::from(s),
            V::Null => Value::Null,
            V::Strings(list) => Value::List(
                (0..list.len())
                    .map(|i| Value::from(list.get(i)))
                    .collect::<Vec<_>>()
                    .into(),
            ),
            V::Record(record) => return record.value(),
            V::Records(_) | V::List(_) => return None,
        })
    }
}

/// A scalar, for comparisons.
#[derive(PartialEq, PartialOrd)]
enum Scalar<'a> {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Str(&'a str),
    Null,
}

impl Fast {
    /// Compiles `expr` unless none of it is within the fast path's subset.
    pub fn compile(expr: &IdedExpr) -> Option<Fast> {
        match compile(expr, 0) {
            Node::Slow(_) => None,
            node => Some(Fast(node)),
        }
    }

    /// Whether nothing in it is left to the interpreter, so it can be stored.
    pub fn is_complete(&self) -> bool {
        self.0.is_complete()
    }

    /// Whether every variable it reads passes `allowed(name, field)`, where
    /// `field` is the field selected on the variable itself (`name.field`,
    /// or `has(name.field)`), `None` when the variable is used whole.
    /// Anything left to the interpreter is assumed to read everything.
    pub fn reads_only(&self, allowed: &dyn Fn(&str, Option<&str>) -> bool) -> bool {
        self.0.reads_only(allowed, &mut Vec::new())
    }

    /// Evaluates to a boolean, or `None` for the interpreter to decide.
    pub fn eval(&self, vars: &[(&str, V<'_>)], interpret: &Interpret<'_>) -> Option<bool> {
        let env = Env {
            vars,
            interpret,
            locals: [("", V::Null), ("", V::Null)],
            outer: None,
        };
        match eval(&self.0, &env)? {
            V::Bool(b) => Some(b),
            V::Ref(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }
}

impl Node {
    /// See [`Fast::reads_only`]; `locals` are the comprehension variables in scope.
    fn reads_only<'n>(
        &'n self,
        allowed: &dyn Fn(&str, Option<&str>) -> bool,
        locals: &mut Vec<&'n str>,
    ) -> bool {
        match self {
            Node::Slow(_) => false,
            Node::Bool(_) | Node::Int(_) | Node::UInt(_) | Node::Str(_) | Node::Null => true,
            Node::Var(name) => locals.contains(&name.as_str()) || allowed(name, None),
            Node::Select(operand, field) | Node::Has(operand, field) => match &**operand {
                Node::Var(name) if !locals.contains(&name.as_str()) => allowed(name, Some(field)),
                operand => operand.reads_only(allowed, locals),
            },
            Node::Not(n) | Node::Size(n) | Node::Matches(n, _) | Node::NotStrictlyFalse(n) => {
                n.reads_only(allowed, locals)
            }
            Node::And(a, b) | Node::Or(a, b) => {
                a.reads_only(allowed, locals) && b.reads_only(allowed, locals)
            }
            Node::List(items) => items.iter().all(|n| n.reads_only(allowed, locals)),
            Node::Cond(parts) => parts.iter().all(|n| n.reads_only(allowed, locals)),
            Node::Eq(sides, _) | Node::Cmp(sides, _) | Node::In(sides) => {
                sides.iter().all(|n| n.reads_only(allowed, locals))
            }
            Node::Comprehension(c) => {
                if !(c.range.reads_only(allowed, locals) && c.init.reads_only(allowed, locals)) {
                    return false;
                }
                let depth = locals.len();
                locals.extend([c.iter_var.as_str(), c.accu_var.as_str()]);
                let inner = [&c.cond, &c.step, &c.result]
                    .iter()
                    .all(|n| n.reads_only(allowed, locals));
                locals.truncate(depth);
                inner
            }
        }
    }

    fn is_complete(&self) -> bool {
        match self {
            Node::Slow(_) => false,
            Node::Bool(_) | Node::Int(_) | Node::UInt(_) | Node::Str(_) | Node::Null => true,
            Node::Var(_) => true,
            Node::Select(n, _) | Node::Has(n, _) | Node::Not(n) | Node::Size(n) => n.is_complete(),
            Node::Matches(n, _) => n.is_complete(),
            Node::NotStrictlyFalse(n) => n.is_complete(),
            Node::And(a, b) | Node::Or(a, b) => a.is_complete() && b.is_complete(),
            Node::List(items) => items.iter().all(Node::is_complete),
            Node::Cond(parts) => parts.iter().all(Node::is_complete),
            Node::Eq(sides, _) | Node::Cmp(sides, _) | Node::In(sides) => {
                sides.iter().all(Node::is_complete)
            }
            Node::Comprehension(c) => [&c.range, &c.init, &c.cond, &c.step, &c.result]
                .iter()
                .all(|n| n.is_complete()),
        }
    }
}

const MAX_DEPTH: usize = 64;

fn literal_pattern(expr: &IdedExpr) -> Option<Pattern> {
    match &expr.expr {
        Expr::Literal(LiteralValue::String(source)) => regex::Regex::new(source).ok().map(Pattern),
        _ => None,
    }
}

fn boxed2(a: &IdedExpr, b: &IdedExpr, depth: usize) -> Option<Box<[Node; 2]>> {
    Some(Box::new([exact(a, depth)?, exact(b, depth)?]))
}

/// Compiles `expr`, leaving what is outside the subset to the interpreter.
fn compile(expr: &IdedExpr, depth: usize) -> Node {
    exact(expr, depth).unwrap_or_else(|| {
        let mut slow = expr.clone();
        super::budget::meter(&mut slow);
        Node::Slow(Box::new(slow))
    })
}

/// Compiles `expr` for the fast path, or `None`. Only boolean operands
/// (of `&&`, `||`, `!`) may be left to the interpreter: a value of another
/// type would have to be owned.
fn exact(expr: &IdedExpr, depth: usize) -> Option<Node> {
    if depth > MAX_DEPTH {
        return None;
    }
    let depth = depth + 1;
    Some(match &expr.expr {
        Expr::Literal(literal) => match literal {
            LiteralValue::Boolean(b) => Node::Bool(*b.inner()),
            LiteralValue::Int(i) => Node::Int(*i.inner()),
            LiteralValue::UInt(u) => Node::UInt(*u.inner()),
            LiteralValue::String(s) => Node::Str(s.inner().to_string()),
            LiteralValue::Null => Node::Null,
            LiteralValue::Double(_) | LiteralValue::Bytes(_) => return None,
        },
        Expr::Ident(name) => Node::Var(name.clone()),
        Expr::Select(select) => {
            let operand = Box::new(exact(&select.operand, depth)?);
            if select.test {
                Node::Has(operand, select.field.clone())
            } else {
                Node::Select(operand, select.field.clone())
            }
        }
        Expr::List(list) if list.optional_indices.is_empty() => Node::List(
            list.elements
                .iter()
                .map(|e| exact(e, depth))
                .collect::<Option<_>>()?,
        ),
        Expr::Call(call) => {
            let args = &call.args;
            match (call.func_name.as_str(), &call.target, args.len()) {
                (op::LOGICAL_AND, None, 2) => Node::And(
                    Box::new(compile(&args[0], depth)),
                    Box::new(compile(&args[1], depth)),
                ),
                (op::LOGICAL_OR, None, 2) => Node::Or(
                    Box::new(compile(&args[0], depth)),
                    Box::new(compile(&args[1], depth)),
                ),
                (op::LOGICAL_NOT, None, 1) => Node::Not(Box::new(compile(&args[0], depth))),
                (op::CONDITIONAL, None, 3) => Node::Cond(Box::new([
                    compile(&args[0], depth),
                    exact(&args[1], depth)?,
                    exact(&args[2], depth)?,
                ])),
                (op::EQUALS, None, 2) => Node::Eq(boxed2(&args[0], &args[1], depth)?, true),
                (op::NOT_EQUALS, None, 2) => Node::Eq(boxed2(&args[0], &args[1], depth)?, false),
                (op::LESS, None, 2) => Node::Cmp(boxed2(&args[0], &args[1], depth)?, CmpOp::Lt),
                (op::LESS_EQUALS, None, 2) => {
                    Node::Cmp(boxed2(&args[0], &args[1], depth)?, CmpOp::Le)
                }
                (op::GREATER, None, 2) => Node::Cmp(boxed2(&args[0], &args[1], depth)?, CmpOp::Gt),
                (op::GREATER_EQUALS, None, 2) => {
                    Node::Cmp(boxed2(&args[0], &args[1], depth)?, CmpOp::Ge)
                }
                (op::IN, None, 2) => Node::In(boxed2(&args[0], &args[1], depth)?),
                ("size", None, 1) => Node::Size(Box::new(exact(&args[0], depth)?)),
                // An invalid pattern is left to the interpreter, which reports it.
                ("matches", Some(target), 1) => {
                    Node::Matches(Box::new(exact(target, depth)?), literal_pattern(&args[0])?)
                }
                ("matches", None, 2) => Node::Matches(
                    Box::new(exact(&args[0], depth)?),
                    literal_pattern(&args[1])?,
                ),
                ("size", Some(target), 0) => Node::Size(Box::new(exact(target, depth)?)),
                (op::NOT_STRICTLY_FALSE, None, 1) => {
                    Node::NotStrictlyFalse(Box::new(exact(&args[0], depth)?))
                }
                _ => return None,
            }
        }
        Expr::Comprehension(c) if c.iter_var2.is_none() => {
            Node::Comprehension(Box::new(Comprehension {
                range: exact(&c.iter_range, depth)?,
                iter_var: c.iter_var.clone(),
                accu_var: c.accu_var.clone(),
                init: exact(&c.accu_init, depth)?,
                cond: exact(&c.loop_cond, depth)?,
                step: exact(&c.loop_step, depth)?,
                result: exact(&c.result, depth)?,
            }))
        }
        _ => return None,
    })
}

/// Runs a comprehension over a list; its accumulator must stay a scalar.
fn comprehension<'a>(c: &'a Comprehension, env: &Env<'a, '_, '_>) -> Option<V<'a>> {
    let items: Vec<V<'a>> = match eval(&c.range, env)? {
        V::Ref(Value::List(items)) => items.iter().map(V::Ref).collect(),
        V::Records(records) => (0..records.len())
            .map(|i| V::Record(records.get(i)))
            .collect(),
        V::Strings(strings) => (0..strings.len()).map(|i| V::Str(strings.get(i))).collect(),
        V::List(nodes) => nodes.iter().map(|n| eval(n, env)).collect::<Option<_>>()?,
        _ => return None,
    };
    // Charged as the interpreter charges it (see `budget`).
    if !super::budget::charge(items.len()) {
        return None;
    }
    let mut accu = eval(&c.init, env)?;
    for item in items {
        let inner = Env {
            vars: env.vars,
            interpret: env.interpret,
            locals: [(&c.iter_var, item), (&c.accu_var, accu)],
            outer: Some(env),
        };
        if !truth(&c.cond, &inner)? {
            break;
        }
        accu = eval(&c.step, &inner)?;
        if !matches!(accu, V::Bool(_) | V::Int(_) | V::UInt(_)) {
            return None;
        }
    }
    let done = Env {
        vars: env.vars,
        interpret: env.interpret,
        locals: [(&c.accu_var, accu), ("", V::Null)],
        outer: Some(env),
    };
    eval(&c.result, &done)
}

fn eval<'a>(node: &'a Node, env: &Env<'a, '_, '_>) -> Option<V<'a>> {
    Some(match node {
        Node::Bool(b) => V::Bool(*b),
        Node::Int(i) => V::Int(*i),
        Node::UInt(u) => V::UInt(*u),
        Node::Str(s) => V::Str(s),
        Node::Null => V::Null,
        Node::Var(name) => env.lookup(name)?,
        Node::Select(operand, field) => match operand_of(operand, env)? {
            V::Ref(Value::Map(map)) => V::Ref(map.get(&KeyRef::String(field))?),
            V::Record(record) => record.field(field)?,
            _ => return None,
        },
        Node::Has(operand, field) => match operand_of(operand, env)? {
            V::Ref(Value::Map(map)) => V::Bool(map.get(&KeyRef::String(field)).is_some()),
            V::Record(record) => V::Bool(record.has(field)),
            _ => return None,
        },
        Node::List(items) => V::List(items),
        // CEL's `&&` and `||` are commutative over errors; declining when
        // either side is unclear leaves those cases to the interpreter.
        Node::And(a, b) => V::Bool(truth(a, env)? && truth(b, env)?),
        Node::Or(a, b) => V::Bool(truth(a, env)? || truth(b, env)?),
        Node::Not(a) => V::Bool(!truth(a, env)?),
        Node::Cond(parts) => {
            let [c, then, otherwise] = &**parts;
            if truth(c, env)? {
                eval(then, env)?
            } else {
                eval(otherwise, env)?
            }
        }
        Node::Eq(sides, equal) => {
            let (a, b) = (scalar(&sides[0], env)?, scalar(&sides[1], env)?);
            if std::mem::discriminant(&a) != std::mem::discriminant(&b) {
                return None;
            }
            V::Bool((a == b) == *equal)
        }
        Node::Cmp(sides, op) => {
            let (a, b) = (scalar(&sides[0], env)?, scalar(&sides[1], env)?);
            match (&a, &b) {
                (Scalar::Int(_), Scalar::Int(_))
                | (Scalar::UInt(_), Scalar::UInt(_))
                | (Scalar::Str(_), Scalar::Str(_)) => V::Bool(op.holds(a.partial_cmp(&b)?)),
                _ => return None,
            }
        }
        Node::In(sides) => {
            let needle = scalar(&sides[0], env)?;
            let mut found = false;
            let mut check = |item: Scalar| {
                if std::mem::discriminant(&item) != std::mem::discriminant(&needle) {
                    return None;
                }
                found |= item == needle;
                Some(())
            };
            let haystack = eval(&sides[1], env)?;
            // Charged as the interpreter charges it (see `budget`).
            let length = match &haystack {
                V::List(items) => items.len(),
                V::Ref(Value::List(items)) => items.len(),
                V::Strings(strings) => strings.len(),
                _ => 0,
            };
            if !super::budget::charge(length) {
                return None;
            }
            match haystack {
                V::List(items) => {
                    for item in items {
                        check(scalar(item, env)?)?;
                    }
                }
                V::Ref(Value::List(items)) => {
                    for item in items.iter() {
                        check(scalar_of(V::Ref(item))?)?;
                    }
                }
                V::Strings(strings) => {
                    for i in 0..strings.len() {
                        check(Scalar::Str(strings.get(i)))?;
                    }
                }
                _ => return None,
            }
            V::Bool(found)
        }
        Node::Size(operand) => {
            let size = match eval(operand, env)? {
                V::Str(s) => s.chars().count(),
                // Its items are evaluated, as the interpreter does (and
                // charged, if they go through lists).
                V::List(items) => {
                    for item in items {
                        eval(item, env)?;
                    }
                    items.len()
                }
                V::Ref(Value::String(s)) => s.chars().count(),
                V::Ref(Value::List(items)) => items.len(),
                V::Ref(Value::Map(map)) => map.map.len(),
                V::Record(record) => record.size()?,
                V::Records(records) => records.len(),
                V::Strings(strings) => strings.len(),
                _ => return None,
            };
            V::Int(i64::try_from(size).ok()?)
        }
        Node::Comprehension(c) => comprehension(c, env)?,
        Node::Matches(text, pattern) => {
            let text: &str = match eval(text, env)? {
                V::Str(s) => s,
                V::Ref(Value::String(s)) => s,
                _ => return None,
            };
            // Charged as the interpreter charges it (see `budget`).
            if !super::budget::charge_text(text.len()) {
                return None;
            }
            V::Bool(pattern.0.is_match(text))
        }
        Node::NotStrictlyFalse(inner) => V::Bool(truth(inner, env)?),
        Node::Slow(expr) => match (env.interpret)(expr) {
            Ok(Value::Bool(b)) => V::Bool(b),
            _ => return None,
        },
    })
}

/// [`eval`] for what most operands are, a literal or a variable, without
/// the call (a third of the calls on a large set).
#[inline(always)]
fn operand_of<'a>(node: &'a Node, env: &Env<'a, '_, '_>) -> Option<V<'a>> {
    match node {
        Node::Var(name) => env.lookup(name),
        Node::Str(s) => Some(V::Str(s)),
        _ => eval(node, env),
    }
}

fn truth(node: &Node, env: &Env<'_, '_, '_>) -> Option<bool> {
    match eval(node, env)? {
        V::Bool(b) | V::Ref(&Value::Bool(b)) => Some(b),
        _ => None,
    }
}

fn scalar<'a>(node: &'a Node, env: &Env<'a, '_, '_>) -> Option<Scalar<'a>> {
    scalar_of(operand_of(node, env)?)
}

fn scalar_of(value: V<'_>) -> Option<Scalar<'_>> {
    Some(match value {
        V::Bool(b) | V::Ref(&Value::Bool(b)) => Scalar::Bool(b),
        V::Int(i) | V::Ref(&Value::Int(i)) => Scalar::Int(i),
        V::UInt(u) | V::Ref(&Value::UInt(u)) => Scalar::UInt(u),
        V::Str(s) => Scalar::Str(s),
        V::Ref(Value::String(s)) => Scalar::Str(s),
        V::Null | V::Ref(Value::Null) => Scalar::Null,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cel::{Context, Program};
    use std::collections::HashMap;

    fn entity() -> Value {
        let mut map: HashMap<String, Value> = HashMap::new();
        map.insert("basis".into(), Value::from("consent"));
        map.insert("special".into(), Value::Bool(true));
        map.insert("headcount".into(), Value::Int(300));
        map.insert("purposes".into(), vec![Value::from("ads")].into());
        map.insert("ratio".into(), Value::Float(0.5));
        Value::Map(map.into())
    }

    /// The fast path's answer and the interpreter's, for one expression.
    fn both(source: &str) -> (Option<bool>, Option<bool>) {
        let program = Program::compile(source).unwrap();
        let value = entity();
        let mut context = Context::with_env(crate::engine::budget::env());
        context.add_variable_from_value("a", value.clone());
        let interpret = |e: &IdedExpr| Value::resolve(e, &context);
        let fast = Fast::compile(program.expression())
            .and_then(|f| f.eval(&[("a", V::Ref(&value))], &interpret));
        let slow = match program.execute(&context) {
            Ok(Value::Bool(b)) => Some(b),
            _ => None,
        };
        (fast, slow)
    }

    /// What `reads_only` sees: the variable and the field selected on it,
    /// comprehension variables excepted, nothing through the interpreter.
    #[test]
    fn reads_only_names_each_variable_and_its_field() {
        let allowed = |var: &str, field: Option<&str>| {
            var == "today" || (var == "t" && matches!(field, Some("facts" | "country")))
        };
        let reads_only = |source: &str| {
            let program = Program::compile(source).unwrap();
            Fast::compile(program.expression()).is_some_and(|f| f.reads_only(&allowed))
        };
        for yes in [
            r#"t.facts.adequate && today >= "2023-09-01""#,
            r#"has(t.country) && t.country in ["US", "CH"]"#,
            r#"t.facts.list.exists(x, x == t.country)"#,
            r#"t.facts.list.all(t, t.anything)"#,
        ] {
            assert!(reads_only(yes), "{yes}");
        }
        for no in [
            r#"t.tia != """#,
            r#"t == t"#,
            r#"a.basis == "consent" || t.facts.adequate"#,
            r#"[1, 2].exists(x, t.tia == "")"#,
            r#"t.facts.list.exists(x, x == t.tia)"#,
            // Arithmetic is left to the interpreter.
            r#"t.facts.count + 1 > 2"#,
        ] {
            assert!(!reads_only(no), "{no}");
        }
    }

    /// A map read as a record answers like the map itself, `size()` too.
    #[test]
    fn an_indexed_map_reads_like_its_map() {
        let value = entity();
        let record = IndexedMap::new(value.clone());
        for source in [
            "size(a) == 5",
            r#"a.basis == "consent" && has(a.special) && !has(a.missing)"#,
            r#""ads" in a.purposes"#,
        ] {
            let program = Program::compile(source).unwrap();
            let mut context = Context::with_env(crate::engine::budget::env());
            context.add_variable_from_value("a", value.clone());
            let interpret = |e: &IdedExpr| Value::resolve(e, &context);
            let fast = Fast::compile(program.expression())
                .and_then(|f| f.eval(&[("a", record.fast())], &interpret));
            assert_eq!(fast, Some(true), "{source}");
        }
    }

    #[test]
    fn agrees_with_the_interpreter_where_it_answers() {
        for source in [
            r#"a.basis == "consent""#,
            r#"a.basis != "consent" || a.special"#,
            r#"a.headcount >= 250 && !a.special"#,
            r#"a.basis in ["consent", "contract"]"#,
            r#""ads" in a.purposes"#,
            "size(a.purposes) == 1 && a.basis.size() == 7",
            "has(a.basis) && !has(a.nothing)",
            r#"a.special ? a.basis == "x" : true"#,
            r#""2023-09-01" < "2024-01-01""#,
            r#"a.special && a.purposes.exists(p, p == "ads")"#,
            r#"a.headcount < 10 && a.purposes.exists(p, p == "ads")"#,
            r#"a.purposes.exists(p, p == "ads")"#,
            r#"a.purposes.all(p, p != "ads")"#,
            r#"[1, 2, 3].exists(x, x > 2 && [4].all(y, y > x))"#,
            r#"!a.basis.startsWith("con") || a.special"#,
            r#"a.basis.matches("^con[a-z]+$")"#,
            r#"matches(a.basis, "sent") && !a.basis.matches("^x")"#,
        ] {
            let (fast, slow) = both(source);
            assert!(fast.is_some(), "`{source}` should take the fast path");
            assert_eq!(fast, slow, "`{source}`");
        }
    }

    #[test]
    fn declines_what_it_cannot_answer_exactly() {
        for source in [
            "a.missing == 1",
            r#"a.headcount == "300""#,
            "a.ratio > 0",
            "a.headcount + 1 > 2",
            r#"a.basis.startsWith("con")"#,
            "a.headcount",
            r#"a.special && a.missing.exists(p, p == "ads")"#,
            r#"a.purposes.exists_one(p, p == "ads")"#,
            r#"size(a.purposes.filter(p, p == "ads")) == 1"#,
            r#"a.basis.matches("(unclosed")"#,
            r#"a.headcount.matches("3")"#,
        ] {
            let (fast, _) = both(source);
            assert_eq!(fast, None, "`{source}` should be left to the interpreter");
        }
    }
}
