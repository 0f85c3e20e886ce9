//! The engine over Streamlab's log: statements kept in a command topic, each persistent query
//! reading its sources from its group's committed offsets, and each processing step stored in
//! one transaction (`Storage::append_transaction`): the query's output records, its changelog
//! records and its input offsets, all or nothing. A processor that stops anywhere (a killed
//! worker) reopens from the log with every query's state restored from its changelog, and goes
//! on without losing or repeating an output.
//! `step` runs one step of each query; this module opens the processor and runs statements.

mod push;
mod repartition;
mod status;
mod step;

use std::collections::BTreeMap;

use streamlab_log::{
    CleanupPolicy, FetchError, GroupId, Header, Mode, Offset, PartitionId, PartitionScan,
    RecordData, Storage, Timestamp, TopicConfig, TopicName, TopicPartition,
};
use thiserror::Error;

use crate::engine::{Engine, StatementResult};
use crate::exec::{InputRecord, OutputRecord};
use crate::window::WindowBounds;

pub use push::{PushRows, Transient};
pub use status::QueryProgress;
pub use step::StepReport;

/// The topic that keeps a database's statements, in the order they ran (ksqlDB's command topic).
pub const COMMAND_TOPIC: &str = "_streamlab_ksql_commands";

/// The compacted topic that holds a query's state changes.
pub fn changelog_topic(query_id: &str) -> String {
    format!("_streamlab-{query_id}-changelog")
}

/// The topic a query re-keys its records through before it aggregates them (Kafka Streams'
/// `…-repartition` topic), when it groups a stream by anything but its key.
pub fn repartition_topic(query_id: &str) -> String {
    format!("_streamlab-{query_id}-repartition")
}

/// The topic a join re-keys one stream side through (Kafka Streams' `Join-left-repartition`
/// and `Join-right-repartition`), when that side is joined on anything but its key.
pub fn join_repartition_topic(query_id: &str, left: bool) -> String {
    let side = if left { "left" } else { "right" };
    format!("_streamlab-{query_id}-{side}-repartition")
}

/// The consumer group whose committed offsets say how far a query has read.
pub fn query_group(query_id: &str) -> String {
    format!("_streamlab-{query_id}")
}

/// What a processor could not do.
#[derive(Debug, Error)]
pub enum ProcessorError<E: std::error::Error + 'static> {
    /// The store failed.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
    /// A topic or group name the log refuses (a query id it cannot use).
    #[error("{0}")]
    Name(String),
    /// A step's transaction was refused: nothing of it was stored; reopen the processor.
    #[error("the step of query {query} was not stored: {reason}")]
    StepRefused {
        /// The query.
        query: String,
        /// Why.
        reason: String,
    },
    /// A topic a query reads cannot be read.
    #[error("query {query} cannot read {topic}: {reason}")]
    Unreadable {
        /// The query.
        query: String,
        /// The partition.
        topic: String,
        /// Why.
        reason: String,
    },
}

/// A database's persistent queries, running over a store.
pub struct Processor<'a, S: Storage> {
    store: &'a S,
    engine: Engine,
    /// Changelog records that did not decode when the processor opened (skipped, counted).
    pub damaged_changelog_records: usize,
    /// Statements of the command topic that no longer run (their error), when it opened.
    pub failed_commands: Vec<String>,
    keyless: u32,
    /// Where each query's state stands in each input: the group offset it restored or last
    /// committed itself (`None`: nothing committed). A step reads from here and commits only if
    /// the store still agrees, so a processor whose state another one has overtaken is fenced.
    positions: BTreeMap<(String, TopicPartition), Option<Offset>>,
    /// How many records of the command topic this processor's engine has run.
    commands: u64,
    /// The push queries running.
    transients: Vec<push::Transient>,
    /// Queries that stopped on an input they cannot read (ksqlDB's `ERROR`), with why; the
    /// others keep running.
    failed: BTreeMap<String, String>,
    /// Each query's next step, processed while its last one was being committed, stored by
    /// its next step (or before statements run).
    pending: BTreeMap<String, step::Pending>,
}

fn topic_name<E: std::error::Error>(name: &str) -> Result<TopicName, ProcessorError<E>> {
    TopicName::new(name, Mode::Kafka).map_err(|e| ProcessorError::Name(e.to_string()))
}

