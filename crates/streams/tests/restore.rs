//! State lives in the changelog: a query restored from its changelog at any point goes on
//! exactly as the query that never stopped, for every kind of state (aggregates, windows,
//! sessions, table aggregation, EMIT FINAL, stream–stream, stream–table and table–table joins).

use proptest::prelude::*;
use serde_json::json;
use streamlab_streams::{Engine, InputRecord, OutputRecord};

const STATEMENTS: &str = "
    CREATE STREAM S (ID STRING KEY, G STRING, V BIGINT) WITH (kafka_topic='s', value_format='JSON');
    CREATE STREAM R (ID STRING KEY, W BIGINT) WITH (kafka_topic='r', value_format='JSON');
    CREATE TABLE T (ID STRING PRIMARY KEY, G STRING, V BIGINT) WITH (kafka_topic='t', value_format='JSON');
    CREATE TABLE U (ID STRING PRIMARY KEY, X BIGINT) WITH (kafka_topic='u', value_format='JSON');
    CREATE TABLE A1 AS SELECT G, COUNT(*) AS C, SUM(V) AS SV, MAX(V) AS MX, AVG(V) AS AV, COUNT_DISTINCT(V) AS D,
        EARLIEST_BY_OFFSET(V) AS E FROM S GROUP BY G HAVING COUNT(*) < 5;
    CREATE TABLE A2 AS SELECT G, COUNT(*) AS C FROM S
        WINDOW HOPPING (SIZE 20 MILLISECONDS, ADVANCE BY 5 MILLISECONDS, GRACE PERIOD 10 MILLISECONDS) GROUP BY G;
    CREATE TABLE A3 AS SELECT G, LATEST_BY_OFFSET(V) AS L, COUNT(*) AS C FROM S
        WINDOW SESSION (7 MILLISECONDS, GRACE PERIOD 5 MILLISECONDS) GROUP BY G;
    CREATE TABLE A4 AS SELECT G, SUM(V) AS SV, COUNT(*) AS C FROM T GROUP BY G;
    CREATE TABLE A5 AS SELECT G, COUNT(*) AS C FROM S
        WINDOW TUMBLING (SIZE 10 MILLISECONDS, GRACE PERIOD 3 MILLISECONDS) GROUP BY G EMIT FINAL;
    CREATE STREAM J1 AS SELECT ROWKEY AS ID, V, W FROM S FULL OUTER JOIN R
        WITHIN 5 MILLISECONDS GRACE PERIOD 5 MILLISECONDS ON S.ID = R.ID;
    CREATE STREAM J2 AS SELECT S.ID AS ID, V, X FROM S LEFT JOIN U ON S.ID = U.ID;
    CREATE TABLE J3 AS SELECT ROWKEY AS ID, V, X FROM T FULL OUTER JOIN U ON T.ID = U.ID;
";

fn engine() -> Engine {
    let mut engine = Engine::new();
    for t in ["s", "r", "t", "u"] {
        engine.add_topic(t, 1);
    }
    let results = engine.execute(STATEMENTS);
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    engine
}

fn input() -> impl Strategy<Value = (usize, u8, Option<i64>, i64)> {
    (0usize..4, 0u8..4, prop::option::of(-5i64..20), 0i64..60)
}

fn record(topic: usize, id: u8, v: Option<i64>, ts: i64) -> (&'static str, InputRecord) {
    let key = Some(format!("k{id}").into_bytes());
    let value = match (topic, v) {
        (0, v) => Some(json!({"G": format!("g{}", id % 2), "V": v})),
        (1, v) => Some(json!({"W": v})),
        (2, Some(v)) => Some(json!({"G": format!("g{}", v.rem_euclid(3)), "V": v})),
        (3, Some(v)) => Some(json!({"X": v})),
        _ => None,
    };
    let topic = ["s", "r", "t", "u"][topic];
    (
        topic,
        InputRecord {
            key,
            value: value.map(|v| v.to_string().into_bytes()),
            timestamp: ts,
            window: None,
        },
    )
}

proptest! {
    #[test]
    fn a_query_restored_from_its_changelog_goes_on_as_if_it_never_stopped(
        inputs in prop::collection::vec(input(), 1..50),
        cut in 0usize..50,
        compact in any::<bool>(),
    ) {
        let cut = cut.min(inputs.len());
        let records: Vec<(&str, InputRecord)> = inputs.iter().map(|(t, id, v, ts)| record(*t, *id, *v, *ts)).collect();

        let mut whole = engine();
        let mut expected: Vec<OutputRecord> = Vec::new();
        for (i, (topic, r)) in records.iter().enumerate() {
            let out = whole.process(topic, r);
            if i >= cut {
                expected.extend(out);
            }
        }

        // The first part, with the changelog taken after every step, as a processor would.
        let mut first = engine();
        let mut changelog: Vec<(String, Vec<u8>, Option<Vec<u8>>)> = Vec::new();
        for (topic, r) in &records[..cut] {
            first.process(topic, r);
            for (query, changes) in first.take_changelogs() {
                changelog.extend(changes.into_iter().map(|(k, v)| (query.clone(), k, v)));
            }
        }
        if compact {
            // A compacted changelog keeps only the newest record per key.
            let mut newest = std::collections::BTreeMap::new();
            for (i, (q, k, _)) in changelog.iter().enumerate() {
                newest.insert((q.clone(), k.clone()), i);
            }
            let keep: std::collections::BTreeSet<usize> = newest.into_values().collect();
            changelog = changelog.into_iter().enumerate().filter(|(i, _)| keep.contains(i)).map(|(_, c)| c).collect();
        }
        let mut restored = engine();
        for (query, k, v) in &changelog {
            prop_assert!(restored.restore(query, k, v.as_deref()).is_ok());
        }
        restored.restored();
        let mut got = Vec::new();
        for (topic, r) in &records[cut..] {
            got.extend(restored.process(topic, r));
        }
        prop_assert_eq!(got, expected);
        // The counters came back too.
        let (a, b) = (&whole.queries()[0], &restored.queries()[0]);
        prop_assert_eq!((a.records_in, a.records_out), (b.records_in, b.records_out));
    }
}
