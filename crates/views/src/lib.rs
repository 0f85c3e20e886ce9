//! What the dashboard shows of a topic, read from any [`Storage`](streamlab_log::Storage): the
//! records table's rows ([`RecordRow`], one page per [`RecordsQuery`]), the table view (the
//! latest value per key), each partition's first and last sequence numbers, and the batches that
//! failed their checks on the way. The lab (`crates/ui`) calls [`load_topic_views`] on IndexedDB
//! after every change; the tests call it on the memory store.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod load;
mod row;

pub use load::{
    load_topic_views, TopicViews, RECENT_RECORDS, SEARCH_MAX_SCANNED, TABLE_VIEW_MAX_RECORDS,
};
pub use row::{RecordRow, RecordsQuery};
