//! Turning the log's values into text for the screen.

use streamlab_log::{Record, ShardId, TopicMetadata};

/// One record as the records table shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordRow {
    /// Partition (shard index).
    pub partition: u32,
    /// Offset.
    pub offset: u64,
    /// Sequence number, decimal.
    pub sequence_number: String,
    /// The key as text, or `None` when the record has none.
    pub key: Option<String>,
    /// The value as text, or `None` for a tombstone.
    pub value: Option<String>,
    /// Timestamp in milliseconds.
    pub timestamp: i64,
}

impl RecordRow {
    /// The row for `record` of `partition`.
    pub fn new(partition: u32, record: &Record) -> RecordRow {
        RecordRow {
            partition,
            offset: record.offset().0,
            sequence_number: record.sequence_number().to_string(),
            key: record.key().map(text),
            value: record.value().map(text),
            timestamp: record.timestamp().0,
        }
    }
}

/// Bytes as text; invalid UTF-8 shows replacement characters rather than failing.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `shardId-000000000003` for partition 3.
pub fn shard_id(partition: u32) -> String {
    ShardId(partition).to_string()
}

/// A timestamp in ISO 8601 (UTC), as the browser formats it.
pub fn iso_time(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    if date.get_time().is_nan() {
        return ms.to_string();
    }
    String::from(date.to_iso_string())
}

/// The open topic's metadata, if it is among `topics`.
pub fn find_topic<'a>(
    topics: &'a [TopicMetadata],
    name: &streamlab_log::TopicName,
) -> Option<&'a TopicMetadata> {
    topics.iter().find(|t| t.config.name() == name)
}
