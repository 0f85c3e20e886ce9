//! The whole lab: one per `<stream-lab>` element.

use yew::prelude::*;

use streamlab_log::{CleanupPolicy, Mode, TopicName};
use streamlab_protocol::processor::COMMAND_TOPIC;

use crate::components::byte_inspector::ByteInspector;
use crate::components::charts::Charts;
use crate::components::consumer_panel::ConsumerPanel;
use crate::components::error_banner::ErrorBanner;
use crate::components::partition_grid::PartitionGrid;
use crate::components::produce_panel::ProducePanel;
use crate::components::producer_runs::ProducerRuns;
use crate::components::records_table::RecordsTable;
use crate::components::storage_usage::StorageUsage;
use crate::components::table_view::TableViewCard;
use crate::components::topic_create::TopicCreate;
use crate::components::topic_delete::TopicDelete;
use crate::components::topic_io::TopicIo;
use crate::components::topic_list::TopicList;
use crate::hooks::use_lab::{use_lab, LabActions};
use crate::hooks::use_sql::use_sql;
use crate::view::find_topic;

/// Properties of [`Lab`]: the `<stream-lab>` element's attributes.
#[derive(Properties, PartialEq, Clone, Debug, Default)]
pub struct LabProps {
    /// The IndexedDB database this lab uses (`db`); labs naming the same one share data.
    pub db: AttrValue,
    /// The topic to open, created when missing (`topic`).
    #[prop_or_default]
    pub topic: Option<AttrValue>,
    /// Its partitions (shards) when it is created (`partitions`, default 3).
    #[prop_or_default]
    pub partitions: Option<AttrValue>,
    /// Its mode when it is created (`mode`: kafka, the default, or kinesis).
    #[prop_or_default]
    pub mode: Option<AttrValue>,
    /// `dashboard` (the default) or `compact` (`view`).
    #[prop_or_default]
    pub view: Option<AttrValue>,
    /// Empty the database when the lab loads (`ephemeral`).
    #[prop_or_default]
    pub ephemeral: bool,
    /// A scenario file to replay on an emptied database (`scenario`, a URL).
    #[prop_or_default]
    pub scenario: Option<AttrValue>,
}

/// How much of the lab an element shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    /// Everything.
    Dashboard,
    /// Produce, partitions and a consumer, for a page of documentation.
    Compact,
}

