//! What the user does to topics: create, open from an attribute, delete, reshard, truncate at a
//! damaged batch, clean up, reset a group's offsets.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use streamlab_log::{
    add_partitions, merge_shards, split_shard, truncate_partition, CreateTopicError, HashKey,
    Offset, PartitionId, ReshardError, Storage, TopicMetadata, TopicName, TopicPartition,
};
use streamlab_protocol::form::{topic_from_attributes, TopicForm};
use streamlab_protocol::tools::{EventAnswer, ToolReply, ToolRequest};

use crate::browser::announce_change;
use crate::hooks::use_consumers::Consumers;
use crate::hooks::use_store::StoreCell;
use crate::state::{Action, Dispatch};
use crate::tools;

/// The operations on the lab's topics.
#[derive(Clone)]
pub struct TopicActions {
    pub(crate) db: AttrValue,
    pub(crate) dispatch: Dispatch,
    pub(crate) store: StoreCell,
    pub(crate) consumers: Consumers,
}

impl TopicActions {
    /// Validates and creates the topic `form` describes, then opens it.
    pub fn create(&self, form: &TopicForm) {
        let dispatch = self.dispatch.clone();
        let config = match form.config() {
            Ok(config) => config,
            Err(e) => return dispatch.dispatch(Action::FieldError(e.field, e.message)),
        };
        let Some(store) = self.store.ready(&dispatch) else {
            return;
        };
        spawn_local(async move {
            match store.create_topic(&config).await {
                Ok(_) => {
                    dispatch.dispatch(Action::ClearError);
                    dispatch.dispatch(Action::OpenTopic(config.name().clone()));
                }
                Err(CreateTopicError::AlreadyExists(name)) => dispatch.dispatch(
                    Action::FieldError("name", format!("topic '{name}' already exists")),
                ),
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Opens `name` (the element's `topic` attribute), creating it with `partitions` (default
    /// 3) and `mode` (default kafka) when the database does not have it yet. A topic that
    /// exists is opened as it is.
    pub fn ensure(&self, name: &str, partitions: Option<&str>, mode: Option<&str>) {
        let dispatch = self.dispatch.clone();
        let config = match topic_from_attributes(name, partitions, mode) {
            Ok(config) => config,
            Err(message) => return dispatch.dispatch(Action::Error(message)),
        };
        let Some(store) = self.store.get() else {
            return;
        };
        spawn_local(async move {
            let exists = match store.describe_topic(config.name()).await {
                Ok(found) => found.is_some(),
                Err(e) => return dispatch.dispatch(Action::Error(e.to_string())),
            };
            if !exists {
                match store.create_topic(&config).await {
                    // Another element on the same database was quicker: the same topic.
                    Ok(_) | Err(CreateTopicError::AlreadyExists(_)) => {}
                    Err(e) => return dispatch.dispatch(Action::Error(e.to_string())),
                }
            }
            dispatch.dispatch(Action::OpenTopic(config.name().clone()));
            dispatch.dispatch(Action::LogChanged);
        });
    }

    /// Deletes a topic with everything it holds, stopping this lab's consumers of it.
    pub fn delete(&self, name: TopicName) {
        let dispatch = self.dispatch.clone();
        let Some(store) = self.store.get() else {
            return;
        };
        self.consumers.stop_readers_of(&name);
        let db = self.db.to_string();
        spawn_local(async move {
            match store.delete_topic(&name).await {
                Ok(_) => {
                    // Other tabs' dashboards refresh on the channel too.
                    announce_change(&db, name.as_str());
                    dispatch.dispatch(Action::TopicDeleted(name));
                }
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Deletes a stored topic that does not decode, by its stored name.
    pub fn delete_damaged(&self, name: String) {
        let dispatch = self.dispatch.clone();
        let Some(store) = self.store.get() else {
            return;
        };
        spawn_local(async move {
            match store.delete_damaged_topic(&name).await {
                Ok(_) => dispatch.dispatch(Action::DamagedTopicDeleted(name)),
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Runs a change to `topic`'s partitions (split, merge, add) and reports refusals.
    fn update(
        &self,
        topic: &TopicName,
        update: impl Fn(&TopicMetadata) -> Result<TopicMetadata, ReshardError> + 'static,
    ) {
        let (dispatch, topic) = (self.dispatch.clone(), topic.clone());
        let Some(store) = self.store.get() else {
            return;
        };
        spawn_local(async move {
            match store.update_topic(&topic, &update).await {
                Ok(_) => {
                    dispatch.dispatch(Action::ClearError);
                    dispatch.dispatch(Action::LogChanged);
                }
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Splits an open shard of `topic` at hash key `at` (SplitShard).
    pub fn split_shard(&self, topic: &TopicName, shard: PartitionId, at: HashKey) {
        self.update(topic, move |m| split_shard(m, shard, at));
    }

    /// Merges two adjacent open shards of `topic` (MergeShards).
    pub fn merge_shards(&self, topic: &TopicName, shard: PartitionId, adjacent: PartitionId) {
        self.update(topic, move |m| merge_shards(m, shard, adjacent));
    }

    /// Adds one partition to Kafka topic `topic`.
    pub fn add_partition(&self, topic: &TopicName) {
        self.update(topic, |m| add_partitions(m, m.partitions.len() as u32 + 1));
    }

    /// Truncates partition `partition` of `topic` at the batch starting at `base_offset` (a
    /// damaged batch): that batch and every later one are deleted.
    pub fn truncate_at(&self, topic: &TopicName, partition: u32, base_offset: u64) {
        let dispatch = self.dispatch.clone();
        let Some(store) = self.store.get() else {
            return;
        };
        let tp = TopicPartition::new(topic.clone(), PartitionId(partition));
        spawn_local(async move {
            match truncate_partition(store.as_ref(), &tp, Offset(base_offset)).await {
                Ok(out) => {
                    dispatch.dispatch(Action::ClearError);
                    dispatch.dispatch(Action::Cleaned(format!(
                        "truncated {tp} at offset {base_offset}: {} batches removed; the log ends at {}",
                        out.batches_deleted,
                        out.state.log_end_offset()
                    )));
                }
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Runs `topic`'s cleanup policy (retention or compaction) on every partition now.
    pub fn clean(&self, topic: &TopicName) {
        let request = ToolRequest::CleanTopic {
            db: self.db.to_string(),
            topic: topic.as_str().to_owned(),
        };
        self.run_tool(request, Action::Cleaned);
    }

    /// Resets `group`'s committed offsets on `topic`: `target` is `earliest`, `latest`,
    /// `offset` (`value`: one offset for every partition, or `partition:offset` pairs separated
    /// by commas) or `timestamp` (`value`: ms or a date), or the Kinesis words for them.
    /// Refused while a member of the group is active.
    pub fn reset_group(&self, topic: &TopicName, group: &str, target: &str, value: &str) {
        let request = ToolRequest::ResetGroup {
            db: self.db.to_string(),
            topic: topic.as_str().to_owned(),
            group: group.to_owned(),
            target: target.to_owned(),
            value: value.to_owned(),
        };
        self.run_tool(request, Action::GroupReset);
    }

    /// Asks the tools bundle (see [`tools`]) for `request`, a tool that answers in words: they
    /// become `done(words)`, a failure the error message.
    fn run_tool(&self, request: ToolRequest, done: fn(String) -> Action) {
        let dispatch = self.dispatch.clone();
        spawn_local(async move {
            let sink = tools::events(|_| EventAnswer::GoOn);
            match tools::call(&request, &sink).await.map(|a| a.reply) {
                Ok(ToolReply::Done(words)) => {
                    dispatch.dispatch(Action::ClearError);
                    dispatch.dispatch(done(words));
                }
                Ok(_) => dispatch.dispatch(Action::Error(
                    "the lab's tools answered another request".into(),
                )),
                Err(message) => dispatch.dispatch(Action::Error(message)),
            }
        });
    }
}
