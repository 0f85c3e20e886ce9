//! The client against a scripted transport: signing, paging, retries and the errors it types.

use super::*;
use std::cell::RefCell;

#[test]
fn endpoints_are_split_for_signing() {
    let e = Endpoint::parse("http://127.0.0.1:4567").ok();
    assert_eq!(
        e,
        Some(Endpoint {
            url: "http://127.0.0.1:4567".into(),
            host: "127.0.0.1:4567".into(),
            path: "/".into()
        })
    );
    let aws = Endpoint::parse(" https://kinesis.eu-west-1.amazonaws.com/ ").ok();
    assert_eq!(
        aws.map(|e| e.host),
        Some("kinesis.eu-west-1.amazonaws.com".into())
    );
    for bad in [
        "kinesis.amazonaws.com",
        "ftp://x",
        "http://",
        "http://a b",
        "http://h/?q=1",
    ] {
        assert_eq!(
            Endpoint::parse(bad),
            Err(KinesisError::BadEndpoint(bad.trim().into())),
            "{bad}"
        );
    }
}

#[test]
fn backoff_grows_per_attempt_up_to_the_cap_with_full_jitter() {
    let p = RetryPolicy::default();
    assert_eq!(p.backoff_ms(1, false, 0.999_999), 199);
    assert_eq!(p.backoff_ms(2, true, 0.5), 1000);
    assert_eq!(p.backoff_ms(30, true, 1.0), 20_000);
    assert_eq!(p.backoff_ms(3, false, 0.0), 0);
}

/// A transport that answers from a script and records what it was sent and how long it
/// slept.
struct Scripted {
    answers: RefCell<Vec<HttpResponse>>,
    sent: RefCell<Vec<HttpRequest>>,
    slept: RefCell<Vec<u64>>,
}

impl Scripted {
    fn new(answers: &[(u16, &str)]) -> Scripted {
        Scripted {
            answers: RefCell::new(
                answers
                    .iter()
                    .rev()
                    .map(|(s, b)| HttpResponse {
                        status: *s,
                        body: b.as_bytes().to_vec(),
                    })
                    .collect(),
            ),
            sent: RefCell::new(Vec::new()),
            slept: RefCell::new(Vec::new()),
        }
    }
}

impl Transport for Scripted {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        self.sent.borrow_mut().push(request.clone());
        self.answers
            .borrow_mut()
            .pop()
            .ok_or_else(|| "connection refused".to_owned())
    }
    async fn sleep(&self, ms: u64) {
        self.slept.borrow_mut().push(ms);
    }
    fn now_ms(&self) -> i64 {
        1_440_938_160_000
    }
    fn random(&self) -> f64 {
        0.5
    }
}

