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
use crate::exec::{InputRecord, OutputRecord};

/// What one step did, per query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    /// Records read, per query id.
    pub read: BTreeMap<String, usize>,
    /// Records written, per query id.
    pub written: BTreeMap<String, usize>,
    /// Records skipped (undecodable), per query id.
    pub skipped: BTreeMap<String, usize>,
}

impl StepReport {
    /// Records read by every query.
    pub fn total_read(&self) -> usize {
        self.read.values().sum()
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
                let fetched = match fetch(self.store, &tp, start, limits).await {
                    Ok(f) => f,
                    Err(FetchError::Storage(e)) => return Err(ProcessorError::Storage(e)),
                    Err(e) => {
                        return Err(ProcessorError::Unreadable {
                            query: query.to_owned(),
                            topic: tp.to_string(),
                            reason: e.to_string(),
                        })
                    }
                };
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
            self.step_query(index, max_records.max(1), now, &mut report)
                .await?;
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
            for (k, v) in report.read {
                *total.read.entry(k).or_default() += v;
            }
            for (k, v) in report.written {
                *total.written.entry(k).or_default() += v;
            }
            for (k, v) in report.skipped {
                *total.skipped.entry(k).or_default() += v;
            }
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
        let id = query.id.clone();
        let sink_topic = query.sink.topic.clone();
        let inputs = inputs_of(query);
        let group = group_id(&id)?;
        // Read each input partition from where the query's state stands.
        let (batch, read) = self
            .read_inputs(&id, &inputs, max_records, |tp, log_start| {
                self.stands_at(&id, tp, log_start).1
            })
            .await?;
        // Per partition read: (partition, its committed offset as read, the next offset).
        let next_offsets: Vec<(TopicPartition, Option<Offset>, Offset)> = read
            .into_iter()
            .map(|(tp, next)| {
                let expected = self.stands_at(&id, &tp, Offset(0)).0;
                (tp, expected, next)
            })
            .collect();
        if next_offsets.is_empty() {
            return Ok(());
        }
        let mut outputs: Vec<OutputRecord> = Vec::new();
        let mut skipped = 0;
        for (_, input, _, _, record) in &batch {
            let topic = &inputs[*input];
            if let Some(processed) = self.engine.process_query(index, topic, record) {
                skipped += usize::from(processed.skipped.is_some());
                outputs.extend(processed.outputs);
            }
        }
        let changelog = self.engine.take_changelogs_of(index);
        // Route outputs to the sink's partitions: Kafka's murmur2 of the key, keyless round robin.
        let sink_name = topic_name(&sink_topic)?;
        let partitions = self
            .store
            .describe_topic(&sink_name)
            .await
            .map_err(ProcessorError::Storage)?
            .map_or(1, |m| m.config.partition_count());
        let mut per_partition: BTreeMap<u32, Vec<RecordData>> = BTreeMap::new();
        let written = outputs.len();
        for out in outputs {
            let partition = match &out.key {
                Some(k) => kafka_partition(k, partitions).0,
                None => {
                    self.keyless = self.keyless.wrapping_add(1);
                    self.keyless % partitions.max(1)
                }
            };
            per_partition
                .entry(partition)
                .or_default()
                .push(record_of(out));
        }
        let changelog_name = topic_name(&changelog_topic(&id))?;
        let changelog_records: Vec<RecordData> = changelog
            .into_iter()
            .map(|(k, v)| RecordData {
                key: Some(k),
                value: v,
                headers: Vec::new(),
                timestamp: None,
            })
            .collect();
        let mut appends: Vec<(TopicPartition, &[RecordData])> = per_partition
            .iter()
            .map(|(p, records)| {
                (
                    TopicPartition::new(sink_name.clone(), PartitionId(*p)),
                    records.as_slice(),
                )
            })
            .collect();
        if !changelog_records.is_empty() {
            appends.push((
                TopicPartition::new(changelog_name, PartitionId(0)),
                changelog_records.as_slice(),
            ));
        }
        // Each offset is committed only if it is still the one this step read: a second
        // processor of the same database (another tab) is fenced instead of duplicating.
        let commits: Vec<TransactionCommit> = next_offsets
            .into_iter()
            .map(|(topic_partition, expected, offset)| TransactionCommit {
                topic_partition,
                expected,
                committed: CommittedOffset {
                    offset,
                    metadata: String::new(),
                    commit_time: time,
                },
            })
            .collect();
        self.store
            .append_transaction(&appends, &group, &commits, time)
            .await
            .map_err(|e| ProcessorError::StepRefused {
                query: id.clone(),
                reason: e.to_string(),
            })?;
        for c in &commits {
            self.positions.insert(
                (id.clone(), c.topic_partition.clone()),
                Some(c.committed.offset),
            );
        }
        report.read.insert(id.clone(), batch.len());
        report.written.insert(id.clone(), written);
        report.skipped.insert(id, skipped);
        Ok(())
    }
}
