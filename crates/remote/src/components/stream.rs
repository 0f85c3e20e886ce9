//! The open stream: its header (status, refresh, delete), PutRecords, shards, a consumer
//! application and GetRecords.

use yew::prelude::*;

use crate::components::consumer::ConsumerApp;
use crate::components::produce::ProducePanel;
use crate::components::read::ShardReader;
use crate::components::shards::ShardTable;
use crate::remote::Remote;
use crate::state::Console;

/// Properties of [`StreamView`].
#[derive(Properties, PartialEq)]
pub struct StreamViewProps {
    /// The open stream.
    pub name: String,
    /// Its status and open shard count (DescribeStreamSummary).
    pub status: (String, u32),
    /// The endpoint connected to.
    pub endpoint: String,
    /// The console's state (its stream parts go to the panels as their props).
    pub console: Console,
}

/// One open stream.
#[function_component]
pub fn StreamView(props: &StreamViewProps) -> Html {
    let Some(remote) = use_context::<Remote>() else {
        return Html::default();
    };
    let (name, (status, open_count), state) = (&props.name, &props.status, &props.console);
    let refresh = {
        let (remote, name) = (remote.clone(), name.clone());
        Callback::from(move |_: MouseEvent| remote.open(name.clone()))
    };
    let delete = {
        let (remote, name) = (remote.clone(), name.clone());
        Callback::from(move |_: MouseEvent| remote.delete(name.clone()))
    };
    html! {
        <section class="sl-topic">
            <header class="sl-topic-header">
                <h2>{ name.clone() }</h2>
                <span class="sl-badge kinesis">{ "Kinesis stream" }</span>
                <span class="sl-muted" data-testid="stream-status" data-status={status.clone()}>{ format!("{status} · {open_count} open shards") }</span>
                <span class="sl-grow"></span>
                <button class="sl-small" data-testid="stream-refresh" onclick={refresh}
                        title="Read the stream's status and shards again (others may write to it or reshard it)">{ "Refresh" }</button>
                <button class="sl-small" data-testid="topic-delete" onclick={delete}>{ "Delete stream" }</button>
            </header>
            <ProducePanel stream={name.clone()} produced={state.produced.clone()} working={state.working} />
            <ShardTable stream={name.clone()} shards={state.shards.clone()} />
            <ConsumerApp stream={name.clone()} endpoint={props.endpoint.clone()} consumed={state.consumed.clone()} working={state.working} />
            <ShardReader stream={name.clone()} shards={state.shards.clone()} read={state.read.clone()} working={state.working} />
        </section>
    }
}
