//! A consumer group's values: its id and members' ids, a committed offset, the membership the
//! store keeps, and how partitions are assigned to members (pure, below the storage trait).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::names::TopicPartition;
use crate::types::{Offset, PartitionId, Timestamp};

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

/// A consumer group's committed position in one partition (Kinesis: a shard's checkpoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommittedOffset {
    /// The next offset the group will read.
    pub offset: Offset,
    /// Free text the consumer attached (Kafka's commit metadata).
    pub metadata: String,
    /// When the commit happened.
    pub commit_time: Timestamp,
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
