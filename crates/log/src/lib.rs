//! The Streamlab log: an append-only, partitioned log in the style of Apache Kafka and AWS Kinesis
//! Data Streams, as pure Rust.
//!
//! This crate decides everything the log *means*: which names are legal, which partition (shard) a
//! record goes to, how offsets and sequence numbers are assigned, how a record batch is laid out in
//! bytes and checked, and how a fetch walks the log. It does no IO of its own: the bytes live behind
//! the [`Storage`] trait, with [`MemoryStore`] as the reference implementation here and IndexedDB
//! in the `streamlab-idb` crate.
//!
//! It is not a network protocol, a client library or a browser crate: it knows nothing about
//! IndexedDB, wasm-bindgen or Yew.
//!
//! ```
//! use streamlab_log::{fetch, produce, FetchLimits, KeylessPartitioner, MemoryStore, Mode, Offset,
//!                     PartitionId, ProduceRecord, Storage, Timestamp, TopicConfig, TopicPartition};
//!
//! # futures_lite_block_on(async {
//! let store = MemoryStore::new();
//! let config = TopicConfig::new("orders", Mode::Kafka, 3).unwrap();
//! store.create_topic(&config).await.unwrap();
//!
//! let records = [ProduceRecord::new(Some("alice"), "hello")];
//! let keyless = KeylessPartitioner::new();
//! let acks = produce(&store, config.name(), &records, &keyless, Timestamp(1_000)).await.unwrap();
//! // Kafka's partitioner: toPositive(murmur2("alice")) % 3 = 1951417749 % 3.
//! assert_eq!(acks[0].partition, PartitionId(0));
//! assert_eq!(acks[0].offset, Offset(0));
//!
//! let tp = TopicPartition::new(config.name().clone(), acks[0].partition);
//! let fetched = fetch(&store, &tp, Offset(0), FetchLimits::default()).await.unwrap();
//! assert_eq!(fetched.records[0].value(), Some(&b"hello"[..]));
//! # });
//! # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     streamlab_log::block_on(f)
//! # }
//! ```
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod batch;
mod crc;
mod errors;
mod fetch;
mod group;
mod memory;
mod names;
mod partition;
mod partitioner;
mod position;
mod produce;
mod record;
mod reshard;
mod retention;
mod storage;
mod table_view;
mod throttle;
mod topic;
mod types;

pub use batch::{
    batch_fields, BatchField, BatchHeader, DecodeError, RecordBatch, BATCH_FORMAT_VERSION,
    BATCH_HEADER_LEN,
};
pub use crc::crc32c;
pub use errors::{CorruptBatch, FetchError, GetRecordsLimitError, OffsetOutOfRange, PositionError};
pub use fetch::{fetch, FetchLimits, Fetched, PartitionScan};
pub use group::{
    assign, lag, millis_behind_latest, reset_group_offsets, starting_offset, AssignmentStrategy,
    CommittedOffset, ConsumerGroup, GroupId, GroupIdError, GroupMembership, MemberId, OffsetReset,
    Rebalance, ResetOffsetsError,
};
pub use memory::{MemoryStore, MemoryStoreError};
pub use names::TopicPartition;
pub use names::{NameError, TopicName, MAX_PARTITIONS};
pub use partition::{
    AppendError, AppendInfo, AppendRules, BatchIndexEntry, BatchRewrite, PartitionState,
    PartitionStateParts, PlannedAppend, RecordData, RewriteConflict, ShardState, TimestampType,
    MAX_RECORD_BYTES,
};
pub use partitioner::{
    kafka_partition, kinesis_hash_key, murmur2, to_positive, uniform_hash_key_ranges, HashKey,
    HashKeyError, HashKeyRange, KeylessPartitioner, PartitionKeyError, MAX_PARTITION_KEY_CHARS,
};
pub use position::{
    resolve_position, sequence_number_at, OffsetResetPolicy, Position, ShardIteratorType,
};
pub use produce::{
    produce, produce_to, produce_to_overlapped, route, ProduceError, ProduceRecord, RecordMetadata,
    Target, PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_RECORDS,
};
pub use record::{Header, Record};
pub use reshard::{
    add_partitions, merge, merge_partner, merge_shards, middle_hash_key, readable_shards, split,
    split_shard, update_shard_count,
};
pub use retention::{
    clean_partition, plan_compaction, plan_retention, plan_truncation, truncate_partition,
    CleanupError, CleanupOutcome,
};
pub use storage::{
    BatchLookup, CreateTopicError, RewriteError, Storage, StoredBatch, TopicUpdate,
    TransactionCommit, UpdateTopicError,
};
pub use table_view::{TableEntry, TableView};
pub use throttle::{ReadLimiter, ShardLimits, TokenBucket, WriteQuota};
pub use topic::{
    CleanupPolicy, ReshardError, TopicConfig, TopicConfigError, TopicConfigParts, TopicMetadata,
    KAFKA_DEFAULT_DELETE_RETENTION_MS, KAFKA_DEFAULT_RETENTION_MS, KINESIS_DEFAULT_RETENTION_MS,
    KINESIS_MAX_RETENTION_MS, KINESIS_MIN_LAB_RETENTION_MS,
};
pub use types::{Mode, Offset, PartitionId, SequenceNumber, ShardId, Timestamp};

/// Runs a future to completion on the current thread.
///
/// The log's futures never wait on anything but their store, and the memory store is always
/// ready, so this tiny executor is enough for doc examples, tests and native benchmarks.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}
