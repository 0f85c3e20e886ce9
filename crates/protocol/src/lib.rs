//! The messages between the Streamlab UI and its workers.
//!
//! This crate owns everything that crosses `postMessage`: plain, serde-serializable types, and
//! hand-written conversions to and from `streamlab-log`'s types (which do not derive serde, so
//! the stored and the wire formats never change by accident).
//!
//! ```
//! use streamlab_protocol::{ProduceAck, WireRecord};
//! use streamlab_log::{Offset, PartitionId, RecordMetadata, SequenceNumber, Timestamp};
//!
//! let record = WireRecord { key: Some("alice".into()), value: "hi".into(), ..Default::default() };
//! assert_eq!(record.to_produce_record().data.key.as_deref(), Some(&b"alice"[..]));
//!
//! let ack = ProduceAck::from_metadata(Some("alice".into()), &RecordMetadata {
//!     partition: PartitionId(2),
//!     offset: Offset(7),
//!     sequence_number: SequenceNumber(12),
//!     timestamp: Timestamp(1),
//! });
//! assert_eq!(ack.sequence_number, "12");
//! ```
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod form;
pub mod jsonl;
pub mod processor;
pub mod scenario;
pub mod tools;

mod consumer;
mod producer;

pub use consumer::{
    BadSequenceNumber, ConsumedRecord, ConsumerCommand, ConsumerEvent, PositionError, WirePosition,
};
pub use producer::{
    BatchAck, ProduceAck, ProducerCommand, ProducerEvent, RunSpec, WireKeyPattern, WireRecord,
    WireTarget,
};

use serde::Serialize;

/// The BroadcastChannel on which every producer of database `db` announces appends (the message
/// is the topic's name), so consumers and dashboards in any worker or tab follow the log end
/// without polling.
pub fn log_channel(db: &str) -> String {
    format!("streamlab:{db}")
}

/// The start of a message on the log channel that tells a consumer group's members that its
/// membership changed (`group:<group>:<topic>`): the log itself did not change.
pub const GROUP_NOTICE_PREFIX: &str = "group:";

/// A message that could not be encoded or decoded (a worker and a page from different builds, or
/// a message that is not one of ours).
#[derive(Debug, thiserror::Error)]
#[error("a worker message could not be {action}: {reason}")]
pub struct WireError {
    action: &'static str,
    reason: String,
}

/// Encodes a command or event for `postMessage` (bincode: one compact buffer, which the sender
/// transfers instead of copying).
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, WireError> {
    bincode::serialize(message).map_err(|e| WireError {
        action: "encoded",
        reason: e.to_string(),
    })
}

/// Decodes what [`encode`] made; anything else is a [`WireError`], never a panic.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, WireError> {
    // A limit, so a corrupt length prefix cannot ask for a huge allocation.
    use bincode::Options;
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .with_limit(bytes.len() as u64 * 4 + 1024)
        .deserialize(bytes)
        .map_err(|e| WireError {
            action: "decoded",
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod wire_tests {
    use super::*;

    #[test]
    fn events_round_trip_through_one_buffer() {
        let event = ConsumerEvent::Records {
            records: vec![ConsumedRecord {
                partition: 1,
                offset: 7,
                sequence_number: "49590338271490256608559692538361571095921575989136588898".into(),
                key: Some("alice".into()),
                value: None,
                timestamp: 1_700_000_000_000,
            }],
            positions: vec![(1, 8)],
            millis_behind: 0,
        };
        let bytes = encode(&event).expect("encodes");
        assert_eq!(decode::<ConsumerEvent>(&bytes).expect("decodes"), event);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let bytes = encode(&ConsumerCommand::Commit).expect("encodes");
        assert!(decode::<ProducerEvent>(&[0xff; 3]).is_err());
        assert!(decode::<ConsumerEvent>(&[]).is_err());
        // A huge declared length is refused before anything is allocated.
        let mut lying = encode(&ConsumerEvent::Failed {
            message: "x".into(),
        })
        .expect("encodes");
        lying[4..12].copy_from_slice(&u64::MAX.to_le_bytes());
        let err = decode::<ConsumerEvent>(&lying).expect_err("refused");
        assert!(err.to_string().contains("could not be decoded"), "{err}");
        assert!(decode::<ConsumerCommand>(&bytes).is_ok());
    }
}
