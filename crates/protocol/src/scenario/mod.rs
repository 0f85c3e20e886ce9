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
//!   `AT_SEQUENCE_NUMBER N`, `AFTER_SEQUENCE_NUMBER N`, `AT_TIMESTAMP MS`); `group` is optional.
//! - `split_shard` (at the middle of the shard's hash-key range), `merge_shards`,
//!   `add_partitions`: Kinesis resharding and Kafka's partition increase.
//! - `sql`: statements in ksqlDB's dialect, run in the database's processor (streams, tables,
//!   persistent queries); the scenario ends once its queries have read everything.
//! - `open`: the topic the element shows (default: the first); with a `sql` step, also a topic
//!   the statements make.
//!
//! Every step but `sql` says `topic` or `stream`. [`Scenario::parse`] checks the whole file before
//! anything runs and names the place of the first mistake (`steps[2].produce: ...`).

use serde_json::{Map, Value};

use streamlab_log::{
    CleanupPolicy, KeyPattern, Mode, PartitionId, TopicConfig, TopicName, ValueTemplate,
};

use crate::jsonl::{kind, record_from_object};
use crate::{WirePosition, WireRecord};

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

type Obj = Map<String, Value>;

struct At(String);

impl At {
    fn fail<T>(&self, problem: impl Into<String>) -> Result<T, ScenarioError> {
        Err(ScenarioError::Invalid {
            at: self.0.clone(),
            problem: problem.into(),
        })
    }

    fn child(&self, name: &str) -> At {
        At(format!("{}.{name}", self.0))
    }

    fn object<'v>(&self, value: &'v Value) -> Result<&'v Obj, ScenarioError> {
        match value {
            Value::Object(o) => Ok(o),
            other => self.fail(format!("expected an object, not {}", kind(other))),
        }
    }

    fn only(&self, object: &Obj, allowed: &[&str]) -> Result<(), ScenarioError> {
        match object.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(unknown) => self.fail(format!(
                "unknown field \"{unknown}\" (expected one of: {})",
                allowed.join(", ")
            )),
            None => Ok(()),
        }
    }

    fn text<'v>(&self, object: &'v Obj, name: &str) -> Result<Option<&'v str>, ScenarioError> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => self
                .child(name)
                .fail(format!("expected a string, not {}", kind(other))),
        }
    }

    fn number(&self, object: &Obj, name: &str) -> Result<Option<u64>, ScenarioError> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(n) => Ok(Some(n)),
                None => self.child(name).fail("expected a whole number from 0"),
            },
            Some(other) => self
                .child(name)
                .fail(format!("expected a number, not {}", kind(other))),
        }
    }

    fn u32(&self, object: &Obj, name: &str) -> Result<Option<u32>, ScenarioError> {
        match self.number(object, name)? {
            None => Ok(None),
            Some(n) => u32::try_from(n)
                .map(Some)
                .or_else(|_| self.child(name).fail(format!("{n} is too large"))),
        }
    }
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

fn declared<'t>(
    at: &At,
    topics: &'t [TopicConfig],
    name: &str,
) -> Result<&'t TopicConfig, ScenarioError> {
    match topics.iter().find(|t| t.name().as_str() == name) {
        Some(t) => Ok(t),
        None => at.fail(format!("topic '{name}' is not declared in \"topics\"")),
    }
}

fn step_topic<'t>(
    at: &At,
    object: &Obj,
    topics: &'t [TopicConfig],
) -> Result<&'t TopicConfig, ScenarioError> {
    match (at.text(object, "topic")?, at.text(object, "stream")?) {
        (Some(_), Some(_)) => at.fail("give \"topic\" or \"stream\", not both"),
        (Some(name), None) | (None, Some(name)) => declared(at, topics, name),
        (None, None) => at.fail("\"topic\" (or \"stream\") is missing"),
    }
}

const STEPS: [&str; 6] = [
    "produce",
    "consume",
    "split_shard",
    "merge_shards",
    "add_partitions",
    "sql",
];

