//! The record batch: the unit that is stored, checked and read.

use std::ops::RangeBounds;
use std::sync::Arc;

use crate::record::{Header, Record, Span};
use crate::types::{Offset, SequenceNumber, Timestamp};

/// The version byte that leads every batch this code writes.
pub const BATCH_FORMAT_VERSION: u8 = 1;

/// Length of the fixed batch header in bytes (see [`RecordBatch`]).
pub const BATCH_HEADER_LEN: usize = 53;

/// Why stored bytes are not a valid record batch. Every variant names what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes end before the structure does.
    #[error("batch truncated: {field} needs {needed} bytes at byte {at}, {available} left")]
    Truncated {
        /// What was being read.
        field: &'static str,
        /// Where it starts.
        at: usize,
        /// How many bytes it needs.
        needed: usize,
        /// How many were left.
        available: usize,
    },
    /// The leading version byte is not one this code reads.
    #[error(
        "unsupported batch format version {0} (this build reads version {BATCH_FORMAT_VERSION})"
    )]
    UnsupportedVersion(u8),
    /// The CRC-32C stored in the header does not match the bytes after it.
    #[error("batch CRC mismatch: stored {expected:#010x}, computed {found:#010x}")]
    CrcMismatch {
        /// The CRC stored in the header.
        expected: u32,
        /// The CRC of the bytes as they are.
        found: u32,
    },
    /// A variable-length integer runs past 64 bits.
    #[error("malformed varint at byte {at}")]
    MalformedVarint {
        /// Where it starts.
        at: usize,
    },
    /// A length field points past the end of its record.
    #[error("{field} of record {index} is longer than its record")]
    Overrun {
        /// Which length.
        field: &'static str,
        /// The record's index within the batch.
        index: u32,
    },
    /// A header name is not UTF-8.
    #[error("header name of record {index} is not UTF-8")]
    HeaderNotUtf8 {
        /// The record's index within the batch.
        index: u32,
    },
    /// Offset deltas must grow strictly and stay within the header's last offset delta.
    #[error("record {index} has offset delta {delta}, out of order or past the last offset delta")]
    OffsetDeltaOutOfOrder {
        /// The record's index within the batch.
        index: u32,
        /// Its offset delta.
        delta: u64,
    },
    /// The header's counts disagree with the records (count zero, or extra bytes at the end).
    #[error("batch header says {declared} records but the body {found}")]
    CountMismatch {
        /// The record count in the header.
        declared: u32,
        /// What the body holds, in words.
        found: &'static str,
    },
    /// The header's timestamps or sequence number overflow when applied to a record.
    #[error("record {index}'s timestamp or sequence number overflows")]
    Overflow {
        /// The record's index within the batch.
        index: u32,
    },
}

/// The fixed header of a record batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHeader {
    /// Offset of the first record.
    pub base_offset: Offset,
    /// Last record's offset minus the base offset.
    pub last_offset_delta: u32,
    /// Timestamp of the first record; record timestamps are stored as deltas from it.
    pub first_timestamp: Timestamp,
    /// The largest record timestamp in the batch (for seek by time).
    pub max_timestamp: Timestamp,
    /// Sequence number of the record at the base offset; a record's sequence number is this plus
    /// its offset delta.
    pub base_sequence: SequenceNumber,
    /// How many records the batch holds (fewer than `last_offset_delta + 1` after compaction).
    pub record_count: u32,
}

impl BatchHeader {
    /// The offset after the batch's last record.
    pub fn next_offset(&self) -> Offset {
        Offset(self.base_offset.0 + u64::from(self.last_offset_delta) + 1)
    }
}

