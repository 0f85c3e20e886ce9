//! One step of each persistent query: read its inputs from where its state stands, process in
//! timestamp order, and store outputs, changelog records and offsets in one fenced transaction.

use std::collections::BTreeMap;

use streamlab_log::{
    fetch, kafka_partition, CommittedOffset, FetchError, FetchLimits, Offset, PartitionId,
    RecordData, Storage, Timestamp, TopicPartition, TransactionCommit,
};

use super::{
    changelog_topic, group_id, input_of, inputs_of, record_of, topic_name, Processor,
    ProcessorError,
};
use crate::engine::Engine;
use crate::exec::InputRecord;

/// What one step did, per query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    /// Records read, per query id.
    pub read: BTreeMap<String, usize>,
    /// Records written, per query id.
    pub written: BTreeMap<String, usize>,
    /// Records skipped (undecodable), per query id.
    pub skipped: BTreeMap<String, usize>,
    /// Records read back from repartition topics, per query id (not in `read`, which counts
    /// what queries read of their sources).
    pub repartitioned: BTreeMap<String, usize>,
}

impl StepReport {
    /// Records read by every query, of its sources and of its repartition topic.
    pub fn total_read(&self) -> usize {
        self.read.values().sum::<usize>() + self.repartitioned.values().sum::<usize>()
    }

    fn add(&mut self, other: StepReport) {
        for (total, part) in [
            (&mut self.read, other.read),
            (&mut self.written, other.written),
            (&mut self.skipped, other.skipped),
            (&mut self.repartitioned, other.repartitioned),
        ] {
            for (k, v) in part {
                *total.entry(k).or_default() += v;
            }
        }
    }
}

/// A record read for a step, with what orders it: (timestamp, input index, partition, offset,
/// record); the input index names its topic among the inputs read.
pub(super) type Tagged = (i64, usize, u32, u64, InputRecord);