fn client(answers: &[(u16, &str)]) -> KinesisClient<Scripted> {
    let credentials = Credentials {
        access_key_id: "AKID".into(),
        secret_access_key: "secret".into(),
        session_token: None,
    };
    let c = KinesisClient::new(
        "http://127.0.0.1:4567",
        "us-east-1",
        credentials,
        Scripted::new(answers),
    );
    match c {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

const THROTTLED: (u16, &str) = (
    400,
    r#"{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded"}"#,
);

#[test]
fn calls_are_signed_json_1_1_with_the_operation_as_target() {
    let c = client(&[(
        200,
        r#"{"ShardId":"shardId-000000000001","SequenceNumber":"49"}"#,
    )]);
    let entry = PutEntry {
        partition_key: "alice".into(),
        explicit_hash_key: None,
        data: b"hi".to_vec(),
    };
    let out = futures::executor::block_on(c.put_record("s", &entry));
    assert_eq!(
        out,
        Ok(PutResult {
            shard_id: "shardId-000000000001".into(),
            sequence_number: "49".into()
        })
    );
    let sent = c.transport().sent.borrow();
    let header = |n: &str| {
        sent[0]
            .headers
            .iter()
            .find(|(h, _)| h == n)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        header("x-amz-target").as_deref(),
        Some("Kinesis_20131202.PutRecord")
    );
    assert_eq!(
        header("content-type").as_deref(),
        Some("application/x-amz-json-1.1")
    );
    assert_eq!(header("x-amz-date").as_deref(), Some("20150830T123600Z"));
    assert!(header("authorization").is_some_and(|a| a.starts_with(
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
    )));
    assert_eq!(
        String::from_utf8_lossy(&sent[0].body),
        r#"{"StreamName":"s","Data":"aGk=","PartitionKey":"alice"}"#
    );
}

#[test]
fn throttling_is_retried_with_backoff_then_reported_with_the_attempts() {
    let c = client(&[THROTTLED, THROTTLED, THROTTLED]);
    let out = futures::executor::block_on(c.describe_stream_summary("s"));
    assert_eq!(
        out,
        Err(KinesisError::Throttled {
            kind: "ProvisionedThroughputExceededException".into(),
            message: "Rate exceeded".into(),
            attempts: 3
        })
    );
    // Half of 500 · 2 and of 500 · 4.
    assert_eq!(*c.transport().slept.borrow(), vec![500, 1000]);
}

#[test]
fn a_retry_that_succeeds_returns_the_answer() {
    let summary = r#"{"StreamDescriptionSummary":{"StreamName":"s","StreamStatus":"ACTIVE","OpenShardCount":4,"RetentionPeriodHours":24}}"#;
    let c = client(&[(500, "oops"), (200, summary)]);
    let out = futures::executor::block_on(c.describe_stream_summary("s"));
    assert_eq!(out.map(|s| s.open_shard_count), Ok(4));
    assert_eq!(*c.transport().slept.borrow(), vec![100]);
}

#[test]
fn errors_that_retrying_cannot_fix_are_not_retried() {
    let c = client(&[(
        400,
        r#"{"__type":"ResourceInUseException","message":"Stream s is UPDATING"}"#,
    )]);
    let out = futures::executor::block_on(c.split_shard("s", "shardId-000000000000", 1));
    assert_eq!(
        out,
        Err(KinesisError::ResourceInUse("Stream s is UPDATING".into()))
    );
    assert!(c.transport().slept.borrow().is_empty());
}

#[test]
fn put_records_sends_again_only_the_refused_records() {
    let first = r#"{"FailedRecordCount":1,"Records":[{"ShardId":"shardId-000000000000","SequenceNumber":"1"},{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded"},{"ShardId":"shardId-000000000000","SequenceNumber":"2"}]}"#;
    let second = r#"{"FailedRecordCount":0,"Records":[{"ShardId":"shardId-000000000001","SequenceNumber":"3"}]}"#;
    let c = client(&[(200, first), (200, second)]);
    let entries: Vec<PutEntry> = ["a", "b", "c"]
        .iter()
        .map(|k| PutEntry {
            partition_key: k.to_string(),
            explicit_hash_key: None,
            data: k.as_bytes().to_vec(),
        })
        .collect();
    let out = futures::executor::block_on(c.put_records("s", &entries));
    let sequences: Vec<Option<String>> = out
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.ok().map(|p| p.sequence_number))
        .collect();
    assert_eq!(
        sequences,
        vec![Some("1".into()), Some("3".into()), Some("2".into())]
    );
    let sent = c.transport().sent.borrow();
    assert!(String::from_utf8_lossy(&sent[1].body)
        .contains(r#""Records":[{"Data":"Yg==","PartitionKey":"b"}]"#));
    assert_eq!(*c.transport().slept.borrow(), vec![500]);
}

#[test]
fn the_end_of_a_closed_shard_names_its_children() {
    let end = r#"{"Records":[],"MillisBehindLatest":0,"ChildShards":[{"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"}},{"ShardId":"shardId-000000000003","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"2","EndingHashKey":"3"}}]}"#;
    let c = client(&[(200, end)]);
    let read = futures::executor::block_on(c.get_records("it", Some(10)));
    let read = read.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.next_iterator, None);
    assert_eq!(
        read.child_shards,
        Some(vec![
            "shardId-000000000002".into(),
            "shardId-000000000003".into()
        ])
    );
    let sent = c.transport().sent.borrow();
    assert_eq!(
        String::from_utf8_lossy(&sent[0].body),
        r#"{"ShardIterator":"it","Limit":10}"#
    );
}

#[test]
fn update_shard_count_asks_for_uniform_scaling() {
    let c = client(&[(
        200,
        r#"{"StreamName":"s","CurrentShardCount":2,"TargetShardCount":4}"#,
    )]);
    let out = futures::executor::block_on(c.update_shard_count("s", 4));
    assert_eq!(
        out.map(|o| (o.current_shard_count, o.target_shard_count)),
        Ok((2, 4))
    );
    let sent = c.transport().sent.borrow();
    assert_eq!(
        String::from_utf8_lossy(&sent[0].body),
        r#"{"StreamName":"s","TargetShardCount":4,"ScalingType":"UNIFORM_SCALING"}"#
    );
    let target = sent[0].headers.iter().find(|(n, _)| n == "x-amz-target");
    assert_eq!(
        target.map(|(_, v)| v.as_str()),
        Some("Kinesis_20131202.UpdateShardCount")
    );
}

#[test]
fn each_iterator_type_is_asked_for_in_the_apis_words() {
    let c = client(&[(200, r#"{"ShardIterator":"a"}"#); 5]);
    let positions = [
        StartingPosition::TrimHorizon,
        StartingPosition::Latest,
        StartingPosition::AtSequenceNumber("7".into()),
        StartingPosition::AfterSequenceNumber("7".into()),
        StartingPosition::AtTimestamp(1_500),
    ];
    for p in &positions {
        let it = futures::executor::block_on(c.get_shard_iterator("s", "shardId-000000000000", p));
        assert_eq!(it.as_deref(), Ok("a"));
    }
    let bodies: Vec<String> = c
        .transport()
        .sent
        .borrow()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    let start = r#"{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"#;
    assert_eq!(
        bodies,
        [
            format!(r#"{start}"TRIM_HORIZON"}}"#),
            format!(r#"{start}"LATEST"}}"#),
            format!(r#"{start}"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"7"}}"#),
            format!(r#"{start}"AFTER_SEQUENCE_NUMBER","StartingSequenceNumber":"7"}}"#),
            format!(r#"{start}"AT_TIMESTAMP","Timestamp":1.5}}"#),
        ]
    );
}

#[test]
fn no_answer_is_reported_with_the_endpoint() {
    let c = client(&[]);
    let out = futures::executor::block_on(c.delete_stream("s"));
    assert_eq!(
        out.map_err(|e| e.to_string()),
        Err("could not reach http://127.0.0.1:4567: connection refused".into())
    );
}
