//! Render counting, for the render benchmark (`bench/renders.mjs`): when the page has set
//! `globalThis.__streamlabRenders` to an object, each component adds one to its own entry there
//! every time it renders. Without that object a render costs one property read.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// Counts one render of `component` if the page asked for render counts.
pub fn count(component: &'static str) {
    let global = js_sys::global();
    let Ok(counts) = Reflect::get(&global, &JsValue::from_str("__streamlabRenders")) else {
        return;
    };
    if !counts.is_object() {
        return;
    }
    let name = JsValue::from_str(component);
    let seen = Reflect::get(&counts, &name)
        .ok()
        .and_then(|n| n.as_f64())
        .unwrap_or(0.0);
    let _ = Reflect::set(&counts, &name, &JsValue::from_f64(seen + 1.0));
}
