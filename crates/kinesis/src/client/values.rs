//! The values the client's calls take and return, in the API's terms.

/// Where a shard iterator starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartingPosition {
    /// The oldest record still kept.
    TrimHorizon,
    /// After the newest record.
    Latest,
    /// At this sequence number.
    AtSequenceNumber(String),
    /// After this sequence number.
    AfterSequenceNumber(String),
    /// At the first record at or after this time (ms since 1970).
    AtTimestamp(i64),
}

/// One record to put.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutEntry {
    /// The partition key.
    pub partition_key: String,
    /// A decimal hash key overriding the partition key's MD5.
    pub explicit_hash_key: Option<String>,
    /// The data.
    pub data: Vec<u8>,
}

/// Where a record was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutResult {
    /// The shard.
    pub shard_id: String,
    /// The record's sequence number.
    pub sequence_number: String,
}

/// A record read back.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamRecord {
    /// Its sequence number (decimal).
    pub sequence_number: String,
    /// Its partition key.
    pub partition_key: String,
    /// Its data.
    pub data: Vec<u8>,
    /// When it arrived (ms since 1970), if the service said.
    pub arrival_ms: Option<i64>,
}

/// One `GetRecords` read.
#[derive(Clone, Debug, PartialEq)]
pub struct Records {
    /// The records, in sequence-number order.
    pub records: Vec<StreamRecord>,
    /// The next read's iterator; `None` at the end of a closed shard.
    pub next_iterator: Option<String>,
    /// How far behind the shard's newest record this read is.
    pub millis_behind_latest: Option<u64>,
    /// The shards that took over a closed shard, when the service says (at its end).
    pub child_shards: Option<Vec<String>>,
}
