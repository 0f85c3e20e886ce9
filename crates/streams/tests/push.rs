//! Transient queries in the processor. Push queries: rows of the records that arrive after the
//! query starts (none of those before), in order, as ksqlDB's transient queries give them; LIMIT
//! ends one; a key left out of the SELECT list is not shown; windowed rows carry WINDOWSTART and
//! WINDOWEND; nothing of a push query is stored. Pull queries: the same answer after the
//! processor reopens (its tables rebuilt from their topics).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support {
    pub mod send;
}

use streamlab_log::{block_on, MemoryStore, Mode, Storage, Timestamp, TopicConfig};
use streamlab_streams::processor::Processor;
use streamlab_streams::Value;

const NOW: Timestamp = Timestamp(1_700_000_000_000);

fn send(store: &MemoryStore, records: &[(&str, &str, i64)]) {
    support::send::send(store, "orders", records);
}

fn setup() -> MemoryStore {
    let store = MemoryStore::new();
    block_on(store.create_topic(&TopicConfig::new("orders", Mode::Kafka, 1).unwrap())).unwrap();
    store
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

#[test]
fn a_push_query_streams_the_rows_of_new_records_until_its_limit() {
    let store = setup();
    let mut p = block_on(Processor::open(&store)).unwrap();
    block_on(p.execute(
        "CREATE STREAM ORDERS (ID STRING KEY, CUSTOMER STRING, AMOUNT INT) WITH (kafka_topic='orders', value_format='JSON');",
        NOW,
    ))
    .unwrap();
    // Records before the push query starts are not its (auto.offset.reset = latest).
    send(&store, &[("o0", r#"{"customer":"ada","amount":50}"#, 1)]);
    let results = block_on(p.execute(
        "SELECT CUSTOMER, AMOUNT * 2 AS DOUBLED FROM ORDERS WHERE AMOUNT > 10 EMIT CHANGES LIMIT 2;",
        NOW,
    ))
    .unwrap();
    assert!(results[0].ok, "{results:?}");
    let id = results[0].query_id.clone().unwrap();
    assert_eq!(id, "transient_ORDERS_1");
    assert!(block_on(p.step_pushes(100)).unwrap().0.is_empty());

    send(
        &store,
        &[
            ("o1", r#"{"customer":"bob","amount":5}"#, 2),
            ("o2", r#"{"customer":"cy","amount":20}"#, 3),
            ("o3", r#"{"customer":"di","amount":30}"#, 4),
            ("o4", r#"{"customer":"ed","amount":40}"#, 5),
        ],
    );
    let out = block_on(p.step_pushes(100)).unwrap().0;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].id, id);
    // The key (ID) was not selected, so it is not shown; LIMIT 2 ends the query.
    assert_eq!(
        out[0].rows,
        vec![
            vec![
                ("CUSTOMER".to_owned(), text("cy")),
                ("DOUBLED".to_owned(), Value::Int(40))
            ],
            vec![
                ("CUSTOMER".to_owned(), text("di")),
                ("DOUBLED".to_owned(), Value::Int(60))
            ],
        ]
    );
    assert!(out[0].done);
    assert!(p.push_ids().is_empty());
    // Nothing of it is stored: no topic, no group, no command.
    let topics: Vec<String> = block_on(store.list_topics())
        .unwrap()
        .iter()
        .map(|t| t.config.name().as_str().to_owned())
        .collect();
    assert_eq!(topics, vec!["_streamlab_ksql_commands", "orders"]);
}

#[test]
fn a_windowed_count_pushes_each_update_with_its_window_and_stops_when_asked() {
    let store = setup();
    let mut p = block_on(Processor::open(&store)).unwrap();
    let results = block_on(p.execute(
        "CREATE STREAM ORDERS (ID STRING KEY, CUSTOMER STRING, AMOUNT INT) WITH (kafka_topic='orders', value_format='JSON');
         SELECT CUSTOMER, COUNT(*) AS N FROM ORDERS WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY CUSTOMER EMIT CHANGES;",
        NOW,
    ))
    .unwrap();
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    let id = results[1].query_id.clone().unwrap();
    send(
        &store,
        &[
            ("o1", r#"{"customer":"ada","amount":1}"#, 1_000),
            ("o2", r#"{"customer":"ada","amount":1}"#, 9_000),
            ("o3", r#"{"customer":"ada","amount":1}"#, 12_000),
        ],
    );
    let out = block_on(p.step_pushes(2)).unwrap().0;
    let row = |start: i64, n: i64| {
        vec![
            ("CUSTOMER".to_owned(), text("ada")),
            ("WINDOWSTART".to_owned(), Value::BigInt(start)),
            ("WINDOWEND".to_owned(), Value::BigInt(start + 10_000)),
            ("N".to_owned(), Value::BigInt(n)),
        ]
    };
    // Two records a step: the third comes with the next step.
    assert_eq!(out[0].rows, vec![row(0, 1), row(0, 2)]);
    assert_eq!(
        block_on(p.step_pushes(2)).unwrap().0[0].rows,
        vec![row(10_000, 1)]
    );
    assert!(!out[0].done);
    assert!(p.stop_push(&id));
    send(
        &store,
        &[("o4", r#"{"customer":"ada","amount":1}"#, 13_000)],
    );
    assert!(block_on(p.step_pushes(2)).unwrap().0.is_empty());
}

#[test]
fn a_push_query_of_an_unknown_column_is_refused_as_ksqldb_refuses_it() {
    let store = setup();
    let mut p = block_on(Processor::open(&store)).unwrap();
    let results = block_on(p.execute(
        "CREATE STREAM ORDERS (ID STRING KEY, AMOUNT INT) WITH (kafka_topic='orders', value_format='JSON');
         SELECT NOPE FROM ORDERS EMIT CHANGES;",
        NOW,
    ))
    .unwrap();
    assert!(!results[1].ok);
    assert_eq!(
        results[1].message,
        "SELECT column 'NOPE' cannot be resolved."
    );
    assert!(p.push_ids().is_empty());
}

#[test]
fn a_pull_query_answers_the_same_after_the_processor_reopens() {
    let store = setup();
    let mut p = block_on(Processor::open(&store)).unwrap();
    let results = block_on(p.execute(
        "CREATE STREAM ORDERS (ID STRING KEY, CUSTOMER STRING, AMOUNT INT) WITH (kafka_topic='orders', value_format='JSON');
         CREATE TABLE COUNTS AS SELECT CUSTOMER, COUNT(*) AS N FROM ORDERS GROUP BY CUSTOMER;",
        NOW,
    ))
    .unwrap();
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    send(
        &store,
        &[
            ("o1", r#"{"customer":"ada","amount":1}"#, 1),
            ("o2", r#"{"customer":"ada","amount":1}"#, 2),
            ("o3", r#"{"customer":"bo","amount":1}"#, 3),
        ],
    );
    block_on(p.run_until_idle(10, NOW)).unwrap();
    let pull = "SELECT * FROM COUNTS WHERE CUSTOMER = 'ada';";
    let before = block_on(p.execute(pull, NOW)).unwrap();
    let expected = vec![vec![
        ("CUSTOMER".to_owned(), text("ada")),
        ("N".to_owned(), Value::BigInt(2)),
    ]];
    assert_eq!(before[0].rows.as_ref(), Some(&expected));
    drop(p);
    let mut p = block_on(Processor::open(&store)).unwrap();
    let after = block_on(p.execute(pull, NOW)).unwrap();
    assert_eq!(after[0].rows.as_ref(), Some(&expected), "{after:?}");
}