/// A batch of records of one partition, as stored: one value per batch, like Kafka's on-disk
/// format.
///
/// # Format, version 1
/// All fixed-width integers are little-endian.
///
/// | bytes | field |
/// |---|---|
/// | 0 | format version, `1` |
/// | 1..5 | CRC-32C (Castagnoli) of every byte from 5 to the end |
/// | 5..13 | base offset, u64 |
/// | 13..17 | last offset delta, u32 |
/// | 17..25 | first timestamp, i64 milliseconds |
/// | 25..33 | max timestamp, i64 milliseconds |
/// | 33..49 | base sequence number, u128 |
/// | 49..53 | record count, u32 |
/// | 53.. | the records |
///
/// Each record is `length` (varint: the bytes that follow in this record), then `offset delta`
/// (varint), `timestamp delta` from the first timestamp (zigzag varint), `key length + 1` (varint,
/// 0 for no key) and the key, `value length + 1` (varint, 0 for a tombstone) and the value, then
/// `header count` (varint) and per header `name length` (varint), the UTF-8 name, `value length + 1`
/// (varint, 0 for null) and the value. Varints are unsigned LEB128.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordBatch {
    header: BatchHeader,
    records: Vec<Record>,
}

impl RecordBatch {
    /// The header.
    pub fn header(&self) -> &BatchHeader {
        &self.header
    }

    /// The records, in offset order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Takes the records out.
    pub fn into_records(self) -> Vec<Record> {
        self.records
    }

    /// Encodes `records` as one batch. The records must be non-empty, in strictly increasing
    /// offset order, and each record's sequence number must be the first record's plus its offset
    /// delta: the log builds them that way, and that is what lets the header hold one base
    /// sequence number. Returns `None` when they are not.
    pub fn encode(records: &[Record]) -> Option<Vec<u8>> {
        encode_views(records.iter().map(RecordView::of))
    }

    /// Reads and checks the header only (version and CRC included), without decoding records.
    pub fn decode_header(bytes: &[u8]) -> Result<BatchHeader, DecodeError> {
        let mut r = Reader { bytes, pos: 0 };
        let version = r.fixed::<1>("format version")?[0];
        if version != BATCH_FORMAT_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let expected = u32::from_le_bytes(r.fixed::<4>("CRC")?);
        // The header must be complete before the CRC is worth computing.
        if bytes.len() < BATCH_HEADER_LEN {
            return Err(DecodeError::Truncated {
                field: "batch header",
                at: 0,
                needed: BATCH_HEADER_LEN,
                available: bytes.len(),
            });
        }
        let found = crate::crc::crc32c(&bytes[5..]);
        if found != expected {
            return Err(DecodeError::CrcMismatch { expected, found });
        }
        Ok(BatchHeader {
            base_offset: Offset(u64::from_le_bytes(r.fixed("base offset")?)),
            last_offset_delta: u32::from_le_bytes(r.fixed("last offset delta")?),
            first_timestamp: Timestamp(i64::from_le_bytes(r.fixed("first timestamp")?)),
            max_timestamp: Timestamp(i64::from_le_bytes(r.fixed("max timestamp")?)),
            base_sequence: SequenceNumber(u128::from_le_bytes(r.fixed("base sequence")?)),
            record_count: u32::from_le_bytes(r.fixed("record count")?),
        })
    }

    /// Decodes and checks a whole batch. Never panics, whatever the bytes.
    pub fn decode(bytes: &[u8]) -> Result<RecordBatch, DecodeError> {
        RecordBatch::decode_range(bytes.to_vec(), Offset(0), usize::MAX)
    }

    /// Decodes and checks a whole batch, but keeps only up to `max_records` records from offset
    /// `from` on: every record is still validated (so an error never depends on where a read
    /// starts), yet only the kept ones are copied out.
    ///
    /// The records' keys and values are spans of `bytes`, which they share (no copy).
    pub fn decode_range(
        bytes: Vec<u8>,
        from: Offset,
        max_records: usize,
    ) -> Result<RecordBatch, DecodeError> {
        let mut records = Vec::new();
        let header = RecordBatch::decode_into(bytes, from.., max_records, &mut records)?;
        Ok(RecordBatch { header, records })
    }

