//! The record batch: the unit that is stored, checked and read.

use std::ops::RangeBounds;
use std::sync::Arc;

use crate::record::{Header, Record};
use crate::types::{Offset, SequenceNumber, Timestamp};

mod encode;
mod fields;
mod header;
mod reader;

pub(crate) use encode::{encode_in_frame, encode_views, RecordView};
pub use fields::{batch_fields, BatchField};
pub use header::{BatchHeader, DecodeError, BATCH_FORMAT_VERSION, BATCH_HEADER_LEN};
use reader::{unzigzag, Reader};

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

#[cfg(test)]
mod tests {
    use super::encode::{put_varint, varint_len, zigzag};
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
