//! The store's errors.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::DomException;

/// What went wrong in IndexedDB, in words a user can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdbError {
    /// Neither the page nor the worker has an `indexedDB` (a sandboxed frame, say).
    #[error("IndexedDB is not available here")]
    Unavailable,
    /// The browser refused to store more: the origin's storage quota is used up.
    #[error(
        "the browser's storage quota is full; delete topics or shorten retention to free space{}",
        in_parentheses(message)
    )]
    QuotaExceeded {
        /// The browser's own message.
        message: String,
    },
    /// Another tab holds the database open at an older version and does not let go.
    #[error("the database upgrade is blocked by another tab that has Streamlab open; close it")]
    Blocked,
    /// The database was written by a newer Streamlab (a higher schema version).
    #[error(
        "this database was written by a newer version of Streamlab; reload to update ({message})"
    )]
    NewerSchema {
        /// The browser's message.
        message: String,
    },
    /// The database was closed (another tab upgraded it, or the browser closed it).
    #[error("the database was closed; reload the page")]
    Closed,
    /// Any other IndexedDB failure, with the browser's name and message.
    #[error("IndexedDB failed: {name}: {message}")]
    Dom {
        /// The `DOMException` name (`AbortError`, `UnknownError`, …).
        name: String,
        /// The browser's message.
        message: String,
    },
    /// A stored value does not have the shape this code writes.
    #[error("stored {what} is malformed: {detail}")]
    Malformed {
        /// Which value.
        what: String,
        /// What is wrong.
        detail: String,
    },
}

/// ` (text)`, or nothing for an empty text (browsers often give no message).
fn in_parentheses(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(" ({text})")
    }
}

impl IdbError {
    /// Whether the browser refused a write because the origin's storage quota is full.
    pub fn is_quota_exceeded(&self) -> bool {
        matches!(self, IdbError::QuotaExceeded { .. })
    }

    /// Converts a value IndexedDB threw or failed with (usually a `DOMException`), so that
    /// code calling IndexedDB directly reports errors the way this store does.
    pub fn from_js(value: JsValue) -> IdbError {
        match value.dyn_into::<DomException>() {
            Ok(e) => IdbError::from_dom(&e),
            Err(other) => IdbError::Dom {
                name: "Error".into(),
                message: other
                    .as_string()
                    .or_else(|| js_sys::JSON::stringify(&other).ok().map(String::from))
                    .unwrap_or_else(|| "unknown error".into()),
            },
        }
    }

    pub(crate) fn from_dom(e: &DomException) -> IdbError {
        match e.name().as_str() {
            "QuotaExceededError" => IdbError::QuotaExceeded {
                message: e.message(),
            },
            "InvalidStateError" if e.message().contains("clos") => IdbError::Closed,
            "VersionError" => IdbError::NewerSchema {
                message: e.message(),
            },
            name => IdbError::Dom {
                name: name.to_owned(),
                message: e.message(),
            },
        }
    }

    pub(crate) fn malformed(what: impl Into<String>, detail: impl Into<String>) -> IdbError {
        IdbError::Malformed {
            what: what.into(),
            detail: detail.into(),
        }
    }
}