impl<S: Storage> Processor<'_, S> {
    /// Reads up to `max_records` of each partition of `inputs`, from the offset `from(partition,
    /// log start)` gives, in the order Kafka Streams takes buffered records (smallest timestamp
    /// first); with each partition read and its next offset.
    pub(super) async fn read_inputs(
        &self,
        query: &str,
        inputs: &[String],
        max_records: usize,
        from: impl Fn(&TopicPartition, Offset) -> Offset,
    ) -> Result<(Vec<Tagged>, Vec<(TopicPartition, Offset)>), ProcessorError<S::Error>> {
        let mut batch: Vec<Tagged> = Vec::new();
        let mut read = Vec::new();
        for (source_index, topic) in inputs.iter().enumerate() {
            let name = topic_name(topic)?;
            let Some(meta) = self.describe(&name).await? else {
                continue;
            };
            for state in &meta.partitions {
                let tp = TopicPartition::new(name.clone(), state.partition());
                let start = from(&tp, state.log_start_offset());
                if start >= state.log_end_offset() {
                    continue;
                }
                let limits = FetchLimits {
                    max_records,
                    ..FetchLimits::default()
                };
                let fetched = self.fetch_for(query, &tp, start, limits).await?;
                for r in &fetched.records {
                    batch.push((
                        r.timestamp().0,
                        source_index,
                        state.partition().0,
                        r.offset().0,
                        input_of(r),
                    ));
                }
                if fetched.next_offset > start {
                    read.push((tp, fetched.next_offset));
                }
            }
        }
        batch.sort_by_key(|a| (a.0, a.1, a.2, a.3));
        Ok((batch, read))
    }

    /// A fetch for query `query`: a partition it cannot read (a batch that fails its checks)
    /// is its `Unreadable`, the store's failure everyone's.
    pub(super) async fn fetch_for(
        &self,
        query: &str,
        tp: &TopicPartition,
        from: Offset,
        limits: FetchLimits,
    ) -> Result<streamlab_log::Fetched, ProcessorError<S::Error>> {
        match fetch(self.store, tp, from, limits).await {
            Ok(f) => Ok(f),
            Err(FetchError::Storage(e)) => Err(ProcessorError::Storage(e)),
            Err(e) => Err(ProcessorError::Unreadable {
                query: query.to_owned(),
                topic: tp.to_string(),
                reason: e.to_string(),
            }),
        }
    }

    /// One step of every query: reads up to `max_records` per input partition from its
    /// committed offsets, processes them in timestamp order, and stores its outputs, its
    /// changelog records and its new offsets in one transaction. `now` is the wall clock, which
    /// only stamps the log (append and commit times); the queries' time is their records'.
    pub async fn step(
        &mut self,
        max_records: usize,
        now: Timestamp,
    ) -> Result<StepReport, ProcessorError<S::Error>> {
        let mut report = StepReport::default();
        for index in 0..self.engine.queries().len() {
            let Some(id) = self.engine.queries().get(index).map(|q| q.id.clone()) else {
                continue;
            };
            if self.failed.contains_key(&id) {
                continue;
            }
            match self
                .step_query(index, max_records.max(1), now, &mut report)
                .await
            {
                // A damaged input stops this query only (nothing of its step was stored).
                Err(e @ ProcessorError::Unreadable { .. }) => {
                    self.failed.insert(id, e.to_string());
                }
                other => other?,
            }
        }
        Ok(report)
    }

    /// Steps until no query has anything left to read.
    pub async fn run_until_idle(
        &mut self,
        max_records: usize,
        now: Timestamp,
    ) -> Result<StepReport, ProcessorError<S::Error>> {
        let mut total = StepReport::default();
        loop {
            let report = self.step(max_records, now).await?;
            if report.total_read() == 0 {
                return Ok(total);
            }
            total.add(report);
        }
    }

    async fn step_query(
        &mut self,
        index: usize,
        max_records: usize,
        time: Timestamp,
        report: &mut StepReport,
    ) -> Result<(), ProcessorError<S::Error>> {
        let Some(query) = self.engine.queries().get(index) else {
            return Ok(());
        };
        if query.repartitions() {
            return self
                .step_repartitioned(index, max_records, time, report)
                .await;
        }
        let id = query.id.clone();
        let sink_topic = query.sink.topic.clone();
        let inputs = inputs_of(query);
        // This step's records: processed while the previous step was being committed, or
        // read from where the query's state stands and processed now.
        let current = match self.pending.remove(&id) {
            Some(pending) => pending,
            None => {
                let (batch, read) = self
                    .read_inputs(&id, &inputs, max_records, |tp, log_start| {
                        self.stands_at(&id, tp, log_start).1
                    })
                    .await?;
                if read.is_empty() {
                    return Ok(());
                }
                process_batch(&mut self.engine, index, &inputs, batch, read)
            }
        };
        // The next step's records, from where this one ends, are processed while this one is
        // committed (IndexedDB stores it off this thread); they are stored by the next call.
        let ends: BTreeMap<TopicPartition, Offset> = current.read.iter().cloned().collect();
        let mut unreadable = None;
        let next = match self
            .read_inputs(&id, &inputs, max_records, |tp, log_start| {
                ends.get(tp)
                    .copied()
                    .unwrap_or_else(|| self.stands_at(&id, tp, log_start).1)
                    .max(log_start)
            })
            .await
        {
            Ok((batch, read)) if !read.is_empty() => Some((batch, read)),
            Ok(_) => None,
            // This step is still stored; the query stops after it.
            Err(e @ ProcessorError::Unreadable { .. }) => {
                unreadable = Some(e);
                None
            }
            Err(e) => return Err(e),
        };
        let Pending {
            outputs,
            read,
            records,
            skipped,
        } = current;
        let written = outputs.len();
        let next = self
            .commit_step(
                index,
                &id,
                vec![(sink_topic, outputs)],
                read,
                time,
                |engine| {
                    next.map(|(batch, read)| process_batch(engine, index, &inputs, batch, read))
                },
            )
            .await?;
        if let Some(next) = next {
            self.pending.insert(id.clone(), next);
        }
        report.read.insert(id.clone(), records);
        report.written.insert(id.clone(), written);
        report.skipped.insert(id, skipped);
        match unreadable {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Stores what every query processed ahead (see [`Processor::step`]) before statements
    /// change the queries.
    pub(super) async fn store_pending(
        &mut self,
        time: Timestamp,
    ) -> Result<(), ProcessorError<S::Error>> {
        for (id, pending) in std::mem::take(&mut self.pending) {
            let Some(index) = self.engine.queries().iter().position(|q| q.id == id) else {
                continue;
            };
            let Some(sink) = self
                .engine
                .queries()
                .get(index)
                .map(|q| q.sink.topic.clone())
            else {
                continue;
            };
            self.commit_step(
                index,
                &id,
                vec![(sink, pending.outputs)],
                pending.read,
                time,
                |_| (),
            )
            .await?;
        }
        Ok(())
    }

    /// Stores one step of the query at `index` in one transaction: `outputs` routed to their
    /// topics' partitions (Kafka's murmur2 of the key, keyless round robin), its changelog
    /// records, and the offsets `read` reached, each committed only if it is still the one this
    /// step read from (a second processor of the database, in another tab, is fenced instead of
    /// duplicating). `meanwhile` runs on the engine while the store commits (the next step's processing, or
    /// nothing).
    pub(super) async fn commit_step<T>(
        &mut self,
        index: usize,
        id: &str,
        outputs: Vec<(String, Vec<RecordData>)>,
        read: Vec<(TopicPartition, Offset)>,
        time: Timestamp,
        meanwhile: impl FnOnce(&mut Engine) -> T,
    ) -> Result<T, ProcessorError<S::Error>> {
        let group = group_id(id)?;
        let mut routed: Vec<(TopicPartition, Vec<RecordData>)> = Vec::new();
        for (topic, records) in outputs {
            let name = topic_name(&topic)?;
            let partitions = self
                .describe(&name)
                .await?
                .map_or(1, |m| m.config.partition_count())
                .max(1);
            let mut per_partition: BTreeMap<u32, Vec<RecordData>> = BTreeMap::new();
            for record in records {
                let partition = match &record.key {
                    Some(k) => kafka_partition(k, partitions).0,
                    None => {
                        self.keyless = self.keyless.wrapping_add(1);
                        self.keyless % partitions
                    }
                };
                per_partition.entry(partition).or_default().push(record);
            }
            routed.extend(
                per_partition.into_iter().map(|(p, records)| {
                    (TopicPartition::new(name.clone(), PartitionId(p)), records)
                }),
            );
        }
        let changelog: Vec<RecordData> = self
            .engine
            .take_changelogs_of(index)
            .into_iter()
            .map(|(k, v)| RecordData {
                key: Some(k),
                value: v,
                headers: Vec::new(),
                timestamp: None,
            })
            .collect();
        if !changelog.is_empty() {
            let name = topic_name(&changelog_topic(id))?;
            routed.push((TopicPartition::new(name, PartitionId(0)), changelog));
        }
        let appends: Vec<(TopicPartition, &[RecordData])> = routed
            .iter()
            .map(|(tp, records)| (tp.clone(), records.as_slice()))
            .collect();
        let commits: Vec<TransactionCommit> = read
            .into_iter()
            .map(|(topic_partition, offset)| TransactionCommit {
                expected: self.stands_at(id, &topic_partition, Offset(0)).0,
                topic_partition,
                committed: CommittedOffset {
                    offset,
                    metadata: String::new(),
                    commit_time: time,
                },
            })
            .collect();
        let store = self.store;
        let engine = &mut self.engine;
        let (stored, done) = store
            .append_transaction_overlapped(&appends, &group, &commits, time, || meanwhile(engine))
            .await;
        stored.map_err(|e| ProcessorError::StepRefused {
            query: id.to_owned(),
            reason: e.to_string(),
        })?;
        for c in commits {
            self.positions
                .insert((id.to_owned(), c.topic_partition), Some(c.committed.offset));
        }
        Ok(done)
    }
}

/// A step processed but not stored yet: what its transaction will write.
pub(super) struct Pending {
    /// Its output records, for the sink.
    outputs: Vec<RecordData>,
    /// Each partition read, with the offset after it.
    read: Vec<(TopicPartition, Offset)>,
    /// Records read.
    records: usize,
    /// Records skipped as undecodable.
    skipped: usize,
}

/// Processes a step's records through the query at `index`, in the order read.
fn process_batch(
    engine: &mut Engine,
    index: usize,
    inputs: &[String],
    batch: Vec<Tagged>,
    read: Vec<(TopicPartition, Offset)>,
) -> Pending {
    let mut outputs = Vec::new();
    let mut skipped = 0;
    for (_, input, _, _, record) in &batch {
        let Some(topic) = inputs.get(*input) else {
            continue;
        };
        if let Some(processed) = engine.process_query(index, topic, record) {
            skipped += usize::from(processed.skipped.is_some());
            outputs.extend(processed.outputs.into_iter().map(record_of));
        }
    }
    Pending {
        outputs,
        read,
        records: batch.len(),
        skipped,
    }
}
