//! What every bundle the loader (`web/stream-lab.js`) mounts into a `<stream-lab>` element
//! shares: mounting its root component into the element's shadow root, applying changed
//! attributes, unmounting, and reading the attributes the loader hands over. Each bundle's
//! `#[wasm_bindgen]` handle (`MountedLab`, `MountedRemote`) wraps a [`Mounted`].
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use wasm_bindgen::{JsCast, JsValue};
use yew::{AppHandle, AttrValue, BaseComponent, NodeRef};

/// A component mounted for one element, until [`Mounted::destroy`].
pub struct Mounted<C: BaseComponent> {
    app: Option<AppHandle<C>>,
}

impl<C: BaseComponent> Mounted<C> {
    /// Renders `C` with `props` into `root` (an element inside the element's shadow root).
    pub fn mount(root: web_sys::Element, props: C::Properties) -> Mounted<C> {
        let app = yew::Renderer::<C>::with_root_and_props(root, props).render();
        Mounted { app: Some(app) }
    }

    /// Applies changed attributes to the running component.
    pub fn update(&mut self, props: C::Properties) {
        if let Some(app) = self.app.as_mut() {
            app.update(props);
        }
    }

    /// Unmounts the component (its hooks' cleanups run: workers end, databases close).
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }
}

/// The `<stream-lab>` element whose shadow root holds `inside` (to switch its backend by
/// setting or removing its `endpoint` attribute, which makes the loader remount it).
pub fn element_of(inside: &NodeRef) -> Option<web_sys::Element> {
    inside
        .cast::<web_sys::Element>()
        .map(|e| e.get_root_node())
        .and_then(|n| n.dyn_into::<web_sys::ShadowRoot>().ok())
        .map(|s| s.host())
}

/// The element's attributes as the loader passes them: an object of attribute name to value,
/// or null for an absent attribute.
pub struct Attributes<'a>(pub &'a JsValue);

impl Attributes<'_> {
    /// The attribute's value, if it is present (possibly empty).
    pub fn get(&self, name: &str) -> Option<String> {
        js_sys::Reflect::get(self.0, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    }

    /// The attribute's value, if it is present and not blank.
    pub fn text(&self, name: &str) -> Option<AttrValue> {
        self.get(name)
            .filter(|v| !v.trim().is_empty())
            .map(AttrValue::from)
    }

    /// A boolean attribute: present, whatever its value.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}
