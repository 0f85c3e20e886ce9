//! The messages to and from a producer worker, and the records and acknowledgements they carry.

use serde::{Deserialize, Serialize};

use streamlab_log::{ProduceRecord, RecordMetadata};

/// A record as the UI sends it to a producer: text key, value and headers, and where it goes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRecord {
    /// The key (Kinesis: the partition key); `None` for a keyless Kafka record.
    pub key: Option<String>,
    /// The value.
    pub value: String,
    /// A tombstone: the value is null (`value` is ignored).
    pub tombstone: bool,
    /// Headers, in order: name and text value.
    pub headers: Vec<(String, String)>,
    /// Where it goes.
    pub target: WireTarget,
    /// CreateTime in ms; `None` takes the append time.
    pub timestamp: Option<i64>,
}

/// Where a produced record goes (see `streamlab_log::Target`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireTarget {
    /// By the mode's partitioner.
    #[default]
    ByKey,
    /// Kafka: this partition.
    Partition(u32),
    /// Kinesis: the shard owning this explicit hash key (decimal, already checked).
    ExplicitHashKey(u128),
}

impl WireRecord {
    /// The log's form of this record.
    pub fn to_produce_record(&self) -> ProduceRecord {
        let mut record = ProduceRecord::new(self.key.as_deref(), &self.value);
        if self.tombstone {
            record.data.value = None;
        }
        record.data.timestamp = self.timestamp.map(streamlab_log::Timestamp);
        record.data.headers = self
            .headers
            .iter()
            .map(|(name, value)| streamlab_log::Header {
                key: name.clone(),
                value: Some(value.as_bytes().to_vec()),
            })
            .collect();
        record.target = match self.target {
            WireTarget::ByKey => streamlab_log::Target::ByKey,
            WireTarget::Partition(p) => {
                streamlab_log::Target::Partition(streamlab_log::PartitionId(p))
            }
            WireTarget::ExplicitHashKey(h) => {
                streamlab_log::Target::ExplicitHashKey(streamlab_log::HashKey(h))
            }
        };
        record
    }
}

/// A command to the producer worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProducerCommand {
    /// Produce these records to `topic` in database `db`, as one request.
    Produce {
        /// Echoed in the reply.
        request_id: u64,
        /// The IndexedDB database name.
        db: String,
        /// The topic (stream) name.
        topic: String,
        /// The records, in order.
        records: Vec<WireRecord>,
    },
    /// Generate and produce `batches` requests of `batch_size` records each, as fast as the
    /// store takes them: keys `<key_prefix><n % 1000>`, values of `value_bytes` bytes. The
    /// worker holds the topic's metadata for the whole run.
    ProduceGenerated {
        /// Echoed in the reply.
        request_id: u64,
        /// The IndexedDB database name.
        db: String,
        /// The topic (stream) name.
        topic: String,
        /// How many requests.
        batches: u32,
        /// Records per request.
        batch_size: u32,
        /// Bytes per value.
        value_bytes: u32,
        /// Key prefix.
        key_prefix: String,
    },
    /// Start a producer run: records made from `spec`, paced by its rate, batch size and linger,
    /// until stopped or `spec.limit` records are acknowledged. Acknowledged batch by batch with
    /// [`ProducerEvent::RunAcked`].
    StartRun {
        /// Names the run in every event about it.
        run_id: u64,
        /// The IndexedDB database name.
        db: String,
        /// The topic (stream) name.
        topic: String,
        /// What to send and how fast.
        spec: RunSpec,
    },
    /// Pause a run (it keeps its place; nothing is sent until it resumes).
    PauseRun {
        /// The run.
        run_id: u64,
    },
    /// Resume a paused run, at its rate, without a burst to catch up.
    ResumeRun {
        /// The run.
        run_id: u64,
    },
    /// Change a run's rate (`None`: as fast as the store takes records).
    SetRunRate {
        /// The run.
        run_id: u64,
        /// Records per second.
        rate: Option<u32>,
    },
    /// Stop a run after the batch in flight.
    StopRun {
        /// The run.
        run_id: u64,
    },
}

/// How a producer run picks keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireKeyPattern {
    /// No key.
    None,
    /// The same key every time.
    Fixed(String),
    /// `<prefix><n>`.
    Sequential(String),
    /// One of these, at random.
    RandomFrom(Vec<String>),
}

