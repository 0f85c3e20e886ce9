//! Consumer groups: committed offsets, members, and how partitions are assigned to them.
//!
//! A group is Kafka's consumer group; in Kinesis mode the same machinery is the KCL's lease
//! table: a committed offset is a shard's checkpoint, and [`millis_behind_latest`] is what
//! GetRecords reports.

pub(crate) mod values;

use std::collections::{BTreeMap, BTreeSet};

use crate::errors::PositionError;
use crate::names::TopicName;
use crate::names::TopicPartition;
use crate::partition::PartitionState;
use crate::position::{resolve_position, OffsetResetPolicy, Position};
use crate::record::Record;
use crate::storage::Storage;
use crate::types::{Offset, PartitionId, Timestamp};
pub use values::{
    assign, AssignmentStrategy, CommittedOffset, GroupId, GroupIdError, GroupMembership, MemberId,
};

/// What a rebalance decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebalance {
    /// The group's generation after it (Kafka's generation id).
    pub generation: u32,
    /// Each member's partitions.
    pub assignment: BTreeMap<MemberId, Vec<TopicPartition>>,
}

/// A group's membership and assignment (Kafka's group coordinator, for one group).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerGroup {
    id: GroupId,
    strategy: AssignmentStrategy,
    generation: u32,
    members: BTreeSet<MemberId>,
    partitions: Vec<TopicPartition>,
    assignment: BTreeMap<MemberId, Vec<TopicPartition>>,
}

impl ConsumerGroup {
    /// An empty group that will share `partitions`.
    pub fn new(
        id: GroupId,
        strategy: AssignmentStrategy,
        partitions: Vec<TopicPartition>,
    ) -> ConsumerGroup {
        ConsumerGroup {
            id,
            strategy,
            generation: 0,
            members: BTreeSet::new(),
            partitions,
            assignment: BTreeMap::new(),
        }
    }

    /// The group's id.
    pub fn id(&self) -> &GroupId {
        &self.id
    }

    /// The current generation (0 before anyone joined).
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The members.
    pub fn members(&self) -> &BTreeSet<MemberId> {
        &self.members
    }

    /// Each member's partitions.
    pub fn assignment(&self) -> &BTreeMap<MemberId, Vec<TopicPartition>> {
        &self.assignment
    }

    /// A member joins: the group rebalances. Joining twice changes nothing.
    pub fn join(&mut self, member: MemberId) -> Rebalance {
        if self.members.insert(member) {
            self.rebalance()
        } else {
            self.current()
        }
    }

    /// A member leaves (or is declared dead): its partitions go to the others.
    pub fn leave(&mut self, member: &MemberId) -> Rebalance {
        if self.members.remove(member) {
            self.rebalance()
        } else {
            self.current()
        }
    }

    /// The partitions to share changed (partitions added, shards split or merged).
    pub fn set_partitions(&mut self, partitions: Vec<TopicPartition>) -> Rebalance {
        self.partitions = partitions;
        self.rebalance()
    }

    fn rebalance(&mut self) -> Rebalance {
        self.generation += 1;
        self.assignment = assign(self.strategy, &self.members, &self.partitions);
        self.current()
    }

    fn current(&self) -> Rebalance {
        Rebalance {
            generation: self.generation,
            assignment: self.assignment.clone(),
        }
    }
}

/// Kafka's consumer lag: log end offset minus the committed offset (`None` before any commit).
pub fn lag(state: &PartitionState, committed: Option<Offset>) -> Option<u64> {
    committed.map(|c| state.log_end_offset().0.saturating_sub(c.0))
}

/// Kinesis' MillisBehindLatest after a read that ended at `next_offset`: 0 when caught up,
/// otherwise how far the last record read is behind the newest record in the shard.
pub fn millis_behind_latest(
    state: &PartitionState,
    last_read: Option<&Record>,
    next_offset: Offset,
) -> u64 {
    if next_offset >= state.log_end_offset() {
        return 0;
    }
    let read = last_read.map_or(Timestamp(i64::MIN), Record::timestamp);
    u64::try_from(state.max_timestamp().0.saturating_sub(read.0)).unwrap_or(0)
}

/// Where a member of `group` starts reading `tp`: the committed offset, or the reset policy
/// when there is none or it fell out of the log (retention moved the log start past it).
pub async fn starting_offset<S: Storage>(
    store: &S,
    group: &GroupId,
    tp: &TopicPartition,
    reset: OffsetResetPolicy,
) -> Result<Offset, PositionError<S::Error>> {
    let committed = store
        .committed_offsets(group, tp.topic())
        .await
        .map_err(PositionError::Storage)?;
    let position = match committed.get(&tp.partition()) {
        Some(c) => Position::Offset(c.offset),
        None => match reset {
            OffsetResetPolicy::Earliest => Position::Earliest,
            OffsetResetPolicy::Latest => Position::Latest,
            OffsetResetPolicy::None => {
                return Err(PositionError::NoCommittedOffset {
                    group: group.clone(),
                    topic_partition: tp.clone(),
                })
            }
        },
    };
    resolve_position(store, tp, position, reset).await
}

