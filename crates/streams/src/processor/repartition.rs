//! A step of a query that re-keys through its repartition topic: its two sub-topologies, each
//! stored in its own transaction. The first reads the source and writes the re-keyed records
//! with its source offsets; the second reads the repartition topic to its end and writes the
//! aggregation's outputs and changelog with the repartition offsets. Each repartition record
//! carries its source record's key and position in headers, so the aggregation sees the row it
//! would have seen in place and takes the records in the same order.

use streamlab_log::{FetchLimits, Header, Offset, RecordData, Storage, Timestamp, TopicPartition};

use super::step::{StepReport, Tagged};
use super::{input_of, record_of, repartition_topic, topic_name, Processor, ProcessorError};
use crate::exec::{InputRecord, OutputRecord};

/// The header with a repartition record's source key (absent value: no key).
pub const SOURCE_KEY_HEADER: &str = "streamlab.source.key";
/// The header with a repartition record's source position, `partition:offset`.
pub const SOURCE_POSITION_HEADER: &str = "streamlab.source.position";

/// The repartition topic's record for `out`, which the first sub-topology made of `source`,
/// read at `partition` and `offset`.
fn through_record(
    out: OutputRecord,
    source: &InputRecord,
    partition: u32,
    offset: u64,
) -> RecordData {
    let mut record = record_of(out);
    record.headers.push(Header {
        key: SOURCE_KEY_HEADER.to_owned(),
        value: source.key.clone(),
    });
    record.headers.push(Header {
        key: SOURCE_POSITION_HEADER.to_owned(),
        value: Some(format!("{partition}:{offset}").into_bytes()),
    });
    record
}

/// A repartition record as the aggregation reads it: its source record's key, and the order
/// key of its source position (its own position if the headers are missing).
fn from_through(record: &streamlab_log::Record, partition: u32) -> (InputRecord, u32, u64) {
    let mut input = input_of(record);
    let header = |name: &str| record.headers().iter().find(|h| h.key == name);
    input.key = header(SOURCE_KEY_HEADER)
        .map_or_else(|| record.key().map(<[u8]>::to_vec), |h| h.value.clone());
    let position = header(SOURCE_POSITION_HEADER)
        .and_then(|h| std::str::from_utf8(h.value.as_deref()?).ok())
        .and_then(|text| {
            let (p, o) = text.split_once(':')?;
            Some((p.parse().ok()?, o.parse().ok()?))
        });
    let (p, o) = position.unwrap_or((partition, record.offset().0));
    (input, p, o)
}

impl<S: Storage> Processor<'_, S> {
    /// One step of the query at `index`, which re-keys through its repartition topic.
    pub(super) async fn step_repartitioned(
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
        let source = query.plan.source.topic.clone();
        // What a step stopped between its two transactions left there first, on its own: each
        // batch of the source is aggregated as a run without the stop aggregates it.
        self.aggregate_through(index, &id, time, report).await?;
        let (batch, read) = self
            .read_inputs(&id, &[source], max_records, |tp, log_start| {
                self.stands_at(&id, tp, log_start).1
            })
            .await?;
        if read.is_empty() {
            return Ok(());
        }
        let mut through = Vec::new();
        let mut skipped = 0;
        for (_, _, partition, offset, record) in &batch {
            if let Some(processed) = self.engine.repartition_query(index, record) {
                skipped += usize::from(processed.skipped.is_some());
                through.extend(
                    processed
                        .outputs
                        .into_iter()
                        .map(|out| through_record(out, record, *partition, *offset)),
                );
            }
        }
        self.commit_step(
            index,
            &id,
            vec![(repartition_topic(&id), through)],
            read,
            time,
        )
        .await?;
        *report.read.entry(id.clone()).or_default() += batch.len();
        *report.skipped.entry(id.clone()).or_default() += skipped;
        self.aggregate_through(index, &id, time, report).await
    }

    /// The second sub-topology: every record of the repartition topic the query has not
    /// aggregated yet, in its source's order, then its outputs stored.
    async fn aggregate_through(
        &mut self,
        index: usize,
        id: &str,
        time: Timestamp,
        report: &mut StepReport,
    ) -> Result<(), ProcessorError<S::Error>> {
        let (batch, read) = self.read_through(id).await?;
        if read.is_empty() {
            return Ok(());
        }
        let mut outputs = Vec::new();
        let mut skipped = 0;
        for (_, _, _, _, record) in &batch {
            if let Some(processed) = self.engine.aggregate_repartitioned(index, record) {
                skipped += usize::from(processed.skipped.is_some());
                outputs.extend(processed.outputs.into_iter().map(record_of));
            }
        }
        let written = outputs.len();
        let Some(sink) = self
            .engine
            .queries()
            .get(index)
            .map(|q| q.sink.topic.clone())
        else {
            return Ok(());
        };
        self.commit_step(index, id, vec![(sink, outputs)], read, time)
            .await?;
        *report.repartitioned.entry(id.to_owned()).or_default() += batch.len();
        *report.written.entry(id.to_owned()).or_default() += written;
        *report.skipped.entry(id.to_owned()).or_default() += skipped;
        Ok(())
    }

    /// The repartition topic from where the query stands to its end, sorted as the source's
    /// records were read (timestamp, then source partition and offset).
    async fn read_through(
        &self,
        id: &str,
    ) -> Result<(Vec<Tagged>, Vec<(TopicPartition, Offset)>), ProcessorError<S::Error>> {
        let name = topic_name(&repartition_topic(id))?;
        let mut batch: Vec<Tagged> = Vec::new();
        let mut read = Vec::new();
        let Some(meta) = self.describe(&name).await? else {
            return Ok((batch, read));
        };
        for state in &meta.partitions {
            let tp = TopicPartition::new(name.clone(), state.partition());
            let start = self.stands_at(id, &tp, state.log_start_offset()).1;
            let mut at = start;
            while at < state.log_end_offset() {
                let limits = FetchLimits {
                    max_records: usize::MAX,
                    ..FetchLimits::default()
                };
                let fetched = self.fetch_for(id, &tp, at, limits).await?;
                for r in &fetched.records {
                    let (input, partition, offset) = from_through(r, state.partition().0);
                    batch.push((input.timestamp, 0, partition, offset, input));
                }
                if fetched.next_offset <= at {
                    break;
                }
                at = fetched.next_offset;
            }
            if at > start {
                read.push((tp, at));
            }
        }
        batch.sort_by_key(|a| (a.0, a.1, a.2, a.3));
        Ok((batch, read))
    }
}
