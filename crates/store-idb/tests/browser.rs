//! The IndexedDB store against a real IndexedDB in headless Chromium.
#![cfg(target_arch = "wasm32")]

use futures::future::join_all;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use streamlab_idb::{IdbError, IdbStore};
use streamlab_log::{
    fetch, AppendError, CreateTopicError, FetchError, FetchLimits, Mode, Offset, OffsetOutOfRange,
    PartitionId, PartitionScan, RecordData, Storage, Timestamp, TopicConfig, TopicPartition,
};

wasm_bindgen_test_configure!(run_in_browser);

async fn fresh_store(name: &str) -> IdbStore {
    IdbStore::delete_database(name).await.expect("delete");
    IdbStore::open(name).await.expect("open")
}

fn value(text: &str) -> RecordData {
    RecordData {
        key: Some(b"k".to_vec()),
        value: Some(text.as_bytes().to_vec()),
        ..RecordData::default()
    }
}

fn values(records: &[streamlab_log::Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| String::from_utf8_lossy(r.value().unwrap_or_default()).into_owned())
        .collect()
}

#[wasm_bindgen_test]
async fn an_appended_batch_reads_back_after_reopening_the_database() {
    let store = fresh_store("idb-test-reopen").await;
    let config = TopicConfig::new("orders", Mode::Kafka, 3).expect("valid");
    store.create_topic(&config).await.expect("create");
    let tp = TopicPartition::new(config.name().clone(), PartitionId(1));
    let info = store
        .append(&tp, &[value("a"), value("b")], Timestamp(1_000))
        .await
        .expect("append");
    assert_eq!(info.base_offset, Offset(0));
    assert_eq!(info.record_count, 2);
    store.close();

    let reopened = IdbStore::open("idb-test-reopen").await.expect("reopen");
    let topics = reopened.list_topics().await.expect("list");
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].config, config);
    assert_eq!(topics[0].partitions.len(), 3);
    assert_eq!(topics[0].partitions[1].log_end_offset(), Offset(2));
    assert_eq!(topics[0].partitions[0].log_end_offset(), Offset(0));
    let fetched = fetch(&reopened, &tp, Offset(0), FetchLimits::default())
        .await
        .expect("fetch");
    assert_eq!(values(&fetched.records), ["a", "b"]);
    assert_eq!(fetched.records[1].offset(), Offset(1));
    assert_eq!(fetched.records[0].timestamp(), Timestamp(1_000));
    assert_eq!(fetched.next_offset, Offset(2));
}

#[wasm_bindgen_test]
async fn batches_get_contiguous_offsets_and_reads_start_inside_a_batch() {
    let store = fresh_store("idb-test-offsets").await;
    let config = TopicConfig::new("t", Mode::Kafka, 1).expect("valid");
    store.create_topic(&config).await.expect("create");
    let tp = TopicPartition::new(config.name().clone(), PartitionId(0));
    for batch in [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]] {
        let data: Vec<RecordData> = batch.iter().map(|v| value(v)).collect();
        store
            .append(&tp, &data, Timestamp(5))
            .await
            .expect("append");
    }
    let fetched = fetch(&store, &tp, Offset(4), FetchLimits::default())
        .await
        .expect("fetch");
    assert_eq!(values(&fetched.records), ["e", "f", "g", "h", "i"]);
    assert_eq!(fetched.records[0].offset(), Offset(4));
    let limited = fetch(
        &store,
        &tp,
        Offset(1),
        FetchLimits {
            max_records: 3,
            max_bytes: 1 << 20,
        },
    )
    .await
    .expect("fetch");
    assert_eq!(values(&limited.records), ["b", "c", "d"]);
    assert_eq!(limited.next_offset, Offset(4));
    let at_end = fetch(&store, &tp, Offset(9), FetchLimits::default())
        .await
        .expect("fetch");
    assert!(at_end.records.is_empty());
    assert!(matches!(
        fetch(&store, &tp, Offset(10), FetchLimits::default()).await,
        Err(FetchError::OffsetOutOfRange(OffsetOutOfRange {
            requested: Offset(10),
            ..
        }))
    ));
}

#[wasm_bindgen_test]
async fn a_read_of_many_megabytes_arrives_in_groups_in_order_and_scans_resume_inside_batches() {
    let store = fresh_store("idb-test-streamed").await;
    let config = TopicConfig::new("big", Mode::Kafka, 1).expect("valid");
    store.create_topic(&config).await.expect("create");
    let tp = TopicPartition::new(config.name().clone(), PartitionId(0));
    // 24 batches of 10 records of 20 KB: about 4.8 MB, several of the store's 1 MiB groups.
    for b in 0..24u64 {
        let data: Vec<RecordData> = (0..10u64)
            .map(|i| RecordData {
                key: Some(format!("{}", b * 10 + i).into_bytes()),
                value: Some(vec![b'a' + (i as u8); 20_000]),
                ..RecordData::default()
            })
            .collect();
        store
            .append(&tp, &data, Timestamp(1))
            .await
            .expect("append");
    }
    // From inside batch 3 (offset 35), with room for everything: every batch from the one
    // holding 35, in order, handed over in more than one group.
    let mut groups = Vec::new();
    store
        .read_batches_streamed(&tp, Offset(35), 64 << 20, &mut |group| {
            groups.push(group.iter().map(|b| b.base_offset.0).collect::<Vec<_>>())
        })
        .await
        .expect("read");
    assert!(groups.len() > 1, "one group: {groups:?}");
    let bases: Vec<u64> = groups.concat();
    assert_eq!(bases, (3..24).map(|b| b * 10).collect::<Vec<_>>());
    // The byte budget still bounds a read (at least one batch).
    let small = store
        .read_batches(&tp, Offset(35), 450_000)
        .await
        .expect("read");
    assert_eq!(
        small.iter().map(|b| b.base_offset.0).collect::<Vec<_>>(),
        [30, 40]
    );
    // A scan from inside a batch to inside another, 1 MB a read: each offset once, in order.
    let mut scan = PartitionScan::new(&store, tp.clone(), Offset(35), Offset(217), 1 << 20);
    let mut offsets = Vec::new();
    while let Some(records) = scan.next().await.expect("scan") {
        for r in &records {
            assert_eq!(r.key(), Some(r.offset().0.to_string().as_bytes()));
            assert_eq!(r.value().map(<[u8]>::len), Some(20_000));
        }
        offsets.extend(records.iter().map(|r| r.offset().0));
    }
    assert_eq!(offsets, (35..217).collect::<Vec<_>>());
}

