//! The consumer worker.

use std::collections::{BTreeMap, BTreeSet};

use futures::channel::mpsc;
use futures::future::{select, Either};
use futures::StreamExt;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

use streamlab_idb::IdbStore;
use streamlab_log::{
    fetch, millis_behind_latest, readable_shards, resolve_position, AssignmentStrategy,
    CommittedOffset, FetchError, FetchLimits, GroupId, GroupMembership, MemberId, Mode, Offset,
    OffsetResetPolicy, PartitionId, Position, ShardState, Storage, Timestamp, TopicMetadata,
    TopicName, TopicPartition,
};
use streamlab_protocol::{
    log_channel, ConsumedRecord, ConsumerCommand, ConsumerEvent, WirePosition, GROUP_NOTICE_PREFIX,
};

use crate::port::{Responder, Served, WorkerBridge};
use crate::{now_ms, sleep};

/// Records read per partition per round (with the default 1 MiB per partition): enough that a
/// consumer catching up moves thousands of records per message to the page.
const FETCH_RECORDS: usize = 5_000;
/// How often a group member commits its positions.
const AUTO_COMMIT_MS: f64 = 1_000.0;
/// How often a group member heartbeats.
const HEARTBEAT_MS: f64 = 1_000.0;
/// A member silent this long is removed from its group (a terminated worker, a closed tab).
pub const SESSION_TIMEOUT_MS: i64 = 3_000;

/// What wakes a consumer that has caught up.
enum Wake {
    /// A producer appended to the topic.
    Notice,
    /// The group's membership changed: heartbeat now to learn the new assignment.
    GroupChanged,
    /// The UI sent a command.
    Command(ConsumerCommand),
}

/// Reads a topic from a position, follows its end, and posts records to the UI in batches.
///
/// One worker is one consumer. Without a group it reads every partition. With a group it joins
/// the group's membership in the store, heartbeats every second, reads only its share (every
/// member computes the same range assignment from the membership), commits its positions every
/// second, on a rebalance and on stop, and starts partitions from the group's commits. A member
/// that stops heartbeating (a terminated worker) is removed by the others after three seconds.
#[derive(Default)]
pub struct ConsumerWorker {
    wake: Option<mpsc::UnboundedSender<Wake>>,
}

/// The page's handle on a consumer worker.
pub type ConsumerBridge = WorkerBridge<ConsumerCommand, ConsumerEvent>;

impl Served for ConsumerWorker {
    type Command = ConsumerCommand;
    type Event = ConsumerEvent;

    fn unreadable(message: String) -> ConsumerEvent {
        ConsumerEvent::Failed { message }
    }

    fn received(&mut self, command: ConsumerCommand, responder: &Rc<Responder<ConsumerEvent>>) {
        match command {
            ConsumerCommand::Start {
                db,
                topic,
                group,
                position,
            } if self.wake.is_none() => {
                let (tx, rx) = mpsc::unbounded();
                self.wake = Some(tx.clone());
                let responder = Rc::clone(responder);
                spawn_local(async move {
                    let respond = |event| responder.respond(&event);
                    match consume(&respond, tx, rx, &db, &topic, group, position).await {
                        Ok(()) => {
                            // Stopped as asked: say so, and end this worker.
                            respond(ConsumerEvent::Stopped);
                            responder.close();
                        }
                        Err(message) => respond(ConsumerEvent::Failed { message }),
                    }
                });
            }
            ConsumerCommand::Start { .. } => responder.respond(&ConsumerEvent::Failed {
                message: "this consumer is already running".into(),
            }),
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
    /// This consumer's id in its group.
    member: MemberId,
    /// The group's membership as last read (empty without a group).
    membership: GroupMembership,
    /// Where a partition without a commit starts.
    start: WirePosition,
    /// With a group: the partitions assigned to this member.
    owned: BTreeSet<PartitionId>,
    /// Another member announced a membership change since the last heartbeat.
    membership_stale: bool,
    positions: BTreeMap<PartitionId, Offset>,
    /// Closed shards read to their end (Kinesis lineage).
    finished: BTreeSet<PartitionId>,
    respond: &'a dyn Fn(ConsumerEvent),
}

impl Consumer<'_> {
    fn tp(&self, p: PartitionId) -> TopicPartition {
        TopicPartition::new(self.topic.clone(), p)
    }

    fn reads(&self, p: PartitionId) -> bool {
        self.group.is_none() || self.owned.contains(&p)
    }

    async fn metadata(&self) -> Result<TopicMetadata, String> {
        self.store
            .describe_topic(&self.topic)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("topic '{}' does not exist", self.topic))
    }

    /// Where `p` starts for `position`; out-of-range offsets go to the log start. A sequence
    /// number the shard never assigned is refused, saying so.
    async fn resolve(&self, p: PartitionId, position: Position) -> Result<Offset, String> {
        resolve_position(
            &self.store,
            &self.tp(p),
            position,
            OffsetResetPolicy::Earliest,
        )
        .await
        .map_err(|e| e.to_string())
    }

