//! How rows become record keys and values and back: KAFKA and JSON keys, JSON and DELIMITED
//! values, as ksqlDB reads and writes them. Anything that does not decode is a typed error, so
//! the query can skip (and count) the record and go on.

use serde_json::Value as Json;
use thiserror::Error;

use crate::json_fields::{read_fields, Fields};
use crate::schema::Column;
use crate::types::{java_double, SqlType, Value};

/// A record key's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// One primitive column, stored as its text (Streamlab's keys are strings).
    Kafka,
    /// JSON: one column as a bare JSON value, several as an object.
    Json,
}

/// A record value's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueFormat {
    /// A JSON object with one field per value column.
    Json,
    /// The value columns in order, comma-separated; an empty field is NULL.
    Delimited,
}

impl KeyFormat {
    /// The format named in a `WITH` clause.
    pub fn from_name(name: &str) -> Option<KeyFormat> {
        match name.to_uppercase().as_str() {
            "KAFKA" => Some(KeyFormat::Kafka),
            "JSON" => Some(KeyFormat::Json),
            _ => None,
        }
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            KeyFormat::Kafka => "KAFKA",
            KeyFormat::Json => "JSON",
        }
    }
}

impl ValueFormat {
    /// The format named in a `WITH` clause.
    pub fn from_name(name: &str) -> Option<ValueFormat> {
        match name.to_uppercase().as_str() {
            "JSON" => Some(ValueFormat::Json),
            "DELIMITED" => Some(ValueFormat::Delimited),
            _ => None,
        }
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            ValueFormat::Json => "JSON",
            ValueFormat::Delimited => "DELIMITED",
        }
    }
}

/// A key or value that does not fit its source's schema.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormatError {
    /// Not UTF-8 text.
    #[error("the {0} is not UTF-8 text")]
    NotText(&'static str),
    /// Not JSON.
    #[error("the {part} is not JSON: {reason}")]
    NotJson {
        /// "key" or "value".
        part: &'static str,
        /// serde_json's reason.
        reason: String,
    },
    /// A JSON value that is not an object where one is needed.
    #[error("Can't convert type. sourceType: {found}, requiredType: STRUCT")]
    NotAnObject {
        /// The JSON kind found.
        found: String,
    },
    /// A field that does not convert to its column's type.
    #[error("Can't convert type. sourceType: {found}, requiredType: {ty}, path: $.{column}")]
    BadField {
        /// The column.
        column: String,
        /// Its type.
        ty: SqlType,
        /// What was found.
        found: String,
    },
    /// A record whose timestamp column (`WITH (TIMESTAMP=…)`) is NULL or negative.
    #[error("the timestamp column {column} holds {found}, not a time in ms from 0")]
    BadTimestamp {
        /// The column.
        column: String,
        /// What it held.
        found: String,
    },
    /// A DELIMITED value with the wrong number of fields.
    #[error("Unexpected field count, csvFields:{found} schemaFields:{expected}")]
    FieldCount {
        /// Fields found.
        found: usize,
        /// Columns declared.
        expected: usize,
    },
}

fn text<'a>(bytes: &'a [u8], part: &'static str) -> Result<&'a str, FormatError> {
    std::str::from_utf8(bytes).map_err(|_| FormatError::NotText(part))
}

fn json_kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "NullNode",
        Json::Bool(_) => "BooleanNode",
        Json::Number(n) if n.is_f64() => "DoubleNode",
        Json::Number(_) => "IntNode",
        Json::String(_) => "TextNode",
        Json::Array(_) => "ArrayNode",
        Json::Object(_) => "ObjectNode",
    }
}

