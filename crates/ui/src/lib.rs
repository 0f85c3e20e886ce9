//! The Streamlab dashboard: Yew components rendered into `<stream-lab>` elements.
//!
//! The UI reads the store directly for its views and sends produce requests to a producer Web
//! Worker; it decides nothing about the log itself (validation, partitioning and offsets come
//! from `streamlab-log`).
//!
//! The element itself is defined by the loader `web/stream-lab.js` (a stable file name a page
//! references); it loads this bundle from its own directory and calls [`mount_lab`] for each
//! element, in the element's shadow root.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod components;
mod hooks;
mod renders;
mod state;
mod tools;
mod view;

use wasm_bindgen::prelude::*;
use yew::AppHandle;

pub use components::lab::{Lab, LabProps};

/// The database a `<stream-lab>` element uses when it names none.
pub const DEFAULT_DB: &str = "streamlab";

/// Prepares the page's wasm: panics are reported on the console.
pub fn start() {
    console_error_panic_hook::set_once();
}

/// One mounted lab, as the loader holds it for its element.
#[wasm_bindgen]
pub struct MountedLab {
    app: Option<AppHandle<Lab>>,
}

#[wasm_bindgen]
impl MountedLab {
    /// Applies changed attributes (`topic`, `partitions`, `mode`, `view`) to the running lab.
    pub fn update(&mut self, attributes: &JsValue) {
        if let Some(app) = self.app.as_mut() {
            app.update(lab_props(attributes));
        }
    }

    /// Unmounts the lab: its workers end (consumers commit first) and its database closes.
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }
}

/// Renders a lab into `root` (an element inside a `<stream-lab>`'s shadow root) with the
/// element's `attributes` (an object of attribute name to value or null).
#[wasm_bindgen]
pub fn mount_lab(root: web_sys::Element, attributes: &JsValue) -> MountedLab {
    let app = yew::Renderer::<Lab>::with_root_and_props(root, lab_props(attributes)).render();
    MountedLab { app: Some(app) }
}

/// Where the bundle's files are (the loader's own directory), so workers start from there
/// whatever the page's address. (The scripting API, `streamlab-script`, has its own.)
#[wasm_bindgen]
pub fn set_script_base(url: &str) {
    streamlab_workers::set_script_base(url);
}

/// The lab's properties from the element's attributes.
fn lab_props(attributes: &JsValue) -> LabProps {
    let get = |name: &str| -> Option<String> {
        js_sys::Reflect::get(attributes, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    };
    let text = |name: &str| get(name).map(yew::AttrValue::from);
    LabProps {
        db: get("db")
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DB.to_owned())
            .into(),
        topic: text("topic").filter(|t| !t.trim().is_empty()),
        partitions: text("partitions"),
        mode: text("mode"),
        view: text("view"),
        // A boolean attribute: present (any value) means yes.
        ephemeral: get("ephemeral").is_some(),
        scenario: text("scenario").filter(|s| !s.trim().is_empty()),
    }
}