    /// Moves every partition it reads to `position` (replay): a sequence number's own shard to
    /// it, the other shards to TRIM_HORIZON.
    async fn seek(&mut self, position: &WirePosition) -> Result<(), String> {
        let meta = self.metadata().await?;
        if let WirePosition::AtSequenceNumber { shard, .. }
        | WirePosition::AfterSequenceNumber { shard, .. } = position
        {
            if !meta.partitions.iter().any(|p| p.partition().0 == *shard) {
                return Err(format!(
                    "{} is not a shard of '{}' (it has {})",
                    streamlab_log::ShardId(*shard),
                    self.topic,
                    meta.partitions.len()
                ));
            }
        }
        self.positions.clear();
        self.finished.clear();
        for p in &meta.partitions {
            if self.reads(p.partition()) {
                let at = position
                    .in_partition(p.partition())
                    .map_err(|e| e.to_string())?;
                let at = self.resolve(p.partition(), at).await?;
                self.positions.insert(p.partition(), at);
            }
        }
        Ok(())
    }

    async fn commit(&self) -> Result<(), String> {
        let Some(group) = &self.group else {
            return Ok(());
        };
        let now = Timestamp(js_sys::Date::now() as i64);
        // Only owned partitions: a position in a partition handed to another member is stale.
        let offsets: Vec<(TopicPartition, CommittedOffset)> = self
            .positions
            .iter()
            .filter(|(p, _)| self.owned.contains(p))
            .map(|(p, o)| {
                let c = CommittedOffset {
                    offset: *o,
                    metadata: self.member.as_str().to_owned(),
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
            offsets: offsets
                .iter()
                .map(|(tp, c)| (tp.partition().0, c.offset.0))
                .collect(),
        });
        Ok(())
    }

    /// Heartbeats (joining on the first call) and claims its share of the partitions under the
    /// current membership: lets go of the partitions outside it (after committing them) and
    /// takes those their previous holder has let go of. Returns whether what it reads changed.
    async fn heartbeat(&mut self) -> Result<bool, String> {
        let Some(group) = self.group.clone() else {
            return Ok(false);
        };
        // Whatever it may let go of in this heartbeat is committed first, so the next holder
        // starts where this one stopped.
        self.commit().await?;
        let meta = self.metadata().await?;
        let all: Vec<TopicPartition> = meta
            .partitions
            .iter()
            .map(|p| self.tp(p.partition()))
            .collect();
        let now = Timestamp(js_sys::Date::now() as i64);
        let member = self.member.clone();
        let membership = self
            .store
            .update_membership(&group, &self.topic, &|m| {
                let m = m.heartbeat(&member, now, SESSION_TIMEOUT_MS);
                let share: BTreeSet<PartitionId> = m
                    .assignment(AssignmentStrategy::Range, &all)
                    .remove(&member)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|tp| tp.partition())
                    .collect();
                m.claim(&member, &share)
            })
            .await
            .map_err(|e| e.to_string())?;
        let held = membership.held_by(&self.member);
        let changed = held != self.owned || membership.generation != self.membership.generation;
        self.membership = membership;
        if changed {
            self.take(held).await?;
        }
        Ok(changed)
    }

    /// Reads `held` from now on: keeps its place in the partitions it already read, and starts
    /// the others from the group's commits.
    async fn take(&mut self, held: BTreeSet<PartitionId>) -> Result<(), String> {
        let Some(group) = self.group.clone() else {
            return Ok(());
        };
        let committed = self
            .store
            .committed_offsets(&group, &self.topic)
            .await
            .map_err(|e| e.to_string())?;
        let start = self.start.to_position().map_err(|e| e.to_string())?;
        self.positions.retain(|p, _| held.contains(p));
        for &p in &held {
            if self.positions.contains_key(&p) {
                continue;
            }
            let position = committed
                .get(&p)
                .map_or(start, |c| Position::Offset(c.offset));
            let at = self.resolve(p, position).await?;
            self.positions.insert(p, at);
        }
        self.owned = held;
        (self.respond)(ConsumerEvent::Assigned {
            generation: self.membership.generation,
            partitions: self.owned.iter().map(|p| p.0).collect(),
            positions: self.positions.iter().map(|(p, o)| (p.0, o.0)).collect(),
        });
        Ok(())
    }

