//! Consumer groups: committed offsets, members, and how partitions are assigned to them.
//!
//! A group is Kafka's consumer group; in Kinesis mode the same machinery is the KCL's lease
//! table: a committed offset is a shard's checkpoint, and [`millis_behind_latest`] is what
//! GetRecords reports.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::names::TopicName;
use crate::partition::PartitionState;
use crate::position::{resolve_position, OffsetResetPolicy, Position, PositionError};
use crate::record::Record;
use crate::storage::{CommittedOffset, Storage};
use crate::types::{Offset, PartitionId, Timestamp, TopicPartition};

/// Why a group or member id was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GroupIdError {
    /// Ids are 1 to 255 characters.
    #[error("a group or member id must be 1 to 255 characters; this one has {0}")]
    Length(usize),
    /// Control characters would be invisible in the dashboard.
    #[error("a group or member id may not contain control characters")]
    ControlCharacter,
}

fn check_id(id: &str) -> Result<(), GroupIdError> {
    let len = id.chars().count();
    if !(1..=255).contains(&len) {
        return Err(GroupIdError::Length(len));
    }
    if id.chars().any(char::is_control) {
        return Err(GroupIdError::ControlCharacter);
    }
    Ok(())
}

/// A consumer group id (Kafka's `group.id`; Kinesis: the KCL application name).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(String);

