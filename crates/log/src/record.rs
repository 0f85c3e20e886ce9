//! Records: what a producer sends and what a consumer reads.

use bytes::Bytes;

use crate::types::{Offset, SequenceNumber, Timestamp};

/// A record header: a string key and an optional bytes value, as Kafka's `Header`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The header's name.
    pub key: String,
    /// The header's value; `None` is a null value.
    pub value: Option<Vec<u8>>,
}

/// A record as stored in the log: its place (offset and, for Kinesis, sequence number) and its
/// contents. A decoded record's key and value share the buffer of the batch they came from, so
/// reading a batch allocates once, not twice per record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    offset: Offset,
    sequence_number: SequenceNumber,
    timestamp: Timestamp,
    key: Option<Bytes>,
    value: Option<Bytes>,
    headers: Vec<Header>,
}

impl Record {
    /// Assembles a record. The log assigns `offset` and `sequence_number`; a caller outside the
    /// log only builds records to compare with what it reads.
    pub fn new(
        offset: Offset,
        sequence_number: SequenceNumber,
        timestamp: Timestamp,
        key: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
        headers: Vec<Header>,
    ) -> Record {
        Record::shared(
            offset,
            sequence_number,
            timestamp,
            key.map(Bytes::from),
            value.map(Bytes::from),
            headers,
        )
    }

    /// A record whose key and value are slices of a shared buffer (the decoder's way).
    pub(crate) fn shared(
        offset: Offset,
        sequence_number: SequenceNumber,
        timestamp: Timestamp,
        key: Option<Bytes>,
        value: Option<Bytes>,
        headers: Vec<Header>,
    ) -> Record {
        Record {
            offset,
            sequence_number,
            timestamp,
            key,
            value,
            headers,
        }
    }

    /// The record's offset in its partition.
    pub fn offset(&self) -> Offset {
        self.offset
    }

    /// The record's Kinesis sequence number (Kafka topics have them too; the UI hides them).
    pub fn sequence_number(&self) -> SequenceNumber {
        self.sequence_number
    }

    /// CreateTime given by the producer, or the append time when it gave none.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// The key (Kinesis: the partition key's UTF-8 bytes); `None` when the record has none.
    pub fn key(&self) -> Option<&[u8]> {
        self.key.as_deref()
    }

    /// The value; `None` is a tombstone.
    pub fn value(&self) -> Option<&[u8]> {
        self.value.as_deref()
    }

    /// The headers, in the order the producer gave them.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The bytes this record counts against size limits: key, value, header names and values.
    pub fn size(&self) -> usize {
        self.key.as_ref().map_or(0, Bytes::len)
            + self.value.as_ref().map_or(0, Bytes::len)
            + headers_size(&self.headers)
    }
}

/// The bytes a record's contents count against size limits.
pub(crate) fn payload_size(
    key: &Option<Vec<u8>>,
    value: &Option<Vec<u8>>,
    headers: &[Header],
) -> usize {
    key.as_ref().map_or(0, Vec::len) + value.as_ref().map_or(0, Vec::len) + headers_size(headers)
}

fn headers_size(headers: &[Header]) -> usize {
    headers
        .iter()
        .map(|h| h.key.len() + h.value.as_ref().map_or(0, Vec::len))
        .sum()
}
