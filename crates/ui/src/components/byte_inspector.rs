//! The byte inspector (`byte-inspector`): a stored record batch's bytes with every field
//! labelled, and a demo copy in which the user flips bytes to watch the CRC check fail.

use yew::prelude::*;

use streamlab_log::{batch_fields, RecordBatch, BATCH_HEADER_LEN};

use crate::hooks::use_lab::LabActions;
use crate::state::InspectedBatch;
use crate::view::typed;

/// The most bytes the hex dump draws (the field table covers the whole batch).
const DUMP_BYTES: usize = 1024;
/// The most fields the table lists.
const MAX_FIELDS: usize = 300;

/// Properties of [`ByteInspector`].
#[derive(Properties, PartialEq)]
pub struct ByteInspectorProps {
    /// The batch to show.
    pub batch: InspectedBatch,
}

/// A batch's bytes, labelled; flipping a byte changes only a copy held here, never the store.
#[function_component]
pub fn ByteInspector(props: &ByteInspectorProps) -> Html {
    crate::renders::count("ByteInspector");
    let lab = use_context::<LabActions>();
    // Flipped byte positions in the demo copy; a new batch starts clean.
    let flipped = use_state(Vec::<usize>::new);
    let flip_at = use_state(|| BATCH_HEADER_LEN.to_string());
    {
        let flipped = flipped.clone();
        use_effect_with(
            (props.batch.partition, props.batch.base_offset),
            move |_| flipped.set(Vec::new()),
        );
    }
    let original = &props.batch.bytes;
    let mut copy = original.as_ref().clone();
    for &i in flipped.iter() {
        if let Some(b) = copy.get_mut(i) {
            *b ^= 0x01;
        }
    }
    let check = RecordBatch::decode(&copy);
    let fields = batch_fields(&copy);
    let toggle = |i: usize| {
        let flipped = flipped.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*flipped).clone();
            match next.iter().position(|&x| x == i) {
                Some(at) => {
                    next.remove(at);
                }
                None => next.push(i),
            }
            flipped.set(next);
        })
    };
    let onflip = {
        let (flipped, flip_at, len) = (flipped.clone(), flip_at.clone(), copy.len());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Ok(i) = flip_at.trim().parse::<usize>() {
                if i < len {
                    let mut next = (*flipped).clone();
                    next.push(i);
                    flipped.set(next);
                }
            }
        })
    };
    let onreset = {
        let flipped = flipped.clone();
        Callback::from(move |_: MouseEvent| flipped.set(Vec::new()))
    };
    let onclose = {
        let lab = lab.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(lab) = lab.as_ref() {
                lab.records.close_inspector();
            }
        })
    };
    // Which field each byte belongs to, for colours and tooltips.
    let field_of = |i: usize| fields.iter().position(|f| f.range.contains(&i));
    let dump = copy.iter().take(DUMP_BYTES).enumerate().map(|(i, b)| {
        let field = field_of(i);
        let name = field.map_or("", |f| fields[f].name.as_str());
        let class = classes!(
            "sl-byte",
            field.map(|f| format!("sl-f{}", f % 6)),
            flipped.contains(&i).then_some("flipped"),
            (i % 16 == 0).then_some("sl-line-start"),
        );
        html! {
            <span {class} title={format!("byte {i}: {name}")} data-index={i.to_string()} onclick={toggle(i)}>
                { format!("{b:02x}") }
            </span>
        }
    });
    let rows = fields.iter().take(MAX_FIELDS).map(|f| {
        html! {
            <tr data-testid="byte-field" data-field={f.name.clone()}>
                <td>{ &f.name }</td>
                <td class="sl-num">{ format!("{}–{}", f.range.start, f.range.end.saturating_sub(1)) }</td>
                <td class="sl-value">{ &f.value }</td>
            </tr>
        }
    });
    let (ok, verdict) = match &check {
        Ok(batch) => (
            true,
            format!(
                "CRC-32C checks out: {} records, offsets {}–{}",
                batch.records().len(),
                batch.header().base_offset,
                batch.header().next_offset().0.saturating_sub(1)
            ),
        ),
        Err(e) => (false, format!("Rejected: {e}")),
    };
    html! {
        <div class="sl-card sl-inspector" data-testid="byte-inspector">
            <div class="sl-row sl-inspector-head">
                <h3 class="sl-grow">{ format!("Batch at base offset {} of partition {} · {} bytes", props.batch.base_offset, props.batch.partition, original.len()) }</h3>
                <button data-testid="byte-close" onclick={onclose}>{ "Close" }</button>
            </div>
            <p class={classes!("sl-check", if ok { "ok" } else { "bad" })} data-testid="byte-check" data-ok={ok.to_string()}>
                { verdict }
            </p>
            <form class="sl-row" onsubmit={onflip}>
                <label class="sl-narrow">{ "Flip byte" }
                    <input data-testid="byte-flip-index" type="number" min="0" max={copy.len().saturating_sub(1).to_string()} value={(*flip_at).clone()} oninput={typed(&flip_at)} />
                </label>
                <button type="submit" data-testid="byte-flip-submit">{ "Flip in the demo copy" }</button>
                <button type="button" data-testid="byte-reset" onclick={onreset} disabled={flipped.is_empty()}>{ "Restore" }</button>
                <span class="sl-muted sl-hint sl-grow">
                    { "Click any byte to flip its lowest bit. Only this copy changes; the stored batch stays as it is." }
                </span>
            </form>
            <div class="sl-dump">{ for dump }</div>
            if copy.len() > DUMP_BYTES {
                <p class="sl-muted sl-hint">{ format!("The first {DUMP_BYTES} of {} bytes.", copy.len()) }</p>
            }
            <table class="sl-table">
                <thead><tr><th>{ "Field" }</th><th class="sl-num">{ "Bytes" }</th><th>{ "Value" }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}
