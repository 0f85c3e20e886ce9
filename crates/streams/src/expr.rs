//! Expressions typed against a scope, and their evaluation over a row.
//!
//! Evaluation follows ksqlDB: a comparison with NULL is false in `WHERE`, arithmetic on NULL is
//! NULL, and an expression that fails on one row (an integer divided by zero, a string that is
//! not a number cast to INT) is NULL for that row rather than an error for the query.

use std::cmp::Ordering;

use crate::ast::{BinaryOp, Expr};
use crate::error::SqlError;
use crate::functions::{self, ScalarFunction};
use crate::schema::Scope;
use crate::types::{SqlType, Value};

/// A typed expression. `ty` is `None` only for a bare NULL literal, whose type comes from
/// where it is used.
#[derive(Debug, Clone, PartialEq)]
pub struct Typed {
    /// The expression's node.
    pub node: Node,
    /// Its type.
    pub ty: Option<SqlType>,
}

/// A node of a typed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// The value at this position of the row.
    Column(usize),
    /// A constant.
    Literal(Value),
    /// Arithmetic (or `+` of strings) in the result type.
    Arithmetic(BinaryOp, Box<Typed>, Box<Typed>),
    /// A comparison.
    Compare(BinaryOp, Box<Typed>, Box<Typed>),
    /// `AND`.
    And(Box<Typed>, Box<Typed>),
    /// `OR`.
    Or(Box<Typed>, Box<Typed>),
    /// `NOT`.
    Not(Box<Typed>),
    /// Unary minus.
    Negate(Box<Typed>),
    /// `IS [NOT] NULL`.
    IsNull(Box<Typed>, bool),
    /// `[NOT] BETWEEN`.
    Between(Box<Typed>, Box<Typed>, Box<Typed>, bool),
    /// `[NOT] IN`.
    InList(Box<Typed>, Vec<Typed>, bool),
    /// `[NOT] LIKE`.
    Like(Box<Typed>, Box<Typed>, Option<char>, bool),
    /// A searched CASE (a simple CASE is rewritten to one).
    Case(Vec<(Typed, Typed)>, Option<Box<Typed>>),
    /// `CAST`.
    Cast(Box<Typed>, SqlType),
    /// A scalar function.
    Call(ScalarFunction, Vec<Typed>),
}

fn type_name(ty: Option<SqlType>) -> String {
    ty.map_or("NULL".to_owned(), |t| t.to_string())
}

