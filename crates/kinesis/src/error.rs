//! What can go wrong talking to a Kinesis endpoint, typed so the dashboard can say it clearly and
//! the producer knows what to retry.

use thiserror::Error;

/// A failed Kinesis call.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum KinesisError {
    /// The endpoint URL cannot be used.
    #[error("'{0}' is not an endpoint URL (give http:// or https:// and a host, like http://127.0.0.1:4567)")]
    BadEndpoint(String),
    /// The request never got an HTTP answer (the endpoint is down, refused the connection, or
    /// the browser blocked it: CORS).
    #[error("could not reach {endpoint}: {reason}")]
    Unreachable {
        /// The endpoint.
        endpoint: String,
        /// What the transport said.
        reason: String,
    },
    /// A write or read over the shard's or the account's limits
    /// (ProvisionedThroughputExceededException, LimitExceededException, ThrottlingException),
    /// still refused after the retries.
    #[error("throttled by Kinesis ({kind}) after {attempts} attempts: {message}")]
    Throttled {
        /// The exception's name.
        kind: String,
        /// Its message.
        message: String,
        /// How many times the call was made.
        attempts: u32,
    },
    /// The stream is not ACTIVE (CREATING, UPDATING while a reshard runs, DELETING).
    #[error("the stream is busy (ResourceInUseException): {0}")]
    ResourceInUse(String),
    /// The stream or shard does not exist.
    #[error("not found (ResourceNotFoundException): {0}")]
    ResourceNotFound(String),
    /// A shard iterator older than five minutes; get a new one.
    #[error("the shard iterator expired (ExpiredIteratorException): {0}")]
    ExpiredIterator(String),
    /// The request was refused as invalid.
    #[error("refused as invalid ({kind}): {message}")]
    Invalid {
        /// InvalidArgumentException, ValidationException, ...
        kind: String,
        /// Its message.
        message: String,
    },
    /// The credentials were refused.
    #[error("the credentials were refused ({kind}): {message}")]
    AccessDenied {
        /// UnrecognizedClientException, AccessDeniedException, ...
        kind: String,
        /// Its message.
        message: String,
    },
    /// Any other error the service answered with.
    #[error("Kinesis answered HTTP {status} {kind}: {message}")]
    Service {
        /// The HTTP status.
        status: u16,
        /// The exception's name.
        kind: String,
        /// Its message.
        message: String,
    },
    /// An answer that is not what the API documents.
    #[error("unreadable answer to {operation}: {reason}")]
    BadAnswer {
        /// The operation.
        operation: &'static str,
        /// What was wrong.
        reason: String,
    },
}

impl KinesisError {
    /// The error an HTTP status and a JSON 1.1 error body describe (`__type`, `message`).
    pub fn from_answer(status: u16, body: &[u8]) -> KinesisError {
        let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let text = |key: &str| parsed.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        // `__type` may carry a namespace: `com.amazonaws.kinesis.v20131202#ResourceInUseException`.
        let kind = text("__type")
            .map(|t| t.rsplit('#').next().unwrap_or_default().to_owned())
            .unwrap_or_else(|| format!("HTTP {status}"));
        let message = text("message")
            .or_else(|| text("Message"))
            .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
        match kind.as_str() {
            "ProvisionedThroughputExceededException"
            | "LimitExceededException"
            | "ThrottlingException" => KinesisError::Throttled {
                kind,
                message,
                attempts: 1,
            },
            "ResourceInUseException" => KinesisError::ResourceInUse(message),
            "ResourceNotFoundException" => KinesisError::ResourceNotFound(message),
            "ExpiredIteratorException" => KinesisError::ExpiredIterator(message),
            "InvalidArgumentException" | "ValidationException" | "SerializationException" => {
                KinesisError::Invalid { kind, message }
            }
            "UnrecognizedClientException"
            | "AccessDeniedException"
            | "InvalidSignatureException"
            | "IncompleteSignature"
            | "MissingAuthenticationToken" => KinesisError::AccessDenied { kind, message },
            _ => KinesisError::Service {
                status,
                kind,
                message,
            },
        }
    }

    /// Whether the AWS SDKs retry this error: throttling, a server error, or no answer at all.
    pub fn is_retryable(&self) -> bool {
        match self {
            KinesisError::Throttled { .. } | KinesisError::Unreachable { .. } => true,
            KinesisError::Service { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// Whether this is throttling (the SDKs back off longer for it).
    pub fn is_throttling(&self) -> bool {
        matches!(self, KinesisError::Throttled { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_are_typed_by_their_exception_name() {
        let in_use = br#"{"__type":"com.amazonaws.kinesis.v20131202#ResourceInUseException","message":"Stream s is UPDATING"}"#;
        assert_eq!(
            KinesisError::from_answer(400, in_use),
            KinesisError::ResourceInUse("Stream s is UPDATING".into())
        );
        let throttled = br#"{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded for shard"}"#;
        let e = KinesisError::from_answer(400, throttled);
        assert!(e.is_throttling() && e.is_retryable());
        let expired = br#"{"__type":"ExpiredIteratorException","message":"Iterator expired."}"#;
        assert_eq!(
            KinesisError::from_answer(400, expired).to_string(),
            "the shard iterator expired (ExpiredIteratorException): Iterator expired."
        );
        let invalid = KinesisError::from_answer(400, br#"{"__type":"ValidationException"}"#);
        assert!(matches!(invalid, KinesisError::Invalid { .. }) && !invalid.is_retryable());
    }

    #[test]
    fn an_answer_without_json_keeps_its_status_and_text() {
        let e = KinesisError::from_answer(503, b"Service Unavailable");
        assert_eq!(
            e.to_string(),
            "Kinesis answered HTTP 503 HTTP 503: Service Unavailable"
        );
        assert!(e.is_retryable());
    }
}
