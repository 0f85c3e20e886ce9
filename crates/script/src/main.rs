//! The scripting API's bundle (`streamlab-script.js` + wasm), which the loader fetches only when
//! a script asks for `customElements.get('stream-lab').api`; pages that only show labs never
//! download it.
fn main() {
    streamlab_script::start();
}
