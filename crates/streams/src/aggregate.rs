//! ksqlDB's aggregate functions: COUNT, SUM, MIN, MAX, AVG, LATEST_BY_OFFSET,
//! EARLIEST_BY_OFFSET and COUNT_DISTINCT, each an accumulator that adds a value, and (for
//! those a table may be aggregated with) takes one back out.

use std::collections::BTreeMap;

use crate::error::SqlError;
use crate::expr::Typed;
use crate::types::{SqlType, Value};

/// Whether `name` is an aggregate function.
pub fn is_aggregate(name: &str) -> bool {
    AggregateFunction::from_name(name).is_some()
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFunction {
    /// `COUNT(*)`, `COUNT()`, `COUNT(x)`: rows, or non-NULL values.
    Count,
    /// `SUM(x)`: NULLs skipped; starts at 0.
    Sum,
    /// `MIN(x)`: NULLs skipped.
    Min,
    /// `MAX(x)`: NULLs skipped.
    Max,
    /// `AVG(x)`: the mean of the non-NULL values, as a DOUBLE.
    Avg,
    /// `LATEST_BY_OFFSET(x)`: the last non-NULL value.
    LatestByOffset,
    /// `EARLIEST_BY_OFFSET(x)`: the first non-NULL value.
    EarliestByOffset,
    /// `COUNT_DISTINCT(x)`: how many distinct non-NULL values.
    CountDistinct,
}

impl AggregateFunction {
    /// The function of that (upper-case) name.
    pub fn from_name(name: &str) -> Option<AggregateFunction> {
        Some(match name {
            "COUNT" => AggregateFunction::Count,
            "SUM" => AggregateFunction::Sum,
            "MIN" => AggregateFunction::Min,
            "MAX" => AggregateFunction::Max,
            "AVG" => AggregateFunction::Avg,
            "LATEST_BY_OFFSET" => AggregateFunction::LatestByOffset,
            "EARLIEST_BY_OFFSET" => AggregateFunction::EarliestByOffset,
            "COUNT_DISTINCT" => AggregateFunction::CountDistinct,
            _ => return None,
        })
    }

    /// The function's name.
    pub fn name(self) -> &'static str {
        match self {
            AggregateFunction::Count => "COUNT",
            AggregateFunction::Sum => "SUM",
            AggregateFunction::Min => "MIN",
            AggregateFunction::Max => "MAX",
            AggregateFunction::Avg => "AVG",
            AggregateFunction::LatestByOffset => "LATEST_BY_OFFSET",
            AggregateFunction::EarliestByOffset => "EARLIEST_BY_OFFSET",
            AggregateFunction::CountDistinct => "COUNT_DISTINCT",
        }
    }

    /// Whether a table can be aggregated with it (it can take a value back out).
    pub fn supports_tables(self) -> bool {
        matches!(
            self,
            AggregateFunction::Count | AggregateFunction::Sum | AggregateFunction::Avg
        )
    }

    /// The result type for an argument of type `arg` (`None`: `COUNT(*)`).
    pub fn result_type(self, arg: Option<SqlType>) -> Result<SqlType, SqlError> {
        let bad = || SqlError::BadArguments {
            name: self.name().to_owned(),
            args: arg.map_or("*".to_owned(), |t| t.to_string()),
        };
        Ok(match self {
            AggregateFunction::Count | AggregateFunction::CountDistinct => SqlType::BigInt,
            AggregateFunction::Avg => match arg {
                Some(t) if t.is_numeric() => SqlType::Double,
                _ => return Err(bad()),
            },
            AggregateFunction::Sum => match arg {
                Some(t) if t.is_numeric() => t,
                _ => return Err(bad()),
            },
            AggregateFunction::Min | AggregateFunction::Max => match arg {
                Some(t) if t != SqlType::Boolean => t,
                _ => return Err(bad()),
            },
            AggregateFunction::LatestByOffset | AggregateFunction::EarliestByOffset => {
                arg.ok_or_else(bad)?
            }
        })
    }
}

/// One aggregate of a query: the function, its argument (none for `COUNT(*)`), its type.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateCall {
    /// The function.
    pub function: AggregateFunction,
    /// The argument, typed against the input rows.
    pub arg: Option<Typed>,
    /// The result type.
    pub ty: SqlType,
    /// LATEST_BY_OFFSET / EARLIEST_BY_OFFSET: skip NULLs (their second argument, default true).
    pub ignore_nulls: bool,
}

/// The running state of one aggregate for one group.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Accumulator {
    /// A count.
    Count(i64),
    /// A running sum (integers exactly, doubles as doubles).
    Sum(Value),
    /// The current minimum or maximum.
    Extreme(Value),
    /// Sum and count of AVG.
    Avg(f64, i64),
    /// LATEST_BY_OFFSET / EARLIEST_BY_OFFSET: the value kept, once there is one.
    Kept(Option<Value>),
    /// COUNT_DISTINCT: each distinct value's number of occurrences.
    Distinct(BTreeMap<String, i64>),
}

