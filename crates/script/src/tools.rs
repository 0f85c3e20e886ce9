//! The lab's less used operations: JSON Lines export and import, a consumer group's offset
//! reset, running a topic's cleanup now, and scenario files. They live in this bundle, which the
//! lab fetches the first time one is asked for (`crates/ui/src/tools.rs`), so a page that only
//! shows a lab does not download them (about 50 KB gzipped); the lab asks for them through
//! `lab_tool` (`crate::lab_tool`, the typed requests of `streamlab_protocol::tools`). Each works
//! on its own connection to the lab's database and answers in the words the dashboard shows; a
//! failure is a JavaScript `Error` whose message is those words.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use streamlab_idb::IdbStore;
use streamlab_log::{
    add_partitions, clean_partition, merge_shards, middle_hash_key, reset_group_offsets,
    split_shard, GroupId, HashKey, PartitionScan, ReshardError, Storage, Timestamp, TopicMetadata,
    TopicName, TopicPartition,
};
use streamlab_protocol::{
    form::parse_offset_reset,
    jsonl,
    scenario::{Scenario, ScenarioStep},
    tools::{EventAnswer, ToolEvent},
    ProducerCommand, ProducerEvent, WireRecord, WireTarget,
};
use streamlab_workers::{ProducerBridge, SESSION_TIMEOUT_MS};

use crate::lab_tool::Events;
use crate::{js_error, next_event, spawn_producer};

/// Records per produce request of an import or a scenario step (Kinesis' PutRecords limit).
const REQUEST_RECORDS: usize = 500;

/// `records` as produce requests of at most [`REQUEST_RECORDS`] each, numbered from 0.
fn requests<'a>(
    db: &'a str,
    topic: &'a str,
    records: &'a [WireRecord],
) -> impl Iterator<Item = ProducerCommand> + 'a {
    records
        .chunks(REQUEST_RECORDS)
        .enumerate()
        .map(|(n, chunk)| ProducerCommand::Produce {
            request_id: n as u64,
            db: db.to_owned(),
            topic: topic.to_owned(),
            records: chunk.to_vec(),
        })
}

/// What the browser reads `text` as, in ms since 1970 (`Date.parse`).
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let ms = js_sys::Date::parse(text);
    (!ms.is_nan()).then_some(ms as i64)
}

fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64)
}

/// Opens `db` and reads `topic`'s metadata, then runs `work` and closes the connection.
async fn with_topic<T, F, Fut>(db: &str, topic: &str, work: F) -> Result<T, JsValue>
where
    F: FnOnce(Rc<IdbStore>, TopicMetadata) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let store = Rc::new(IdbStore::open(db).await.map_err(js_error)?);
    let found = store
        .list_topics()
        .await
        .map_err(js_error)
        .and_then(|topics| {
            topics
                .into_iter()
                .find(|t| t.config.name().as_str() == topic)
                .ok_or_else(|| js_error(format!("unknown topic '{topic}'")))
        });
    let result = match found {
        Ok(metadata) => work(Rc::clone(&store), metadata).await.map_err(js_error),
        Err(e) => Err(e),
    };
    store.close();
    result
}

/// Runs `topic`'s cleanup policy (retention or compaction) on every partition now; resolves with
/// what it did, in words.
pub(crate) async fn clean_topic(db: &str, topic: &str) -> Result<String, JsValue> {
    with_topic(db, topic, |store, metadata| async move {
        let (mut deleted, mut rewritten) = (0, 0);
        for state in &metadata.partitions {
            let tp = TopicPartition::new(metadata.config.name().clone(), state.partition());
            let out = clean_partition(store.as_ref(), &tp, now())
                .await
                .map_err(|e| e.to_string())?;
            deleted += out.batches_deleted;
            rewritten += out.batches_rewritten;
        }
        Ok(format!(
            "cleanup: {deleted} batches deleted, {rewritten} rewritten"
        ))
    })
    .await
}

/// Resets `group`'s committed offsets on `topic` (see [`parse_offset_reset`] for `target` and
/// `value`); refused while a member of the group is active. Resolves with where the group now
/// starts, in words.
pub(crate) async fn reset_group(
    db: &str,
    topic: &str,
    group: &str,
    target: &str,
    value: &str,
) -> Result<String, JsValue> {
    with_topic(db, topic, |store, metadata| async move {
        let group = GroupId::new(group.trim()).map_err(|e| format!("group: {e}"))?;
        let partitions = metadata.partitions.len() as u32;
        let reset = parse_offset_reset(target, value.trim(), partitions, parse_date)?;
        let name = metadata.config.name();
        let moved = reset_group_offsets(
            store.as_ref(),
            &group,
            name,
            &reset,
            now(),
            SESSION_TIMEOUT_MS,
        )
        .await
        .map_err(|e| e.to_string())?;
        let offsets = moved
            .iter()
            .map(|(p, o)| format!("{} → {}", p.0, o.0))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(format!("group {group} now starts at {offsets}"))
    })
    .await
}

