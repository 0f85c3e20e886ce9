//! How much of the browser's storage this site uses, and how to free it (`storage-usage`); and
//! whether the browser keeps it for good: once the lab stores data it asks for persistent
//! storage (`navigator.storage.persist()`) and says what best-effort storage would mean.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use yew::prelude::*;

/// Above this share of the quota the lab says how to free space even before a write fails.
const NEARLY_FULL: f64 = 0.9;

/// Bytes used and the quota, as the browser estimates them (`navigator.storage.estimate()`).
async fn estimate() -> Option<(f64, f64)> {
    let storage = web_sys::window()?.navigator().storage();
    // A dictionary, not a class: there is nothing to check it against.
    let estimate: web_sys::StorageEstimate = JsFuture::from(storage.estimate().ok()?)
        .await
        .ok()?
        .unchecked_into();
    Some((estimate.get_usage()?, estimate.get_quota()?))
}

/// Whether the site's storage is persistent, asking for it first when it is not
/// (`navigator.storage.persisted()`, then `persist()`; the browser decides).
async fn persisted() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let already = JsFuture::from(storage.persisted().ok()?)
        .await
        .ok()?
        .as_bool()?;
    if already {
        return Some(true);
    }
    JsFuture::from(storage.persist().ok()?)
        .await
        .ok()?
        .as_bool()
}

/// `bytes` in a unit that suits it.
fn size(bytes: f64) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{} {}", value as u64, units[0])
    } else {
        let tenths = (value * 10.0).round() as u64;
        format!("{}.{} {}", tenths / 10, tenths % 10, units[unit])
    }
}

/// Properties of [`StorageUsage`].
#[derive(Properties, PartialEq)]
pub struct StorageUsageProps {
    /// Show only the warning, and only when the quota is (nearly) used up.
    #[prop_or_default]
    pub alert: bool,
    /// The lab holds data (then it asks the browser to keep it).
    pub stores: bool,
    /// The log's generation: the usage is read again when it moves.
    pub generation: u64,
    /// A producer was refused because the quota is full.
    pub storage_full: bool,
}

/// The storage line under a topic (`storage-usage`), or, with `alert`, the way out when the
/// quota is (nearly) used up (`storage-full`, shown under the error).
#[function_component]
pub fn StorageUsage(props: &StorageUsageProps) -> Html {
    crate::renders::count("StorageUsage");
    let usage = use_state(|| None::<(f64, f64)>);
    let persistent = use_state(|| None::<bool>);
    {
        // Asked once the lab holds data (and not by an alert, which the line already asks for).
        let persistent = persistent.clone();
        let stores = !props.alert && props.stores;
        use_effect_with(stores, move |stores| {
            if *stores {
                spawn_local(async move { persistent.set(persisted().await) });
            }
        });
    }
    // Set from the producer's typed report (`storage_full`), not read from the message.
    let refused = props.storage_full;
    {
        let usage = usage.clone();
        use_effect_with((props.generation, refused), move |_| {
            spawn_local(async move {
                if let Some(found) = estimate().await {
                    usage.set(Some(found));
                }
            });
        });
    }
    let Some((used, quota)) = *usage else {
        return Html::default();
    };
    let full = refused || (quota > 0.0 && used / quota >= NEARLY_FULL);
    let percent = if quota > 0.0 {
        (used / quota * 100.0).round() as u64
    } else {
        0
    };
    let line = format!(
        "This site's IndexedDB uses {} of its {} quota ({percent} %).",
        size(used),
        size(quota)
    );
    if !props.alert {
        let kept = match *persistent {
            Some(true) => " Persistent: the browser keeps it until you (or the site's settings) delete it.",
            Some(false) => " Best-effort: when the device runs short of space the browser may delete this site's data, every topic at once, without asking; export the topics you want to keep.",
            None => "",
        };
        return html! {
            <div class="sl-storage" data-testid="storage-usage" data-used={(used as u64).to_string()}
                 data-quota={(quota as u64).to_string()} data-full={full.to_string()}
                 data-persisted={persistent.map(|p| p.to_string())}>{ line }{ kept }</div>
        };
    }
    if !full {
        return Html::default();
    }
    html! {
        <div class="sl-storage sl-full" data-testid="storage-full">
            { format!("{line} The browser refuses writes when its quota is full. To free space: delete topics you no longer need (Delete topic), or set a shorter retention and press Apply retention now; the log keeps every acknowledged record until then.") }
        </div>
    }
}
