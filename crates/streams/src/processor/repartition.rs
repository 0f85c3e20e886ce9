//! A step of a query that re-keys through repartition topics: its two sub-topologies, each
//! stored in its own transaction. The first reads the re-keyed sources and writes their records
//! to the repartition topics with the source offsets; the second reads the repartition topics to
//! their end (and a join's other side, read in place) and writes the outputs and changelog with
//! those offsets. Each repartition record carries its source record's key and position in
//! headers, so the rest of the query sees the row it would have seen in place and takes the
//! records in the same order.

use streamlab_log::{FetchLimits, Header, Offset, RecordData, Storage, Timestamp, TopicPartition};

use super::step::{StepReport, Tagged};
use super::{input_of, record_of, topic_name, Processor, ProcessorError};
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
    /// One step of the query at `index`, which re-keys one or both inputs through
    /// repartition topics.
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
        let inputs = Inputs::of(query);
        // What a step stopped between its two transactions left there first, on its own: each
        // batch of the sources is taken on as a run without the stop takes it on.
        if self.through_unread(&id, &inputs).await? {
            self.process_through(index, &id, &inputs, max_records, time, report)
                .await?;
        }
        let rekeyed: Vec<String> = inputs
            .through
            .iter()
            .zip(&inputs.sources)
            .filter(|(t, _)| t.is_some())
            .map(|(_, s)| s.clone())
            .collect();
        let (batch, read) = self
            .read_inputs(&id, &rekeyed, max_records, |tp, log_start| {
                self.stands_at(&id, tp, log_start).1
            })
            .await?;
        if !read.is_empty() {
            let mut through: Vec<(String, Vec<RecordData>)> = inputs
                .through
                .iter()
                .flatten()
                .map(|t| (t.clone(), Vec::new()))
                .collect();
            let mut skipped = 0;
            for (_, input, partition, offset, record) in &batch {
                let Some(side) = rekeyed
                    .get(*input)
                    .and_then(|t| inputs.sources.iter().position(|s| s == t))
                else {
                    continue;
                };
                let Some(processed) = self.engine.repartition_query(index, side, record) else {
                    continue;
                };
                skipped += usize::from(processed.skipped.is_some());
                for out in processed.outputs {
                    if let Some((_, records)) = through.iter_mut().find(|(t, _)| *t == out.topic) {
                        records.push(through_record(out, record, *partition, *offset));
                    }
                }
            }
            self.commit_step(index, &id, through, read, time, |_| ())
                .await?;
            *report.read.entry(id.clone()).or_default() += batch.len();
            *report.skipped.entry(id.clone()).or_default() += skipped;
        }
        self.process_through(index, &id, &inputs, max_records, time, report)
            .await
    }

    /// Whether a repartition topic of the query holds records it has not taken on.
    async fn through_unread(
        &self,
        id: &str,
        inputs: &Inputs,
    ) -> Result<bool, ProcessorError<S::Error>> {
        for topic in inputs.through.iter().flatten() {
            let Some(meta) = self.describe(&topic_name(topic)?).await? else {
                continue;
            };
            for state in &meta.partitions {
                let tp = TopicPartition::new(meta.config.name().clone(), state.partition());
                if self.stands_at(id, &tp, state.log_start_offset()).1 < state.log_end_offset() {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// The second sub-topology: every record of the repartition topics the query has not
    /// taken on (in their sources' order), with the next records of an input read in place,
    /// then its outputs stored.
    async fn process_through(
        &mut self,
        index: usize,
        id: &str,
        inputs: &Inputs,
        max_records: usize,
        time: Timestamp,
        report: &mut StepReport,
    ) -> Result<(), ProcessorError<S::Error>> {
        let mut batch: Vec<Tagged> = Vec::new();
        let mut read = Vec::new();
        let mut through_records = 0;
        for (side, (source, through)) in inputs.sources.iter().zip(&inputs.through).enumerate() {
            let (records, positions) = match through {
                Some(topic) => self.read_through(id, topic, side).await?,
                None => {
                    let (mut records, positions) = self
                        .read_inputs(
                            id,
                            std::slice::from_ref(source),
                            max_records,
                            |tp, log_start| self.stands_at(id, tp, log_start).1,
                        )
                        .await?;
                    for r in &mut records {
                        r.1 = side;
                    }
                    (records, positions)
                }
            };
            if through.is_some() {
                through_records += records.len();
            }
            batch.extend(records);
            read.extend(positions);
        }
        if read.is_empty() {
            return Ok(());
        }
        batch.sort_by_key(|a| (a.0, a.1, a.2, a.3));
        let mut outputs = Vec::new();
        let mut skipped = 0;
        for (_, side, _, _, record) in &batch {
            let processed = match (inputs.through.get(*side), inputs.sources.get(*side)) {
                (Some(Some(_)), _) => self.engine.process_repartitioned(index, *side, record),
                (Some(None), Some(topic)) => self.engine.process_query(index, topic, record),
                _ => None,
            };
            if let Some(processed) = processed {
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
        self.commit_step(index, id, vec![(sink, outputs)], read, time, |_| ())
            .await?;
        *report.repartitioned.entry(id.to_owned()).or_default() += through_records;
        *report.read.entry(id.to_owned()).or_default() += batch.len() - through_records;
        *report.written.entry(id.to_owned()).or_default() += written;
        *report.skipped.entry(id.to_owned()).or_default() += skipped;
        Ok(())
    }

    /// A repartition topic from where the query stands to its end, tagged as input `side` and
    /// sorted as the source's records were read (timestamp, then source partition and offset).
    async fn read_through(
        &self,
        id: &str,
        topic: &str,
        side: usize,
    ) -> Result<(Vec<Tagged>, Vec<(TopicPartition, Offset)>), ProcessorError<S::Error>> {
        let name = topic_name(topic)?;
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
                    batch.push((input.timestamp, side, partition, offset, input));
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
        Ok((batch, read))
    }
}

/// A re-keying query's inputs: each source topic (a join's left and right), and the
/// repartition topic it goes through, if it does.
pub(super) struct Inputs {
    /// The source topics, the query's source first.
    pub(super) sources: Vec<String>,
    /// Each source's repartition topic.
    pub(super) through: Vec<Option<String>>,
}

impl Inputs {
    pub(super) fn of(query: &crate::exec::RunningQuery) -> Inputs {
        let mut sources = vec![query.plan.source.topic.clone()];
        if let Some(j) = &query.plan.join {
            sources.push(j.right.topic.clone());
        }
        let rekeyed = query.repartitioned_inputs();
        let through = (0..sources.len())
            .map(|side| {
                rekeyed
                    .get(side)
                    .copied()
                    .unwrap_or(false)
                    .then(|| query.repartition_topic_of(side))
            })
            .collect();
        Inputs { sources, through }
    }
}