    /// Leaves the group (on stop), after committing.
    async fn leave(&mut self) -> Result<(), String> {
        let Some(group) = self.group.clone() else {
            return Ok(());
        };
        let member = self.member.clone();
        self.store
            .update_membership(&group, &self.topic, &|m| m.leave(&member))
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// One round over the partitions it reads; whether any record was read.
    async fn round(&mut self) -> Result<bool, String> {
        let meta = self.metadata().await?;
        let readable: Vec<PartitionId> = match meta.config.mode() {
            Mode::Kafka => meta.partitions.iter().map(|p| p.partition()).collect(),
            // Parents before children, so each partition key's records stay in order.
            Mode::Kinesis => readable_shards(&meta.partitions, &self.finished),
        };
        let readable: Vec<PartitionId> = readable.into_iter().filter(|p| self.reads(*p)).collect();
        let mut records = Vec::new();
        let mut millis_behind = 0u64;
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
            millis_behind = millis_behind.max(millis_behind_latest(
                state,
                fetched.records.last(),
                fetched.next_offset,
            ));
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
                millis_behind,
                positions: self
                    .positions
                    .iter()
                    .filter(|(p, _)| self.reads(**p))
                    .map(|(p, o)| (p.0, o.0))
                    .collect(),
            });
        }
        Ok(read)
    }
}

fn channel_for(db: &str) -> Result<web_sys::BroadcastChannel, String> {
    web_sys::BroadcastChannel::new(&log_channel(db))
        .map_err(|_| "BroadcastChannel is not available".to_owned())
}

/// The message that tells a group's members that its membership changed.
fn group_notice(group: &GroupId, topic: &TopicName) -> String {
    format!("{GROUP_NOTICE_PREFIX}{group}:{topic}")
}

fn announce_group(channel: &web_sys::BroadcastChannel, consumer: &Consumer<'_>) {
    if let Some(group) = &consumer.group {
        let _ = channel.post_message(&group_notice(group, &consumer.topic).into());
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
    let suffix = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    let member = MemberId::new(&format!("consumer-{suffix:08x}")).map_err(|e| e.to_string())?;
    let mut consumer = Consumer {
        store,
        topic,
        group,
        member,
        membership: GroupMembership::default(),
        start: position.clone(),
        owned: BTreeSet::new(),
        membership_stale: false,
        positions: BTreeMap::new(),
        finished: BTreeSet::new(),
        respond,
    };

    // Appends anywhere in the origin, and changes to this group, wake this consumer: it does
    // not poll for records while idle.
    let channel = channel_for(db)?;
    let topic_name = consumer.topic.as_str().to_owned();
    let notice = consumer
        .group
        .as_ref()
        .map(|g| group_notice(g, &consumer.topic));
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let data = e.data().as_string();
            if data.as_deref() == Some(topic_name.as_str()) {
                let _ = tx.unbounded_send(Wake::Notice);
            } else if data.is_some() && data == notice {
                let _ = tx.unbounded_send(Wake::GroupChanged);
            }
        });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));

    let outcome = async {
        if consumer.group.is_some() {
            // Join; read only this member's share, from the group's commits.
            if consumer.heartbeat().await? {
                announce_group(&channel, &consumer);
            }
        } else {
            consumer.seek(&position).await?;
        }
        let mut last_commit = now_ms();
        let mut last_heartbeat = now_ms();
        loop {
            // Handle whatever arrived meanwhile, then read; sleep only when caught up.
            while let Ok(wake) = rx.try_recv() {
                if !handle(&mut consumer, wake).await? {
                    return Ok(());
                }
            }
            let heartbeat_due = now_ms() - last_heartbeat >= HEARTBEAT_MS;
            if consumer.group.is_some() && (heartbeat_due || consumer.membership_stale) {
                consumer.membership_stale = false;
                if consumer.heartbeat().await? {
                    announce_group(&channel, &consumer);
                }
                last_heartbeat = now_ms();
            }
            let read = consumer.round().await?;
            if consumer.group.is_some() && now_ms() - last_commit >= AUTO_COMMIT_MS {
                consumer.commit().await?;
                last_commit = now_ms();
            }
            if !read {
                // A group member also wakes for its next heartbeat.
                let wake = if consumer.group.is_some() {
                    let wait = (HEARTBEAT_MS - (now_ms() - last_heartbeat)).max(1.0) as i32;
                    match select(Box::pin(rx.next()), Box::pin(sleep(wait))).await {
                        Either::Left((wake, _)) => wake,
                        Either::Right(_) => Some(Wake::Notice),
                    }
                } else {
                    rx.next().await
                };
                let Some(wake) = wake else { return Ok(()) };
                if !handle(&mut consumer, wake).await? {
                    return Ok(());
                }
            }
        }
    }
    .await;
    if consumer.group.is_some() {
        // Hand this member's partitions to the others right away.
        let _ = consumer.leave().await;
        announce_group(&channel, &consumer);
    }
    channel.set_onmessage(None);
    channel.close();
    drop(on_message);
    outcome
}

/// Applies one wake-up; `false` when the consumer should stop.
async fn handle(consumer: &mut Consumer<'_>, wake: Wake) -> Result<bool, String> {
    match wake {
        Wake::Notice => Ok(true),
        Wake::GroupChanged => {
            consumer.membership_stale = true;
            Ok(true)
        }
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
