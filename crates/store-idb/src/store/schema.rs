//! The database's schema and its upgrades: the object stores of each version, and the batch
//! index built from the batch headers when a schema-1 database is opened.

use super::*;

pub(super) fn upgrade(
    db: &IdbDatabase,
    tx: &IdbTransaction,
    old_version: u32,
) -> Result<Option<Migration>, JsValue> {
    if old_version < 1 {
        db.create_object_store(TOPICS)?;
        db.create_object_store(PARTITIONS)?;
        db.create_object_store(BATCHES)?;
        db.create_object_store(GROUPS)?;
    }
    if old_version < 2 {
        let index = db.create_object_store(BATCH_INDEX)?;
        let path = |last: &str| -> JsValue {
            Array::of3(
                &JsValue::from_str("topic"),
                &JsValue::from_str("partition"),
                &JsValue::from_str(last),
            )
            .into()
        };
        index.create_index_with_str_sequence(BY_SEQUENCE, &path("baseSequence"))?;
        index.create_index_with_str_sequence(BY_TIME, &path("maxTimestampSoFar"))?;
        if old_version == 1 {
            // Schema 1 stored batches without an index: build it from the batch headers.
            let tx = tx.clone();
            return Ok(Some(Box::pin(
                async move { index_existing_batches(&tx).await },
            )));
        }
    }
    Ok(None)
}

/// Writes a `batch_index` entry for every stored batch (the v1 → v2 migration). Batches come in
/// key order, so each partition's running max timestamp accumulates as it would have on append.
/// A batch whose header fails its checks gets no entry; reads still report it as corrupt.
async fn index_existing_batches(tx: &IdbTransaction) -> Result<(), IdbError> {
    let batches = tx.object_store(BATCHES).map_err(IdbError::from_js)?;
    let index = tx.object_store(BATCH_INDEX).map_err(IdbError::from_js)?;
    let cursor_req = batches.open_cursor().map_err(IdbError::from_js)?;
    let mut current: Option<(String, u32)> = None;
    let mut running_max = Timestamp(i64::MIN);
    loop {
        let cursor = request(&cursor_req).await?;
        let Ok(cursor) = cursor.dyn_into::<IdbCursorWithValue>() else {
            return Ok(());
        };
        let key: Array = cursor.key().map_err(IdbError::from_js)?.unchecked_into();
        let topic = key.get(0).as_string().unwrap_or_default();
        let partition = key.get(1).as_f64().unwrap_or(-1.0);
        let bytes = cursor
            .value()
            .map_err(IdbError::from_js)?
            .dyn_into::<Uint8Array>()
            .map(|b| b.to_vec());
        if let (Ok(bytes), true) = (bytes, (0.0..=u32::MAX as f64).contains(&partition)) {
            let partition = partition as u32;
            if current.as_ref() != Some(&(topic.clone(), partition)) {
                current = Some((topic.clone(), partition));
                running_max = Timestamp(i64::MIN);
            }
            if let Ok(header) = RecordBatch::decode_header(&bytes) {
                running_max = running_max.max(header.max_timestamp);
                let entry = BatchIndexEntry {
                    base_offset: header.base_offset,
                    next_offset: header.next_offset(),
                    base_sequence: header.base_sequence,
                    max_timestamp_so_far: running_max,
                    record_count: header.record_count,
                    size_bytes: bytes.len() as u64,
                };
                let tp_key = batch_key_raw(&topic, partition, header.base_offset.0 as f64);
                let _ = index
                    .put_with_key(
                        &index_entry_to_js(&topic, partition, &entry)?.into(),
                        &tp_key,
                    )
                    .map_err(IdbError::from_js)?;
            }
        }
        cursor.continue_().map_err(IdbError::from_js)?;
    }
}
