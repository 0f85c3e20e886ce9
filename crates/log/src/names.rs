//! Topic (Kafka) and stream (Kinesis) names, and the name of one partition of a topic.

use std::fmt;

use crate::types::{Mode, PartitionId};

/// The most partitions (shards) a Streamlab topic may have. A browser tab is not a cluster; 1,024
/// keeps the grid drawable and the metadata small while being far above any lesson's needs.
pub const MAX_PARTITIONS: u32 = 1024;

/// Why a topic or stream name was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name is the empty string.
    #[error("the name is empty")]
    Empty,
    /// The name is longer than the mode allows (Kafka 249, Kinesis 128 characters).
    #[error("the name is {len} characters long; {mode} allows at most {max}")]
    TooLong {
        /// The name's length in characters.
        len: usize,
        /// The longest allowed.
        max: usize,
        /// The mode whose rule applies.
        mode: Mode,
    },
    /// The name holds a character outside `[a-zA-Z0-9._-]`.
    #[error("'{found}' is not allowed in a name; use letters, digits, '.', '_' and '-'")]
    IllegalCharacter {
        /// The first illegal character.
        found: char,
    },
    /// Kafka refuses `.` and `..` as topic names.
    #[error("'{0}' is not a legal Kafka topic name")]
    Reserved(String),
}

/// A validated topic name (Kafka) or stream name (Kinesis).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicName(String);

impl TopicName {
    /// Validates `name` under `mode`'s rules: Kafka `[a-zA-Z0-9._-]{1,249}` but not `.` or `..`;
    /// Kinesis `[a-zA-Z0-9_.-]{1,128}`.
    pub fn new(name: &str, mode: Mode) -> Result<TopicName, NameError> {
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        if let Some(found) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(NameError::IllegalCharacter { found });
        }
        // Every legal character is ASCII, so bytes and characters agree from here on.
        let max = match mode {
            Mode::Kafka => 249,
            Mode::Kinesis => 128,
        };
        if name.len() > max {
            return Err(NameError::TooLong {
                len: name.len(),
                max,
                mode,
            });
        }
        if mode == Mode::Kafka && (name == "." || name == "..") {
            return Err(NameError::Reserved(name.to_owned()));
        }
        Ok(TopicName(name.to_owned()))
    }

    /// Takes a name read back from storage, where it was validated when the topic was created.
    /// Only the charset is checked again, under the looser (Kafka) length rule.
    pub fn from_stored(name: &str) -> Result<TopicName, NameError> {
        TopicName::new(name, Mode::Kafka)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A topic and one of its partitions: the unit the log appends to and fetches from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    topic: TopicName,
    partition: PartitionId,
}

impl TopicPartition {
    /// Names partition `partition` of `topic`.
    pub fn new(topic: TopicName, partition: PartitionId) -> Self {
        TopicPartition { topic, partition }
    }

    /// The topic.
    pub fn topic(&self) -> &TopicName {
        &self.topic
    }

    /// The partition.
    pub fn partition(&self) -> PartitionId {
        self.partition
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, mode: Mode, expect: Result<(), NameError>) {
        assert_eq!(
            TopicName::new(name, mode).map(|_| ()),
            expect,
            "{name:?} in {mode}"
        );
    }

    #[test]
    fn kafka_topic_names() {
        check("orders", Mode::Kafka, Ok(()));
        check("a.b_c-D9", Mode::Kafka, Ok(()));
        check(&"x".repeat(249), Mode::Kafka, Ok(()));
        check("", Mode::Kafka, Err(NameError::Empty));
        check(".", Mode::Kafka, Err(NameError::Reserved(".".into())));
        check("..", Mode::Kafka, Err(NameError::Reserved("..".into())));
        check("...", Mode::Kafka, Ok(()));
        check(
            &"x".repeat(250),
            Mode::Kafka,
            Err(NameError::TooLong {
                len: 250,
                max: 249,
                mode: Mode::Kafka,
            }),
        );
        check(
            "a b",
            Mode::Kafka,
            Err(NameError::IllegalCharacter { found: ' ' }),
        );
        check(
            "ordré",
            Mode::Kafka,
            Err(NameError::IllegalCharacter { found: 'é' }),
        );
        check(
            "<script>",
            Mode::Kafka,
            Err(NameError::IllegalCharacter { found: '<' }),
        );
    }

    #[test]
    fn kinesis_stream_names() {
        check("clicks", Mode::Kinesis, Ok(()));
        check(".", Mode::Kinesis, Ok(()));
        check(&"x".repeat(128), Mode::Kinesis, Ok(()));
        check(
            &"x".repeat(129),
            Mode::Kinesis,
            Err(NameError::TooLong {
                len: 129,
                max: 128,
                mode: Mode::Kinesis,
            }),
        );
        check(
            "a/b",
            Mode::Kinesis,
            Err(NameError::IllegalCharacter { found: '/' }),
        );
    }
}