/// The whole of `topic` as JSON Lines, every partition in offset order, and how many records
/// that is.
pub(crate) async fn export_topic(db: &str, topic: &str) -> Result<(String, u64), JsValue> {
    with_topic(db, topic, |store, metadata| async move {
        let mut out = String::new();
        let mut count = 0u64;
        for state in &metadata.partitions {
            let tp = TopicPartition::new(metadata.config.name().clone(), state.partition());
            let (start, end) = (state.log_start_offset(), state.log_end_offset());
            let mut scan = PartitionScan::new(store.as_ref(), tp, start, end, 1 << 20);
            while let Some(records) = scan.next().await.map_err(|e| e.to_string())? {
                for r in &records {
                    let headers: Vec<_> = r
                        .headers()
                        .iter()
                        .map(|h| (h.key.clone(), h.value.clone()))
                        .collect();
                    out.push_str(&jsonl::export_line(
                        state.partition().0,
                        r.offset().0,
                        &r.sequence_number().to_string(),
                        r.timestamp().0,
                        r.key(),
                        r.value(),
                        &headers,
                    ));
                    out.push('\n');
                    count += 1;
                }
            }
        }
        Ok((out, count))
    })
    .await
}

/// Imports JSON Lines `text` into `topic` (a Kafka topic when `kafka`, with `partitions`
/// partitions) through a producer worker of its own, 500 records per request; returns the worker
/// (the import ends when it is dropped) and the file's record count. A file with a bad line is
/// refused whole (the error names the line). An exported partition is kept where the topic has
/// it (Kafka); otherwise a record is routed by its key. `events` hears each acknowledgement, each
/// refusal and a failure of the worker.
pub(crate) fn import_jsonl(
    db: &str,
    topic: &str,
    kafka: bool,
    partitions: u32,
    text: &str,
    events: Events,
) -> Result<(ProducerBridge, u64), JsValue> {
    let mut records = jsonl::parse_all(text).map_err(js_error)?;
    for r in &mut records {
        if let WireTarget::Partition(p) = r.target {
            if !(kafka && p < partitions) {
                r.target = WireTarget::ByKey;
            }
        }
    }
    let bridge = ProducerBridge::spawn(streamlab_workers::WorkerRole::Producer, move |event| {
        let event = match event {
            Ok(ProducerEvent::Acked { acks, .. }) => ToolEvent::ImportAcked(acks.len() as u64),
            Ok(ProducerEvent::Failed {
                message,
                storage_full,
                ..
            }) => ToolEvent::ImportRefused {
                message,
                storage_full,
            },
            Ok(ProducerEvent::Unreadable { message }) => ToolEvent::ImportFailed(message),
            Ok(_) => return,
            Err(e) => ToolEvent::ImportFailed(e.to_string()),
        };
        events.send(&event);
    })
    .map_err(js_error)?;
    for request in requests(db, topic, &records) {
        bridge.send(&request).map_err(js_error)?;
    }
    Ok((bridge, records.len() as u64))
}

/// Replays the scenario file at `source` (relative to the page) on `db`, step by step, and
/// resolves with the topic to show: `open` if the scenario has it, else the scenario's `open`,
/// else its first topic. Before each step `events` hears `ScenarioStep`; unless the lab answers
/// go on (it went away), the scenario stops there. A `consume` step is `ScenarioConsume`: the lab
/// starts the consumer, as if by hand. A failure rejects with the step and the reason
/// (`steps[2]: split shard 0 of s: …`).
pub(crate) async fn run_scenario(
    db: String,
    source: &str,
    open: Option<String>,
    events: &Events,
) -> Result<Option<String>, JsValue> {
    let text = fetch_text(source).await.map_err(js_error)?;
    let scenario = Scenario::parse(&text).map_err(js_error)?;
    let total = (scenario.topics.len() + scenario.steps.len()) as u64;
    let go_on = |done: u64, step: &str| {
        let step = step.to_owned();
        events.send(&ToolEvent::ScenarioStep { total, done, step }) == EventAnswer::GoOn
    };
    let store = IdbStore::open(&db).await.map_err(js_error)?;
    let mut done = 0;
    for config in &scenario.topics {
        let step = format!("create {}", config.name());
        if !go_on(done, &step) {
            store.close();
            return Ok(None);
        }
        if let Err(e) = store.create_topic(config).await {
            store.close();
            return Err(js_error(format!("{step}: {e}")));
        }
        done += 1;
    }
    for (i, step) in scenario.steps.iter().enumerate() {
        let words = format!("steps[{i}]: {}", step.describe());
        if !go_on(done, &words) {
            store.close();
            return Ok(None);
        }
        if let Err(e) = run_step(&store, &db, step, events).await {
            store.close();
            return Err(js_error(format!("{words}: {e}")));
        }
        done += 1;
    }
    store.close();
    // A lesson's tables are complete when it shows: its queries read everything, then this
    // processor hands over to the lab's.
    if scenario
        .steps
        .iter()
        .any(|s| matches!(s, ScenarioStep::Sql { .. }))
    {
        crate::sql::queries_idle(&db)
            .await
            .map_err(|e| js_error(format!("the scenario's queries: {}", message(&e))))?;
        crate::sql::stop_processor(db.clone());
    }
    let shown = open
        .and_then(|name| {
            scenario
                .topics
                .iter()
                .find(|t| t.name().as_str() == name.as_str())
        })
        .map(|t| t.name().clone())
        .or(scenario.open)
        .or_else(|| scenario.topics.first().map(|t| t.name().clone()));
    Ok(shown.map(|t| t.as_str().to_owned()))
}

