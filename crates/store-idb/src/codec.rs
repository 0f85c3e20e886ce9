//! How the store's metadata looks in IndexedDB: plain objects that DevTools shows readably.
//!
//! Numbers are JavaScript numbers (offsets and counts stay below 2^53); 128-bit values (sequence
//! numbers, hash keys) are decimal strings. Every reader checks the shape and returns
//! [`IdbError::Malformed`] instead of guessing.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use streamlab_log::{
    HashKey, HashKeyRange, Mode, Offset, PartitionId, PartitionState, PartitionStateParts,
    SequenceNumber, ShardState, Timestamp, TopicConfig,
};

use crate::error::IdbError;

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

fn set(obj: &Object, key: &str, value: JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value);
}

fn get(obj: &JsValue, key: &str, what: &str) -> Result<JsValue, IdbError> {
    Reflect::get(obj, &JsValue::from_str(key))
        .map_err(|_| IdbError::malformed(what, format!("cannot read '{key}'")))
}

fn get_u64(obj: &JsValue, key: &str, what: &str) -> Result<u64, IdbError> {
    let v = get(obj, key, what)?
        .as_f64()
        .ok_or_else(|| IdbError::malformed(what, format!("'{key}' is not a number")))?;
    if !(0.0..=MAX_SAFE).contains(&v) || v.fract() != 0.0 {
        return Err(IdbError::malformed(
            what,
            format!("'{key}' = {v} is not a count"),
        ));
    }
    Ok(v as u64)
}

fn get_i64(obj: &JsValue, key: &str, what: &str) -> Result<i64, IdbError> {
    let v = get(obj, key, what)?
        .as_f64()
        .ok_or_else(|| IdbError::malformed(what, format!("'{key}' is not a number")))?;
    if v.abs() > MAX_SAFE || v.fract() != 0.0 {
        return Err(IdbError::malformed(
            what,
            format!("'{key}' = {v} is not an integer"),
        ));
    }
    Ok(v as i64)
}

fn get_string(obj: &JsValue, key: &str, what: &str) -> Result<String, IdbError> {
    get(obj, key, what)?
        .as_string()
        .ok_or_else(|| IdbError::malformed(what, format!("'{key}' is not a string")))
}

fn get_u128(obj: &JsValue, key: &str, what: &str) -> Result<u128, IdbError> {
    let s = get_string(obj, key, what)?;
    SequenceNumber::parse(&s)
        .map(|n| n.0)
        .ok_or_else(|| IdbError::malformed(what, format!("'{key}' = '{s}' is not a decimal u128")))
}

/// A JavaScript number for a count or offset; refuses values past 2^53.
pub(crate) fn number(v: u64, what: &str) -> Result<JsValue, IdbError> {
    let f = v as f64;
    if f > MAX_SAFE {
        return Err(IdbError::malformed(what, format!("{v} is beyond 2^53")));
    }
    Ok(JsValue::from_f64(f))
}

/// `topics` value for a configuration.
pub fn topic_to_js(config: &TopicConfig) -> Object {
    let obj = Object::new();
    set(&obj, "name", JsValue::from_str(config.name().as_str()));
    set(&obj, "mode", JsValue::from_str(config.mode().as_str()));
    set(
        &obj,
        "partitionCount",
        JsValue::from(config.partition_count()),
    );
    set(
        &obj,
        "maxRecordBytes",
        JsValue::from_f64(config.max_record_bytes() as f64),
    );
    obj
}

/// Reads a `topics` value.
pub fn topic_from_js(value: &JsValue) -> Result<TopicConfig, IdbError> {
    let what = "topic";
    let name = get_string(value, "name", what)?;
    let mode_text = get_string(value, "mode", what)?;
    let mode = Mode::parse(&mode_text)
        .ok_or_else(|| IdbError::malformed(what, format!("unknown mode '{mode_text}'")))?;
    let count = u32::try_from(get_u64(value, "partitionCount", what)?)
        .map_err(|_| IdbError::malformed(what, "partitionCount is too large"))?;
    let max_record_bytes = usize::try_from(get_u64(value, "maxRecordBytes", what)?)
        .map_err(|_| IdbError::malformed(what, "maxRecordBytes is too large"))?;
    TopicConfig::from_stored(&name, mode, count, max_record_bytes)
        .map_err(|e| IdbError::malformed(what, e.to_string()))
}