    /// Decodes and checks a whole batch, appending to `out` up to `max_records` of its records
    /// whose offsets are in `keep`, and returns its header. Every record is validated, kept or
    /// not. On an error `out` is left as it was: a batch is taken whole or not at all.
    ///
    /// The records' keys and values are spans of `bytes`, which they share (no copy): a reader
    /// of many batches decodes each straight into its one vector.
    pub fn decode_into(
        bytes: Vec<u8>,
        keep: impl RangeBounds<Offset>,
        max_records: usize,
        out: &mut Vec<Record>,
    ) -> Result<BatchHeader, DecodeError> {
        let before = out.len();
        let buffer = Arc::new(bytes);
        let result = decode_records(&buffer, &keep, max_records, out);
        if result.is_err() {
            out.truncate(before);
        }
        result
    }
}

/// [`RecordBatch::decode_into`]'s work; on an error, what it pushed is the caller's to remove.
fn decode_records(
    buffer: &Arc<Vec<u8>>,
    keep: &impl RangeBounds<Offset>,
    max_records: usize,
    out: &mut Vec<Record>,
) -> Result<BatchHeader, DecodeError> {
    let bytes: &[u8] = buffer;
    let header = RecordBatch::decode_header(bytes)?;
    if header.record_count == 0 {
        return Err(DecodeError::CountMismatch {
            declared: 0,
            found: "a batch must hold at least one record",
        });
    }
    let mut r = Reader {
        bytes,
        pos: BATCH_HEADER_LEN,
    };
    // Each record takes at least 6 bytes, so a count beyond that is a lie; do not let it size
    // an allocation.
    let plausible = (bytes.len() - BATCH_HEADER_LEN) / 6;
    out.reserve(
        (header.record_count as usize)
            .min(plausible)
            .min(max_records),
    );
    let mut kept = 0usize;
    let mut previous_delta: Option<u64> = None;
    for index in 0..header.record_count {
        let length = r.varint()?;
        let start = r.pos;
        let available = bytes.len() - start;
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        if length > available {
            return Err(DecodeError::Truncated {
                field: "record",
                at: start,
                needed: length,
                available,
            });
        }
        let mut rec = Reader {
            bytes: &bytes[..start + length],
            pos: start,
        };
        let overrun = |e: DecodeError, field| match e {
            DecodeError::Truncated { .. } => DecodeError::Overrun { field, index },
            other => other,
        };
        let delta = rec.varint().map_err(|e| overrun(e, "offset delta"))?;
        if previous_delta.is_some_and(|p| delta <= p) || delta > u64::from(header.last_offset_delta)
        {
            return Err(DecodeError::OffsetDeltaOutOfOrder { index, delta });
        }
        previous_delta = Some(delta);
        let ts_delta = unzigzag(rec.varint().map_err(|e| overrun(e, "timestamp delta"))?);
        let key = rec.nullable_span().map_err(|e| overrun(e, "key"))?;
        let value = rec.nullable_span().map_err(|e| overrun(e, "value"))?;
        let header_count = rec.varint().map_err(|e| overrun(e, "header count"))?;
        let mut headers = Vec::new();
        for _ in 0..header_count {
            let name_len = rec.varint().map_err(|e| overrun(e, "header name"))?;
            let name = rec
                .take(name_len, "header name")
                .map_err(|e| overrun(e, "header name"))?;
            let name =
                std::str::from_utf8(name).map_err(|_| DecodeError::HeaderNotUtf8 { index })?;
            let value = rec
                .nullable_slice()
                .map_err(|e| overrun(e, "header value"))?;
            headers.push((name, value));
        }
        if rec.pos != start + length {
            return Err(DecodeError::Overrun {
                field: "record length",
                index,
            });
        }
        r.pos = rec.pos;
        let offset = header
            .base_offset
            .0
            .checked_add(delta)
            .ok_or(DecodeError::Overflow { index })?;
        let sequence = header
            .base_sequence
            .0
            .checked_add(u128::from(delta))
            .ok_or(DecodeError::Overflow { index })?;
        let timestamp = header
            .first_timestamp
            .0
            .checked_add(ts_delta)
            .ok_or(DecodeError::Overflow { index })?;
        if kept < max_records && keep.contains(&Offset(offset)) {
            kept += 1;
            out.push(Record::shared(
                Offset(offset),
                SequenceNumber(sequence),
                Timestamp(timestamp),
                Arc::clone(buffer),
                key,
                value,
                headers
                    .into_iter()
                    .map(|(key, value)| Header {
                        key: key.to_owned(),
                        value: value.map(<[u8]>::to_vec),
                    })
                    .collect(),
            ));
        }
    }
    if r.pos != bytes.len() {
        return Err(DecodeError::CountMismatch {
            declared: header.record_count,
            found: "has bytes left after the last record",
        });
    }
    Ok(header)
}