/// Types `expr` against `scope`. `clause` names where it stands, for "cannot be resolved".
pub fn compile(expr: &Expr, scope: &Scope, clause: &'static str) -> Result<Typed, SqlError> {
    let mismatch = |reason: String| SqlError::TypeMismatch {
        expression: expr.to_string(),
        reason,
    };
    let sub = |e: &Expr| compile(e, scope, clause).map(Box::new);
    Ok(match expr {
        Expr::Column { source, name } => {
            let i = scope.resolve(source.as_deref(), name, clause)?;
            Typed {
                node: Node::Column(i),
                ty: Some(scope.columns[i].ty),
            }
        }
        Expr::Literal(v) => Typed {
            ty: literal_type(v),
            node: Node::Literal(v.clone()),
        },
        Expr::Binary { op, left, right } => {
            let (l, r) = (sub(left)?, sub(right)?);
            match op {
                BinaryOp::And | BinaryOp::Or => {
                    for side in [&l, &r] {
                        if !matches!(side.ty, Some(SqlType::Boolean) | None) {
                            return Err(mismatch(format!(
                                "{} requires BOOLEAN operands, got {}",
                                op.symbol(),
                                type_name(side.ty)
                            )));
                        }
                    }
                    let node = if *op == BinaryOp::And {
                        Node::And(l, r)
                    } else {
                        Node::Or(l, r)
                    };
                    Typed {
                        node,
                        ty: Some(SqlType::Boolean),
                    }
                }
                op if op.is_comparison() => {
                    if l.ty.is_none() && r.ty.is_none() {
                        return Err(mismatch(format!(
                            "Comparison with NULL not supported: NULL {} NULL",
                            op.symbol()
                        )));
                    }
                    check_comparable(l.ty, r.ty, *op).map_err(mismatch)?;
                    Typed {
                        node: Node::Compare(*op, l, r),
                        ty: Some(SqlType::Boolean),
                    }
                }
                BinaryOp::Concat => {
                    for side in [&l, &r] {
                        if !matches!(side.ty, Some(SqlType::String) | None) {
                            return Err(mismatch(format!(
                                "|| requires STRING operands, got {}",
                                type_name(side.ty)
                            )));
                        }
                    }
                    Typed {
                        node: Node::Arithmetic(BinaryOp::Add, l, r),
                        ty: Some(SqlType::String),
                    }
                }
                op => {
                    let ty = arithmetic_type(*op, l.ty, r.ty).ok_or_else(|| {
                        mismatch(format!(
                            "Unsupported arithmetic types. {} {}",
                            type_name(l.ty),
                            type_name(r.ty)
                        ))
                    })?;
                    Typed {
                        node: Node::Arithmetic(*op, l, r),
                        ty,
                    }
                }
            }
        }
        Expr::Not(e) => {
            let e = sub(e)?;
            if !matches!(e.ty, Some(SqlType::Boolean) | None) {
                return Err(mismatch(format!(
                    "NOT requires a BOOLEAN operand, got {}",
                    type_name(e.ty)
                )));
            }
            Typed {
                node: Node::Not(e),
                ty: Some(SqlType::Boolean),
            }
        }
        Expr::Negate(e) => {
            let e = sub(e)?;
            if !e.ty.is_none_or(SqlType::is_numeric) {
                return Err(mismatch(format!(
                    "unary minus requires a number, got {}",
                    type_name(e.ty)
                )));
            }
            Typed {
                ty: e.ty,
                node: Node::Negate(e),
            }
        }
        Expr::IsNull { expr, negated } => Typed {
            node: Node::IsNull(sub(expr)?, *negated),
            ty: Some(SqlType::Boolean),
        },
        Expr::Between {
            expr,
            low,
            high,
            negated,
        } => {
            let (e, lo, hi) = (sub(expr)?, sub(low)?, sub(high)?);
            check_comparable(e.ty, lo.ty, BinaryOp::GtEq).map_err(mismatch)?;
            check_comparable(e.ty, hi.ty, BinaryOp::LtEq).map_err(mismatch)?;
            Typed {
                node: Node::Between(e, lo, hi, *negated),
                ty: Some(SqlType::Boolean),
            }
        }
        Expr::InList {
            expr,
            list,
            negated,
        } => {
            let e = sub(expr)?;
            let mut list = list
                .iter()
                .map(|x| compile(x, scope, clause))
                .collect::<Result<Vec<_>, _>>()?;
            // ksqlDB reads a quoted literal in an IN list as the tested type: 'TrUe', '2147483648'.
            if let Some(ty) = e.ty.filter(|t| *t != SqlType::String) {
                for item in &mut list {
                    if let Node::Literal(Value::String(text)) = &item.node {
                        let coerced = coerce_literal(text, ty)
                            .ok_or_else(|| mismatch(format!("'{text}' is not a {ty}")))?;
                        *item = Typed {
                            ty: literal_type(&coerced),
                            node: Node::Literal(coerced),
                        };
                    }
                }
            }
            for item in &list {
                check_comparable(e.ty, item.ty, BinaryOp::Eq).map_err(mismatch)?;
            }
            Typed {
                node: Node::InList(e, list, *negated),
                ty: Some(SqlType::Boolean),
            }
        }
        Expr::Like {
            expr,
            pattern,
            escape,
            negated,
        } => {
            let (e, p) = (sub(expr)?, sub(pattern)?);
            for side in [&e, &p] {
                if !matches!(side.ty, Some(SqlType::String) | None) {
                    return Err(mismatch(format!(
                        "LIKE requires STRING operands, got {}",
                        type_name(side.ty)
                    )));
                }
            }
            Typed {
                node: Node::Like(e, p, *escape, *negated),
                ty: Some(SqlType::Boolean),
            }
        }
        Expr::Case {
            operand,
            whens,
            otherwise,
        } => {
            let operand = operand
                .as_deref()
                .map(|o| compile(o, scope, clause))
                .transpose()?;
            let mut arms = Vec::new();
            let mut ty = None;
            for (when, then) in whens {
                let condition = match &operand {
                    Some(o) => {
                        let w = compile(when, scope, clause)?;
                        check_comparable(o.ty, w.ty, BinaryOp::Eq).map_err(mismatch)?;
                        Typed {
                            node: Node::Compare(BinaryOp::Eq, Box::new(o.clone()), Box::new(w)),
                            ty: Some(SqlType::Boolean),
                        }
                    }
                    None => {
                        let w = compile(when, scope, clause)?;
                        if !matches!(w.ty, Some(SqlType::Boolean) | None) {
                            return Err(mismatch(format!(
                                "WHEN operand type should be BOOLEAN, got {}",
                                type_name(w.ty)
                            )));
                        }
                        w
                    }
                };
                let then = compile(then, scope, clause)?;
                ty = unify(ty, then.ty).map_err(|_| {
                    mismatch(
                        "Invalid Case expression. Type for all 'THEN' clauses should be the same."
                            .to_owned(),
                    )
                })?;
                arms.push((condition, then));
            }
            let otherwise = otherwise
                .as_deref()
                .map(|e| compile(e, scope, clause))
                .transpose()?;
            if let Some(e) = &otherwise {
                ty = unify(ty, e.ty).map_err(|_| {
                    mismatch("Invalid Case expression. Type for the default clause should be the same as for 'THEN' clauses.".to_owned())
                })?;
            }
            Typed {
                node: Node::Case(arms, otherwise.map(Box::new)),
                ty,
            }
        }
        Expr::Cast { expr, ty } => {
            let e = sub(expr)?;
            if e.ty == Some(SqlType::Boolean) && ty.is_numeric()
                || e.ty.is_some_and(SqlType::is_numeric) && *ty == SqlType::Boolean
            {
                return Err(mismatch(format!(
                    "Cast of {} to {ty} is not supported",
                    type_name(e.ty)
                )));
            }
            Typed {
                node: Node::Cast(e, *ty),
                ty: Some(*ty),
            }
        }
        Expr::Function { name, args, star } => {
            if crate::aggregate::is_aggregate(name) {
                return Err(SqlError::BadAggregation(format!(
                    "Aggregate functions can not be used here: {expr}. Use them in the SELECT or HAVING of a GROUP BY query."
                )));
            }
            if *star {
                return Err(SqlError::BadArguments {
                    name: name.clone(),
                    args: "*".to_owned(),
                });
            }
            let args = args
                .iter()
                .map(|a| compile(a, scope, clause))
                .collect::<Result<Vec<_>, _>>()?;
            let types: Vec<Option<SqlType>> = args.iter().map(|a| a.ty).collect();
            let (function, ty) = functions::resolve(name, &types)?;
            Typed {
                node: Node::Call(function, args),
                ty,
            }
        }
    })
}

