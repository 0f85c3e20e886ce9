//! What the client sends through and how it retries: the [`Transport`], the endpoint's address,
//! and the AWS SDKs' standard-mode backoff.

use crate::sigv4::HttpRequest;
use crate::KinesisError;

/// An HTTP answer: status and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// How the client reaches the endpoint, waits and tells the time: `fetch` and timers in a
/// browser, a socket and a clock in tests.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends `request` and returns the answer, or why there was none.
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, String>;
    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u64);
    /// Milliseconds since 1970 (UTC), for signatures.
    fn now_ms(&self) -> i64;
    /// A number in `[0, 1)`, for the backoff's jitter.
    fn random(&self) -> f64;
}

/// When and how long the client retries: the AWS SDKs' standard mode (the SDK for JavaScript
/// v3's figures): at most 3 attempts, each wait a random share ("full jitter") of
/// `base · 2^attempt`, capped at 20 s; the base is 100 ms, or 500 ms after throttling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Calls made at most, the first included.
    pub max_attempts: u32,
    /// The base wait after an error other than throttling, in ms.
    pub base_ms: u64,
    /// The base wait after throttling, in ms.
    pub throttling_base_ms: u64,
    /// The longest wait, in ms.
    pub max_backoff_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_ms: 100,
            throttling_base_ms: 500,
            max_backoff_ms: 20_000,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry `attempt` (1 for the first retry), given a random `share` in [0, 1).
    pub fn backoff_ms(&self, attempt: u32, throttling: bool, share: f64) -> u64 {
        let base = if throttling {
            self.throttling_base_ms
        } else {
            self.base_ms
        };
        let ceiling = base
            .saturating_mul(1u64 << attempt.min(20))
            .min(self.max_backoff_ms);
        (share.clamp(0.0, 1.0) * ceiling as f64) as u64
    }
}

/// An endpoint URL, split as a signature needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL requests go to.
    pub url: String,
    /// The `host` header (with a port when the URL has one).
    pub host: String,
    /// The path (`/` for Kinesis).
    pub path: String,
}

impl Endpoint {
    /// Reads `http://host[:port][/path]` or `https://…`.
    pub fn parse(url: &str) -> Result<Endpoint, KinesisError> {
        let bad = || KinesisError::BadEndpoint(url.to_owned());
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(bad)?;
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let valid_host = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
        if !valid_host || path.contains(['?', '#']) {
            return Err(bad());
        }
        Ok(Endpoint {
            url: format!("{}{}", &url[..url.len() - rest.len()], rest),
            host: host.to_owned(),
            path: path.to_owned(),
        })
    }
}
