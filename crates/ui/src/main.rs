//! The dashboard bundle Trunk builds (`streamlab.js` + `streamlab_bg.wasm`). It mounts nothing
//! on its own: the loader `stream-lab.js` defines `<stream-lab>` and calls
//! [`streamlab_ui::mount_lab`] per element.
fn main() {
    streamlab_ui::start();
}
