//! The console's sidebar: the connection (`kinesis-connection`), CreateStream and the streams.

use yew::prelude::*;

use crate::components::view::{leave_endpoint, value};
use crate::remote::Remote;

/// Properties of [`Sidebar`].
#[derive(Properties, PartialEq)]
pub struct SidebarProps {
    /// The endpoint connected to.
    pub endpoint: String,
    /// Its region.
    pub region: String,
    /// The endpoint's streams.
    pub streams: Vec<String>,
    /// The open stream.
    pub open: Option<String>,
    /// A call is under way.
    pub working: bool,
}

/// Disconnect, go back to IndexedDB, create a stream, open one.
#[function_component]
pub fn Sidebar(props: &SidebarProps) -> Html {
    let remote = use_context::<Remote>();
    let (name_in, count_in, root) = (use_node_ref(), use_node_ref(), use_node_ref());
    let Some(remote) = remote else {
        return Html::default();
    };
    let ondisconnect = {
        let remote = remote.clone();
        Callback::from(move |_: MouseEvent| remote.disconnect())
    };
    let oncreate = {
        let (remote, name_in, count_in) = (remote.clone(), name_in.clone(), count_in.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = value(&name_in).trim().to_owned();
            let typed = value(&count_in);
            let count = if typed.trim().is_empty() {
                Some(4)
            } else {
                typed.trim().parse::<u32>().ok().filter(|n| *n >= 1)
            };
            let Some(count) = count else {
                return remote.error(format!(
                    "'{}' is not a shard count (a whole number from 1)",
                    typed.trim()
                ));
            };
            if name.is_empty() {
                return remote.error("give the stream a name");
            }
            remote.create(name, count);
        })
    };
    let streams = props.streams.iter().map(|name| {
        let (remote, n) = (remote.clone(), name.clone());
        let selected = props.open.as_ref() == Some(name);
        html! {
            <li>
                <button class={classes!("sl-topic-item", selected.then_some("selected"))} data-testid="topic-item" data-topic={name.clone()}
                        onclick={Callback::from(move |_: MouseEvent| remote.open(n.clone()))}>
                    <span class="sl-dot kinesis"></span>
                    <span class="sl-topic-name">{ name.clone() }</span>
                </button>
            </li>
        }
    });
    html! {
        <aside class="sl-sidebar" ref={root.clone()}>
            <div class="sl-brand">
                <span class="sl-logo">{ "▤" }</span>
                <span>{ "Streamlab" }</span>
            </div>
            <div class="sl-card" data-testid="kinesis-connection" data-endpoint={props.endpoint.clone()}>
                <strong>{ "Kinesis endpoint" }</strong>
                <div><code>{ props.endpoint.clone() }</code></div>
                <div class="sl-muted">{ props.region.clone() }</div>
                <div class="sl-row">
                    <button class="sl-small" data-testid="kinesis-disconnect" onclick={ondisconnect}>{ "Disconnect" }</button>
                    <button class="sl-small" data-testid="backend-browser" onclick={leave_endpoint(&root)}>{ "Use IndexedDB" }</button>
                </div>
            </div>
            <form class="sl-card sl-create" novalidate=true onsubmit={oncreate}>
                <h3>{ "CreateStream" }</h3>
                <label>{ "Name" }<input ref={name_in} data-testid="topic-create-name" placeholder="orders" autocomplete="off" /></label>
                <label>{ "Shards" }<input ref={count_in} data-testid="topic-create-partitions" type="number" placeholder="4" min="1" /></label>
                <button type="submit" class="sl-primary" data-testid="topic-create-submit" disabled={props.working}>{ "Create" }</button>
            </form>
            <nav class="sl-card">
                <h3>{ "Streams" }</h3>
                if props.streams.is_empty() {
                    <p class="sl-muted">{ "No streams on this endpoint yet." }</p>
                }
                <ul class="sl-topic-list">{ for streams }</ul>
            </nav>
        </aside>
    }
}
