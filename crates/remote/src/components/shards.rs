//! The open stream's shards (`partition-row`): ranges, states and lineage, with SplitShard and
//! MergeShards.

use yew::prelude::*;

use streamlab_kinesis::api::Shard;

use crate::components::view::{parse_hash, shard_number, short, table};
use crate::remote::{load_stream, Remote};

/// Properties of [`ShardTable`].
#[derive(Properties, PartialEq)]
pub struct ShardTableProps {
    /// The open stream.
    pub stream: String,
    /// Its shards, as last listed.
    pub shards: Vec<Shard>,
}

/// One row per shard; an open shard splits at the middle of its range or merges with the open
/// shard whose range starts right after its own.
#[function_component]
pub fn ShardTable(props: &ShardTableProps) -> Html {
    let Some(remote) = use_context::<Remote>() else {
        return Html::default();
    };
    let onsplit = {
        let (remote, stream) = (remote.clone(), props.stream.clone());
        Callback::from(move |shard: Shard| {
            let range = &shard.hash_key_range;
            let (Some(start), Some(end)) = (
                parse_hash(&range.starting_hash_key),
                parse_hash(&range.ending_hash_key),
            ) else {
                return;
            };
            if end <= start {
                return remote.error(format!(
                    "{} holds one hash key: it cannot be split",
                    shard.shard_id
                ));
            }
            // The middle of the range, as the in-browser log splits.
            let at = start + (end - start) / 2 + 1;
            let stream = stream.clone();
            remote.run(move |client, dispatch| async move {
                client.split_shard(&stream, &shard.shard_id, at).await?;
                client.wait_until_active(&stream, 200, 150).await?;
                load_stream(&client, &dispatch, &stream).await
            });
        })
    };
    let onmerge = {
        let (remote, stream) = (remote.clone(), props.stream.clone());
        Callback::from(move |(shard, adjacent): (String, String)| {
            let stream = stream.clone();
            remote.run(move |client, dispatch| async move {
                client.merge_shards(&stream, &shard, &adjacent).await?;
                client.wait_until_active(&stream, 200, 150).await?;
                load_stream(&client, &dispatch, &stream).await
            });
        })
    };
    let rows = props.shards.iter().map(|s| {
        let closed = s.sequence_number_range.ending_sequence_number.is_some();
        let parents = [s.parent_shard_id.clone(), s.adjacent_parent_shard_id.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" + ");
        // The open shard whose range starts right after this one's.
        let next = s.hash_key_range.ending_hash_key.parse::<u128>().ok().and_then(|end| {
            props.shards.iter().find(|o| {
                o.sequence_number_range.ending_sequence_number.is_none()
                    && o.hash_key_range.starting_hash_key.parse::<u128>().ok() == end.checked_add(1)
            })
        });
        let split = (!closed).then(|| {
            let (onsplit, shard) = (onsplit.clone(), s.clone());
            html! { <button class="sl-small" data-testid="shard-split" onclick={Callback::from(move |_: MouseEvent| onsplit.emit(shard.clone()))}>{ "Split" }</button> }
        });
        let merge = (!closed).then_some(()).and(next).map(|n| {
            let (onmerge, pair) = (onmerge.clone(), (s.shard_id.clone(), n.shard_id.clone()));
            html! { <button class="sl-small" data-testid="shard-merge" onclick={Callback::from(move |_: MouseEvent| onmerge.emit(pair.clone()))}>{ format!("Merge with {}", shard_number(&n.shard_id)) }</button> }
        });
        html! {
            <tr data-testid="partition-row" data-shard-id={s.shard_id.clone()}
                data-starting-hash-key={s.hash_key_range.starting_hash_key.clone()}
                data-ending-hash-key={s.hash_key_range.ending_hash_key.clone()}
                data-state={if closed { "CLOSED" } else { "OPEN" }}
                data-parent={s.parent_shard_id.clone()}
                data-adjacent-parent={s.adjacent_parent_shard_id.clone()}>
                <td><code>{ s.shard_id.clone() }</code></td>
                <td>{ if closed { "CLOSED" } else { "OPEN" } }</td>
                <td class="sl-hash">
                    <div><code title={s.hash_key_range.starting_hash_key.clone()}>{ short(&s.hash_key_range.starting_hash_key) }</code></div>
                    <div><code title={s.hash_key_range.ending_hash_key.clone()}>{ short(&s.hash_key_range.ending_hash_key) }</code></div>
                </td>
                <td class="sl-seq">
                    <code title={s.sequence_number_range.starting_sequence_number.clone()}>{ short(&s.sequence_number_range.starting_sequence_number) }</code>
                    if let Some(end) = &s.sequence_number_range.ending_sequence_number {
                        <div class="sl-muted sl-hint" title={end.clone()}>{ format!("ends at {}", short(end)) }</div>
                    }
                </td>
                <td>{ if parents.is_empty() { "–".to_owned() } else { parents } }</td>
                <td class="sl-actions">{ split }{ merge }</td>
            </tr>
        }
    });
    html! {
        <div class="sl-card">
            <h3>{ "Shards" }</h3>
            { table(&["Shard", "State", "Hash-key range", "Sequence numbers", "Parents", ""], rows.collect()) }
        </div>
    }
}
