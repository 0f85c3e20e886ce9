//! Evaluating a typed expression over a row: NULL semantics, Java's arithmetic, casts, LIKE.

use std::cmp::Ordering;

use crate::ast::BinaryOp;
use crate::functions;
use crate::types::{SqlType, Value};

use super::{Node, Typed};

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
