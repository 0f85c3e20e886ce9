//! [`IdbStore`]: the [`Storage`] trait over IndexedDB.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    IdbCursorDirection, IdbCursorWithValue, IdbDatabase, IdbKeyRange, IdbTransaction,
    IdbTransactionMode,
};

use std::borrow::Borrow;
use std::collections::BTreeMap;

use streamlab_log::{
    AppendError, AppendInfo, BatchIndexEntry, BatchLookup, BatchRewrite, CommittedOffset,
    CreateTopicError, GroupId, GroupMembership, Offset, PartitionId, PartitionState, RecordBatch,
    RecordData, RewriteError, SequenceNumber, Storage, StoredBatch, Timestamp, TopicConfig,
    TopicMetadata, TopicName, TopicPartition, TopicUpdate, TransactionCommit, UpdateTopicError,
};

use crate::codec::{
    committed_from_js, committed_to_js, index_entry_from_js, index_entry_to_js, membership_from_js,
    membership_to_js, number, partition_from_js, partition_to_js, sequence_key, topic_from_js,
    topic_to_js,
};
use crate::error::IdbError;
use crate::idb::{open, request, requested, Migration, Tx};

mod append;
mod listing;
use append::write_batch_in;
pub use listing::{DamagedTopic, TopicListing};

/// The schema version this code writes. Version 1 is the first released schema; version 2 adds
/// the batch index (seek by sequence number and by time in O(log n)).
pub const SCHEMA_VERSION: u32 = 2;

const TOPICS: &str = "topics";
const PARTITIONS: &str = "partitions";
const BATCHES: &str = "batches";
const GROUPS: &str = "groups";
const BATCH_INDEX: &str = "batch_index";
const BY_SEQUENCE: &str = "by_sequence";
const BY_TIME: &str = "by_time";

/// How many batches one range read asks for before checking the byte budget.
const READ_CHUNK: u32 = 64;

/// About how many bytes of batch values one request of a streamed read asks for: small enough
/// that decoding one group overlaps the fetching of the next, large enough that the requests'
/// fixed cost stays small.
const STREAM_GROUP_BYTES: usize = 1 << 20;

fn upgrade(
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

/// A Streamlab log in one IndexedDB database.
pub struct IdbStore {
    db: IdbDatabase,
    name: String,
    _on_version_change: Closure<dyn FnMut()>,
}

impl std::fmt::Debug for IdbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdbStore")
            .field("name", &self.name)
            .finish()
    }
}

