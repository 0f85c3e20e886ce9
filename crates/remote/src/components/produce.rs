//! PutRecords (`produce-*`): records with `${n}` numbered keys and data, and where each went.

use yew::prelude::*;

use streamlab_kinesis::PutEntry;

use crate::components::view::{parse_hash, short, value};
use crate::remote::{load_stream, Remote};
use crate::state::{Action, Produced, MAX_PRODUCE};

/// Properties of [`ProducePanel`].
#[derive(Properties, PartialEq)]
pub struct ProducePanelProps {
    /// The open stream.
    pub stream: String,
    /// Where the last request's records went.
    pub produced: Vec<Produced>,
    /// A call is under way.
    pub working: bool,
}

/// `template` with `${n}` replaced by `n`.
fn fill(template: &str, n: u32) -> String {
    template.replace("${n}", &n.to_string())
}

/// One PutRecords request of up to [`MAX_PRODUCE`] records, then the stream read again.
#[function_component]
pub fn ProducePanel(props: &ProducePanelProps) -> Html {
    let remote = use_context::<Remote>();
    let (key_in, data_in, hash_in, count_in) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    let Some(remote) = remote else {
        return Html::default();
    };
    let onproduce = {
        let refs = (
            key_in.clone(),
            data_in.clone(),
            hash_in.clone(),
            count_in.clone(),
        );
        let (remote, stream) = (remote.clone(), props.stream.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (key, data, hash) = (value(&refs.0), value(&refs.1), value(&refs.2));
            let typed = value(&refs.3);
            let count = if typed.trim().is_empty() {
                Ok(1)
            } else {
                typed.trim().parse::<u32>()
            };
            let Ok(count) = count else {
                return remote.error(format!(
                    "'{}' is not a count (1 to {MAX_PRODUCE})",
                    typed.trim()
                ));
            };
            if key.trim().is_empty() {
                return remote.error("give a partition key (${n} is the record's number)");
            }
            if !(1..=MAX_PRODUCE).contains(&count) {
                return remote.error(format!(
                    "the count must be 1 to {MAX_PRODUCE} (one PutRecords request)"
                ));
            }
            let hash = hash.trim().to_owned();
            if !hash.is_empty() && parse_hash(&hash).is_none() {
                return remote.error(format!(
                    "'{hash}' is not a hash key (0 to 2^128-1, decimal)"
                ));
            }
            let stream = stream.clone();
            remote.run(move |client, dispatch| async move {
                let entries: Vec<PutEntry> = (0..count)
                    .map(|n| PutEntry {
                        partition_key: fill(&key, n),
                        explicit_hash_key: (!hash.is_empty()).then(|| hash.clone()),
                        data: fill(&data, n).into_bytes(),
                    })
                    .collect();
                let results = client.put_records(&stream, &entries).await?;
                let rows = entries
                    .iter()
                    .zip(results)
                    .map(|(e, r)| match r {
                        Ok(p) => Produced {
                            key: e.partition_key.clone(),
                            shard_id: Some(p.shard_id),
                            sequence_number: Some(p.sequence_number),
                            error: None,
                        },
                        Err(err) => Produced {
                            key: e.partition_key.clone(),
                            shard_id: None,
                            sequence_number: None,
                            error: Some(err.to_string()),
                        },
                    })
                    .collect();
                dispatch.dispatch(Action::Produced(rows));
                load_stream(&client, &dispatch, &stream).await
            });
        })
    };
    let produced = props.produced.iter().map(|p| html! {
        <li data-testid="produce-result" data-key={p.key.clone()} data-shard-id={p.shard_id.clone()} data-sequence-number={p.sequence_number.clone()}>
            <code>{ p.key.clone() }</code>{ " → " }
            { match (&p.shard_id, &p.sequence_number, &p.error) {
                (Some(shard), Some(seq), _) => format!("{shard} · seq {}", short(seq)),
                (_, _, Some(e)) => format!("refused: {e}"),
                _ => "no result".to_owned(),
            } }
        </li>
    });
    html! {
        <form class="sl-card sl-produce" novalidate=true onsubmit={onproduce}>
            <h3>{ "PutRecords" }</h3>
            <div class="sl-row">
                <label>{ "Partition key" }
                    <input ref={key_in} data-testid="produce-key" placeholder="customer-${n}" autocomplete="off" />
                </label>
                <label class="sl-grow">{ "Data" }
                    <input ref={data_in} data-testid="produce-value" placeholder="order ${n}" autocomplete="off" />
                </label>
                <label class="sl-narrow">{ "Count" }
                    <input ref={count_in} data-testid="produce-count" type="number" placeholder="1" min="1" max={MAX_PRODUCE.to_string()} />
                </label>
                <button type="submit" class="sl-primary" data-testid="produce-submit" disabled={props.working}>{ "Put" }</button>
            </div>
            <div class="sl-row">
                <label class="sl-grow">{ "Explicit hash key (optional)" }
                    <input ref={hash_in} data-testid="produce-target" placeholder="0 to 2^128-1, decimal" autocomplete="off" />
                </label>
            </div>
            <p class="sl-muted sl-hint">{ "${n} is the record's number in this request. The service picks the shard whose hash-key range holds MD5(partition key), as the in-browser log does." }</p>
            if !props.produced.is_empty() {
                <ul class="sl-results">{ for produced }</ul>
            }
        </form>
    }
}
