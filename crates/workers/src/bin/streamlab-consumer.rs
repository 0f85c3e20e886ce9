//! The worker binary Trunk builds as `streamlab-consumer.js` + `streamlab-consumer_bg.wasm`.
fn main() {
    console_error_panic_hook::set_once();
    streamlab_workers::serve::<streamlab_workers::ConsumerWorker>();
}
