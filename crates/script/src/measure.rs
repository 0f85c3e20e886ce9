//! Timings and sizes the benchmarks read from the page: seeks, opening a database, wasm memory.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use streamlab_idb::IdbStore;
use streamlab_log::Storage;

use crate::{js_error, open_partition};

/// The page's clock in milliseconds, to a fraction of one (`performance.now()`).
pub(crate) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// The median of `runs` timings of `f`, in milliseconds.
async fn median_ms<F, Fut>(runs: usize, mut f: F) -> Result<f64, JsValue>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), JsValue>>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = now_ms();
        f().await?;
        times.push(now_ms() - started);
    }
    times.sort_by(f64::total_cmp);
    Ok(times.get(runs / 2).copied().unwrap_or(0.0))
}

/// Times seeks to the middle record of one partition, by offset, by timestamp and by sequence
/// number: `[offset_ms, timestamp_ms, sequence_ms]`, each the median of 7. (The growth
/// benchmark's seek.)
#[wasm_bindgen]
pub async fn seek_times(db: String, topic: String, partition: u32) -> Result<Array, JsValue> {
    use streamlab_log::{
        fetch, resolve_position, FetchLimits, Offset, OffsetResetPolicy, Position,
    };
    let (store, tp, state) = open_partition(&db, &topic, partition).await?;
    let middle = Offset(
        state.log_start_offset().0 + (state.log_end_offset().0 - state.log_start_offset().0) / 2,
    );
    let limits = FetchLimits {
        max_records: 1,
        max_bytes: 1 << 20,
    };
    let fetched = fetch(&store, &tp, middle, limits).await.map_err(js_error)?;
    let record = fetched
        .records
        .first()
        .ok_or_else(|| js_error(format!("{tp} has no record at {}", middle.0)))?;
    let positions = [
        Position::Offset(middle),
        Position::Timestamp(record.timestamp()),
        Position::AtSequenceNumber(record.sequence_number()),
    ];
    let out = Array::new();
    for position in positions {
        let ms = median_ms(7, || async {
            resolve_position(&store, &tp, position, OffsetResetPolicy::None)
                .await
                .map(|_| ())
                .map_err(js_error)
        })
        .await?;
        out.push(&JsValue::from_f64(ms));
    }
    store.close();
    Ok(out)
}

/// Opens database `db` and reads every topic's metadata, as the dashboard does when it loads;
/// resolves with the milliseconds it took. (The growth benchmark's open.)
#[wasm_bindgen]
pub async fn open_time(db: String) -> Result<f64, JsValue> {
    let started = now_ms();
    let store = IdbStore::open(&db).await.map_err(js_error)?;
    store.list_topics().await.map_err(js_error)?;
    let ms = now_ms() - started;
    store.close();
    Ok(ms)
}

/// The bytes of this page's WebAssembly memory (it only grows).
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    streamlab_workers::wasm_memory_bytes() as f64
}