impl AggregateCall {
    /// The state of a group that has seen nothing.
    pub fn initial(&self) -> Accumulator {
        match self.function {
            AggregateFunction::Count => Accumulator::Count(0),
            AggregateFunction::Sum => Accumulator::Sum(match self.ty {
                SqlType::Int => Value::Int(0),
                SqlType::BigInt => Value::BigInt(0),
                _ => Value::Double(0.0),
            }),
            AggregateFunction::Min | AggregateFunction::Max => Accumulator::Extreme(Value::Null),
            AggregateFunction::Avg => Accumulator::Avg(0.0, 0),
            AggregateFunction::LatestByOffset | AggregateFunction::EarliestByOffset => {
                Accumulator::Kept(None)
            }
            AggregateFunction::CountDistinct => Accumulator::Distinct(BTreeMap::new()),
        }
    }

    fn input(&self, row: &[Value]) -> Value {
        match &self.arg {
            Some(arg) => arg.eval(row),
            None => Value::Boolean(true),
        }
    }

    /// Adds `row` (`sign` 1) or takes it back out (`sign` -1, tables only).
    pub fn apply(&self, acc: &mut Accumulator, row: &[Value], sign: i64) {
        let v = self.input(row);
        if v.is_null() && (self.ignore_nulls || !matches!(acc, Accumulator::Kept(_))) {
            return;
        }
        match acc {
            Accumulator::Count(n) => *n += sign,
            Accumulator::Sum(total) => {
                *total = match (&*total, &v) {
                    (Value::Int(t), _) => Value::Int(
                        t.wrapping_add((v.as_i64().unwrap_or(0) as i32).wrapping_mul(sign as i32)),
                    ),
                    (Value::BigInt(t), _) => {
                        Value::BigInt(t.wrapping_add(v.as_i64().unwrap_or(0).wrapping_mul(sign)))
                    }
                    (Value::Double(t), _) => {
                        Value::Double(t + v.as_f64().unwrap_or(0.0) * sign as f64)
                    }
                    (t, _) => t.clone(),
                }
            }
            Accumulator::Extreme(current) => {
                let replace = match current.sql_cmp(&v) {
                    None => true,
                    Some(o) => match self.function {
                        AggregateFunction::Min => o == std::cmp::Ordering::Greater,
                        _ => o == std::cmp::Ordering::Less,
                    },
                };
                if replace {
                    *current = crate::expr::coerce(v, Some(self.ty));
                }
            }
            Accumulator::Avg(sum, count) => {
                *sum += v.as_f64().unwrap_or(0.0) * sign as f64;
                *count += sign;
            }
            Accumulator::Kept(kept) => {
                if self.function == AggregateFunction::LatestByOffset || kept.is_none() {
                    *kept = Some(v);
                }
            }
            Accumulator::Distinct(seen) => {
                let key = format!("{v:?}");
                let n = seen.entry(key.clone()).or_insert(0);
                *n += sign;
                if *n <= 0 {
                    seen.remove(&key);
                }
            }
        }
    }

    /// Merges two sessions' states (session windows), `earlier` before `later`.
    pub fn merge(&self, earlier: &Accumulator, later: &Accumulator) -> Accumulator {
        match (earlier, later) {
            (Accumulator::Count(a), Accumulator::Count(b)) => Accumulator::Count(a + b),
            (Accumulator::Sum(a), Accumulator::Sum(b)) => Accumulator::Sum(match (a, b) {
                (Value::Int(x), Value::Int(y)) => Value::Int(x.wrapping_add(*y)),
                (Value::BigInt(x), Value::BigInt(y)) => Value::BigInt(x.wrapping_add(*y)),
                _ => Value::Double(a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0)),
            }),
            (Accumulator::Extreme(a), Accumulator::Extreme(b)) => {
                let pick_b = match a.sql_cmp(b) {
                    None => a.is_null(),
                    Some(o) => match self.function {
                        AggregateFunction::Min => o == std::cmp::Ordering::Greater,
                        _ => o == std::cmp::Ordering::Less,
                    },
                };
                Accumulator::Extreme(if pick_b { b.clone() } else { a.clone() })
            }
            (Accumulator::Avg(s1, c1), Accumulator::Avg(s2, c2)) => {
                Accumulator::Avg(s1 + s2, c1 + c2)
            }
            (Accumulator::Kept(a), Accumulator::Kept(b)) => {
                Accumulator::Kept(match self.function {
                    AggregateFunction::LatestByOffset if b.is_some() => b.clone(),
                    AggregateFunction::EarliestByOffset if a.is_none() => b.clone(),
                    _ => a.clone(),
                })
            }
            (Accumulator::Distinct(a), Accumulator::Distinct(b)) => {
                let mut merged = a.clone();
                for (k, n) in b {
                    *merged.entry(k.clone()).or_insert(0) += n;
                }
                Accumulator::Distinct(merged)
            }
            (a, _) => a.clone(),
        }
    }

    /// The aggregate's current result.
    pub fn result(&self, acc: &Accumulator) -> Value {
        match acc {
            Accumulator::Count(n) => Value::BigInt(*n),
            Accumulator::Sum(v) | Accumulator::Extreme(v) => v.clone(),
            Accumulator::Kept(v) => v.clone().unwrap_or(Value::Null),
            Accumulator::Avg(sum, count) => {
                if *count == 0 {
                    Value::Double(0.0)
                } else {
                    Value::Double(sum / *count as f64)
                }
            }
            Accumulator::Distinct(seen) => Value::BigInt(seen.len() as i64),
        }
    }
}
