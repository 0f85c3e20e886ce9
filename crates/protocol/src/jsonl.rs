//! A topic as JSON Lines: one record per line, for export and import.
//!
//! Export writes every record with its place:
//! `{"partition":0,"offset":12,"sequence_number":"…","timestamp":1700000000000,"key":"alice","value":"…","headers":[["trace","abc"]]}`.
//! Import reads the same lines (or hand-written ones): `value` is required (a string, or null
//! for a tombstone); `key` (string or null), `headers` (pairs, or an object of strings),
//! `timestamp` (milliseconds, kept as CreateTime), `partition` (a Kafka partition to write to)
//! and `explicit_hash_key` (a Kinesis ExplicitHashKey, decimal string) are optional; `offset` and `sequence_number` are ignored, because the log assigns them.
//! Keys and values are text (UTF-8).
//!
//! ```
//! use streamlab_protocol::jsonl::parse_line;
//! let record = parse_line(1, r#"{"key":"alice","value":"hi","headers":{"trace":"abc"}}"#).unwrap().unwrap();
//! assert_eq!(record.key.as_deref(), Some("alice"));
//! assert_eq!(record.headers, [("trace".to_owned(), "abc".to_owned())]);
//! assert!(parse_line(2, "   ").unwrap().is_none()); // blank lines are skipped
//! assert_eq!(
//!     parse_line(3, r#"{"key":"a"}"#).unwrap_err().to_string(),
//!     "line 3: \"value\" is missing (give a string, or null for a tombstone)"
//! );
//! ```

use serde_json::{Map, Value};

use crate::{WireRecord, WireTarget};

/// A line that is not a record, named by its number (from 1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct ImportError {
    /// The line's number, from 1.
    pub line: usize,
    /// What is wrong with it, in words.
    pub problem: String,
}

/// The most lines one import reads.
pub const MAX_IMPORT_LINES: usize = 1_000_000;

/// One line of an export.
pub fn export_line(
    partition: u32,
    offset: u64,
    sequence_number: &str,
    timestamp: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[(String, Option<Vec<u8>>)],
) -> String {
    let text = |b: &[u8]| Value::String(String::from_utf8_lossy(b).into_owned());
    let mut line = Map::new();
    line.insert("partition".into(), partition.into());
    line.insert("offset".into(), offset.into());
    line.insert("sequence_number".into(), sequence_number.into());
    line.insert("timestamp".into(), timestamp.into());
    line.insert("key".into(), key.map_or(Value::Null, text));
    line.insert("value".into(), value.map_or(Value::Null, text));
    let headers: Vec<Value> = headers
        .iter()
        .map(|(name, value)| {
            Value::Array(vec![
                name.clone().into(),
                value.as_deref().map_or(Value::Null, text),
            ])
        })
        .collect();
    line.insert("headers".into(), Value::Array(headers));
    Value::Object(line).to_string()
}

/// Reads line `line` (numbered from 1) of an import: a record, `None` for a blank line, or an
/// error that names the line.
pub fn parse_line(line: usize, text: &str) -> Result<Option<WireRecord>, ImportError> {
    let fail = |problem: String| ImportError { line, problem };
    if text.trim().is_empty() {
        return Ok(None);
    }
    let value: Value = serde_json::from_str(text).map_err(|e| fail(format!("not JSON ({e})")))?;
    let Value::Object(object) = value else {
        return Err(fail("expected a JSON object, one record per line".into()));
    };
    record_from_object(&object).map(Some).map_err(fail)
}

