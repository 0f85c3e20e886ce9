//! SQL types and values: BOOLEAN, INT, BIGINT, DOUBLE and STRING, as ksqlDB has them.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A column's SQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlType {
    /// `BOOLEAN`.
    Boolean,
    /// `INT` / `INTEGER`: 32-bit signed.
    Int,
    /// `BIGINT`: 64-bit signed.
    BigInt,
    /// `DOUBLE`: 64-bit IEEE 754.
    Double,
    /// `STRING` / `VARCHAR`.
    String,
}

impl SqlType {
    /// Whether the type is INT, BIGINT or DOUBLE.
    pub fn is_numeric(self) -> bool {
        matches!(self, SqlType::Int | SqlType::BigInt | SqlType::Double)
    }

    /// The wider of two numeric types (INT < BIGINT < DOUBLE), as arithmetic promotes.
    pub fn widen(self, other: SqlType) -> Option<SqlType> {
        fn rank(t: SqlType) -> Option<u8> {
            match t {
                SqlType::Int => Some(0),
                SqlType::BigInt => Some(1),
                SqlType::Double => Some(2),
                _ => None,
            }
        }
        let (a, b) = (rank(self)?, rank(other)?);
        Some(if a >= b { self } else { other })
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SqlType::Boolean => "BOOLEAN",
            SqlType::Int => "INTEGER",
            SqlType::BigInt => "BIGINT",
            SqlType::Double => "DOUBLE",
            SqlType::String => "STRING",
        })
    }
}

/// One SQL value. `Null` is typeless: the column or expression it belongs to carries the type.
/// Stored in changelogs through `ValueRepr` (a DOUBLE by its bits, so NaN and -0.0 survive).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(from = "ValueRepr", into = "ValueRepr")]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A BOOLEAN.
    Boolean(bool),
    /// An INT.
    Int(i32),
    /// A BIGINT.
    BigInt(i64),
    /// A DOUBLE.
    Double(f64),
    /// A STRING.
    String(String),
}

/// How a value is written in a changelog record.
#[derive(serde::Serialize, serde::Deserialize)]
enum ValueRepr {
    N,
    B(bool),
    I(i32),
    L(i64),
    D(u64),
    S(String),
}

impl From<Value> for ValueRepr {
    fn from(v: Value) -> ValueRepr {
        match v {
            Value::Null => ValueRepr::N,
            Value::Boolean(b) => ValueRepr::B(b),
            Value::Int(i) => ValueRepr::I(i),
            Value::BigInt(i) => ValueRepr::L(i),
            Value::Double(d) => ValueRepr::D(d.to_bits()),
            Value::String(s) => ValueRepr::S(s),
        }
    }
}

impl From<ValueRepr> for Value {
    fn from(v: ValueRepr) -> Value {
        match v {
            ValueRepr::N => Value::Null,
            ValueRepr::B(b) => Value::Boolean(b),
            ValueRepr::I(i) => Value::Int(i),
            ValueRepr::L(i) => Value::BigInt(i),
            ValueRepr::D(d) => Value::Double(f64::from_bits(d)),
            ValueRepr::S(s) => Value::String(s),
        }
    }
}

impl Value {
    /// Whether this is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as an `i64`, for INT and BIGINT.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(i64::from(*v)),
            Value::BigInt(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as an `f64`, for any numeric value.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(f64::from(*v)),
            Value::BigInt(v) => Some(*v as f64),
            Value::Double(v) => Some(*v),
            _ => None,
        }
    }

    /// The value's text as ksqlDB writes it in a KAFKA-format key, a DELIMITED field or a
    /// `CAST(… AS STRING)`: Java's `toString` of the value. `None` for NULL.
    pub fn to_text(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Boolean(b) => Some(b.to_string()),
            Value::Int(v) => Some(v.to_string()),
            Value::BigInt(v) => Some(v.to_string()),
            Value::Double(v) => Some(java_double(*v)),
            Value::String(s) => Some(s.clone()),
        }
    }

    /// SQL comparison: `None` when either side is NULL or the types cannot be compared.
    /// Numbers compare by value across INT, BIGINT and DOUBLE.
    pub fn sql_cmp(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Null, _) | (_, Value::Null) => None,
            (Value::Boolean(a), Value::Boolean(b)) => Some(a.cmp(b)),
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            (Value::Double(_), _) | (_, Value::Double(_)) => {
                self.as_f64()?.partial_cmp(&other.as_f64()?)
            }
            _ => Some(self.as_i64()?.cmp(&other.as_i64()?)),
        }
    }
}

/// Java's `Double.toString`, which ksqlDB's JSON (Jackson) and DELIMITED writers use: the
/// shortest digits that round-trip, always with a fraction (`1.0`), and computerized scientific
/// notation outside `[10^-3, 10^7)` (`1.0E7`, `1.0E-4`).
pub fn java_double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    let magnitude = v.abs();
    if (1e-3..1e7).contains(&magnitude) {
        let text = format!("{v}");
        return if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        };
    }
    // Rust's `{:e}` is the shortest round-trip form too: "1.2345e7", "1e-4".
    let text = format!("{v:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_owned()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

/// Equality and hashing for grouping and join keys: NULL equals NULL here (a key, not a
/// predicate), numbers of different types are different keys, doubles compare by bits.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Boolean(a), Value::Boolean(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::BigInt(a), Value::BigInt(b)) => a == b,
            (Value::Double(a), Value::Double(b)) => a.to_bits() == b.to_bits(),
            (Value::String(a), Value::String(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Value::Null => {}
            Value::Boolean(b) => b.hash(state),
            Value::Int(v) => v.hash(state),
            Value::BigInt(v) => v.hash(state),
            Value::Double(v) => v.to_bits().hash(state),
            Value::String(s) => s.hash(state),
        }
    }
}

/// A total order for keys of state stores (not SQL's comparison): by kind, then by value,
/// doubles by their IEEE total order. Consistent with `Eq`.
impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        fn rank(v: &Value) -> u8 {
            match v {
                Value::Null => 0,
                Value::Boolean(_) => 1,
                Value::Int(_) => 2,
                Value::BigInt(_) => 3,
                Value::Double(_) => 4,
                Value::String(_) => 5,
            }
        }
        match (self, other) {
            (Value::Boolean(a), Value::Boolean(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::BigInt(a), Value::BigInt(b)) => a.cmp(b),
            (Value::Double(a), Value::Double(b)) => a.total_cmp(b),
            (Value::String(a), Value::String(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_text() {
            Some(text) => f.write_str(&text),
            None => f.write_str("NULL"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_as_java_does() {
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(0.1), "0.1");
        assert_eq!(java_double(-2.5), "-2.5");
        assert_eq!(java_double(1234567.0), "1234567.0");
        assert_eq!(java_double(12345678.0), "1.2345678E7");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(0.0001), "1.0E-4");
        assert_eq!(java_double(0.0), "0.0");
    }

    #[test]
    fn comparisons_with_null_are_unknown() {
        assert_eq!(Value::Null.sql_cmp(&Value::Int(1)), None);
        assert_eq!(
            Value::Int(1).sql_cmp(&Value::Double(1.5)),
            Some(Ordering::Less)
        );
        assert_eq!(
            Value::BigInt(3).sql_cmp(&Value::Int(3)),
            Some(Ordering::Equal)
        );
    }
}
