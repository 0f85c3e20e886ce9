//! Random record batches and mutations, shared by the property tests (`tests/batch_props.rs`)
//! and the fuzz command (`examples/fuzz_batch.rs`).
use proptest::prelude::*;

use streamlab_log::{Header, Offset, Record, SequenceNumber, Timestamp};

/// Records a valid batch can hold: increasing offsets (with compaction-like gaps), sequence
/// numbers one apart per offset, any timestamps, keys, values and headers, nulls included.
pub fn batch_records() -> impl Strategy<Value = Vec<Record>> {
    let record = (
        1u64..4,
        any::<i32>(),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..12)),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..48)),
        proptest::collection::vec(
            (
                "[a-z]{0,5}",
                proptest::option::of(proptest::collection::vec(any::<u8>(), 0..5)),
            ),
            0..3,
        ),
    );
    (
        any::<u64>(),
        any::<u64>(),
        proptest::collection::vec(record, 1..10),
    )
        .prop_map(|(base, seq, records)| {
            let base = base >> 2;
            let mut offset = base;
            records
                .into_iter()
                .enumerate()
                .map(|(i, (gap, ts, key, value, headers))| {
                    if i > 0 {
                        offset += gap;
                    }
                    let headers = headers
                        .into_iter()
                        .map(|(key, value)| Header { key, value })
                        .collect();
                    Record::new(
                        Offset(offset),
                        SequenceNumber(u128::from(seq) + u128::from(offset - base)),
                        Timestamp(i64::from(ts)),
                        key,
                        value,
                        headers,
                    )
                })
                .collect()
        })
}

/// One change to stored bytes.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// XOR a byte with a non-zero value.
    Flip(prop::sample::Index, u8),
    /// Cut the bytes short.
    Truncate(prop::sample::Index),
    /// Insert bytes.
    Insert(prop::sample::Index, Vec<u8>),
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (
            any::<prop::sample::Index>(),
            proptest::collection::vec(any::<u8>(), 1..6)
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

/// Applies `mutations` in order, then, if `reseal`, recomputes the CRC so the decoder's checks
/// behind the CRC are reached too.
pub fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation], reseal: bool) -> Vec<u8> {
    for m in mutations {
        match m {
            Mutation::Flip(i, x) => {
                if !bytes.is_empty() {
                    let i = i.index(bytes.len());
                    bytes[i] ^= x;
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len() + 1)),
            Mutation::Insert(i, extra) => {
                let at = i.index(bytes.len() + 1);
                bytes.splice(at..at, extra.iter().copied());
            }
        }
    }
    if reseal && bytes.len() >= 5 {
        let crc = crc32c::crc32c(&bytes[5..]);
        bytes[1..5].copy_from_slice(&crc.to_le_bytes());
    }
    bytes
}
