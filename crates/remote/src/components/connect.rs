//! The connect form (`kinesis-connect-form`): endpoint, region and keys, remembered on request.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use streamlab_kinesis::sigv4::Credentials;
use streamlab_kinesis::{FetchTransport, KinesisClient};

use crate::components::view::{checked, leave_endpoint};
use crate::credentials;
use crate::remote::{create_stream, load_stream, Remote};
use crate::state::{Action, ConnectForm};

/// Properties of [`ConnectPanel`].
#[derive(Properties, PartialEq)]
pub struct ConnectPanelProps {
    /// The endpoint the form starts with (the element's `endpoint`, or LocalStack's).
    pub endpoint: String,
    /// The region it starts with.
    pub region: AttrValue,
    /// A stream to open once connected, created when missing (the element's `topic`).
    pub stream: Option<AttrValue>,
    /// Its shard count when it is created (the element's `partitions`, default 4).
    pub shards: Option<AttrValue>,
    /// A call is under way.
    pub working: bool,
}

/// Asks for the endpoint and keys, connects, and opens the element's stream if it names one.
#[function_component]
pub fn ConnectPanel(props: &ConnectPanelProps) -> Html {
    let remote = use_context::<Remote>();
    let remembered = credentials::recall(&props.endpoint);
    // The form's fields, held here (not in the inputs) so a re-render never loses them.
    let form = {
        let (endpoint, saved) = (props.endpoint.clone(), remembered.clone());
        let region = props.region.to_string();
        use_state(move || ConnectForm {
            endpoint,
            region,
            access_key_id: saved
                .as_ref()
                .map(|c| c.access_key_id.clone())
                .unwrap_or_default(),
            secret_access_key: saved
                .as_ref()
                .map(|c| c.secret_access_key.clone())
                .unwrap_or_default(),
            session_token: saved.and_then(|c| c.session_token).unwrap_or_default(),
        })
    };
    let edit = |field: fn(&mut ConnectForm) -> &mut String| {
        let form = form.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*form).clone();
            *field(&mut next) = e.target_unchecked_into::<HtmlInputElement>().value();
            form.set(next);
        })
    };
    let remember_in = use_node_ref();
    let root = use_node_ref();
    let Some(remote) = remote else {
        return Html::default();
    };

    let onconnect = {
        let (remote, form, remember_in) = (remote.clone(), form.clone(), remember_in.clone());
        let (stream, shards) = (props.stream.clone(), props.shards.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (endpoint, region) = (form.endpoint.clone(), form.region.clone());
            let region = if region.trim().is_empty() {
                "us-east-1".to_owned()
            } else {
                region.trim().to_owned()
            };
            let token = form.session_token.clone();
            let keys = Credentials {
                access_key_id: form.access_key_id.trim().to_owned(),
                secret_access_key: form.secret_access_key.clone(),
                session_token: (!token.trim().is_empty()).then(|| token.trim().to_owned()),
            };
            if keys.access_key_id.is_empty() || keys.secret_access_key.is_empty() {
                return remote.error(
                    "give an access key id and its secret (LocalStack and kinesalite take any)",
                );
            }
            if checked(&remember_in) {
                credentials::remember(endpoint.trim(), &keys);
            }
            match KinesisClient::new(&endpoint, &region, keys, FetchTransport) {
                Ok(client) => remote.connect(Rc::new(client)),
                Err(e) => return remote.error(e.to_string()),
            }
            let (stream, shards) = (stream.clone(), shards.clone());
            remote.run(move |client, dispatch| async move {
                let names = client.list_streams().await?;
                dispatch.dispatch(Action::Connected(
                    client.endpoint().url.clone(),
                    region.clone(),
                ));
                dispatch.dispatch(Action::Streams(names.clone()));
                match stream {
                    Some(name) if names.iter().any(|n| *n == *name) => {
                        load_stream(&client, &dispatch, &name).await
                    }
                    Some(name) => {
                        let count = shards.and_then(|s| s.trim().parse().ok()).unwrap_or(4);
                        create_stream(&client, &dispatch, &name, count).await
                    }
                    None => Ok(()),
                }
            });
        })
    };
    let onforget = {
        let (remote, endpoint) = (remote.clone(), props.endpoint.clone());
        Callback::from(move |_: MouseEvent| {
            credentials::forget(&endpoint);
            remote.dispatch(Action::Notice(format!(
                "the credentials remembered for {endpoint} are forgotten"
            )));
        })
    };
    html! {
        <form class="sl-card" data-testid="kinesis-connect-form" novalidate=true onsubmit={onconnect} ref={root.clone()}>
            <h2>{ "Connect to a Kinesis endpoint" }</h2>
            <p class="sl-muted">{ "AWS (https://kinesis.<region>.amazonaws.com), LocalStack (http://localhost:4566) or kinesalite. The endpoint must allow this page's origin (CORS). The keys stay in this page's memory unless you ask to remember them here." }</p>
            <div class="sl-row">
                <label class="sl-grow">{ "Endpoint" }
                    <input data-testid="kinesis-endpoint" value={form.endpoint.clone()} oninput={edit(|f| &mut f.endpoint)} autocomplete="off" />
                </label>
                <label>{ "Region" }
                    <input data-testid="kinesis-region" value={form.region.clone()} oninput={edit(|f| &mut f.region)} autocomplete="off" />
                </label>
            </div>
            <div class="sl-row">
                <label>{ "Access key id" }
                    <input data-testid="kinesis-access-key" value={form.access_key_id.clone()} oninput={edit(|f| &mut f.access_key_id)} autocomplete="off" />
                </label>
                <label>{ "Secret access key" }
                    <input data-testid="kinesis-secret-key" type="password" value={form.secret_access_key.clone()} oninput={edit(|f| &mut f.secret_access_key)} autocomplete="off" />
                </label>
                <label>{ "Session token (optional)" }
                    <input data-testid="kinesis-session-token" type="password" value={form.session_token.clone()} oninput={edit(|f| &mut f.session_token)} autocomplete="off" />
                </label>
            </div>
            <div class="sl-row">
                <label class="sl-check">
                    <input ref={remember_in} type="checkbox" data-testid="kinesis-remember" />
                    { " Remember these keys on this device (localStorage)" }
                </label>
                if remembered.is_some() {
                    <button type="button" class="sl-small" data-testid="kinesis-forget" onclick={onforget}>{ "Forget the remembered keys" }</button>
                }
                <span class="sl-grow"></span>
                <button type="button" data-testid="backend-browser" onclick={leave_endpoint(&root)}>{ "Use the browser's IndexedDB" }</button>
                <button type="submit" class="sl-primary" data-testid="kinesis-connect" disabled={props.working}>
                    { if props.working { "Connecting…" } else { "Connect" } }
                </button>
            </div>
        </form>
    }
}
