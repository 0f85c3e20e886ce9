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

use streamlab_element::{Attributes, Mounted};
use wasm_bindgen::prelude::*;

pub use components::lab::{Lab, LabProps};

/// The database a `<stream-lab>` element uses when it names none.
pub const DEFAULT_DB: &str = "streamlab";

/// Prepares the page's wasm: panics are reported on the console.
pub fn start() {
    console_error_panic_hook::set_once();
}

/// One mounted lab, as the loader holds it for its element.
#[wasm_bindgen]
pub struct MountedLab(Mounted<Lab>);

#[wasm_bindgen]
impl MountedLab {
    /// Applies changed attributes (`topic`, `partitions`, `mode`, `view`) to the running lab.
    pub fn update(&mut self, attributes: &JsValue) {
        self.0.update(lab_props(attributes));
    }

    /// Unmounts the lab: its workers end (consumers commit first) and its database closes.
    pub fn destroy(&mut self) {
        self.0.destroy();
    }
}

/// Renders a lab into `root` (an element inside a `<stream-lab>`'s shadow root) with the
/// element's `attributes` (an object of attribute name to value or null).
#[wasm_bindgen]
pub fn mount_lab(root: web_sys::Element, attributes: &JsValue) -> MountedLab {
    MountedLab(Mounted::mount(root, lab_props(attributes)))
}

/// Where the bundle's files are (the loader's own directory), so workers start from there
/// whatever the page's address. (The scripting API, `streamlab-script`, has its own.)
#[wasm_bindgen]
pub fn set_script_base(url: &str) {
    streamlab_workers::set_script_base(url);
}

/// The lab's properties from the element's attributes.
fn lab_props(attributes: &JsValue) -> LabProps {
    let attributes = Attributes(attributes);
    let present = |name: &str| attributes.get(name).map(yew::AttrValue::from);
    LabProps {
        db: attributes.text("db").unwrap_or_else(|| DEFAULT_DB.into()),
        topic: attributes.text("topic"),
        partitions: present("partitions"),
        mode: present("mode"),
        view: present("view"),
        ephemeral: attributes.flag("ephemeral"),
        scenario: attributes.text("scenario"),
    }
}
