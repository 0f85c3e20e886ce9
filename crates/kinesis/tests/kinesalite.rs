//! The Kinesis client against kinesalite, a Kinesis API emulator (npm), where kinesalite is
//! faithful to the service: shard hash-key ranges, routing by partition key and explicit hash
//! key, sequence numbers, the five iterator types, SplitShard and MergeShards (parents closed,
//! children linked), a stream busy while UPDATING, deleting. Where it differs from the service
//! (kinesalite sends no ChildShards, has no UpdateShardCount, and lets a closed shard be split
//! again), the test says so and checks Streamlab's own rule instead.
//!
//! `make test` starts kinesalite and passes its URL in `STREAMLAB_KINESALITE`; without it each
//! test starts its own (`node tests/kinesis/kinesalite.mjs`) and stops it by its PID.

#![cfg(not(target_arch = "wasm32"))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::executor::block_on;
use streamlab_kinesis::sigv4::{Credentials, HttpRequest};
use streamlab_kinesis::{
    HttpResponse, KinesisClient, KinesisError, PutEntry, StartingPosition, Transport,
};
use streamlab_log::{kinesis_hash_key, uniform_hash_key_ranges, HashKey};

/// A kinesalite to talk to: the one `make test` started, or one of this test's own.
struct Kinesalite {
    url: String,
    own: Option<Child>,
}

