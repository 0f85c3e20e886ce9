//! Writing batches inside a transaction: one append (`write_batch_in`), and a stream
//! processor's step (`transaction`: several appends and a group's fenced offsets, all or
//! nothing in one readwrite transaction).

use std::borrow::Borrow;

use js_sys::Uint8Array;
use wasm_bindgen::JsValue;

use streamlab_log::{
    AppendError, AppendInfo, GroupId, RecordData, Timestamp, TopicPartition, TransactionCommit,
};

use super::{
    batch_key, group_key, partition_key, BATCHES, BATCH_INDEX, GROUPS, PARTITIONS, TOPICS,
};
use crate::codec::{
    committed_from_js, committed_to_js, index_entry_to_js, number, partition_from_js,
    partition_to_js, topic_from_js,
};
use crate::error::IdbError;
use crate::idb::{request, Tx};

/// Runs `meanwhile` while IndexedDB commits (after the writes are planned, whatever the
/// outcome), so a processor works on its next step during this one's commit.
pub(super) async fn transaction<R: Borrow<RecordData>, T>(
    tx: Tx,
    appends: &[(TopicPartition, &[R])],
    group: &GroupId,
    commits: &[TransactionCommit],
    append_time: Timestamp,
    meanwhile: impl FnOnce() -> T,
) -> (Result<Vec<AppendInfo>, AppendError<IdbError>>, T) {
    match write_step(&tx, appends, group, commits, append_time).await {
        Ok(infos) => {
            let (stored, done) = tx.commit_while(meanwhile).await;
            (stored.map(|()| infos).map_err(AppendError::Storage), done)
        }
        // Dropped uncommitted, `tx` aborts.
        Err(refused) => (Err(refused), meanwhile()),
    }
}

/// A step's writes inside `tx`, checked against the fence, up to the commit.
async fn write_step<R: Borrow<RecordData>>(
    tx: &Tx,
    appends: &[(TopicPartition, &[R])],
    group: &GroupId,
    commits: &[TransactionCommit],
    append_time: Timestamp,
) -> Result<Vec<AppendInfo>, AppendError<IdbError>> {
    let storage = AppendError::Storage;
    // Every append and the offsets in one readwrite transaction: a refusal drops `tx`
    // uncommitted, which aborts it, so nothing of the step is stored.
    let groups = tx.store(GROUPS).map_err(storage)?;
    // The fence, read in this very transaction: every offset must still be the one the step
    // read, or another processor committed first.
    for c in commits {
        let req = groups
            .get(&group_key(group, &c.topic_partition))
            .map_err(|e| storage(IdbError::from_js(e)))?;
        let value = request(&req).await.map_err(storage)?;
        let found = if value.is_undefined() {
            None
        } else {
            Some(committed_from_js(&value).map_err(storage)?.offset)
        };
        if found != c.expected {
            return Err(AppendError::Fenced {
                topic_partition: c.topic_partition.clone(),
                expected: c.expected,
                found,
            });
        }
    }
    let mut infos = Vec::with_capacity(appends.len());
    for (tp, records) in appends {
        infos.push(write_batch_in(tx, tp, records, append_time).await?);
    }
    for c in commits {
        let _ = groups
            .put_with_key(
                &committed_to_js(&c.committed).map_err(storage)?.into(),
                &group_key(group, &c.topic_partition),
            )
            .map_err(|e| storage(IdbError::from_js(e)))?;
    }
    Ok(infos)
}

/// Plans and writes one batch inside `tx` (which holds the topics, partitions, batches and
/// batch index stores): a later request of the same transaction sees the new state.
pub(super) async fn write_batch_in<R: Borrow<RecordData>>(
    tx: &Tx,
    tp: &TopicPartition,
    records: &[R],
    append_time: Timestamp,
) -> Result<AppendInfo, AppendError<IdbError>> {
    let storage = AppendError::Storage;
    let topics = tx.store(TOPICS).map_err(storage)?;
    let partitions = tx.store(PARTITIONS).map_err(storage)?;
    let batches = tx.store(BATCHES).map_err(storage)?;

    let topic_req = topics
        .get(&JsValue::from_str(tp.topic().as_str()))
        .map_err(|e| storage(IdbError::from_js(e)))?;
    let state_req = partitions
        .get(&partition_key(tp))
        .map_err(|e| storage(IdbError::from_js(e)))?;
    let topic_value = request(&topic_req).await.map_err(storage)?;
    let state_value = request(&state_req).await.map_err(storage)?;
    if topic_value.is_undefined() || state_value.is_undefined() {
        return Err(AppendError::UnknownTopicOrPartition(tp.clone()));
    }
    let config = topic_from_js(&topic_value).map_err(storage)?;
    let state = partition_from_js(&state_value).map_err(storage)?;
    let planned = state
        .plan_append(tp, records, append_time, &config.append_rules())
        .map_err(AppendError::widen)?;

    let base = number(planned.info.base_offset.0, "base offset").map_err(storage)?;
    let key = batch_key(tp, base.as_f64().unwrap_or_default());
    let bytes = Uint8Array::from(planned.batch.as_slice());
    let _ = batches
        .put_with_key(&bytes, &key)
        .map_err(|e| storage(IdbError::from_js(e)))?;
    let entry = index_entry_to_js(tp.topic().as_str(), tp.partition().0, &planned.index)
        .map_err(storage)?;
    let _ = tx
        .store(BATCH_INDEX)
        .map_err(storage)?
        .put_with_key(&entry, &key)
        .map_err(|e| storage(IdbError::from_js(e)))?;
    let _ = partitions
        .put_with_key(
            &partition_to_js(&planned.state).map_err(storage)?.into(),
            &partition_key(tp),
        )
        .map_err(|e| storage(IdbError::from_js(e)))?;
    Ok(planned.info)
}