/// A quoted literal read as `ty`: booleans from any prefix of true/yes/false/no, numbers in the
/// narrowest type that holds them.
fn coerce_literal(text: &str, ty: SqlType) -> Option<Value> {
    let t = text.trim();
    match ty {
        SqlType::Boolean => {
            let lower = t.to_lowercase();
            if lower.is_empty() {
                None
            } else if "true".starts_with(&lower) || "yes".starts_with(&lower) {
                Some(Value::Boolean(true))
            } else if "false".starts_with(&lower) || "no".starts_with(&lower) {
                Some(Value::Boolean(false))
            } else {
                None
            }
        }
        SqlType::Double => t.parse().ok().map(Value::Double),
        SqlType::Int | SqlType::BigInt => crate::parser::number_literal(t),
        SqlType::String => Some(Value::String(text.to_owned())),
    }
}

/// The type of a literal; NULL has none.
pub fn literal_type(v: &Value) -> Option<SqlType> {
    match v {
        Value::Null => None,
        Value::Boolean(_) => Some(SqlType::Boolean),
        Value::Int(_) => Some(SqlType::Int),
        Value::BigInt(_) => Some(SqlType::BigInt),
        Value::Double(_) => Some(SqlType::Double),
        Value::String(_) => Some(SqlType::String),
    }
}

