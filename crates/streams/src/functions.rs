//! ksqlDB's scalar functions: strings (UCASE, LCASE, LEN, CONCAT, SUBSTRING, TRIM, REPLACE),
//! numbers (ABS, ROUND, FLOOR, CEIL) and nulls (COALESCE, IFNULL). Each returns NULL when a
//! required argument is NULL, as ksqlDB's do.

use crate::error::SqlError;
use crate::expr::{coerce, unify};
use crate::types::{SqlType, Value};

/// A scalar function, resolved for its argument types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarFunction {
    /// `UCASE(s)`.
    Ucase,
    /// `LCASE(s)`.
    Lcase,
    /// `LEN(s)`: the number of characters.
    Len,
    /// `CONCAT(s, …)`: NULL arguments are skipped.
    Concat,
    /// `SUBSTRING(s, pos [, len])`: 1-based; a negative position counts from the end.
    Substring,
    /// `TRIM(s)`.
    Trim,
    /// `REPLACE(s, old, new)`.
    Replace,
    /// `ABS(n)`.
    Abs,
    /// `ROUND(n)` and `ROUND(n, places)`.
    Round,
    /// `FLOOR(n)`.
    Floor,
    /// `CEIL(n)`.
    Ceil,
    /// `COALESCE(a, …)` and `IFNULL(a, b)`: the first non-NULL argument.
    Coalesce,
}

