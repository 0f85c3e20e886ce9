//! How the store's metadata looks in IndexedDB: plain objects that DevTools shows readably.
//!
//! Numbers are JavaScript numbers (offsets and counts stay below 2^53); 128-bit values (sequence
//! numbers, hash keys) are decimal strings. Every reader checks the shape and returns
//! [`IdbError::Malformed`] instead of guessing.

use js_sys::{ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use streamlab_log::{
    BatchIndexEntry, CleanupPolicy, CommittedOffset, GroupMembership, HashKey, HashKeyRange,
    MemberId, Mode, Offset, PartitionId, PartitionState, PartitionStateParts, SequenceNumber,
    ShardState, Timestamp, TimestampType, TokenBucket, TopicConfig, WriteQuota,
    KAFKA_DEFAULT_RETENTION_MS, KINESIS_DEFAULT_RETENTION_MS,
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

fn optional_number(v: Option<f64>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from_f64)
}

/// `topics` value for a configuration.
pub fn topic_to_js(config: &TopicConfig) -> Object {
    let parts = config.to_parts();
    let obj = Object::new();
    set(&obj, "name", JsValue::from_str(&parts.name));
    set(&obj, "mode", JsValue::from_str(parts.mode.as_str()));
    set(&obj, "partitionCount", JsValue::from(parts.partition_count));
    set(
        &obj,
        "maxRecordBytes",
        JsValue::from_f64(parts.max_record_bytes as f64),
    );
    let timestamp_type = match parts.timestamp_type {
        TimestampType::CreateTime => "CreateTime",
        TimestampType::LogAppendTime => "LogAppendTime",
    };
    set(&obj, "timestampType", JsValue::from_str(timestamp_type));
    set(
        &obj,
        "retentionMs",
        optional_number(parts.retention_ms.map(|v| v as f64)),
    );
    set(
        &obj,
        "retentionBytes",
        optional_number(parts.retention_bytes.map(|v| v as f64)),
    );
    let policy = match parts.cleanup_policy {
        CleanupPolicy::Delete => "delete",
        CleanupPolicy::Compact => "compact",
    };
    set(&obj, "cleanupPolicy", JsValue::from_str(policy));
    set(
        &obj,
        "deleteRetentionMs",
        JsValue::from_f64(parts.delete_retention_ms as f64),
    );
    set(&obj, "throttling", JsValue::from_bool(parts.throttling));
    obj
}

/// Reads a `topics` value. Fields that schema 1 did not have take the mode's defaults.
pub fn topic_from_js(value: &JsValue) -> Result<TopicConfig, IdbError> {
    let what = "topic";
    let name = get_string(value, "name", what)?;
    let mode_text = get_string(value, "mode", what)?;
    let mode = Mode::parse(&mode_text)
        .ok_or_else(|| IdbError::malformed(what, format!("unknown mode '{mode_text}'")))?;
    let count = u32::try_from(get_u64(value, "partitionCount", what)?)
        .map_err(|_| IdbError::malformed(what, "partitionCount is too large"))?;
    let defaults = TopicConfig::new(&name, mode, count.max(1))
        .map_err(|e| IdbError::malformed(what, e.to_string()))?;
    let mut parts = defaults.to_parts();
    parts.mode = mode;
    parts.partition_count = count;
    parts.max_record_bytes = usize::try_from(get_u64(value, "maxRecordBytes", what)?)
        .map_err(|_| IdbError::malformed(what, "maxRecordBytes is too large"))?;
    let present = |key: &str| -> Result<Option<JsValue>, IdbError> {
        let v = get(value, key, what)?;
        Ok((!v.is_undefined()).then_some(v))
    };
    parts.timestamp_type = match present("timestampType")?
        .and_then(|v| v.as_string())
        .as_deref()
    {
        Some("CreateTime") => TimestampType::CreateTime,
        Some("LogAppendTime") => TimestampType::LogAppendTime,
        None if mode == Mode::Kafka => TimestampType::CreateTime,
        None => TimestampType::LogAppendTime,
        Some(other) => {
            return Err(IdbError::malformed(
                what,
                format!("unknown timestamp type '{other}'"),
            ))
        }
    };
    parts.retention_ms = match present("retentionMs")? {
        None if mode == Mode::Kinesis => Some(KINESIS_DEFAULT_RETENTION_MS),
        None => Some(KAFKA_DEFAULT_RETENTION_MS),
        Some(v) if v.is_null() => None,
        Some(_) => Some(get_i64(value, "retentionMs", what)?),
    };
    parts.retention_bytes = match present("retentionBytes")? {
        Some(v) if !v.is_null() => Some(get_u64(value, "retentionBytes", what)?),
        _ => None,
    };
    parts.cleanup_policy = match present("cleanupPolicy")?
        .and_then(|v| v.as_string())
        .as_deref()
    {
        None | Some("delete") => CleanupPolicy::Delete,
        Some("compact") => CleanupPolicy::Compact,
        Some(other) => {
            return Err(IdbError::malformed(
                what,
                format!("unknown cleanup policy '{other}'"),
            ))
        }
    };
    if present("deleteRetentionMs")?.is_some() {
        parts.delete_retention_ms = get_i64(value, "deleteRetentionMs", what)?;
    }
    parts.throttling = present("throttling")?
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    TopicConfig::from_parts(parts).map_err(|e| IdbError::malformed(what, e.to_string()))
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
    let parents: js_sys::Array = state.parents().iter().map(|p| JsValue::from(p.0)).collect();
    set(&obj, "parents", parents.into());
    set(
        &obj,
        "endingSequenceNumber",
        state
            .ending_sequence_number()
            .map_or(JsValue::NULL, |s| JsValue::from_str(&s.to_string())),
    );
    set(&obj, "rewriteEpoch", number(state.rewrite_epoch(), what)?);
    let quota = match state.write_quota() {
        None => JsValue::NULL,
        Some(q) => {
            let o = Object::new();
            set(&o, "records", JsValue::from_f64(q.records.tokens));
            set(
                &o,
                "recordsAt",
                JsValue::from_f64(q.records.updated_at.0 as f64),
            );
            set(&o, "bytes", JsValue::from_f64(q.bytes.tokens));
            set(
                &o,
                "bytesAt",
                JsValue::from_f64(q.bytes.updated_at.0 as f64),
            );
            o.into()
        }
    };
    set(&obj, "writeQuota", quota);
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
    // Fields schema 1 did not have: absent means none.
    let parents = match get(value, "parents", what)? {
        v if v.is_undefined() || v.is_null() => Vec::new(),
        v => js_sys::Array::from(&v)
            .iter()
            .map(|p| {
                p.as_f64()
                    .filter(|f| (0.0..=f64::from(u32::MAX)).contains(f) && f.fract() == 0.0)
                    .map(|f| PartitionId(f as u32))
                    .ok_or_else(|| IdbError::malformed(what, "a parent is not a partition number"))
            })
            .collect::<Result<_, _>>()?,
    };
    let ending_sequence_number = match get(value, "endingSequenceNumber", what)? {
        v if v.is_undefined() || v.is_null() => None,
        _ => Some(SequenceNumber(get_u128(
            value,
            "endingSequenceNumber",
            what,
        )?)),
    };
    let rewrite_epoch = match get(value, "rewriteEpoch", what)? {
        v if v.is_undefined() => 0,
        _ => get_u64(value, "rewriteEpoch", what)?,
    };
    let write_quota = match get(value, "writeQuota", what)? {
        q if q.is_undefined() || q.is_null() => None,
        q => {
            let num = |key: &str| {
                get(&q, key, what)?.as_f64().ok_or_else(|| {
                    IdbError::malformed(what, format!("writeQuota.{key} is not a number"))
                })
            };
            Some(WriteQuota {
                records: TokenBucket {
                    tokens: num("records")?,
                    updated_at: Timestamp(num("recordsAt")? as i64),
                },
                bytes: TokenBucket {
                    tokens: num("bytes")?,
                    updated_at: Timestamp(num("bytesAt")? as i64),
                },
            })
        }
    };
    PartitionState::from_parts(PartitionStateParts {
        parents,
        ending_sequence_number,
        rewrite_epoch,
        write_quota,
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

/// A sequence number as an IndexedDB binary key: 16 bytes big-endian, which IndexedDB compares
/// byte by byte, so key order is numeric order.
pub fn sequence_key(s: SequenceNumber) -> ArrayBuffer {
    Uint8Array::from(&s.0.to_be_bytes()[..]).buffer()
}

fn sequence_from_key(value: &JsValue, what: &str) -> Result<SequenceNumber, IdbError> {
    let buffer: &ArrayBuffer = value
        .dyn_ref()
        .ok_or_else(|| IdbError::malformed(what, "baseSequence is not binary"))?;
    let bytes: [u8; 16] = Uint8Array::new(buffer)
        .to_vec()
        .try_into()
        .map_err(|_| IdbError::malformed(what, "baseSequence is not 16 bytes"))?;
    Ok(SequenceNumber(u128::from_be_bytes(bytes)))
}

/// `batch_index` value: the entry plus its topic and partition, for the store's indexes.
pub fn index_entry_to_js(
    topic: &str,
    partition: u32,
    entry: &BatchIndexEntry,
) -> Result<Object, IdbError> {
    let what = "batch index entry";
    let obj = Object::new();
    set(&obj, "topic", JsValue::from_str(topic));
    set(&obj, "partition", JsValue::from(partition));
    set(&obj, "baseOffset", number(entry.base_offset.0, what)?);
    set(&obj, "nextOffset", number(entry.next_offset.0, what)?);
    set(
        &obj,
        "baseSequence",
        sequence_key(entry.base_sequence).into(),
    );
    set(
        &obj,
        "maxTimestampSoFar",
        JsValue::from_f64(entry.max_timestamp_so_far.0 as f64),
    );
    set(&obj, "recordCount", JsValue::from(entry.record_count));
    set(&obj, "sizeBytes", number(entry.size_bytes, what)?);
    Ok(obj)
}

/// Reads a `batch_index` value.
pub fn index_entry_from_js(value: &JsValue) -> Result<BatchIndexEntry, IdbError> {
    let what = "batch index entry";
    Ok(BatchIndexEntry {
        base_offset: Offset(get_u64(value, "baseOffset", what)?),
        next_offset: Offset(get_u64(value, "nextOffset", what)?),
        base_sequence: sequence_from_key(&get(value, "baseSequence", what)?, what)?,
        max_timestamp_so_far: Timestamp(get_i64(value, "maxTimestampSoFar", what)?),
        record_count: u32::try_from(get_u64(value, "recordCount", what)?)
            .map_err(|_| IdbError::malformed(what, "recordCount is too large"))?,
        size_bytes: get_u64(value, "sizeBytes", what)?,
    })
}

/// `groups` value for a committed offset.
pub fn committed_to_js(c: &CommittedOffset) -> Result<Object, IdbError> {
    let obj = Object::new();
    set(&obj, "offset", number(c.offset.0, "committed offset")?);
    set(&obj, "metadata", JsValue::from_str(&c.metadata));
    set(
        &obj,
        "commitTime",
        JsValue::from_f64(c.commit_time.0 as f64),
    );
    Ok(obj)
}

/// Reads a `groups` value.
pub fn committed_from_js(value: &JsValue) -> Result<CommittedOffset, IdbError> {
    let what = "committed offset";
    Ok(CommittedOffset {
        offset: Offset(get_u64(value, "offset", what)?),
        metadata: get_string(value, "metadata", what)?,
        commit_time: Timestamp(get_i64(value, "commitTime", what)?),
    })
}

/// `groups` value at `[group, topic, -1]`: a group's membership.
pub fn membership_to_js(m: &GroupMembership) -> Object {
    let obj = Object::new();
    set(&obj, "generation", JsValue::from(m.generation));
    let members = Object::new();
    for (id, heartbeat) in &m.members {
        set(&members, id.as_str(), JsValue::from_f64(heartbeat.0 as f64));
    }
    set(&obj, "members", members.into());
    let holders = Object::new();
    for (partition, member) in &m.holders {
        set(&holders, &partition.0.to_string(), member.as_str().into());
    }
    set(&obj, "holders", holders.into());
    obj
}

/// Reads a membership value (`undefined`: no membership yet).
pub fn membership_from_js(value: &JsValue) -> Result<GroupMembership, IdbError> {
    let what = "group membership";
    if value.is_undefined() {
        return Ok(GroupMembership::default());
    }
    let generation = u32::try_from(get_u64(value, "generation", what)?)
        .map_err(|_| IdbError::malformed(what, "generation is too large"))?;
    let members_js = get(value, "members", what)?;
    let mut members = std::collections::BTreeMap::new();
    for entry in Object::entries(&members_js.unchecked_into()).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        let id = pair
            .get(0)
            .as_string()
            .and_then(|s| MemberId::new(&s).ok())
            .ok_or_else(|| IdbError::malformed(what, "a member id is not valid"))?;
        let at = pair
            .get(1)
            .as_f64()
            .ok_or_else(|| IdbError::malformed(what, "a heartbeat is not a number"))?;
        members.insert(id, Timestamp(at as i64));
    }
    // Written before partitions had holders: none held.
    let mut holders = std::collections::BTreeMap::new();
    let holders_js = js_sys::Reflect::get(value, &"holders".into()).unwrap_or(JsValue::UNDEFINED);
    if !holders_js.is_undefined() {
        for entry in Object::entries(&holders_js.unchecked_into()).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            let partition = pair
                .get(0)
                .as_string()
                .and_then(|s| s.parse::<u32>().ok())
                .ok_or_else(|| IdbError::malformed(what, "a held partition is not a number"))?;
            let member = pair
                .get(1)
                .as_string()
                .and_then(|s| MemberId::new(&s).ok())
                .ok_or_else(|| IdbError::malformed(what, "a holder's member id is not valid"))?;
            holders.insert(PartitionId(partition), member);
        }
    }
    Ok(GroupMembership {
        generation,
        members,
        holders,
    })
}
