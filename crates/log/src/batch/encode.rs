//! Encoding records into a batch: Kafka-style varints, zigzag deltas, nullable fields, and a
//! batch re-encoded inside its original frame after compaction.

use super::header::{BatchHeader, BATCH_FORMAT_VERSION, BATCH_HEADER_LEN};
use crate::record::{Header, Record};
use crate::types::{Offset, SequenceNumber, Timestamp};

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
    pub(crate) fn of(r: &'a Record) -> RecordView<'a> {
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

pub(super) fn varint_len(v: u64) -> usize {
    // 7 bits a byte; 0 still takes one byte.
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
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

pub(super) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}
