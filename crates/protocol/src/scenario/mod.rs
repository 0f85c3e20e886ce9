//! Scenario files: a lesson a documentation page replays every time it loads.
//!
//! A `<stream-lab scenario="lesson.json">` element starts from an empty database, creates the
//! file's topics, runs its steps in order and opens one topic, so every reader sees the same
//! state. The format:
//!
//! ```json
//! {
//!   "topics": [
//!     { "name": "orders", "mode": "kafka", "partitions": 3 },
//!     { "name": "payments", "mode": "kinesis", "shards": 2 }
//!   ],
//!   "steps": [
//!     { "produce": { "topic": "orders", "records": [{ "key": "alice", "value": "order 1" }] } },
//!     { "produce": { "topic": "orders", "generate": { "count": 10, "key": "user-${n}", "value": "order ${n}" } } },
//!     { "consume": { "topic": "orders", "from": "offset 5", "group": "billing" } },
//!     { "split_shard": { "stream": "payments", "shard": 0 } },
//!     { "merge_shards": { "stream": "payments", "shard": 1, "adjacent": 2 } },
//!     { "add_partitions": { "topic": "orders", "count": 1 } },
//!     { "sql": "CREATE STREAM o (id STRING KEY, amount DOUBLE) WITH (kafka_topic='orders', value_format='JSON');" }
//!   ],
//!   "open": "orders"
//! }
//! ```
//!
//! - `topics`: `name`, `mode` (`kafka`, the default, or `kinesis`), `partitions` (or `shards`),
//!   and optionally `"cleanup": "compact"`.
//! - `produce`: `records` are objects as in a JSON Lines import (`key`, `value`, `headers`,
//!   `timestamp`, `partition`, `explicit_hash_key`); `generate` makes `count` records (at most
//!   10,000 per step) from a `value` template and a `key` template or a list of `keys` taken in
//!   turn; `${n}` is the record's number from 0, `${key}` its key, `${ts}` the time.
//! - `consume`: starts a consumer shown in the dashboard; `from` is `earliest`, `latest`,
//!   `offset N`, `timestamp MS`, or a Kinesis iterator (`TRIM_HORIZON`, `LATEST`,
//!   `AT_SEQUENCE_NUMBER SHARD:N`, `AFTER_SEQUENCE_NUMBER SHARD:N` (that shard from N, the
//!   others from TRIM_HORIZON), `AT_TIMESTAMP MS`); `group` is optional.
//! - `split_shard` (at the middle of the shard's hash-key range), `merge_shards`,
//!   `add_partitions`: Kinesis resharding and Kafka's partition increase.
//! - `sql`: statements in ksqlDB's dialect, run in the database's processor (streams, tables,
//!   persistent queries); the scenario ends once its queries have read everything.
//! - `open`: the topic the element shows (default: the first); with a `sql` step, also a topic
//!   the statements make.
//!
//! Every step but `sql` says `topic` or `stream`. [`Scenario::parse`] checks the whole file before
//! anything runs and names the place of the first mistake (`steps[2].produce: ...`).

use serde_json::Value;

use streamlab_log::{CleanupPolicy, Mode, PartitionId, TopicConfig, TopicName};

use crate::jsonl::kind;

mod at;
mod steps;

use crate::{WirePosition, WireRecord};
use at::At;
use steps::{declared, parse_step};

/// The most records one `generate` makes.
pub const MAX_GENERATED: u64 = 10_000;
/// The most steps a scenario has.
pub const MAX_STEPS: usize = 1_000;

/// What is wrong with a scenario file, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The text is not JSON.
    #[error("not JSON: {0}")]
    Json(String),
    /// A part of the file breaks the format.
    #[error("{at}: {problem}")]
    Invalid {
        /// Where (`topics[0].name`, `steps[3].consume.from`, ...).
        at: String,
        /// What is wrong, in words.
        problem: String,
    },
}

/// One step of a scenario, checked.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioStep {
    /// Append these records (through a producer worker).
    Produce {
        /// Where.
        topic: TopicName,
        /// What, in order.
        records: Vec<WireRecord>,
    },
    /// Start a consumer.
    Consume {
        /// What it reads.
        topic: TopicName,
        /// Where it starts.
        position: WirePosition,
        /// How the position was written, for the dashboard.
        from: String,
        /// Its consumer group, if any.
        group: Option<String>,
    },
    /// Kinesis SplitShard at the middle of the shard's range.
    SplitShard {
        /// The stream.
        topic: TopicName,
        /// The shard.
        shard: PartitionId,
    },
    /// Kinesis MergeShards.
    MergeShards {
        /// The stream.
        topic: TopicName,
        /// The shard.
        shard: PartitionId,
        /// The adjacent shard.
        adjacent: PartitionId,
    },
    /// Kafka: add partitions.
    AddPartitions {
        /// The topic.
        topic: TopicName,
        /// How many more.
        count: u32,
    },
    /// Streaming SQL: statements run in the database's processor (ksqlDB's dialect).
    Sql {
        /// The statements.
        text: String,
    },
}

