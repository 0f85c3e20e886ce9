//! The client: signs each call, sends it through a [`Transport`] (the browser's `fetch`, or a
//! test's socket), reads the answer, and retries what the AWS SDKs retry, with their backoff.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::{self, ShardIteratorType};
use crate::sigv4::{sign, AmzDate, Credentials, HttpRequest, Scope};
use crate::KinesisError;

/// An HTTP answer: status and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// How the client reaches the endpoint, waits and tells the time: `fetch` and timers in a
/// browser, a socket and a clock in tests.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends `request` and returns the answer, or why there was none.
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, String>;
    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u64);
    /// Milliseconds since 1970 (UTC), for signatures.
    fn now_ms(&self) -> i64;
    /// A number in `[0, 1)`, for the backoff's jitter.
    fn random(&self) -> f64;
}

/// When and how long the client retries: the AWS SDKs' standard mode (the SDK for JavaScript
/// v3's figures): at most 3 attempts, each wait a random share ("full jitter") of
/// `base · 2^attempt`, capped at 20 s; the base is 100 ms, or 500 ms after throttling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Calls made at most, the first included.
    pub max_attempts: u32,
    /// The base wait after an error other than throttling, in ms.
    pub base_ms: u64,
    /// The base wait after throttling, in ms.
    pub throttling_base_ms: u64,
    /// The longest wait, in ms.
    pub max_backoff_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_ms: 100,
            throttling_base_ms: 500,
            max_backoff_ms: 20_000,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry `attempt` (1 for the first retry), given a random `share` in [0, 1).
    pub fn backoff_ms(&self, attempt: u32, throttling: bool, share: f64) -> u64 {
        let base = if throttling {
            self.throttling_base_ms
        } else {
            self.base_ms
        };
        let ceiling = base
            .saturating_mul(1u64 << attempt.min(20))
            .min(self.max_backoff_ms);
        (share.clamp(0.0, 1.0) * ceiling as f64) as u64
    }
}

/// An endpoint URL, split as a signature needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL requests go to.
    pub url: String,
    /// The `host` header (with a port when the URL has one).
    pub host: String,
    /// The path (`/` for Kinesis).
    pub path: String,
}

impl Endpoint {
    /// Reads `http://host[:port][/path]` or `https://…`.
    pub fn parse(url: &str) -> Result<Endpoint, KinesisError> {
        let bad = || KinesisError::BadEndpoint(url.to_owned());
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(bad)?;
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let valid_host = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
        if !valid_host || path.contains(['?', '#']) {
            return Err(bad());
        }
        Ok(Endpoint {
            url: format!("{}{}", &url[..url.len() - rest.len()], rest),
            host: host.to_owned(),
            path: path.to_owned(),
        })
    }
}

/// Where a shard iterator starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartingPosition {
    /// The oldest record still kept.
    TrimHorizon,
    /// After the newest record.
    Latest,
    /// At this sequence number.
    AtSequenceNumber(String),
    /// After this sequence number.
    AfterSequenceNumber(String),
    /// At the first record at or after this time (ms since 1970).
    AtTimestamp(i64),
}

/// One record to put.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutEntry {
    /// The partition key.
    pub partition_key: String,
    /// A decimal hash key overriding the partition key's MD5.
    pub explicit_hash_key: Option<String>,
    /// The data.
    pub data: Vec<u8>,
}

/// Where a record was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutResult {
    /// The shard.
    pub shard_id: String,
    /// The record's sequence number.
    pub sequence_number: String,
}

/// A record read back.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamRecord {
    /// Its sequence number (decimal).
    pub sequence_number: String,
    /// Its partition key.
    pub partition_key: String,
    /// Its data.
    pub data: Vec<u8>,
    /// When it arrived (ms since 1970), if the service said.
    pub arrival_ms: Option<i64>,
}

/// One `GetRecords` read.
#[derive(Clone, Debug, PartialEq)]
pub struct Records {
    /// The records, in sequence-number order.
    pub records: Vec<StreamRecord>,
    /// The next read's iterator; `None` at the end of a closed shard.
    pub next_iterator: Option<String>,
    /// How far behind the shard's newest record this read is.
    pub millis_behind_latest: Option<u64>,
    /// The shards that took over a closed shard, when the service says (at its end).
    pub child_shards: Option<Vec<String>>,
}

/// A Kinesis Data Streams client for one endpoint, region and key.
pub struct KinesisClient<T> {
    endpoint: Endpoint,
    scope: Scope,
    credentials: Credentials,
    transport: T,
    retry: RetryPolicy,
}

