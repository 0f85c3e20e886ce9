//! The client: signs each call, sends it through a [`Transport`] (the browser's `fetch`, or a
//! test's socket), reads the answer, and retries what the AWS SDKs retry, with their backoff.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::{self, ShardIteratorType};
use crate::sigv4::{sign, AmzDate, Credentials, HttpRequest, Scope};
use crate::KinesisError;

mod transport;
mod values;

pub use transport::{Endpoint, HttpResponse, RetryPolicy, Transport};
pub use values::{PutEntry, PutResult, Records, StartingPosition, StreamRecord};

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
mod tests;
