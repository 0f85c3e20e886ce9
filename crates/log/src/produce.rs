//! Producing: routing records to partitions by each mode's rules, then appending.

use std::collections::BTreeMap;

use crate::names::TopicName;
use crate::names::TopicPartition;
use crate::partition::ShardState;
use crate::partition::{AppendError, AppendInfo, RecordData};
use crate::partitioner::{
    kafka_partition, kinesis_hash_key, HashKey, KeylessPartitioner, PartitionKeyError,
};
use crate::record::payload_size;
use crate::storage::Storage;
use crate::types::{Mode, Offset, PartitionId, SequenceNumber, Timestamp};

/// The most records one Kinesis PutRecords request may hold.
pub const PUT_RECORDS_MAX_RECORDS: usize = 500;

/// The most bytes (keys and values) one Kinesis PutRecords request may hold: 5 MiB.
pub const PUT_RECORDS_MAX_BYTES: usize = 5 * 1024 * 1024;

/// Where a produced record should go, besides its key.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Target {
    /// By the mode's partitioner: Kafka's murmur2 of the key (round robin without one), Kinesis'
    /// MD5 of the partition key.
    #[default]
    ByKey,
    /// Kafka: straight to this partition.
    Partition(PartitionId),
    /// Kinesis: the shard owning this explicit hash key (the partition key is still stored).
    ExplicitHashKey(HashKey),
}

/// A record to produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProduceRecord {
    /// The record's contents.
    pub data: RecordData,
    /// Where it goes.
    pub target: Target,
}

impl ProduceRecord {
    /// A record with an optional text key and a text value, routed by key.
    pub fn new(key: Option<&str>, value: &str) -> ProduceRecord {
        ProduceRecord {
            data: RecordData {
                key: key.map(|k| k.as_bytes().to_vec()),
                value: Some(value.as_bytes().to_vec()),
                headers: Vec::new(),
                timestamp: None,
            },
            target: Target::ByKey,
        }
    }
}

/// Where a produced record landed (Kafka's `RecordMetadata`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordMetadata {
    /// The partition (Kinesis: shard index).
    pub partition: PartitionId,
    /// Its offset.
    pub offset: Offset,
    /// Its sequence number.
    pub sequence_number: SequenceNumber,
    /// Its timestamp as stored.
    pub timestamp: Timestamp,
}

/// Why a produce request failed.
#[derive(Debug, thiserror::Error)]
pub enum ProduceError<E> {
    /// The topic does not exist.
    #[error("topic '{0}' does not exist")]
    UnknownTopic(TopicName),
    /// A Kinesis record has no usable partition key.
    #[error("record {index}: {source}")]
    PartitionKey {
        /// The record's index in the request.
        index: usize,
        /// What is wrong with its key.
        #[source]
        source: PartitionKeyError,
    },
    /// A Kinesis partition key is not valid UTF-8.
    #[error("record {index}: the partition key is not valid UTF-8")]
    PartitionKeyNotUtf8 {
        /// The record's index in the request.
        index: usize,
    },
    /// An explicit partition does not exist.
    #[error(
        "record {index}: partition {partition} does not exist (the topic has {partition_count})"
    )]
    NoSuchPartition {
        /// The record's index in the request.
        index: usize,
        /// The partition asked for.
        partition: PartitionId,
        /// How many partitions there are.
        partition_count: u32,
    },
    /// The target does not fit the topic's mode (an explicit hash key on a Kafka topic, say).
    #[error("record {index}: {target} is not available in {mode} mode")]
    TargetNotInMode {
        /// The record's index in the request.
        index: usize,
        /// What was asked for, in words.
        target: &'static str,
        /// The topic's mode.
        mode: Mode,
    },
    /// No open shard owns the record's hash key (only possible mid-reshard).
    #[error("record {index}: no open shard owns hash key {hash_key}")]
    NoOpenShard {
        /// The record's index in the request.
        index: usize,
        /// The hash key.
        hash_key: HashKey,
    },
    /// A record is larger than the topic allows.
    #[error("record {index} is {size} bytes; the limit is {max} bytes")]
    RecordTooLarge {
        /// The record's index in the request.
        index: usize,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A Kinesis PutRecords request holds more than 500 records.
    #[error("a request may hold at most {max} records; this one holds {count}")]
    TooManyRecords {
        /// Records in the request.
        count: usize,
        /// The limit (500).
        max: usize,
    },
    /// A Kinesis PutRecords request is larger than 5 MiB in keys and values.
    #[error("the request is {size} bytes; at most {max} bytes are allowed")]
    RequestTooLarge {
        /// The request's size in bytes of keys and values.
        size: usize,
        /// The limit (5 MiB).
        max: usize,
    },
    /// The request holds no records.
    #[error("a produce request needs at least one record")]
    Empty,
    /// Appending to a partition failed. Earlier partitions of the same request may have been
    /// appended (as in Kafka, a request is atomic per partition, not across partitions).
    #[error("append to partition {partition} failed: {source}")]
    Append {
        /// The partition.
        partition: PartitionId,
        /// Why.
        #[source]
        source: AppendError<E>,
    },
    /// The storage failed before anything was appended.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
}

