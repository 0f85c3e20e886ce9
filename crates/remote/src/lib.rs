//! The `<stream-lab>` element on a Kinesis Data Streams endpoint (AWS, LocalStack, kinesalite)
//! instead of the browser's IndexedDB: a console for streams, shards, producing and replaying,
//! over `streamlab-kinesis`. A bundle of its own: the loader fetches it only for an element
//! with an `endpoint` attribute, so labs on IndexedDB never download it.
//!
//! Credentials are typed by the user and kept in this page's memory; only when the user ticks
//! "remember on this device" are they stored (in the origin's localStorage, per endpoint), and
//! they are never logged or exported.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod components;
mod credentials;
mod remote;
mod state;

use streamlab_element::{Attributes, Mounted};
use wasm_bindgen::prelude::*;

pub use components::console::{ConsoleProps, KinesisConsole};

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
pub struct MountedRemote(Mounted<KinesisConsole>);

#[wasm_bindgen]
impl MountedRemote {
    /// Applies changed attributes (`topic`, `partitions`, `region`).
    pub fn update(&mut self, attributes: &JsValue) {
        self.0.update(console_props(attributes));
    }

    /// Unmounts the console; credentials typed into it are gone with it.
    pub fn destroy(&mut self) {
        self.0.destroy();
    }
}

/// Renders a console into `root` (inside a `<stream-lab>`'s shadow root) with the element's
/// `attributes` (an object of attribute name to value or null).
#[wasm_bindgen]
pub fn mount_remote(root: web_sys::Element, attributes: &JsValue) -> MountedRemote {
    MountedRemote(Mounted::mount(root, console_props(attributes)))
}

fn console_props(attributes: &JsValue) -> ConsoleProps {
    let attributes = Attributes(attributes);
    ConsoleProps {
        endpoint: attributes.text("endpoint"),
        region: attributes.text("region"),
        stream: attributes.text("topic"),
        shards: attributes.text("partitions"),
    }
}
