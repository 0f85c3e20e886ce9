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

/// One step of a join test: a table update (key, value or deletion) or a stream record.
#[derive(Debug, Clone)]
enum Step {
    Table(u8, Option<i64>),
    Stream(u8, i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..4, prop::option::of(-9i64..9)).prop_map(|(k, v)| Step::Table(k, v)),
        (0u8..4, -9i64..9).prop_map(|(k, v)| Step::Stream(k, v)),
    ]
}

proptest! {
    #[test]
    fn a_stream_table_join_looks_each_event_up_in_the_table_as_it_is_then(steps in prop::collection::vec(step(), 1..60), left in any::<bool>()) {
        let mut engine = Engine::new();
        engine.add_topic("events", 1);
        engine.add_topic("dims", 1);
        let kind = if left { "LEFT JOIN" } else { "JOIN" };
        let results = engine.execute(&format!(
            "CREATE STREAM E (ID STRING KEY, X BIGINT) WITH (kafka_topic='events', value_format='JSON');
             CREATE TABLE D (ID STRING PRIMARY KEY, Y BIGINT) WITH (kafka_topic='dims', value_format='JSON');
             CREATE STREAM J AS SELECT E.ID AS ID, X, Y FROM E {kind} D ON E.ID = D.ID;"
        ));
        prop_assert!(results.iter().all(|r| r.ok), "{:?}", results);
        let mut table: BTreeMap<String, i64> = BTreeMap::new();
        for (i, s) in steps.iter().enumerate() {
            let ts = i as i64;
            match s {
                Step::Table(k, v) => {
                    let key = format!("k{k}");
                    let out = engine.process("dims", &record(&key, v.map(|v| json!({"Y": v})), ts));
                    prop_assert!(out.is_empty(), "a table update emits nothing: {:?}", out);
                    match v {
                        Some(v) => table.insert(key, *v),
                        None => table.remove(&key),
                    };
                }
                Step::Stream(k, x) => {
                    let key = format!("k{k}");
                    let out = engine.process("events", &record(&key, Some(json!({"X": x})), ts));
                    let expected: Vec<Json> = match table.get(&key) {
                        Some(y) => vec![json!({"X": x, "Y": y})],
                        None if left => vec![json!({"X": x, "Y": null})],
                        None => vec![],
                    };
                    let got: Vec<Json> = out.iter().map(|o| parse(o.value.as_deref())).collect();
                    prop_assert_eq!(got, expected);
                    prop_assert!(out.iter().all(|o| o.key.as_deref() == Some(key.as_bytes()) && o.timestamp == ts));
                }
            }
        }
    }

    #[test]
    fn a_table_table_join_ends_as_the_join_of_the_final_tables(
        updates in prop::collection::vec((any::<bool>(), 0u8..4, prop::option::of(-9i64..9)), 1..60),
        kind in 0u8..3,
    ) {
        let mut engine = Engine::new();
        engine.add_topic("l", 1);
        engine.add_topic("r", 1);
        let join = ["JOIN", "LEFT JOIN", "FULL OUTER JOIN"][usize::from(kind)];
        let key = if kind == 2 { "ROWKEY AS ID" } else { "L.ID AS ID" };
        let results = engine.execute(&format!(
            "CREATE TABLE L (ID STRING PRIMARY KEY, A BIGINT) WITH (kafka_topic='l', value_format='JSON');
             CREATE TABLE R (ID STRING PRIMARY KEY, B BIGINT) WITH (kafka_topic='r', value_format='JSON');
             CREATE TABLE J AS SELECT {key}, A, B FROM L {join} R ON L.ID = R.ID;"
        ));
        prop_assert!(results.iter().all(|r| r.ok), "{:?}", results);
        let mut sides: [BTreeMap<String, i64>; 2] = [BTreeMap::new(), BTreeMap::new()];
        let mut result: BTreeMap<String, Json> = BTreeMap::new();
        for (i, (is_left, k, v)) in updates.iter().enumerate() {
            let id = format!("k{k}");
            let (topic, field) = if *is_left { ("l", "A") } else { ("r", "B") };
            for out in engine.process(topic, &record(&id, v.map(|v| json!({field: v})), i as i64)) {
                let key = String::from_utf8(out.key.clone().unwrap_or_default()).unwrap_or_default();
                match out.value {
                    Some(_) => result.insert(key, parse(out.value.as_deref())),
                    None => result.remove(&key),
                };
            }
            let side = &mut sides[usize::from(!*is_left)];
            match v {
                Some(v) => side.insert(id, *v),
                None => side.remove(&id),
            };
        }
        let mut expected: BTreeMap<String, Json> = BTreeMap::new();
        let keys: BTreeSet<&String> = sides[0].keys().chain(sides[1].keys()).collect();
        for k in keys {
            let (a, b) = (sides[0].get(k), sides[1].get(k));
            let present = match kind {
                0 => a.is_some() && b.is_some(),
                1 => a.is_some(),
                _ => true,
            };
            if present {
                expected.insert(k.clone(), json!({"A": a, "B": b}));
            }
        }
        prop_assert_eq!(result, expected);
    }
}

proptest! {
    #[test]
    fn a_stream_stream_inner_join_emits_each_pair_within_the_window_once(
        records in prop::collection::vec((any::<bool>(), 0u8..3, 0i64..40), 1..40),
    ) {
        let mut engine = Engine::new();
        engine.add_topic("l", 1);
        engine.add_topic("r", 1);
        let results = engine.execute(
            "CREATE STREAM L (ID STRING KEY, A BIGINT) WITH (kafka_topic='l', value_format='JSON');
             CREATE STREAM R (ID STRING KEY, B BIGINT) WITH (kafka_topic='r', value_format='JSON');
             CREATE STREAM J AS SELECT L.ID AS ID, A, B FROM L JOIN R WITHIN (3 MILLISECONDS, 5 MILLISECONDS) ON L.ID = R.ID;",
        );
        prop_assert!(results.iter().all(|r| r.ok), "{:?}", results);
        let mut got: Vec<(String, i64, i64, i64)> = Vec::new();
        for (i, (is_left, k, ts)) in records.iter().enumerate() {
            let (topic, field) = if *is_left { ("l", "A") } else { ("r", "B") };
            for out in engine.process(topic, &record(&format!("k{k}"), Some(json!({field: i})), *ts)) {
                let v = parse(out.value.as_deref());
                let key = String::from_utf8(out.key.clone().unwrap_or_default()).unwrap_or_default();
                got.push((key, v["A"].as_i64().unwrap_or(-1), v["B"].as_i64().unwrap_or(-1), out.timestamp));
            }
        }
        // The model: every left/right pair of one key with r.ts in [l.ts - 3, l.ts + 5].
        let mut expected = Vec::new();
        for (i, (l_side, lk, lts)) in records.iter().enumerate() {
            for (j, (r_side, rk, rts)) in records.iter().enumerate() {
                if *l_side && !*r_side && lk == rk && *rts >= lts - 3 && *rts <= lts + 5 {
                    expected.push((format!("k{lk}"), i as i64, j as i64, (*lts).max(*rts)));
                }
            }
        }
        got.sort();
        expected.sort();
        prop_assert_eq!(got, expected);
    }
}
