//! IndexedDB implementation of the Streamlab [`Storage`] trait.
//!
//! IndexedDB is Streamlab's broker: every page, tab and worker of an origin opens the same
//! database, and IndexedDB's readwrite transactions serialize the writers. This crate only moves
//! bytes: it stores what `streamlab-log` encodes and asks `streamlab-log` what an append means
//! ([`PartitionState::plan_append`]) inside the transaction that stores it.
//!
//! It is not a general IndexedDB wrapper: the small request/transaction layer in `idb` does only
//! what this store needs, and keeps transactions under explicit control (no await of anything but
//! an IndexedDB request while one is open).
//!
//! # Layout (schema version 2)
//! | object store | key | value |
//! |---|---|---|
//! | `topics` | name | `{ name, mode, partitionCount, maxRecordBytes, timestampType }` |
//! | `partitions` | `[topic, partition]` | the partition's state (see [`codec`]) |
//! | `batches` | `[topic, partition, baseOffset]` | one encoded record batch, a `Uint8Array` |
//! | `batch_index` | `[topic, partition, baseOffset]` | `{ topic, partition, baseOffset, nextOffset, baseSequence, maxTimestampSoFar }`, with indexes `by_sequence` and `by_time` |
//! | `groups` | `[group, topic, partition]` | a committed offset (kept for consumer groups) |
//!
//! Schema 1 (the first release) had no `batch_index` and no `timestampType`; opening a schema-1
//! database builds the index from the stored batch headers in the upgrade transaction.
//!
//! Opening a database reads nothing; listing topics reads `topics` and `partitions` only.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use streamlab_idb::IdbStore;
//! use streamlab_log::{Mode, Storage, TopicConfig};
//!
//! let store = IdbStore::open("streamlab").await?;
//! store.create_topic(&TopicConfig::new("orders", Mode::Kafka, 3)?).await?;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod codec;
mod error;
mod idb;
mod leases;
mod store;

pub use error::IdbError;
pub use leases::{LeaseOwner, LeaseTable, LEASE_DATABASE};
pub use store::{DamagedTopic, IdbStore, TopicListing, SCHEMA_VERSION};

#[doc(no_inline)]
pub use streamlab_log::{PartitionState, Storage};