/// Where [`reset_group_offsets`] moves a group's committed offsets (Kafka's
/// `kafka-consumer-groups --reset-offsets`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffsetReset {
    /// Every partition's log start (`--to-earliest`).
    Earliest,
    /// Every partition's log end (`--to-latest`).
    Latest,
    /// These offsets (`--to-offset`, per partition); an offset outside a partition's log is
    /// moved to its nearest end, and partitions not named keep their commit.
    Offsets(BTreeMap<PartitionId, Offset>),
    /// The first record at or after this time in every partition (`--to-datetime`).
    Timestamp(Timestamp),
}

/// Why a group's offsets were not reset.
#[derive(Debug, thiserror::Error)]
pub enum ResetOffsetsError<E> {
    /// Members are still reading; their commits would overwrite the reset.
    #[error("group '{group}' still has {members} active member(s) on '{topic}'; stop its consumers first (offsets are reset only while a group is inactive)")]
    GroupActive {
        /// The group.
        group: GroupId,
        /// The topic.
        topic: TopicName,
        /// Members that heartbeated within the session timeout.
        members: usize,
    },
    /// The topic does not exist.
    #[error("topic '{0}' does not exist")]
    UnknownTopic(TopicName),
    /// A partition named in [`OffsetReset::Offsets`] does not exist.
    #[error("'{topic}' has no partition {partition}")]
    NoSuchPartition {
        /// The topic.
        topic: TopicName,
        /// The partition.
        partition: PartitionId,
    },
    /// A position could not be resolved.
    #[error(transparent)]
    Position(PositionError<E>),
    /// The storage failed.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
}

