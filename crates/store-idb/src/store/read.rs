//! Reading a partition back: a batch found through the batch index (by offset, sequence number
//! or time, one cursor step each) and a long read that hands over each group of batch values as
//! it arrives.

use super::*;

/// Finds the batch `lookup` names: one cursor step over an ordered key range, O(log n).
pub(super) async fn lookup_batch(
    store: &IdbStore,
    tp: &TopicPartition,
    lookup: BatchLookup,
) -> Result<Option<BatchIndexEntry>, IdbError> {
    let tx = store.tx(&[BATCH_INDEX], IdbTransactionMode::Readonly)?;
    let store = tx.store(BATCH_INDEX)?;
    let bound = |lower: &JsValue, upper: &JsValue| {
        IdbKeyRange::bound(lower, upper).map_err(IdbError::from_js)
    };
    // Each lookup is one cursor step over an ordered key range: O(log n).
    let cursor_req = match lookup {
        BatchLookup::Offset(offset) => {
            let upper = number(offset.0, "offset")?.as_f64().unwrap_or_default();
            store.open_cursor_with_range_and_direction(
                &bound(&batch_key(tp, 0.0), &batch_key(tp, upper))?.into(),
                IdbCursorDirection::Prev,
            )
        }
        BatchLookup::Sequence(s) => {
            let range = bound(
                &index_key(tp, &sequence_key(SequenceNumber(0)).into()),
                &index_key(tp, &sequence_key(s).into()),
            )?;
            store
                .index(BY_SEQUENCE)
                .map_err(IdbError::from_js)?
                .open_cursor_with_range_and_direction(&range, IdbCursorDirection::Prev)
        }
        BatchLookup::Timestamp(t) => {
            let range = bound(
                &index_key(tp, &JsValue::from_f64(t.0 as f64)),
                &index_key(tp, &JsValue::from_f64(f64::INFINITY)),
            )?;
            store
                .index(BY_TIME)
                .map_err(IdbError::from_js)?
                .open_cursor_with_range_and_direction(&range, IdbCursorDirection::Next)
        }
    }
    .map_err(IdbError::from_js)?;
    let cursor = request(&cursor_req).await?;
    let Ok(cursor) = cursor.dyn_into::<IdbCursorWithValue>() else {
        return Ok(None);
    };
    index_entry_from_js(&cursor.value().map_err(IdbError::from_js)?).map(Some)
}

