//! The Kinesis behavioural suite, one set of checks for every backend of [`Streams`]:
//! Streamlab's log on the memory store (natively) and on IndexedDB (in Chromium), and a Kinesis
//! endpoint (kinesalite, natively and over `fetch`). It covers what kinesalite is faithful in:
//! new streams' hash-key ranges, routing by partition key and explicit hash key, sequence numbers
//! in order, the five iterator types, SplitShard and MergeShards lineage, a closed shard's
//! reader ending, deleting. [`for_each_stream_check!`] lists the
//! checks, so a harness runs every one. Each takes a stream name no other check uses.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use streamlab_log::uniform_hash_key_ranges;

use std::cell::RefCell;
use std::collections::BTreeMap;

use streamlab_kinesis::consumer::{consume, Checkpoints, Run, SHARD_END};
use streamlab_kinesis::streams::{owner, shard_id, ShardInfo, Streams};
use streamlab_kinesis::{PutEntry, StartingPosition};

/// Calls `$check!(name)` for every check of the suite.
#[macro_export]
macro_rules! for_each_stream_check {
    ($check:ident) => {
        $check!(new_streams_split_the_hash_keys_uniformly);
        $check!(records_go_to_the_shard_owning_their_hash_key);
        $check!(a_shard_reads_back_in_order_from_each_iterator_type);
        $check!(a_split_closes_the_parent_and_its_reader_ends_before_the_children);
        $check!(a_merge_makes_one_child_of_two_adjacent_shards);
        $check!(a_deleted_stream_is_gone);
        $check!(a_consumer_application_resumes_after_its_checkpoints_across_a_split);
    };
}

fn entry(key: &str, data: &str) -> PutEntry {
    PutEntry {
        partition_key: key.into(),
        explicit_hash_key: None,
        data: data.as_bytes().to_vec(),
    }
}

/// Sequence numbers are decimal integers of up to 129 digits: order by length, then digits.
fn sequence_order(s: &str) -> (usize, &str) {
    assert!(
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        "'{s}' is not a sequence number"
    );
    (s.len(), s)
}

/// Every record of `shard` from `from`: follows the iterators until an empty read (an open
/// shard's newest record) or the end (a closed shard). Returns the records and whether the
/// shard's end was reached.
async fn read_all<A: Streams>(
    api: &A,
    name: &str,
    shard: &str,
    from: StartingPosition,
) -> (Vec<(String, String, Vec<u8>)>, bool) {
    let mut iterator = Some(api.iterator(name, shard, &from).await.unwrap());
    let mut out = Vec::new();
    while let Some(it) = iterator {
        let read = api.read(&it).await.unwrap();
        let empty = read.records.is_empty();
        out.extend(read.records);
        iterator = read.next;
        if empty && iterator.is_some() {
            return (out, false);
        }
    }
    (out, true)
}

async fn shards<A: Streams>(api: &A, name: &str) -> Vec<ShardInfo> {
    api.shards(name).await.unwrap()
}

pub async fn new_streams_split_the_hash_keys_uniformly<A: Streams>(api: &A, name: &str) {
    api.create_stream(name, 4).await.unwrap();
    let listed = shards(api, name).await;
    let ours = uniform_hash_key_ranges(4);
    assert_eq!(listed.len(), 4);
    for (i, (shard, range)) in listed.iter().zip(&ours).enumerate() {
        assert_eq!(shard.shard_id, shard_id(i as u32));
        assert_eq!(
            (shard.starting_hash_key, shard.ending_hash_key),
            (range.starting_hash_key.0, range.ending_hash_key.0),
            "shard {i}"
        );
        assert!(!shard.closed && shard.parents.is_empty());
    }
}

pub async fn records_go_to_the_shard_owning_their_hash_key<A: Streams>(api: &A, name: &str) {
    api.create_stream(name, 4).await.unwrap();
    let listed = shards(api, name).await;
    let entries: Vec<PutEntry> = (0..100)
        .map(|n| entry(&format!("customer-{n}"), &format!("order {n}")))
        .collect();
    let placed = api.put(name, &entries).await.unwrap();
    let mut used = std::collections::BTreeSet::new();
    for (e, p) in entries.iter().zip(&placed) {
        let expected = owner(&listed, &e.partition_key).map(|s| s.shard_id.clone());
        assert_eq!(Some(&p.shard_id), expected.as_ref(), "{}", e.partition_key);
        used.insert(p.shard_id.clone());
    }
    assert_eq!(used.len(), 4, "100 keys reach every shard");
    // An explicit hash key wins over the partition key's hash.
    let last = &listed[3];
    let explicit = PutEntry {
        explicit_hash_key: Some(last.starting_hash_key.to_string()),
        ..entry("customer-0", "to the last shard")
    };
    let placed = api.put(name, &[explicit]).await.unwrap();
    assert_eq!(placed[0].shard_id, last.shard_id);
}

