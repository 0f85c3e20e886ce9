//! The table view (KTable) kept incrementally as records are produced equals a full recompute
//! from the log at every step, also after compaction rewrites the log.
use proptest::prelude::*;

use streamlab_log::{
    block_on, clean_partition, fetch, produce, CleanupPolicy, FetchLimits, KeylessPartitioner,
    MemoryStore, Mode, Offset, PartitionId, ProduceRecord, Record, RecordData, Storage, TableView,
    Target, Timestamp, TopicConfig, TopicPartition,
};

#[derive(Clone, Debug)]
enum Op {
    /// Produce `(key, value or tombstone)` pairs at `now`.
    Produce(i64, Vec<(u8, Option<u8>)>),
    /// Compact every partition at `now`.
    Compact(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0i64..5_000, proptest::collection::vec((0u8..6, proptest::option::weighted(0.8, any::<u8>())), 1..6))
            .prop_map(|(now, records)| Op::Produce(now, records)),
        1 => (0i64..10_000).prop_map(Op::Compact),
    ]
}

async fn recompute(store: &MemoryStore, topic: &TopicConfig) -> TableView {
    let mut table = TableView::new();
    for p in 0..topic.partition_count() {
        let tp = TopicPartition::new(topic.name().clone(), PartitionId(p));
        let state = store
            .partition_state(&tp)
            .await
            .expect("state")
            .expect("exists");
        let mut offset = state.log_start_offset();
        loop {
            let f = fetch(store, &tp, offset, FetchLimits::default())
                .await
                .expect("fetch");
            for r in &f.records {
                table.apply(PartitionId(p), r);
            }
            if f.next_offset == offset || f.next_offset >= state.log_end_offset() {
                break;
            }
            offset = f.next_offset;
        }
    }
    table
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn the_incremental_table_equals_a_recompute(ops in proptest::collection::vec(op(), 1..30)) {
        block_on(async {
            let store = MemoryStore::new();
            let config = TopicConfig::new("prices", Mode::Kafka, 2)
                .expect("valid")
                .with_cleanup_policy(CleanupPolicy::Compact)
                .expect("valid")
                .with_delete_retention_ms(2_000)
                .expect("valid");
            store.create_topic(&config).await.expect("create");
            let keyless = KeylessPartitioner::new();
            let mut incremental = TableView::new();
            for op in &ops {
                match op {
                    Op::Produce(now, pairs) => {
                        let records: Vec<ProduceRecord> = pairs
                            .iter()
                            .map(|(k, v)| ProduceRecord {
                                data: RecordData {
                                    key: Some(vec![b'k', *k]),
                                    value: v.map(|v| vec![v]),
                                    headers: vec![],
                                    timestamp: None,
                                },
                                target: Target::ByKey,
                            })
                            .collect();
                        let acks = produce(&store, config.name(), &records, &keyless, Timestamp(*now))
                            .await
                            .expect("produce");
                        for (r, ack) in records.iter().zip(&acks) {
                            let record = Record::new(
                                ack.offset,
                                ack.sequence_number,
                                ack.timestamp,
                                r.data.key.clone(),
                                r.data.value.clone(),
                                vec![],
                            );
                            incremental.apply(ack.partition, &record);
                        }
                    }
                    Op::Compact(now) => {
                        for p in 0..2 {
                            let tp = TopicPartition::new(config.name().clone(), PartitionId(p));
                            clean_partition(&store, &tp, Timestamp(*now)).await.expect("compact");
                        }
                    }
                }
                let full = recompute(&store, &config).await;
                prop_assert_eq!(&full, &incremental, "after {:?}", op);
            }
            // Compaction leaves at most one record per key (plus unexpired tombstones).
            for p in 0..2 {
                let tp = TopicPartition::new(config.name().clone(), PartitionId(p));
                clean_partition(&store, &tp, Timestamp(i64::MAX / 2)).await.expect("compact");
                let f = fetch(&store, &tp, Offset(0), FetchLimits { max_records: 10_000, max_bytes: usize::MAX })
                    .await
                    .expect("fetch");
                let mut keys: Vec<&[u8]> = f.records.iter().filter_map(|r| r.key()).collect();
                let before = keys.len();
                keys.sort();
                keys.dedup();
                prop_assert_eq!(keys.len(), before);
                prop_assert!(f.records.iter().all(|r| r.value().is_some()), "expired tombstones are gone");
            }
            Ok(())
        })?;
    }
}
