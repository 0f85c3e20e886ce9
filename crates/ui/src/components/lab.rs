//! The whole lab: one per `<stream-lab>` element.

use yew::prelude::*;

use streamlab_log::Mode;

use crate::components::byte_inspector::ByteInspector;
use crate::components::charts::Charts;
use crate::components::consumer_panel::ConsumerPanel;
use crate::components::error_banner::ErrorBanner;
use crate::components::partition_grid::PartitionGrid;
use crate::components::produce_panel::ProducePanel;
use crate::components::producer_runs::ProducerRuns;
use crate::components::records_table::RecordsTable;
use crate::components::table_view::TableViewCard;
use crate::components::topic_create::TopicCreate;
use crate::components::topic_delete::TopicDelete;
use crate::components::topic_io::TopicIo;
use crate::components::topic_list::TopicList;
use crate::hooks::use_lab::{use_lab, LabHandle};
use crate::view::find_topic;

/// Properties of [`Lab`].
#[derive(Properties, PartialEq)]
pub struct LabProps {
    /// The IndexedDB database this lab uses.
    pub db: AttrValue,
}

/// A Streamlab dashboard.
#[function_component]
pub fn Lab(props: &LabProps) -> Html {
    let lab = use_lab(props.db.clone());
    let state = &*lab.state;
    let open = state
        .open_topic
        .as_ref()
        .and_then(|name| find_topic(&state.topics, name))
        .cloned();

    let main = match open {
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
                    <ProducePanel mode={words} rules={topic.config.mode()} />
                    <ProducerRuns key={topic.config.name().as_str().to_owned()} mode={topic.config.mode()} />
                    <PartitionGrid topic={topic.clone()} {words} />
                    <ConsumerPanel topic={topic.clone()} {words} />
                    <Charts topic={topic.clone()} {words} />
                    <RecordsTable topic={topic.clone()} mode={words} rows={state.records.clone()} query={state.records_query.clone()} />
                    if let Some(batch) = state.inspected.clone() {
                        <ByteInspector {batch} />
                    }
                    <TableViewCard mode={words} />
                    <TopicIo />
                    <p class="sl-muted sl-footnote">
                        { format!("Everything on this {what} lives in IndexedDB database '{}'; reload the page and it is still here.", props.db) }
                    </p>
                </section>
            }
        }
        None => html! {
            <section class="sl-empty">
                <h2>{ "Create a topic to begin" }</h2>
                <p>{ "A topic (Kafka) or stream (Kinesis) is an append-only log split into partitions (shards). Producers append records; consumers read them back by offset, as often as they like." }</p>
            </section>
        },
    };

    html! {
        <ContextProvider<LabHandle> context={lab.clone()}>
            <div class="sl-lab">
                <aside class="sl-sidebar">
                    <div class="sl-brand">
                        <span class="sl-logo">{ "▤" }</span>
                        <span>{ "Streamlab" }</span>
                    </div>
                    <TopicCreate />
                    <TopicList />
                </aside>
                <main class="sl-main">
                    <ErrorBanner />
                    { main }
                </main>
            </div>
        </ContextProvider<LabHandle>>
    }
}
