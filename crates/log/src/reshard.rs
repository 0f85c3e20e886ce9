//! Changing a topic's partitions: Kinesis' SplitShard, MergeShards and UpdateShardCount, and
//! Kafka's adding of partitions. Each function maps a topic's metadata to its new metadata; a
//! store applies the result atomically ([`crate::Storage::update_topic`]).

use std::collections::BTreeSet;

use crate::names::TopicName;
use crate::names::MAX_PARTITIONS;
use crate::partition::{PartitionState, ShardState};
use crate::partitioner::{uniform_hash_key_ranges, HashKey, HashKeyRange};
use crate::storage::{Storage, UpdateTopicError};
use crate::topic::{ReshardError, TopicMetadata};
use crate::types::{Mode, PartitionId, ShardId};

fn require(meta: &TopicMetadata, owner: Mode, operation: &'static str) -> Result<(), ReshardError> {
    if meta.config.mode() != owner {
        return Err(ReshardError::NotInMode {
            operation,
            owner,
            mode: meta.config.mode(),
        });
    }
    Ok(())
}

fn open_shard(
    meta: &TopicMetadata,
    id: PartitionId,
) -> Result<(&PartitionState, HashKeyRange), ReshardError> {
    let shard = meta
        .partitions
        .get(id.0 as usize)
        .ok_or(ReshardError::UnknownShard(ShardId(id.0)))?;
    if shard.shard_state() == ShardState::Closed {
        return Err(ReshardError::ShardClosed(ShardId(id.0)));
    }
    let range = *shard
        .hash_key_range()
        .ok_or(ReshardError::UnknownShard(ShardId(id.0)))?;
    Ok((shard, range))
}

fn with_new_partitions(
    meta: &TopicMetadata,
    changed: Vec<PartitionState>,
    added: Vec<PartitionState>,
) -> Result<TopicMetadata, ReshardError> {
    let total = (meta.partitions.len() + added.len()) as u32;
    if total > MAX_PARTITIONS {
        return Err(ReshardError::TooManyPartitions { total });
    }
    let mut partitions = meta.partitions.clone();
    for state in changed {
        let i = state.partition().0 as usize;
        if let Some(slot) = partitions.get_mut(i) {
            *slot = state;
        }
    }
    partitions.extend(added);
    Ok(TopicMetadata {
        config: meta.config.clone().with_partition_count(total),
        partitions,
    })
}

/// SplitShard: closes `shard` and opens two children owning `[start, new_starting_hash_key − 1]`
/// and `[new_starting_hash_key, end]`.
pub fn split_shard(
    meta: &TopicMetadata,
    shard: PartitionId,
    new_starting_hash_key: HashKey,
) -> Result<TopicMetadata, ReshardError> {
    require(meta, Mode::Kinesis, "SplitShard")?;
    let (parent, range) = open_shard(meta, shard)?;
    let (start, end) = (range.starting_hash_key, range.ending_hash_key);
    if new_starting_hash_key <= start || new_starting_hash_key > end {
        return Err(ReshardError::HashKeyOutOfRange {
            shard: ShardId(shard.0),
            hash_key: new_starting_hash_key,
            start,
            end,
        });
    }
    let next = meta.partitions.len() as u32;
    let left = HashKeyRange {
        starting_hash_key: start,
        ending_hash_key: HashKey(new_starting_hash_key.0 - 1),
    };
    let right = HashKeyRange {
        starting_hash_key: new_starting_hash_key,
        ending_hash_key: end,
    };
    let children = vec![
        PartitionState::child(PartitionId(next), left, &[parent]),
        PartitionState::child(PartitionId(next + 1), right, &[parent]),
    ];
    with_new_partitions(meta, vec![parent.closed()], children)
}

