//! Small browser helpers the lab's hooks share: a timer, a download, a date reader.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Runs `f` after `ms` milliseconds.
pub fn run_after(ms: i32, f: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(f);
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), ms);
    }
}

/// Reads a date the way the browser does (`Date.parse`): milliseconds since 1970, if it is one.
pub fn parse_date(text: &str) -> Option<i64> {
    let ms = js_sys::Date::parse(text);
    (!ms.is_nan()).then_some(ms as i64)
}

/// Offers `text` to the user as a download named `name`.
pub fn download(name: &str, text: &str) -> Result<(), String> {
    let fail = |_| format!("the browser refused to download {name}");
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/x-ndjson");
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| format!("no document to download {name} from"))?;
    let link: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The click has started the download; the URL is no longer needed after this turn.
    run_after(0, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    Ok(())
}

/// Tells every dashboard on database `db` (this tab's and other tabs') that its log changed:
/// `what` is the topic's name, or `cleared`.
pub fn announce_change(db: &str, what: &str) {
    if let Ok(channel) = web_sys::BroadcastChannel::new(&streamlab_protocol::log_channel(db)) {
        let _ = channel.post_message(&JsValue::from_str(what));
        channel.close();
    }
}