/// A Streamlab dashboard.
#[function_component]
pub fn Lab(props: &LabProps) -> Html {
    crate::renders::count("Lab");
    let root = use_node_ref();
    let (state, lab) = use_lab(
        props.db.clone(),
        props.ephemeral || props.scenario.is_some(),
    );
    let ready = state.ready;
    // A database with statements has persistent queries: its processor runs while the lab is open.
    let has_statements = state
        .topics
        .iter()
        .any(|t| t.config.name().as_str() == COMMAND_TOPIC);
    // The Streams panel in place of the open topic: a bundle of its own, loaded once the
    // database has statements (its queries run while the lab is open) or the panel is opened.
    let streams_open = use_state(|| false);
    // Made once, so the topic list's props stay equal while the topics do.
    let onopen = {
        let streams_open = streams_open.setter();
        use_callback((), move |(), _| streams_open.set(false))
    };
    let ontopic = {
        let (lab, streams_open) = (lab.clone(), streams_open.clone());
        Callback::from(move |name: String| {
            match TopicName::new(&name, Mode::Kafka) {
                Ok(topic) => lab.open_topic(topic),
                Err(e) => lab.report_error(e.to_string()),
            }
            streams_open.set(false);
        })
    };
    let sql = use_sql(
        props.db.clone(),
        has_statements,
        *streams_open && props.view.as_deref().map(str::trim) != Some("compact"),
        state
            .open_topic
            .as_ref()
            .map(|t| AttrValue::from(t.as_str().to_owned())),
        ontopic,
        {
            let lab = lab.clone();
            Callback::from(move |message: String| lab.report_error(message))
        },
    );
    {
        let lab = lab.clone();
        let deps = (
            ready,
            props.topic.clone(),
            props.partitions.clone(),
            props.mode.clone(),
            props.scenario.is_some(),
        );
        use_effect_with(deps, move |(ready, topic, partitions, mode, scenario)| {
            // With a scenario, the scenario makes the topics; `topic` only picks one to show.
            if let (true, false, Some(topic)) = (*ready, *scenario, topic) {
                lab.topics
                    .ensure(topic, partitions.as_deref(), mode.as_deref());
            }
        });
    }
    {
        let lab = lab.clone();
        let topic = props.topic.clone();
        use_effect_with((ready, props.scenario.clone()), move |(ready, scenario)| {
            if let (true, Some(source)) = (*ready, scenario) {
                lab.scenario.run(source.clone(), topic);
            }
        });
    }
    let view = match props.view.as_deref().map(str::trim) {
        None | Some("" | "dashboard") => View::Dashboard,
        Some("compact") => View::Compact,
        Some(other) => {
            return html! {
                <div class="sl-card sl-error" data-testid="error-message">
                    { format!("attribute view: '{other}' is not dashboard or compact") }
                </div>
            }
        }
    };
    let state = &*state;
    let scenario = state.scenario.as_ref().map(|s| {
        let text = match &s.error {
            Some(e) => format!("stopped at {e}"),
            None if s.state() == "done" => format!("{} of {} steps done", s.done, s.total),
            None => format!("{} of {} steps: {}", s.done, s.total, s.step),
        };
        html! {
            <div class="sl-card sl-scenario" data-testid="scenario-status" data-state={s.state()}>
                <strong>{ "Scenario " }</strong><code>{ s.source.clone() }</code>
                <span class="sl-muted">{ format!(" · {text}") }</span>
            </div>
        }
    });
    let open = state
        .open_topic
        .as_ref()
        .and_then(|name| find_topic(&state.topics, name))
        .cloned();

    let main = match open {
        _ if *streams_open && view == View::Dashboard => html! {
            { sql.node.clone() }
        },
        Some(topic) => {
            let kinesis = topic.config.mode() == Mode::Kinesis;
            // The vocabulary the dashboard speaks; the rules stay the topic's own.
            let words = state.vocabulary.unwrap_or(topic.config.mode());
            let other = match words {
                Mode::Kafka => Mode::Kinesis,
                Mode::Kinesis => Mode::Kafka,
            };
            let ontoggle = {
                let lab = lab.clone();
                Callback::from(move |_: MouseEvent| lab.set_vocabulary(other))
            };
            let partition_grid = html! {
                <PartitionGrid topic={topic.clone()} {words} sequences={state.sequences.clone()}
                               corrupt={state.corrupt.clone()} cleanup={state.cleanup.clone()} />
            };
            let consumer_panel = html! {
                <ConsumerPanel topic={topic.clone()} {words} consumers={state.consumers.clone()}
                               group_reset={state.group_reset.clone()} />
            };
            let table_view = html! { <TableViewCard mode={words} table={state.table.clone()} /> };
            let (unit, what) = if kinesis {
                ("shards", "stream")
            } else {
                ("partitions", "topic")
            };
            html! {
                <section class="sl-topic">
                    <header class="sl-topic-header">
                        <h2>{ topic.config.name().as_str() }</h2>
                        <span class={classes!("sl-badge", topic.config.mode().as_str())}>
                            { if kinesis { "Kinesis stream" } else { "Kafka topic" } }
                        </span>
                        <span class="sl-muted">
                            { format!("{} {unit}", topic.partitions.len()) }
                        </span>
                        <span class="sl-grow"></span>
                        <button class={classes!("sl-toggle", words.as_str())} data-testid="mode-toggle" data-mode={words.as_str()}
                                title="Show the same data in the other system's words; the topic keeps its own rules"
                                onclick={ontoggle}>
                            <span class={classes!((words == Mode::Kafka).then_some("on"))}>{ "Kafka words" }</span>
                            <span class={classes!((words == Mode::Kinesis).then_some("on"))}>{ "Kinesis words" }</span>
                        </button>
                        <TopicDelete name={topic.config.name().clone()} />
                    </header>
                    <ProducePanel mode={words} rules={topic.config.mode()} topic={topic.config.name().clone()}
                                  produced={state.produced.clone()} pending={state.pending} />
                    if view == View::Compact {
                        { partition_grid }
                        // A compacted topic is a table's changelog: a lesson shows the table.
                        if topic.config.cleanup_policy() == CleanupPolicy::Compact {
                            { table_view }
                        }
                        { consumer_panel }
                    } else {
                    <ProducerRuns key={topic.config.name().as_str().to_owned()} mode={topic.config.mode()}
                                  topic={topic.config.name().clone()} runs={state.runs.clone()} />
                    { partition_grid }
                    { consumer_panel }
                    <Charts topic={topic.clone()} {words} consumers={state.consumers.clone()} />
                    <RecordsTable topic={topic.clone()} mode={words} rows={state.records.clone()} query={state.records_query.clone()} />
                    if let Some(batch) = state.inspected.clone() {
                        <ByteInspector {batch} />
                    }
                    { table_view }
                    <TopicIo topic={topic.clone()} import={state.import.clone()} exported={state.exported.clone()} />
                    <p class="sl-muted sl-footnote">
                        { format!("Everything on this {what} lives in IndexedDB database '{}'; reload the page and it is still here.", props.db) }
                    </p>
                    }
                </section>
            }
        }
        None if view == View::Compact => html! {
            <section class="sl-empty">
                <h2>{ if ready { "No topic yet" } else { "Opening the database…" } }</h2>
                <p>{ "Give the element a topic attribute (topic=\"orders\" partitions=\"3\") or a scenario." }</p>
            </section>
        },
        None => html! {
            <section class="sl-empty">
                <h2>{ if state.topics.is_empty() { "Create a topic to begin" } else { "Open a topic from the list" } }</h2>
                <p>{ "A topic (Kafka) or stream (Kinesis) is an append-only log split into partitions (shards). Producers append records; consumers read them back by offset, as often as they like." }</p>
            </section>
        },
    };

    let compact = view == View::Compact;
    let stores = !state.topics.is_empty();
    // The element becomes a console of a Kinesis endpoint: it gets an (empty) endpoint
    // attribute, and the loader mounts the endpoint bundle, which asks for the URL and keys.
    let onkinesis = {
        let root = root.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(host) = streamlab_element::element_of(&root) {
                let _ = host.set_attribute("endpoint", "");
            }
        })
    };
    html! {
        <ContextProvider<LabActions> context={lab.clone()}>
            <div ref={root} class={classes!("sl-lab", compact.then_some("sl-compact"))}
                 data-view={if compact { "compact" } else { "dashboard" }}>
                if !compact {
                    <aside class="sl-sidebar">
                        <div class="sl-brand">
                            <span class="sl-logo">{ "▤" }</span>
                            <span>{ "Streamlab" }</span>
                        </div>
                        <TopicCreate opened={ready} field_error={state.field_error.clone()} />
                        <button class={classes!("sl-card", "sl-nav", streams_open.then_some("selected"))} data-testid="nav-streams"
                                onclick={{ let s = streams_open.clone(); Callback::from(move |_: MouseEvent| s.set(true)) }}>
                            <strong>{ "Streams (SQL)" }</strong>
                            <span class="sl-muted">{ match sql.queries {
                                0 => "streams, tables and queries in ksqlDB's SQL".to_owned(),
                                1 => "1 persistent query".to_owned(),
                                n => format!("{n} persistent queries"),
                            } }</span>
                        </button>
                        <TopicList topics={state.topics.clone()} damaged={state.damaged.clone()} open={state.open_topic.clone()}
                                   showing={!*streams_open}
                                   onopen={onopen} />
                        <div class="sl-card sl-backend">
                            <span class="sl-muted">{ "Backend: this browser's IndexedDB" }</span>
                            <button class="sl-small" data-testid="backend-kinesis" onclick={onkinesis}
                                    title="Drive a Kinesis Data Streams endpoint (AWS, LocalStack, kinesalite) instead">
                                { "Use a Kinesis endpoint…" }
                            </button>
                        </div>
                    </aside>
                }
                <main class="sl-main">
                    <ErrorBanner error={state.error.clone()} />
                    <StorageUsage alert=true {stores} generation={state.generation} storage_full={state.storage_full} />
                    { scenario }
                    { main }
                    if !compact {
                        <StorageUsage {stores} generation={state.generation} storage_full={state.storage_full} />
                    }
                </main>
            </div>
        </ContextProvider<LabActions>>
    }
}
