//! Custom hooks.
pub mod use_lab;
pub mod use_processor;

/// Calls `tick` every `ms` milliseconds until the returned function is called (an effect's
/// cleanup).
pub fn every(ms: i32, tick: impl FnMut() + 'static) -> impl FnOnce() {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let tick = Closure::<dyn FnMut()>::new(tick);
    let id = web_sys::window().and_then(|w| {
        w.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), ms)
            .ok()
    });
    move || {
        if let (Some(id), Some(w)) = (id, web_sys::window()) {
            w.clear_interval_with_handle(id);
        }
        drop(tick);
    }
}