impl<T: Transport> KinesisClient<T> {
    /// A client of `endpoint` (`https://kinesis.eu-west-1.amazonaws.com`, LocalStack's
    /// `http://localhost:4566`, kinesalite's `http://127.0.0.1:4567`) in `region`.
    pub fn new(
        endpoint: &str,
        region: &str,
        credentials: Credentials,
        transport: T,
    ) -> Result<Self, KinesisError> {
        Ok(KinesisClient {
            endpoint: Endpoint::parse(endpoint)?,
            scope: Scope {
                region: region.trim().to_owned(),
                service: "kinesis".into(),
            },
            credentials,
            transport,
            retry: RetryPolicy::default(),
        })
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// One signed call, retried as the SDKs retry it.
    async fn call<Req: Serialize, Out: DeserializeOwned>(
        &self,
        operation: &'static str,
        request: &Req,
    ) -> Result<Out, KinesisError> {
        let body = serde_json::to_vec(request).map_err(|e| KinesisError::BadAnswer {
            operation,
            reason: format!("the request could not be written: {e}"),
        })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.attempt(operation, &body).await;
            match result {
                Err(e) if e.is_retryable() && attempt < self.retry.max_attempts => {
                    let wait =
                        self.retry
                            .backoff_ms(attempt, e.is_throttling(), self.transport.random());
                    self.transport.sleep(wait).await;
                }
                Err(KinesisError::Throttled { kind, message, .. }) => {
                    return Err(KinesisError::Throttled {
                        kind,
                        message,
                        attempts: attempt,
                    })
                }
                other => return other,
            }
        }
    }

    async fn attempt<Out: DeserializeOwned>(
        &self,
        operation: &'static str,
        body: &[u8],
    ) -> Result<Out, KinesisError> {
        let mut request = HttpRequest {
            method: "POST".into(),
            url: self.endpoint.url.clone(),
            path: self.endpoint.path.clone(),
            query: String::new(),
            headers: vec![
                ("host".into(), self.endpoint.host.clone()),
                ("content-type".into(), "application/x-amz-json-1.1".into()),
                (
                    "x-amz-target".into(),
                    format!("Kinesis_20131202.{operation}"),
                ),
            ],
            body: body.to_vec(),
        };
        let at = AmzDate::from_unix_ms(self.transport.now_ms());
        sign(&mut request, &self.credentials, &self.scope, &at);
        let answer =
            self.transport
                .send(&request)
                .await
                .map_err(|reason| KinesisError::Unreachable {
                    endpoint: self.endpoint.url.clone(),
                    reason,
                })?;
        if answer.status != 200 {
            return Err(KinesisError::from_answer(answer.status, &answer.body));
        }
        // An empty answer reads as `{}` (kinesalite answers some calls with no body).
        let body: &[u8] = if answer.body.is_empty() {
            b"{}"
        } else {
            &answer.body
        };
        serde_json::from_slice(body).map_err(|e| KinesisError::BadAnswer {
            operation,
            reason: e.to_string(),
        })
    }

    /// CreateStream (the stream is CREATING at first; see [`KinesisClient::wait_until_active`]).
    pub async fn create_stream(&self, name: &str, shard_count: u32) -> Result<(), KinesisError> {
        let request = api::CreateStream {
            stream_name: name,
            shard_count,
        };
        self.call::<_, api::Empty>("CreateStream", &request)
            .await
            .map(drop)
    }

    /// DeleteStream.
    pub async fn delete_stream(&self, name: &str) -> Result<(), KinesisError> {
        let request = api::StreamRef { stream_name: name };
        self.call::<_, api::Empty>("DeleteStream", &request)
            .await
            .map(drop)
    }

    /// DescribeStreamSummary.
    pub async fn describe_stream_summary(
        &self,
        name: &str,
    ) -> Result<api::StreamSummary, KinesisError> {
        let request = api::StreamRef { stream_name: name };
        let out: api::DescribeStreamSummaryOutput =
            self.call("DescribeStreamSummary", &request).await?;
        Ok(out.stream_description_summary)
    }