fn parse_step(
    at: &At,
    value: &Value,
    topics: &[TopicConfig],
) -> Result<ScenarioStep, ScenarioError> {
    let object = at.object(value)?;
    let mut entries = object.iter();
    let (Some((verb, body)), None) = (entries.next(), entries.next()) else {
        return at.fail(format!(
            "a step is an object with one of: {}",
            STEPS.join(", ")
        ));
    };
    let at = at.child(verb);
    if verb == "sql" {
        return match body {
            Value::String(text) if !text.trim().is_empty() => {
                Ok(ScenarioStep::Sql { text: text.clone() })
            }
            _ => {
                at.fail("give the statements as one string (\"CREATE STREAM …; CREATE TABLE …;\")")
            }
        };
    }
    let body = at.object(body)?;
    match verb.as_str() {
        "produce" => {
            at.only(body, &["topic", "stream", "records", "generate"])?;
            let topic = step_topic(&at, body, topics)?;
            let records = match (body.get("records"), body.get("generate")) {
                (Some(_), Some(_)) => return at.fail("give \"records\" or \"generate\", not both"),
                (Some(Value::Array(list)), None) => list
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let at = at.child(&format!("records[{i}]"));
                        let record = record_from_object(at.object(r)?).or_else(|p| at.fail(p))?;
                        check_record(&at, topic, &record)?;
                        Ok(record)
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                (Some(other), None) => {
                    return at
                        .child("records")
                        .fail(format!("expected a list, not {}", kind(other)))
                }
                (None, Some(generate)) => generated(&at.child("generate"), topic, generate)?,
                (None, None) => return at.fail("give \"records\" or \"generate\""),
            };
            Ok(ScenarioStep::Produce {
                topic: topic.name().clone(),
                records,
            })
        }
        "consume" => {
            at.only(body, &["topic", "stream", "from", "group"])?;
            let topic = step_topic(&at, body, topics)?;
            let from = at.text(body, "from")?.unwrap_or("earliest").trim();
            let (kind, value) = from.split_once(' ').unwrap_or((from, ""));
            let position = WirePosition::parse(kind, value.trim())
                .or_else(|e| at.child("from").fail(e.to_string()))?;
            let group = match at.text(body, "group")? {
                Some(g) => Some(
                    streamlab_log::GroupId::new(g)
                        .map(|_| g.to_owned())
                        .or_else(|e| at.child("group").fail(e.to_string()))?,
                ),
                None => None,
            };
            Ok(ScenarioStep::Consume {
                topic: topic.name().clone(),
                position,
                from: from.to_owned(),
                group,
            })
        }
        "split_shard" | "merge_shards" => {
            let adjacent = verb == "merge_shards";
            let allowed: &[&str] = if adjacent {
                &["topic", "stream", "shard", "adjacent"]
            } else {
                &["topic", "stream", "shard"]
            };
            at.only(body, allowed)?;
            let topic = step_topic(&at, body, topics)?;
            if topic.mode() != Mode::Kinesis {
                return at.fail(format!(
                    "'{}' is a Kafka topic; only Kinesis streams reshard",
                    topic.name()
                ));
            }
            let shard = |name: &str| match at.u32(body, name)? {
                Some(n) => Ok(PartitionId(n)),
                None => at.fail(format!("\"{name}\" is missing")),
            };
            let (topic, first) = (topic.name().clone(), shard("shard")?);
            Ok(if adjacent {
                ScenarioStep::MergeShards {
                    topic,
                    shard: first,
                    adjacent: shard("adjacent")?,
                }
            } else {
                ScenarioStep::SplitShard {
                    topic,
                    shard: first,
                }
            })
        }
        "add_partitions" => {
            at.only(body, &["topic", "stream", "count"])?;
            let topic = step_topic(&at, body, topics)?;
            if topic.mode() != Mode::Kafka {
                return at.fail(format!(
                    "'{}' is a Kinesis stream; split its shards instead",
                    topic.name()
                ));
            }
            match at.u32(body, "count")? {
                Some(count) if count > 0 => Ok(ScenarioStep::AddPartitions {
                    topic: topic.name().clone(),
                    count,
                }),
                _ => at.child("count").fail("add at least one partition"),
            }
        }
        other => at.fail(format!(
            "unknown step '{other}' (expected one of: {})",
            STEPS.join(", ")
        )),
    }
}