/// Resets `group`'s committed offsets on `topic` to `reset`, at `now`, and returns the new
/// offsets. Refused while the group has members that heartbeated within `session_timeout_ms`,
/// as Kafka refuses to reset an active group; the next member to join starts from the new
/// offsets, so the records from there flow again (a replay).
pub async fn reset_group_offsets<S: Storage>(
    store: &S,
    group: &GroupId,
    topic: &TopicName,
    reset: &OffsetReset,
    now: Timestamp,
    session_timeout_ms: i64,
) -> Result<Vec<(PartitionId, Offset)>, ResetOffsetsError<S::Error>> {
    let membership = store
        .update_membership(group, topic, &|m| m.expire(now, session_timeout_ms))
        .await
        .map_err(ResetOffsetsError::Storage)?;
    if !membership.members.is_empty() {
        return Err(ResetOffsetsError::GroupActive {
            group: group.clone(),
            topic: topic.clone(),
            members: membership.members.len(),
        });
    }
    let metadata = store
        .describe_topic(topic)
        .await
        .map_err(ResetOffsetsError::Storage)?
        .ok_or_else(|| ResetOffsetsError::UnknownTopic(topic.clone()))?;
    if let OffsetReset::Offsets(offsets) = reset {
        if let Some(missing) = offsets
            .keys()
            .find(|p| p.0 as usize >= metadata.partitions.len())
        {
            return Err(ResetOffsetsError::NoSuchPartition {
                topic: topic.clone(),
                partition: *missing,
            });
        }
    }
    let mut moved = Vec::new();
    for state in &metadata.partitions {
        let tp = TopicPartition::new(topic.clone(), state.partition());
        let offset = match reset {
            OffsetReset::Earliest => state.log_start_offset(),
            OffsetReset::Latest => state.log_end_offset(),
            OffsetReset::Offsets(offsets) => match offsets.get(&state.partition()) {
                Some(o) => (*o).clamp(state.log_start_offset(), state.log_end_offset()),
                None => continue,
            },
            OffsetReset::Timestamp(t) => resolve_position(
                store,
                &tp,
                Position::Timestamp(*t),
                OffsetResetPolicy::Latest,
            )
            .await
            .map_err(ResetOffsetsError::Position)?,
        };
        moved.push((tp, offset));
    }
    let commits: Vec<(TopicPartition, CommittedOffset)> = moved
        .iter()
        .map(|(tp, offset)| {
            (
                tp.clone(),
                CommittedOffset {
                    offset: *offset,
                    metadata: "reset".into(),
                    commit_time: now,
                },
            )
        })
        .collect();
    store
        .commit_offsets(group, &commits)
        .await
        .map_err(ResetOffsetsError::Storage)?;
    Ok(moved
        .into_iter()
        .map(|(tp, offset)| (tp.partition(), offset))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::TopicName;
    use crate::types::{Mode, PartitionId};

    fn tps(topic: &str, n: u32) -> Vec<TopicPartition> {
        let name = TopicName::new(topic, Mode::Kafka).expect("name");
        (0..n)
            .map(|p| TopicPartition::new(name.clone(), PartitionId(p)))
            .collect()
    }

    fn members(ids: &[&str]) -> BTreeSet<MemberId> {
        ids.iter().map(|i| MemberId::new(i).expect("id")).collect()
    }

    fn shape(a: &BTreeMap<MemberId, Vec<TopicPartition>>) -> Vec<(String, Vec<String>)> {
        a.iter()
            .map(|(m, tps)| {
                (
                    m.as_str().to_owned(),
                    tps.iter().map(ToString::to_string).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn range_gives_contiguous_ranges_and_the_first_members_the_extra() {
        let mut all = tps("a", 7);
        all.extend(tps("b", 2));
        let got = assign(
            AssignmentStrategy::Range,
            &members(&["c1", "c2", "c3"]),
            &all,
        );
        assert_eq!(
            shape(&got),
            [
                (
                    "c1".into(),
                    vec!["a-0".into(), "a-1".into(), "a-2".into(), "b-0".into()]
                ),
                ("c2".into(), vec!["a-3".into(), "a-4".into(), "b-1".into()]),
                ("c3".into(), vec!["a-5".into(), "a-6".into()]),
            ]
        );
    }

    #[test]
    fn round_robin_deals_partitions_in_order() {
        let mut all = tps("a", 3);
        all.extend(tps("b", 2));
        let got = assign(AssignmentStrategy::RoundRobin, &members(&["x", "y"]), &all);
        assert_eq!(
            shape(&got),
            [
                ("x".into(), vec!["a-0".into(), "a-2".into(), "b-1".into()]),
                ("y".into(), vec!["a-1".into(), "b-0".into()]),
            ]
        );
    }

    #[test]
    fn every_partition_goes_to_exactly_one_member() {
        for strategy in [AssignmentStrategy::Range, AssignmentStrategy::RoundRobin] {
            for n_members in 1..6 {
                for n_partitions in 0..10 {
                    let ids: Vec<String> = (0..n_members).map(|i| format!("m{i}")).collect();
                    let ms: BTreeSet<MemberId> =
                        ids.iter().map(|i| MemberId::new(i).expect("id")).collect();
                    let all = tps("t", n_partitions);
                    let got = assign(strategy, &ms, &all);
                    let mut seen: Vec<TopicPartition> = got.values().flatten().cloned().collect();
                    seen.sort();
                    assert_eq!(seen, all, "{strategy:?} {n_members} {n_partitions}");
                    let sizes: Vec<usize> = got.values().map(Vec::len).collect();
                    let (min, max) = (sizes.iter().min(), sizes.iter().max());
                    assert!(max.zip(min).is_none_or(|(a, b)| a - b <= 1), "balanced");
                }
            }
        }
    }

    #[test]
    fn joins_and_leaves_rebalance_with_a_new_generation() {
        let id = GroupId::new("billing").expect("id");
        let mut group = ConsumerGroup::new(id, AssignmentStrategy::Range, tps("t", 4));
        let one = group.join(MemberId::new("a").expect("id"));
        assert_eq!(one.generation, 1);
        assert_eq!(
            one.assignment.values().map(Vec::len).collect::<Vec<_>>(),
            [4]
        );
        let two = group.join(MemberId::new("b").expect("id"));
        assert_eq!(two.generation, 2);
        assert_eq!(
            two.assignment.values().map(Vec::len).collect::<Vec<_>>(),
            [2, 2]
        );
        assert_eq!(group.join(MemberId::new("b").expect("id")).generation, 2);
        let left = group.leave(&MemberId::new("a").expect("id"));
        assert_eq!(left.generation, 3);
        assert_eq!(shape(&left.assignment)[0].1.len(), 4);
    }

    #[test]
    fn ids_are_checked() {
        assert_eq!(GroupId::new(""), Err(GroupIdError::Length(0)));
        assert_eq!(
            GroupId::new(&"g".repeat(256)),
            Err(GroupIdError::Length(256))
        );
        assert_eq!(GroupId::new("a\nb"), Err(GroupIdError::ControlCharacter));
        assert!(GroupId::new("billing service ✓").is_ok());
    }
}
