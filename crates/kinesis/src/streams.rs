//! Kinesis Data Streams as two backends offer it: a real endpoint through [`KinesisClient`], and
//! Streamlab's own log ([`LocalStreams`], over any `Storage`: the memory store, IndexedDB). Both
//! answer in the API's terms (shard ids, decimal sequence numbers, shard iterators), so one
//! behavioural suite (`crates/kinesis-suite`) checks that they agree.

use streamlab_log::{
    fetch, kinesis_hash_key, merge, produce, resolve_position, split, FetchLimits, HashKey,
    KeylessPartitioner, Mode, Offset, OffsetResetPolicy, PartitionId, Position, ProduceRecord,
    RecordData, SequenceNumber, ShardState, Storage, Target, Timestamp, TopicConfig, TopicName,
    TopicPartition,
};

use crate::{KinesisClient, PutEntry, StartingPosition, Transport};

/// A shard as both backends describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardInfo {
    /// `shardId-000000000000`.
    pub shard_id: String,
    /// Its parent and adjacent parent, if any.
    pub parents: Vec<String>,
    /// The first hash key it owns.
    pub starting_hash_key: u128,
    /// The last hash key it owns.
    pub ending_hash_key: u128,
    /// Closed by a split or merge.
    pub closed: bool,
}

/// Where a put record went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    /// The shard.
    pub shard_id: String,
    /// Its sequence number, decimal.
    pub sequence_number: String,
}

/// One read: `(sequence number, partition key, data)` per record, and the next iterator (`None`
/// at the end of a closed shard).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadBack {
    /// The records.
    pub records: Vec<(String, String, Vec<u8>)>,
    /// The next read's iterator.
    pub next: Option<String>,
}

/// The Kinesis operations both backends offer. Errors are the backend's words.
#[allow(async_fn_in_trait)]
pub trait Streams {
    /// CreateStream, returning once the stream is ACTIVE.
    async fn create_stream(&self, name: &str, shards: u32) -> Result<(), String>;
    /// ListShards.
    async fn shards(&self, name: &str) -> Result<Vec<ShardInfo>, String>;
    /// PutRecords, one result per entry (all must succeed).
    async fn put(&self, name: &str, entries: &[PutEntry]) -> Result<Vec<Placed>, String>;
    /// GetShardIterator.
    async fn iterator(
        &self,
        name: &str,
        shard_id: &str,
        from: &StartingPosition,
    ) -> Result<String, String>;
    /// GetRecords.
    async fn read(&self, iterator: &str) -> Result<ReadBack, String>;
    /// SplitShard, returning once the stream is ACTIVE again.
    async fn split(&self, name: &str, shard_id: &str, at: u128) -> Result<(), String>;
    /// MergeShards, returning once the stream is ACTIVE again.
    async fn merge(&self, name: &str, shard_id: &str, adjacent: &str) -> Result<(), String>;
    /// DeleteStream.
    async fn delete_stream(&self, name: &str) -> Result<(), String>;
    /// Now, in ms since 1970.
    fn now_ms(&self) -> i64;
    /// Waits `ms`.
    async fn sleep(&self, ms: u64);
}

/// `shardId-000000000004` for shard 4.
pub fn shard_id(index: u32) -> String {
    format!("shardId-{index:012}")
}