/// A record from its JSON object (an import line, or a record of a scenario file); the error
/// says what is wrong, in words.
pub(crate) fn record_from_object(object: &Map<String, Value>) -> Result<WireRecord, String> {
    let fail = |problem: String| problem;
    let text_or_null = |name: &str| -> Result<Option<String>, String> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(fail(format!(
                "\"{name}\" must be a string or null, not {}",
                kind(other)
            ))),
        }
    };
    let value = match object.get("value") {
        None => {
            return Err(fail(
                "\"value\" is missing (give a string, or null for a tombstone)".into(),
            ))
        }
        Some(_) => text_or_null("value")?,
    };
    let key = text_or_null("key")?;
    let headers = match object.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(pairs)) => pairs
            .iter()
            .map(|pair| match pair {
                Value::Array(p) if p.len() == 2 => match (&p[0], &p[1]) {
                    (Value::String(n), Value::String(v)) => Ok((n.clone(), v.clone())),
                    (Value::String(n), Value::Null) => Ok((n.clone(), String::new())),
                    _ => Err(fail("a header must be [name, value] with strings".into())),
                },
                _ => Err(fail("a header must be [name, value]".into())),
            })
            .collect::<Result<_, _>>()?,
        Some(Value::Object(map)) => map
            .iter()
            .map(|(n, v)| match v {
                Value::String(v) => Ok((n.clone(), v.clone())),
                other => Err(fail(format!(
                    "header \"{n}\" must be a string, not {}",
                    kind(other)
                ))),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(fail(format!(
                "\"headers\" must be a list of [name, value] or an object, not {}",
                kind(other)
            )))
        }
    };
    let timestamp =
        match object.get("timestamp") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(|| {
                fail("\"timestamp\" must be whole milliseconds since 1970".into())
            })?),
            Some(other) => {
                return Err(fail(format!(
                    "\"timestamp\" must be a number of milliseconds, not {}",
                    kind(other)
                )))
            }
        };
    let target = match (object.get("partition"), object.get("explicit_hash_key")) {
        (Some(p), Some(h)) if !p.is_null() && !h.is_null() => {
            return Err(fail(
                "give \"partition\" (Kafka) or \"explicit_hash_key\" (Kinesis), not both".into(),
            ))
        }
        (_, Some(Value::String(h))) => streamlab_log::HashKey::parse(h)
            .map(|k| WireTarget::ExplicitHashKey(k.0))
            .map_err(|e| fail(format!("\"explicit_hash_key\": {e}")))?,
        (_, Some(other)) if !other.is_null() => {
            return Err(fail(format!(
                "\"explicit_hash_key\" must be a decimal string, not {}",
                kind(other)
            )))
        }
        (None | Some(Value::Null), _) => WireTarget::ByKey,
        (Some(Value::Number(n)), _) => n
            .as_u64()
            .and_then(|p| u32::try_from(p).ok())
            .map(WireTarget::Partition)
            .ok_or_else(|| fail("\"partition\" must be a whole number from 0".into()))?,
        (Some(other), _) => {
            return Err(fail(format!(
                "\"partition\" must be a number, not {}",
                kind(other)
            )))
        }
    };
    Ok(WireRecord {
        key,
        value: value.unwrap_or_default(),
        tombstone: object.get("value") == Some(&Value::Null),
        headers,
        target,
        timestamp,
    })
}

/// Reads a whole import: every record, or the first bad line's error (nothing is imported from
/// a file with a bad line).
pub fn parse_all(text: &str) -> Result<Vec<WireRecord>, ImportError> {
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if i >= MAX_IMPORT_LINES {
            return Err(ImportError {
                line: i + 1,
                problem: format!("an import holds at most {MAX_IMPORT_LINES} lines"),
            });
        }
        if let Some(record) = parse_line(i + 1, line)? {
            records.push(record);
        }
    }
    Ok(records)
}

pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_line_imports_as_the_same_record() {
        let line = export_line(
            2,
            7,
            "123",
            1_700_000_000_000,
            Some(b"alice"),
            Some(b"{\"amount\":12}"),
            &[("trace".into(), Some(b"abc".to_vec()))],
        );
        let record = parse_line(1, &line).expect("valid").expect("a record");
        assert_eq!(record.key.as_deref(), Some("alice"));
        assert_eq!(record.value, "{\"amount\":12}");
        assert!(!record.tombstone);
        assert_eq!(record.headers, [("trace".to_owned(), "abc".to_owned())]);
        assert_eq!(record.timestamp, Some(1_700_000_000_000));
        assert_eq!(record.target, WireTarget::Partition(2));
        let tombstone = export_line(0, 0, "1", 0, Some(b"k"), None, &[]);
        assert!(
            parse_line(1, &tombstone)
                .expect("valid")
                .expect("a record")
                .tombstone
        );
    }

    #[test]
    fn bad_lines_are_named() {
        let cases = [
            ("{", "line 4: not JSON"),
            ("[1,2]", "line 4: expected a JSON object"),
            (
                r#"{"value":5}"#,
                "line 4: \"value\" must be a string or null, not a number",
            ),
            (
                r#"{"value":"v","key":[]}"#,
                "line 4: \"key\" must be a string or null, not a list",
            ),
            (
                r#"{"value":"v","headers":"x"}"#,
                "line 4: \"headers\" must be a list",
            ),
            (
                r#"{"value":"v","headers":[["a"]]}"#,
                "line 4: a header must be [name, value]",
            ),
            (
                r#"{"value":"v","timestamp":"now"}"#,
                "line 4: \"timestamp\" must be a number",
            ),
            (
                r#"{"value":"v","timestamp":1.5}"#,
                "line 4: \"timestamp\" must be whole",
            ),
            (
                r#"{"value":"v","partition":-1}"#,
                "line 4: \"partition\" must be a whole number",
            ),
        ];
        for (line, expected) in cases {
            let err = parse_line(4, line).expect_err(line).to_string();
            assert!(err.starts_with(expected), "{line}: {err}");
        }
        let all = parse_all("{\"value\":\"a\"}\n\n{\"value\":\"b\"}\nnope\n").expect_err("bad");
        assert_eq!(all.line, 4);
        assert_eq!(parse_all("{\"value\":\"a\"}\n\n").expect("ok").len(), 1);
    }
}