fn group_id<E: std::error::Error>(query_id: &str) -> Result<GroupId, ProcessorError<E>> {
    GroupId::new(&query_group(query_id)).map_err(|e| ProcessorError::Name(e.to_string()))
}

/// The window a windowed record carries in its headers.
fn window_of(headers: &[Header]) -> Option<WindowBounds> {
    let get = |name: &str| {
        let h = headers.iter().find(|h| h.key == name)?;
        std::str::from_utf8(h.value.as_deref()?)
            .ok()?
            .parse::<i64>()
            .ok()
    };
    Some(WindowBounds {
        start: get("window.start")?,
        end: get("window.end")?,
    })
}

impl<'a, S: Storage> Processor<'a, S> {
    /// Opens the database's processor: replays the command topic and restores every query's
    /// state from its changelog.
    pub async fn open(store: &'a S) -> Result<Processor<'a, S>, ProcessorError<S::Error>> {
        // The state read from the changelogs must be the state at the offsets read: a commit of
        // another processor in between (it writes both at once) shows as moved offsets, and the
        // open starts again.
        for _ in 0..16 {
            let mut processor = Processor::replay(store).await?;
            let before = processor.snapshot_positions().await?;
            processor.restore_state().await?;
            if processor.snapshot_positions().await? == before {
                processor.positions = before;
                return Ok(processor);
            }
        }
        Err(ProcessorError::StepRefused {
            query: "open".to_owned(),
            reason: "other processors kept committing while this one opened".to_owned(),
        })
    }

    /// A processor with the command topic replayed: every query, with empty state.
    async fn replay(store: &'a S) -> Result<Processor<'a, S>, ProcessorError<S::Error>> {
        let mut processor = Processor {
            store,
            engine: Engine::new(),
            damaged_changelog_records: 0,
            failed_commands: Vec::new(),
            keyless: 0,
            positions: BTreeMap::new(),
            commands: 0,
            transients: Vec::new(),
            failed: BTreeMap::new(),
            pending: BTreeMap::new(),
        };
        processor.refresh_topics().await?;
        for (_, record) in processor.read_all(COMMAND_TOPIC).await? {
            processor.commands += 1;
            let Some(text) = record.value.and_then(|v| String::from_utf8(v).ok()) else {
                continue;
            };
            for r in processor.engine.execute(&text) {
                if !r.ok {
                    processor
                        .failed_commands
                        .push(format!("{}: {}", r.statement, r.message));
                }
            }
        }
        Ok(processor)
    }

    /// Every query's committed offset in every partition of its inputs.
    async fn snapshot_positions(
        &self,
    ) -> Result<BTreeMap<(String, TopicPartition), Option<Offset>>, ProcessorError<S::Error>> {
        let mut positions = BTreeMap::new();
        for q in self.engine.queries() {
            let group = group_id(&q.id)?;
            for topic in inputs_of(q) {
                let name = topic_name(&topic)?;
                let Some(meta) = self.describe(&name).await? else {
                    continue;
                };
                let committed = self
                    .store
                    .committed_offsets(&group, &name)
                    .await
                    .map_err(ProcessorError::Storage)?;
                for state in &meta.partitions {
                    let tp = TopicPartition::new(name.clone(), state.partition());
                    positions.insert(
                        (q.id.clone(), tp),
                        committed.get(&state.partition()).map(|c| c.offset),
                    );
                }
            }
        }
        Ok(positions)
    }

    /// Restores every query's state from its changelog.
    async fn restore_state(&mut self) -> Result<(), ProcessorError<S::Error>> {
        let processor = self;
        let ids: Vec<String> = processor
            .engine
            .queries()
            .iter()
            .map(|q| q.id.clone())
            .collect();
        for id in ids {
            for (_, record) in processor.read_all(&changelog_topic(&id)).await? {
                let Some(key) = record.key else { continue };
                if processor
                    .engine
                    .restore(&id, &key, record.value.as_deref())
                    .is_err()
                {
                    processor.damaged_changelog_records += 1;
                }
            }
        }
        processor.engine.restored();
        // Pull queries read a table's newest rows: rebuilt from the table's own topic.
        let tables: Vec<(String, String)> = processor
            .engine
            .queries()
            .iter()
            .filter(|q| q.sink.kind == crate::ast::SourceKind::Table)
            .map(|q| (q.sink.name.clone(), q.sink.topic.clone()))
            .collect();
        for (table, topic) in tables {
            for (_, record) in processor.read_all(&topic).await? {
                let mut out = OutputRecord {
                    topic: topic.clone(),
                    key: record.key,
                    value: record.value,
                    timestamp: record.timestamp,
                    window: record.window,
                };
                processor.engine.materialize(&table, &mut out);
            }
        }
        Ok(())
    }

    /// Whether another processor of the database ran statements this one has not (the command
    /// topic grew): reopen to run them too.
    pub async fn is_stale(&self) -> Result<bool, ProcessorError<S::Error>> {
        let tp = TopicPartition::new(topic_name(COMMAND_TOPIC)?, PartitionId(0));
        let end = self
            .store
            .partition_state(&tp)
            .await
            .map_err(ProcessorError::Storage)?
            .map_or(0, |s| s.log_end_offset().0);
        Ok(end != self.commands)
    }

    /// Where query `id`'s state stands in a partition: the offset it committed (`None`: nothing
    /// yet), and the next offset to read (nothing committed: auto.offset.reset = earliest; past
    /// retention, the log start).
    fn stands_at(
        &self,
        id: &str,
        tp: &TopicPartition,
        log_start: Offset,
    ) -> (Option<Offset>, Offset) {
        let committed = self
            .positions
            .get(&(id.to_owned(), tp.clone()))
            .copied()
            .flatten();
        (committed, committed.map_or(log_start, |o| o.max(log_start)))
    }

    /// The engine: its sources and queries.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    async fn refresh_topics(&mut self) -> Result<(), ProcessorError<S::Error>> {
        for t in self
            .store
            .list_topics()
            .await
            .map_err(ProcessorError::Storage)?
        {
            self.engine
                .add_topic(t.config.name().as_str(), t.config.partition_count());
        }
        Ok(())
    }

    /// Every record of a topic (all partitions, each in offset order); none if it does not exist.
    async fn read_all(
        &self,
        topic: &str,
    ) -> Result<Vec<(PartitionId, InputRecord)>, ProcessorError<S::Error>> {
        let name = topic_name(topic)?;
        let Some(meta) = self.describe(&name).await? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for state in &meta.partitions {
            let tp = TopicPartition::new(name.clone(), state.partition());
            let mut scan = PartitionScan::new(
                self.store,
                tp.clone(),
                state.log_start_offset(),
                state.log_end_offset(),
                1 << 20,
            );
            loop {
                match scan.next().await {
                    Ok(Some(records)) => {
                        out.extend(records.iter().map(|r| (state.partition(), input_of(r))))
                    }
                    Ok(None) => break,
                    Err(FetchError::Storage(e)) => return Err(ProcessorError::Storage(e)),
                    Err(e) => {
                        return Err(ProcessorError::Unreadable {
                            query: String::new(),
                            topic: tp.to_string(),
                            reason: e.to_string(),
                        })
                    }
                }
            }
        }
        Ok(out)
    }

    /// Runs statements: the durable ones are kept in the command topic, and the topics they
    /// need (sinks, changelogs) are created.
    pub async fn execute(
        &mut self,
        sql: &str,
        now: Timestamp,
    ) -> Result<Vec<StatementResult>, ProcessorError<S::Error>> {
        self.store_pending(now).await?;
        self.refresh_topics().await?;
        let before: Vec<String> = self.engine.queries().iter().map(|q| q.id.clone()).collect();
        let results = self.engine.execute(sql);
        self.start_pushes().await?;
        for r in results.iter().filter(|r| r.ok) {
            for t in &r.topics {
                let mut config = TopicConfig::new(&t.name, Mode::Kafka, t.partitions)
                    .map_err(|e| ProcessorError::Name(e.to_string()))?;
                if t.compacted {
                    config = config
                        .with_cleanup_policy(CleanupPolicy::Compact)
                        .map_err(|e| ProcessorError::Name(e.to_string()))?;
                }
                self.create_topic(&config).await?;
            }
        }
        for q in self
            .engine
            .queries()
            .iter()
            .filter(|q| !before.contains(&q.id))
        {
            let config = TopicConfig::new(&changelog_topic(&q.id), Mode::Kafka, 1)
                .and_then(|c| c.with_cleanup_policy(CleanupPolicy::Compact))
                .map_err(|e| ProcessorError::Name(e.to_string()))?;
            self.create_topic(&config).await?;
            let inputs = repartition::Inputs::of(q);
            let mut counts = Vec::new();
            for source in &inputs.sources {
                let partitions = self
                    .describe(&topic_name(source)?)
                    .await?
                    .map_or(1, |m| m.config.partition_count());
                counts.push(partitions);
            }
            for (side, through) in inputs.through.iter().enumerate() {
                let Some(topic) = through else { continue };
                // Kept until read (retention.ms=-1), with the partitions of the side it is
                // joined with when that side is read in place (co-partitioned, as Kafka Streams
                // sizes it), else of the largest source.
                let other = inputs
                    .through
                    .iter()
                    .enumerate()
                    .find(|(i, t)| *i != side && t.is_none());
                let partitions = match other {
                    Some((i, _)) => counts.get(i).copied().unwrap_or(1),
                    None => counts.iter().copied().max().unwrap_or(1),
                };
                let config = TopicConfig::new(topic, Mode::Kafka, partitions)
                    .and_then(|c| c.with_retention_ms(None))
                    .map_err(|e| ProcessorError::Name(e.to_string()))?;
                self.create_topic(&config).await?;
            }
        }
        let durable: Vec<&StatementResult> = results.iter().filter(|r| r.ok && r.durable).collect();
        if !durable.is_empty() {
            let command = topic_name(COMMAND_TOPIC)?;
            if self
                .store
                .describe_topic(&command)
                .await
                .map_err(ProcessorError::Storage)?
                .is_none()
            {
                let config = TopicConfig::new(COMMAND_TOPIC, Mode::Kafka, 1)
                    .map_err(|e| ProcessorError::Name(e.to_string()))?;
                self.create_topic(&config).await?;
            }
            let records: Vec<RecordData> = durable
                .iter()
                .map(|r| RecordData {
                    key: None,
                    value: Some(format!("{};", r.statement).into_bytes()),
                    headers: Vec::new(),
                    timestamp: None,
                })
                .collect();
            self.commands += records.len() as u64;
            let tp = TopicPartition::new(command, PartitionId(0));
            self.store.append(&tp, &records, now).await.map_err(|e| {
                ProcessorError::StepRefused {
                    query: "commands".to_owned(),
                    reason: e.to_string(),
                }
            })?;
        }
        Ok(results)
    }

    async fn describe(
        &self,
        name: &TopicName,
    ) -> Result<Option<streamlab_log::TopicMetadata>, ProcessorError<S::Error>> {
        self.store
            .describe_topic(name)
            .await
            .map_err(ProcessorError::Storage)
    }

    async fn create_topic(&self, config: &TopicConfig) -> Result<(), ProcessorError<S::Error>> {
        match self.store.create_topic(config).await {
            Ok(_) | Err(streamlab_log::CreateTopicError::AlreadyExists(_)) => Ok(()),
            Err(streamlab_log::CreateTopicError::Storage(e)) => Err(ProcessorError::Storage(e)),
        }
    }
}

/// The topics a query reads: its source, a join's other side, and the repartition topics it
/// re-keys them through.
fn inputs_of(q: &crate::exec::RunningQuery) -> Vec<String> {
    let inputs = repartition::Inputs::of(q);
    let mut topics = inputs.sources;
    topics.extend(inputs.through.into_iter().flatten());
    topics
}

fn input_of(r: &streamlab_log::Record) -> InputRecord {
    InputRecord {
        key: r.key().map(<[u8]>::to_vec),
        value: r.value().map(<[u8]>::to_vec),
        timestamp: r.timestamp().0,
        window: window_of(r.headers()),
    }
}

fn record_of(out: OutputRecord) -> RecordData {
    let headers = match out.window {
        Some(w) => vec![
            Header {
                key: "window.start".to_owned(),
                value: Some(w.start.to_string().into_bytes()),
            },
            Header {
                key: "window.end".to_owned(),
                value: Some(w.end.to_string().into_bytes()),
            },
        ],
        None => Vec::new(),
    };
    RecordData {
        key: out.key,
        value: out.value,
        headers,
        timestamp: Some(Timestamp(out.timestamp)),
    }
}
