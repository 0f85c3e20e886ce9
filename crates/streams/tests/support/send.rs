//! Records into a topic of the memory store, as a producer sends them.

use streamlab_log::{
    block_on, produce, KeylessPartitioner, MemoryStore, Mode, ProduceRecord, Timestamp, TopicName,
};

/// Appends `(key, value, timestamp ms)` records to `topic`, partitioned by key.
pub fn send(store: &MemoryStore, topic: &str, records: &[(&str, &str, i64)]) {
    let name = TopicName::new(topic, Mode::Kafka).unwrap();
    let records: Vec<ProduceRecord> = records
        .iter()
        .map(|(k, v, ts)| {
            let mut r = ProduceRecord::new(Some(k), v);
            r.data.timestamp = Some(Timestamp(*ts));
            r
        })
        .collect();
    let now = Timestamp(1_700_000_000_000);
    block_on(produce(
        store,
        &name,
        &records,
        &KeylessPartitioner::new(),
        now,
    ))
    .unwrap();
}