pub async fn a_shard_reads_back_in_order_from_each_iterator_type<A: Streams>(api: &A, name: &str) {
    api.create_stream(name, 1).await.unwrap();
    let first: Vec<PutEntry> = (0..10).map(|n| entry("k", &format!("v{n}"))).collect();
    api.put(name, &first).await.unwrap();
    api.sleep(50).await;
    let between = api.now_ms();
    api.sleep(50).await;
    api.put(name, &[entry("k", "v10")]).await.unwrap();
    let shard = shard_id(0);
    let values = |records: &[(String, String, Vec<u8>)]| {
        records
            .iter()
            .map(|r| String::from_utf8_lossy(&r.2).into_owned())
            .collect::<Vec<_>>()
    };

    let (all, ended) = read_all(api, name, &shard, StartingPosition::TrimHorizon).await;
    assert!(!ended, "an open shard does not end");
    let expected: Vec<String> = (0..=10).map(|n| format!("v{n}")).collect();
    assert_eq!(values(&all), expected);
    assert!(all.iter().all(|r| r.1 == "k"));
    assert!(all
        .windows(2)
        .all(|w| sequence_order(&w[0].0) < sequence_order(&w[1].0)));

    let fifth = all[4].0.clone();
    let (at, _) = read_all(
        api,
        name,
        &shard,
        StartingPosition::AtSequenceNumber(fifth.clone()),
    )
    .await;
    assert_eq!(values(&at), expected[4..]);
    let (after, _) = read_all(
        api,
        name,
        &shard,
        StartingPosition::AfterSequenceNumber(fifth),
    )
    .await;
    assert_eq!(values(&after), expected[5..]);
    let (since, _) = read_all(api, name, &shard, StartingPosition::AtTimestamp(between)).await;
    assert_eq!(values(&since), ["v10"]);

    // LATEST sees only what is put after the iterator was taken.
    let latest = api
        .iterator(name, &shard, &StartingPosition::Latest)
        .await
        .unwrap();
    let nothing = api.read(&latest).await.unwrap();
    assert!(nothing.records.is_empty());
    api.put(name, &[entry("k", "v11")]).await.unwrap();
    let later = api.read(&nothing.next.unwrap()).await.unwrap();
    assert_eq!(values(&later.records), ["v11"]);
}

pub async fn a_split_closes_the_parent_and_its_reader_ends_before_the_children<A: Streams>(
    api: &A,
    name: &str,
) {
    api.create_stream(name, 2).await.unwrap();
    let before: Vec<PutEntry> = (0..40)
        .map(|n| entry(&format!("k{n}"), &format!("before {n}")))
        .collect();
    api.put(name, &before).await.unwrap();
    let listed = shards(api, name).await;
    let parent = listed[0].clone();
    let in_parent: Vec<String> = before
        .iter()
        .filter(|e| owner(&listed, &e.partition_key).map(|s| &s.shard_id) == Some(&parent.shard_id))
        .map(|e| String::from_utf8_lossy(&e.data).into_owned())
        .collect();
    let at = parent.starting_hash_key + (parent.ending_hash_key - parent.starting_hash_key) / 2 + 1;
    api.split(name, &parent.shard_id, at).await.unwrap();

    let after = shards(api, name).await;
    assert_eq!(after.len(), 4);
    assert!(after[0].closed, "the parent is closed");
    let children: Vec<&ShardInfo> = after
        .iter()
        .filter(|s| s.parents == [parent.shard_id.clone()])
        .collect();
    assert_eq!(
        children
            .iter()
            .map(|c| (c.starting_hash_key, c.ending_hash_key))
            .collect::<Vec<_>>(),
        [
            (parent.starting_hash_key, at - 1),
            (at, parent.ending_hash_key)
        ]
    );

    // The parent's reader gets exactly what the parent held, in order, and then its end.
    let (held, ended) = read_all(api, name, &parent.shard_id, StartingPosition::TrimHorizon).await;
    assert!(ended, "a closed shard's reader ends");
    let held: Vec<String> = held
        .iter()
        .map(|r| String::from_utf8_lossy(&r.2).into_owned())
        .collect();
    assert_eq!(held, in_parent);

    // New records for the parent's hash keys go to the children.
    let again = api.put(name, &before).await.unwrap();
    for (e, p) in before.iter().zip(again) {
        let expected = owner(&after, &e.partition_key).map(|s| s.shard_id.clone());
        assert_eq!(Some(p.shard_id), expected, "{}", e.partition_key);
    }
}

