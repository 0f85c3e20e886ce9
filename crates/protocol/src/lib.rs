//! The messages between the Streamlab UI and its workers.
//!
//! This crate owns everything that crosses `postMessage`: plain, serde-serializable types, and
//! hand-written conversions to and from `streamlab-log`'s types (which do not derive serde, so
//! the stored and the wire formats never change by accident).
//!
//! ```
//! use streamlab_protocol::{ProduceAck, WireRecord};
//! use streamlab_log::{Offset, PartitionId, RecordMetadata, SequenceNumber, Timestamp};
//!
//! let record = WireRecord { key: Some("alice".into()), value: "hi".into(), ..Default::default() };
//! assert_eq!(record.to_produce_record().data.key.as_deref(), Some(&b"alice"[..]));
//!
//! let ack = ProduceAck::from_metadata(Some("alice".into()), &RecordMetadata {
//!     partition: PartitionId(2),
//!     offset: Offset(7),
//!     sequence_number: SequenceNumber(12),
//!     timestamp: Timestamp(1),
//! });
//! assert_eq!(ack.sequence_number, "12");
//! ```
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod form;
pub mod jsonl;
pub mod processor;
pub mod scenario;
pub mod tools;

use serde::{Deserialize, Serialize};

use streamlab_log::{ProduceRecord, RecordMetadata};

/// A record as the UI sends it to a producer: text key, value and headers, and where it goes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRecord {
    /// The key (Kinesis: the partition key); `None` for a keyless Kafka record.
    pub key: Option<String>,
    /// The value.
    pub value: String,
    /// A tombstone: the value is null (`value` is ignored).
    pub tombstone: bool,
    /// Headers, in order: name and text value.
    pub headers: Vec<(String, String)>,
    /// Where it goes.
    pub target: WireTarget,
    /// CreateTime in ms; `None` takes the append time.
    pub timestamp: Option<i64>,
}

/// Where a produced record goes (see `streamlab_log::Target`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireTarget {
    /// By the mode's partitioner.
    #[default]
    ByKey,
    /// Kafka: this partition.
    Partition(u32),
    /// Kinesis: the shard owning this explicit hash key (decimal, already checked).
    ExplicitHashKey(u128),
}

impl WireRecord {
    /// The log's form of this record.
    pub fn to_produce_record(&self) -> ProduceRecord {
        let mut record = ProduceRecord::new(self.key.as_deref(), &self.value);
        if self.tombstone {
            record.data.value = None;
        }
        record.data.timestamp = self.timestamp.map(streamlab_log::Timestamp);
        record.data.headers = self
            .headers
            .iter()
            .map(|(name, value)| streamlab_log::Header {
                key: name.clone(),
                value: Some(value.as_bytes().to_vec()),
            })
            .collect();
        record.target = match self.target {
            WireTarget::ByKey => streamlab_log::Target::ByKey,
            WireTarget::Partition(p) => {
                streamlab_log::Target::Partition(streamlab_log::PartitionId(p))
            }
            WireTarget::ExplicitHashKey(h) => {
                streamlab_log::Target::ExplicitHashKey(streamlab_log::HashKey(h))
            }
        };
        record
    }
}

/// A command to the producer worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProducerCommand {
    /// Produce these records to `topic` in database `db`, as one request.
    Produce {
        /// Echoed in the reply.
        request_id: u64,
        /// The IndexedDB database name.
        db: String,
        /// The topic (stream) name.
        topic: String,
        /// The records, in order.
        records: Vec<WireRecord>,
    },
    /// Generate and produce `batches` requests of `batch_size` records each, as fast as the
    /// store takes them: keys `<key_prefix><n % 1000>`, values of `value_bytes` bytes. The
    /// worker holds the topic's metadata for the whole run.
    ProduceGenerated {
        /// Echoed in the reply.
        request_id: u64,
        /// The IndexedDB database name.
        db: String,
        /// The topic (stream) name.
        topic: String,
        /// How many requests.
        batches: u32,
        /// Records per request.
        batch_size: u32,
        /// Bytes per value.
        value_bytes: u32,
        /// Key prefix.
        key_prefix: String,
    },
    /// Start a producer run: records made from `spec`, paced by its rate, batch size and linger,
    /// until stopped or `spec.limit` records are acknowledged. Acknowledged batch by batch with
    /// [`ProducerEvent::RunAcked`].
    StartRun {
        /// Names the run in every event about it.
        run_id: u64,
        /// The IndexedDB database name.
        db: String,
        /// The topic (stream) name.
        topic: String,
        /// What to send and how fast.
        spec: RunSpec,
    },
    /// Pause a run (it keeps its place; nothing is sent until it resumes).
    PauseRun {
        /// The run.
        run_id: u64,
    },
    /// Resume a paused run, at its rate, without a burst to catch up.
    ResumeRun {
        /// The run.
        run_id: u64,
    },
    /// Change a run's rate (`None`: as fast as the store takes records).
    SetRunRate {
        /// The run.
        run_id: u64,
        /// Records per second.
        rate: Option<u32>,
    },
    /// Stop a run after the batch in flight.
    StopRun {
        /// The run.
        run_id: u64,
    },
}

