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
mod read;
mod schema;
use append::write_batch_in;
pub use listing::{DamagedTopic, TopicListing};
use schema::upgrade;

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
        read::lookup_batch(self, tp, lookup).await
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
        read::read_batches_streamed(self, tp, from, max_bytes, each).await
    }
}
