//! What each persistent query is doing, as the dashboard lists it: its counts, its input lag
//! (records of its inputs it has not read yet) and its topology with live counts.

use streamlab_log::{Storage, TopicPartition};

use super::{changelog_topic, inputs_of, topic_name, Processor, ProcessorError};
use crate::topology::{topology, TopologyNode};

/// One persistent query's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryProgress {
    /// Its id.
    pub id: String,
    /// The stream or table it writes.
    pub sink: String,
    /// Its statement.
    pub text: String,
    /// Records read.
    pub records_in: u64,
    /// Records written.
    pub records_out: u64,
    /// Records skipped as undecodable.
    pub records_skipped: u64,
    /// Records of its inputs not read yet: each partition's log end less where the query stands.
    pub lag: u64,
    /// Sources, operators and sinks with their counts.
    pub topology: Vec<TopologyNode>,
    /// Why the query stopped (ksqlDB's `ERROR` state): an input it cannot read. The other
    /// queries go on; a reopened processor tries it again.
    pub error: Option<String>,
}

impl<S: Storage> Processor<'_, S> {
    /// Every running query's progress, read against the log's current ends.
    pub async fn progress(&self) -> Result<Vec<QueryProgress>, ProcessorError<S::Error>> {
        let mut out = Vec::new();
        for q in self.engine.queries() {
            let mut lag = 0;
            for topic in inputs_of(q) {
                let name = topic_name(&topic)?;
                let Some(meta) = self.describe(&name).await? else {
                    continue;
                };
                for state in &meta.partitions {
                    let tp = TopicPartition::new(name.clone(), state.partition());
                    let (_, at) = self.stands_at(&q.id, &tp, state.log_start_offset());
                    lag += state.log_end_offset().0.saturating_sub(at.0);
                }
            }
            let changelog = self
                .describe(&topic_name(&changelog_topic(&q.id))?)
                .await?
                .map_or(0, |m| {
                    m.partitions.iter().map(|p| p.log_end_offset().0).sum()
                });
            out.push(QueryProgress {
                id: q.id.clone(),
                sink: q.sink.name.clone(),
                text: q.text.clone(),
                records_in: q.records_in,
                records_out: q.records_out,
                records_skipped: q.records_skipped,
                lag,
                topology: topology(q, changelog),
                error: self.failed.get(&q.id).cloned(),
            });
        }
        Ok(out)
    }
}