/// How a producer run picks keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireKeyPattern {
    /// No key.
    None,
    /// The same key every time.
    Fixed(String),
    /// `<prefix><n>`.
    Sequential(String),
    /// One of these, at random.
    RandomFrom(Vec<String>),
}

impl WireKeyPattern {
    /// The log's key pattern.
    pub fn to_pattern(&self) -> streamlab_log::KeyPattern {
        use streamlab_log::KeyPattern;
        match self {
            WireKeyPattern::None => KeyPattern::None,
            WireKeyPattern::Fixed(k) => KeyPattern::Fixed(k.clone()),
            WireKeyPattern::Sequential(p) => KeyPattern::Sequential(p.clone()),
            WireKeyPattern::RandomFrom(keys) => KeyPattern::RandomFrom(keys.clone()),
        }
    }
}

/// What a producer run sends and how fast.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    /// How keys are picked.
    pub key: WireKeyPattern,
    /// The value template (`${n}`, `${key}`, `${ts}`; see `streamlab_log::ValueTemplate`).
    pub value_template: String,
    /// Records per second; `None` sends as fast as the store takes them.
    pub rate: Option<u32>,
    /// Records per batch at most (Kafka's `batch.size`, counted in records).
    pub batch_size: u32,
    /// How long a partial batch may wait to fill, in ms (Kafka's `linger.ms`).
    pub linger_ms: u32,
    /// Stop after this many records; `None` runs until stopped.
    pub limit: Option<u64>,
}

/// One batch a run appended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchAck {
    /// Partition (shard index).
    pub partition: u32,
    /// The offset of its first record.
    pub base_offset: u64,
    /// Records in it.
    pub count: u32,
    /// The sequence number of its first record, decimal.
    pub first_sequence: String,
    /// The sequence number of its last record, decimal.
    pub last_sequence: String,
}

/// Where one produced record landed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceAck {
    /// The record's key, echoed.
    pub key: Option<String>,
    /// Partition (shard index).
    pub partition: u32,
    /// Offset.
    pub offset: u64,
    /// Sequence number, decimal.
    pub sequence_number: String,
    /// Timestamp in milliseconds.
    pub timestamp: i64,
}

impl ProduceAck {
    /// The wire form of the log's record metadata.
    pub fn from_metadata(key: Option<String>, m: &RecordMetadata) -> ProduceAck {
        ProduceAck {
            key,
            partition: m.partition.0,
            offset: m.offset.0,
            sequence_number: m.sequence_number.to_string(),
            timestamp: m.timestamp.0,
        }
    }
}

