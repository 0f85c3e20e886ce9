//! The Streamlab dashboard: Yew components rendered into `<stream-lab>` elements.
//!
//! The UI reads the store directly for its views and sends produce requests to a producer Web
//! Worker; it decides nothing about the log itself (validation, partitioning and offsets come
//! from `streamlab-log`).
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod components;
mod hooks;
pub mod script;
mod state;
mod view;

use wasm_bindgen::JsCast;

pub use components::lab::{Lab, LabProps};

/// The database a `<stream-lab>` element uses when it names none.
pub const DEFAULT_DB: &str = "streamlab";

/// Renders a dashboard into every `<stream-lab>` element of the page (adding one to the body
/// when there is none).
pub fn mount_all() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let mut roots = Vec::new();
    if let Ok(list) = document.query_selector_all("stream-lab") {
        for i in 0..list.length() {
            if let Some(el) = list
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            {
                roots.push(el);
            }
        }
    }
    if roots.is_empty() {
        if let (Ok(el), Some(body)) = (document.create_element("stream-lab"), document.body()) {
            if body.append_child(&el).is_ok() {
                roots.push(el);
            }
        }
    }
    for root in roots {
        let db = root
            .get_attribute("db")
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| DEFAULT_DB.to_owned());
        yew::Renderer::<Lab>::with_root_and_props(root, LabProps { db: db.into() }).render();
    }
}
