//! The Kinesis Data Streams JSON 1.1 API's shapes (`X-Amz-Target: Kinesis_20131202.<Operation>`),
//! for the operations Streamlab uses, with the API's own field names.

use serde::{Deserialize, Serialize};

/// `ShardIteratorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ShardIteratorType {
    /// The oldest record still in the shard.
    TrimHorizon,
    /// Just after the newest record.
    Latest,
    /// At a sequence number.
    AtSequenceNumber,
    /// Just after a sequence number.
    AfterSequenceNumber,
    /// The first record at or after a time.
    AtTimestamp,
}

/// `CreateStream`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateStream<'a> {
    /// The stream.
    pub stream_name: &'a str,
    /// Its shard count.
    pub shard_count: u32,
}

/// `DeleteStream`, `DescribeStreamSummary`: only the stream's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamRef<'a> {
    /// The stream.
    pub stream_name: &'a str,
}

/// `DescribeStreamSummary`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamSummaryOutput {
    /// The summary.
    pub stream_description_summary: StreamSummary,
}

/// A stream's summary.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSummary {
    /// The stream.
    pub stream_name: String,
    /// `CREATING`, `DELETING`, `ACTIVE`, `UPDATING`.
    pub stream_status: String,
    /// How many shards are open.
    pub open_shard_count: u32,
    /// How long records are kept.
    pub retention_period_hours: u32,
}

/// `ListStreams`: a page of stream names after `exclusive_start_stream_name`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreams<'a> {
    /// The last name of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusive_start_stream_name: Option<&'a str>,
}

/// `ListStreams`' answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreamsOutput {
    /// This page's names.
    #[serde(default)]
    pub stream_names: Vec<String>,
    /// Whether more pages follow.
    #[serde(default)]
    pub has_more_streams: bool,
}

/// `ListShards`: the first page names the stream, later pages only the token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListShards<'a> {
    /// The stream (first page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_name: Option<&'a str>,
    /// The previous page's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<&'a str>,
}

/// `ListShards`' answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListShardsOutput {
    /// This page's shards.
    #[serde(default)]
    pub shards: Vec<Shard>,
    /// The next page's token, if there is one.
    pub next_token: Option<String>,
}

/// A shard: its hash-key range, its parents (after a split or a merge) and its sequence numbers.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Shard {
    /// `shardId-000000000000`.
    pub shard_id: String,
    /// The shard it was split from, or the first of the two merged into it.
    pub parent_shard_id: Option<String>,
    /// The second shard merged into it.
    pub adjacent_parent_shard_id: Option<String>,
    /// The partition-key hashes it takes (decimal).
    pub hash_key_range: HashKeyRange,
    /// Its sequence numbers; an ending one means the shard is closed.
    pub sequence_number_range: SequenceNumberRange,
}

/// A range of 128-bit hash keys, decimal, inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HashKeyRange {
    /// The first hash key.
    pub starting_hash_key: String,
    /// The last hash key.
    pub ending_hash_key: String,
}

/// A shard's sequence numbers.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SequenceNumberRange {
    /// The first.
    pub starting_sequence_number: String,
    /// The last, once the shard is closed.
    pub ending_sequence_number: Option<String>,
}

/// `PutRecord`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecord<'a> {
    /// The stream.
    pub stream_name: &'a str,
    /// The data, base64.
    pub data: String,
    /// The partition key.
    pub partition_key: &'a str,
    /// A hash key that overrides the partition key's MD5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explicit_hash_key: Option<&'a str>,
}

/// `PutRecord`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordOutput {
    /// Where the record went.
    pub shard_id: String,
    /// Its sequence number.
    pub sequence_number: String,
}

/// `PutRecords`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecords<'a> {
    /// The stream.
    pub stream_name: &'a str,
    /// Up to 500 records.
    pub records: Vec<PutRecordsEntry<'a>>,
}

/// One record of a `PutRecords` request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsEntry<'a> {
    /// The data, base64.
    pub data: String,
    /// The partition key.
    pub partition_key: &'a str,
    /// A hash key that overrides the partition key's MD5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explicit_hash_key: Option<&'a str>,
}

/// `PutRecords`' answer: one result per record, in order.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsOutput {
    /// How many records failed.
    pub failed_record_count: u32,
    /// The results.
    pub records: Vec<PutRecordsResult>,
}

/// One record's result: a shard and sequence number, or an error code.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsResult {
    /// Where it went.
    pub shard_id: Option<String>,
    /// Its sequence number.
    pub sequence_number: Option<String>,
    /// `ProvisionedThroughputExceededException` or `InternalFailure`.
    pub error_code: Option<String>,
    /// Why.
    pub error_message: Option<String>,
}

/// `GetShardIterator`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetShardIterator<'a> {
    /// The stream.
    pub stream_name: &'a str,
    /// The shard.
    pub shard_id: &'a str,
    /// Where to start.
    pub shard_iterator_type: ShardIteratorType,
    /// For AT_ and AFTER_SEQUENCE_NUMBER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_sequence_number: Option<&'a str>,
    /// For AT_TIMESTAMP: seconds since 1970, with fractions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<f64>,
}

/// `GetShardIterator`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetShardIteratorOutput {
    /// The iterator (valid five minutes).
    pub shard_iterator: String,
}

/// `GetRecords`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRecords<'a> {
    /// The iterator.
    pub shard_iterator: &'a str,
    /// At most this many records (up to 10,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `GetRecords`' answer.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRecordsOutput {
    /// The records.
    #[serde(default)]
    pub records: Vec<RecordOut>,
    /// Where to read next; absent at the end of a closed shard.
    pub next_shard_iterator: Option<String>,
    /// How far behind the newest record this read is.
    pub millis_behind_latest: Option<u64>,
    /// At the end of a closed shard, the shards that took over its hash keys (the service; not
    /// every emulator sends them).
    pub child_shards: Option<Vec<ChildShard>>,
}

/// A record as `GetRecords` returns it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordOut {
    /// Its sequence number.
    pub sequence_number: String,
    /// When it arrived, seconds since 1970.
    pub approximate_arrival_timestamp: Option<f64>,
    /// The data, base64.
    pub data: String,
    /// Its partition key.
    pub partition_key: String,
}

/// A child of a closed shard.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChildShard {
    /// The child.
    pub shard_id: String,
    /// Its parents.
    pub parent_shards: Vec<String>,
}

/// `SplitShard`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SplitShard<'a> {
    /// The stream.
    pub stream_name: &'a str,
    /// The shard to split.
    pub shard_to_split: &'a str,
    /// The first hash key of the second child (decimal).
    pub new_starting_hash_key: &'a str,
}

/// `MergeShards`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MergeShards<'a> {
    /// The stream.
    pub stream_name: &'a str,
    /// One shard.
    pub shard_to_merge: &'a str,
    /// The shard whose hash keys adjoin it.
    pub adjacent_shard_to_merge: &'a str,
}

/// `UpdateShardCount` (uniform scaling).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateShardCount<'a> {
    /// The stream.
    pub stream_name: &'a str,
    /// The open shards wanted.
    pub target_shard_count: u32,
    /// Always `UNIFORM_SCALING`.
    pub scaling_type: &'a str,
}

/// `UpdateShardCount`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateShardCountOutput {
    /// Open shards before.
    pub current_shard_count: u32,
    /// Open shards after.
    pub target_shard_count: u32,
}

/// An answer with nothing in it (CreateStream, DeleteStream, SplitShard, MergeShards).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Empty {}
