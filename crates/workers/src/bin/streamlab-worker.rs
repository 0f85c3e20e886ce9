//! The worker binary Trunk builds as `streamlab-worker.js` + `streamlab-worker_bg.wasm`.
use gloo_worker::Registrable;

fn main() {
    console_error_panic_hook::set_once();
    streamlab_workers::ProducerWorker::registrar().register();
}
