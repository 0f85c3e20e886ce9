//! A producer run: records made from a key pattern and a value template, paced by a rate, a
//! batch size and a linger, appended until stopped, and acknowledged batch by batch.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;

use futures::channel::mpsc;
use futures::future::{select, Either};
use futures::StreamExt;

use streamlab_idb::IdbStore;
use streamlab_log::{
    produce_to, route, AppendError, KeylessPartitioner, Mode, PartitionId, ProduceError,
    ProduceRecord, RecordData, Storage, Target, Timestamp, TopicMetadata, TopicName,
};
use streamlab_protocol::{BatchAck, ProducerEvent, RunSpec};
use streamlab_workload::{Pace, Pacer, ValueTemplate};

use crate::producer::{announce, store_for};
use crate::{now_ms, sleep, Failure};

/// What the page tells a running run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunControl {
    Pause,
    Resume,
    SetRate(Option<u32>),
    Stop,
}

/// A run's fixed inputs.
pub(crate) struct RunRequest {
    pub run_id: u64,
    pub db: String,
    pub topic: String,
    pub spec: RunSpec,
}

/// Runs until stopped, done or failed; reports through `respond` and ends with `RunEnded`.
pub(crate) async fn run(
    stores: &RefCell<HashMap<String, Rc<IdbStore>>>,
    keyless: &KeylessPartitioner,
    request: RunRequest,
    control: mpsc::UnboundedReceiver<RunControl>,
    respond: &dyn Fn(ProducerEvent),
) {
    let run_id = request.run_id;
    let mut sent = 0u64;
    let failure = drive(stores, keyless, &request, control, respond, &mut sent)
        .await
        .err();
    respond(ProducerEvent::RunEnded {
        run_id,
        sent,
        storage_full: failure.as_ref().is_some_and(|f| f.storage_full),
        error: failure.map(|f| f.message),
    });
}

async fn drive(
    stores: &RefCell<HashMap<String, Rc<IdbStore>>>,
    keyless: &KeylessPartitioner,
    request: &RunRequest,
    mut control: mpsc::UnboundedReceiver<RunControl>,
    respond: &dyn Fn(ProducerEvent),
    sent: &mut u64,
) -> Result<(), Failure> {
    let spec = &request.spec;
    let run_id = request.run_id;
    let keys = spec.key.to_pattern();
    let template = ValueTemplate::parse(&spec.value_template).map_err(|e| e.to_string())?;
    Pacer::validate(spec.rate, spec.batch_size).map_err(|e| e.to_string())?;
    let topic = TopicName::new(&request.topic, Mode::Kafka).map_err(|e| e.to_string())?;
    let store = store_for(stores, &request.db).await?;
    let mut metadata = describe(&store, &topic).await?;
    keys.validate(metadata.config.mode())
        .map_err(|e| e.to_string())?;
    let mut pacer = Pacer::new(spec.rate, spec.batch_size, spec.linger_ms, now_ms());
    let mut report = Report::new(run_id);
    let mut paused_at: Option<f64> = None;
    // A command taken while waiting, handled at the top of the loop.
    let mut held: Option<RunControl> = None;
    loop {
        // Commands first: they may pause or stop the run.
        while let Some(command) = held.take().or_else(|| control.try_recv().ok()) {
            match command {
                RunControl::Stop => {
                    report.flush(respond, *sent);
                    return Ok(());
                }
                RunControl::Pause if paused_at.is_none() => {
                    paused_at = Some(now_ms());
                    respond(ProducerEvent::RunPaused {
                        run_id,
                        paused: true,
                    });
                }
                RunControl::Resume => {
                    if let Some(at) = paused_at.take() {
                        pacer.resume(at, now_ms());
                        respond(ProducerEvent::RunPaused {
                            run_id,
                            paused: false,
                        });
                    }
                }
                RunControl::Pause => {}
                RunControl::SetRate(Some(0)) => {}
                RunControl::SetRate(rate) => pacer.set_rate(rate, now_ms()),
            }
        }
        if spec.limit.is_some_and(|limit| *sent >= limit) {
            report.flush(respond, *sent);
            return Ok(());
        }
        if paused_at.is_some() {
            report.flush(respond, *sent);
            // Sleep until the page says something: no timer runs while paused.
            match control.next().await {
                Some(command) => {
                    held = Some(command);
                    continue;
                }
                None => return Ok(()),
            }
        }
        let count = match pacer.next(now_ms()) {
            Pace::Send(n) => {
                let left = spec.limit.map_or(u64::MAX, |limit| limit - *sent);
                n.min(u32::try_from(left).unwrap_or(u32::MAX))
            }
            Pace::Wait(ms) => {
                // Idle: say what was appended so far before sleeping.
                report.flush(respond, *sent);
                let wait = Box::pin(sleep(ms.ceil() as i32));
                if let Either::Right((Some(command), _)) =
                    select(wait, Box::pin(control.next())).await
                {
                    held = Some(command);
                }
                continue;
            }
        };
        let now = js_sys::Date::now() as i64;
        let records: Vec<ProduceRecord> = (0..u64::from(count))
            .map(|i| {
                let n = *sent + i;
                let pick = (js_sys::Math::random() * 4_294_967_296.0) as u64;
                let key = keys.key(n, pick);
                let value = template.render(n, key.as_deref(), now);
                ProduceRecord {
                    data: RecordData {
                        key: key.map(String::into_bytes),
                        value: Some(value.into_bytes()),
                        headers: Vec::new(),
                        timestamp: None,
                    },
                    target: Target::ByKey,
                }
            })
            .collect();
        let appended = append(&store, &mut metadata, records, keyless, run_id, respond).await;
        let batches = match appended {
            Ok(batches) => batches,
            Err(e) => {
                report.flush(respond, *sent);
                return Err(e);
            }
        };
        pacer.sent(count);
        *sent += u64::from(count);
        announce(&request.db, topic.as_str());
        report.add(batches);
        if now_ms() - report.last_ms >= REPORT_EVERY_MS {
            report.flush(respond, *sent);
        }
    }
}

