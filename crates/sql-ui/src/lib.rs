//! The dashboard's Streams panel, a bundle of its own: ksqlDB's SQL over the lab's log (editor,
//! results, persistent queries with their topology, declared streams and tables) and the
//! processor worker's lifecycle. A lab loads it (through the loader's `__streamlabLoadSql`) only
//! once its database has statements or its user opens the panel, so a lab that never runs SQL
//! never downloads it; the lab hands it an element to render into and hears back which topic to
//! open and how many persistent queries run.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod components;
mod use_processor;

use wasm_bindgen::prelude::*;
use yew::prelude::*;
use yew::AppHandle;

use components::StreamsPanel;
use use_processor::use_processor;

/// Prepares the bundle's wasm: panics are reported on the console.
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Where the bundle's files are, so the processor worker starts from there.
#[wasm_bindgen]
pub fn set_script_base(url: &str) {
    streamlab_workers::set_script_base(url);
}

/// Properties of [`SqlApp`], as the lab sets them.
#[derive(Properties, PartialEq, Clone)]
pub struct SqlAppProps {
    /// The lab's database.
    pub db: AttrValue,
    /// Whether the database has statements (its queries run while the lab is open).
    pub has_statements: bool,
    /// Whether the panel is shown (in place of the lab's open topic).
    pub open: bool,
    /// The topic the lab has open, for the examples.
    pub topic: Option<AttrValue>,
    /// Opens a topic in the lab.
    pub ontopic: Callback<String>,
    /// Hears how many persistent queries run.
    pub onqueries: Callback<usize>,
}

/// The processor and, when open, the panel.
#[function_component]
pub fn SqlApp(props: &SqlAppProps) -> Html {
    let processor = use_processor(props.db.clone(), props.has_statements);
    {
        let onqueries = props.onqueries.clone();
        use_effect_with(processor.state.queries.len(), move |n| onqueries.emit(*n));
    }
    if !props.open {
        return Html::default();
    }
    html! {
        <StreamsPanel db={props.db.clone()} processor={processor.clone()}
                      topic={props.topic.clone()} ontopic={props.ontopic.clone()} />
    }
}

/// The panel mounted for one lab.
#[wasm_bindgen]
pub struct MountedSql {
    app: Option<AppHandle<SqlApp>>,
    props: SqlAppProps,
}

#[wasm_bindgen]
impl MountedSql {
    /// The lab's state changed: whether its database has statements, whether the panel is
    /// shown, and the topic it has open.
    pub fn update(&mut self, has_statements: bool, open: bool, topic: Option<String>) {
        let props = SqlAppProps {
            has_statements,
            open,
            topic: topic.map(AttrValue::from),
            ..self.props.clone()
        };
        if props == self.props {
            return;
        }
        self.props = props.clone();
        if let Some(app) = self.app.as_mut() {
            app.update(props);
        }
    }

    /// Unmounts the panel; its processor worker ends with it.
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }
}

/// Mounts the panel into `root` for database `db`: `ontopic(name)` opens a topic in the lab,
/// `onqueries(count)` reports how many persistent queries run.
#[wasm_bindgen]
pub fn mount_sql(
    root: web_sys::Element,
    db: String,
    ontopic: js_sys::Function,
    onqueries: js_sys::Function,
) -> MountedSql {
    let call = |f: js_sys::Function| {
        move |v: JsValue| {
            let _ = f.call1(&JsValue::NULL, &v);
        }
    };
    let (topic, queries) = (call(ontopic), call(onqueries));
    let props = SqlAppProps {
        db: db.into(),
        has_statements: false,
        open: false,
        topic: None,
        ontopic: Callback::from(move |name: String| topic(JsValue::from_str(&name))),
        onqueries: Callback::from(move |n: usize| queries(JsValue::from(n as u32))),
    };
    let app = yew::Renderer::<SqlApp>::with_root_and_props(root, props.clone()).render();
    MountedSql {
        app: Some(app),
        props,
    }
}