/// MergeShards: closes `shard` and `adjacent` and opens one child over both ranges, naming
/// `shard` as its parent and `adjacent` as its adjacent parent.
pub fn merge_shards(
    meta: &TopicMetadata,
    shard: PartitionId,
    adjacent: PartitionId,
) -> Result<TopicMetadata, ReshardError> {
    require(meta, Mode::Kinesis, "MergeShards")?;
    if shard == adjacent {
        return Err(ReshardError::SameShard(ShardId(shard.0)));
    }
    let (a, ra) = open_shard(meta, shard)?;
    let (b, rb) = open_shard(meta, adjacent)?;
    let touching = ra.ending_hash_key.0.checked_add(1) == Some(rb.starting_hash_key.0)
        || rb.ending_hash_key.0.checked_add(1) == Some(ra.starting_hash_key.0);
    if !touching {
        return Err(ReshardError::NotAdjacent(
            ShardId(shard.0),
            ShardId(adjacent.0),
        ));
    }
    let union = HashKeyRange {
        starting_hash_key: ra.starting_hash_key.min(rb.starting_hash_key),
        ending_hash_key: ra.ending_hash_key.max(rb.ending_hash_key),
    };
    let child = PartitionState::child(PartitionId(meta.partitions.len() as u32), union, &[a, b]);
    with_new_partitions(meta, vec![a.closed(), b.closed()], vec![child])
}

/// UpdateShardCount with uniform scaling: closes every open shard and opens `target` shards over
/// uniform hash-key ranges, each naming the closed shards its range overlaps as parents. As in
/// Kinesis, the target must be between half and double the open shards. (Kinesis reaches the
/// target through intermediate splits and merges, so its children have at most two parents;
/// Streamlab records the direct overlaps, and readers follow the same parents-first rule.)
pub fn update_shard_count(
    meta: &TopicMetadata,
    target: u32,
) -> Result<TopicMetadata, ReshardError> {
    require(meta, Mode::Kinesis, "UpdateShardCount")?;
    let open: Vec<&PartitionState> = meta
        .partitions
        .iter()
        .filter(|p| p.shard_state() == ShardState::Open)
        .collect();
    let n = open.len() as u32;
    let (min, max) = (n.div_ceil(2), n.saturating_mul(2));
    if target < min.max(1) || target > max {
        return Err(ReshardError::TargetOutOfRange {
            target,
            open: n,
            min,
            max,
        });
    }
    let next = meta.partitions.len() as u32;
    let children = uniform_hash_key_ranges(target)
        .into_iter()
        .zip(next..)
        .map(|(range, id)| {
            let parents: Vec<&PartitionState> = open
                .iter()
                .copied()
                .filter(|p| {
                    p.hash_key_range().is_some_and(|r| {
                        r.starting_hash_key <= range.ending_hash_key
                            && range.starting_hash_key <= r.ending_hash_key
                    })
                })
                .collect();
            PartitionState::child(PartitionId(id), range, &parents)
        })
        .collect();
    let closed = open.iter().map(|p| p.closed()).collect();
    with_new_partitions(meta, closed, children)
}

/// Kafka's `kafka-topics --alter --partitions`: grows the topic to `total` partitions. Keys
/// whose `murmur2 % partitions` changes now go elsewhere; the records already written stay.
pub fn add_partitions(meta: &TopicMetadata, total: u32) -> Result<TopicMetadata, ReshardError> {
    require(meta, Mode::Kafka, "adding partitions")?;
    let current = meta.partitions.len() as u32;
    if total <= current {
        return Err(ReshardError::PartitionsCanOnlyGrow {
            current,
            requested: total,
        });
    }
    let added = (current..total)
        .map(|p| PartitionState::new(PartitionId(p), None))
        .collect();
    with_new_partitions(meta, Vec::new(), added)
}

/// A new starting hash key that splits `range` into two halves of (nearly) equal size, the
/// console's default split; `None` for a range of one hash key, which cannot be split.
pub fn middle_hash_key(range: &HashKeyRange) -> Option<HashKey> {
    let (start, end) = (range.starting_hash_key.0, range.ending_hash_key.0);
    (end > start).then(|| HashKey(start + (end - start) / 2 + 1))
}