/// The rules a record breaks whatever the log's state: a Kinesis record needs a partition key,
/// a compacted topic a key, and a partition or hash key must suit the mode.
fn check_record(at: &At, topic: &TopicConfig, record: &WireRecord) -> Result<(), ScenarioError> {
    use crate::WireTarget;
    let mode = topic.mode();
    if record.key.is_none() && mode == Mode::Kinesis {
        return at.fail("a Kinesis record needs a partition key (\"key\")");
    }
    if record.key.is_none() && topic.cleanup_policy() == CleanupPolicy::Compact {
        return at.fail(format!(
            "'{}' is compacted; its records need a key",
            topic.name()
        ));
    }
    match record.target {
        WireTarget::Partition(p) if mode == Mode::Kinesis => at.fail(format!(
            "\"partition\": {p} is Kafka's; a Kinesis record names an \"explicit_hash_key\""
        )),
        WireTarget::Partition(p) if p >= topic.partition_count() => at.fail(format!(
            "partition {p} does not exist; '{}' has {} when it is created",
            topic.name(),
            topic.partition_count()
        )),
        WireTarget::ExplicitHashKey(_) if mode == Mode::Kafka => {
            at.fail("\"explicit_hash_key\" is Kinesis'; a Kafka record names a \"partition\"")
        }
        _ => Ok(()),
    }
}

fn generated(
    at: &At,
    topic: &TopicConfig,
    value: &Value,
) -> Result<Vec<WireRecord>, ScenarioError> {
    let object = at.object(value)?;
    at.only(object, &["count", "key", "keys", "value"])?;
    let count = match at.number(object, "count")? {
        Some(n) if (1..=MAX_GENERATED).contains(&n) => n,
        _ => {
            return at
                .child("count")
                .fail(format!("give a count from 1 to {MAX_GENERATED}"))
        }
    };
    let template = |name: &str, text: &str| {
        ValueTemplate::parse(text).or_else(|e| at.child(name).fail(e.to_string()))
    };
    let value = template("value", at.text(object, "value")?.unwrap_or("record ${n}"))?;
    let keys = match (at.text(object, "key")?, object.get("keys")) {
        (Some(_), Some(_)) => return at.fail("give \"key\" or \"keys\", not both"),
        (Some(key), None) => Keys::Template(template("key", key)?),
        (None, Some(Value::Array(list))) if !list.is_empty() => Keys::Cycle(
            list.iter()
                .map(|k| match k {
                    Value::String(s) => Ok(s.clone()),
                    other => at
                        .child("keys")
                        .fail(format!("keys are strings, not {}", kind(other))),
                })
                .collect::<Result<_, _>>()?,
        ),
        (None, Some(_)) => return at.child("keys").fail("expected a list of strings"),
        (None, None) => Keys::None,
    };
    let pattern = match keys {
        Keys::None => KeyPattern::None,
        _ => KeyPattern::Fixed(String::new()),
    };
    pattern
        .validate(topic.mode())
        .or_else(|e| at.child("key").fail(e.to_string()))?;
    if matches!(keys, Keys::None) && topic.cleanup_policy() == CleanupPolicy::Compact {
        return at.child("key").fail(format!(
            "'{}' is compacted; its records need a key",
            topic.name()
        ));
    }
    Ok((0..count)
        .map(|n| {
            let key = match &keys {
                Keys::None => None,
                Keys::Template(t) => Some(t.render(n, None, 0)),
                Keys::Cycle(list) => list.get((n % list.len() as u64) as usize).cloned(),
            };
            WireRecord {
                value: value.render(n, key.as_deref(), 0),
                key,
                ..WireRecord::default()
            }
        })
        .collect())
}

enum Keys {
    None,
    Template(ValueTemplate),
    Cycle(Vec<String>),
}

#[cfg(test)]
mod tests;
