//! A consumer application (`kinesis-consumer`), run as the KCL runs one: from each shard's
//! checkpoint, parents before children, checkpoints kept in this browser.

use yew::prelude::*;

use streamlab_idb::LeaseOwner;

use crate::components::view::{short, table, value};
use crate::remote::Remote;
use crate::state::ConsumedView;

/// The consumer application when the field is left empty.
const DEFAULT_APPLICATION: &str = "streamlab-console";

/// Properties of [`ConsumerApp`].
#[derive(Properties, PartialEq)]
pub struct ConsumerAppProps {
    /// The open stream.
    pub stream: String,
    /// The endpoint connected to (checkpoints are kept per endpoint, stream and application).
    pub endpoint: String,
    /// The last run.
    pub consumed: Option<ConsumedView>,
    /// A call is under way.
    pub working: bool,
}

/// Reads what came since the application's checkpoints, or forgets them.
#[function_component]
pub fn ConsumerApp(props: &ConsumerAppProps) -> Html {
    let remote = use_context::<Remote>();
    let app_in = use_node_ref();
    let Some(remote) = remote else {
        return Html::default();
    };
    // The application named in the field (or the default) on the open stream of the endpoint.
    let owner = {
        let (app_in, endpoint, stream) =
            (app_in.clone(), props.endpoint.clone(), props.stream.clone());
        move || {
            let typed = value(&app_in).trim().to_owned();
            LeaseOwner {
                endpoint: endpoint.clone(),
                stream: stream.clone(),
                application: if typed.is_empty() {
                    DEFAULT_APPLICATION.to_owned()
                } else {
                    typed
                },
            }
        }
    };
    let onconsume = {
        let (remote, owner) = (remote.clone(), owner.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            remote.consume(owner());
        })
    };
    let onreset = {
        let remote = remote.clone();
        Callback::from(move |_: MouseEvent| remote.reset(owner()))
    };
    let consumed = props.consumed.as_ref().map(|c| {
        let leases = c.checkpoints.iter().map(|(shard, checkpoint)| html! {
            <tr data-testid="lease-row" data-shard-id={shard.clone()} data-checkpoint={checkpoint.clone()}>
                <td><code>{ shard.clone() }</code></td>
                <td><code title={checkpoint.clone()}>{ short(checkpoint) }</code></td>
            </tr>
        });
        let rows = c.records.iter().map(|r| html! {
            <tr data-testid="consumed-row" data-shard-id={r.shard_id.clone()} data-sequence-number={r.sequence_number.clone()} data-key={r.partition_key.clone()}>
                <td><code>{ r.shard_id.clone() }</code></td>
                <td class="sl-seq"><code title={r.sequence_number.clone()}>{ short(&r.sequence_number) }</code></td>
                <td><code>{ r.partition_key.clone() }</code></td>
                <td class="sl-wrap">{ String::from_utf8_lossy(&r.data).into_owned() }</td>
            </tr>
        });
        html! {
            <>
                <p class="sl-muted" data-testid="kinesis-consumed" data-count={c.records.len().to_string()} data-run={c.run.to_string()}>
                    { format!("{} read {} new records{}", c.application, c.records.len(), if c.more { " (more are waiting: read again)" } else { "" }) }
                </p>
                { table(&["Shard", "Checkpoint"], leases.collect()) }
                if !c.records.is_empty() {
                    { table(&["Shard", "Sequence number", "Partition key", "Data"], rows.collect()) }
                }
            </>
        }
    });
    html! {
        <form class="sl-card" data-testid="kinesis-consumer" novalidate=true onsubmit={onconsume}>
            <h3>{ "Consumer application" }</h3>
            <div class="sl-row">
                <label>{ "Application" }
                    <input ref={app_in} data-testid="kinesis-application" placeholder={DEFAULT_APPLICATION} autocomplete="off" />
                </label>
                <button type="submit" class="sl-primary" data-testid="kinesis-consume" disabled={props.working}>{ "Read new records" }</button>
                <button type="button" class="sl-small" data-testid="kinesis-reset" onclick={onreset}>{ "Forget its checkpoints" }</button>
            </div>
            <p class="sl-muted sl-hint">{ "As the Kinesis Client Library does: every shard from its checkpoint (or TRIM_HORIZON), parents to their end (SHARD_END) before their children, then a new checkpoint. The checkpoints are kept in this browser (IndexedDB), per endpoint, stream and application, so the next run, even after a reload, reads only what came since." }</p>
            { for consumed }
        </form>
    }
}
