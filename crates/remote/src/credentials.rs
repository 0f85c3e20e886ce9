//! Remembered credentials: only when the user asks, in the origin's localStorage under the
//! endpoint's URL; forgotten on request.

use streamlab_kinesis::sigv4::Credentials;

fn key(endpoint: &str) -> String {
    format!("streamlab:kinesis-credentials:{endpoint}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The credentials remembered for `endpoint`, if any.
pub fn recall(endpoint: &str) -> Option<Credentials> {
    let text = storage()?.get_item(&key(endpoint)).ok()??;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    Some(Credentials {
        access_key_id: field("accessKeyId")?,
        secret_access_key: field("secretAccessKey")?,
        session_token: field("sessionToken"),
    })
}

/// Remembers `credentials` for `endpoint`; whether the browser stored them.
pub fn remember(endpoint: &str, credentials: &Credentials) -> bool {
    let value = serde_json::json!({
        "accessKeyId": credentials.access_key_id,
        "secretAccessKey": credentials.secret_access_key,
        "sessionToken": credentials.session_token,
    });
    storage().is_some_and(|s| s.set_item(&key(endpoint), &value.to_string()).is_ok())
}

/// Forgets what was remembered for `endpoint`.
pub fn forget(endpoint: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&key(endpoint));
    }
}
