//! Kinesis' per-shard throughput limits as token buckets, with the clock passed in.

use crate::types::Timestamp;

/// A shard's limits: Kinesis allows 1,000 records/s and 1 MiB/s of writes and 2 MiB/s of reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShardLimits {
    /// Records written per second.
    pub write_records_per_sec: f64,
    /// Bytes written per second.
    pub write_bytes_per_sec: f64,
    /// Bytes read per second.
    pub read_bytes_per_sec: f64,
}

impl ShardLimits {
    /// Kinesis' limits.
    pub const KINESIS: ShardLimits = ShardLimits {
        write_records_per_sec: 1_000.0,
        write_bytes_per_sec: 1024.0 * 1024.0,
        read_bytes_per_sec: 2.0 * 1024.0 * 1024.0,
    };
}

/// A token bucket: holds at most one second's worth, refills continuously.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenBucket {
    /// Tokens available at `updated_at`.
    pub tokens: f64,
    /// When `tokens` was last computed.
    pub updated_at: Timestamp,
}

impl TokenBucket {
    /// A full bucket for `rate` per second at `now`.
    pub fn full(rate: f64, now: Timestamp) -> TokenBucket {
        TokenBucket {
            tokens: rate,
            updated_at: now,
        }
    }

    /// The bucket refilled to `now` (a clock that went back refills nothing).
    pub fn refilled(self, rate: f64, now: Timestamp) -> TokenBucket {
        let elapsed_ms = (now.0 - self.updated_at.0).max(0) as f64;
        TokenBucket {
            tokens: (self.tokens + rate * elapsed_ms / 1000.0).min(rate),
            updated_at: Timestamp(now.0.max(self.updated_at.0)),
        }
    }

    /// Takes `amount` at `now`: the bucket after, or how many milliseconds until it would fit.
    /// An amount above one second's worth goes through when the bucket is full and leaves it in
    /// debt, so it is never refused forever; the requests after it wait for the refill.
    pub fn take(self, amount: f64, rate: f64, now: Timestamp) -> Result<TokenBucket, u64> {
        let bucket = self.refilled(rate, now);
        let needed = amount.min(rate);
        if needed <= bucket.tokens {
            return Ok(TokenBucket {
                tokens: bucket.tokens - amount,
                ..bucket
            });
        }
        Err((((needed - bucket.tokens) / rate) * 1000.0).ceil().max(1.0) as u64)
    }
}

/// The write quota of one shard: a bucket for records and one for bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WriteQuota {
    /// Records.
    pub records: TokenBucket,
    /// Bytes.
    pub bytes: TokenBucket,
}

impl WriteQuota {
    /// Takes a batch of `records` records and `bytes` bytes from the quota (full when `None`).
    pub fn take(
        quota: Option<WriteQuota>,
        limits: &ShardLimits,
        records: usize,
        bytes: usize,
        now: Timestamp,
    ) -> Result<WriteQuota, u64> {
        let quota = quota.unwrap_or(WriteQuota {
            records: TokenBucket::full(limits.write_records_per_sec, now),
            bytes: TokenBucket::full(limits.write_bytes_per_sec, now),
        });
        let r = quota
            .records
            .take(records as f64, limits.write_records_per_sec, now);
        let b = quota
            .bytes
            .take(bytes as f64, limits.write_bytes_per_sec, now);
        match (r, b) {
            (Ok(records), Ok(bytes)) => Ok(WriteQuota { records, bytes }),
            (Err(a), Err(b)) => Err(a.max(b)),
            (Err(wait), _) | (_, Err(wait)) => Err(wait),
        }
    }
}

/// Kinesis' read limit (2 MiB/s per shard) for one reader, with the clock passed in.
///
/// A read may start while the shard's bucket holds any tokens; what it returned is then taken,
/// possibly into debt, so a large response makes the next reads wait (as GetRecords answers
/// ProvisionedThroughputExceeded until the shard's read budget recovers). Kinesis counts every
/// reader of a shard against one budget; Streamlab keeps the bucket in the reader, so each
/// consumer worker has its own 2 MiB/s.
#[derive(Clone, Debug, Default)]
pub struct ReadLimiter {
    buckets: std::collections::BTreeMap<crate::types::PartitionId, TokenBucket>,
}

impl ReadLimiter {
    /// A limiter with every shard's bucket full.
    pub fn new() -> ReadLimiter {
        ReadLimiter::default()
    }