/// The common type of two branches: numbers widen, NULL takes the other's type.
pub(crate) fn unify(a: Option<SqlType>, b: Option<SqlType>) -> Result<Option<SqlType>, ()> {
    match (a, b) {
        (None, t) | (t, None) => Ok(t),
        (Some(x), Some(y)) if x == y => Ok(Some(x)),
        (Some(x), Some(y)) => x.widen(y).map(Some).ok_or(()),
    }
}

fn check_comparable(a: Option<SqlType>, b: Option<SqlType>, op: BinaryOp) -> Result<(), String> {
    let ok = match (a, b) {
        (None, _) | (_, None) => true,
        (Some(x), Some(y)) => x == y || (x.is_numeric() && y.is_numeric()),
    };
    let ordered =
        !matches!(a, Some(SqlType::Boolean)) || matches!(op, BinaryOp::Eq | BinaryOp::NotEq);
    if ok && ordered {
        Ok(())
    } else {
        Err(format!(
            "Cannot compare {} to {} with {}.",
            type_name(a),
            type_name(b),
            op.symbol()
        ))
    }
}

fn arithmetic_type(
    op: BinaryOp,
    a: Option<SqlType>,
    b: Option<SqlType>,
) -> Option<Option<SqlType>> {
    match (a, b) {
        (Some(SqlType::String), Some(SqlType::String) | None) | (None, Some(SqlType::String))
            if op == BinaryOp::Add =>
        {
            Some(Some(SqlType::String))
        }
        (None, None) => Some(None),
        (None, Some(t)) | (Some(t), None) if t.is_numeric() => Some(Some(t)),
        (Some(x), Some(y)) => x.widen(y).map(Some),
        _ => None,
    }
}

impl Typed {
    /// Whether the expression reads any column for which `f` holds (by row position).
    pub fn reads_column(&self, f: &dyn Fn(usize) -> bool) -> bool {
        let any = |v: &[&Typed]| v.iter().any(|t| t.reads_column(f));
        match &self.node {
            Node::Column(i) => f(*i),
            Node::Literal(_) => false,
            Node::Arithmetic(_, a, b)
            | Node::Compare(_, a, b)
            | Node::And(a, b)
            | Node::Or(a, b) => any(&[a, b]),
            Node::Not(a) | Node::Negate(a) | Node::IsNull(a, _) | Node::Cast(a, _) => {
                a.reads_column(f)
            }
            Node::Between(a, b, c, _) => any(&[a, b, c]),
            Node::InList(a, list, _) => a.reads_column(f) || list.iter().any(|t| t.reads_column(f)),
            Node::Like(a, b, _, _) => any(&[a, b]),
            Node::Case(arms, otherwise) => {
                arms.iter()
                    .any(|(w, t)| w.reads_column(f) || t.reads_column(f))
                    || otherwise.as_ref().is_some_and(|o| o.reads_column(f))
            }
            Node::Call(_, args) => args.iter().any(|t| t.reads_column(f)),
        }
    }

    /// The expression's value for `row`. A failure on this row is NULL, as in ksqlDB.
    pub fn eval(&self, row: &[Value]) -> Value {
        self.try_eval(row).unwrap_or(Value::Null)
    }

    /// Whether the row passes this condition: NULL and false both fail.
    pub fn test(&self, row: &[Value]) -> bool {
        matches!(self.eval(row), Value::Boolean(true))
    }