/// A JSON value as a column of type `ty`, converting as ksqlDB's JSON deserializer does.
fn from_json(j: Json, column: &Column) -> Result<Value, FormatError> {
    let bad = || FormatError::BadField {
        column: column.name.clone(),
        ty: column.ty,
        found: json_kind(&j).to_owned(),
    };
    Ok(match (&j, column.ty) {
        (Json::Null, _) => Value::Null,
        (Json::Bool(b), SqlType::Boolean) => Value::Boolean(*b),
        (Json::String(s), SqlType::Boolean) => match s.to_lowercase().as_str() {
            "true" => Value::Boolean(true),
            "false" => Value::Boolean(false),
            _ => return Err(bad()),
        },
        (Json::Number(n), SqlType::Int) => match n.as_i64() {
            Some(v) => Value::Int(v as i32),
            None => Value::Int(n.as_f64().ok_or_else(bad)? as i32),
        },
        (Json::Number(n), SqlType::BigInt) => match n.as_i64() {
            Some(v) => Value::BigInt(v),
            None => Value::BigInt(n.as_f64().ok_or_else(bad)? as i64),
        },
        (Json::Number(n), SqlType::Double) => Value::Double(n.as_f64().ok_or_else(bad)?),
        (Json::String(s), SqlType::Int) => Value::Int(s.trim().parse().map_err(|_| bad())?),
        (Json::String(s), SqlType::BigInt) => Value::BigInt(s.trim().parse().map_err(|_| bad())?),
        (Json::String(s), SqlType::Double) => Value::Double(s.trim().parse().map_err(|_| bad())?),
        (Json::String(_), SqlType::String) => match j {
            Json::String(s) => Value::String(s),
            _ => Value::Null,
        },
        (other, SqlType::String) => Value::String(other.to_string()),
        _ => return Err(bad()),
    })
}

/// Text as a column of type `ty` (KAFKA keys, DELIMITED fields).
fn from_text(s: &str, column: &Column) -> Result<Value, FormatError> {
    let bad = || FormatError::BadField {
        column: column.name.clone(),
        ty: column.ty,
        found: format!("'{s}'"),
    };
    Ok(match column.ty {
        SqlType::String => Value::String(s.to_owned()),
        SqlType::Int => Value::Int(s.trim().parse().map_err(|_| bad())?),
        SqlType::BigInt => Value::BigInt(s.trim().parse().map_err(|_| bad())?),
        SqlType::Double => Value::Double(s.trim().parse().map_err(|_| bad())?),
        SqlType::Boolean => match s.trim().to_lowercase().as_str() {
            "true" => Value::Boolean(true),
            "false" => Value::Boolean(false),
            _ => return Err(bad()),
        },
    })
}

/// One value as JSON text, as the engine writes it in a JSON record (DOUBLEs as Java does).
pub fn value_to_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v);
    out
}

/// Writes one value as JSON, DOUBLEs as Java writes them (`1.0`, `1.0E7`).
fn write_json(out: &mut String, v: &Value) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = match v {
        Value::Null => write!(out, "null"),
        Value::Boolean(b) => write!(out, "{b}"),
        Value::Int(x) => write!(out, "{x}"),
        Value::BigInt(x) => write!(out, "{x}"),
        Value::Double(x) if x.is_finite() => write!(out, "{}", java_double(*x)),
        Value::Double(x) => {
            write_json_string(out, &java_double(*x));
            Ok(())
        }
        Value::String(s) => {
            write_json_string(out, s);
            Ok(())
        }
    };
}

/// Writes `s` as a JSON string, escaped as serde_json escapes it (`\"`, `\\`, `\n` and the
/// other short escapes, `\u00XX` for other control characters).
fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        plain = i + 1;
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// Decodes a record key into the key columns' values. No key columns: nothing to read.
pub fn decode_key(
    format: KeyFormat,
    columns: &[Column],
    key: Option<&[u8]>,
) -> Result<Vec<Value>, FormatError> {
    if columns.is_empty() {
        return Ok(Vec::new());
    }
    let Some(bytes) = key else {
        return Ok(vec![Value::Null; columns.len()]);
    };
    let s = text(bytes, "key")?;
    match format {
        KeyFormat::Kafka => Ok(vec![from_text(s, &columns[0])?]),
        KeyFormat::Json => {
            let not_json = |e: serde_json::Error| FormatError::NotJson {
                part: "key",
                reason: e.to_string(),
            };
            if let [column] = columns {
                let j: Json = serde_json::from_str(s).map_err(not_json)?;
                return Ok(vec![from_json(j, column)?]);
            }
            // Several columns: an object, its fields matched to the columns as a value's are.
            match read_fields(s, columns, None).map_err(not_json)? {
                Fields::Object(values) => values
                    .into_iter()
                    .zip(columns)
                    .map(|(j, c)| from_json(j, c))
                    .collect(),
                Fields::Null => Err(FormatError::NotAnObject {
                    found: json_kind(&Json::Null).to_owned(),
                }),
                Fields::Other(kind) => Err(FormatError::NotAnObject {
                    found: kind.to_owned(),
                }),
            }
        }
    }
}