pub async fn a_merge_makes_one_child_of_two_adjacent_shards<A: Streams>(api: &A, name: &str) {
    api.create_stream(name, 3).await.unwrap();
    api.merge(name, &shard_id(1), &shard_id(2)).await.unwrap();
    let listed = shards(api, name).await;
    let ranges = uniform_hash_key_ranges(3);
    let child = listed
        .iter()
        .find(|s| s.parents.len() == 2)
        .expect("a merged child");
    assert_eq!(child.parents, [shard_id(1), shard_id(2)]);
    assert_eq!(
        (child.starting_hash_key, child.ending_hash_key),
        (ranges[1].starting_hash_key.0, ranges[2].ending_hash_key.0)
    );
    assert!(listed[1].closed && listed[2].closed && !child.closed);
    assert_eq!(listed.iter().filter(|s| !s.closed).count(), 2);
}

pub async fn a_deleted_stream_is_gone<A: Streams>(api: &A, name: &str) {
    api.create_stream(name, 1).await.unwrap();
    assert!(
        api.create_stream(name, 1).await.is_err(),
        "a stream is created once"
    );
    api.delete_stream(name).await.unwrap();
    // The service deletes in the background (DELETING, then gone).
    let mut gone = false;
    for _ in 0..50 {
        if api.shards(name).await.is_err() {
            gone = true;
            break;
        }
        api.sleep(100).await;
    }
    assert!(gone, "the stream never went away");
    assert!(api.put(name, &[entry("k", "v")]).await.is_err());
}

/// A lease table in memory.
#[derive(Default)]
struct MapCheckpoints(RefCell<BTreeMap<String, String>>);

impl Checkpoints for MapCheckpoints {
    async fn load(&self) -> Result<BTreeMap<String, String>, String> {
        Ok(self.0.borrow().clone())
    }
    async fn save(&self, shard_id: &str, checkpoint: &str) -> Result<(), String> {
        self.0
            .borrow_mut()
            .insert(shard_id.to_owned(), checkpoint.to_owned());
        Ok(())
    }
}

pub async fn a_consumer_application_resumes_after_its_checkpoints_across_a_split<A: Streams>(
    api: &A,
    name: &str,
) {
    api.create_stream(name, 2).await.unwrap();
    let leases = MapCheckpoints::default();
    let batch = |from: usize, to: usize| -> Vec<PutEntry> {
        (from..to)
            .map(|n| entry(&format!("k{}", n % 7), &format!("r{n}")))
            .collect()
    };
    let data = |run: &Run| -> Vec<String> {
        run.records
            .iter()
            .map(|r| String::from_utf8_lossy(&r.data).into_owned())
            .collect()
    };
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut keep = |run: &Run| {
        seen.extend(run.records.iter().map(|r| {
            (
                r.partition_key.clone(),
                String::from_utf8_lossy(&r.data).into_owned(),
            )
        }))
    };

    api.put(name, &batch(0, 20)).await.unwrap();
    let first = consume(api, name, &leases, 10_000).await.unwrap();
    assert_eq!(first.records.len(), 20);
    assert_eq!(first.checkpoints.len(), 2, "both shards checkpointed");
    keep(&first);
    let again = consume(api, name, &leases, 10_000).await.unwrap();
    assert!(
        again.records.is_empty(),
        "nothing twice: {:?}",
        data(&again)
    );

    api.put(name, &batch(20, 25)).await.unwrap();
    let second = consume(api, name, &leases, 10_000).await.unwrap();
    let mut got = data(&second);
    got.sort();
    assert_eq!(got, ["r20", "r21", "r22", "r23", "r24"]);
    keep(&second);

    // After a split the parent is read to its end (SHARD_END) before its children.
    let parent = shards(api, name).await[0].clone();
    let at = parent.starting_hash_key + (parent.ending_hash_key - parent.starting_hash_key) / 2 + 1;
    api.split(name, &parent.shard_id, at).await.unwrap();
    api.put(name, &batch(25, 45)).await.unwrap();
    let third = consume(api, name, &leases, 10_000).await.unwrap();
    assert_eq!(third.records.len(), 20);
    assert_eq!(
        third.checkpoints.get(&parent.shard_id).map(String::as_str),
        Some(SHARD_END)
    );
    keep(&third);
    assert!(consume(api, name, &leases, 10_000)
        .await
        .unwrap()
        .records
        .is_empty());

    // Every record once, and each partition key's records in the order they were put.
    assert_eq!(seen.len(), 45);
    for key in 0..7 {
        let key = format!("k{key}");
        let order: Vec<usize> = seen
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, d)| d[1..].parse().unwrap())
            .collect();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(order, sorted, "{key}'s records in put order");
    }
}