impl ScenarioStep {
    /// The step in a few words, for the dashboard.
    pub fn describe(&self) -> String {
        match self {
            ScenarioStep::Produce { topic, records } => {
                format!("produce {} records to {topic}", records.len())
            }
            ScenarioStep::Consume { topic, from, .. } => format!("consume {topic} from {from}"),
            ScenarioStep::SplitShard { topic, shard } => {
                format!("split shard {} of {topic}", shard.0)
            }
            ScenarioStep::MergeShards {
                topic,
                shard,
                adjacent,
            } => {
                format!("merge shards {} and {} of {topic}", shard.0, adjacent.0)
            }
            ScenarioStep::AddPartitions { topic, count } => {
                format!("add {count} partitions to {topic}")
            }
            ScenarioStep::Sql { text } => {
                let statements = text.split(';').filter(|s| !s.trim().is_empty()).count();
                format!("run {statements} SQL statement(s)")
            }
        }
    }
}

/// A checked scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Topics to create, in order.
    pub topics: Vec<TopicConfig>,
    /// Steps to run, in order.
    pub steps: Vec<ScenarioStep>,
    /// The topic to show afterwards.
    pub open: Option<TopicName>,
}

impl Scenario {
    /// Reads and checks a scenario file; nothing in it runs unless all of it is right.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| ScenarioError::Json(e.to_string()))?;
        let top = At("scenario".into());
        let object = top.object(&value)?;
        top.only(object, &["topics", "steps", "open", "title", "description"])?;

        let topics = match object.get("topics") {
            Some(Value::Array(list)) if !list.is_empty() => list
                .iter()
                .enumerate()
                .map(|(i, t)| parse_topic(&At(format!("topics[{i}]")), t))
                .collect::<Result<Vec<_>, _>>()?,
            Some(Value::Array(_)) | None => {
                return top
                    .child("topics")
                    .fail("a scenario creates at least one topic")
            }
            Some(other) => {
                return top
                    .child("topics")
                    .fail(format!("expected a list, not {}", kind(other)))
            }
        };
        for (i, t) in topics.iter().enumerate() {
            if topics[..i].iter().any(|o| o.name() == t.name()) {
                return At(format!("topics[{i}].name"))
                    .fail(format!("topic '{}' is declared twice", t.name()));
            }
        }

        let steps = match object.get("steps") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) if list.len() > MAX_STEPS => {
                return top
                    .child("steps")
                    .fail(format!("a scenario has at most {MAX_STEPS} steps"))
            }
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(i, s)| parse_step(&At(format!("steps[{i}]")), s, &topics))
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => {
                return top
                    .child("steps")
                    .fail(format!("expected a list, not {}", kind(other)))
            }
        };

        let makes_topics = steps.iter().any(|s| matches!(s, ScenarioStep::Sql { .. }));
        let open = match top.text(object, "open")? {
            None => None,
            // A topic a SQL step makes (a table's) may be the one shown.
            Some(name) if makes_topics && !topics.iter().any(|t| t.name().as_str() == name) => {
                match TopicName::new(name, Mode::Kafka) {
                    Ok(n) => Some(n),
                    Err(e) => return top.child("open").fail(e.to_string()),
                }
            }
            Some(name) => Some(declared(&top.child("open"), &topics, name)?.name().clone()),
        };
        Ok(Scenario {
            topics,
            steps,
            open,
        })
    }
}

fn parse_topic(at: &At, value: &Value) -> Result<TopicConfig, ScenarioError> {
    let object = at.object(value)?;
    at.only(object, &["name", "mode", "partitions", "shards", "cleanup"])?;
    let Some(name) = at.text(object, "name")? else {
        return at.fail("\"name\" is missing");
    };
    let mode = match at.text(object, "mode")? {
        None => Mode::Kafka,
        Some(m) => match Mode::parse(m) {
            Some(mode) => mode,
            None => {
                return at
                    .child("mode")
                    .fail(format!("'{m}' is not kafka or kinesis"))
            }
        },
    };
    let count = match (at.u32(object, "partitions")?, at.u32(object, "shards")?) {
        (Some(_), Some(_)) => return at.fail("give \"partitions\" or \"shards\", not both"),
        (Some(n), None) | (None, Some(n)) => n,
        (None, None) => return at.fail("\"partitions\" (or \"shards\") is missing"),
    };
    let config = TopicConfig::new(name, mode, count).or_else(|e| at.fail(e.to_string()))?;
    match at.text(object, "cleanup")? {
        None | Some("delete") => Ok(config),
        Some("compact") => config
            .with_cleanup_policy(CleanupPolicy::Compact)
            .or_else(|e| at.child("cleanup").fail(e.to_string())),
        Some(other) => at
            .child("cleanup")
            .fail(format!("'{other}' is not delete or compact")),
    }
}

#[cfg(test)]
mod tests;
