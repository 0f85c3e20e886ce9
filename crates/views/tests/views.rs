//! The dashboard's views on the memory store, against what `produce` said it stored.

use streamlab_log::{
    block_on, produce, BatchRewrite, KeylessPartitioner, MemoryStore, Mode, Offset, PartitionId,
    ProduceRecord, RecordMetadata, Storage, Target, Timestamp, TopicConfig, TopicMetadata,
    TopicName, TopicPartition,
};
use streamlab_views::{load_topic_views, RecordsQuery, RECENT_RECORDS, TABLE_VIEW_MAX_RECORDS};

fn topic(store: &MemoryStore, name: &str, mode: Mode, partitions: u32) -> TopicName {
    let config = TopicConfig::new(name, mode, partitions).unwrap();
    block_on(store.create_topic(&config)).unwrap();
    config.name().clone()
}

/// Produces `records` as (partition, key, value) one request per record, so each is its own batch.
fn put(
    store: &MemoryStore,
    name: &TopicName,
    records: &[(u32, Option<&str>, Option<&str>)],
) -> Vec<RecordMetadata> {
    let keyless = KeylessPartitioner::new();
    records
        .iter()
        .flat_map(|&(p, key, value)| {
            let mut r = ProduceRecord::new(key, value.unwrap_or(""));
            r.data.value = value.map(|v| v.as_bytes().to_vec());
            r.target = Target::Partition(PartitionId(p));
            block_on(produce(store, name, &[r], &keyless, Timestamp(1_000))).unwrap()
        })
        .collect()
}

fn metadata(store: &MemoryStore, name: &TopicName) -> TopicMetadata {
    block_on(store.describe_topic(name)).unwrap().unwrap()
}

fn places(rows: &[streamlab_views::RecordRow]) -> Vec<(u32, u64)> {
    rows.iter().map(|r| (r.partition, r.offset)).collect()
}

#[test]
fn the_records_table_shows_the_newest_records_of_every_partition() {
    let store = MemoryStore::new();
    let name = topic(&store, "orders", Mode::Kafka, 3);
    let many: Vec<_> = (0..RECENT_RECORDS + 10)
        .map(|_| (0, Some("k"), Some("v")))
        .collect();
    put(&store, &name, &many);
    let acks = put(
        &store,
        &name,
        &[(1, Some("a"), Some("1")), (1, None, Some("2"))],
    );
    let views = block_on(load_topic_views(
        &store,
        &metadata(&store, &name),
        &RecordsQuery::default(),
    ))
    .unwrap();
    let mut expected: Vec<(u32, u64)> = (10..RECENT_RECORDS + 10).map(|o| (0, o)).collect();
    expected.extend([(1, 0), (1, 1)]);
    assert_eq!(places(&views.records), expected);
    let row = &views.records[RECENT_RECORDS as usize];
    assert_eq!(
        (row.key.as_deref(), row.value.as_deref()),
        (Some(&b"a"[..]), Some(&b"1"[..]))
    );
    assert_eq!(row.sequence_number, acks[0].sequence_number.to_string());
    // Partition 2 is empty: no range. The others run from their first to their last record.
    let first_p1 = acks[0].sequence_number.to_string();
    let last_p1 = acks[1].sequence_number.to_string();
    assert_eq!(views.sequences[1], Some((first_p1, last_p1)));
    assert_eq!(views.sequences[2], None);
    assert!(views.corrupt.is_empty());
}