fn names(types: &[Option<SqlType>]) -> String {
    types
        .iter()
        .map(|t| t.map_or("NULL".to_owned(), |t| t.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a scalar function of that (upper-case) name exists.
pub fn exists(name: &str) -> bool {
    !matches!(resolve(name, &[]), Err(SqlError::UnknownFunction(_)))
}

/// The function `name` for arguments of `types`, with its result type.
pub fn resolve(
    name: &str,
    types: &[Option<SqlType>],
) -> Result<(ScalarFunction, Option<SqlType>), SqlError> {
    use ScalarFunction as F;
    use SqlType as T;
    let bad = || SqlError::BadArguments {
        name: name.to_owned(),
        args: names(types),
    };
    let is = |t: Option<SqlType>, want: SqlType| t.is_none() || t == Some(want);
    let numeric = |t: Option<SqlType>| t.is_none_or(SqlType::is_numeric);
    let function = match name {
        "UCASE" | "LCASE" | "TRIM" => {
            if types.len() != 1 || !is(types[0], T::String) {
                return Err(bad());
            }
            let f = match name {
                "UCASE" => F::Ucase,
                "LCASE" => F::Lcase,
                _ => F::Trim,
            };
            (f, Some(T::String))
        }
        "LEN" => {
            if types.len() != 1 || !is(types[0], T::String) {
                return Err(bad());
            }
            (F::Len, Some(T::Int))
        }
        "CONCAT" => {
            if types.is_empty() || !types.iter().all(|t| is(*t, T::String)) {
                return Err(bad());
            }
            (F::Concat, Some(T::String))
        }
        "SUBSTRING" => {
            if !(2..=3).contains(&types.len())
                || !is(types[0], T::String)
                || !types[1..].iter().all(|t| is(*t, T::Int))
            {
                return Err(bad());
            }
            (F::Substring, Some(T::String))
        }
        "REPLACE" => {
            if types.len() != 3 || !types.iter().all(|t| is(*t, T::String)) {
                return Err(bad());
            }
            (F::Replace, Some(T::String))
        }
        "ABS" | "FLOOR" | "CEIL" => {
            if types.len() != 1 || !numeric(types[0]) {
                return Err(bad());
            }
            let f = match name {
                "ABS" => F::Abs,
                "FLOOR" => F::Floor,
                _ => F::Ceil,
            };
            (f, types[0])
        }
        "ROUND" => match types {
            [t] if numeric(*t) => (
                F::Round,
                Some(if *t == Some(T::Int) {
                    T::Int
                } else {
                    T::BigInt
                }),
            ),
            [t, p] if numeric(*t) && is(*p, T::Int) => (F::Round, Some(T::Double)),
            _ => return Err(bad()),
        },
        "COALESCE" | "IFNULL" => {
            if types.is_empty() || (name == "IFNULL" && types.len() != 2) {
                return Err(bad());
            }
            let mut ty = None;
            for t in types {
                ty = unify(ty, *t).map_err(|_| bad())?;
            }
            (F::Coalesce, ty)
        }
        _ => return Err(SqlError::UnknownFunction(name.to_owned())),
    };
    Ok(function)
}

fn text(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    v.as_i64()
}

/// Calls `f` on evaluated arguments; `None` (a NULL result) when an argument is NULL.
pub fn call(f: ScalarFunction, args: &[Value], ty: Option<SqlType>) -> Option<Value> {
    use ScalarFunction as F;
    Some(match f {
        F::Ucase => Value::String(text(args.first()?)?.to_uppercase()),
        F::Lcase => Value::String(text(args.first()?)?.to_lowercase()),
        F::Len => Value::Int(i32::try_from(text(args.first()?)?.chars().count()).ok()?),
        F::Trim => Value::String(
            text(args.first()?)?
                .trim_matches(|c: char| c <= ' ')
                .to_owned(),
        ),
        F::Concat => Value::String(args.iter().filter_map(text).collect()),
        F::Substring => {
            let s: Vec<char> = text(args.first()?)?.chars().collect();
            let len = s.len() as i64;
            let pos = int(args.get(1)?)?;
            let start = if pos >= 0 {
                (pos - 1).clamp(0, len)
            } else {
                (len + pos).max(0)
            };
            let end = match args.get(2) {
                None => len,
                Some(l) => {
                    let l = int(l)?;
                    if l < 0 {
                        return Some(Value::String(String::new()));
                    }
                    (start + l).clamp(0, len)
                }
            };
            Value::String(s[start as usize..end.max(start) as usize].iter().collect())
        }
        F::Replace => {
            let (s, old, new) = (
                text(args.first()?)?,
                text(args.get(1)?)?,
                text(args.get(2)?)?,
            );
            Value::String(s.replace(old, new))
        }
        F::Abs => match args.first()? {
            Value::Int(v) => Value::Int(v.wrapping_abs()),
            Value::BigInt(v) => Value::BigInt(v.wrapping_abs()),
            Value::Double(v) => Value::Double(v.abs()),
            _ => return None,
        },
        F::Floor | F::Ceil => match args.first()? {
            Value::Double(v) => Value::Double(if f == F::Floor { v.floor() } else { v.ceil() }),
            v @ (Value::Int(_) | Value::BigInt(_)) => v.clone(),
            _ => return None,
        },
        F::Round => match (args.first()?, args.get(1)) {
            (Value::Double(v), None) => Value::BigInt(java_round(*v)),
            (v @ Value::Int(_), None) => v.clone(),
            (v @ Value::BigInt(_), None) => v.clone(),
            (v, Some(places)) => {
                let (v, places) = (v.as_f64()?, int(places)?);
                Value::Double(round_half_up(v, places))
            }
            _ => return None,
        },
        F::Coalesce => coerce(args.iter().find(|v| !v.is_null())?.clone(), ty),
    })
}

/// Java's `Math.round(double)`: the closest integer, halves rounded up (towards +∞).
fn java_round(v: f64) -> i64 {
    (v + 0.5).floor() as i64
}

/// `ROUND(v, places)` as ksqlDB rounds: on the decimal digits Java prints for the double
/// (`BigDecimal.valueOf`), halves towards +∞ (so -1.5 rounds to -1), and a zero result is 0.0.
fn round_half_up(v: f64, places: i64) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return if v == 0.0 { 0.0 } else { v };
    }
    let text = format!("{:e}", v.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let Ok(exponent) = exponent.parse::<i64>() else {
        return v;
    };
    let digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // The value is 0.d1d2d3… × 10^(exponent + 1); keep the digits before position `keep`.
    let keep = exponent + 1 + places.clamp(-400, 400);
    if keep < 0 {
        return 0.0;
    }
    let keep = keep as usize;
    let next = digits.get(keep).copied();
    let rest_nonzero = digits.iter().skip(keep + 1).any(|d| *d != 0);
    let negative = v < 0.0;
    let up = match next {
        None => false,
        Some(d) if negative => d > 5 || (d == 5 && rest_nonzero),
        Some(d) => d >= 5,
    };
    let mut kept: Vec<u8> = (0..keep)
        .map(|i| digits.get(i).copied().unwrap_or(0))
        .collect();
    if up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let kept_text: String = kept.iter().map(|d| char::from(b'0' + d)).collect();
    if kept_text.is_empty() || kept.iter().all(|d| *d == 0) {
        return 0.0;
    }
    // `kept` ends at the digit worth 10^-places.
    let magnitude: f64 = format!("{kept_text}e{}", -places).parse().unwrap_or(0.0);
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    #[test]
    fn substring_counts_from_one_and_from_the_end() {
        let sub = |args: &[Value]| call(ScalarFunction::Substring, args, Some(SqlType::String));
        assert_eq!(sub(&[s("hello"), Value::Int(2)]), Some(s("ello")));
        assert_eq!(
            sub(&[s("hello"), Value::Int(2), Value::Int(3)]),
            Some(s("ell"))
        );
        assert_eq!(sub(&[s("hello"), Value::Int(-3)]), Some(s("llo")));
        assert_eq!(sub(&[s("hello"), Value::Int(10)]), Some(s("")));
        assert_eq!(sub(&[Value::Null, Value::Int(1)]), None);
    }

    #[test]
    fn rounding_follows_java() {
        assert_eq!(java_round(2.5), 3);
        assert_eq!(java_round(-2.5), -2);
        assert_eq!(round_half_up(1.235, 2), 1.24);
        assert_eq!(round_half_up(1.005, 2), 1.01);
        assert_eq!(round_half_up(-1.5, 0), -1.0);
        assert_eq!(round_half_up(-1.51, 0), -2.0);
        assert_eq!(round_half_up(99.96, 1), 100.0);
        assert_eq!(round_half_up(12345.678, -2), 12300.0);
        assert_eq!(round_half_up(-1.1, -1).to_bits(), 0.0f64.to_bits());
    }
}
