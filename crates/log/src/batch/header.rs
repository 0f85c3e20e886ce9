//! The stored batch format's fixed part: its version byte, header length, the header's fields
//! and why bytes are not a valid batch.

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