impl IdbStore {
    /// Opens (creating or upgrading) the database `name`.
    ///
    /// When another tab opens the database at a newer schema version, this connection closes
    /// itself so that tab's upgrade is not blocked; later calls here then fail with
    /// [`IdbError::Closed`].
    pub async fn open(name: &str) -> Result<IdbStore, IdbError> {
        let db = open(name, SCHEMA_VERSION, upgrade).await?;
        let on_version_change = Closure::<dyn FnMut()>::new({
            let db = db.clone();
            move || db.close()
        });
        db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        Ok(IdbStore {
            db,
            name: name.to_owned(),
            _on_version_change: on_version_change,
        })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Closes the connection.
    pub fn close(&self) {
        self.db.close();
    }

    /// Empties the database in one transaction: every topic, record, index entry and group. Other
    /// connections (other labs, workers, tabs) stay open and find an empty log, unlike
    /// [`IdbStore::delete_database`], which closes them.
    pub async fn clear(&self) -> Result<(), IdbError> {
        let stores = [TOPICS, PARTITIONS, BATCHES, BATCH_INDEX, GROUPS];
        let tx = self.tx(&stores, IdbTransactionMode::Readwrite)?;
        for name in stores {
            tx.store(name)?.clear().map_err(IdbError::from_js)?;
        }
        tx.commit().await
    }

    /// Deletes the database `name` (all its topics).
    pub async fn delete_database(name: &str) -> Result<(), IdbError> {
        let req = crate::idb::factory()?
            .delete_database(name)
            .map_err(IdbError::from_js)?;
        request(&req).await.map(|_| ())
    }

    /// An append's transaction up to its commit: reads the partition's state, lets the log plan
    /// the append, and writes the batch, its index entry and the new state.
    async fn write_batch<R: Borrow<RecordData>>(
        &self,
        tp: &TopicPartition,
        records: &[R],
        append_time: Timestamp,
    ) -> Result<(Tx, AppendInfo), AppendError<IdbError>> {
        // One readwrite transaction: read the state, let the log plan the append, write the batch
        // and the new state. IndexedDB serializes this against every other writer of the origin.
        let tx = self
            .tx(
                &[TOPICS, PARTITIONS, BATCHES, BATCH_INDEX],
                IdbTransactionMode::Readwrite,
            )
            .map_err(AppendError::Storage)?;
        let info = write_batch_in(&tx, tp, records, append_time).await?;
        Ok((tx, info))
    }

    fn tx(&self, stores: &[&str], mode: IdbTransactionMode) -> Result<Tx, IdbError> {
        Tx::new(&self.db, stores, mode)
    }
}

fn partition_key(tp: &TopicPartition) -> JsValue {
    Array::of2(
        &JsValue::from_str(tp.topic().as_str()),
        &JsValue::from(tp.partition().0),
    )
    .into()
}

fn batch_key(tp: &TopicPartition, base_offset: f64) -> JsValue {
    batch_key_raw(tp.topic().as_str(), tp.partition().0, base_offset)
}

fn batch_key_raw(topic: &str, partition: u32, base_offset: f64) -> JsValue {
    Array::of3(
        &JsValue::from_str(topic),
        &JsValue::from(partition),
        &JsValue::from_f64(base_offset),
    )
    .into()
}

/// `[topic, partition, last]`, a key in the batch index's indexes.
fn index_key(tp: &TopicPartition, last: &JsValue) -> JsValue {
    Array::of3(
        &JsValue::from_str(tp.topic().as_str()),
        &JsValue::from(tp.partition().0),
        last,
    )
    .into()
}

/// All `[topic, partition]` keys of one topic: topic names sort before any array, and partition
/// numbers between 0 and +∞.
fn topic_partitions_range(topic: &TopicName) -> Result<IdbKeyRange, IdbError> {
    let lower = Array::of2(&JsValue::from_str(topic.as_str()), &JsValue::from_f64(0.0));
    let upper = Array::of2(
        &JsValue::from_str(topic.as_str()),
        &JsValue::from_f64(f64::INFINITY),
    );
    IdbKeyRange::bound(&lower, &upper).map_err(IdbError::from_js)
}

async fn read_partitions(
    store: &web_sys::IdbObjectStore,
    topic: &TopicName,
) -> Result<Vec<PartitionState>, IdbError> {
    let range = topic_partitions_range(topic)?;
    let req = store.get_all_with_key(&range).map_err(IdbError::from_js)?;
    let values: Array = request(&req).await?.unchecked_into();
    values.iter().map(|v| partition_from_js(&v)).collect()
}

/// A committed offset's key: `[group, topic, partition]`.
fn group_key(group: &GroupId, tp: &TopicPartition) -> JsValue {
    Array::of3(
        &JsValue::from_str(group.as_str()),
        &JsValue::from_str(tp.topic().as_str()),
        &JsValue::from(tp.partition().0),
    )
    .into()
}

impl Storage for IdbStore {
    type Error = IdbError;

    async fn create_topic(
        &self,
        config: &TopicConfig,
    ) -> Result<TopicMetadata, CreateTopicError<IdbError>> {
        let run = async {
            let tx = self.tx(&[TOPICS, PARTITIONS], IdbTransactionMode::Readwrite)?;
            let topics = tx.store(TOPICS)?;
            let name = JsValue::from_str(config.name().as_str());
            let existing = request(&topics.get(&name).map_err(IdbError::from_js)?).await?;
            if !existing.is_undefined() {
                return Ok(Err(CreateTopicError::AlreadyExists(config.name().clone())));
            }
            let _ = topics
                .put_with_key(&topic_to_js(config), &name)
                .map_err(IdbError::from_js)?;
            let partitions = config.initial_partitions();
            let store = tx.store(PARTITIONS)?;
            for state in &partitions {
                let tp = TopicPartition::new(config.name().clone(), state.partition());
                let _ = store
                    .put_with_key(&partition_to_js(state)?.into(), &partition_key(&tp))
                    .map_err(IdbError::from_js)?;
            }
            tx.commit().await?;
            Ok(Ok(TopicMetadata {
                config: config.clone(),
                partitions,
            }))
        };
        run.await.map_err(CreateTopicError::Storage)?
    }