/// Reads batches from `from` on, up to about `max_bytes`, handing each group to `each` as it
/// arrives.
pub(super) async fn read_batches_streamed(
    store: &IdbStore,
    tp: &TopicPartition,
    from: Offset,
    max_bytes: usize,
    each: &mut dyn FnMut(Vec<StoredBatch>),
) -> Result<(), IdbError> {
    let tx = store.tx(&[BATCHES, BATCH_INDEX], IdbTransactionMode::Readonly)?;
    let index = tx.store(BATCH_INDEX)?;
    let from_f = number(from.0, "offset")?.as_f64().unwrap_or_default();
    let after = |lower: f64, lower_open: bool| {
        IdbKeyRange::bound_with_lower_open_and_upper_open(
            &batch_key(tp, lower),
            &batch_key(tp, f64::INFINITY),
            lower_open,
            false,
        )
        .map_err(IdbError::from_js)
    };

    // Asked for at once: the batch below `from` (it holds `from` unless it ends at or before
    // it, where compaction deleted the batch that held it) and the index entries from `from`
    // on. The index entries are small; they say which batch values fit the byte budget, as
    // batch values can be a megabyte each and reading ones a read will not return costs as
    // much as reading the ones it does.
    // (Nothing lies below offset 0, and a range may not be empty.)
    let holder = if from_f > 0.0 {
        let below = IdbKeyRange::bound_with_lower_open_and_upper_open(
            &batch_key(tp, 0.0),
            &batch_key(tp, from_f),
            false,
            true,
        )
        .map_err(IdbError::from_js)?;
        let cursor = index
            .open_cursor_with_range_and_direction(&below, IdbCursorDirection::Prev)
            .map_err(IdbError::from_js)?;
        Some(requested(cursor.unchecked_into()))
    } else {
        None
    };
    let from_on = after(from_f, false)?;
    let mut next_entries = requested(
        index
            .get_all_with_key_and_limit(&from_on, READ_CHUNK)
            .map_err(IdbError::from_js)?,
    );
    let mut taken: Vec<BatchIndexEntry> = Vec::new();
    if let Some(holder) = holder {
        if let Ok(cursor) = holder.await?.dyn_into::<IdbCursorWithValue>() {
            let entry = index_entry_from_js(&cursor.value().map_err(IdbError::from_js)?)?;
            if entry.next_offset > from {
                taken.push(entry);
            }
        }
    }
    let mut total = taken.iter().map(entry_size).fold(0, usize::saturating_add);
    loop {
        let entries: Array = next_entries.await?.unchecked_into();
        let count = entries.length();
        let mut full = false;
        for entry in entries.iter() {
            let entry = index_entry_from_js(&entry)?;
            let size = entry_size(&entry);
            if !taken.is_empty() && total.saturating_add(size) > max_bytes {
                full = true;
                break;
            }
            total = total.saturating_add(size);
            taken.push(entry);
        }
        let Some(last) = taken.last() else { break };
        if full || count < READ_CHUNK {
            break;
        }
        let last = number(last.base_offset.0, "offset")?
            .as_f64()
            .unwrap_or_default();
        let past_last = after(last, true)?;
        next_entries = requested(
            index
                .get_all_with_key_and_limit(&past_last, READ_CHUNK)
                .map_err(IdbError::from_js)?,
        );
    }

    // The values, in groups of about STREAM_GROUP_BYTES, every group asked for at once and
    // each handed over as soon as it is in: IndexedDB reads the next groups on its own
    // thread while this one decodes.
    let batches = tx.store(BATCHES)?;
    let mut groups = Vec::new();
    let mut rest = taken.as_slice();
    while !rest.is_empty() {
        let mut bytes = 0usize;
        let len = rest
            .iter()
            .take_while(|e| {
                let fits = bytes == 0 || bytes < STREAM_GROUP_BYTES;
                bytes = bytes.saturating_add(entry_size(e));
                fits
            })
            .count();
        let (group, after_group) = rest.split_at(len);
        rest = after_group;
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            break;
        };
        let range = IdbKeyRange::bound(
            &batch_key(
                tp,
                number(first.base_offset.0, "offset")?
                    .as_f64()
                    .unwrap_or_default(),
            ),
            &batch_key(
                tp,
                number(last.base_offset.0, "offset")?
                    .as_f64()
                    .unwrap_or_default(),
            ),
        )
        .map_err(IdbError::from_js)?;
        let values = batches
            .get_all_with_key_and_limit(&range, group.len() as u32)
            .map_err(IdbError::from_js)?;
        groups.push((group, requested(values)));
    }
    for (group, values) in groups {
        let values: Array = values.await?.unchecked_into();
        if values.length() as usize != group.len() {
            return Err(IdbError::malformed(
                "batch",
                format!(
                    "{} index entries from offset {} but {} batch values",
                    group.len(),
                    group.first().map_or(0, |e| e.base_offset.0),
                    values.length()
                ),
            ));
        }
        let mut out = Vec::with_capacity(group.len());
        for (entry, value) in group.iter().zip(values.iter()) {
            let bytes = value
                .dyn_into::<Uint8Array>()
                .map_err(|_| IdbError::malformed("batch", "value is not bytes"))?
                .to_vec();
            out.push(StoredBatch {
                base_offset: entry.base_offset,
                next_offset: entry.next_offset,
                bytes,
            });
        }
        each(out);
    }
    Ok(())
}

/// A batch's stored size, as its index entry says.
fn entry_size(entry: &BatchIndexEntry) -> usize {
    usize::try_from(entry.size_bytes).unwrap_or(usize::MAX)
}
