//! Push queries in the processor: each reads its inputs from their log ends when it started
//! (ksqlDB's `auto.offset.reset = latest`), keeps its positions in memory only (a push query
//! is transient: nothing of it is stored), and hands its rows to the caller.

use std::collections::BTreeMap;

use streamlab_log::{Offset, Storage, TopicPartition};

use super::{inputs_of, topic_name, Processor, ProcessorError};
use crate::engine::{PushQuery, PushRow};

/// A push query with where it stands in each input partition.
#[derive(Debug, Clone)]
pub struct Transient {
    push: PushQuery,
    next: BTreeMap<TopicPartition, Offset>,
}

/// Rows of one push query, from one step.
#[derive(Debug, Clone, PartialEq)]
pub struct PushRows {
    /// The push query's id.
    pub id: String,
    /// Its new rows, in order.
    pub rows: Vec<PushRow>,
    /// Whether it has ended (its LIMIT reached, or an input it cannot read).
    pub done: bool,
    /// Why it ended, when an input could not be read.
    pub error: Option<String>,
}

impl<S: Storage> Processor<'_, S> {
    /// Starts the push queries the engine planned, each at its inputs' current ends.
    pub(super) async fn start_pushes(&mut self) -> Result<(), ProcessorError<S::Error>> {
        for push in self.engine.take_push_queries() {
            let mut next = BTreeMap::new();
            for topic in inputs_of(&push.query) {
                let name = topic_name(&topic)?;
                if let Some(meta) = self.describe(&name).await? {
                    for state in &meta.partitions {
                        next.insert(
                            TopicPartition::new(name.clone(), state.partition()),
                            state.log_end_offset(),
                        );
                    }
                }
            }
            self.transients.push(Transient { push, next });
        }
        Ok(())
    }

    /// One step of every push query: up to `max_records` per input partition; the rows made,
    /// per query that made some or ended (an ended query is gone), and the records read.
    pub async fn step_pushes(
        &mut self,
        max_records: usize,
    ) -> Result<(Vec<PushRows>, usize), ProcessorError<S::Error>> {
        let mut out = Vec::new();
        let mut total = 0;
        let mut transients = std::mem::take(&mut self.transients);
        let mut failed = Vec::new();
        for t in &mut transients {
            let inputs = inputs_of(&t.push.query);
            let read = self
                .read_inputs(&t.push.id, &inputs, max_records.max(1), |tp, log_start| {
                    // A partition added since the query started is read from its start.
                    t.next.get(tp).copied().unwrap_or(log_start).max(log_start)
                })
                .await;
            let (batch, positions) = match read {
                Ok(r) => r,
                // A damaged input ends this push query only, saying why.
                Err(e @ ProcessorError::Unreadable { .. }) => {
                    out.push(PushRows {
                        id: t.push.id.clone(),
                        rows: Vec::new(),
                        done: true,
                        error: Some(e.to_string()),
                    });
                    failed.push(t.push.id.clone());
                    continue;
                }
                Err(e) => {
                    self.transients = transients;
                    return Err(e);
                }
            };
            total += batch.len();
            let mut rows = Vec::new();
            for (_, input, _, _, record) in &batch {
                let topic = &inputs[*input];
                if t.push.done() {
                    break;
                }
                rows.extend(t.push.process(topic, record));
            }
            for (tp, next) in positions {
                t.next.insert(tp, next);
            }
            if !rows.is_empty() || t.push.done() {
                out.push(PushRows {
                    id: t.push.id.clone(),
                    rows,
                    done: t.push.done(),
                    error: None,
                });
            }
        }
        transients.retain(|t| !t.push.done() && !failed.contains(&t.push.id));
        self.transients = transients;
        Ok((out, total))
    }

    /// Stops a push query; whether it was running.
    pub fn stop_push(&mut self, id: &str) -> bool {
        let before = self.transients.len();
        self.transients.retain(|t| t.push.id != id);
        self.transients.len() != before
    }

    /// The running push queries' ids.
    pub fn push_ids(&self) -> Vec<String> {
        self.transients.iter().map(|t| t.push.id.clone()).collect()
    }

    /// The running push queries, to carry into a reopened processor ([`Processor::keep_pushes`]).
    pub fn take_pushes(&mut self) -> Vec<Transient> {
        std::mem::take(&mut self.transients)
    }

    /// Push queries a previous processor of this page ran.
    pub fn keep_pushes(&mut self, pushes: Vec<Transient>) {
        self.transients.extend(pushes);
    }
}