    fn try_eval(&self, row: &[Value]) -> Option<Value> {
        Some(match &self.node {
            Node::Column(i) => row.get(*i).cloned().unwrap_or(Value::Null),
            Node::Literal(v) => v.clone(),
            Node::Arithmetic(op, l, r) => {
                let (a, b) = (l.eval(row), r.eval(row));
                if a.is_null() || b.is_null() {
                    return Some(Value::Null);
                }
                arithmetic(*op, &a, &b, self.ty?)?
            }
            // A comparison with NULL is false, as in ksqlDB (Java), not unknown.
            Node::Compare(op, l, r) => match l.eval(row).sql_cmp(&r.eval(row)) {
                None => Value::Boolean(false),
                Some(o) => Value::Boolean(compare(*op, o)),
            },
            Node::And(l, r) => match (l.eval(row), r.eval(row)) {
                (Value::Boolean(false), _) | (_, Value::Boolean(false)) => Value::Boolean(false),
                (Value::Boolean(true), Value::Boolean(true)) => Value::Boolean(true),
                _ => Value::Null,
            },
            Node::Or(l, r) => match (l.eval(row), r.eval(row)) {
                (Value::Boolean(true), _) | (_, Value::Boolean(true)) => Value::Boolean(true),
                (Value::Boolean(false), Value::Boolean(false)) => Value::Boolean(false),
                _ => Value::Null,
            },
            Node::Not(e) => match e.eval(row) {
                Value::Boolean(b) => Value::Boolean(!b),
                _ => Value::Null,
            },
            Node::Negate(e) => match e.eval(row) {
                Value::Int(v) => Value::Int(v.wrapping_neg()),
                Value::BigInt(v) => Value::BigInt(v.wrapping_neg()),
                Value::Double(v) => Value::Double(-v),
                _ => Value::Null,
            },
            Node::IsNull(e, negated) => Value::Boolean(e.eval(row).is_null() != *negated),
            Node::Between(e, lo, hi, negated) => {
                let v = e.eval(row);
                match (v.sql_cmp(&lo.eval(row)), v.sql_cmp(&hi.eval(row))) {
                    (Some(a), Some(b)) => {
                        Value::Boolean((a != Ordering::Less && b != Ordering::Greater) != *negated)
                    }
                    _ => Value::Null,
                }
            }
            Node::InList(e, list, negated) => {
                let v = e.eval(row);
                if v.is_null() {
                    return Some(Value::Boolean(false));
                }
                let found = list
                    .iter()
                    .any(|x| v.sql_cmp(&x.eval(row)) == Some(Ordering::Equal));
                Value::Boolean(found != *negated)
            }
            Node::Like(e, p, escape, negated) => match (e.eval(row), p.eval(row)) {
                (Value::String(s), Value::String(p)) => {
                    Value::Boolean(like(&s, &p, *escape) != *negated)
                }
                _ => Value::Null,
            },
            Node::Case(arms, otherwise) => {
                for (condition, result) in arms {
                    if condition.test(row) {
                        return Some(coerce(result.eval(row), self.ty));
                    }
                }
                match otherwise {
                    Some(e) => coerce(e.eval(row), self.ty),
                    None => Value::Null,
                }
            }
            Node::Cast(e, ty) => cast(e.eval(row), *ty)?,
            Node::Call(f, args) => {
                let values: Vec<Value> = args.iter().map(|a| a.eval(row)).collect();
                functions::call(*f, &values, self.ty)?
            }
        })
    }
}

fn compare(op: BinaryOp, o: Ordering) -> bool {
    match op {
        BinaryOp::Eq => o == Ordering::Equal,
        BinaryOp::NotEq => o != Ordering::Equal,
        BinaryOp::Lt => o == Ordering::Less,
        BinaryOp::LtEq => o != Ordering::Greater,
        BinaryOp::Gt => o == Ordering::Greater,
        _ => o != Ordering::Less,
    }
}

/// Java's arithmetic in the result type: INT and BIGINT wrap, integer division truncates and
/// fails on zero (so the row's value is NULL), DOUBLE follows IEEE 754.
fn arithmetic(op: BinaryOp, a: &Value, b: &Value, ty: SqlType) -> Option<Value> {
    match ty {
        SqlType::String => Some(Value::String(format!("{}{}", a.to_text()?, b.to_text()?))),
        SqlType::Double => {
            let (x, y) = (a.as_f64()?, b.as_f64()?);
            Some(Value::Double(match op {
                BinaryOp::Add => x + y,
                BinaryOp::Subtract => x - y,
                BinaryOp::Multiply => x * y,
                BinaryOp::Divide => x / y,
                _ => x % y,
            }))
        }
        SqlType::Int => {
            let (x, y) = (
                i32::try_from(a.as_i64()?).ok()?,
                i32::try_from(b.as_i64()?).ok()?,
            );
            Some(Value::Int(match op {
                BinaryOp::Add => x.wrapping_add(y),
                BinaryOp::Subtract => x.wrapping_sub(y),
                BinaryOp::Multiply => x.wrapping_mul(y),
                BinaryOp::Divide => x.checked_div(y)?,
                _ => x.checked_rem(y)?,
            }))
        }
        SqlType::BigInt => {
            let (x, y) = (a.as_i64()?, b.as_i64()?);
            Some(Value::BigInt(match op {
                BinaryOp::Add => x.wrapping_add(y),
                BinaryOp::Subtract => x.wrapping_sub(y),
                BinaryOp::Multiply => x.wrapping_mul(y),
                BinaryOp::Divide => x.checked_div(y)?,
                _ => x.checked_rem(y)?,
            }))
        }
        SqlType::Boolean => None,
    }
}

