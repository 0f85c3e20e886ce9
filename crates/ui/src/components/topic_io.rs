//! Export the open topic as JSON Lines (`topic-export`) and import a JSON Lines file into it
//! (`topic-import`), with a progress bar (`import-progress`).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use streamlab_log::TopicMetadata;

use crate::hooks::use_lab::LabActions;
use crate::state::ImportView;

/// Properties of [`TopicIo`].
#[derive(Properties, PartialEq)]
pub struct TopicIoProps {
    /// The open topic.
    pub topic: TopicMetadata,
    /// The running or last import.
    pub import: Option<ImportView>,
    /// What the last export did.
    pub exported: Option<String>,
}

/// The export button, the import file picker, and how the last import or export went.
#[function_component]
pub fn TopicIo(props: &TopicIoProps) -> Html {
    crate::renders::count("TopicIo");
    let lab = use_context::<LabActions>();
    let onexport = {
        let (lab, topic) = (lab.clone(), props.topic.config.name().clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(lab) = lab.as_ref() {
                lab.records.export(&topic);
            }
        })
    };
    let onimport = {
        let (lab, topic) = (lab.clone(), props.topic.clone());
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            if let (Some(lab), Some(file)) = (lab.as_ref(), input.files().and_then(|f| f.get(0))) {
                lab.records.import(&topic, file);
            }
            // The same file can be picked again.
            input.set_value("");
        })
    };
    if lab.is_none() {
        return Html::default();
    }
    let import = props.import.clone();
    html! {
        <div class="sl-card sl-io">
            <h3>{ "Export and import" }</h3>
            <div class="sl-row">
                <button data-testid="topic-export" onclick={onexport}>{ "Export as JSON Lines" }</button>
                <label class="sl-file">{ "Import a JSON Lines file" }
                    <input data-testid="topic-import" type="file" accept=".jsonl,.ndjson,.json,application/x-ndjson,text/plain" onchange={onimport} />
                </label>
                if let Some(done) = props.exported.clone() {
                    <span class="sl-muted sl-hint" data-testid="export-result">{ done }</span>
                }
            </div>
            if let Some(import) = import {
                <div class="sl-row">
                    <progress data-testid="import-progress" value={import.done.to_string()} max={import.total.max(1).to_string()}></progress>
                    <span data-testid="import-result" data-done={import.done.to_string()} data-total={import.total.to_string()}>
                        { match &import.error {
                            Some(e) => format!("{}: stopped after {} of {} records: {e}", import.file, import.done, import.total),
                            None if import.done >= import.total => format!("{}: imported {} records", import.file, import.total),
                            None => format!("{}: {} of {} records…", import.file, import.done, import.total),
                        } }
                    </span>
                </div>
            }
            <p class="sl-muted sl-hint">
                { "One record per line: {\"key\": \"alice\", \"value\": \"…\", \"headers\": {\"trace\": \"abc\"}, \"timestamp\": 1700000000000}. Offsets and sequence numbers are assigned anew; a file with a bad line is refused whole, naming the line." }
            </p>
        </div>
    }
}