/// Shard 4 for `shardId-000000000004`.
pub fn shard_index(id: &str) -> Option<u32> {
    id.strip_prefix("shardId-")?.parse().ok()
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl<T: Transport> Streams for KinesisClient<T> {
    async fn create_stream(&self, name: &str, shards: u32) -> Result<(), String> {
        KinesisClient::create_stream(self, name, shards)
            .await
            .map_err(text)?;
        self.wait_until_active(name, 100, 100).await.map_err(text)
    }

    async fn shards(&self, name: &str) -> Result<Vec<ShardInfo>, String> {
        let listed = self.list_shards(name).await.map_err(text)?;
        listed
            .into_iter()
            .map(|s| {
                let key = |k: &str| {
                    k.parse::<u128>()
                        .map_err(|_| format!("'{k}' is not a hash key"))
                };
                Ok(ShardInfo {
                    starting_hash_key: key(&s.hash_key_range.starting_hash_key)?,
                    ending_hash_key: key(&s.hash_key_range.ending_hash_key)?,
                    closed: s.sequence_number_range.ending_sequence_number.is_some(),
                    parents: [s.parent_shard_id, s.adjacent_parent_shard_id]
                        .into_iter()
                        .flatten()
                        .collect(),
                    shard_id: s.shard_id,
                })
            })
            .collect()
    }

    async fn put(&self, name: &str, entries: &[PutEntry]) -> Result<Vec<Placed>, String> {
        let results = self.put_records(name, entries).await.map_err(text)?;
        results
            .into_iter()
            .map(|r| {
                r.map(|p| Placed {
                    shard_id: p.shard_id,
                    sequence_number: p.sequence_number,
                })
                .map_err(text)
            })
            .collect()
    }

    async fn iterator(
        &self,
        name: &str,
        shard_id: &str,
        from: &StartingPosition,
    ) -> Result<String, String> {
        self.get_shard_iterator(name, shard_id, from)
            .await
            .map_err(text)
    }

    async fn read(&self, iterator: &str) -> Result<ReadBack, String> {
        let read = self
            .get_records(iterator, Some(10_000))
            .await
            .map_err(text)?;
        Ok(ReadBack {
            records: read
                .records
                .into_iter()
                .map(|r| (r.sequence_number, r.partition_key, r.data))
                .collect(),
            next: read.next_iterator,
        })
    }

    async fn split(&self, name: &str, shard_id: &str, at: u128) -> Result<(), String> {
        self.split_shard(name, shard_id, at).await.map_err(text)?;
        self.wait_until_active(name, 100, 100).await.map_err(text)
    }

    async fn merge(&self, name: &str, shard_id: &str, adjacent: &str) -> Result<(), String> {
        self.merge_shards(name, shard_id, adjacent)
            .await
            .map_err(text)?;
        self.wait_until_active(name, 100, 100).await.map_err(text)
    }

    async fn delete_stream(&self, name: &str) -> Result<(), String> {
        KinesisClient::delete_stream(self, name).await.map_err(text)
    }

    fn now_ms(&self) -> i64 {
        self.transport().now_ms()
    }

    async fn sleep(&self, ms: u64) {
        self.transport().sleep(ms).await
    }
}

/// Streamlab's own log, answering as Kinesis: streams are Kinesis-mode topics in `store`, shard
/// iterators are `stream/shard/offset`, sequence numbers the log's. `clock` tells the time and
/// waits (a transport's clock and timer).
pub struct LocalStreams<S, C> {
    store: S,
    clock: C,
    keyless: KeylessPartitioner,
}

impl<S: Storage, C: Transport> LocalStreams<S, C> {
    /// The streams in `store`.
    pub fn new(store: S, clock: C) -> Self {
        LocalStreams {
            store,
            clock,
            keyless: KeylessPartitioner::new(),
        }
    }

    fn name(name: &str) -> Result<TopicName, String> {
        TopicName::new(name, Mode::Kinesis).map_err(text)
    }

    fn partition(name: &str, shard: &str) -> Result<TopicPartition, String> {
        let index = shard_index(shard).ok_or_else(|| format!("'{shard}' is not a shard id"))?;
        Ok(TopicPartition::new(Self::name(name)?, PartitionId(index)))
    }
}

impl<S: Storage, C: Transport> Streams for LocalStreams<S, C> {
    async fn create_stream(&self, name: &str, shards: u32) -> Result<(), String> {
        let config = TopicConfig::new(name, Mode::Kinesis, shards).map_err(text)?;
        self.store
            .create_topic(&config)
            .await
            .map(drop)
            .map_err(text)
    }

    async fn shards(&self, name: &str) -> Result<Vec<ShardInfo>, String> {
        let meta = self
            .store
            .describe_topic(&Self::name(name)?)
            .await
            .map_err(text)?
            .ok_or_else(|| format!("stream {name} not found"))?;
        meta.partitions
            .iter()
            .map(|p| {
                let range = p
                    .hash_key_range()
                    .ok_or_else(|| format!("{name} is not a Kinesis stream"))?;
                Ok(ShardInfo {
                    shard_id: shard_id(p.partition().0),
                    parents: p.parents().iter().map(|q| shard_id(q.0)).collect(),
                    starting_hash_key: range.starting_hash_key.0,
                    ending_hash_key: range.ending_hash_key.0,
                    closed: p.shard_state() == ShardState::Closed,
                })
            })
            .collect()
    }

    async fn put(&self, name: &str, entries: &[PutEntry]) -> Result<Vec<Placed>, String> {
        let records: Vec<ProduceRecord> = entries
            .iter()
            .map(|e| {
                let target = match &e.explicit_hash_key {
                    Some(k) => Target::ExplicitHashKey(HashKey::parse(k).map_err(text)?),
                    None => Target::ByKey,
                };
                Ok(ProduceRecord {
                    data: RecordData {
                        key: Some(e.partition_key.as_bytes().to_vec()),
                        value: Some(e.data.clone()),
                        headers: Vec::new(),
                        timestamp: None,
                    },
                    target,
                })
            })
            .collect::<Result<_, String>>()?;
        let now = Timestamp(self.clock.now_ms());
        let placed = produce(
            &self.store,
            &Self::name(name)?,
            &records,
            &self.keyless,
            now,
        )
        .await
        .map_err(text)?;
        Ok(placed
            .into_iter()
            .map(|m| Placed {
                shard_id: shard_id(m.partition.0),
                sequence_number: m.sequence_number.0.to_string(),
            })
            .collect())
    }

    async fn iterator(
        &self,
        name: &str,
        shard_id: &str,
        from: &StartingPosition,
    ) -> Result<String, String> {
        let tp = Self::partition(name, shard_id)?;
        let sequence = |s: &str| {
            SequenceNumber::parse(s).ok_or_else(|| format!("'{s}' is not a sequence number"))
        };
        let position = match from {
            StartingPosition::TrimHorizon => Position::Earliest,
            StartingPosition::Latest => Position::Latest,
            StartingPosition::AtSequenceNumber(s) => Position::AtSequenceNumber(sequence(s)?),
            StartingPosition::AfterSequenceNumber(s) => Position::AfterSequenceNumber(sequence(s)?),
            StartingPosition::AtTimestamp(ms) => Position::Timestamp(Timestamp(*ms)),
        };
        let offset = resolve_position(&self.store, &tp, position, OffsetResetPolicy::Earliest)
            .await
            .map_err(text)?;
        Ok(format!("{name}/{shard_id}/{}", offset.0))
    }

    async fn read(&self, iterator: &str) -> Result<ReadBack, String> {
        let bad = || format!("'{iterator}' is not a shard iterator");
        let mut parts = iterator.rsplitn(3, '/');
        let offset = parts.next().and_then(|o| o.parse().ok()).ok_or_else(bad)?;
        let shard = parts.next().ok_or_else(bad)?;
        let name = parts.next().ok_or_else(bad)?;
        let tp = Self::partition(name, shard)?;
        let limits = FetchLimits {
            max_records: 10_000,
            max_bytes: 10 << 20,
        };
        let fetched = fetch(&self.store, &tp, Offset(offset), limits)
            .await
            .map_err(text)?;
        let state = self
            .store
            .partition_state(&tp)
            .await
            .map_err(text)?
            .ok_or_else(|| format!("shard {shard} of {name} not found"))?;
        let at_end = fetched.next_offset >= state.log_end_offset();
        let closed = state.shard_state() == ShardState::Closed;
        Ok(ReadBack {
            records: fetched
                .records
                .iter()
                .map(|r| {
                    let key = r.key().map(String::from_utf8_lossy).unwrap_or_default();
                    let data = r.value().map(<[u8]>::to_vec).unwrap_or_default();
                    (r.sequence_number().0.to_string(), key.into_owned(), data)
                })
                .collect(),
            // A closed shard's reader ends after its last record, as Kinesis' does.
            next: (!(closed && at_end && fetched.records.is_empty()))
                .then(|| format!("{name}/{shard}/{}", fetched.next_offset.0)),
        })
    }

    async fn split(&self, name: &str, shard_id: &str, at: u128) -> Result<(), String> {
        let tp = Self::partition(name, shard_id)?;
        split(&self.store, tp.topic(), tp.partition(), HashKey(at))
            .await
            .map(drop)
            .map_err(text)
    }

    async fn merge(&self, name: &str, shard_id: &str, adjacent: &str) -> Result<(), String> {
        let tp = Self::partition(name, shard_id)?;
        let other = Self::partition(name, adjacent)?;
        merge(&self.store, tp.topic(), tp.partition(), other.partition())
            .await
            .map(drop)
            .map_err(text)
    }

    async fn delete_stream(&self, name: &str) -> Result<(), String> {
        self.store
            .delete_topic(&Self::name(name)?)
            .await
            .map(drop)
            .map_err(text)
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    async fn sleep(&self, ms: u64) {
        self.clock.sleep(ms).await
    }
}

/// The shard of `shards` that owns `partition_key`'s MD5 hash key (open shards only).
pub fn owner<'a>(shards: &'a [ShardInfo], partition_key: &str) -> Option<&'a ShardInfo> {
    let key = kinesis_hash_key(partition_key).ok()?.0;
    shards
        .iter()
        .find(|s| !s.closed && s.starting_hash_key <= key && key <= s.ending_hash_key)
}
