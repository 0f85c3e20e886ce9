//! The executor against a recompute-from-scratch model: after every input, each aggregate of
//! the group it changed equals the aggregate recomputed over every input so far; a table's
//! aggregation equals the one recomputed from the table's final contents.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::{json, Value as Json};
use streamlab_streams::{Engine, InputRecord};

fn engine(statements: &str) -> Engine {
    let mut engine = Engine::new();
    engine.add_topic("input", 1);
    let results = engine.execute(statements);
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    engine
}

fn record(key: &str, value: Option<Json>, timestamp: i64) -> InputRecord {
    InputRecord {
        key: Some(key.as_bytes().to_vec()),
        value: value.map(|v| v.to_string().into_bytes()),
        timestamp,
        window: None,
    }
}

fn parse(bytes: Option<&[u8]>) -> Json {
    bytes.map_or(Json::Null, |b| {
        serde_json::from_slice(b).unwrap_or(Json::Null)
    })
}

proptest! {
    #[test]
    fn stream_aggregates_equal_a_recompute(inputs in prop::collection::vec((0u8..4, prop::option::of(-50i64..50), 0i64..1000), 1..60)) {
        let mut engine = engine(
            "CREATE STREAM S (ID STRING KEY, G STRING, V BIGINT) WITH (kafka_topic='input', value_format='JSON');
             CREATE TABLE T AS SELECT G, COUNT(*) AS C, COUNT(V) AS CV, SUM(V) AS S, MIN(V) AS MN, MAX(V) AS MX,
               AVG(V) AS A, LATEST_BY_OFFSET(V) AS L, EARLIEST_BY_OFFSET(V) AS E, COUNT_DISTINCT(V) AS D
               FROM S GROUP BY G;",
        );
        let mut seen: Vec<(String, Option<i64>, i64)> = Vec::new();
        for (i, (g, v, ts)) in inputs.iter().enumerate() {
            let group = format!("g{g}");
            let out = engine.process("input", &record(&format!("k{i}"), Some(json!({"G": group, "V": v})), *ts));
            seen.push((group.clone(), *v, *ts));
            prop_assert_eq!(out.len(), 1);
            let rows: Vec<&(String, Option<i64>, i64)> = seen.iter().filter(|(x, _, _)| *x == group).collect();
            let values: Vec<i64> = rows.iter().filter_map(|(_, v, _)| *v).collect();
            let distinct: BTreeSet<i64> = values.iter().copied().collect();
            let sum: i64 = values.iter().sum();
            let avg = if values.is_empty() { 0.0 } else { sum as f64 / values.len() as f64 };
            let expected = json!({
                "C": rows.len(),
                "CV": values.len(),
                "S": sum,
                "MN": values.iter().min(),
                "MX": values.iter().max(),
                "A": avg,
                "L": values.last(),
                "E": values.first(),
                "D": distinct.len(),
            });
            prop_assert_eq!(out[0].key.as_deref(), Some(group.as_bytes()));
            prop_assert_eq!(parse(out[0].value.as_deref()), expected);
            // An aggregate's timestamp is the largest of its rows'.
            prop_assert_eq!(out[0].timestamp, rows.iter().map(|(_, _, t)| *t).max().unwrap_or(0));
        }
    }

    #[test]
    fn table_aggregates_equal_a_recompute_of_the_final_table(
        inputs in prop::collection::vec((0u8..5, prop::option::of((0u8..3, prop::option::of(-20i64..20)))), 1..60)
    ) {
        let mut engine = engine(
            "CREATE TABLE T (ID STRING PRIMARY KEY, G STRING, V BIGINT) WITH (kafka_topic='input', value_format='JSON');
             CREATE TABLE A AS SELECT G, COUNT(*) AS C, SUM(V) AS S FROM T GROUP BY G;",
        );
        let mut table: BTreeMap<String, (String, Option<i64>)> = BTreeMap::new();
        let mut last: BTreeMap<String, Json> = BTreeMap::new();
        for (id, row) in &inputs {
            let id = format!("id{id}");
            let value = row.map(|(g, v)| json!({"G": format!("g{g}"), "V": v}));
            for out in engine.process("input", &record(&id, value, 0)) {
                let key = String::from_utf8(out.key.clone().unwrap_or_default()).unwrap_or_default();
                last.insert(key, parse(out.value.as_deref()));
            }
            match row {
                Some((g, v)) => table.insert(id, (format!("g{g}"), *v)),
                None => table.remove(&id),
            };
        }
        for (group, got) in &last {
            let rows: Vec<&(String, Option<i64>)> = table.values().filter(|(g, _)| g == group).collect();
            let sum: i64 = rows.iter().filter_map(|(_, v)| *v).sum();
            prop_assert_eq!(got, &json!({"C": rows.len(), "S": sum}), "group {}", group);
        }
        // Every group the final table has was emitted.
        for (g, _) in table.values() {
            prop_assert!(last.contains_key(g));
        }
    }
}