/// A record to encode, borrowed: the log encodes a producer's records without copying them into
/// [`Record`]s first.
#[derive(Clone, Copy)]
pub(crate) struct RecordView<'a> {
    pub offset: Offset,
    pub sequence_number: SequenceNumber,
    pub timestamp: Timestamp,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: &'a [Header],
}

impl<'a> RecordView<'a> {
    /// A view of a stored record.
    fn of(r: &'a Record) -> RecordView<'a> {
        RecordView {
            offset: r.offset(),
            sequence_number: r.sequence_number(),
            timestamp: r.timestamp(),
            key: r.key(),
            value: r.value(),
            headers: r.headers(),
        }
    }
}

/// Encodes records given as views (see [`RecordBatch::encode`] for the rules they must follow).
pub(crate) fn encode_views<'a, I>(records: I) -> Option<Vec<u8>>
where
    I: Iterator<Item = RecordView<'a>> + Clone,
{
    encode_framed(records, None)
}

/// Encodes what remains of a batch after compaction inside the batch's original frame: the same
/// base offset, base sequence number, first and max timestamps and last offset delta, so offsets,
/// sequence numbers and the time index stay as they were (Kafka keeps a compacted batch's frame
/// the same way). Returns `None` when the records do not fit the frame.
pub(crate) fn encode_in_frame(records: &[Record], frame: &BatchHeader) -> Option<Vec<u8>> {
    encode_framed(records.iter().map(RecordView::of), Some(frame))
}

fn encode_framed<'a, I>(records: I, frame: Option<&BatchHeader>) -> Option<Vec<u8>>
where
    I: Iterator<Item = RecordView<'a>> + Clone,
{
    let first = records.clone().next()?;
    let (base_offset, base_sequence, first_timestamp) = match frame {
        Some(f) => (f.base_offset, f.base_sequence, f.first_timestamp),
        None => (first.offset, first.sequence_number, first.timestamp),
    };
    if first.offset < base_offset {
        return None;
    }
    // First pass: check the order, find the header's values and the exact size.
    let mut max_timestamp = frame.map_or(first_timestamp, |f| f.max_timestamp);
    let mut last_offset: Option<Offset> = None;
    let mut count = 0usize;
    let mut body_len = 0usize;
    for r in records.clone() {
        if last_offset.is_some_and(|last| r.offset <= last) {
            return None;
        }
        last_offset = Some(r.offset);
        let delta = r.offset.0 - base_offset.0;
        if r.sequence_number.0.checked_sub(base_sequence.0) != Some(u128::from(delta)) {
            return None;
        }
        max_timestamp = max_timestamp.max(r.timestamp);
        let len = record_len(
            delta,
            zigzag(r.timestamp.0.wrapping_sub(first_timestamp.0)),
            &r,
        );
        body_len += varint_len(len as u64) + len;
        count += 1;
    }
    let mut last_offset_delta = u32::try_from(last_offset?.0 - base_offset.0).ok()?;
    if let Some(f) = frame {
        if last_offset_delta > f.last_offset_delta {
            return None;
        }
        last_offset_delta = f.last_offset_delta;
    }
    let record_count = u32::try_from(count).ok()?;

    let mut out = Vec::with_capacity(BATCH_HEADER_LEN + body_len);
    out.push(BATCH_FORMAT_VERSION);
    out.extend_from_slice(&[0; 4]); // CRC, filled below
    out.extend_from_slice(&base_offset.0.to_le_bytes());
    out.extend_from_slice(&last_offset_delta.to_le_bytes());
    out.extend_from_slice(&first_timestamp.0.to_le_bytes());
    out.extend_from_slice(&max_timestamp.0.to_le_bytes());
    out.extend_from_slice(&base_sequence.0.to_le_bytes());
    out.extend_from_slice(&record_count.to_le_bytes());
    // Second pass: write each record straight into the batch.
    for r in records {
        let delta = r.offset.0 - base_offset.0;
        let ts_delta = zigzag(r.timestamp.0.wrapping_sub(first_timestamp.0));
        put_varint(&mut out, record_len(delta, ts_delta, &r) as u64);
        put_varint(&mut out, delta);
        put_varint(&mut out, ts_delta);
        put_nullable(&mut out, r.key);
        put_nullable(&mut out, r.value);
        put_varint(&mut out, r.headers.len() as u64);
        for h in r.headers {
            put_varint(&mut out, h.key.len() as u64);
            out.extend_from_slice(h.key.as_bytes());
            put_nullable(&mut out, h.value.as_deref());
        }
    }
    let crc = crate::crc::crc32c(&out[5..]);
    out[1..5].copy_from_slice(&crc.to_le_bytes());
    Some(out)
}

/// The encoded length of a record after its length prefix.
fn record_len(delta: u64, ts_delta: u64, r: &RecordView<'_>) -> usize {
    let nullable = |b: Option<&[u8]>| b.map_or(1, |b| varint_len(b.len() as u64 + 1) + b.len());
    varint_len(delta)
        + varint_len(ts_delta)
        + nullable(r.key)
        + nullable(r.value)
        + varint_len(r.headers.len() as u64)
        + r.headers
            .iter()
            .map(|h| varint_len(h.key.len() as u64) + h.key.len() + nullable(h.value.as_deref()))
            .sum::<usize>()
}

fn varint_len(v: u64) -> usize {
    // 7 bits a byte; 0 still takes one byte.
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_nullable(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => put_varint(out, 0),
        Some(b) => {
            put_varint(out, b.len() as u64 + 1);
            out.extend_from_slice(b);
        }
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

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

/// A cursor over bytes whose every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    fn take(&mut self, n: u64, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let available = self.bytes.len() - self.pos;
        match usize::try_from(n) {
            Ok(n) if n <= available => {
                let out = &self.bytes[self.pos..self.pos + n];
                self.pos += n;
                Ok(out)
            }
            _ => Err(DecodeError::Truncated {
                field,
                at: self.pos,
                needed: usize::try_from(n).unwrap_or(usize::MAX),
                available,
            }),
        }
    }

    fn fixed<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let slice = self.take(N as u64, field)?;
        let mut out = [0; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    /// A varint; most in a batch (lengths under 128, small deltas) are one byte.
    #[inline(always)]
    fn varint(&mut self) -> Result<u64, DecodeError> {
        match self.bytes.get(self.pos) {
            Some(&byte) if byte < 0x80 => {
                self.pos += 1;
                Ok(u64::from(byte))
            }
            _ => self.long_varint(),
        }
    }

    #[inline(never)]
    fn long_varint(&mut self) -> Result<u64, DecodeError> {
        let at = self.pos;
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.fixed::<1>("varint")?[0];
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(DecodeError::MalformedVarint { at });
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::MalformedVarint { at })
    }

    /// A length-prefixed (`length + 1`, 0 for null) field.
    #[inline(always)]
    fn nullable_slice(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        match self.varint()? {
            0 => Ok(None),
            n => self.take(n - 1, "bytes").map(Some),
        }
    }

    /// A length-prefixed (`length + 1`, 0 for null) field's place: it ends where the reader is.
    #[inline(always)]
    fn nullable_span(&mut self) -> Result<Option<Span>, DecodeError> {
        let field = self.nullable_slice()?;
        Ok(field.map(|f| Span {
            start: self.pos - f.len(),
            end: self.pos,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(offset: u64, seq: u128, ts: i64, key: Option<&str>, value: Option<&str>) -> Record {
        Record::new(
            Offset(offset),
            SequenceNumber(seq),
            Timestamp(ts),
            key.map(|k| k.as_bytes().to_vec()),
            value.map(|v| v.as_bytes().to_vec()),
            vec![],
        )
    }

    fn sample() -> Vec<Record> {
        let with_headers = Record::new(
            Offset(12),
            SequenceNumber(1_000_002),
            Timestamp(1_700_000_000_500),
            None,
            None,
            vec![
                Header {
                    key: "trace".into(),
                    value: Some(vec![1, 2, 3]),
                },
                Header {
                    key: "empty".into(),
                    value: None,
                },
            ],
        );
        vec![
            record(
                10,
                1_000_000,
                1_700_000_000_000,
                Some("alice"),
                Some("hello"),
            ),
            record(11, 1_000_001, 1_699_999_999_000, Some(""), Some("")),
            with_headers,
        ]
    }

    #[test]
    fn a_batch_round_trips_with_its_header() {
        let records = sample();
        let bytes = RecordBatch::encode(&records).expect("valid records");
        assert_eq!(bytes[0], BATCH_FORMAT_VERSION);
        let batch = RecordBatch::decode(&bytes).expect("decodes");
        assert_eq!(batch.records(), &records[..]);
        assert_eq!(
            *batch.header(),
            BatchHeader {
                base_offset: Offset(10),
                last_offset_delta: 2,
                first_timestamp: Timestamp(1_700_000_000_000),
                max_timestamp: Timestamp(1_700_000_000_500),
                base_sequence: SequenceNumber(1_000_000),
                record_count: 3,
            }
        );
        assert_eq!(batch.header().next_offset(), Offset(13));
    }

    #[test]
    fn gaps_from_compaction_survive_a_round_trip() {
        let records = vec![
            record(0, 50, 1, Some("a"), Some("1")),
            record(5, 55, 2, Some("b"), None),
        ];
        let batch =
            RecordBatch::decode(&RecordBatch::encode(&records).expect("valid")).expect("decodes");
        assert_eq!(batch.records(), &records[..]);
        assert_eq!(batch.header().record_count, 2);
        assert_eq!(batch.header().last_offset_delta, 5);
    }

    #[test]
    fn encode_refuses_records_the_log_would_never_build() {
        assert_eq!(RecordBatch::encode(&[]), None);
        let out_of_order = [record(5, 5, 0, None, None), record(5, 6, 0, None, None)];
        assert_eq!(RecordBatch::encode(&out_of_order), None);
        let wrong_sequence = [record(5, 5, 0, None, None), record(6, 9, 0, None, None)];
        assert_eq!(RecordBatch::encode(&wrong_sequence), None);
    }

    #[test]
    fn every_byte_of_a_batch_has_a_label() {
        let bytes = RecordBatch::encode(&sample()).expect("valid");
        let fields = batch_fields(&bytes);
        // Contiguous, in order, covering the whole batch, nothing unreadable.
        let mut at = 0;
        for f in &fields {
            assert_eq!(f.range.start, at, "{} starts where the last ended", f.name);
            at = f.range.end;
        }
        assert_eq!(at, bytes.len());
        assert!(fields.iter().all(|f| f.name != "unreadable"));
        let named = |name: &str| {
            fields
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.value.clone())
        };
        assert_eq!(named("format version").as_deref(), Some("1"));
        assert_eq!(named("CRC-32C").map(|v| v.len()), Some(10));
        assert_eq!(named("record 0 offset delta").as_deref(), Some("0"));
        // A truncated copy is labelled up to where it breaks, and says why.
        let cut = batch_fields(&bytes[..bytes.len() - 3]);
        let last = cut.last().expect("fields");
        assert_eq!(last.name, "unreadable");
        assert!(last.value.contains("truncated"), "{}", last.value);
        assert_eq!(batch_fields(&[]).len(), 1);
    }

    #[test]
    fn a_flipped_byte_is_a_crc_mismatch() {
        let mut bytes = RecordBatch::encode(&sample()).expect("valid");
        let stored = u32::from_le_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        let found = crate::crc::crc32c(&bytes[5..]);
        assert_eq!(
            RecordBatch::decode(&bytes),
            Err(DecodeError::CrcMismatch {
                expected: stored,
                found
            })
        );
    }

    #[test]
    fn truncation_and_foreign_versions_are_named() {
        let bytes = RecordBatch::encode(&sample()).expect("valid");
        assert!(matches!(
            RecordBatch::decode(&bytes[..20]),
            Err(DecodeError::Truncated {
                field: "batch header",
                ..
            })
        ));
        assert!(matches!(
            RecordBatch::decode(&[]),
            Err(DecodeError::Truncated {
                field: "format version",
                ..
            })
        ));
        let mut v2 = bytes.clone();
        v2[0] = 2;
        assert_eq!(
            RecordBatch::decode(&v2),
            Err(DecodeError::UnsupportedVersion(2))
        );
    }

    /// Re-seals a body with a fresh CRC, so tests reach the checks behind the CRC.
    fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
        let crc = crate::crc::crc32c(&bytes[5..]);
        bytes[1..5].copy_from_slice(&crc.to_le_bytes());
        bytes
    }

    #[test]
    fn structural_lies_behind_a_valid_crc_are_caught() {
        let bytes = RecordBatch::encode(&sample()).expect("valid");
        // Record count says 4 but only 3 records follow.
        let mut more = bytes.clone();
        more[49..53].copy_from_slice(&4u32.to_le_bytes());
        assert!(matches!(
            RecordBatch::decode(&reseal(more)),
            Err(DecodeError::Truncated {
                field: "varint",
                ..
            })
        ));
        // Record count says 2 but 3 records follow.
        let mut fewer = bytes.clone();
        fewer[49..53].copy_from_slice(&2u32.to_le_bytes());
        assert!(matches!(
            RecordBatch::decode(&reseal(fewer)),
            Err(DecodeError::CountMismatch { declared: 2, .. })
        ));
        // Last offset delta smaller than the records' deltas.
        let mut short = bytes;
        short[13..17].copy_from_slice(&1u32.to_le_bytes());
        assert!(matches!(
            RecordBatch::decode(&reseal(short)),
            Err(DecodeError::OffsetDeltaOutOfOrder { index: 2, delta: 2 })
        ));
    }

    #[test]
    fn decode_into_appends_the_kept_range_and_takes_a_damaged_batch_not_at_all() {
        let records = sample();
        let bytes = RecordBatch::encode(&records).expect("valid");
        let mut out = vec![record(1, 1, 0, Some("before"), None)];
        let header = RecordBatch::decode_into(bytes.clone(), Offset(11)..Offset(13), 1, &mut out)
            .expect("decodes");
        assert_eq!(header.record_count, 3);
        // Only one record kept (the limit), the first in the range; what was there stays.
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].key(), Some(&b"before"[..]));
        assert_eq!(out[1], records[1]);
        RecordBatch::decode_into(bytes.clone(), ..Offset(12), usize::MAX, &mut out)
            .expect("decodes");
        assert_eq!(&out[2..], &records[..2]);
        // The last record's header count is damaged behind a valid CRC: the records before it
        // decoded, yet none of the batch is left in the vector.
        let mut damaged = bytes;
        let last = damaged.len() - 1;
        damaged[last] = 0x7f;
        let before = out.clone();
        assert!(
            RecordBatch::decode_into(reseal(damaged), .., usize::MAX, &mut out).is_err(),
            "a damaged batch is an error"
        );
        assert_eq!(out, before);
    }

    #[test]
    fn varints_and_zigzag_round_trip_at_the_edges() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX / 2, u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(varint_len(v), out.len(), "length of {v}");
            let mut r = Reader {
                bytes: &out,
                pos: 0,
            };
            assert_eq!(r.varint(), Ok(v));
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        let eleven = [0xffu8; 11];
        let mut r = Reader {
            bytes: &eleven,
            pos: 0,
        };
        assert_eq!(r.varint(), Err(DecodeError::MalformedVarint { at: 0 }));
    }
}
