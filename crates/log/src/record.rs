//! Records: what a producer sends and what a consumer reads.

use std::fmt;
use std::sync::Arc;

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
/// contents. A decoded record's key and value are spans of the buffer of the batch it came
/// from, shared by every record of that batch: reading a batch allocates once, and each record
/// costs one reference count, not two allocations (nor two indirect reference counts).
#[derive(Clone)]
pub struct Record {
    offset: Offset,
    sequence_number: SequenceNumber,
    timestamp: Timestamp,
    buffer: Arc<Vec<u8>>,
    key: Option<Span>,
    value: Option<Span>,
    headers: Vec<Header>,
}

/// Where a key or a value lies in a record's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
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
        // The value's vector becomes the buffer (no copy); a key is copied after it.
        let (mut buffer, value) = match value {
            Some(v) => {
                let end = v.len();
                (v, Some(Span { start: 0, end }))
            }
            None => (Vec::new(), None),
        };
        let key = key.map(|k| {
            let start = buffer.len();
            buffer.extend_from_slice(&k);
            Span {
                start,
                end: buffer.len(),
            }
        });
        Record::shared(
            offset,
            sequence_number,
            timestamp,
            Arc::new(buffer),
            key,
            value,
            headers,
        )
    }

    /// A record whose key and value are spans of a shared buffer (the decoder's way). The spans
    /// lie within the buffer.
    pub(crate) fn shared(
        offset: Offset,
        sequence_number: SequenceNumber,
        timestamp: Timestamp,
        buffer: Arc<Vec<u8>>,
        key: Option<Span>,
        value: Option<Span>,
        headers: Vec<Header>,
    ) -> Record {
        debug_assert!(key.is_none_or(|k| k.start <= k.end && k.end <= buffer.len()));
        debug_assert!(value.is_none_or(|v| v.start <= v.end && v.end <= buffer.len()));
        Record {
            offset,
            sequence_number,
            timestamp,
            buffer,
            key,
            value,
            headers,
        }
    }

    fn slice(&self, span: Option<Span>) -> Option<&[u8]> {
        // The spans were checked against the buffer when the record was made; `get` keeps a
        // mistake from ever panicking.
        span.map(|s| self.buffer.get(s.start..s.end).unwrap_or_default())
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
        self.slice(self.key)
    }

    /// The value; `None` is a tombstone.
    pub fn value(&self) -> Option<&[u8]> {
        self.slice(self.value)
    }

    /// The headers, in the order the producer gave them.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The bytes this record counts against size limits: key, value, header names and values.
    pub fn size(&self) -> usize {
        self.key().map_or(0, <[u8]>::len)
            + self.value().map_or(0, <[u8]>::len)
            + headers_size(&self.headers)
    }
}

/// Records are equal when their places and contents are, whatever buffers they share.
impl PartialEq for Record {
    fn eq(&self, other: &Record) -> bool {
        self.offset == other.offset
            && self.sequence_number == other.sequence_number
            && self.timestamp == other.timestamp
            && self.key() == other.key()
            && self.value() == other.value()
            && self.headers == other.headers
    }
}

impl Eq for Record {}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("offset", &self.offset)
            .field("sequence_number", &self.sequence_number)
            .field("timestamp", &self.timestamp)
            .field("key", &self.key())
            .field("value", &self.value())
            .field("headers", &self.headers)
            .finish()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: Option<&str>, value: Option<&str>) -> Record {
        Record::new(
            Offset(7),
            SequenceNumber(9),
            Timestamp(11),
            key.map(|k| k.as_bytes().to_vec()),
            value.map(|v| v.as_bytes().to_vec()),
            vec![],
        )
    }

    #[test]
    fn a_record_keeps_key_and_value_apart_null_and_empty_alike() {
        for (key, value) in [
            (Some("k"), Some("value")),
            (None, Some("value")),
            (Some("k"), None),
            (None, None),
            (Some(""), Some("")),
            (Some(""), None),
        ] {
            let r = record(key, value);
            assert_eq!(r.key(), key.map(str::as_bytes), "{key:?} {value:?}");
            assert_eq!(r.value(), value.map(str::as_bytes), "{key:?} {value:?}");
            assert_eq!(
                r.size(),
                key.map_or(0, str::len) + value.map_or(0, str::len)
            );
        }
    }

    #[test]
    fn records_are_equal_by_contents_whatever_buffer_they_share() {
        let own = record(Some("ab"), Some("c"));
        let shared = Record::shared(
            Offset(7),
            SequenceNumber(9),
            Timestamp(11),
            Arc::new(b"xxabcx".to_vec()),
            Some(Span { start: 2, end: 4 }),
            Some(Span { start: 4, end: 5 }),
            vec![],
        );
        assert_eq!(own, shared);
        // A key "a" with value "bc" holds the same bytes in another split: not equal.
        assert_ne!(own, record(Some("a"), Some("bc")));
        assert_ne!(own, record(Some("ab"), None));
    }
}