impl GroupId {
    /// Validates an id: 1 to 255 characters, no control characters.
    pub fn new(id: &str) -> Result<GroupId, GroupIdError> {
        check_id(id).map(|()| GroupId(id.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A member of a group (one consumer).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId(String);

impl MemberId {
    /// Validates an id as [`GroupId::new`] does.
    pub fn new(id: &str) -> Result<MemberId, GroupIdError> {
        check_id(id).map(|()| MemberId(id.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How partitions are shared among members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AssignmentStrategy {
    /// Kafka's `RangeAssignor`: per topic, each member (in id order) takes a contiguous range;
    /// the first `partitions % members` members take one more.
    #[default]
    Range,
    /// Kafka's `RoundRobinAssignor`: all partitions in order, dealt to members in id order.
    RoundRobin,
}

/// Assigns `partitions` to `members` by `strategy`: every partition to exactly one member.
pub fn assign(
    strategy: AssignmentStrategy,
    members: &BTreeSet<MemberId>,
    partitions: &[TopicPartition],
) -> BTreeMap<MemberId, Vec<TopicPartition>> {
    let mut out: BTreeMap<MemberId, Vec<TopicPartition>> =
        members.iter().map(|m| (m.clone(), Vec::new())).collect();
    if members.is_empty() {
        return out;
    }
    let members: Vec<&MemberId> = members.iter().collect();
    let mut sorted = partitions.to_vec();
    sorted.sort();
    sorted.dedup();
    match strategy {
        AssignmentStrategy::Range => {
            let mut by_topic: BTreeMap<_, Vec<TopicPartition>> = BTreeMap::new();
            for tp in sorted {
                by_topic.entry(tp.topic().clone()).or_default().push(tp);
            }
            for tps in by_topic.values() {
                let per = tps.len() / members.len();
                let extra = tps.len() % members.len();
                let mut next = 0;
                for (i, m) in members.iter().enumerate() {
                    let take = per + usize::from(i < extra);
                    if let Some(list) = out.get_mut(*m) {
                        list.extend_from_slice(&tps[next..next + take]);
                    }
                    next += take;
                }
            }
        }
        AssignmentStrategy::RoundRobin => {
            for (i, tp) in sorted.into_iter().enumerate() {
                if let Some(list) = out.get_mut(members[i % members.len()]) {
                    list.push(tp);
                }
            }
        }
    }
    out
}

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

/// A group's members as the store keeps them: who is in, since their last heartbeat, the
/// generation, which changes whenever the membership does, and which member holds (reads) each
/// partition. Every member computes the same assignment from it
/// ([`GroupMembership::assignment`]), so the assignment itself is not stored; a member takes a
/// partition of its share only once its previous holder let go of it ([`GroupMembership::claim`]),
/// so two members never read one partition at the same time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupMembership {
    /// Changes with every join, leave or expiry.
    pub generation: u32,
    /// Each member's last heartbeat.
    pub members: BTreeMap<MemberId, Timestamp>,
    /// The member holding each partition.
    pub holders: BTreeMap<PartitionId, MemberId>,
}

impl GroupMembership {
    /// `member` joins (or heartbeats) at `now`; members silent for longer than
    /// `session_timeout_ms` are removed, as Kafka's coordinator removes them.
    pub fn heartbeat(
        mut self,
        member: &MemberId,
        now: Timestamp,
        session_timeout_ms: i64,
    ) -> GroupMembership {
        let before: BTreeSet<MemberId> = self.members.keys().cloned().collect();
        self.members.insert(member.clone(), now);
        self.members
            .retain(|m, last| m == member || now.0.saturating_sub(last.0) <= session_timeout_ms);
        let after: BTreeSet<MemberId> = self.members.keys().cloned().collect();
        if before != after {
            self.generation += 1;
        }
        self.forget_departed();
        self
    }

    /// `member` lets go of the partitions it holds outside `share` and takes those of `share`
    /// that no other member holds (a partition whose holder left or expired is free). What it
    /// holds afterwards ([`GroupMembership::held_by`]) is what it may read until its next claim.
    pub fn claim(mut self, member: &MemberId, share: &BTreeSet<PartitionId>) -> GroupMembership {
        self.forget_departed();
        self.holders
            .retain(|p, holder| holder != member || share.contains(p));
        if self.members.contains_key(member) {
            for p in share {
                self.holders.entry(*p).or_insert_with(|| member.clone());
            }
        }
        self
    }

    /// The partitions `member` holds.
    pub fn held_by(&self, member: &MemberId) -> BTreeSet<PartitionId> {
        self.holders
            .iter()
            .filter(|(_, holder)| *holder == member)
            .map(|(p, _)| *p)
            .collect()
    }

    /// Partitions held by members no longer in the group are free.
    fn forget_departed(&mut self) {
        let members = &self.members;
        self.holders
            .retain(|_, holder| members.contains_key(holder));
    }

    /// Removes members silent for longer than `session_timeout_ms` at `now`.
    pub fn expire(mut self, now: Timestamp, session_timeout_ms: i64) -> GroupMembership {
        let before = self.members.len();
        self.members
            .retain(|_, last| now.0.saturating_sub(last.0) <= session_timeout_ms);
        if self.members.len() != before {
            self.generation += 1;
        }
        self.forget_departed();
        self
    }

    /// `member` leaves.
    pub fn leave(mut self, member: &MemberId) -> GroupMembership {
        if self.members.remove(member).is_some() {
            self.generation += 1;
        }
        self.forget_departed();
        self
    }

    /// Each member's partitions of `partitions` by `strategy`.
    pub fn assignment(
        &self,
        strategy: AssignmentStrategy,
        partitions: &[TopicPartition],
    ) -> BTreeMap<MemberId, Vec<TopicPartition>> {
        let members: BTreeSet<MemberId> = self.members.keys().cloned().collect();
        assign(strategy, &members, partitions)
    }
}

#[cfg(test)]
mod membership_tests {
    use super::*;
    use crate::names::TopicName;
    use crate::types::{Mode, PartitionId};

    fn m(id: &str) -> MemberId {
        MemberId::new(id).expect("id")
    }

    #[test]
    fn joins_leaves_and_expiries_change_the_generation() {
        let g = GroupMembership::default().heartbeat(&m("a"), Timestamp(0), 3_000);
        assert_eq!(g.generation, 1);
        let g = g.heartbeat(&m("b"), Timestamp(500), 3_000);
        assert_eq!(g.generation, 2);
        // A heartbeat of a known member changes nothing.
        let g = g.heartbeat(&m("a"), Timestamp(1_000), 3_000);
        assert_eq!(g.generation, 2);
        // b fell silent: a's heartbeat after the session timeout removes it.
        let g = g.heartbeat(&m("a"), Timestamp(4_000), 3_000);
        assert_eq!((g.generation, g.members.len()), (3, 1));
        let g = g.leave(&m("a"));
        assert_eq!((g.generation, g.members.len()), (4, 0));
        assert_eq!(g.clone().leave(&m("a")).generation, 4);
    }

    #[test]
    fn every_member_computes_the_same_assignment() {
        let t = TopicName::new("t", Mode::Kafka).expect("name");
        let tps: Vec<TopicPartition> = (0..3)
            .map(|p| TopicPartition::new(t.clone(), PartitionId(p)))
            .collect();
        let g = GroupMembership::default()
            .heartbeat(&m("x"), Timestamp(0), 3_000)
            .heartbeat(&m("y"), Timestamp(0), 3_000);
        let a = g.assignment(AssignmentStrategy::Range, &tps);
        assert_eq!(a[&m("x")].len() + a[&m("y")].len(), 3);
        assert_eq!(a, g.clone().assignment(AssignmentStrategy::Range, &tps));
    }

    /// One member's turn as a consumer worker takes it: heartbeat, then claim its share.
    fn turn(
        g: GroupMembership,
        who: &MemberId,
        now: i64,
        tps: &[TopicPartition],
    ) -> GroupMembership {
        let g = g.heartbeat(who, Timestamp(now), 3_000);
        let share = g
            .assignment(AssignmentStrategy::Range, tps)
            .remove(who)
            .unwrap_or_default()
            .into_iter()
            .map(|tp| tp.partition())
            .collect();
        g.claim(who, &share)
    }

    fn partitions(n: u32) -> Vec<TopicPartition> {
        let t = TopicName::new("t", Mode::Kafka).expect("name");
        (0..n)
            .map(|p| TopicPartition::new(t.clone(), PartitionId(p)))
            .collect()
    }

    fn set(ps: &[u32]) -> BTreeSet<PartitionId> {
        ps.iter().map(|p| PartitionId(*p)).collect()
    }

    #[test]
    fn a_partition_moves_only_after_its_holder_lets_go() {
        let tps = partitions(4);
        let (a, b) = (m("a"), m("b"));
        let g = turn(GroupMembership::default(), &a, 0, &tps);
        assert_eq!(g.held_by(&a), set(&[0, 1, 2, 3]));
        // b joins: its share is 2 and 3, but a still holds them.
        let g = turn(g, &b, 100, &tps);
        assert_eq!(g.held_by(&b), set(&[]));
        assert_eq!(g.held_by(&a), set(&[0, 1, 2, 3]));
        // a's next turn lets go of 2 and 3; b's next takes them.
        let g = turn(g, &a, 200, &tps);
        assert_eq!(g.held_by(&a), set(&[0, 1]));
        let g = turn(g, &b, 300, &tps);
        assert_eq!(g.held_by(&b), set(&[2, 3]));
        // a leaves: its partitions are free at once, and b takes them on its next turn.
        let g = g.leave(&a);
        assert!(g.holders.values().all(|h| *h == b));
        let g = turn(g, &b, 400, &tps);
        assert_eq!(g.held_by(&b), set(&[0, 1, 2, 3]));
        // b falls silent; a joiner after the session timeout expires it and takes everything.
        let g = turn(g, &a, 5_000, &tps);
        assert_eq!(g.held_by(&a), set(&[0, 1, 2, 3]));
        assert!(g.held_by(&b).is_empty());
    }

    use proptest::prelude::*;

    proptest! {
        /// Members take turns (heartbeat and claim) or leave, in any order, within the session
        /// timeout: what each member holds after its own last turn (what it reads until the next)
        /// never overlaps what another holds after its, and every partition ends up held once
        /// everyone has taken two turns in a row.
        #[test]
        fn no_two_members_ever_read_one_partition(
            ops in proptest::collection::vec((0usize..4, any::<bool>()), 1..60),
            n in 1u32..7,
        ) {
            let tps = partitions(n);
            let ids: Vec<MemberId> = (0..4).map(|i| m(&format!("m{i}"))).collect();
            let mut g = GroupMembership::default();
            let mut reads: Vec<BTreeSet<PartitionId>> = vec![BTreeSet::new(); 4];
            for (now, (who, leaves)) in ops.into_iter().enumerate() {
                if leaves {
                    g = g.leave(&ids[who]);
                    reads[who].clear();
                } else {
                    g = turn(g, &ids[who], now as i64, &tps);
                    reads[who] = g.held_by(&ids[who]);
                }
                for i in 0..4 {
                    for j in (i + 1)..4 {
                        prop_assert!(reads[i].is_disjoint(&reads[j]), "{:?}", reads);
                    }
                }
            }
            // Everyone still in the group takes two more turns: nothing is left unread.
            let members: Vec<MemberId> = g.members.keys().cloned().collect();
            if !members.is_empty() {
                for _ in 0..2 {
                    for who in &members {
                        g = turn(g, who, 100, &tps);
                    }
                }
                prop_assert_eq!(g.holders.len() as u32, n);
            }
        }
    }
}
