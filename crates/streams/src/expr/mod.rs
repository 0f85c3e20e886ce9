//! Expressions typed against a scope, and their evaluation over a row.
//!
//! Evaluation follows ksqlDB: a comparison with NULL is false in `WHERE`, arithmetic on NULL is
//! NULL, and an expression that fails on one row (an integer divided by zero, a string that is
//! not a number cast to INT) is NULL for that row rather than an error for the query.//! `eval` evaluates a typed expression over a row.

mod eval;

pub(crate) use eval::coerce;
pub use eval::{cast, like};

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