    /// Waits until the stream is ACTIVE (after a create or a reshard), asking every `every_ms`,
    /// at most `tries` times; the last status otherwise, as ResourceInUse.
    pub async fn wait_until_active(
        &self,
        name: &str,
        every_ms: u64,
        tries: u32,
    ) -> Result<(), KinesisError> {
        let mut status = String::new();
        for _ in 0..tries.max(1) {
            status = self.describe_stream_summary(name).await?.stream_status;
            if status == "ACTIVE" {
                return Ok(());
            }
            self.transport.sleep(every_ms).await;
        }
        Err(KinesisError::ResourceInUse(format!(
            "stream {name} is still {status}"
        )))
    }

    /// ListStreams: every stream's name, following the pages.
    pub async fn list_streams(&self) -> Result<Vec<String>, KinesisError> {
        let mut names: Vec<String> = Vec::new();
        loop {
            let request = api::ListStreams {
                exclusive_start_stream_name: names.last().map(String::as_str),
            };
            let page: api::ListStreamsOutput = self.call("ListStreams", &request).await?;
            let progressed = !page.stream_names.is_empty();
            names.extend(page.stream_names);
            if !page.has_more_streams || !progressed {
                return Ok(names);
            }
        }
    }

    /// ListShards: every shard, open and closed, following the pages.
    pub async fn list_shards(&self, name: &str) -> Result<Vec<api::Shard>, KinesisError> {
        let mut shards = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let request = match &token {
                None => api::ListShards {
                    stream_name: Some(name),
                    next_token: None,
                },
                Some(t) => api::ListShards {
                    stream_name: None,
                    next_token: Some(t),
                },
            };
            let page: api::ListShardsOutput = self.call("ListShards", &request).await?;
            shards.extend(page.shards);
            match page.next_token {
                Some(next) if Some(&next) != token.as_ref() => token = Some(next),
                _ => return Ok(shards),
            }
        }
    }

    /// PutRecord.
    pub async fn put_record(
        &self,
        name: &str,
        entry: &PutEntry,
    ) -> Result<PutResult, KinesisError> {
        let request = api::PutRecord {
            stream_name: name,
            data: BASE64.encode(&entry.data),
            partition_key: &entry.partition_key,
            explicit_hash_key: entry.explicit_hash_key.as_deref(),
        };
        let out: api::PutRecordOutput = self.call("PutRecord", &request).await?;
        Ok(PutResult {
            shard_id: out.shard_id,
            sequence_number: out.sequence_number,
        })
    }

    /// PutRecords, as a producer uses it: records the service refused one by one (throttled, or
    /// an internal failure) are sent again, and only they, after the SDKs' backoff, up to the
    /// policy's attempts. One result per entry, in order.
    pub async fn put_records(
        &self,
        name: &str,
        entries: &[PutEntry],
    ) -> Result<Vec<Result<PutResult, KinesisError>>, KinesisError> {
        let mut results: Vec<Option<Result<PutResult, KinesisError>>> = vec![None; entries.len()];
        let mut pending: Vec<usize> = (0..entries.len()).collect();
        let mut attempt = 0;
        while !pending.is_empty() {
            attempt += 1;
            let request = api::PutRecords {
                stream_name: name,
                records: pending
                    .iter()
                    .map(|&i| api::PutRecordsEntry {
                        data: BASE64.encode(&entries[i].data),
                        partition_key: &entries[i].partition_key,
                        explicit_hash_key: entries[i].explicit_hash_key.as_deref(),
                    })
                    .collect(),
            };
            let out: api::PutRecordsOutput = self.call("PutRecords", &request).await?;
            if out.records.len() != pending.len() {
                return Err(KinesisError::BadAnswer {
                    operation: "PutRecords",
                    reason: format!(
                        "{} results for {} records",
                        out.records.len(),
                        pending.len()
                    ),
                });
            }
            let mut refused = Vec::new();
            let mut throttled = false;
            for (&i, result) in pending.iter().zip(out.records) {
                match (result.shard_id, result.sequence_number, result.error_code) {
                    (Some(shard_id), Some(sequence_number), None) => {
                        results[i] = Some(Ok(PutResult {
                            shard_id,
                            sequence_number,
                        }))
                    }
                    (_, _, code) => {
                        let kind = code.unwrap_or_else(|| "InternalFailure".into());
                        throttled |= kind == "ProvisionedThroughputExceededException";
                        let message = result.error_message.unwrap_or_default();
                        results[i] =
                            Some(Err(if kind == "ProvisionedThroughputExceededException" {
                                KinesisError::Throttled {
                                    kind,
                                    message,
                                    attempts: attempt,
                                }
                            } else {
                                KinesisError::Service {
                                    status: 200,
                                    kind,
                                    message,
                                }
                            }));
                        refused.push(i);
                    }
                }
            }
            if refused.is_empty() || attempt >= self.retry.max_attempts {
                break;
            }
            let wait = self
                .retry
                .backoff_ms(attempt, throttled, self.transport.random());
            self.transport.sleep(wait).await;
            pending = refused;
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(KinesisError::BadAnswer {
                        operation: "PutRecords",
                        reason: "a record got no result".into(),
                    })
                })
            })
            .collect())
    }

    /// GetShardIterator, of any of the five types.
    pub async fn get_shard_iterator(
        &self,
        name: &str,
        shard_id: &str,
        from: &StartingPosition,
    ) -> Result<String, KinesisError> {
        let (kind, sequence, timestamp) = match from {
            StartingPosition::TrimHorizon => (ShardIteratorType::TrimHorizon, None, None),
            StartingPosition::Latest => (ShardIteratorType::Latest, None, None),
            StartingPosition::AtSequenceNumber(s) => {
                (ShardIteratorType::AtSequenceNumber, Some(s.as_str()), None)
            }
            StartingPosition::AfterSequenceNumber(s) => (
                ShardIteratorType::AfterSequenceNumber,
                Some(s.as_str()),
                None,
            ),
            StartingPosition::AtTimestamp(ms) => (
                ShardIteratorType::AtTimestamp,
                None,
                Some(*ms as f64 / 1000.0),
            ),
        };
        let request = api::GetShardIterator {
            stream_name: name,
            shard_id,
            shard_iterator_type: kind,
            starting_sequence_number: sequence,
            timestamp,
        };
        let out: api::GetShardIteratorOutput = self.call("GetShardIterator", &request).await?;
        Ok(out.shard_iterator)
    }

    /// GetRecords.
    pub async fn get_records(
        &self,
        iterator: &str,
        limit: Option<u32>,
    ) -> Result<Records, KinesisError> {
        let request = api::GetRecords {
            shard_iterator: iterator,
            limit,
        };
        let out: api::GetRecordsOutput = self.call("GetRecords", &request).await?;
        let records = out
            .records
            .into_iter()
            .map(|r| {
                let data = BASE64
                    .decode(&r.data)
                    .map_err(|e| KinesisError::BadAnswer {
                        operation: "GetRecords",
                        reason: format!("record {}'s data is not base64: {e}", r.sequence_number),
                    })?;
                Ok(StreamRecord {
                    arrival_ms: r.approximate_arrival_timestamp.map(|s| (s * 1000.0) as i64),
                    sequence_number: r.sequence_number,
                    partition_key: r.partition_key,
                    data,
                })
            })
            .collect::<Result<Vec<_>, KinesisError>>()?;
        Ok(Records {
            records,
            next_iterator: out.next_shard_iterator,
            millis_behind_latest: out.millis_behind_latest,
            child_shards: out
                .child_shards
                .map(|c| c.into_iter().map(|s| s.shard_id).collect()),
        })
    }

    /// SplitShard at `new_starting_hash_key` (the first hash key of the second child).
    pub async fn split_shard(
        &self,
        name: &str,
        shard_id: &str,
        new_starting_hash_key: u128,
    ) -> Result<(), KinesisError> {
        let key = new_starting_hash_key.to_string();
        let request = api::SplitShard {
            stream_name: name,
            shard_to_split: shard_id,
            new_starting_hash_key: &key,
        };
        self.call::<_, api::Empty>("SplitShard", &request)
            .await
            .map(drop)
    }

    /// MergeShards.
    pub async fn merge_shards(
        &self,
        name: &str,
        shard_id: &str,
        adjacent_shard_id: &str,
    ) -> Result<(), KinesisError> {
        let request = api::MergeShards {
            stream_name: name,
            shard_to_merge: shard_id,
            adjacent_shard_to_merge: adjacent_shard_id,
        };
        self.call::<_, api::Empty>("MergeShards", &request)
            .await
            .map(drop)
    }

    /// UpdateShardCount (uniform scaling).
    pub async fn update_shard_count(
        &self,
        name: &str,
        target_shard_count: u32,
    ) -> Result<api::UpdateShardCountOutput, KinesisError> {
        let request = api::UpdateShardCount {
            stream_name: name,
            target_shard_count,
            scaling_type: "UNIFORM_SCALING",
        };
        self.call("UpdateShardCount", &request).await
    }
}

#[cfg(test)]
mod tests {
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
            let it =
                futures::executor::block_on(c.get_shard_iterator("s", "shardId-000000000000", p));
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
}