/// A value widened to the type its expression has (an INT branch of a BIGINT CASE).
pub(crate) fn coerce(v: Value, ty: Option<SqlType>) -> Value {
    match (v, ty) {
        (Value::Int(x), Some(SqlType::BigInt)) => Value::BigInt(i64::from(x)),
        (Value::Int(x), Some(SqlType::Double)) => Value::Double(f64::from(x)),
        (Value::BigInt(x), Some(SqlType::Double)) => Value::Double(x as f64),
        (v, _) => v,
    }
}

/// `CAST(v AS ty)`, as ksqlDB casts: numbers convert (DOUBLE to an integer truncates), strings
/// parse (NULL when they do not), anything becomes its text.
pub fn cast(v: Value, ty: SqlType) -> Option<Value> {
    Some(match (v, ty) {
        (Value::Null, _) => Value::Null,
        (v, SqlType::String) => Value::String(v.to_text()?),
        (Value::String(s), SqlType::Int) => Value::Int(s.trim().parse().ok()?),
        (Value::String(s), SqlType::BigInt) => Value::BigInt(s.trim().parse().ok()?),
        (Value::String(s), SqlType::Double) => Value::Double(s.trim().parse().ok()?),
        (Value::String(s), SqlType::Boolean) => {
            Value::Boolean(s.trim().eq_ignore_ascii_case("true"))
        }
        (Value::Boolean(b), SqlType::Boolean) => Value::Boolean(b),
        (Value::Double(d), SqlType::Int) => Value::Int(d as i32),
        (Value::Double(d), SqlType::BigInt) => Value::BigInt(d as i64),
        (v, SqlType::Int) => Value::Int(v.as_i64()? as i32),
        (v, SqlType::BigInt) => Value::BigInt(v.as_i64()?),
        (v, SqlType::Double) => Value::Double(v.as_f64()?),
        _ => return None,
    })
}

/// SQL LIKE: `%` matches any run of characters, `_` exactly one; `escape` makes the next
/// character literal.
pub fn like(text: &str, pattern: &str, escape: Option<char>) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Any,
        One,
        Char(char),
    }
    let mut parts = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if Some(c) == escape {
            if let Some(next) = chars.next() {
                parts.push(P::Char(next));
            }
        } else if c == '%' {
            parts.push(P::Any);
        } else if c == '_' {
            parts.push(P::One);
        } else {
            parts.push(P::Char(c));
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Iterative matching with backtracking to the last `%`.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match parts.get(p) {
            Some(P::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(P::One) => {
                t += 1;
                p += 1;
            }
            Some(P::Any) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    parts[p..].iter().all(|x| *x == P::Any)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_matches_runs_and_single_characters() {
        assert!(like("hello", "h%o", None));
        assert!(like("hello", "_ello", None));
        assert!(!like("hello", "h_o", None));
        assert!(like("50%", "50!%", Some('!')));
        assert!(!like("500", "50!%", Some('!')));
        assert!(like("", "%", None));
        assert!(like("abcabc", "%abc", None));
    }

    #[test]
    fn casts_follow_ksqldb() {
        assert_eq!(cast(Value::Double(2.9), SqlType::Int), Some(Value::Int(2)));
        assert_eq!(
            cast(Value::String("12".into()), SqlType::BigInt),
            Some(Value::BigInt(12))
        );
        assert_eq!(cast(Value::String("x".into()), SqlType::Int), None);
        assert_eq!(
            cast(Value::Int(3), SqlType::String),
            Some(Value::String("3".into()))
        );
        assert_eq!(
            cast(Value::Double(3.0), SqlType::String),
            Some(Value::String("3.0".into()))
        );
    }
}
