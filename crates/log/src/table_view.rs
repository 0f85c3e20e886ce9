//! The table view of a topic (Kafka Streams' KTable): the latest value per key, read from the
//! log (the stream–table duality's "table" side, as the dashboard shows it).

use std::collections::BTreeMap;

use crate::record::Record;
use crate::types::{Offset, PartitionId, Timestamp};

/// A value in the table view, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableEntry {
    /// The latest value.
    pub value: Vec<u8>,
    /// The partition of the record that set it.
    pub partition: PartitionId,
    /// Its offset.
    pub offset: Offset,
    /// Its timestamp.
    pub timestamp: Timestamp,
}

/// The table view of a topic (Kafka Streams' KTable): the latest value per key. Built
/// incrementally, record by record in each partition's offset order; a tombstone removes its key;
/// keyless records do not take part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableView {
    entries: BTreeMap<Vec<u8>, TableEntry>,
}

impl TableView {
    /// An empty table.
    pub fn new() -> TableView {
        TableView::default()
    }

    /// Applies one record of `partition`.
    pub fn apply(&mut self, partition: PartitionId, record: &Record) {
        let Some(key) = record.key() else {
            return;
        };
        match record.value() {
            None => {
                self.entries.remove(key);
            }
            Some(value) => {
                self.entries.insert(
                    key.to_vec(),
                    TableEntry {
                        value: value.to_vec(),
                        partition,
                        offset: record.offset(),
                        timestamp: record.timestamp(),
                    },
                );
            }
        }
    }

    /// The table of a whole log, computed from scratch.
    pub fn from_records<'a>(
        records: impl IntoIterator<Item = (PartitionId, &'a Record)>,
    ) -> TableView {
        let mut table = TableView::new();
        for (p, r) in records {
            table.apply(p, r);
        }
        table
    }

    /// The value of `key`.
    pub fn get(&self, key: &[u8]) -> Option<&TableEntry> {
        self.entries.get(key)
    }

    /// Every key and its value, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &TableEntry)> {
        self.entries.iter().map(|(k, v)| (k.as_slice(), v))
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
