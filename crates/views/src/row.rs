//! One record as the records table shows it, and which records the table asks for.

use streamlab_log::Record;

/// One record as the records table shows it: its place, and its key, value and headers as
/// bytes, so the table can show them as text, JSON or hex.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordRow {
    /// Partition (shard index).
    pub partition: u32,
    /// Offset.
    pub offset: u64,
    /// Sequence number, decimal.
    pub sequence_number: String,
    /// Key bytes, if any.
    pub key: Option<Vec<u8>>,
    /// Value bytes; `None` for a tombstone.
    pub value: Option<Vec<u8>>,
    /// Headers: name and value bytes.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// Timestamp, ms.
    pub timestamp: i64,
}

impl RecordRow {
    /// The row of `record` in `partition`.
    pub fn from_record(partition: u32, record: &Record) -> RecordRow {
        RecordRow {
            partition,
            offset: record.offset().0,
            sequence_number: record.sequence_number().to_string(),
            key: record.key().map(<[u8]>::to_vec),
            value: record.value().map(<[u8]>::to_vec),
            headers: record
                .headers()
                .iter()
                .map(|h| (h.key.clone(), h.value.clone()))
                .collect(),
            timestamp: record.timestamp().0,
        }
    }

    /// The key as text (lossy UTF-8), if there is one.
    pub fn key_text(&self) -> Option<String> {
        self.key
            .as_deref()
            .map(|k| String::from_utf8_lossy(k).into_owned())
    }
}

/// Which records the records table shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RecordsQuery {
    /// One partition, or the newest records of every partition (`None`).
    pub partition: Option<u32>,
    /// The page's first offset; `None` follows the log end (live tail).
    pub from: Option<u64>,
    /// Only records whose key contains this text (empty: every record).
    pub key_search: String,
}