/// Encodes key column values as a record key: `None` when there are no key columns or the
/// key is NULL.
pub fn encode_key(format: KeyFormat, columns: &[Column], values: &[Value]) -> Option<Vec<u8>> {
    match (format, values) {
        (_, []) => None,
        (_, [Value::Null]) => None,
        (KeyFormat::Kafka, [v]) => v.to_text().map(String::into_bytes),
        (KeyFormat::Json, [v]) => {
            let mut out = String::new();
            write_json(&mut out, v);
            Some(out.into_bytes())
        }
        (_, values) => Some(encode_json_object(columns, values).into_bytes()),
    }
}

/// Decodes a record value into the value columns' values; `None` for a tombstone.
pub fn decode_value(
    format: ValueFormat,
    columns: &[Column],
    value: Option<&[u8]>,
) -> Result<Option<Vec<Value>>, FormatError> {
    decode_value_for(format, columns, None, value)
}

/// Decodes a record value as [`decode_value`] does, except that the STRING columns `unread`
/// marks come out NULL without being copied: a query that never reads them loses nothing (a
/// STRING column takes any JSON value or text, so skipping it refuses no record), and a
/// long text field nobody selects costs no allocation.
pub fn decode_value_for(
    format: ValueFormat,
    columns: &[Column],
    unread: Option<&[bool]>,
    value: Option<&[u8]>,
) -> Result<Option<Vec<Value>>, FormatError> {
    let Some(bytes) = value else { return Ok(None) };
    let skipped = |i: usize, c: &Column| {
        c.ty == SqlType::String && unread.is_some_and(|u| u.get(i).copied().unwrap_or(false))
    };
    let s = text(bytes, "value")?;
    match format {
        ValueFormat::Json => {
            let fields = read_fields(s, columns, unread).map_err(|e| FormatError::NotJson {
                part: "value",
                reason: e.to_string(),
            })?;
            match fields {
                Fields::Null => Ok(None),
                Fields::Object(values) => values
                    .into_iter()
                    .zip(columns)
                    .map(|(j, c)| from_json(j, c))
                    .collect::<Result<_, _>>()
                    .map(Some),
                Fields::Other(kind) => Err(FormatError::NotAnObject {
                    found: kind.to_owned(),
                }),
            }
        }
        ValueFormat::Delimited => {
            let fields = split_delimited(s);
            if fields.len() != columns.len() {
                return Err(FormatError::FieldCount {
                    found: fields.len(),
                    expected: columns.len(),
                });
            }
            fields
                .iter()
                .zip(columns)
                .enumerate()
                .map(|(i, (f, c))| match f {
                    Some(f) if !skipped(i, c) => from_text(f, c),
                    _ => Ok(Value::Null),
                })
                .collect::<Result<_, _>>()
                .map(Some)
        }
    }
}

/// Encodes the value columns' values as a record value.
pub fn encode_value(format: ValueFormat, columns: &[Column], values: &[Value]) -> Vec<u8> {
    match format {
        ValueFormat::Json => encode_json_object(columns, values).into_bytes(),
        ValueFormat::Delimited => {
            let fields: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| match v.to_text() {
                    None => String::new(),
                    Some(t) if needs_quotes(&t, i == 0) => {
                        format!("\"{}\"", t.replace('"', "\"\""))
                    }
                    Some(t) => t,
                })
                .collect();
            fields.join(",").into_bytes()
        }
    }
}

