//! The Streams panel, which is a bundle of its own (`crates/sql-ui`): loaded through the loader
//! (`globalThis.__streamlabLoadSql`) once the lab's database has statements (its queries run
//! while the lab is open) or the user opens the panel, and mounted into an element of its own
//! that the lab places where the open topic would be. A lab that never runs SQL never fetches
//! it.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function load_sql() {
  const load = globalThis.__streamlabLoadSql;
  return load ? load() : Promise.reject(new Error('the Streams panel is served with stream-lab.js; this page did not load it'));
}
"#)]
extern "C" {
    fn load_sql() -> js_sys::Promise;
}

/// The panel as the lab places it.
pub struct SqlHost {
    /// The element the panel renders into.
    pub node: Html,
    /// How many persistent queries run (the sidebar says so).
    pub queries: usize,
}

/// What a lab keeps of its mounted panel: the bundle's `MountedSql` and the callbacks it calls.
#[derive(Default)]
struct Mounted {
    panel: Option<JsValue>,
    loading: bool,
    callbacks: Vec<Closure<dyn Fn(JsValue)>>,
    /// The lab's newest state, for a panel mounted after it changed.
    latest: (bool, bool, Option<AttrValue>),
}

fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &JsValue::from_str(method))?.dyn_into()?;
    f.apply(target, &args.iter().collect::<js_sys::Array>())
}

/// Updates the mounted panel with the lab's state.
fn update(panel: &JsValue, has_statements: bool, open: bool, topic: &Option<AttrValue>) {
    let topic = topic
        .as_ref()
        .map_or(JsValue::UNDEFINED, |t| JsValue::from_str(t));
    let _ = call(
        panel,
        "update",
        &[has_statements.into(), open.into(), topic],
    );
}

/// The Streams panel of database `db`: loaded once `has_statements || open`; `ontopic` opens a
/// topic in the lab; `onerror` reports a bundle that could not be loaded.
#[hook]
pub fn use_sql(
    db: AttrValue,
    has_statements: bool,
    open: bool,
    topic: Option<AttrValue>,
    ontopic: Callback<String>,
    onerror: Callback<String>,
) -> SqlHost {
    let host = use_memo((), |_| {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("div").ok())
    });
    let mounted = use_mut_ref(Mounted::default);
    let queries = use_state(|| 0usize);
    let state = (has_statements, open, topic.clone());
    {
        let (mounted, host, queries) = (Rc::clone(&mounted), host.clone(), queries.clone());
        let db = db.clone();
        use_effect_with(state, move |(has_statements, open, topic)| {
            let needed = *has_statements || *open;
            mounted.borrow_mut().latest = (*has_statements, *open, topic.clone());
            let current = mounted.borrow().panel.clone();
            match current {
                Some(panel) => update(&panel, *has_statements, *open, topic),
                None if needed && !mounted.borrow().loading => {
                    mounted.borrow_mut().loading = true;
                    load_and_mount(db, (*host).clone(), mounted, ontopic, queries, onerror);
                }
                None => {}
            }
        });
    }
    {
        // The lab's end (or a new database) ends the panel and its processor.
        let mounted = Rc::clone(&mounted);
        use_effect_with(db, move |_| {
            move || {
                let mut m = mounted.borrow_mut();
                if let Some(panel) = m.panel.take() {
                    let _ = call(&panel, "destroy", &[]);
                }
                m.callbacks.clear();
            }
        });
    }
    let node = match &*host {
        Some(element) => Html::VRef(element.clone().into()),
        None => Html::default(),
    };
    SqlHost {
        node,
        queries: *queries,
    }
}

/// Loads the bundle, mounts the panel into `host` and brings it up to the lab's newest state.
fn load_and_mount(
    db: AttrValue,
    host: Option<web_sys::Element>,
    mounted: Rc<RefCell<Mounted>>,
    ontopic: Callback<String>,
    queries: UseStateHandle<usize>,
    onerror: Callback<String>,
) {
    wasm_bindgen_futures::spawn_local(async move {
        let loaded = wasm_bindgen_futures::JsFuture::from(load_sql()).await;
        let (Ok(api), Some(host)) = (loaded.clone(), host) else {
            mounted.borrow_mut().loading = false;
            let why = loaded
                .err()
                .and_then(|e| {
                    e.as_string()
                        .or_else(|| Reflect::get(&e, &"message".into()).ok()?.as_string())
                })
                .unwrap_or_else(|| "no element to show it in".to_owned());
            onerror.emit(format!("the Streams panel could not be loaded: {why}"));
            return;
        };
        let open_topic = Closure::<dyn Fn(JsValue)>::new(move |name: JsValue| {
            if let Some(name) = name.as_string() {
                ontopic.emit(name);
            }
        });
        let count = Closure::<dyn Fn(JsValue)>::new(move |n: JsValue| {
            queries.set(n.as_f64().map_or(0, |n| n as usize));
        });
        let panel = call(
            &api,
            "mount_sql",
            &[
                host.into(),
                JsValue::from_str(&db),
                open_topic.as_ref().clone(),
                count.as_ref().clone(),
            ],
        );
        let mut m = mounted.borrow_mut();
        m.loading = false;
        match panel {
            Ok(panel) => {
                let (has_statements, open, topic) = m.latest.clone();
                update(&panel, has_statements, open, &topic);
                m.panel = Some(panel);
                m.callbacks = vec![open_topic, count];
            }
            Err(e) => onerror.emit(format!(
                "the Streams panel could not be mounted: {}",
                e.as_string().unwrap_or_default()
            )),
        }
    });
}
