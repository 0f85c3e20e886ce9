//! The worker binary Trunk builds as `streamlab-worker.js` + `streamlab-worker_bg.wasm`: a
//! producer or a consumer, as its name says.
fn main() {
    console_error_panic_hook::set_once();
    streamlab_workers::serve_by_name();
}
