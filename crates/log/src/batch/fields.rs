//! An encoded batch labelled field by field, for the byte inspector.

use super::header::DecodeError;
use super::reader::{unzigzag, Reader};

/// One labelled field of an encoded batch, for a byte inspector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchField {
    /// What it is (`CRC-32C`, `record 3 value`, …).
    pub name: String,
    /// Where it is in the batch's bytes.
    pub range: std::ops::Range<usize>,
    /// Its value in words (a number, a length, text).
    pub value: String,
}

/// Labels every field of an encoded batch, in order, without checking the CRC (so a damaged copy
/// can be shown). Stops at the first field that cannot be read and says why in a last field
/// named `unreadable`. Never panics.
pub fn batch_fields(bytes: &[u8]) -> Vec<BatchField> {
    let mut fields = Vec::new();
    let mut r = Reader { bytes, pos: 0 };
    let push =
        |fields: &mut Vec<BatchField>, name: String, start: usize, end: usize, value: String| {
            fields.push(BatchField {
                name,
                range: start..end,
                value,
            });
        };
    let outcome = (|| -> Result<(), DecodeError> {
        macro_rules! fixed {
            ($name:expr, $n:literal, $show:expr) => {{
                let at = r.pos;
                let raw = r.fixed::<$n>($name)?;
                push(&mut fields, $name.to_owned(), at, r.pos, $show(raw));
                raw
            }};
        }
        let _ = fixed!("format version", 1, |b: [u8; 1]| b[0].to_string());
        let _ = fixed!("CRC-32C", 4, |b: [u8; 4]| format!(
            "{:#010x}",
            u32::from_le_bytes(b)
        ));
        let _ = fixed!("base offset", 8, |b: [u8; 8]| u64::from_le_bytes(b)
            .to_string());
        let _ = fixed!("last offset delta", 4, |b: [u8; 4]| u32::from_le_bytes(b)
            .to_string());
        let _ = fixed!("first timestamp", 8, |b: [u8; 8]| i64::from_le_bytes(b)
            .to_string());
        let _ = fixed!("max timestamp", 8, |b: [u8; 8]| i64::from_le_bytes(b)
            .to_string());
        let _ = fixed!("base sequence number", 16, |b: [u8; 16]| {
            u128::from_le_bytes(b).to_string()
        });
        let count = fixed!("record count", 4, |b: [u8; 4]| u32::from_le_bytes(b)
            .to_string());
        for index in 0..u32::from_le_bytes(count) {
            let varint = |r: &mut Reader<'_>,
                          fields: &mut Vec<BatchField>,
                          what: &str,
                          show: &dyn Fn(u64) -> String| {
                let at = r.pos;
                let v = r.varint()?;
                push(fields, format!("record {index} {what}"), at, r.pos, show(v));
                Ok::<u64, DecodeError>(v)
            };
            varint(&mut r, &mut fields, "length", &|v| format!("{v} bytes"))?;
            varint(&mut r, &mut fields, "offset delta", &|v| v.to_string())?;
            varint(&mut r, &mut fields, "timestamp delta", &|v| {
                unzigzag(v).to_string()
            })?;
            for what in ["key", "value"] {
                let at = r.pos;
                let len = r.varint()?;
                let len_end = r.pos;
                match len {
                    0 => push(
                        &mut fields,
                        format!("record {index} {what}"),
                        at,
                        len_end,
                        "null".into(),
                    ),
                    n => {
                        push(
                            &mut fields,
                            format!("record {index} {what} length"),
                            at,
                            len_end,
                            format!("{} bytes", n - 1),
                        );
                        let start = r.pos;
                        let body = r.take(n - 1, "bytes")?;
                        push(
                            &mut fields,
                            format!("record {index} {what}"),
                            start,
                            r.pos,
                            String::from_utf8_lossy(body).into_owned(),
                        );
                    }
                }
            }
            let headers = varint(&mut r, &mut fields, "header count", &|v| v.to_string())?;
            for h in 0..headers {
                let at = r.pos;
                let len = r.varint()?;
                let name = r.take(len, "header name")?;
                push(
                    &mut fields,
                    format!("record {index} header {h} name"),
                    at,
                    r.pos,
                    String::from_utf8_lossy(name).into_owned(),
                );
                let at = r.pos;
                let value = r.nullable_slice()?;
                push(
                    &mut fields,
                    format!("record {index} header {h} value"),
                    at,
                    r.pos,
                    value.map_or_else(
                        || "null".into(),
                        |v| String::from_utf8_lossy(v).into_owned(),
                    ),
                );
            }
        }
        Ok(())
    })();
    let problem = match outcome {
        Err(e) => Some(e.to_string()),
        Ok(()) if r.pos < bytes.len() => Some(format!(
            "{} bytes after the last record",
            bytes.len() - r.pos
        )),
        Ok(()) => None,
    };
    if let Some(problem) = problem {
        // From the end of the last labelled field: a read that failed half way labelled nothing.
        let at = fields.last().map_or(0, |f| f.range.end);
        push(&mut fields, "unreadable".into(), at, bytes.len(), problem);
    }
    fields
}
