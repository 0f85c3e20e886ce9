//! The processor worker binary Trunk builds as `streamlab-processor.js` +
//! `streamlab-processor_bg.wasm`: a database's streaming-SQL queries, in a bundle of its own.
fn main() {
    console_error_panic_hook::set_once();
    streamlab_workers::serve::<streamlab_workers::ProcessorWorker>();
}
