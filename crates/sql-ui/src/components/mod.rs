//! The Streams panel: ksqlDB's SQL over the lab's log. An editor with history and results, the
//! persistent queries with their lag, counts and topology, the declared streams and tables
//! (each opens its topic), and the processor worker, which the learner can kill to see that a
//! crash neither loses nor repeats a result.

mod editor;
mod queries;
mod results;
mod topology;

use yew::prelude::*;

use crate::use_processor::{ProcessorHandle, Worker};
use editor::SqlEditor;
use queries::QueryList;
use results::SqlResults;

/// Properties of [`StreamsPanel`].
#[derive(Properties, PartialEq)]
pub struct StreamsPanelProps {
    /// The lab's database.
    pub db: AttrValue,
    /// The processor worker.
    pub processor: ProcessorHandle,
    /// The topic the lab has open, for the examples.
    #[prop_or_default]
    pub topic: Option<AttrValue>,
    /// Opens a topic in the lab.
    pub ontopic: Callback<String>,
}

fn worker_line(processor: &ProcessorHandle) -> Html {
    let state = &processor.state;
    let (word, text) = match &state.worker {
        None | Some(Worker::Idle) => (
            "idle",
            "not started: running a statement starts it".to_owned(),
        ),
        Some(Worker::Starting) => (
            "starting",
            "opening: replaying statements, restoring state from the changelogs".to_owned(),
        ),
        Some(Worker::Running) => (
            "running",
            "running the queries, one IndexedDB transaction per step".to_owned(),
        ),
        Some(Worker::Killed) => (
            "killed",
            "killed: the step it was in never committed; start it and it resumes from the log"
                .to_owned(),
        ),
        Some(Worker::Failed(message)) => ("failed", format!("failed: {message}")),
    };
    let running = matches!(state.worker, Some(Worker::Running | Worker::Starting));
    let onkill = {
        let p = processor.clone();
        Callback::from(move |_: MouseEvent| p.kill())
    };
    let onstart = {
        let p = processor.clone();
        Callback::from(move |_: MouseEvent| p.start())
    };
    html! {
        <div class="sl-processor" data-testid="processor-status" data-state={word}>
            <span class={classes!("sl-state", word)}>{ "processor worker" }</span>
            <span class="sl-muted">{ text }</span>
            <span class="sl-grow"></span>
            if running {
                <button class="sl-small sl-danger" data-testid="processor-kill" onclick={onkill}
                        title="Terminate the worker now, as a crash would">{ "Kill worker" }</button>
            } else {
                <button class="sl-small" data-testid="processor-start" onclick={onstart}>{ "Start worker" }</button>
            }
        </div>
    }
}

/// The panel.
#[function_component]
pub fn StreamsPanel(props: &StreamsPanelProps) -> Html {
    let processor = &props.processor;
    let state = &processor.state;
    let onrun = {
        let p = processor.clone();
        Callback::from(move |text: String| p.run(text))
    };
    let onstop = {
        let p = processor.clone();
        Callback::from(move |id: String| p.stop_push(id))
    };
    let live = matches!(state.worker, Some(Worker::Running));
    let sources = state.sources.iter().map(|s| {
        let onclick = {
            let (ontopic, topic) = (props.ontopic.clone(), s.topic.clone());
            Callback::from(move |_: MouseEvent| ontopic.emit(topic.clone()))
        };
        html! {
            <tr key={s.name.clone()} data-testid="source-row" data-source={s.name.clone()} data-kind={s.kind.clone()}>
                <td><code>{ s.name.clone() }</code></td>
                <td><span class={classes!("sl-kind", s.kind.to_lowercase())}>{ s.kind.clone() }</span></td>
                <td>
                    <button class="sl-small" data-testid="source-open" data-topic={s.topic.clone()} {onclick}
                            title="Open its topic: records, partitions and the latest value per key">{ s.topic.clone() }</button>
                </td>
                <td class="sl-muted">{ s.columns.clone() }</td>
                <td class="sl-muted">{ s.formats.clone() }</td>
                <td class="sl-muted">{ s.written_by.clone().unwrap_or_default() }</td>
            </tr>
        }
    });
    html! {
        <section class="sl-streams" data-testid="streams-panel">
            <header class="sl-topic-header">
                <h2>{ "Streams (SQL)" }</h2>
                <span class="sl-muted">{ "ksqlDB's SQL over this lab's topics: a stream reads a topic as events, a table as a changelog." }</span>
            </header>
            { worker_line(processor) }
            <div class="sl-card">
                <SqlEditor db={props.db.clone()} onrun={onrun.clone()} topic={props.topic.clone()} />
                <SqlResults submissions={state.submissions.clone()} pushes={state.pushes.clone()} {onstop} />
            </div>
            <div class="sl-card">
                <h3>{ "Persistent queries" }</h3>
                <QueryList queries={state.queries.clone()} rates={state.rates.clone()} {onrun} ontopic={props.ontopic.clone()} {live} />
            </div>
            <div class="sl-card">
                <h3>{ "Streams and tables" }</h3>
                if state.sources.is_empty() {
                    <p class="sl-muted sl-hint">{ "None declared yet: CREATE STREAM or CREATE TABLE over a topic." }</p>
                } else {
                    <table class="sl-table">
                        <thead><tr><th>{ "Name" }</th><th>{ "Kind" }</th><th>{ "Topic" }</th><th>{ "Columns" }</th><th>{ "Key / value format" }</th><th>{ "Written by" }</th></tr></thead>
                        <tbody>{ for sources }</tbody>
                    </table>
                }
            </div>
        </section>
    }
}
