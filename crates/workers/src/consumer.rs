//! The consumer worker.

use std::collections::{BTreeMap, BTreeSet};

use futures::channel::mpsc;
use futures::StreamExt;
use gloo_worker::{HandlerId, Worker, WorkerScope};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

use streamlab_idb::IdbStore;
use streamlab_log::{
    fetch, readable_shards, resolve_position, CommittedOffset, FetchError, FetchLimits, GroupId,
    Mode, Offset, OffsetResetPolicy, PartitionId, Position, ShardState, Storage, Timestamp,
    TopicMetadata, TopicName, TopicPartition,
};
use streamlab_protocol::{
    log_channel, ConsumedRecord, ConsumerCommand, ConsumerEvent, WirePosition,
};

use crate::now_ms;

/// Records read per partition per round.
const FETCH_RECORDS: usize = 500;
/// How often a group member commits its positions.
const AUTO_COMMIT_MS: f64 = 1_000.0;

/// What wakes a consumer that has caught up.
enum Wake {
    /// A producer announced an append to the topic.
    Notice,
    /// The UI sent a command.
    Command(ConsumerCommand),
}

/// Reads a topic from a position, follows its end, and posts records to the UI in batches.
///
/// One worker is one consumer. It holds its positions in memory; with a group it commits them
/// to the store every second and on stop, and starts from the group's commits.
pub struct ConsumerWorker {
    wake: Option<mpsc::UnboundedSender<Wake>>,
}

impl Worker for ConsumerWorker {
    type Message = ();
    type Input = ConsumerCommand;
    type Output = ConsumerEvent;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        ConsumerWorker { wake: None }
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, (): Self::Message) {}

    fn received(&mut self, scope: &WorkerScope<Self>, command: Self::Input, id: HandlerId) {
        match command {
            ConsumerCommand::Start {
                db,
                topic,
                group,
                position,
            } if self.wake.is_none() => {
                let (tx, rx) = mpsc::unbounded();
                self.wake = Some(tx.clone());
                let scope = scope.clone();
                spawn_local(async move {
                    let respond = |event| scope.respond(id, event);
                    if let Err(message) =
                        consume(&respond, tx, rx, &db, &topic, group, position).await
                    {
                        respond(ConsumerEvent::Failed { message });
                    }
                });
            }
            ConsumerCommand::Start { .. } => scope.respond(
                id,
                ConsumerEvent::Failed {
                    message: "this consumer is already running".into(),
                },
            ),
            other => {
                if let Some(wake) = &self.wake {
                    let _ = wake.unbounded_send(Wake::Command(other));
                }
            }
        }
    }
}

struct Consumer<'a> {
    store: IdbStore,
    topic: TopicName,
    group: Option<GroupId>,
    positions: BTreeMap<PartitionId, Offset>,
    /// Closed shards read to their end (Kinesis lineage).
    finished: BTreeSet<PartitionId>,
    respond: &'a dyn Fn(ConsumerEvent),
}

impl Consumer<'_> {
    fn tp(&self, p: PartitionId) -> TopicPartition {
        TopicPartition::new(self.topic.clone(), p)
    }

    async fn metadata(&self) -> Result<TopicMetadata, String> {
        self.store
            .describe_topic(&self.topic)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("topic '{}' does not exist", self.topic))
    }

    /// Every partition's position for `position`; out-of-range offsets go to the log start.
    async fn seek(&mut self, position: &WirePosition) -> Result<(), String> {
        let position = position.to_position().map_err(|e| e.to_string())?;
        let meta = self.metadata().await?;
        self.positions.clear();
        self.finished.clear();
        for p in &meta.partitions {
            let at = resolve_position(
                &self.store,
                &self.tp(p.partition()),
                position,
                OffsetResetPolicy::Earliest,
            )
            .await
            .or_else(|e| match e {
                // A sequence number from another shard: start that shard at its beginning.
                streamlab_log::PositionError::SequenceNumberOutOfRange { .. } => {
                    Ok(p.log_start_offset())
                }
                other => Err(other.to_string()),
            })?;
            self.positions.insert(p.partition(), at);
        }
        Ok(())
    }

    async fn commit(&self) -> Result<(), String> {
        let Some(group) = &self.group else {
            return Ok(());
        };
        let now = Timestamp(js_sys::Date::now() as i64);
        let offsets: Vec<(TopicPartition, CommittedOffset)> = self
            .positions
            .iter()
            .map(|(p, o)| {
                let c = CommittedOffset {
                    offset: *o,
                    metadata: String::new(),
                    commit_time: now,
                };
                (self.tp(*p), c)
            })
            .collect();
        self.store
            .commit_offsets(group, &offsets)
            .await
            .map_err(|e| e.to_string())?;
        (self.respond)(ConsumerEvent::Committed {
            offsets: self.positions.iter().map(|(p, o)| (p.0, o.0)).collect(),
        });
        Ok(())
    }

    /// One round over the readable partitions; whether any record was read.
    async fn round(&mut self) -> Result<bool, String> {
        let meta = self.metadata().await?;
        let readable = match meta.config.mode() {
            Mode::Kafka => meta.partitions.iter().map(|p| p.partition()).collect(),
            // Parents before children, so each partition key's records stay in order.
            Mode::Kinesis => readable_shards(&meta.partitions, &self.finished),
        };
        let mut records = Vec::new();
        for p in readable {
            let Some(state) = meta.partitions.get(p.0 as usize) else {
                continue;
            };
            let tp = self.tp(p);
            // New partitions (added, or children of a reshard) start at their beginning.
            let at = *self.positions.entry(p).or_insert(state.log_start_offset());
            let limits = FetchLimits {
                max_records: FETCH_RECORDS,
                ..FetchLimits::default()
            };
            let fetched = match fetch(&self.store, &tp, at, limits).await {
                Ok(f) => f,
                // Retention moved the log start past us: go on from the new start.
                Err(FetchError::OffsetOutOfRange(e)) => {
                    self.positions.insert(p, e.log_start_offset);
                    continue;
                }
                Err(e) => return Err(e.to_string()),
            };
            self.positions.insert(p, fetched.next_offset);
            if state.shard_state() == ShardState::Closed
                && fetched.next_offset >= state.log_end_offset()
            {
                self.finished.insert(p);
            }
            records.extend(
                fetched
                    .records
                    .iter()
                    .map(|r| ConsumedRecord::from_record(p.0, r)),
            );
        }
        let read = !records.is_empty();
        if read {
            (self.respond)(ConsumerEvent::Records {
                records,
                positions: self.positions.iter().map(|(p, o)| (p.0, o.0)).collect(),
            });
        }
        Ok(read)
    }
}

