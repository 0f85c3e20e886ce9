//! Small newtypes that carry the log's vocabulary.

use std::fmt;

/// Which system's rules and words a topic follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// Apache Kafka: topics, partitions, offsets, optional keys, murmur2 partitioning.
    Kafka,
    /// AWS Kinesis Data Streams: streams, shards, sequence numbers, required partition keys,
    /// MD5 hash-key ranges.
    Kinesis,
}

impl Mode {
    /// The lower-case name used in configs and the UI (`kafka`, `kinesis`).
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Kafka => "kafka",
            Mode::Kinesis => "kinesis",
        }
    }

    /// Parses `kafka` or `kinesis`.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "kafka" => Some(Mode::Kafka),
            "kinesis" => Some(Mode::Kinesis),
            _ => None,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record's position in its partition: contiguous from 0 (gaps appear only after compaction).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Offset(pub u64);

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A partition's number within its topic, `0..partition_count`. In Kinesis mode it is the index
/// of the shard, whose public name is its [`ShardId`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PartitionId(pub u32);

impl fmt::Display for PartitionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Milliseconds since the Unix epoch (Kafka's CreateTime/LogAppendTime, Kinesis'
/// ApproximateArrivalTimestamp).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp(pub i64);

/// A Kinesis sequence number: strictly increasing within a shard, never reused, not contiguous.
/// Shown to users as a decimal string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SequenceNumber(pub u128);

impl SequenceNumber {
    /// Parses the decimal string form.
    pub fn parse(s: &str) -> Option<SequenceNumber> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok().map(SequenceNumber)
    }
}

impl fmt::Display for SequenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A Kinesis shard id, `shardId-` followed by twelve digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShardId(pub u32);

impl ShardId {
    /// Parses `shardId-000000000003` (Kinesis also accepts the bare number; so do we).
    pub fn parse(s: &str) -> Option<ShardId> {
        let digits = s.strip_prefix("shardId-").unwrap_or(s);
        if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().map(ShardId)
    }
}

impl From<PartitionId> for ShardId {
    fn from(p: PartitionId) -> Self {
        ShardId(p.0)
    }
}

impl fmt::Display for ShardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shardId-{:012}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ids_print_and_parse_in_kinesis_form() {
        assert_eq!(ShardId(0).to_string(), "shardId-000000000000");
        assert_eq!(ShardId(42).to_string(), "shardId-000000000042");
        assert_eq!(ShardId::parse("shardId-000000000042"), Some(ShardId(42)));
        assert_eq!(ShardId::parse("7"), Some(ShardId(7)));
        assert_eq!(ShardId::parse("shardId-"), None);
        assert_eq!(ShardId::parse("shardId-0000000000001"), None);
        assert_eq!(ShardId::parse("shard-1"), None);
    }

    #[test]
    fn sequence_numbers_parse_only_decimal_digits() {
        assert_eq!(SequenceNumber::parse("123"), Some(SequenceNumber(123)));
        assert_eq!(SequenceNumber::parse(""), None);
        assert_eq!(SequenceNumber::parse("-1"), None);
        assert_eq!(SequenceNumber::parse("+1"), None);
        assert_eq!(SequenceNumber::parse("1e3"), None);
        // One past u128::MAX does not fit.
        assert_eq!(
            SequenceNumber::parse("340282366920938463463374607431768211456"),
            None
        );
    }
}
