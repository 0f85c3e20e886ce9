//! Where a record goes: Kafka's murmur2 partitioner and Kinesis' MD5 hash-key ranges.

use md5::{Digest, Md5};

use crate::types::PartitionId;

/// Kafka's `Utils.murmur2`, bit for bit: MurmurHash2 with seed `0x9747b28c`, reading the input as
/// little-endian 32-bit words, as the Java client does for record keys.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    let length = data.len();
    // Java computes `seed ^ length` on ints; keys are far below 2^31 bytes.
    let mut h: u32 = SEED ^ (length as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    // Java's fall-through switch over `length % 4`; bytes are sign-extended then masked to 8 bits.
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`, which overflows on `i32::MIN`).
pub fn to_positive(x: i32) -> u32 {
    (x as u32) & 0x7fff_ffff
}

/// Kafka's default partitioner for a keyed record: `toPositive(murmur2(key)) % partitions`.
///
/// `partitions` is at least 1 (a [`crate::TopicConfig`] cannot hold 0).
pub fn kafka_partition(key: &[u8], partitions: u32) -> PartitionId {
    PartitionId(to_positive(murmur2(key)) % partitions.max(1))
}

/// Spreads Kafka records that have no key: round robin over the partitions, as Kafka's
/// `RoundRobinPartitioner`. (Kafka's default since 2.4 is the sticky partitioner, which fills one
/// batch before moving on; one record per click makes round robin the clearer lesson.)
#[derive(Clone, Debug, Default)]
pub struct KeylessPartitioner {
    // A `Cell`, so one partitioner can be shared by concurrent produce requests of a worker
    // without a borrow held across an await.
    next: std::cell::Cell<u32>,
}

impl KeylessPartitioner {
    /// Starts at partition 0.
    pub fn new() -> Self {
        KeylessPartitioner::default()
    }

    /// Starts at partition `start` (modulo the partition count at first use).
    pub fn starting_at(start: u32) -> Self {
        KeylessPartitioner {
            next: std::cell::Cell::new(start),
        }
    }

    /// The partition for the next keyless record.
    pub fn next_partition(&self, partitions: u32) -> PartitionId {
        let p = self.next.get() % partitions.max(1);
        self.next.set(p.wrapping_add(1));
        PartitionId(p)
    }
}

/// A point in Kinesis' 128-bit hash-key space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HashKey(pub u128);

/// Why an explicit hash key was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashKeyError {
    /// The text is not a plain decimal integer.
    #[error("explicit hash key '{0}' is not a decimal integer")]
    NotDecimal(String),
    /// The number is above 2^128 − 1.
    #[error("explicit hash key '{0}' is above 2^128 - 1")]
    OutOfRange(String),
}

impl HashKey {
    /// Parses an explicit hash key: a decimal integer in `0..=2^128 − 1`.
    pub fn parse(s: &str) -> Result<HashKey, HashKeyError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(HashKeyError::NotDecimal(s.to_owned()));
        }
        s.parse::<u128>()
            .map(HashKey)
            .map_err(|_| HashKeyError::OutOfRange(s.to_owned()))
    }
}

impl std::fmt::Display for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The longest Kinesis partition key, in Unicode characters.
pub const MAX_PARTITION_KEY_CHARS: usize = 256;

/// Why a Kinesis partition key was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PartitionKeyError {
    /// Kinesis requires a partition key of at least one character.
    #[error("a partition key is required (1 to 256 characters)")]
    Empty,
    /// Longer than 256 Unicode characters.
    #[error("the partition key is {0} characters long; at most 256 are allowed")]
    TooLong(usize),
}

/// Kinesis' hash key for a partition key: the MD5 digest of its UTF-8 bytes read as a big-endian
/// 128-bit integer.
pub fn kinesis_hash_key(partition_key: &str) -> Result<HashKey, PartitionKeyError> {
    let chars = partition_key.chars().count();
    if chars == 0 {
        return Err(PartitionKeyError::Empty);
    }
    if chars > MAX_PARTITION_KEY_CHARS {
        return Err(PartitionKeyError::TooLong(chars));
    }
    let digest: [u8; 16] = Md5::digest(partition_key.as_bytes()).into();
    Ok(HashKey(u128::from_be_bytes(digest)))
}

/// A shard's inclusive range of hash keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HashKeyRange {
    /// The first hash key the shard owns.
    pub starting_hash_key: HashKey,
    /// The last hash key the shard owns.
    pub ending_hash_key: HashKey,
}

impl HashKeyRange {
    /// Whether `key` falls in this range.
    pub fn contains(&self, key: HashKey) -> bool {
        self.starting_hash_key <= key && key <= self.ending_hash_key
    }
}

/// The hash-key ranges of a new stream with `shards` shards, as the service (and kinesalite and
/// moto) assign them: with `q = floor(2^128 / n)`, shard `i` owns `[i·q, (i+1)·q − 1]` and the last
/// shard ends at `2^128 − 1`.
pub fn uniform_hash_key_ranges(shards: u32) -> Vec<HashKeyRange> {
    let n = u128::from(shards.max(1));
    // floor(2^128 / n) without 2^128: floor((MAX + 1) / n) = floor(MAX / n) + [MAX mod n == n − 1].
    // For n = 1 that is 2^128, which does not fit; the single shard simply owns everything.
    let q = (u128::MAX / n).saturating_add(u128::from(u128::MAX % n == n - 1));
    (0..n)
        .map(|i| {
            let start = i * q;
            let end = if i == n - 1 {
                u128::MAX
            } else {
                (i + 1) * q - 1
            };
            HashKeyRange {
                starting_hash_key: HashKey(start),
                ending_hash_key: HashKey(end),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_kafkas_own_test_vectors() {
        // From Kafka's UtilsTest.testMurmur2.
        let cases: [(&str, i32); 6] = [
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            (
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            ("abc", 479_470_107),
        ];
        for (input, expected) in cases {
            assert_eq!(murmur2(input.as_bytes()), expected, "murmur2({input:?})");
        }
    }

    #[test]
    fn to_positive_clears_the_sign_bit() {
        assert_eq!(to_positive(-1), 0x7fff_ffff);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(5), 5);
    }

    #[test]
    fn kafka_partitions_for_keys() {
        // toPositive(murmur2) % n, computed from the vectors above.
        fn check(key: &str, n: u32, expect: u32) {
            assert_eq!(
                kafka_partition(key.as_bytes(), n),
                PartitionId(expect),
                "{key} over {n}"
            );
        }
        // murmur2("foobar") = -790332482 -> toPositive = 1357151166.
        check("foobar", 1, 0);
        check("foobar", 3, 1_357_151_166 % 3);
        check("foobar", 7, 1_357_151_166 % 7);
        // murmur2("abc") = 479470107 (positive already).
        check("abc", 3, 479_470_107 % 3);
        check("abc", 10, 7);
        // murmur2("21") = -973932308 -> toPositive = 1173551340.
        check("21", 4, 1_173_551_340 % 4);
        check("21", 6, 1_173_551_340 % 6);
        // murmur2("alice") = 1951417749, murmur2("carol") = 271431602 (checked against a
        // separate port of Kafka's Java code).
        check("alice", 3, 0);
        check("carol", 3, 2);
    }

    #[test]
    fn keyless_records_go_round_robin() {
        let p = KeylessPartitioner::new();
        let got: Vec<u32> = (0..7).map(|_| p.next_partition(3).0).collect();
        assert_eq!(got, [0, 1, 2, 0, 1, 2, 0]);
        let p = KeylessPartitioner::starting_at(5);
        assert_eq!(p.next_partition(3), PartitionId(2));
        assert_eq!(p.next_partition(3), PartitionId(0));
    }

    #[test]
    fn hash_key_ranges_of_a_new_stream() {
        let six = uniform_hash_key_ranges(6);
        assert_eq!(
            six[1].starting_hash_key.0,
            56_713_727_820_156_410_577_229_101_238_628_035_242
        );
        assert_eq!(
            six[1].ending_hash_key.0,
            113_427_455_640_312_821_154_458_202_477_256_070_483
        );
        for n in 1..=8u32 {
            let ranges = uniform_hash_key_ranges(n);
            assert_eq!(ranges.len(), n as usize);
            assert_eq!(ranges[0].starting_hash_key, HashKey(0));
            assert_eq!(ranges[n as usize - 1].ending_hash_key, HashKey(u128::MAX));
            // q = floor(2^128 / n), computed the long way with a u128 pair.
            let q = floor_two_pow_128_over(u128::from(n));
            for (i, r) in ranges.iter().enumerate() {
                let i = i as u128;
                assert_eq!(r.starting_hash_key.0, i * q, "start of shard {i} of {n}");
                if i + 1 < u128::from(n) {
                    assert_eq!(
                        r.ending_hash_key.0,
                        (i + 1) * q - 1,
                        "end of shard {i} of {n}"
                    );
                    assert_eq!(
                        ranges[i as usize + 1].starting_hash_key.0,
                        r.ending_hash_key.0 + 1
                    );
                }
            }
        }
        assert_eq!(
            uniform_hash_key_ranges(2)[1].starting_hash_key.0,
            1u128 << 127
        );
        assert_eq!(
            uniform_hash_key_ranges(4)[1].starting_hash_key.0,
            1u128 << 126
        );
    }

    /// Long division of 2^128 by `n`, bit by bit, as an independent check.
    fn floor_two_pow_128_over(n: u128) -> u128 {
        if n == 1 {
            return u128::MAX; // not used for n = 1 beyond the last shard
        }
        let mut quotient = 0u128;
        let mut remainder = 1u128; // the leading 1 of 2^128
        for _ in 0..128 {
            remainder <<= 1;
            quotient <<= 1;
            if remainder >= n {
                remainder -= n;
                quotient |= 1;
            }
        }
        quotient
    }

    #[test]
    fn kinesis_hash_keys_are_md5_as_big_endian_integers() {
        // MD5("") is d41d8cd98f00b204e9800998ecf8427e, but "" is not a legal key.
        assert_eq!(kinesis_hash_key(""), Err(PartitionKeyError::Empty));
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
        assert_eq!(
            kinesis_hash_key("a"),
            Ok(HashKey(0x0cc1_75b9_c0f1_b6a8_31c3_99e2_6977_2661))
        );
        assert!(kinesis_hash_key(&"é".repeat(256)).is_ok());
        assert_eq!(
            kinesis_hash_key(&"é".repeat(257)),
            Err(PartitionKeyError::TooLong(257))
        );
    }

    #[test]
    fn explicit_hash_keys_parse_as_decimal_u128() {
        assert_eq!(HashKey::parse("0"), Ok(HashKey(0)));
        assert_eq!(
            HashKey::parse("340282366920938463463374607431768211455"),
            Ok(HashKey(u128::MAX))
        );
        assert!(matches!(
            HashKey::parse("340282366920938463463374607431768211456"),
            Err(HashKeyError::OutOfRange(_))
        ));
        assert!(matches!(
            HashKey::parse("-1"),
            Err(HashKeyError::NotDecimal(_))
        ));
        assert!(matches!(
            HashKey::parse(""),
            Err(HashKeyError::NotDecimal(_))
        ));
        assert!(matches!(
            HashKey::parse("0x10"),
            Err(HashKeyError::NotDecimal(_))
        ));
    }
}