    async fn delete_topic(&self, name: &TopicName) -> Result<bool, IdbError> {
        self.delete_topic_rows(name.as_str()).await
    }

    /// The topics that decode; [`IdbStore::list_topics_checked`] also lists the damaged ones.
    async fn list_topics(&self) -> Result<Vec<TopicMetadata>, IdbError> {
        Ok(self.list_topics_checked().await?.topics)
    }

    async fn describe_topic(&self, name: &TopicName) -> Result<Option<TopicMetadata>, IdbError> {
        let tx = self.tx(&[TOPICS, PARTITIONS], IdbTransactionMode::Readonly)?;
        let req = tx
            .store(TOPICS)?
            .get(&JsValue::from_str(name.as_str()))
            .map_err(IdbError::from_js)?;
        let value = request(&req).await?;
        if value.is_undefined() {
            return Ok(None);
        }
        let config = topic_from_js(&value)?;
        let partitions = read_partitions(&tx.store(PARTITIONS)?, name).await?;
        Ok(Some(TopicMetadata { config, partitions }))
    }

    async fn partition_state(
        &self,
        tp: &TopicPartition,
    ) -> Result<Option<PartitionState>, IdbError> {
        let tx = self.tx(&[PARTITIONS], IdbTransactionMode::Readonly)?;
        let req = tx
            .store(PARTITIONS)?
            .get(&partition_key(tp))
            .map_err(IdbError::from_js)?;
        let value = request(&req).await?;
        if value.is_undefined() {
            return Ok(None);
        }
        partition_from_js(&value).map(Some)
    }

    async fn append<R: Borrow<RecordData>>(
        &self,
        tp: &TopicPartition,
        records: &[R],
        append_time: Timestamp,
    ) -> Result<AppendInfo, AppendError<IdbError>> {
        self.append_overlapped(tp, records, append_time, || ())
            .await
            .0
    }

    async fn append_overlapped<R: Borrow<RecordData>, T>(
        &self,
        tp: &TopicPartition,
        records: &[R],
        append_time: Timestamp,
        meanwhile: impl FnOnce() -> T,
    ) -> (Result<AppendInfo, AppendError<IdbError>>, T) {
        let (tx, info) = match self.write_batch(tp, records, append_time).await {
            Ok(written) => written,
            Err(refused) => return (Err(refused), meanwhile()),
        };
        let (stored, done) = tx.commit_while(meanwhile).await;
        (stored.map(|()| info).map_err(AppendError::Storage), done)
    }

    async fn append_transaction<R: Borrow<RecordData>>(
        &self,
        appends: &[(TopicPartition, &[R])],
        group: &GroupId,
        commits: &[TransactionCommit],
        append_time: Timestamp,
    ) -> Result<Vec<AppendInfo>, AppendError<IdbError>> {
        self.append_transaction_overlapped(appends, group, commits, append_time, || ())
            .await
            .0
    }

    async fn append_transaction_overlapped<R: Borrow<RecordData>, T>(
        &self,
        appends: &[(TopicPartition, &[R])],
        group: &GroupId,
        commits: &[TransactionCommit],
        append_time: Timestamp,
        meanwhile: impl FnOnce() -> T,
    ) -> (Result<Vec<AppendInfo>, AppendError<IdbError>>, T) {
        let tx = match self.tx(
            &[TOPICS, PARTITIONS, BATCHES, BATCH_INDEX, GROUPS],
            IdbTransactionMode::Readwrite,
        ) {
            Ok(tx) => tx,
            Err(e) => return (Err(AppendError::Storage(e)), meanwhile()),
        };
        append::transaction(tx, appends, group, commits, append_time, meanwhile).await
    }