/// Whether a DELIMITED field is quoted, as Apache Commons CSV's minimal quoting (which ksqlDB
/// writes with) decides: an empty first field; a field starting with a character up to `#`
/// (space, tab, `!`, `"`, `#`) or ending with one up to a space; or one holding a comma, a
/// quote or a line break.
fn needs_quotes(t: &str, first: bool) -> bool {
    match (t.chars().next(), t.chars().last()) {
        (None, _) => first,
        (Some(c), _) if c <= '#' => true,
        (_, Some(c)) if c <= ' ' => true,
        _ => t.contains([',', '"', '\n', '\r']),
    }
}

fn encode_json_object(columns: &[Column], values: &[Value]) -> String {
    let mut out = String::with_capacity(2 + columns.len() * 16);
    out.push('{');
    for (i, (c, v)) in columns.iter().zip(values).enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_string(&mut out, &c.name);
        out.push(':');
        write_json(&mut out, v);
    }
    out.push('}');
    out
}

/// Splits a DELIMITED line: commas separate, double quotes quote (`""` is a quote), an empty
/// unquoted field is NULL.
fn split_delimited(s: &str) -> Vec<Option<String>> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    current.push('"');
                } else {
                    quoted = false;
                }
            } else {
                current.push(c);
            }
        } else if c == '"' && current.is_empty() {
            quoted = true;
            was_quoted = true;
        } else if c == ',' {
            fields.push(if current.is_empty() && !was_quoted {
                None
            } else {
                Some(std::mem::take(&mut current))
            });
            was_quoted = false;
        } else {
            current.push(c);
        }
    }
    fields.push(if current.is_empty() && !was_quoted {
        None
    } else {
        Some(current)
    });
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Vec<Column> {
        vec![
            Column::new("ID", SqlType::BigInt),
            Column::new("NAME", SqlType::String),
            Column::new("AMOUNT", SqlType::Double),
        ]
    }

    #[test]
    fn json_strings_are_escaped_as_serde_json_escapes_them() {
        let mut texts: Vec<String> = (0u8..0x80)
            .map(|b| format!("a{}b", char::from(b)))
            .collect();
        texts.extend(["", "é€😀\u{2028}", "\"\\\"", "tab\there\r\n"].map(String::from));
        for text in texts {
            let mut out = String::new();
            write_json_string(&mut out, &text);
            assert_eq!(out, serde_json::to_string(&text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn json_fields_match_exactly_then_upper_cased() {
        let row = decode_value(
            ValueFormat::Json,
            &cols(),
            Some(br#"{"id": 1, "NAME": "a", "extra": true}"#),
        )
        .unwrap();
        assert_eq!(
            row,
            Some(vec![
                Value::BigInt(1),
                Value::String("a".into()),
                Value::Null
            ])
        );
    }

    #[test]
    fn json_values_write_doubles_with_a_fraction() {
        let bytes = encode_value(
            ValueFormat::Json,
            &cols(),
            &[Value::BigInt(1), Value::Null, Value::Double(2.0)],
        );
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"ID":1,"NAME":null,"AMOUNT":2.0}"#
        );
    }

    #[test]
    fn delimited_values_split_quote_and_count() {
        let row = decode_value(ValueFormat::Delimited, &cols(), Some(b"1,\"a,b\",")).unwrap();
        assert_eq!(
            row,
            Some(vec![
                Value::BigInt(1),
                Value::String("a,b".into()),
                Value::Null
            ])
        );
        let err = decode_value(ValueFormat::Delimited, &cols(), Some(b"1,2")).unwrap_err();
        assert_eq!(
            err,
            FormatError::FieldCount {
                found: 2,
                expected: 3
            }
        );
        let bytes = encode_value(
            ValueFormat::Delimited,
            &cols(),
            &[
                Value::BigInt(1),
                Value::String("a,b".into()),
                Value::Double(0.5),
            ],
        );
        assert_eq!(bytes, b"1,\"a,b\",0.5");
    }

    #[test]
    fn a_bad_field_is_a_typed_error() {
        let err = decode_value(ValueFormat::Json, &cols(), Some(br#"{"ID": "x"}"#)).unwrap_err();
        assert!(
            matches!(err, FormatError::BadField { ref column, .. } if column == "ID"),
            "{err}"
        );
        assert!(decode_value(ValueFormat::Json, &cols(), Some(b"not json")).is_err());
    }
}