impl Kinesalite {
    fn start() -> Kinesalite {
        if let Ok(url) = std::env::var("STREAMLAB_KINESALITE") {
            return Kinesalite { url, own: None };
        }
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/kinesis/kinesalite.mjs"
        );
        let mut child = Command::new("node")
            .arg(script)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("node {script} did not start ({e}); run `make install`"));
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let url = line
            .split_whitespace()
            .nth(1)
            .unwrap_or_else(|| panic!("kinesalite did not say where it listens: {line:?}"))
            .to_owned();
        Kinesalite {
            url,
            own: Some(child),
        }
    }

    fn client(&self) -> KinesisClient<Socket> {
        let credentials = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "kinesalite-accepts-any-key".into(),
            session_token: None,
        };
        KinesisClient::new(&self.url, "us-east-1", credentials, Socket::default())
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for Kinesalite {
    fn drop(&mut self) {
        if let Some(child) = &mut self.own {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// HTTP/1.1 over a plain socket, one connection per request: enough for a loopback emulator.
#[derive(Default)]
struct Socket {
    seed: std::cell::Cell<u64>,
}

impl Transport for Socket {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        let host = request
            .headers
            .iter()
            .find(|(n, _)| n == "host")
            .map(|(_, v)| v.clone())
            .ok_or("no host header")?;
        let mut stream = TcpStream::connect(&host).map_err(|e| e.to_string())?;
        let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.path);
        for (name, value) in &request.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            request.body.len()
        ));
        stream
            .write_all(head.as_bytes())
            .and_then(|_| stream.write_all(&request.body))
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).map_err(|e| e.to_string())?;
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("no end of headers")?;
        let head = String::from_utf8_lossy(&answer[..split]).to_string();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or("no status")?;
        Ok(HttpResponse {
            status,
            body: answer[split + 4..].to_vec(),
        })
    }

    async fn sleep(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }

    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }

    fn random(&self) -> f64 {
        // A small LCG is plenty for jitter in a test.
        let next = self
            .seed
            .get()
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        self.seed.set(next);
        (next >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A stream name no other test uses.
fn stream(test: &str) -> String {
    format!("{test}-{}", std::process::id())
}

fn ok<T>(result: Result<T, KinesisError>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

fn entry(key: &str, data: &str) -> PutEntry {
    PutEntry {
        partition_key: key.into(),
        explicit_hash_key: None,
        data: data.as_bytes().to_vec(),
    }
}

fn shard_id(i: usize) -> String {
    format!("shardId-{i:012}")
}

/// Creates `name` with `shards` shards and waits until it is ACTIVE.
fn create(client: &KinesisClient<Socket>, name: &str, shards: u32) {
    ok(block_on(client.create_stream(name, shards)));
    ok(block_on(client.wait_until_active(name, 100, 50)));
}

/// Every record of `shard` from `from`, following the iterators until the shard's end (closed)
/// or an empty read (open).
fn read_all(
    client: &KinesisClient<Socket>,
    name: &str,
    shard: &str,
    from: StartingPosition,
) -> (Vec<(String, String, String)>, bool) {
    let mut iterator = Some(ok(block_on(client.get_shard_iterator(name, shard, &from))));
    let mut out = Vec::new();
    while let Some(it) = iterator {
        let read = ok(block_on(client.get_records(&it, Some(1000))));
        let empty = read.records.is_empty();
        out.extend(read.records.into_iter().map(|r| {
            (
                r.sequence_number,
                r.partition_key,
                String::from_utf8_lossy(&r.data).into_owned(),
            )
        }));
        iterator = read.next_iterator;
        if empty && iterator.is_some() {
            return (out, false);
        }
    }
    (out, true)
}

/// A sequence number in a form that orders as the number does: the service's are decimal
/// integers of up to 129 digits (beyond `u128`), so compare length first, then the digits.
fn sequence(s: &str) -> (usize, &str) {
    assert!(
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        "'{s}' is not a sequence number"
    );
    (s.len(), s)
}

#[test]
fn a_new_stream_splits_the_hash_keys_as_streamlab_does() {
    let lab = Kinesalite::start();
    let client = lab.client();
    let name = stream("ranges");
    create(&client, &name, 4);
    let shards = ok(block_on(client.list_shards(&name)));
    let ours = uniform_hash_key_ranges(4);
    assert_eq!(shards.len(), 4);
    for (i, (theirs, ours)) in shards.iter().zip(&ours).enumerate() {
        assert_eq!(theirs.shard_id, shard_id(i));
        assert_eq!(
            (
                theirs.hash_key_range.starting_hash_key.as_str(),
                theirs.hash_key_range.ending_hash_key.as_str()
            ),
            (
                ours.starting_hash_key.0.to_string().as_str(),
                ours.ending_hash_key.0.to_string().as_str()
            ),
            "shard {i}"
        );
        assert_eq!(theirs.sequence_number_range.ending_sequence_number, None);
    }
    let summary = ok(block_on(client.describe_stream_summary(&name)));
    assert_eq!(
        (summary.stream_status.as_str(), summary.open_shard_count),
        ("ACTIVE", 4)
    );
}

#[test]
fn records_go_to_the_shard_streamlab_routes_them_to() {
    let lab = Kinesalite::start();
    let client = lab.client();
    let name = stream("routing");
    create(&client, &name, 4);
    let ranges = uniform_hash_key_ranges(4);
    let ours = |key: HashKey| ranges.iter().position(|r| r.contains(key));
    let entries: Vec<PutEntry> = (0..200)
        .map(|n| entry(&format!("customer-{n}"), &format!("order {n}")))
        .collect();
    let results = ok(block_on(client.put_records(&name, &entries)));
    let mut per_shard = [0; 4];
    for (e, result) in entries.iter().zip(&results) {
        let put = result.as_ref().unwrap_or_else(|e| panic!("{e}"));
        let key = ok_key(kinesis_hash_key(&e.partition_key));
        let expected = ours(key).map(shard_id);
        assert_eq!(
            Some(&put.shard_id),
            expected.as_ref(),
            "{}",
            e.partition_key
        );
        per_shard[ours(key).unwrap_or_default()] += 1;
    }
    // 200 keys spread over every shard.
    assert!(per_shard.iter().all(|&n| n > 20), "{per_shard:?}");
    // An explicit hash key wins over the partition key.
    let explicit = PutEntry {
        explicit_hash_key: Some(ranges[3].starting_hash_key.0.to_string()),
        ..entry("customer-0", "to the last shard")
    };
    let put = ok(block_on(client.put_record(&name, &explicit)));
    assert_eq!(put.shard_id, shard_id(3));
}

fn ok_key<E: std::fmt::Display>(key: Result<HashKey, E>) -> HashKey {
    key.unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_shard_reads_back_in_order_from_each_iterator_type() {
    let lab = Kinesalite::start();
    let client = lab.client();
    let name = stream("iterators");
    create(&client, &name, 1);
    let first: Vec<PutEntry> = (0..10).map(|n| entry("k", &format!("v{n}"))).collect();
    ok(block_on(client.put_records(&name, &first)));
    std::thread::sleep(Duration::from_millis(50));
    let between = Socket::default().now_ms();
    std::thread::sleep(Duration::from_millis(50));
    ok(block_on(client.put_record(&name, &entry("k", "v10"))));
    let shard = shard_id(0);

    let (all, closed) = read_all(&client, &name, &shard, StartingPosition::TrimHorizon);
    assert!(!closed);
    let values: Vec<&str> = all.iter().map(|(_, _, v)| v.as_str()).collect();
    let expected: Vec<String> = (0..=10).map(|n| format!("v{n}")).collect();
    assert_eq!(values, expected);
    assert!(all
        .windows(2)
        .all(|w| sequence(&w[0].0) < sequence(&w[1].0)));

    let fifth = all[4].0.clone();
    let (at, _) = read_all(
        &client,
        &name,
        &shard,
        StartingPosition::AtSequenceNumber(fifth.clone()),
    );
    assert_eq!(at.first().map(|r| r.2.as_str()), Some("v4"));
    assert_eq!(at.len(), 7);
    let (after, _) = read_all(
        &client,
        &name,
        &shard,
        StartingPosition::AfterSequenceNumber(fifth),
    );
    assert_eq!(after.first().map(|r| r.2.as_str()), Some("v5"));
    let (since, _) = read_all(
        &client,
        &name,
        &shard,
        StartingPosition::AtTimestamp(between),
    );
    assert_eq!(
        since.iter().map(|r| r.2.as_str()).collect::<Vec<_>>(),
        ["v10"]
    );

    // LATEST sees only what comes after the iterator.
    let latest = ok(block_on(client.get_shard_iterator(
        &name,
        &shard,
        &StartingPosition::Latest,
    )));
    let nothing = ok(block_on(client.get_records(&latest, None)));
    assert!(nothing.records.is_empty());
    ok(block_on(client.put_record(&name, &entry("k", "v11"))));
    let next = nothing.next_iterator.unwrap_or_default();
    let later = ok(block_on(client.get_records(&next, None)));
    assert_eq!(
        later
            .records
            .iter()
            .map(|r| r.data.clone())
            .collect::<Vec<_>>(),
        [b"v11".to_vec()]
    );
}

#[test]
fn a_split_closes_the_parent_and_its_reader_reaches_the_children() {
    let lab = Kinesalite::start();
    let client = lab.client();
    let name = stream("split");
    create(&client, &name, 2);
    let before: Vec<PutEntry> = (0..30)
        .map(|n| entry(&format!("k{n}"), &format!("before {n}")))
        .collect();
    ok(block_on(client.put_records(&name, &before)));
    let shards = ok(block_on(client.list_shards(&name)));
    let parent = &shards[0];
    let start: u128 = parent
        .hash_key_range
        .starting_hash_key
        .parse()
        .unwrap_or_default();
    let end: u128 = parent
        .hash_key_range
        .ending_hash_key
        .parse()
        .unwrap_or_default();
    let at = start + (end - start) / 2 + 1;
    ok(block_on(client.split_shard(&name, &parent.shard_id, at)));

    // While the stream is UPDATING, another reshard is refused as the service refuses it.
    let busy = block_on(client.split_shard(&name, &shards[1].shard_id, at + (1 << 120)));
    assert!(
        matches!(busy, Err(KinesisError::ResourceInUse(_))),
        "{busy:?}"
    );
    ok(block_on(client.wait_until_active(&name, 100, 50)));

    let after = ok(block_on(client.list_shards(&name)));
    assert_eq!(after.len(), 4);
    assert!(
        after[0]
            .sequence_number_range
            .ending_sequence_number
            .is_some(),
        "the parent is closed"
    );
    let children: Vec<_> = after
        .iter()
        .filter(|s| s.parent_shard_id.as_deref() == Some(parent.shard_id.as_str()))
        .collect();
    let ranges: Vec<(String, String)> = children
        .iter()
        .map(|c| {
            (
                c.hash_key_range.starting_hash_key.clone(),
                c.hash_key_range.ending_hash_key.clone(),
            )
        })
        .collect();
    assert_eq!(
        ranges,
        [
            (start.to_string(), (at - 1).to_string()),
            (at.to_string(), end.to_string())
        ]
    );

    // The parent's reader reads everything it held, then its iterator ends.
    let (held, closed) = read_all(
        &client,
        &name,
        &parent.shard_id,
        StartingPosition::TrimHorizon,
    );
    assert!(closed, "a closed shard's last read has no next iterator");
    let in_parent = before
        .iter()
        .filter(|e| {
            let key = ok_key(kinesis_hash_key(&e.partition_key)).0;
            (start..=end).contains(&key)
        })
        .count();
    assert_eq!(held.len(), in_parent);

    // New records for the parent's keys go to the children.
    let put = ok(block_on(client.put_records(&name, &before)));
    for (e, p) in before.iter().zip(put) {
        let p = p.unwrap_or_else(|e| panic!("{e}"));
        let key = ok_key(kinesis_hash_key(&e.partition_key)).0;
        if (start..=end).contains(&key) {
            let child = if key < at { &children[0] } else { &children[1] };
            assert_eq!(p.shard_id, child.shard_id);
        }
    }
}

#[test]
fn a_merge_makes_one_child_of_two_adjacent_shards() {
    let lab = Kinesalite::start();
    let client = lab.client();
    let name = stream("merge");
    create(&client, &name, 3);
    ok(block_on(client.merge_shards(
        &name,
        &shard_id(1),
        &shard_id(2),
    )));
    ok(block_on(client.wait_until_active(&name, 100, 50)));
    let shards = ok(block_on(client.list_shards(&name)));
    let ranges = uniform_hash_key_ranges(3);
    let child = shards
        .iter()
        .find(|s| s.adjacent_parent_shard_id.is_some())
        .unwrap_or_else(|| panic!("no merged child in {shards:?}"));
    assert_eq!(child.parent_shard_id.as_deref(), Some(shard_id(1).as_str()));
    assert_eq!(
        child.adjacent_parent_shard_id.as_deref(),
        Some(shard_id(2).as_str())
    );
    assert_eq!(
        child.hash_key_range.starting_hash_key,
        ranges[1].starting_hash_key.0.to_string()
    );
    assert_eq!(
        child.hash_key_range.ending_hash_key,
        ranges[2].ending_hash_key.0.to_string()
    );
    assert_eq!(
        ok(block_on(client.describe_stream_summary(&name))).open_shard_count,
        2
    );
}

#[test]
fn streams_are_created_once_and_deleted_for_good() {
    let lab = Kinesalite::start();
    let client = lab.client();
    let name = stream("lifecycle");
    create(&client, &name, 1);
    let again = block_on(client.create_stream(&name, 1));
    assert!(
        matches!(again, Err(KinesisError::ResourceInUse(_))),
        "{again:?}"
    );
    ok(block_on(client.delete_stream(&name)));
    let mut gone = Ok(());
    for _ in 0..50 {
        match block_on(client.describe_stream_summary(&name)) {
            Err(KinesisError::ResourceNotFound(_)) => {
                gone = Err(());
                break;
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    assert_eq!(gone, Err(()), "the stream never went away");
    let missing = block_on(client.put_record(&name, &entry("k", "v")));
    assert!(
        matches!(missing, Err(KinesisError::ResourceNotFound(_))),
        "{missing:?}"
    );
}

#[test]
fn where_kinesalite_differs_from_the_service_streamlab_keeps_the_services_rule() {
    let lab = Kinesalite::start();
    let client = lab.client();
    let name = stream("differs");
    create(&client, &name, 1);
    let parent = shard_id(0);
    ok(block_on(client.split_shard(&name, &parent, 1 << 127)));
    ok(block_on(client.wait_until_active(&name, 100, 50)));

    // The service refuses to split a closed shard; kinesalite does not.
    let again = block_on(client.split_shard(&name, &parent, 1 << 126));
    assert!(
        again.is_ok(),
        "kinesalite now refuses it too; use the service's rule here: {again:?}"
    );
    // Streamlab's own log refuses it, as the service does.
    let config = streamlab_log::TopicConfig::new(&name, streamlab_log::Mode::Kinesis, 1)
        .unwrap_or_else(|e| panic!("{e}"));
    let meta = streamlab_log::TopicMetadata {
        partitions: config.initial_partitions(),
        config,
    };
    let split = streamlab_log::split_shard(&meta, streamlab_log::PartitionId(0), HashKey(1 << 127))
        .unwrap_or_else(|e| panic!("{e}"));
    let closed_again =
        streamlab_log::split_shard(&split, streamlab_log::PartitionId(0), HashKey(1 << 126));
    assert!(closed_again.is_err());

    // No UpdateShardCount in kinesalite.
    let scale = block_on(client.update_shard_count(&name, 4));
    assert!(
        matches!(&scale, Err(KinesisError::Service { kind, .. } | KinesisError::Invalid { kind, .. }) if kind.contains("UnknownOperation")),
        "{scale:?}"
    );
}