/// How often a busy run reports its acknowledgements.
const REPORT_EVERY_MS: f64 = 100.0;
/// The most batches one report lists.
const REPORT_BATCHES: usize = 20;

/// Acknowledgements not reported yet.
struct Report {
    run_id: u64,
    batches: Vec<BatchAck>,
    batch_count: u64,
    unreported: bool,
    last_ms: f64,
}

impl Report {
    fn new(run_id: u64) -> Report {
        Report {
            run_id,
            batches: Vec::new(),
            batch_count: 0,
            unreported: false,
            last_ms: now_ms(),
        }
    }

    fn add(&mut self, batches: Vec<BatchAck>) {
        self.batch_count += batches.len() as u64;
        self.batches.extend(batches);
        let excess = self.batches.len().saturating_sub(REPORT_BATCHES);
        self.batches.drain(..excess);
        self.unreported = true;
    }

    fn flush(&mut self, respond: &dyn Fn(ProducerEvent), sent: u64) {
        if !self.unreported {
            return;
        }
        respond(ProducerEvent::RunAcked {
            run_id: self.run_id,
            batches: std::mem::take(&mut self.batches),
            sent,
            batch_count: self.batch_count,
        });
        self.unreported = false;
        self.last_ms = now_ms();
    }
}

async fn describe(store: &IdbStore, topic: &TopicName) -> Result<TopicMetadata, String> {
    store
        .describe_topic(topic)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("topic '{topic}' does not exist"))
}

/// Appends `records`, one partition's records at a time, so a partition that refuses (Kinesis'
/// write limit, a shard closed by a reshard) is retried with exactly its own records: nothing is
/// appended twice, nothing is dropped.
async fn append(
    store: &IdbStore,
    metadata: &mut TopicMetadata,
    records: Vec<ProduceRecord>,
    keyless: &KeylessPartitioner,
    run_id: u64,
    respond: &dyn Fn(ProducerEvent),
) -> Result<Vec<BatchAck>, Failure> {
    let mut pending: VecDeque<Vec<ProduceRecord>> = by_partition(metadata, records, keyless)?;
    let mut acks = Vec::new();
    while let Some(group) = pending.pop_front() {
        let now = Timestamp(js_sys::Date::now() as i64);
        match produce_to(store, metadata, &group, keyless, now).await {
            Ok(placed) => {
                if let (Some(first), Some(last)) = (placed.first(), placed.last()) {
                    acks.push(BatchAck {
                        partition: first.partition.0,
                        base_offset: first.offset.0,
                        count: placed.len() as u32,
                        first_sequence: first.sequence_number.to_string(),
                        last_sequence: last.sequence_number.to_string(),
                    });
                }
            }
            Err(ProduceError::Append {
                source: AppendError::ProvisionedThroughputExceeded { retry_after_ms, .. },
                partition,
            }) => {
                let retry_in_ms = retry_after_ms.clamp(10, 1_000);
                respond(ProducerEvent::RunRetrying {
                    run_id,
                    message: format!(
                        "shard {} is over its write limit (ProvisionedThroughputExceeded)",
                        partition.0
                    ),
                    retry_in_ms,
                });
                let _ = sleep(retry_in_ms as i32).await;
                pending.push_front(group);
            }
            Err(ProduceError::Append {
                source: AppendError::ShardClosed(_),
                ..
            }) => {
                // A reshard closed the shard: read the stream again and route these records to
                // the shards that own their hash keys now.
                *metadata = describe(store, metadata.config.name()).await?;
                for regrouped in by_partition(metadata, group, keyless)?.into_iter().rev() {
                    pending.push_front(regrouped);
                }
            }
            Err(e) => return Err(Failure::of_produce(&e)),
        }
    }
    Ok(acks)
}

/// Splits `records` by the partition each goes to, keeping their order within each; Kafka
/// records get that partition as an explicit target, so a keyless record is not routed twice.
fn by_partition(
    metadata: &TopicMetadata,
    records: Vec<ProduceRecord>,
    keyless: &KeylessPartitioner,
) -> Result<VecDeque<Vec<ProduceRecord>>, String> {
    let routed = route::<std::convert::Infallible>(metadata, &records, keyless)
        .map_err(|e| e.to_string())?;
    let mut groups: BTreeMap<PartitionId, Vec<ProduceRecord>> = BTreeMap::new();
    let kafka = metadata.config.mode() == Mode::Kafka;
    for (mut record, partition) in records.into_iter().zip(routed) {
        if kafka {
            record.target = Target::Partition(partition);
        }
        groups.entry(partition).or_default().push(record);
    }
    Ok(groups.into_values().collect())
}
