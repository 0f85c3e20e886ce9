//! The console for one `<stream-lab endpoint=…>` element: the connect form until connected,
//! then the sidebar and the open stream.

use yew::prelude::*;

use crate::components::connect::ConnectPanel;
use crate::components::sidebar::Sidebar;
use crate::components::stream::StreamView;
use crate::remote::Remote;
use crate::state::{Client, Console};

/// Properties: the element's attributes.
#[derive(Properties, PartialEq, Clone, Debug, Default)]
pub struct ConsoleProps {
    /// The endpoint URL (`endpoint`; empty: the user types one).
    #[prop_or_default]
    pub endpoint: Option<AttrValue>,
    /// The region (`region`, default us-east-1).
    #[prop_or_default]
    pub region: Option<AttrValue>,
    /// A stream to open, created when missing (`topic`).
    #[prop_or_default]
    pub stream: Option<AttrValue>,
    /// Its shard count when it is created (`partitions`, default 4).
    #[prop_or_default]
    pub shards: Option<AttrValue>,
}

/// The console: its state, and the [`Remote`] its components act through.
#[function_component]
pub fn KinesisConsole(props: &ConsoleProps) -> Html {
    let console = use_reducer(Console::default);
    let client = use_mut_ref(|| None::<Client>);
    let remote = Remote::new(client, console.dispatcher());
    let state = &*console;
    let error = state.error.as_ref().map(|e| {
        html! { <div class="sl-card sl-error" role="alert" data-testid="error-message">{ e.clone() }</div> }
    });
    let notice = state
        .notice
        .as_ref()
        .map(|n| html! { <p class="sl-muted">{ n.clone() }</p> });
    let Some((endpoint, region)) = state.connected.clone() else {
        let typed = props.endpoint.as_deref().unwrap_or("http://localhost:4566");
        return html! {
            <ContextProvider<Remote> context={remote}>
                <div class="sl-lab sl-compact sl-remote">
                    <main class="sl-main sl-connect">
                        <ConnectPanel endpoint={typed.to_owned()}
                                      region={props.region.clone().unwrap_or_else(|| "us-east-1".into())}
                                      stream={props.stream.clone()} shards={props.shards.clone()}
                                      working={state.working} />
                        { error }
                        { notice }
                    </main>
                </div>
            </ContextProvider<Remote>>
        };
    };
    let main = match (&state.open, &state.status) {
        (Some(name), Some(status)) => html! {
            <StreamView name={name.clone()} status={status.clone()} endpoint={endpoint.clone()} console={state.clone()} />
        },
        _ => html! {
            <section class="sl-empty">
                <h2>{ "Open or create a stream" }</h2>
                <p>{ "Streams live on the endpoint, not in this browser: what you create here is created there." }</p>
            </section>
        },
    };
    html! {
        <ContextProvider<Remote> context={remote}>
            <div class="sl-lab sl-remote">
                <Sidebar {endpoint} {region} streams={state.streams.clone()} open={state.open.clone()} working={state.working} />
                <main class="sl-main">
                    { error }
                    { notice }
                    { main }
                </main>
            </div>
        </ContextProvider<Remote>>
    }
}
