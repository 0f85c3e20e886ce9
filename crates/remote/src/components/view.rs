//! Small helpers the console's components share: reading inputs, shortening numbers, tables.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The text of an input or select.
pub fn value(node: &NodeRef) -> String {
    if let Some(input) = node.cast::<HtmlInputElement>() {
        return input.value();
    }
    node.cast::<HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

/// Whether a checkbox is ticked.
pub fn checked(node: &NodeRef) -> bool {
    node.cast::<HtmlInputElement>().is_some_and(|i| i.checked())
}

/// A long sequence number or hash key shortened for a table cell (the whole is its tooltip).
pub fn short(number: &str) -> String {
    if number.len() <= 16 {
        return number.to_owned();
    }
    format!("{}…{}", &number[..6], &number[number.len() - 6..])
}

/// `shardId-000000000004` → `#4`.
pub fn shard_number(id: &str) -> String {
    let digits = id.trim_start_matches("shardId-").trim_start_matches('0');
    format!("#{}", if digits.is_empty() { "0" } else { digits })
}

/// A decimal hash key.
pub fn parse_hash(text: &str) -> Option<u128> {
    text.trim().parse().ok()
}

/// A scrolling table with `headers` over `rows`.
pub fn table(headers: &[&str], rows: Html) -> Html {
    html! {
        <div class="sl-scroll-x">
            <table class="sl-table">
                <thead><tr>{ for headers.iter().map(|h| html! { <th>{ *h }</th> }) }</tr></thead>
                <tbody>{ rows }</tbody>
            </table>
        </div>
    }
}

/// Back to the browser's own log: the element holding `inside` loses its endpoint and remounts.
pub fn leave_endpoint(inside: &NodeRef) -> Callback<MouseEvent> {
    let inside = inside.clone();
    Callback::from(move |_: MouseEvent| {
        if let Some(host) = streamlab_element::element_of(&inside) {
            let _ = host.remove_attribute("endpoint");
        }
    })
}
