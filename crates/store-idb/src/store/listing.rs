//! The topic list read row by row: a stored topic whose rows do not decode is listed as damaged,
//! with what is wrong, and every other topic stays usable (one bad row never hides the rest).

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbCursorWithValue, IdbKeyRange, IdbTransactionMode};

use streamlab_log::TopicMetadata;

use super::{read_partitions, IdbStore, BATCHES, BATCH_INDEX, GROUPS, PARTITIONS, TOPICS};
use crate::codec::topic_from_js;
use crate::error::IdbError;
use crate::idb::request;

/// A stored topic (stream) that cannot be read back: its name as stored and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamagedTopic {
    /// The row's key as stored (the topic's name, unchecked).
    pub name: String,
    /// Why it does not decode.
    pub problem: String,
}

/// Every stored topic: those that decode, and those that do not.
#[derive(Clone, Debug, Default)]
pub struct TopicListing {
    /// Topics whose configuration and partition states decode.
    pub topics: Vec<TopicMetadata>,
    /// Topics whose configuration or a partition state does not.
    pub damaged: Vec<DamagedTopic>,
}

impl IdbStore {
    /// Lists every topic, each decoded on its own: a malformed configuration or partition
    /// state makes that topic [`DamagedTopic`] and leaves the others listed. Errors of the
    /// database itself (closed, blocked) still fail the call.
    pub async fn list_topics_checked(&self) -> Result<TopicListing, IdbError> {
        let tx = self.tx(&[TOPICS, PARTITIONS], IdbTransactionMode::Readonly)?;
        let topics = tx.store(TOPICS)?;
        // Both in key order, so the n-th key names the n-th value.
        let keys: Array = request(&topics.get_all_keys().map_err(IdbError::from_js)?)
            .await?
            .unchecked_into();
        let values: Array = request(&topics.get_all().map_err(IdbError::from_js)?)
            .await?
            .unchecked_into();
        let partitions = tx.store(PARTITIONS)?;
        let mut listing = TopicListing::default();
        for (key, value) in keys.iter().zip(values.iter()) {
            let decoded = match topic_from_js(&value) {
                Ok(config) => read_partitions(&partitions, config.name())
                    .await
                    .map(|partitions| TopicMetadata { config, partitions }),
                Err(e) => Err(e),
            };
            match decoded {
                Ok(topic) => listing.topics.push(topic),
                Err(IdbError::Malformed { what, detail }) => listing.damaged.push(DamagedTopic {
                    name: key_text(&key),
                    problem: format!("stored {what} is malformed: {detail}"),
                }),
                Err(other) => return Err(other),
            }
        }
        Ok(listing)
    }

    /// Deletes a damaged topic by its stored name: its configuration, partition states,
    /// batches, index entries and committed offsets. Whether it existed.
    pub async fn delete_damaged_topic(&self, name: &str) -> Result<bool, IdbError> {
        self.delete_topic_rows(name).await
    }

    /// Every row of the topic stored under `name`, in one transaction.
    pub(super) async fn delete_topic_rows(&self, name: &str) -> Result<bool, IdbError> {
        let tx = self.tx(
            &[TOPICS, PARTITIONS, BATCHES, BATCH_INDEX, GROUPS],
            IdbTransactionMode::Readwrite,
        )?;
        let topics = tx.store(TOPICS)?;
        let key = JsValue::from_str(name);
        let existed = !request(&topics.get(&key).map_err(IdbError::from_js)?)
            .await?
            .is_undefined();
        let _ = topics.delete(&key).map_err(IdbError::from_js)?;
        // Every array key that starts with the name: [name] sorts before them, and [name, []]
        // after them (an array element sorts above numbers).
        let all_of_topic = IdbKeyRange::bound(&Array::of1(&key), &Array::of2(&key, &Array::new()))
            .map_err(IdbError::from_js)?;
        for store in [PARTITIONS, BATCHES, BATCH_INDEX] {
            let _ = tx
                .store(store)?
                .delete(&all_of_topic)
                .map_err(IdbError::from_js)?;
        }
        // Group keys are [group, topic, partition]: walk them and drop this topic's.
        let cursor_req = tx.store(GROUPS)?.open_cursor().map_err(IdbError::from_js)?;
        loop {
            let cursor = request(&cursor_req).await?;
            let Ok(cursor) = cursor.dyn_into::<IdbCursorWithValue>() else {
                break;
            };
            let group_key: Array = cursor.key().map_err(IdbError::from_js)?.unchecked_into();
            if group_key.get(1).as_string().as_deref() == Some(name) {
                let _ = cursor.delete().map_err(IdbError::from_js)?;
            }
            cursor.continue_().map_err(IdbError::from_js)?;
        }
        tx.commit().await?;
        Ok(existed)
    }
}

/// A stored key as text: the string itself, or its JSON for a key of another type.
fn key_text(key: &JsValue) -> String {
    key.as_string().unwrap_or_else(|| {
        js_sys::JSON::stringify(key)
            .ok()
            .map(String::from)
            .unwrap_or_else(|| "(unreadable key)".into())
    })
}
