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
//! let record = WireRecord { key: Some("alice".into()), value: "hi".into() };
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
#![deny(clippy::unwrap_used)]

use serde::{Deserialize, Serialize};

use streamlab_log::{ProduceRecord, RecordMetadata};

/// A record as the UI sends it to a producer: text key and value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRecord {
    /// The key (Kinesis: the partition key); `None` for a keyless Kafka record.
    pub key: Option<String>,
    /// The value.
    pub value: String,
}

impl WireRecord {
    /// The log's form of this record, routed by key.
    pub fn to_produce_record(&self) -> ProduceRecord {
        ProduceRecord::new(self.key.as_deref(), &self.value)
    }
}

/// A command to the producer worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProducerCommand {
    /// Produce these records to `topic` in database `db`, as one request.
    Produce {
        /// Echoed in the reply.
        request_id: u64,
        /// The IndexedDB database name.
        db: String,
        /// The topic (stream) name.
        topic: String,
        /// The records, in order.
        records: Vec<WireRecord>,
    },
    /// Generate and produce `batches` requests of `batch_size` records each, as fast as the
    /// store takes them: keys `<key_prefix><n % 1000>`, values of `value_bytes` bytes. The
    /// worker holds the topic's metadata for the whole run.
    ProduceGenerated {
        /// Echoed in the reply.
        request_id: u64,
        /// The IndexedDB database name.
        db: String,
        /// The topic (stream) name.
        topic: String,
        /// How many requests.
        batches: u32,
        /// Records per request.
        batch_size: u32,
        /// Bytes per value.
        value_bytes: u32,
        /// Key prefix.
        key_prefix: String,
    },
}

/// Where one produced record landed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceAck {
    /// The record's key, echoed.
    pub key: Option<String>,
    /// Partition (shard index).
    pub partition: u32,
    /// Offset.
    pub offset: u64,
    /// Sequence number, decimal.
    pub sequence_number: String,
    /// Timestamp in milliseconds.
    pub timestamp: i64,
}

impl ProduceAck {
    /// The wire form of the log's record metadata.
    pub fn from_metadata(key: Option<String>, m: &RecordMetadata) -> ProduceAck {
        ProduceAck {
            key,
            partition: m.partition.0,
            offset: m.offset.0,
            sequence_number: m.sequence_number.to_string(),
            timestamp: m.timestamp.0,
        }
    }
}

/// What the producer worker reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ProducerEvent {
    /// A generated run finished: every record acknowledged.
    Generated {
        /// The request's id.
        request_id: u64,
        /// Records appended.
        records: u64,
        /// Time from the first append to the last acknowledgement, measured in the worker.
        elapsed_ms: f64,
    },
    /// Every record of the request is stored.
    Acked {
        /// The request's id.
        request_id: u64,
        /// One acknowledgement per record, in the request's order.
        acks: Vec<ProduceAck>,
    },
    /// The request failed; the message is for the user.
    Failed {
        /// The request's id.
        request_id: u64,
        /// What went wrong, in words.
        message: String,
    },
}
