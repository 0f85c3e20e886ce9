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