/// Produces `records` to `topic` at `now`: routes each record by the topic's mode, checks every
/// record before appending any, then appends one batch per partition, in the request's order.
/// Returns each record's metadata in the request's order.
pub async fn produce<S: Storage>(
    store: &S,
    topic: &TopicName,
    records: &[ProduceRecord],
    keyless: &KeylessPartitioner,
    now: Timestamp,
) -> Result<Vec<RecordMetadata>, ProduceError<S::Error>> {
    let metadata = store
        .describe_topic(topic)
        .await
        .map_err(ProduceError::Storage)?
        .ok_or_else(|| ProduceError::UnknownTopic(topic.clone()))?;
    produce_to(store, &metadata, records, keyless, now).await
}

/// Where each of `records` goes in `metadata`'s topic, by the topic's mode (see [`Target`]),
/// checking each record's size and target on the way. A producer that must know which records
/// share a batch (to retry exactly the ones a partition refused) routes them first and then
/// produces each partition's records on their own.
pub fn route<E>(
    metadata: &crate::topic::TopicMetadata,
    records: &[ProduceRecord],
    keyless: &KeylessPartitioner,
) -> Result<Vec<PartitionId>, ProduceError<E>> {
    let config = &metadata.config;
    let partition_count = metadata.partitions.len() as u32;
    let mut routed: Vec<PartitionId> = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let size = payload_size(&record.data.key, &record.data.value, &record.data.headers);
        if size > config.max_record_bytes() {
            return Err(ProduceError::RecordTooLarge {
                index,
                size,
                max: config.max_record_bytes(),
            });
        }
        let partition = match (config.mode(), &record.target) {
            (Mode::Kafka, Target::ByKey) => match &record.data.key {
                Some(key) => kafka_partition(key, partition_count),
                None => keyless.next_partition(partition_count),
            },
            (Mode::Kafka, Target::Partition(p)) => {
                if p.0 >= partition_count {
                    return Err(ProduceError::NoSuchPartition {
                        index,
                        partition: *p,
                        partition_count,
                    });
                }
                *p
            }
            (Mode::Kafka, Target::ExplicitHashKey(_)) => {
                return Err(ProduceError::TargetNotInMode {
                    index,
                    target: "an explicit hash key",
                    mode: Mode::Kafka,
                })
            }
            (Mode::Kinesis, Target::Partition(_)) => {
                return Err(ProduceError::TargetNotInMode {
                    index,
                    target: "an explicit partition",
                    mode: Mode::Kinesis,
                })
            }
            (Mode::Kinesis, target) => {
                let key = record.data.key.as_deref().unwrap_or_default();
                let key = std::str::from_utf8(key)
                    .map_err(|_| ProduceError::PartitionKeyNotUtf8 { index })?;
                let from_key = kinesis_hash_key(key)
                    .map_err(|source| ProduceError::PartitionKey { index, source })?;
                let hash_key = match target {
                    Target::ExplicitHashKey(h) => *h,
                    _ => from_key,
                };
                metadata
                    .partitions
                    .iter()
                    .find(|p| {
                        p.shard_state() == ShardState::Open
                            && p.hash_key_range().is_some_and(|r| r.contains(hash_key))
                    })
                    .map(|p| p.partition())
                    .ok_or(ProduceError::NoOpenShard { index, hash_key })?
            }
        };
        routed.push(partition);
    }

    Ok(routed)
}

