//! The worker binary Trunk builds as `streamlab-consumer.js` + `streamlab-consumer_bg.wasm`.
use gloo_worker::Registrable;

fn main() {
    console_error_panic_hook::set_once();
    streamlab_workers::ConsumerWorker::registrar().register();
}