/// What the producer worker reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ProducerEvent {
    /// A generated run finished: every record acknowledged.
    Generated {
        /// The request's id.
        request_id: u64,
        /// Records appended.
        records: u64,
        /// Time from the first append to the last acknowledgement, measured in the worker.
        elapsed_ms: f64,
    },
    /// Every record of the request is stored.
    Acked {
        /// The request's id.
        request_id: u64,
        /// One acknowledgement per record, in the request's order.
        acks: Vec<ProduceAck>,
    },
    /// The request failed; the message is for the user.
    Failed {
        /// The request's id.
        request_id: u64,
        /// What went wrong, in words.
        message: String,
        /// The browser refused the write because its storage quota is full.
        storage_full: bool,
    },
    /// A run's batches were appended. A fast run reports at most every 100 ms, with its latest
    /// batches (at most 20) and its totals.
    RunAcked {
        /// The run.
        run_id: u64,
        /// The latest batches appended since the last report, oldest first.
        batches: Vec<BatchAck>,
        /// Records acknowledged since the run started.
        sent: u64,
        /// Batches appended since the run started.
        batch_count: u64,
    },
    /// A run was refused for now (Kinesis' write limit) and retries by itself.
    RunRetrying {
        /// The run.
        run_id: u64,
        /// Why, in words.
        message: String,
        /// When it tries again.
        retry_in_ms: u64,
    },
    /// A run paused (`true`) or resumed (`false`).
    RunPaused {
        /// The run.
        run_id: u64,
        /// Whether it is paused now.
        paused: bool,
    },
    /// A run ended: stopped, done, or failed.
    RunEnded {
        /// The run.
        run_id: u64,
        /// Records acknowledged in all.
        sent: u64,
        /// Why it ended early, in words; `None` when stopped or done.
        error: Option<String>,
        /// It ended because the browser's storage quota is full.
        storage_full: bool,
    },
    /// A command the worker could not read (a page and a worker from different builds); its
    /// request id is unknown.
    Unreadable {
        /// What went wrong, in words.
        message: String,
    },
}

/// A start or seek position, in either vocabulary (see `streamlab_log::Position`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WirePosition {
    /// Kafka `earliest`, Kinesis TRIM_HORIZON.
    Earliest,
    /// Kafka `latest`, Kinesis LATEST.
    Latest,
    /// This offset in every partition (out of range: the log start).
    Offset(u64),
    /// The first record at or after this time (ms), Kinesis AT_TIMESTAMP.
    Timestamp(i64),
    /// Kinesis AT_SEQUENCE_NUMBER (decimal) in one shard: a sequence number belongs to one
    /// shard (GetShardIterator takes both), so the other shards start at TRIM_HORIZON.
    AtSequenceNumber {
        /// The shard the sequence number belongs to.
        shard: u32,
        /// The sequence number.
        sequence: String,
    },
    /// Kinesis AFTER_SEQUENCE_NUMBER (decimal) in one shard, the others at TRIM_HORIZON.
    AfterSequenceNumber {
        /// The shard the sequence number belongs to.
        shard: u32,
        /// The sequence number.
        sequence: String,
    },
}

/// Why a wire position could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a sequence number (a decimal integer)")]
pub struct BadSequenceNumber(pub String);

impl WirePosition {
    /// The log's position.
    pub fn to_position(&self) -> Result<streamlab_log::Position, BadSequenceNumber> {
        use streamlab_log::{Offset, Position, SequenceNumber, Timestamp};
        let seq = |s: &String| SequenceNumber::parse(s).ok_or_else(|| BadSequenceNumber(s.clone()));
        Ok(match self {
            WirePosition::Earliest => Position::Earliest,
            WirePosition::Latest => Position::Latest,
            WirePosition::Offset(o) => Position::Offset(Offset(*o)),
            WirePosition::Timestamp(t) => Position::Timestamp(Timestamp(*t)),
            WirePosition::AtSequenceNumber { sequence, .. } => {
                Position::AtSequenceNumber(seq(sequence)?)
            }
            WirePosition::AfterSequenceNumber { sequence, .. } => {
                Position::AfterSequenceNumber(seq(sequence)?)
            }
        })
    }

    /// The position in partition (shard) `partition`: a sequence number's own shard starts at
    /// it, every other shard at TRIM_HORIZON; the other positions apply to every partition.
    pub fn in_partition(
        &self,
        partition: streamlab_log::PartitionId,
    ) -> Result<streamlab_log::Position, BadSequenceNumber> {
        match self {
            WirePosition::AtSequenceNumber { shard, .. }
            | WirePosition::AfterSequenceNumber { shard, .. }
                if *shard != partition.0 =>
            {
                Ok(streamlab_log::Position::Earliest)
            }
            _ => self.to_position(),
        }
    }
}