/// The open shard that `shard` can merge with to its right: the one whose range starts right
/// after `shard`'s ends. `None` when `shard` is closed or has no such neighbour.
pub fn merge_partner(partitions: &[PartitionState], shard: PartitionId) -> Option<PartitionId> {
    let this = partitions
        .get(shard.0 as usize)
        .filter(|p| p.shard_state() == ShardState::Open)?;
    let next_start = this.hash_key_range()?.ending_hash_key.0.checked_add(1)?;
    partitions
        .iter()
        .find(|p| {
            p.shard_state() == ShardState::Open
                && p.hash_key_range()
                    .is_some_and(|r| r.starting_hash_key.0 == next_start)
        })
        .map(PartitionState::partition)
}

/// The shards a reader may read now, given the shards it has `finished` (read to the end of a
/// closed shard): every unfinished shard whose parents are all finished. Kinesis' rule: read a
/// parent to its end before its children, so records of one partition key stay in order.
pub fn readable_shards(
    partitions: &[PartitionState],
    finished: &BTreeSet<PartitionId>,
) -> Vec<PartitionId> {
    partitions
        .iter()
        .filter(|p| !finished.contains(&p.partition()))
        .filter(|p| p.parents().iter().all(|parent| finished.contains(parent)))
        .map(PartitionState::partition)
        .collect()
}

/// Splits a shard of the stream `stream` in `store`.
pub async fn split<S: Storage>(
    store: &S,
    stream: &TopicName,
    shard: PartitionId,
    new_starting_hash_key: HashKey,
) -> Result<TopicMetadata, UpdateTopicError<S::Error>> {
    store
        .update_topic(stream, &|m| split_shard(m, shard, new_starting_hash_key))
        .await
}

/// Merges two adjacent shards of `stream` in `store`.
pub async fn merge<S: Storage>(
    store: &S,
    stream: &TopicName,
    shard: PartitionId,
    adjacent: PartitionId,
) -> Result<TopicMetadata, UpdateTopicError<S::Error>> {
    store
        .update_topic(stream, &|m| merge_shards(m, shard, adjacent))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topic::TopicConfig;

    #[test]
    fn the_middle_key_leaves_both_halves_non_empty() {
        let range = |a: u128, b: u128| HashKeyRange {
            starting_hash_key: HashKey(a),
            ending_hash_key: HashKey(b),
        };
        assert_eq!(middle_hash_key(&range(0, 1)), Some(HashKey(1)));
        assert_eq!(middle_hash_key(&range(10, 20)), Some(HashKey(16)));
        assert_eq!(
            middle_hash_key(&range(0, u128::MAX)),
            Some(HashKey(1u128 << 127))
        );
        assert_eq!(middle_hash_key(&range(7, 7)), None);
        // The key is a legal SplitShard argument.
        let meta = TopicMetadata {
            config: TopicConfig::new("s", Mode::Kinesis, 1).expect("valid"),
            partitions: TopicConfig::new("s", Mode::Kinesis, 1)
                .expect("valid")
                .initial_partitions(),
        };
        let whole = *meta.partitions[0]
            .hash_key_range()
            .expect("a shard owns a range");
        let mid = middle_hash_key(&whole).expect("splittable");
        assert!(split_shard(&meta, PartitionId(0), mid).is_ok());
    }

    #[test]
    fn a_merge_partner_is_the_open_shard_to_the_right() {
        let config = TopicConfig::new("s", Mode::Kinesis, 3).expect("valid");
        let meta = TopicMetadata {
            partitions: config.initial_partitions(),
            config,
        };
        assert_eq!(
            merge_partner(&meta.partitions, PartitionId(0)),
            Some(PartitionId(1))
        );
        assert_eq!(merge_partner(&meta.partitions, PartitionId(2)), None);
        let merged = merge_shards(&meta, PartitionId(0), PartitionId(1)).expect("adjacent");
        // Closed shards have no partner; the child's partner is shard 2.
        assert_eq!(merge_partner(&merged.partitions, PartitionId(0)), None);
        assert_eq!(
            merge_partner(&merged.partitions, PartitionId(3)),
            Some(PartitionId(2))
        );
    }
}
