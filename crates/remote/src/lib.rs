//! The `<stream-lab>` element on a Kinesis Data Streams endpoint (AWS, LocalStack, kinesalite)
//! instead of the browser's IndexedDB: a console for streams, shards, producing and replaying,
//! over `streamlab-kinesis`. A bundle of its own: the loader fetches it only for an element
//! with an `endpoint` attribute, so labs on IndexedDB never download it.
//!
//! Credentials are typed by the user and kept in this page's memory; only when the user ticks
//! "remember on this device" are they stored (in the origin's localStorage, per endpoint), and
//! they are never logged or exported.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod console;
mod credentials;

use wasm_bindgen::prelude::*;
use yew::AppHandle;

pub use console::{ConsoleProps, KinesisConsole};

use streamlab_idb::{LeaseOwner, LeaseTable};
use streamlab_kinesis::consumer::Checkpoints;

/// One consumer application's checkpoints in the browser's lease table (IndexedDB).
pub struct AppLeases<'a>(pub &'a LeaseTable, pub LeaseOwner);

impl Checkpoints for AppLeases<'_> {
    async fn load(&self) -> Result<std::collections::BTreeMap<String, String>, String> {
        let all = self.0.load(&self.1).await.map_err(|e| e.to_string())?;
        Ok(all.into_iter().collect())
    }

    async fn save(&self, shard_id: &str, checkpoint: &str) -> Result<(), String> {
        self.0
            .save(&self.1, shard_id, checkpoint)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Prepares the bundle's wasm: panics are reported on the console.
pub fn start() {
    console_error_panic_hook::set_once();
}

/// One mounted console, as the loader holds it for its element.
#[wasm_bindgen]
pub struct MountedRemote {
    app: Option<AppHandle<KinesisConsole>>,
}

#[wasm_bindgen]
impl MountedRemote {
    /// Applies changed attributes (`topic`, `partitions`, `region`).
    pub fn update(&mut self, attributes: &JsValue) {
        if let Some(app) = self.app.as_mut() {
            app.update(console_props(attributes));
        }
    }

    /// Unmounts the console; credentials typed into it are gone with it.
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }
}

/// Renders a console into `root` (inside a `<stream-lab>`'s shadow root) with the element's
/// `attributes` (an object of attribute name to value or null).
#[wasm_bindgen]
pub fn mount_remote(root: web_sys::Element, attributes: &JsValue) -> MountedRemote {
    let app = yew::Renderer::<KinesisConsole>::with_root_and_props(root, console_props(attributes))
        .render();
    MountedRemote { app: Some(app) }
}

fn console_props(attributes: &JsValue) -> ConsoleProps {
    let get = |name: &str| -> Option<yew::AttrValue> {
        js_sys::Reflect::get(attributes, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
            .filter(|v| !v.trim().is_empty())
            .map(yew::AttrValue::from)
    };
    ConsoleProps {
        endpoint: get("endpoint"),
        region: get("region"),
        stream: get("topic"),
        shards: get("partitions"),
    }
}