/// A start position that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PositionError {
    /// Not an offset.
    #[error("'{0}' is not an offset (a whole number from 0)")]
    Offset(String),
    /// Not a time in milliseconds.
    #[error("'{0}' is not a time (milliseconds since 1970)")]
    Time(String),
    /// Not a sequence number.
    #[error(transparent)]
    SequenceNumber(#[from] BadSequenceNumber),
    /// A sequence number without its shard.
    #[error("'{0}' names no shard: a sequence number belongs to one shard, so give the shard and the number, like shardId-000000000001:42 (or 1:42); the other shards start at TRIM_HORIZON")]
    NoShard(String),
    /// Not a shard id.
    #[error("'{0}' is not a shard (shardId-000000000001, or its number)")]
    Shard(String),
    /// No such kind of position.
    #[error("unknown start position '{0}' (use earliest, latest, offset N, timestamp MS, TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER SHARD:N, AFTER_SEQUENCE_NUMBER SHARD:N or AT_TIMESTAMP MS)")]
    Kind(String),
}

impl WirePosition {
    /// A position named in either vocabulary: `kind` is `earliest`, `latest`, `offset`,
    /// `timestamp` (Kafka) or `TRIM_HORIZON`, `LATEST`, `AT_SEQUENCE_NUMBER`,
    /// `AFTER_SEQUENCE_NUMBER`, `AT_TIMESTAMP` (Kinesis); `value` goes with the kinds that need
    /// one (times in milliseconds since 1970; a sequence number as `SHARD:N`, the shard as
    /// `shardId-000000000001` or `1`).
    pub fn parse(kind: &str, value: &str) -> Result<WirePosition, PositionError> {
        let offset = || {
            value
                .parse::<u64>()
                .map_err(|_| PositionError::Offset(value.to_owned()))
        };
        let time = || {
            value
                .parse::<i64>()
                .map_err(|_| PositionError::Time(value.to_owned()))
        };
        let in_shard = || -> Result<(u32, String), PositionError> {
            let (shard, number) = value
                .split_once(':')
                .ok_or_else(|| PositionError::NoShard(value.to_owned()))?;
            let shard = streamlab_log::ShardId::parse(shard.trim())
                .ok_or_else(|| PositionError::Shard(shard.trim().to_owned()))?;
            let number = number.trim();
            streamlab_log::SequenceNumber::parse(number)
                .ok_or_else(|| BadSequenceNumber(number.to_owned()))?;
            Ok((shard.0, number.to_owned()))
        };
        Ok(match kind {
            "earliest" | "TRIM_HORIZON" => WirePosition::Earliest,
            "latest" | "LATEST" => WirePosition::Latest,
            "offset" => WirePosition::Offset(offset()?),
            "timestamp" | "AT_TIMESTAMP" => WirePosition::Timestamp(time()?),
            "AT_SEQUENCE_NUMBER" => {
                let (shard, sequence) = in_shard()?;
                WirePosition::AtSequenceNumber { shard, sequence }
            }
            "AFTER_SEQUENCE_NUMBER" => {
                let (shard, sequence) = in_shard()?;
                WirePosition::AfterSequenceNumber { shard, sequence }
            }
            other => return Err(PositionError::Kind(other.to_owned())),
        })
    }
}

/// A command to a consumer worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsumerCommand {
    /// Start reading `topic` in database `db` from `position`, following the log end. With a
    /// group, the committed offsets win over `position`, and offsets are committed every second.
    Start {
        /// The IndexedDB database name.
        db: String,
        /// The topic (stream).
        topic: String,
        /// The consumer group, if any.
        group: Option<String>,
        /// Where to start where the group has no commit.
        position: WirePosition,
    },
    /// Move every partition to `position` and read on from there (replay).
    Seek {
        /// The new position.
        position: WirePosition,
    },
    /// Commit the current positions now.
    Commit,
    /// Commit (with a group) and stop reading.
    Stop,
}

/// A record as a consumer delivers it to the UI: text, for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumedRecord {
    /// Partition (shard index).
    pub partition: u32,
    /// Offset.
    pub offset: u64,
    /// Sequence number, decimal.
    pub sequence_number: String,
    /// Key as text (lossy), if any.
    pub key: Option<String>,
    /// Value as text (lossy); `None` for a tombstone.
    pub value: Option<String>,
    /// Timestamp, ms.
    pub timestamp: i64,
}