    async fn update_topic(
        &self,
        name: &TopicName,
        update: TopicUpdate<'_>,
    ) -> Result<TopicMetadata, UpdateTopicError<IdbError>> {
        let storage = UpdateTopicError::Storage;
        let tx = self
            .tx(&[TOPICS, PARTITIONS], IdbTransactionMode::Readwrite)
            .map_err(storage)?;
        let topics = tx.store(TOPICS).map_err(storage)?;
        let partitions = tx.store(PARTITIONS).map_err(storage)?;
        let key = JsValue::from_str(name.as_str());
        let req = topics
            .get(&key)
            .map_err(|e| storage(IdbError::from_js(e)))?;
        let value = request(&req).await.map_err(storage)?;
        if value.is_undefined() {
            return Err(UpdateTopicError::UnknownTopic(name.clone()));
        }
        let current = TopicMetadata {
            config: topic_from_js(&value).map_err(storage)?,
            partitions: read_partitions(&partitions, name).await.map_err(storage)?,
        };
        // The log decides the change from the state read in this very transaction.
        let updated = update(&current).map_err(UpdateTopicError::Refused)?;
        let _ = topics
            .put_with_key(&topic_to_js(&updated.config), &key)
            .map_err(|e| storage(IdbError::from_js(e)))?;
        for state in &updated.partitions {
            let tp = TopicPartition::new(name.clone(), state.partition());
            let _ = partitions
                .put_with_key(
                    &partition_to_js(state).map_err(storage)?.into(),
                    &partition_key(&tp),
                )
                .map_err(|e| storage(IdbError::from_js(e)))?;
        }
        tx.commit().await.map_err(storage)?;
        Ok(updated)
    }

    async fn batch_index(&self, tp: &TopicPartition) -> Result<Vec<BatchIndexEntry>, IdbError> {
        let tx = self.tx(&[BATCH_INDEX], IdbTransactionMode::Readonly)?;
        let range = IdbKeyRange::bound(&batch_key(tp, 0.0), &batch_key(tp, f64::INFINITY))
            .map_err(IdbError::from_js)?;
        let req = tx
            .store(BATCH_INDEX)?
            .get_all_with_key(&range)
            .map_err(IdbError::from_js)?;
        let values: Array = request(&req).await?.unchecked_into();
        values.iter().map(|v| index_entry_from_js(&v)).collect()
    }

    async fn rewrite_batches(
        &self,
        tp: &TopicPartition,
        rewrite: &BatchRewrite,
    ) -> Result<PartitionState, RewriteError<IdbError>> {
        let storage = RewriteError::Storage;
        let tx = self
            .tx(
                &[PARTITIONS, BATCHES, BATCH_INDEX],
                IdbTransactionMode::Readwrite,
            )
            .map_err(storage)?;
        let partitions = tx.store(PARTITIONS).map_err(storage)?;
        let batches = tx.store(BATCHES).map_err(storage)?;
        let index = tx.store(BATCH_INDEX).map_err(storage)?;
        let req = partitions
            .get(&partition_key(tp))
            .map_err(|e| storage(IdbError::from_js(e)))?;
        let value = request(&req).await.map_err(storage)?;
        if value.is_undefined() {
            return Err(RewriteError::UnknownTopicOrPartition(tp.clone()));
        }
        let state = partition_from_js(&value)
            .map_err(storage)?
            .plan_rewrite(rewrite)?;
        let key_of = |o: Offset| {
            number(o.0, "base offset").map(|n| batch_key(tp, n.as_f64().unwrap_or_default()))
        };
        for entry in &rewrite.deleted {
            let key = key_of(entry.base_offset).map_err(storage)?;
            let _ = batches
                .delete(&key)
                .map_err(|e| storage(IdbError::from_js(e)))?;
            let _ = index
                .delete(&key)
                .map_err(|e| storage(IdbError::from_js(e)))?;
        }
        for (entry, bytes) in &rewrite.replaced {
            let key = key_of(entry.base_offset).map_err(storage)?;
            let _ = batches
                .put_with_key(&Uint8Array::from(bytes.as_slice()), &key)
                .map_err(|e| storage(IdbError::from_js(e)))?;
            let js =
                index_entry_to_js(tp.topic().as_str(), tp.partition().0, entry).map_err(storage)?;
            let _ = index
                .put_with_key(&js, &key)
                .map_err(|e| storage(IdbError::from_js(e)))?;
        }
        let _ = partitions
            .put_with_key(
                &partition_to_js(&state).map_err(storage)?.into(),
                &partition_key(tp),
            )
            .map_err(|e| storage(IdbError::from_js(e)))?;
        tx.commit().await.map_err(storage)?;
        Ok(state)
    }

