//! What the Kinesis console shows, and the actions that change it.

use std::rc::Rc;

use yew::Reducible;

use streamlab_kinesis::api::Shard;
use streamlab_kinesis::consumer::Consumed;
use streamlab_kinesis::{FetchTransport, KinesisClient};

/// The connected endpoint's client.
pub type Client = Rc<KinesisClient<FetchTransport>>;

/// Records one produce shows, at most.
pub const MAX_PRODUCE: u32 = 500;
/// Records one read shows, at most.
pub const READ_LIMIT: usize = 1_000;

/// What the connect form holds. (No `Debug`: it holds a secret.)
#[derive(Clone, PartialEq)]
pub struct ConnectForm {
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

/// Where one record of a PutRecords went, or why it was refused.
#[derive(Clone, Debug, PartialEq)]
pub struct Produced {
    pub key: String,
    pub shard_id: Option<String>,
    pub sequence_number: Option<String>,
    pub error: Option<String>,
}

/// A read of one shard (GetRecords from an iterator until the newest record or the shard's end).
#[derive(Clone, Debug, PartialEq)]
pub struct ReadView {
    pub shard_id: String,
    pub from: String,
    pub records: Vec<(String, String, String, Option<i64>)>,
    /// The shard is closed and this read reached its end.
    pub ended: bool,
    pub children: Vec<String>,
}

/// One run of a consumer application.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumedView {
    /// Counts the runs shown (1 for the first).
    pub run: u32,
    pub application: String,
    pub records: Vec<Consumed>,
    pub checkpoints: Vec<(String, String)>,
    pub more: bool,
}

/// Everything the console shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Console {
    /// The endpoint and region connected to.
    pub connected: Option<(String, String)>,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub streams: Vec<String>,
    pub open: Option<String>,
    pub status: Option<(String, u32)>,
    pub shards: Vec<Shard>,
    pub produced: Vec<Produced>,
    pub read: Option<ReadView>,
    pub consumed: Option<ConsumedView>,
    pub working: bool,
}

/// What can happen to the console.
pub enum Action {
    Working,
    Connected(String, String),
    Disconnected,
    Error(String),
    Notice(String),
    Streams(Vec<String>),
    Stream {
        name: String,
        status: (String, u32),
        shards: Vec<Shard>,
    },
    Closed(String),
    Produced(Vec<Produced>),
    Read(ReadView),
    Consumed(ConsumedView),
}

impl Reducible for Console {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.working = matches!(action, Action::Working);
        match action {
            Action::Working => next.error = None,
            Action::Connected(endpoint, region) => next.connected = Some((endpoint, region)),
            Action::Disconnected => next = Console::default(),
            Action::Error(e) => next.error = Some(e),
            Action::Notice(n) => {
                next.error = None;
                next.notice = Some(n);
            }
            Action::Streams(s) => next.streams = s,
            Action::Stream {
                name,
                status,
                shards,
            } => {
                if next.open.as_ref() != Some(&name) {
                    next.produced.clear();
                    next.read = None;
                    next.consumed = None;
                }
                next.open = Some(name);
                next.status = Some(status);
                next.shards = shards;
            }
            Action::Closed(name) => {
                next.streams.retain(|s| *s != name);
                if next.open.as_ref() == Some(&name) {
                    next.open = None;
                    next.status = None;
                    next.shards.clear();
                    next.produced.clear();
                    next.read = None;
                }
            }
            Action::Produced(p) => next.produced = p,
            Action::Read(r) => next.read = Some(r),
            Action::Consumed(mut c) => {
                c.run = next.consumed.as_ref().map_or(0, |p| p.run) + 1;
                next.consumed = Some(c);
            }
        }
        Rc::new(next)
    }
}
