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
mod common;

use futures::executor::block_on;
use streamlab_kinesis::sigv4::{Credentials, HttpRequest};
use streamlab_kinesis::{HttpResponse, KinesisClient, KinesisError, Transport};
use streamlab_kinesis_suite::{self as suite, for_each_stream_check};
use streamlab_log::HashKey;

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
        common::sleep_ms(ms);
    }

    fn now_ms(&self) -> i64 {
        common::now_ms()
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

fn shard_id(i: usize) -> String {
    format!("shardId-{i:012}")
}

/// Creates `name` with `shards` shards and waits until it is ACTIVE.
fn create(client: &KinesisClient<Socket>, name: &str, shards: u32) {
    ok(block_on(client.create_stream(name, shards)));
    ok(block_on(client.wait_until_active(name, 100, 50)));
}

macro_rules! against_kinesalite {
    ($name:ident) => {
        #[test]
        fn $name() {
            let lab = Kinesalite::start();
            let client = lab.client();
            block_on(suite::$name(&client, &stream(stringify!($name))));
        }
    };
}

// The suite Streamlab's own log passes (tests/suite_memory.rs, and on IndexedDB in Chromium).
for_each_stream_check!(against_kinesalite);

#[test]
fn streams_are_listed_and_a_reshard_is_refused_while_the_stream_is_updating() {
    let lab = Kinesalite::start();
    let client = lab.client();
    let name = stream("updating");
    create(&client, &name, 2);
    assert!(ok(block_on(client.list_streams())).contains(&name));
    ok(block_on(client.split_shard(&name, &shard_id(0), 1 << 126)));
    // While the stream is UPDATING, another reshard is refused as the service refuses it.
    let busy = block_on(client.split_shard(&name, &shard_id(1), (1 << 127) + (1 << 126)));
    assert!(
        matches!(busy, Err(KinesisError::ResourceInUse(_))),
        "{busy:?}"
    );
    ok(block_on(client.wait_until_active(&name, 100, 50)));
    let summary = ok(block_on(client.describe_stream_summary(&name)));
    assert_eq!(
        (summary.stream_status.as_str(), summary.open_shard_count),
        ("ACTIVE", 3)
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

    // Likewise a merge of two shards a merge already closed.
    let merged = stream("differs-merge");
    create(&client, &merged, 2);
    ok(block_on(client.merge_shards(
        &merged,
        &shard_id(0),
        &shard_id(1),
    )));
    ok(block_on(client.wait_until_active(&merged, 100, 50)));
    let again = block_on(client.merge_shards(&merged, &shard_id(0), &shard_id(1)));
    assert!(
        again.is_ok(),
        "kinesalite now refuses it too; use the service's rule here: {again:?}"
    );
    let config = streamlab_log::TopicConfig::new(&merged, streamlab_log::Mode::Kinesis, 2)
        .unwrap_or_else(|e| panic!("{e}"));
    let two = streamlab_log::TopicMetadata {
        partitions: config.initial_partitions(),
        config,
    };
    let (a, b) = (streamlab_log::PartitionId(0), streamlab_log::PartitionId(1));
    let once = streamlab_log::merge_shards(&two, a, b).unwrap_or_else(|e| panic!("{e}"));
    assert!(streamlab_log::merge_shards(&once, a, b).is_err());

    // No UpdateShardCount in kinesalite.
    let scale = block_on(client.update_shard_count(&name, 4));
    assert!(
        matches!(&scale, Err(KinesisError::Service { kind, .. } | KinesisError::Invalid { kind, .. }) if kind.contains("UnknownOperation")),
        "{scale:?}"
    );
}