    /// Whether `shard` may be read at `now`; otherwise how many milliseconds until it may.
    pub fn check(
        &mut self,
        shard: crate::types::PartitionId,
        limits: &ShardLimits,
        now: Timestamp,
    ) -> Result<(), u64> {
        let rate = limits.read_bytes_per_sec;
        let bucket = self
            .buckets
            .entry(shard)
            .or_insert_with(|| TokenBucket::full(rate, now))
            .refilled(rate, now);
        self.buckets.insert(shard, bucket);
        if bucket.tokens > 0.0 {
            Ok(())
        } else {
            Err((((-bucket.tokens + 1.0) / rate) * 1000.0).ceil() as u64)
        }
    }

    /// Takes `bytes` just read from `shard` at `now`.
    pub fn record(
        &mut self,
        shard: crate::types::PartitionId,
        limits: &ShardLimits,
        bytes: usize,
        now: Timestamp,
    ) {
        let rate = limits.read_bytes_per_sec;
        let bucket = self
            .buckets
            .get(&shard)
            .copied()
            .unwrap_or_else(|| TokenBucket::full(rate, now))
            .refilled(rate, now);
        self.buckets.insert(
            shard,
            TokenBucket {
                tokens: bucket.tokens - bytes as f64,
                ..bucket
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_a_burst_of_one_second_then_refills() {
        let rate = 1_000.0;
        let b = TokenBucket::full(rate, Timestamp(0));
        let b = b
            .take(1_000.0, rate, Timestamp(0))
            .expect("a full second fits");
        assert_eq!(b.take(1.0, rate, Timestamp(0)), Err(1));
        // 100 ms later, 100 tokens are back.
        let b = b.take(100.0, rate, Timestamp(100)).expect("refilled");
        assert_eq!(b.take(1.0, rate, Timestamp(100)), Err(1));
        // More than a second's worth goes through from a full bucket, leaving a debt.
        let debt = TokenBucket::full(rate, Timestamp(0))
            .take(1_500.0, rate, Timestamp(0))
            .expect("a full bucket takes it");
        assert_eq!(debt.tokens, -500.0);
        assert_eq!(debt.take(1.0, rate, Timestamp(0)), Err(501));
        assert!(debt.take(1.0, rate, Timestamp(501)).is_ok());
    }

    #[test]
    fn reads_wait_once_two_mebibytes_a_second_are_used() {
        use crate::types::PartitionId;
        let limits = ShardLimits::KINESIS;
        let mut reader = ReadLimiter::new();
        let (a, b) = (PartitionId(0), PartitionId(1));
        assert_eq!(reader.check(a, &limits, Timestamp(0)), Ok(()));
        // A 3 MiB response goes through and leaves the shard 1 MiB in debt.
        reader.record(a, &limits, 3 * 1024 * 1024, Timestamp(0));
        let wait = reader.check(a, &limits, Timestamp(0)).expect_err("in debt");
        assert_eq!(wait, 501, "1 MiB of debt at 2 MiB/s, plus one byte");
        assert!(reader.check(a, &limits, Timestamp(400)).is_err());
        assert_eq!(reader.check(a, &limits, Timestamp(501)), Ok(()));
        // Each shard has its own budget.
        assert_eq!(reader.check(b, &limits, Timestamp(0)), Ok(()));
    }

    #[test]
    fn a_clock_going_back_refills_nothing() {
        let rate = 10.0;
        let b = TokenBucket {
            tokens: 0.0,
            updated_at: Timestamp(5_000),
        };
        assert_eq!(b.refilled(rate, Timestamp(1_000)).tokens, 0.0);
        assert_eq!(b.refilled(rate, Timestamp(5_500)).tokens, 5.0);
    }

    #[test]
    fn the_write_quota_is_records_and_bytes() {
        let limits = ShardLimits::KINESIS;
        let q = WriteQuota::take(None, &limits, 500, 512 * 1024, Timestamp(0)).expect("fits");
        let q = WriteQuota::take(Some(q), &limits, 500, 512 * 1024, Timestamp(0)).expect("fits");
        // Records and bytes are both used up now; 1 record of 1 byte needs 1 ms.
        assert_eq!(
            WriteQuota::take(Some(q), &limits, 1, 1, Timestamp(0)),
            Err(1)
        );
        // Bytes alone can be the limit.
        let q = WriteQuota::take(None, &limits, 1, 1024 * 1024, Timestamp(0)).expect("fits");
        assert_eq!(
            WriteQuota::take(Some(q), &limits, 1, 1024, Timestamp(0)),
            Err(1)
        );
    }
}