#[test]
fn a_query_pages_one_partition_from_an_offset_or_searches_keys() {
    let store = MemoryStore::new();
    let name = topic(&store, "clicks", Mode::Kafka, 2);
    let keys: Vec<String> = (0..120).map(|n| format!("user-{n}")).collect();
    let records: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(n, k)| ((n % 2) as u32, Some(k.as_str()), Some("x")))
        .collect();
    put(&store, &name, &records);
    let topic = metadata(&store, &name);

    let page = RecordsQuery {
        partition: Some(1),
        from: Some(5),
        key_search: String::new(),
    };
    let views = block_on(load_topic_views(&store, &topic, &page)).unwrap();
    assert_eq!(
        places(&views.records),
        (5..55).map(|o| (1, o)).collect::<Vec<_>>()
    );

    // An offset past the log end shows the end (nothing); one before it, the last record.
    let past = RecordsQuery {
        partition: Some(0),
        from: Some(59),
        key_search: String::new(),
    };
    assert_eq!(
        places(
            &block_on(load_topic_views(&store, &topic, &past))
                .unwrap()
                .records
        ),
        [(0, 59)]
    );

    // Keys containing "user-1" in partition order: user-1, user-10..19, user-100..119.
    let search = RecordsQuery {
        partition: None,
        from: None,
        key_search: "user-1".into(),
    };
    let found: Vec<String> = block_on(load_topic_views(&store, &topic, &search))
        .unwrap()
        .records
        .iter()
        .filter_map(|r| r.key_text())
        .collect();
    let mut expected: Vec<String> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| k.contains("user-1"))
        .map(|(n, k)| ((n % 2), k.clone()))
        .collect::<Vec<_>>()
        .into_iter()
        .fold([Vec::new(), Vec::new()], |mut by, (p, k)| {
            by[p].push(k);
            by
        })
        .concat();
    expected.truncate(RECENT_RECORDS as usize);
    assert_eq!(found, expected);
}

#[test]
fn the_table_view_keeps_the_latest_value_per_key_until_the_topic_is_too_big() {
    let store = MemoryStore::new();
    let name = topic(&store, "prices", Mode::Kafka, 2);
    put(
        &store,
        &name,
        &[
            (0, Some("apple"), Some("1")),
            (1, Some("pear"), Some("2")),
            (0, Some("apple"), Some("3")),
            (1, Some("pear"), None),
        ],
    );
    let views = block_on(load_topic_views(
        &store,
        &metadata(&store, &name),
        &RecordsQuery::default(),
    ))
    .unwrap();
    let table = views.table.unwrap();
    assert_eq!(table.len(), 1);
    let apple = table.get(b"apple").unwrap();
    assert_eq!(
        (apple.value.as_slice(), apple.partition, apple.offset),
        (&b"3"[..], PartitionId(0), Offset(1))
    );

    let more: Vec<_> = (0..TABLE_VIEW_MAX_RECORDS)
        .map(|_| (0, Some("k"), Some("v")))
        .collect();
    let keyless = KeylessPartitioner::new();
    let batch: Vec<ProduceRecord> = more
        .iter()
        .map(|&(p, k, v)| {
            let mut r = ProduceRecord::new(k, v.unwrap_or(""));
            r.target = Target::Partition(PartitionId(p));
            r
        })
        .collect();
    block_on(produce(&store, &name, &batch, &keyless, Timestamp(2_000))).unwrap();
    let views = block_on(load_topic_views(
        &store,
        &metadata(&store, &name),
        &RecordsQuery::default(),
    ))
    .unwrap();
    assert_eq!(views.table, None);
}

#[test]
fn a_damaged_batch_is_listed_and_skipped_and_the_rest_is_shown() {
    let store = MemoryStore::new();
    let name = topic(&store, "audit", Mode::Kafka, 1);
    put(
        &store,
        &name,
        &[
            (0, Some("a"), Some("1")),
            (0, Some("b"), Some("2")),
            (0, Some("c"), Some("3")),
        ],
    );
    let tp = TopicPartition::new(name.clone(), PartitionId(0));
    let index = block_on(store.batch_index(&tp)).unwrap();
    let mut bytes = block_on(store.read_batches(&tp, Offset(1), 0))
        .unwrap()
        .remove(0)
        .bytes;
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let state = block_on(store.partition_state(&tp)).unwrap().unwrap();
    let damage = BatchRewrite {
        epoch: state.rewrite_epoch(),
        replaced: vec![(index[1], bytes)],
        replaced_before: vec![index[1]],
        ..BatchRewrite::default()
    };
    block_on(store.rewrite_batches(&tp, &damage)).unwrap();
    let views = block_on(load_topic_views(
        &store,
        &metadata(&store, &name),
        &RecordsQuery::default(),
    ))
    .unwrap();
    assert_eq!(places(&views.records), [(0, 0), (0, 2)]);
    assert_eq!(views.corrupt.len(), 1);
    assert_eq!(views.corrupt[0].base_offset, Offset(1));
    let table = views.table.unwrap();
    assert_eq!(
        (
            table.get(b"a").is_some(),
            table.get(b"b").is_some(),
            table.get(b"c").is_some()
        ),
        (true, false, true)
    );
}
