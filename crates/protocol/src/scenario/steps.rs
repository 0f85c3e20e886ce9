//! The steps of a scenario file: each checked against the declared topics, with its place.

use serde_json::Value;

use streamlab_log::{CleanupPolicy, Mode, PartitionId, TopicConfig};
use streamlab_workload::{KeyPattern, ValueTemplate};

use super::at::{At, Obj};
use super::{ScenarioError, ScenarioStep, MAX_GENERATED};
use crate::jsonl::{kind, record_from_object};
use crate::{WirePosition, WireRecord};

pub(super) fn declared<'t>(
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

pub(super) fn parse_step(
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
