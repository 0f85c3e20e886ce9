//! A consumer application as the Kinesis Client Library runs one: per shard a checkpoint (the
//! last sequence number processed, or `SHARD_END` once a closed shard is read to its end) kept
//! in a lease table, parents read to their end before their children, and each run resuming
//! after its checkpoints. The lease table is whatever [`Checkpoints`] the caller gives: IndexedDB
//! in the browser (per endpoint, stream and application), a map in tests.

use std::collections::BTreeMap;

use crate::streams::Streams;
use crate::StartingPosition;

/// The checkpoint of a closed shard read to its end.
pub const SHARD_END: &str = "SHARD_END";

/// One application's checkpoints on one stream: shard id → checkpoint.
#[allow(async_fn_in_trait)]
pub trait Checkpoints {
    /// Every checkpoint.
    async fn load(&self) -> Result<BTreeMap<String, String>, String>;
    /// Sets `shard_id`'s checkpoint.
    async fn save(&self, shard_id: &str, checkpoint: &str) -> Result<(), String>;
}

/// A record a run consumed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumed {
    /// Its shard.
    pub shard_id: String,
    /// Its sequence number.
    pub sequence_number: String,
    /// Its partition key.
    pub partition_key: String,
    /// Its data.
    pub data: Vec<u8>,
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Run {
    /// The records read, shard by shard, parents before children.
    pub records: Vec<Consumed>,
    /// The checkpoints after the run.
    pub checkpoints: BTreeMap<String, String>,
    /// The run stopped at `max_records`; more may be waiting.
    pub more: bool,
}

/// Reads every record of `stream` after `leases`' checkpoints (at most `max_records`), parents
/// to their end before their children, and checkpoints each shard after its records.
pub async fn consume<A: Streams, C: Checkpoints>(
    api: &A,
    stream: &str,
    leases: &C,
    max_records: usize,
) -> Result<Run, String> {
    let shards = api.shards(stream).await?;
    let mut run = Run {
        checkpoints: leases.load().await?,
        ..Run::default()
    };
    let finished = |checkpoints: &BTreeMap<String, String>, shard: &str| {
        checkpoints.get(shard).map(String::as_str) == Some(SHARD_END)
    };
    // Each pass reads the shards whose parents are finished; a pass that finishes a shard may
    // make its children readable, so go again until nothing more finishes.
    loop {
        let mut newly_finished = false;
        for shard in &shards {
            if finished(&run.checkpoints, &shard.shard_id) {
                continue;
            }
            // A parent the stream no longer lists (past retention) does not hold its children.
            let parents_done = shard
                .parents
                .iter()
                .all(|p| finished(&run.checkpoints, p) || !shards.iter().any(|s| s.shard_id == *p));
            if !parents_done {
                continue;
            }
            if run.records.len() >= max_records {
                run.more = true;
                return Ok(run);
            }
            let from = match run.checkpoints.get(&shard.shard_id) {
                Some(seq) => StartingPosition::AfterSequenceNumber(seq.clone()),
                None => StartingPosition::TrimHorizon,
            };
            let mut iterator = Some(api.iterator(stream, &shard.shard_id, &from).await?);
            let (mut last, mut ended) = (None, false);
            while let Some(it) = iterator.take() {
                let read = api.read(&it).await?;
                let empty = read.records.is_empty();
                for (sequence_number, partition_key, data) in read.records {
                    last = Some(sequence_number.clone());
                    run.records.push(Consumed {
                        shard_id: shard.shard_id.clone(),
                        sequence_number,
                        partition_key,
                        data,
                    });
                }
                match read.next {
                    None => ended = true,
                    Some(next) if !empty && run.records.len() < max_records => {
                        iterator = Some(next)
                    }
                    Some(_) => run.more |= !empty,
                }
            }
            let checkpoint = if ended {
                Some(SHARD_END.to_owned())
            } else {
                last
            };
            if let Some(checkpoint) = checkpoint {
                leases.save(&shard.shard_id, &checkpoint).await?;
                run.checkpoints.insert(shard.shard_id.clone(), checkpoint);
            }
            newly_finished |= ended;
        }
        if !newly_finished {
            return Ok(run);
        }
    }
}
