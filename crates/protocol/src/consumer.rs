//! The messages to and from a consumer worker, and the positions it starts or seeks at.

use serde::{Deserialize, Serialize};

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