async fn consume(
    respond: &dyn Fn(ConsumerEvent),
    tx: mpsc::UnboundedSender<Wake>,
    mut rx: mpsc::UnboundedReceiver<Wake>,
    db: &str,
    topic: &str,
    group: Option<String>,
    position: WirePosition,
) -> Result<(), String> {
    let topic = TopicName::new(topic, Mode::Kafka).map_err(|e| e.to_string())?;
    let group = group
        .filter(|g| !g.is_empty())
        .map(|g| GroupId::new(&g))
        .transpose()
        .map_err(|e| e.to_string())?;
    let store = IdbStore::open(db).await.map_err(|e| e.to_string())?;
    let mut consumer = Consumer {
        store,
        topic,
        group,
        positions: BTreeMap::new(),
        finished: BTreeSet::new(),
        respond,
    };
    consumer.seek(&position).await?;
    if let Some(group) = &consumer.group {
        // The group's commits win over the start position.
        let committed = consumer
            .store
            .committed_offsets(group, &consumer.topic)
            .await
            .map_err(|e| e.to_string())?;
        for (p, c) in committed {
            let at = resolve_position(
                &consumer.store,
                &consumer.tp(p),
                Position::Offset(c.offset),
                OffsetResetPolicy::Earliest,
            )
            .await
            .map_err(|e| e.to_string())?;
            consumer.positions.insert(p, at);
        }
    }

    // Appends anywhere in the origin wake this consumer: no polling while idle.
    let channel = web_sys::BroadcastChannel::new(&log_channel(db))
        .map_err(|_| "BroadcastChannel is not available".to_owned())?;
    let topic_name = consumer.topic.as_str().to_owned();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            if e.data().as_string().as_deref() == Some(topic_name.as_str()) {
                let _ = tx.unbounded_send(Wake::Notice);
            }
        });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));

    let mut last_commit = now_ms();
    let outcome = async {
        loop {
            // Handle whatever arrived meanwhile, then read; sleep only when caught up.
            while let Ok(wake) = rx.try_recv() {
                if !handle(&mut consumer, wake).await? {
                    return Ok(());
                }
            }
            let read = consumer.round().await?;
            if consumer.group.is_some() && now_ms() - last_commit >= AUTO_COMMIT_MS {
                consumer.commit().await?;
                last_commit = now_ms();
            }
            if !read {
                let Some(wake) = rx.next().await else {
                    return Ok(());
                };
                if !handle(&mut consumer, wake).await? {
                    return Ok(());
                }
            }
        }
    }
    .await;
    channel.set_onmessage(None);
    channel.close();
    drop(on_message);
    outcome
}

/// Applies one wake-up; `false` when the consumer should stop.
async fn handle(consumer: &mut Consumer<'_>, wake: Wake) -> Result<bool, String> {
    match wake {
        Wake::Notice => Ok(true),
        Wake::Command(ConsumerCommand::Seek { position }) => {
            consumer.seek(&position).await?;
            Ok(true)
        }
        Wake::Command(ConsumerCommand::Commit) => {
            consumer.commit().await?;
            Ok(true)
        }
        Wake::Command(ConsumerCommand::Stop) => {
            consumer.commit().await?;
            Ok(false)
        }
        Wake::Command(ConsumerCommand::Start { .. }) => Ok(true),
    }
}