impl WireKeyPattern {
    /// The log's key pattern.
    pub fn to_pattern(&self) -> streamlab_workload::KeyPattern {
        use streamlab_workload::KeyPattern;
        match self {
            WireKeyPattern::None => KeyPattern::None,
            WireKeyPattern::Fixed(k) => KeyPattern::Fixed(k.clone()),
            WireKeyPattern::Sequential(p) => KeyPattern::Sequential(p.clone()),
            WireKeyPattern::RandomFrom(keys) => KeyPattern::RandomFrom(keys.clone()),
        }
    }
}

/// What a producer run sends and how fast.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    /// How keys are picked.
    pub key: WireKeyPattern,
    /// The value template (`${n}`, `${key}`, `${ts}`; see `streamlab_workload::ValueTemplate`).
    pub value_template: String,
    /// Records per second; `None` sends as fast as the store takes them.
    pub rate: Option<u32>,
    /// Records per batch at most (Kafka's `batch.size`, counted in records).
    pub batch_size: u32,
    /// How long a partial batch may wait to fill, in ms (Kafka's `linger.ms`).
    pub linger_ms: u32,
    /// Stop after this many records; `None` runs until stopped.
    pub limit: Option<u64>,
}

/// One batch a run appended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchAck {
    /// Partition (shard index).
    pub partition: u32,
    /// The offset of its first record.
    pub base_offset: u64,
    /// Records in it.
    pub count: u32,
    /// The sequence number of its first record, decimal.
    pub first_sequence: String,
    /// The sequence number of its last record, decimal.
    pub last_sequence: String,
}

/// Where one produced record landed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceAck {
    /// The record's key, echoed.
    pub key: Option<String>,
    /// Partition (shard index).
    pub partition: u32,
    /// Offset.
    pub offset: u64,
    /// Sequence number, decimal.
    pub sequence_number: String,
    /// Timestamp in milliseconds.
    pub timestamp: i64,
}

impl ProduceAck {
    /// The wire form of the log's record metadata.
    pub fn from_metadata(key: Option<String>, m: &RecordMetadata) -> ProduceAck {
        ProduceAck {
            key,
            partition: m.partition.0,
            offset: m.offset.0,
            sequence_number: m.sequence_number.to_string(),
            timestamp: m.timestamp.0,
        }
    }
}

/// What the producer worker reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ProducerEvent {
    /// A generated run finished: every record acknowledged.
    Generated {
        /// The request's id.
        request_id: u64,
        /// Records appended.
        records: u64,
        /// Time from the first append to the last acknowledgement, measured in the worker.
        elapsed_ms: f64,
    },
    /// Every record of the request is stored.
    Acked {
        /// The request's id.
        request_id: u64,
        /// One acknowledgement per record, in the request's order.
        acks: Vec<ProduceAck>,
    },
    /// The request failed; the message is for the user.
    Failed {
        /// The request's id.
        request_id: u64,
        /// What went wrong, in words.
        message: String,
        /// The browser refused the write because its storage quota is full.
        storage_full: bool,
    },
    /// A run's batches were appended. A fast run reports at most every 100 ms, with its latest
    /// batches (at most 20) and its totals.
    RunAcked {
        /// The run.
        run_id: u64,
        /// The latest batches appended since the last report, oldest first.
        batches: Vec<BatchAck>,
        /// Records acknowledged since the run started.
        sent: u64,
        /// Batches appended since the run started.
        batch_count: u64,
    },
    /// A run was refused for now (Kinesis' write limit) and retries by itself.
    RunRetrying {
        /// The run.
        run_id: u64,
        /// Why, in words.
        message: String,
        /// When it tries again.
        retry_in_ms: u64,
    },
    /// A run paused (`true`) or resumed (`false`).
    RunPaused {
        /// The run.
        run_id: u64,
        /// Whether it is paused now.
        paused: bool,
    },
    /// A run ended: stopped, done, or failed.
    RunEnded {
        /// The run.
        run_id: u64,
        /// Records acknowledged in all.
        sent: u64,
        /// Why it ended early, in words; `None` when stopped or done.
        error: Option<String>,
        /// It ended because the browser's storage quota is full.
        storage_full: bool,
    },
    /// A command the worker could not read (a page and a worker from different builds); its
    /// request id is unknown.
    Unreadable {
        /// What went wrong, in words.
        message: String,
    },
}
