//! The SQL editor (`sql-input`, `sql-run`): Ctrl+Enter runs, Ctrl+↑ / Ctrl+↓ walk the history,
//! which is kept per database in the browser's localStorage so it survives reloads.

use web_sys::{HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

/// Statements kept in the history.
const KEPT: usize = 50;

/// Properties of [`SqlEditor`].
#[derive(Properties, PartialEq)]
pub struct SqlEditorProps {
    /// The database, whose history the editor shows.
    pub db: AttrValue,
    /// Runs the editor's text.
    pub onrun: Callback<String>,
    /// A topic to base the examples on (the open one).
    #[prop_or_default]
    pub topic: Option<AttrValue>,
}

fn storage_key(db: &str) -> String {
    format!("streamlab-sql-history:{db}")
}

fn load_history(db: &str) -> Vec<String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(&storage_key(db)).ok().flatten())
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .map(|v| {
            js_sys::Array::from(&v)
                .iter()
                .filter_map(|s| s.as_string())
                .collect()
        })
        .unwrap_or_default()
}

fn save_history(db: &str, history: &[String]) {
    let list: js_sys::Array = history
        .iter()
        .map(|s| wasm_bindgen::JsValue::from_str(s))
        .collect();
    let text = js_sys::JSON::stringify(&list)
        .ok()
        .and_then(|t| t.as_string());
    if let (Some(storage), Some(text)) = (
        web_sys::window().and_then(|w| w.local_storage().ok().flatten()),
        text,
    ) {
        // A full or disabled storage only loses the history.
        let _ = storage.set_item(&storage_key(db), &text);
    }
}

/// Statements a learner can start from, over `topic`.
fn examples(topic: &str) -> Vec<(&'static str, String)> {
    let stream = topic.to_uppercase().replace(['-', '.'], "_");
    vec![
        (
            "Declare a stream",
            format!(
                "CREATE STREAM {stream} (id STRING KEY, customer STRING, amount DOUBLE)\n  WITH (kafka_topic='{topic}', value_format='JSON');"
            ),
        ),
        (
            "Count per key (a table)",
            format!(
                "CREATE TABLE {stream}_COUNTS AS\n  SELECT customer, COUNT(*) AS orders, SUM(amount) AS total\n  FROM {stream} GROUP BY customer EMIT CHANGES;"
            ),
        ),
        (
            "Filter and project",
            format!(
                "CREATE STREAM BIG_{stream} AS\n  SELECT id, customer, amount FROM {stream} WHERE amount > 10 EMIT CHANGES;"
            ),
        ),
        (
            "Tumbling window",
            format!(
                "CREATE TABLE {stream}_PER_MINUTE AS\n  SELECT customer, COUNT(*) AS orders FROM {stream}\n  WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY customer EMIT CHANGES;"
            ),
        ),
        ("Show what exists", "SHOW STREAMS;\nSHOW TABLES;\nSHOW QUERIES;".to_owned()),
    ]
}

/// The editor, its Run button, the history and examples.
#[function_component]
pub fn SqlEditor(props: &SqlEditorProps) -> Html {
    let text = use_state(String::new);
    let history = {
        let db = props.db.clone();
        use_state(move || load_history(&db))
    };
    // Where Ctrl+↑ has walked to (an index into the history), if anywhere.
    let cursor = use_state(|| None::<usize>);
    let run = {
        let (text, history, cursor, db, onrun) = (
            text.clone(),
            history.clone(),
            cursor.clone(),
            props.db.clone(),
            props.onrun.clone(),
        );
        Callback::from(move |()| {
            let statement = (*text).trim().to_owned();
            if statement.is_empty() {
                return;
            }
            let mut list: Vec<String> = (*history).clone();
            list.retain(|s| s != &statement);
            list.push(statement.clone());
            let drop = list.len().saturating_sub(KEPT);
            list.drain(..drop);
            save_history(&db, &list);
            history.set(list);
            cursor.set(None);
            onrun.emit(statement);
        })
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let onkeydown = {
        let (run, text, history, cursor) =
            (run.clone(), text.clone(), history.clone(), cursor.clone());
        Callback::from(move |e: KeyboardEvent| {
            let modifier = e.ctrl_key() || e.meta_key();
            match e.key().as_str() {
                "Enter" if modifier => {
                    e.prevent_default();
                    run.emit(());
                }
                "ArrowUp" | "ArrowDown" if modifier && !history.is_empty() => {
                    e.prevent_default();
                    let last = history.len() - 1;
                    let at = match (e.key().as_str(), *cursor) {
                        ("ArrowUp", None) => Some(last),
                        ("ArrowUp", Some(i)) => Some(i.saturating_sub(1)),
                        ("ArrowDown", Some(i)) if i < last => Some(i + 1),
                        _ => None,
                    };
                    text.set(at.and_then(|i| history.get(i).cloned()).unwrap_or_default());
                    cursor.set(at);
                }
                _ => {}
            }
        })
    };
    let onclick = {
        let run = run.clone();
        Callback::from(move |_: MouseEvent| run.emit(()))
    };
    let onpick = {
        let text = text.clone();
        Callback::from(move |e: Event| {
            let select = e.target_unchecked_into::<web_sys::HtmlSelectElement>();
            if !select.value().is_empty() {
                text.set(select.value());
            }
            select.set_value("");
        })
    };
    let topic = props.topic.as_deref().unwrap_or("orders");
    let example_buttons = examples(topic).into_iter().map(|(name, sql)| {
        let text = text.clone();
        let onclick = Callback::from(move |_: MouseEvent| text.set(sql.clone()));
        html! { <button class="sl-small" data-testid="sql-example" {onclick}>{ name }</button> }
    });
    let past = history.iter().rev().map(|s| {
        let short: String = s.chars().take(90).collect();
        html! { <option value={s.clone()}>{ short }</option> }
    });
    html! {
        <div class="sl-sql-editor">
            <textarea data-testid="sql-input" spellcheck="false" rows="5"
                      placeholder="CREATE TABLE order_counts AS SELECT customer, COUNT(*) FROM orders GROUP BY customer EMIT CHANGES;"
                      value={(*text).clone()} {oninput} {onkeydown} />
            <div class="sl-row sl-sql-actions">
                <button class="sl-primary" data-testid="sql-run" {onclick}
                        title="Run every statement (Ctrl+Enter)">{ "Run" }</button>
                <span class="sl-muted sl-hint">{ "Ctrl+Enter runs · Ctrl+↑/↓ history" }</span>
                <span class="sl-grow"></span>
                if !history.is_empty() {
                    <select data-testid="sql-history" onchange={onpick} aria-label="History">
                        <option value="" selected=true>{ format!("History ({})", history.len()) }</option>
                        { for past }
                    </select>
                }
            </div>
            <div class="sl-sql-examples">
                <span class="sl-muted sl-hint">{ "Start from: " }</span>
                { for example_buttons }
            </div>
        </div>
    }
}