/// `partitions` value for a partition's state.
pub fn partition_to_js(state: &PartitionState) -> Result<Object, IdbError> {
    let what = "partition state";
    let obj = Object::new();
    set(&obj, "partition", JsValue::from(state.partition().0));
    set(
        &obj,
        "logStartOffset",
        number(state.log_start_offset().0, what)?,
    );
    set(
        &obj,
        "logEndOffset",
        number(state.log_end_offset().0, what)?,
    );
    set(
        &obj,
        "nextSequenceNumber",
        JsValue::from_str(&state.next_sequence_number().to_string()),
    );
    set(&obj, "recordCount", number(state.record_count(), what)?);
    set(&obj, "byteCount", number(state.byte_count(), what)?);
    // i64::MIN (never appended) does not fit a safe integer; store null for it.
    let max_ts = state.max_timestamp().0;
    set(
        &obj,
        "maxTimestamp",
        if max_ts == i64::MIN {
            JsValue::NULL
        } else {
            JsValue::from_f64(max_ts as f64)
        },
    );
    match state.hash_key_range() {
        Some(range) => {
            set(
                &obj,
                "startingHashKey",
                JsValue::from_str(&range.starting_hash_key.to_string()),
            );
            set(
                &obj,
                "endingHashKey",
                JsValue::from_str(&range.ending_hash_key.to_string()),
            );
        }
        None => {
            set(&obj, "startingHashKey", JsValue::NULL);
            set(&obj, "endingHashKey", JsValue::NULL);
        }
    }
    let shard_state = match state.shard_state() {
        ShardState::Open => "open",
        ShardState::Closed => "closed",
    };
    set(&obj, "state", JsValue::from_str(shard_state));
    Ok(obj)
}

/// Reads a `partitions` value.
pub fn partition_from_js(value: &JsValue) -> Result<PartitionState, IdbError> {
    let what = "partition state";
    let partition = u32::try_from(get_u64(value, "partition", what)?)
        .map_err(|_| IdbError::malformed(what, "partition is too large"))?;
    let max_timestamp = if get(value, "maxTimestamp", what)?.is_null() {
        i64::MIN
    } else {
        get_i64(value, "maxTimestamp", what)?
    };
    let hash_key_range = if get(value, "startingHashKey", what)?.is_null() {
        None
    } else {
        Some(HashKeyRange {
            starting_hash_key: HashKey(get_u128(value, "startingHashKey", what)?),
            ending_hash_key: HashKey(get_u128(value, "endingHashKey", what)?),
        })
    };
    let shard_state = match get_string(value, "state", what)?.as_str() {
        "open" => ShardState::Open,
        "closed" => ShardState::Closed,
        other => {
            return Err(IdbError::malformed(
                what,
                format!("unknown state '{other}'"),
            ))
        }
    };
    PartitionState::from_parts(PartitionStateParts {
        partition: PartitionId(partition),
        log_start_offset: Offset(get_u64(value, "logStartOffset", what)?),
        log_end_offset: Offset(get_u64(value, "logEndOffset", what)?),
        next_sequence_number: SequenceNumber(get_u128(value, "nextSequenceNumber", what)?),
        record_count: get_u64(value, "recordCount", what)?,
        byte_count: get_u64(value, "byteCount", what)?,
        max_timestamp: Timestamp(max_timestamp),
        hash_key_range,
        shard_state,
    })
    .ok_or_else(|| IdbError::malformed(what, "log start offset is past the log end offset"))
}
