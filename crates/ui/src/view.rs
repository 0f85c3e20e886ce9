//! Turning the log's values into text for the screen.

use streamlab_log::{ShardId, TopicMetadata};

/// One record as the records table shows it: the same text form consumers deliver.
pub type RecordRow = streamlab_protocol::ConsumedRecord;

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