#[wasm_bindgen_test]
async fn concurrent_appends_to_one_partition_never_share_an_offset() {
    let store = fresh_store("idb-test-concurrent").await;
    let config = TopicConfig::new("t", Mode::Kafka, 1).expect("valid");
    store.create_topic(&config).await.expect("create");
    let tp = TopicPartition::new(config.name().clone(), PartitionId(0));
    let appends = (0..20).map(|i| {
        let data = vec![value(&format!("{i}-0")), value(&format!("{i}-1"))];
        let (store, tp) = (&store, &tp);
        async move { store.append(tp, &data, Timestamp(1)).await.expect("append") }
    });
    let mut bases: Vec<u64> = join_all(appends)
        .await
        .iter()
        .map(|i| i.base_offset.0)
        .collect();
    bases.sort_unstable();
    assert_eq!(bases, (0..20).map(|i| i * 2).collect::<Vec<_>>());
    let fetched = fetch(&store, &tp, Offset(0), FetchLimits::default())
        .await
        .expect("fetch");
    let offsets: Vec<u64> = fetched.records.iter().map(|r| r.offset().0).collect();
    assert_eq!(offsets, (0..40).collect::<Vec<_>>());
}

#[wasm_bindgen_test]
async fn refusals_store_nothing() {
    let store = fresh_store("idb-test-refusals").await;
    let config = TopicConfig::new("t", Mode::Kafka, 2)
        .expect("valid")
        .with_max_record_bytes(8);
    store.create_topic(&config).await.expect("create");
    assert!(matches!(
        store.create_topic(&config).await,
        Err(CreateTopicError::AlreadyExists(_))
    ));
    let tp = TopicPartition::new(config.name().clone(), PartitionId(0));
    let too_big = store
        .append(&tp, &[value("ok"), value("far too long")], Timestamp(1))
        .await;
    assert!(matches!(
        too_big,
        Err(AppendError::RecordTooLarge { index: 1, .. })
    ));
    let missing = TopicPartition::new(config.name().clone(), PartitionId(7));
    assert!(matches!(
        store.append(&missing, &[value("x")], Timestamp(1)).await,
        Err(AppendError::UnknownTopicOrPartition(_))
    ));
    let state = store
        .partition_state(&tp)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(state.log_end_offset(), Offset(0));
    assert_eq!(state.byte_count(), 0);
    assert!(store
        .read_batches(&tp, Offset(0), 1 << 20)
        .await
        .expect("read")
        .is_empty());
}

#[wasm_bindgen_test]
async fn kinesis_shards_keep_their_hash_key_ranges_in_storage() {
    let store = fresh_store("idb-test-kinesis").await;
    let config = TopicConfig::new("clicks", Mode::Kinesis, 6).expect("valid");
    store.create_topic(&config).await.expect("create");
    let topic = store
        .describe_topic(config.name())
        .await
        .expect("read")
        .expect("exists");
    let range = topic.partitions[1]
        .hash_key_range()
        .copied()
        .expect("a shard owns a range");
    assert_eq!(
        range.starting_hash_key.0,
        56_713_727_820_156_410_577_229_101_238_628_035_242
    );
    assert_eq!(
        range.ending_hash_key.0,
        113_427_455_640_312_821_154_458_202_477_256_070_483
    );
}

#[wasm_bindgen_test]
async fn a_closed_connection_reports_closed() {
    let store = fresh_store("idb-test-closed").await;
    store.close();
    let err = store.list_topics().await.expect_err("closed");
    assert!(
        matches!(err, IdbError::Closed | IdbError::Dom { .. }),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
async fn clearing_empties_the_database_and_other_connections_keep_working() {
    let store = fresh_store("idb-test-clear").await;
    let other = IdbStore::open("idb-test-clear")
        .await
        .expect("second connection");
    let config = TopicConfig::new("orders", Mode::Kafka, 1).expect("valid");
    store.create_topic(&config).await.expect("create");
    let tp = TopicPartition::new(config.name().clone(), PartitionId(0));
    store
        .append(&tp, &[value("a"), value("b")], Timestamp(1))
        .await
        .expect("append");

    store.clear().await.expect("clear");

    // The other connection sees an empty database, and can write to it at once.
    assert!(other.list_topics().await.expect("list").is_empty());
    other.create_topic(&config).await.expect("create again");
    let info = other
        .append(&tp, &[value("c")], Timestamp(2))
        .await
        .expect("append after clearing");
    assert_eq!(info.base_offset, Offset(0), "the log starts over");
    let fetched = fetch(&store, &tp, Offset(0), FetchLimits::default())
        .await
        .expect("fetch");
    assert_eq!(values(&fetched.records), ["c"]);
}
