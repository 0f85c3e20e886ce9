//! The lab's less used operations (JSON Lines export and import, a group's offset reset,
//! cleanup now, scenario files) are in the tools bundle (`crates/script`, `streamlab-script.js`),
//! which the loader fetches the first time one is asked for: a page that only shows labs never
//! downloads them. This is the lab's side: find the bundle through the loader
//! (`customElements.get('stream-lab').api`) and call one of its functions.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The message of a JavaScript error (or the value, written out).
pub fn message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The tools bundle's exports, loaded on first use.
async fn bundle() -> Result<JsValue, String> {
    let unavailable = |e: JsValue| format!("the lab's tools could not load: {}", message(&e));
    let window = web_sys::window().ok_or("the lab's tools need a window")?;
    let registry = Reflect::get(&window, &"customElements".into()).map_err(unavailable)?;
    let get: Function = Reflect::get(&registry, &"get".into())
        .map_err(unavailable)?
        .dyn_into()
        .map_err(unavailable)?;
    let element = get
        .call1(&registry, &"stream-lab".into())
        .map_err(unavailable)?;
    let api = Reflect::get(&element, &"api".into()).map_err(unavailable)?;
    JsFuture::from(Promise::resolve(&api))
        .await
        .map_err(unavailable)
}

/// Calls the tools bundle's `name` with `args` and awaits its answer; a failure is its message.
pub async fn call(name: &str, args: &[&JsValue]) -> Result<JsValue, String> {
    let api = bundle().await?;
    let function: Function = Reflect::get(&api, &name.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| format!("the lab's tools have no {name}"))?;
    let args: Array = args.iter().copied().collect();
    let answer = function
        .apply(&JsValue::NULL, &args)
        .map_err(|e| message(&e))?;
    match answer.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await.map_err(|e| message(&e)),
        Err(value) => Ok(value),
    }
}
