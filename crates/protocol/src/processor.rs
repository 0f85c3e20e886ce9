//! The messages between a page and the processor worker, which runs a database's streaming-SQL
//! statements and persistent queries (see `streamlab-streams`).

use serde::{Deserialize, Serialize};

/// The topic that keeps a database's statements (`streamlab_streams::processor::COMMAND_TOPIC`;
/// the processor worker checks at compile time that the two agree). A database that has it has
/// persistent queries to run.
pub const COMMAND_TOPIC: &str = "_streamlab_ksql_commands";

/// The prefix of every internal topic the processor makes (its command topic, each query's
/// changelog); the dashboard lists them behind a toggle.
pub const INTERNAL_TOPIC_PREFIX: &str = "_streamlab";

/// A command to the processor worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProcessorCommand {
    /// Open database `db`: replay its statements, restore its queries, and keep them running.
    Start {
        /// The IndexedDB database name.
        db: String,
    },
    /// Run one or more statements; answered with `Results` of the same `request`.
    Sql {
        /// Echoed in the answer.
        request: u64,
        /// The statements.
        text: String,
    },
    /// Answer `Idle` once no running query has anything left to read.
    AwaitIdle {
        /// Echoed in the answer.
        request: u64,
    },
    /// Stop a push query.
    StopPush {
        /// Its id (`transient_ORDERS_1`).
        id: String,
    },
    /// Stop after the current step.
    Stop,
}

/// One statement's outcome, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlOutcome {
    /// The statement's text.
    pub statement: String,
    /// Whether it ran.
    pub ok: bool,
    /// What happened, or why not.
    pub message: String,
    /// The persistent query it started.
    pub query_id: Option<String>,
    /// A pull query's rows: each a list of (column, value as JSON text).
    pub rows: Option<Vec<Vec<(String, String)>>>,
}

/// A running persistent query, as the page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryStatus {
    /// Its id (`CTAS_ORDER_COUNTS_1`).
    pub id: String,
    /// The stream or table it writes.
    pub sink: String,
    /// Its statement.
    pub text: String,
    /// Records read, written, and skipped as undecodable.
    pub records_in: u64,
    /// Records written.
    pub records_out: u64,
    /// Records skipped.
    pub records_skipped: u64,
    /// ksqlDB's query state: `RUNNING`, or `ERROR` once an input cannot be read.
    pub state: String,
    /// Why the query is in `ERROR`.
    #[serde(default)]
    pub error: Option<String>,
    /// Records of its inputs it has not read yet.
    pub lag: u64,
    /// Its topology: sources, operators, sink and changelog, each with its count.
    pub topology: Vec<TopologyNode>,
}

/// One node of a query's topology.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologyNode {
    /// `source`, `join`, `filter`, `rekey`, `repartition`, `aggregate`, `project`, `sink` or
    /// `changelog`.
    pub kind: String,
    /// Its topic, or what it does.
    pub label: String,
    /// Records it has passed.
    pub count: u64,
    /// The nodes it reads from (indexes into the topology).
    pub inputs: Vec<u32>,
}

/// A declared stream or table, as the page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStatus {
    /// Its name.
    pub name: String,
    /// `STREAM` or `TABLE`.
    pub kind: String,
    /// Its topic.
    pub topic: String,
    /// Its key and value formats (`KAFKA`, `JSON`).
    pub formats: String,
    /// Its columns as DESCRIBE lists them (`ID STRING KEY, AMOUNT DOUBLE`).
    pub columns: String,
    /// The query that writes it, if a query does.
    pub written_by: Option<String>,
}

/// What the processor worker tells the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProcessorEvent {
    /// The database is open and its queries run.
    Started {
        /// The running queries.
        queries: Vec<QueryStatus>,
    },
    /// The outcomes of a `Sql` command, one per statement run.
    Results {
        /// The command's request.
        request: u64,
        /// The outcomes.
        results: Vec<SqlOutcome>,
    },
    /// No query has anything left to read (an answer to `AwaitIdle`).
    Idle {
        /// The command's request.
        request: u64,
        /// The running queries.
        queries: Vec<QueryStatus>,
        /// The processor worker's WebAssembly memory, bytes.
        memory_bytes: u64,
    },
    /// What the queries have done (sent after each step that read records, at most a few
    /// times a second, and whenever the processor catches up or runs a statement).
    Progress {
        /// The running queries.
        queries: Vec<QueryStatus>,
        /// The declared streams and tables.
        sources: Vec<SourceStatus>,
    },
    /// New rows of a push query (`SELECT … EMIT CHANGES`).
    PushRows {
        /// The push query's id, as its statement's outcome gave it.
        id: String,
        /// The rows: each a list of (column, value as JSON text).
        rows: Vec<Vec<(String, String)>>,
        /// Whether the query has ended (its LIMIT reached, or an input it cannot read).
        done: bool,
        /// Why it ended, when an input could not be read.
        #[serde(default)]
        error: Option<String>,
    },
    /// Something failed; `request` names the command it answers, if any.
    Failed {
        /// The command's request.
        request: Option<u64>,
        /// What went wrong, for the user.
        message: String,
    },
    /// Stopped as asked.
    Stopped,
}