/// [`produce`] with topic metadata the producer already holds, as a Kafka producer caches its
/// metadata: no read of the topic per request. Stale metadata is safe: a store checks each
/// append against the partition's current state (a closed shard refuses with
/// [`AppendError::ShardClosed`]), and the producer then reads the metadata again.
pub async fn produce_to<S: Storage>(
    store: &S,
    metadata: &crate::topic::TopicMetadata,
    records: &[ProduceRecord],
    keyless: &KeylessPartitioner,
    now: Timestamp,
) -> Result<Vec<RecordMetadata>, ProduceError<S::Error>> {
    produce_to_overlapped(store, metadata, records, keyless, now, || ())
        .await
        .0
}

/// [`produce_to`] that also runs `meanwhile`, once, whatever the outcome: while the request's
/// last batch is being committed where the store commits off this thread
/// ([`Storage::append_overlapped`]), otherwise after it. A producer builds its next request
/// there, as a Kafka producer fills its next batch while the last one is in flight.
pub async fn produce_to_overlapped<S: Storage, T>(
    store: &S,
    metadata: &crate::topic::TopicMetadata,
    records: &[ProduceRecord],
    keyless: &KeylessPartitioner,
    now: Timestamp,
    meanwhile: impl FnOnce() -> T,
) -> (Result<Vec<RecordMetadata>, ProduceError<S::Error>>, T) {
    let mut batches = match partition_batches(metadata, records, keyless) {
        Ok(batches) => batches,
        Err(refused) => return (Err(refused), meanwhile()),
    };
    let topic = metadata.config.name();
    let mut out: Vec<Option<RecordMetadata>> = vec![None; records.len()];
    let mut place = |partition: PartitionId, indices: &[usize], info: AppendInfo| {
        for (i, &index) in indices.iter().enumerate() {
            out[index] = Some(RecordMetadata {
                partition,
                offset: Offset(info.base_offset.0 + i as u64),
                sequence_number: SequenceNumber(info.base_sequence.0 + i as u128),
                timestamp: records[index].data.timestamp.unwrap_or(info.append_time),
            });
        }
    };
    let data_of = |indices: &[usize]| -> Vec<&RecordData> {
        indices.iter().map(|&i| &records[i].data).collect()
    };
    // The last partition's batch is appended with `meanwhile`, the others before it.
    let Some((last, last_indices)) = batches.pop() else {
        return (Ok(Vec::new()), meanwhile());
    };
    for (partition, indices) in batches {
        let tp = TopicPartition::new(topic.clone(), partition);
        match store.append(&tp, &data_of(&indices), now).await {
            Ok(info) => place(partition, &indices, info),
            Err(source) => return (Err(ProduceError::Append { partition, source }), meanwhile()),
        }
    }
    let tp = TopicPartition::new(topic.clone(), last);
    let (appended, done) = store
        .append_overlapped(&tp, &data_of(&last_indices), now, meanwhile)
        .await;
    match appended {
        Ok(info) => place(last, &last_indices, info),
        Err(source) => {
            return (
                Err(ProduceError::Append {
                    partition: last,
                    source,
                }),
                done,
            )
        }
    }
    (Ok(out.into_iter().flatten().collect()), done)
}

/// Checks a request and routes it: each partition's record indices, in partition order, each
/// keeping the request's order.
fn partition_batches<E>(
    metadata: &crate::topic::TopicMetadata,
    records: &[ProduceRecord],
    keyless: &KeylessPartitioner,
) -> Result<Vec<(PartitionId, Vec<usize>)>, ProduceError<E>> {
    let config = &metadata.config;
    if records.is_empty() {
        return Err(ProduceError::Empty);
    }
    if config.mode() == Mode::Kinesis {
        if records.len() > PUT_RECORDS_MAX_RECORDS {
            return Err(ProduceError::TooManyRecords {
                count: records.len(),
                max: PUT_RECORDS_MAX_RECORDS,
            });
        }
        let size: usize = records
            .iter()
            .map(|r| payload_size(&r.data.key, &r.data.value, &r.data.headers))
            .sum();
        if size > PUT_RECORDS_MAX_BYTES {
            return Err(ProduceError::RequestTooLarge {
                size,
                max: PUT_RECORDS_MAX_BYTES,
            });
        }
    }

    let routed = route(metadata, records, keyless)?;

    // One batch per partition, keeping the request's order within each partition.
    let mut by_partition: BTreeMap<PartitionId, Vec<usize>> = BTreeMap::new();
    for (index, partition) in routed.iter().enumerate() {
        by_partition.entry(*partition).or_default().push(index);
    }
    Ok(by_partition.into_iter().collect())
}