impl ConsumedRecord {
    /// The display form of `record` of `partition` (keys and values as lossy UTF-8 text).
    pub fn from_record(partition: u32, record: &streamlab_log::Record) -> ConsumedRecord {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        ConsumedRecord {
            partition,
            offset: record.offset().0,
            sequence_number: record.sequence_number().to_string(),
            key: record.key().map(text),
            value: record.value().map(text),
            timestamp: record.timestamp().0,
        }
    }
}

/// What a consumer worker reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsumerEvent {
    /// Records read, in one message per fetch (never one message per record), with every
    /// partition's next offset after them.
    Records {
        /// The records, by partition and offset.
        records: Vec<ConsumedRecord>,
        /// `(partition, next offset)` for every partition read.
        positions: Vec<(u32, u64)>,
        /// Kinesis' MillisBehindLatest after this read: how far, in milliseconds of record
        /// time, the furthest-behind partition read is from its newest record (0 caught up).
        millis_behind: u64,
    },
    /// The group's membership changed: this member now owns these partitions.
    Assigned {
        /// The group's generation.
        generation: u32,
        /// The partitions this member reads.
        partitions: Vec<u32>,
        /// Where it reads each of them from: `(partition, next offset)`.
        positions: Vec<(u32, u64)>,
    },
    /// Offsets committed for the group.
    Committed {
        /// `(partition, committed offset)`.
        offsets: Vec<(u32, u64)>,
    },
    /// The consumer stopped on an error; the message is for the user.
    Failed {
        /// What went wrong.
        message: String,
    },
    /// The consumer stopped as asked, after its last commit; its worker ends.
    Stopped,
}

/// The BroadcastChannel on which every producer of database `db` announces appends (the message
/// is the topic's name), so consumers and dashboards in any worker or tab follow the log end
/// without polling.
pub fn log_channel(db: &str) -> String {
    format!("streamlab:{db}")
}

/// The start of a message on the log channel that tells a consumer group's members that its
/// membership changed (`group:<group>:<topic>`): the log itself did not change.
pub const GROUP_NOTICE_PREFIX: &str = "group:";

/// A message that could not be encoded or decoded (a worker and a page from different builds, or
/// a message that is not one of ours).
#[derive(Debug, thiserror::Error)]
#[error("a worker message could not be {action}: {reason}")]
pub struct WireError {
    action: &'static str,
    reason: String,
}

/// Encodes a command or event for `postMessage` (bincode: one compact buffer, which the sender
/// transfers instead of copying).
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, WireError> {
    bincode::serialize(message).map_err(|e| WireError {
        action: "encoded",
        reason: e.to_string(),
    })
}

/// Decodes what [`encode`] made; anything else is a [`WireError`], never a panic.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, WireError> {
    // A limit, so a corrupt length prefix cannot ask for a huge allocation.
    use bincode::Options;
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .with_limit(bytes.len() as u64 * 4 + 1024)
        .deserialize(bytes)
        .map_err(|e| WireError {
            action: "decoded",
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod wire_tests {
    use super::*;

    #[test]
    fn events_round_trip_through_one_buffer() {
        let event = ConsumerEvent::Records {
            records: vec![ConsumedRecord {
                partition: 1,
                offset: 7,
                sequence_number: "49590338271490256608559692538361571095921575989136588898".into(),
                key: Some("alice".into()),
                value: None,
                timestamp: 1_700_000_000_000,
            }],
            positions: vec![(1, 8)],
            millis_behind: 0,
        };
        let bytes = encode(&event).expect("encodes");
        assert_eq!(decode::<ConsumerEvent>(&bytes).expect("decodes"), event);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let bytes = encode(&ConsumerCommand::Commit).expect("encodes");
        assert!(decode::<ProducerEvent>(&[0xff; 3]).is_err());
        assert!(decode::<ConsumerEvent>(&[]).is_err());
        // A huge declared length is refused before anything is allocated.
        let mut lying = encode(&ConsumerEvent::Failed {
            message: "x".into(),
        })
        .expect("encodes");
        lying[4..12].copy_from_slice(&u64::MAX.to_le_bytes());
        let err = decode::<ConsumerEvent>(&lying).expect_err("refused");
        assert!(err.to_string().contains("could not be decoded"), "{err}");
        assert!(decode::<ConsumerCommand>(&bytes).is_ok());
    }
}