/// A change to a topic's partitions (split, merge, add).
type TopicUpdate = Box<dyn Fn(&TopicMetadata) -> Result<TopicMetadata, ReshardError>>;

async fn run_step(
    store: &IdbStore,
    db: &str,
    step: &ScenarioStep,
    events: &Events,
) -> Result<(), String> {
    let (topic, update): (&TopicName, TopicUpdate) = match step {
        ScenarioStep::Produce { topic, records } => {
            return produce_all(db, topic.as_str(), records).await;
        }
        ScenarioStep::Sql { text } => {
            let results = crate::sql::run_sql(db, text.clone())
                .await
                .map_err(|e| message(&e))?;
            return match results.iter().find(|r| !r.ok) {
                Some(bad) => Err(format!("{}: {}", bad.statement, bad.message)),
                None => Ok(()),
            };
        }
        ScenarioStep::Consume {
            topic, from, group, ..
        } => {
            let consume = ToolEvent::ScenarioConsume {
                topic: topic.as_str().to_owned(),
                from: from.clone(),
                group: group.clone(),
            };
            return match events.send(&consume) {
                EventAnswer::Refused(message) => Err(message),
                EventAnswer::GoOn | EventAnswer::Stop => Ok(()),
            };
        }
        ScenarioStep::SplitShard { topic, shard } => {
            let shard = *shard;
            let split = move |m: &TopicMetadata| {
                let at = m
                    .partitions
                    .get(shard.0 as usize)
                    .and_then(|p| p.hash_key_range())
                    .and_then(middle_hash_key)
                    .unwrap_or(HashKey(0));
                split_shard(m, shard, at)
            };
            (topic, Box::new(split))
        }
        ScenarioStep::MergeShards {
            topic,
            shard,
            adjacent,
        } => {
            let (shard, adjacent) = (*shard, *adjacent);
            (topic, Box::new(move |m| merge_shards(m, shard, adjacent)))
        }
        ScenarioStep::AddPartitions { topic, count } => {
            let count = *count;
            let add = move |m: &TopicMetadata| add_partitions(m, m.partitions.len() as u32 + count);
            (topic, Box::new(add))
        }
    };
    store
        .update_topic(topic, &*update)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Appends `records` to `topic` through a producer worker of its own, one request of at most
/// 500 records at a time, each awaited before the next.
async fn produce_all(db: &str, topic: &str, records: &[WireRecord]) -> Result<(), String> {
    let (bridge, mut rx) = spawn_producer().map_err(|e| message(&e))?;
    for request in requests(db, topic, records) {
        bridge.send(&request).map_err(|e| e.to_string())?;
        loop {
            match next_event(&mut rx).await.map_err(|e| message(&e))? {
                ProducerEvent::Acked { .. } => break,
                ProducerEvent::Failed { message, .. } | ProducerEvent::Unreadable { message } => {
                    return Err(message)
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The message of a JavaScript error (or the value, written out).
pub(crate) fn message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The text at `url` (relative to the page).
async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen_futures::JsFuture;
    let window = web_sys::window().ok_or("no window to fetch from")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("could not be fetched: {}", message(&e)))?
        .unchecked_into();
    if !response.ok() {
        return Err(format!(
            "could not be fetched: HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let text = JsFuture::from(response.text().map_err(|e| message(&e))?)
        .await
        .map_err(|e| message(&e))?;
    Ok(text.as_string().unwrap_or_default())
}
