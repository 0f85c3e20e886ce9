//! The contract between the lab (`crates/ui`) and its tools bundle (`crates/script`): the lab
//! sends one encoded [`ToolRequest`] to the bundle's `lab_tool`, hears [`ToolEvent`]s while it
//! runs (answering each with an [`EventAnswer`]) and gets one [`ToolReply`], all encoded with
//! [`encode`](crate::encode). A failure is the bundle's error, in the words the lab shows. The
//! lab never links the bundle: it finds it through the loader when a tool is first used.

use serde::{Deserialize, Serialize};

/// What the lab asks the tools bundle to do, on database `db`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToolRequest {
    /// Run `topic`'s cleanup policy (retention or compaction) on every partition now.
    CleanTopic {
        /// The database.
        db: String,
        /// The topic.
        topic: String,
    },
    /// Reset `group`'s committed offsets on `topic` (see `form::parse_offset_reset`).
    ResetGroup {
        /// The database.
        db: String,
        /// The topic.
        topic: String,
        /// The group (Kinesis: the application).
        group: String,
        /// `earliest`, `latest`, `offset`, `timestamp`, or the Kinesis words for them.
        target: String,
        /// The offset(s) or time that goes with the target.
        value: String,
    },
    /// Read `topic` as JSON Lines, every partition in order.
    ExportTopic {
        /// The database.
        db: String,
        /// The topic.
        topic: String,
    },
    /// Import JSON Lines `text` into `topic` through a producer worker of the bundle's own.
    ImportJsonl {
        /// The database.
        db: String,
        /// The topic.
        topic: String,
        /// Kafka keeps an exported partition where the topic has it; Kinesis routes by key.
        kafka: bool,
        /// The topic's partition count.
        partitions: u32,
        /// The file's text.
        text: String,
    },
    /// Replay the scenario file at `source` (relative to the page) on `db`, step by step.
    RunScenario {
        /// The database.
        db: String,
        /// The file's address.
        source: String,
        /// The topic to show at the end, when the scenario has it.
        open: Option<String>,
    },
}

/// What a tool did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToolReply {
    /// A cleanup or a reset, in words.
    Done(String),
    /// An export: the JSON Lines and how many records they hold.
    Exported {
        /// The file's text.
        text: String,
        /// Its records.
        records: u64,
    },
    /// An import is under way: its events follow; the job's `cancel()` ends it.
    ImportStarted {
        /// Records in the file.
        total: u64,
    },
    /// A scenario ran to its end (or stopped because the lab went away).
    ScenarioRan {
        /// The topic to show.
        shown: Option<String>,
    },
}

/// What a tool tells the lab while it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToolEvent {
    /// The import's producer acknowledged this many records.
    ImportAcked(u64),
    /// The store refused one of the import's requests.
    ImportRefused {
        /// Why, in words.
        message: String,
        /// The browser's storage quota was the cause.
        storage_full: bool,
    },
    /// The import's worker failed.
    ImportFailed(String),
    /// A scenario is about to run a step (`done` of `total` are done).
    ScenarioStep {
        /// Steps in all.
        total: u64,
        /// Steps done.
        done: u64,
        /// The step, in words.
        step: String,
    },
    /// A scenario's `consume` step: the lab starts this consumer, as if by hand.
    ScenarioConsume {
        /// The topic.
        topic: String,
        /// Where it starts (`earliest`, `offset 3`, …).
        from: String,
        /// Its group, if any.
        group: Option<String>,
    },
}

/// The lab's answer to a [`ToolEvent`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventAnswer {
    /// Go on.
    GoOn,
    /// Stop the scenario here (the lab went away).
    Stop,
    /// The lab refused what the event asked (a consumer it cannot start), in words.
    Refused(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, encode};

    #[test]
    fn every_message_decodes_to_itself_and_damage_is_an_error() {
        let request = ToolRequest::ImportJsonl {
            db: "lab".into(),
            topic: "orders".into(),
            kafka: true,
            partitions: 3,
            text: "{\"value\":\"x\"}\n".into(),
        };
        let bytes = encode(&request).unwrap();
        assert_eq!(decode::<ToolRequest>(&bytes).unwrap(), request);
        let event = ToolEvent::ScenarioConsume {
            topic: "orders".into(),
            from: "offset 3".into(),
            group: None,
        };
        assert_eq!(
            decode::<ToolEvent>(&encode(&event).unwrap()).unwrap(),
            event
        );
        let reply = ToolReply::Exported {
            text: String::new(),
            records: 0,
        };
        assert_eq!(
            decode::<ToolReply>(&encode(&reply).unwrap()).unwrap(),
            reply
        );
        let answer = EventAnswer::Refused("no".into());
        assert_eq!(
            decode::<EventAnswer>(&encode(&answer).unwrap()).unwrap(),
            answer
        );
        assert!(decode::<ToolRequest>(&bytes[..bytes.len() / 2]).is_err());
        assert!(decode::<ToolReply>(&[0xff, 0xff, 0xff, 0xff]).is_err());
    }
}
