//! Turning the log's values into text for the screen.

use streamlab_log::{ShardId, TopicMetadata};

/// How the records table shows keys and values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueFormat {
    /// UTF-8 text (invalid bytes shown as U+FFFD).
    Text,
    /// Pretty-printed JSON, or the text with a note when it is not JSON.
    Json,
    /// Hexadecimal bytes.
    Hex,
}

impl ValueFormat {
    /// The format named `name` (`text`, `json`, `hex`); text for anything else.
    pub fn parse(name: &str) -> ValueFormat {
        match name {
            "json" => ValueFormat::Json,
            "hex" => ValueFormat::Hex,
            _ => ValueFormat::Text,
        }
    }

    /// `bytes` in this format, and whether it is what was asked for (JSON that does not parse
    /// falls back to text).
    pub fn render(self, bytes: &[u8]) -> (String, bool) {
        match self {
            ValueFormat::Text => (text(bytes), true),
            ValueFormat::Hex => (hex(bytes), true),
            ValueFormat::Json => match pretty_json(bytes) {
                Some(pretty) => (pretty, true),
                None => (text(bytes), false),
            },
        }
    }
}

/// Bytes as UTF-8 text, invalid sequences replaced.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The most bytes a hex view shows before it says how many more there are.
const HEX_MAX: usize = 512;

/// Bytes as hex pairs, 16 per line.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().min(HEX_MAX) * 3 + 16);
    for (i, chunk) in bytes
        .iter()
        .take(HEX_MAX)
        .collect::<Vec<_>>()
        .chunks(16)
        .enumerate()
    {
        if i > 0 {
            out.push('\n');
        }
        let line: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&line.join(" "));
    }
    if bytes.len() > HEX_MAX {
        out.push_str(&format!("\n… {} more bytes", bytes.len() - HEX_MAX));
    }
    out
}

/// Bytes as pretty-printed JSON (two-space indent), if they are JSON.
fn pretty_json(bytes: &[u8]) -> Option<String> {
    let source = std::str::from_utf8(bytes).ok()?;
    let parsed = js_sys::JSON::parse(source).ok()?;
    js_sys::JSON::stringify_with_replacer_and_space(
        &parsed,
        &wasm_bindgen::JsValue::NULL,
        &wasm_bindgen::JsValue::from_f64(2.0),
    )
    .ok()
    .map(String::from)
}

/// `shardId-000000000003` for partition 3.
pub fn shard_id(partition: u32) -> String {
    ShardId(partition).to_string()
}

/// A timestamp in ISO 8601 (UTC), as the browser formats it.
pub fn iso_time(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    if date.get_time().is_nan() {
        return ms.to_string();
    }
    String::from(date.to_iso_string())
}

/// The open topic's metadata, if it is among `topics`.
pub fn find_topic<'a>(
    topics: &'a [TopicMetadata],
    name: &streamlab_log::TopicName,
) -> Option<&'a TopicMetadata> {
    topics.iter().find(|t| t.config.name() == name)
}

/// Keeps what the user types in `field`. (Yew re-applies an input's `value` on every render, so
/// a form whose page re-renders often keeps its inputs in state.)
pub fn typed(field: &yew::UseStateHandle<String>) -> yew::Callback<yew::InputEvent> {
    use wasm_bindgen::JsCast;
    let field = field.clone();
    yew::Callback::from(move |e: yew::InputEvent| {
        if let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            field.set(input.value());
        }
    })
}
