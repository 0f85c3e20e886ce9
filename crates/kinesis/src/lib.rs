//! Streamlab's second backend, first layer: a client of the Kinesis Data Streams API (JSON 1.1,
//! `X-Amz-Target: Kinesis_20131202.*`) that works against AWS, LocalStack or kinesalite.
//!
//! Requests are signed with AWS Signature Version 4 ([`sigv4`], tested against AWS's published
//! test suite) and sent through a [`Transport`]: `fetch` in a browser, a socket in the native
//! tests (which run against kinesalite, `make test`). Errors are typed ([`KinesisError`]):
//! throttling, a stream busy resharding, an expired iterator, refused credentials each read as
//! such, and the client retries what the AWS SDKs retry, with their backoff ([`RetryPolicy`]).
//!
//! ```
//! use streamlab_kinesis::sigv4::{AmzDate, Credentials};
//! let credentials = Credentials {
//!     access_key_id: "AKIDEXAMPLE".into(),
//!     secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
//!     session_token: None,
//! };
//! // Credentials never print their secret.
//! assert!(!format!("{credentials:?}").contains("wJalr"));
//! assert_eq!(AmzDate::from_unix_ms(1_440_938_160_000).date_time, "20150830T123600Z");
//! ```
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod api;
mod client;
pub mod consumer;
mod error;
#[cfg(target_arch = "wasm32")]
mod fetch;
pub mod sigv4;
pub mod streams;

pub use client::{
    Endpoint, HttpResponse, KinesisClient, PutEntry, PutResult, Records, RetryPolicy,
    StartingPosition, StreamRecord, Transport,
};
pub use error::KinesisError;
#[cfg(target_arch = "wasm32")]
pub use fetch::FetchTransport;
