//! The messages between a page and the processor worker, which runs a database's streaming-SQL
//! statements and persistent queries (see `streamlab-streams`).

use serde::{Deserialize, Serialize};

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
