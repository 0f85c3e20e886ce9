//! Streamlab's stream processing: ksqlDB's SQL dialect over Streamlab's log, as pure Rust.
//!
//! A stream is a topic read as events; a table is a topic read as a changelog. Statements are
//! parsed ([`parser`], sqlparser's tokenizer and expressions under ksqlDB's statement shapes),
//! planned against the declared sources ([`plan`]: typed columns, ksqlDB's names, the key), and
//! run by [`Engine`]: every record of a topic goes through each persistent query reading it, a
//! deterministic state machine from input records to output records.
//!
//! It knows nothing of wasm, IndexedDB or the log's storage: the records it reads and writes
//! are plain bytes, so it is tested natively against ksqlDB's own query-validation tests.
//!
//! ```
//! use streamlab_streams::{Engine, InputRecord};
//!
//! let mut engine = Engine::new();
//! engine.add_topic("orders", 1);
//! let results = engine.execute(
//!     "CREATE STREAM orders (id STRING KEY, customer STRING, amount DOUBLE) \
//!        WITH (kafka_topic='orders', value_format='JSON');
//!      CREATE TABLE order_counts AS SELECT customer, COUNT(*) AS n FROM orders GROUP BY customer EMIT CHANGES;",
//! );
//! assert!(results.iter().all(|r| r.ok), "{results:?}");
//!
//! let order = |value: &str, ts| InputRecord {
//!     key: Some(b"o-1".to_vec()),
//!     value: Some(value.as_bytes().to_vec()),
//!     timestamp: ts,
//!     window: None,
//! };
//! engine.process("orders", &order(r#"{"customer": "alice", "amount": 2.5}"#, 1));
//! let out = engine.process("orders", &order(r#"{"customer": "alice", "amount": 1.0}"#, 2));
//! assert_eq!(out[0].topic, "ORDER_COUNTS");
//! assert_eq!(out[0].key.as_deref(), Some(&b"alice"[..]));
//! assert_eq!(out[0].value.as_deref(), Some(&br#"{"N":2}"#[..]));
//! ```
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod aggregate;
pub mod ast;
pub mod catalog;
mod convert;
pub mod engine;
pub mod error;
pub mod exec;
pub mod expr;
pub mod format;
pub mod functions;
pub mod join;
mod join_state;
mod json_fields;
pub mod parser;
pub mod plan;
pub mod processor;
pub mod schema;
pub mod state;
pub mod topology;
pub mod types;
pub mod window;

pub use engine::{Engine, StatementResult, TopicRequest};
pub use error::{ParseError, SqlError};
pub use exec::{InputRecord, OutputRecord, Processed, RunningQuery};
pub use types::{SqlType, Value};
pub use window::WindowBounds;