    async fn commit_offsets(
        &self,
        group: &GroupId,
        offsets: &[(TopicPartition, CommittedOffset)],
    ) -> Result<(), IdbError> {
        let tx = self.tx(&[GROUPS], IdbTransactionMode::Readwrite)?;
        let groups = tx.store(GROUPS)?;
        for (tp, committed) in offsets {
            let _ = groups
                .put_with_key(&committed_to_js(committed)?.into(), &group_key(group, tp))
                .map_err(IdbError::from_js)?;
        }
        tx.commit().await
    }

    async fn update_membership(
        &self,
        group: &GroupId,
        topic: &TopicName,
        update: &dyn Fn(GroupMembership) -> GroupMembership,
    ) -> Result<GroupMembership, IdbError> {
        let tx = self.tx(&[GROUPS], IdbTransactionMode::Readwrite)?;
        let groups = tx.store(GROUPS)?;
        // Partition -1 sorts before every committed offset's key of the same group and topic.
        let key = Array::of3(
            &JsValue::from_str(group.as_str()),
            &JsValue::from_str(topic.as_str()),
            &JsValue::from_f64(-1.0),
        );
        let req = groups.get(&key).map_err(IdbError::from_js)?;
        let current = membership_from_js(&request(&req).await?)?;
        let updated = update(current);
        let _ = groups
            .put_with_key(&membership_to_js(&updated), &key)
            .map_err(IdbError::from_js)?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn committed_offsets(
        &self,
        group: &GroupId,
        topic: &TopicName,
    ) -> Result<BTreeMap<PartitionId, CommittedOffset>, IdbError> {
        let tx = self.tx(&[GROUPS], IdbTransactionMode::Readonly)?;
        let groups = tx.store(GROUPS)?;
        let bound = |p: f64| {
            Array::of3(
                &JsValue::from_str(group.as_str()),
                &JsValue::from_str(topic.as_str()),
                &JsValue::from_f64(p),
            )
        };
        let range =
            IdbKeyRange::bound(&bound(0.0), &bound(f64::INFINITY)).map_err(IdbError::from_js)?;
        let keys_req = groups
            .get_all_keys_with_key(&range)
            .map_err(IdbError::from_js)?;
        let values_req = groups.get_all_with_key(&range).map_err(IdbError::from_js)?;
        let keys: Array = request(&keys_req).await?.unchecked_into();
        let values: Array = request(&values_req).await?.unchecked_into();
        keys.iter()
            .zip(values.iter())
            .map(|(k, v)| {
                let k: Array = k.unchecked_into();
                let p = k.get(2).as_f64().unwrap_or(-1.0);
                if !(0.0..=f64::from(u32::MAX)).contains(&p) {
                    return Err(IdbError::malformed("group key", format!("partition {p}")));
                }
                Ok((PartitionId(p as u32), committed_from_js(&v)?))
            })
            .collect()
    }

    async fn lookup_batch(
        &self,
        tp: &TopicPartition,
        lookup: BatchLookup,
    ) -> Result<Option<BatchIndexEntry>, IdbError> {
        let tx = self.tx(&[BATCH_INDEX], IdbTransactionMode::Readonly)?;
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

    async fn read_batches(
        &self,
        tp: &TopicPartition,
        from: Offset,
        max_bytes: usize,
    ) -> Result<Vec<StoredBatch>, IdbError> {
        let mut out = Vec::new();
        self.read_batches_streamed(tp, from, max_bytes, &mut |group| out.extend(group))
            .await?;
        Ok(out)
    }

    async fn read_batches_streamed(
        &self,
        tp: &TopicPartition,
        from: Offset,
        max_bytes: usize,
        each: &mut dyn FnMut(Vec<StoredBatch>),
    ) -> Result<(), IdbError> {
        let tx = self.tx(&[BATCHES, BATCH_INDEX], IdbTransactionMode::Readonly)?;
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
}

/// A batch's stored size, as its index entry says.
fn entry_size(entry: &BatchIndexEntry) -> usize {
    usize::try_from(entry.size_bytes).unwrap_or(usize::MAX)
}
