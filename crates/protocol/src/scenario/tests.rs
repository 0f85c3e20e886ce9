//! The scenario format's checks: every step kind, and a mistake named with its place.
use super::*;

fn error(text: &str) -> String {
    match Scenario::parse(text) {
        Ok(s) => panic!("accepted: {s:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_documented_example_parses_into_its_steps() {
    let text = r#"{
      "topics": [
        { "name": "orders", "mode": "kafka", "partitions": 3 },
        { "name": "payments", "mode": "kinesis", "shards": 2 }
      ],
      "steps": [
        { "produce": { "topic": "orders", "records": [{ "key": "alice", "value": "order 1" }] } },
        { "produce": { "topic": "orders", "generate": { "count": 10, "key": "user-${n}", "value": "order ${n}" } } },
        { "consume": { "topic": "orders", "from": "offset 5", "group": "billing" } },
        { "split_shard": { "stream": "payments", "shard": 0 } },
        { "merge_shards": { "stream": "payments", "shard": 1, "adjacent": 2 } },
        { "add_partitions": { "topic": "orders", "count": 1 } }
      ],
      "open": "orders"
    }"#;
    let s = Scenario::parse(text).unwrap();
    assert_eq!(s.topics.len(), 2);
    assert_eq!(s.topics[1].mode(), Mode::Kinesis);
    assert_eq!(s.steps.len(), 6);
    let ScenarioStep::Produce { records, .. } = &s.steps[1] else {
        panic!("{:?}", s.steps[1]);
    };
    assert_eq!(records.len(), 10);
    assert_eq!(records[3].key.as_deref(), Some("user-3"));
    assert_eq!(records[3].value, "order 3");
    assert_eq!(
        s.steps[2],
        ScenarioStep::Consume {
            topic: TopicName::new("orders", Mode::Kafka).unwrap(),
            position: WirePosition::Offset(5),
            from: "offset 5".into(),
            group: Some("billing".into()),
        }
    );
    assert_eq!(s.steps[4].describe(), "merge shards 1 and 2 of payments");
    assert_eq!(s.open.unwrap().as_str(), "orders");
}

#[test]
fn keys_given_as_a_list_are_taken_in_turn() {
    let s = Scenario::parse(
        r#"{"topics":[{"name":"t","partitions":1}],
            "steps":[{"produce":{"topic":"t","generate":{"count":5,"keys":["a","b"],"value":"${key}-${n}"}}}]}"#,
    )
    .unwrap();
    let ScenarioStep::Produce { records, .. } = &s.steps[0] else {
        panic!()
    };
    let got: Vec<_> = records.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(got, ["a-0", "b-1", "a-2", "b-3", "a-4"]);
}

#[test]
fn mistakes_are_named_by_their_place_in_the_file() {
    assert!(error("{").starts_with("not JSON: EOF while parsing"));
    assert_eq!(error("[]"), "scenario: expected an object, not a list");
    assert_eq!(
        error("{}"),
        "scenario.topics: a scenario creates at least one topic"
    );
    assert_eq!(
        error(r#"{"topics":[{"name":"a b","partitions":1}]}"#),
        "topics[0]: illegal name: ' ' is not allowed in a name; use letters, digits, '.', '_' and '-'"
    );
    assert_eq!(
        error(r#"{"topics":[{"name":"t","partitions":1,"mode":"pulsar"}]}"#),
        "topics[0].mode: 'pulsar' is not kafka or kinesis"
    );
    assert_eq!(
        error(r#"{"topics":[{"name":"t"}]}"#),
        "topics[0]: \"partitions\" (or \"shards\") is missing"
    );
    assert_eq!(
        error(r#"{"topics":[{"name":"t","partitions":1},{"name":"t","partitions":2}]}"#),
        "topics[1].name: topic 't' is declared twice"
    );
    let with = |steps: &str| {
        error(&format!(
            r#"{{"topics":[{{"name":"k","partitions":2}},{{"name":"s","mode":"kinesis","shards":2}}],"steps":[{steps}]}}"#
        ))
    };
    assert_eq!(
        with(r#"{"publish":{"topic":"k"}}"#),
        "steps[0].publish: unknown step 'publish' (expected one of: produce, consume, split_shard, merge_shards, add_partitions, sql)"
    );
    assert_eq!(
        with(r#"{"produce":{"topic":"nope","records":[]}}"#),
        "steps[0].produce: topic 'nope' is not declared in \"topics\""
    );
    assert_eq!(
        with(r#"{"produce":{"topic":"s","records":[{"value":"v"}]}}"#),
        "steps[0].produce.records[0]: a Kinesis record needs a partition key (\"key\")"
    );
    assert_eq!(
        with(r#"{"produce":{"topic":"k","records":[{"key":"a"}]}}"#),
        "steps[0].produce.records[0]: \"value\" is missing (give a string, or null for a tombstone)"
    );
    assert_eq!(
        with(r#"{"produce":{"topic":"k","records":[{"value":"v","partition":2}]}}"#),
        "steps[0].produce.records[0]: partition 2 does not exist; 'k' has 2 when it is created"
    );
    assert_eq!(
        with(r#"{"produce":{"topic":"k","generate":{"count":0}}}"#),
        "steps[0].produce.generate.count: give a count from 1 to 10000"
    );
    assert_eq!(
        with(r#"{"produce":{"topic":"k","generate":{"count":2,"value":"${nope}"}}}"#),
        "steps[0].produce.generate.value: unknown placeholder '${nope}' in the value template; use ${n}, ${key} or ${ts}"
    );
    assert_eq!(
        with(r#"{"produce":{"topic":"s","generate":{"count":2}}}"#),
        "steps[0].produce.generate.key: a Kinesis stream needs a partition key: pick a key pattern"
    );
    assert_eq!(
        with(r#"{"consume":{"topic":"k","from":"offset x"}}"#),
        "steps[0].consume.from: 'x' is not an offset (a whole number from 0)"
    );
    assert_eq!(
        with(r#"{"split_shard":{"topic":"k","shard":0}}"#),
        "steps[0].split_shard: 'k' is a Kafka topic; only Kinesis streams reshard"
    );
    assert_eq!(
        with(r#"{"merge_shards":{"stream":"s","shard":0}}"#),
        "steps[0].merge_shards: \"adjacent\" is missing"
    );
    assert_eq!(
        with(r#"{"add_partitions":{"topic":"k","count":0}}"#),
        "steps[0].add_partitions.count: add at least one partition"
    );
    assert_eq!(
        with(r#"{"consume":{"topic":"k","colour":"red"}}"#),
        "steps[0].consume: unknown field \"colour\" (expected one of: topic, stream, from, group)"
    );
}

use proptest::prelude::*;

const EXAMPLE: &str = r#"{"topics":[{"name":"orders","partitions":3},{"name":"pay","mode":"kinesis","shards":2}],
  "steps":[{"produce":{"topic":"orders","records":[{"key":"a","value":"v","headers":{"h":"x"}}]}},
  {"produce":{"stream":"pay","generate":{"count":3,"keys":["a","b"],"value":"${key}-${n}"}}},
  {"consume":{"topic":"orders","from":"offset 1","group":"g"}},{"split_shard":{"stream":"pay","shard":0}},
  {"merge_shards":{"stream":"pay","shard":1,"adjacent":2}},{"add_partitions":{"topic":"orders","count":1}}],"open":"pay"}"#;

proptest! {
    /// A scenario file cut, or with characters replaced or inserted anywhere, is read or
    /// refused with an error that says where; never a panic.
    #[test]
    fn a_mangled_scenario_is_an_error_not_a_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<char>(), 0u8..3), 1..6)
    ) {
        prop_assert!(Scenario::parse(EXAMPLE).is_ok());
        let mut chars: Vec<char> = EXAMPLE.chars().collect();
        for (at, c, kind) in edits {
            let len = chars.len().max(1);
            match kind {
                0 if !chars.is_empty() => chars[at % len] = c,
                1 => chars.truncate(at % len),
                _ => chars.insert(at % (chars.len() + 1), c),
            }
        }
        let text: String = chars.into_iter().collect();
        if let Err(e) = Scenario::parse(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}

#[test]
fn a_sql_step_holds_its_statements_and_an_empty_one_is_refused() {
    let file = r#"{"topics":[{"name":"orders","partitions":1}],"steps":[{"sql":"CREATE STREAM O (ID STRING KEY) WITH (kafka_topic='orders', value_format='JSON'); SHOW STREAMS;"}]}"#;
    let s = Scenario::parse(file).unwrap();
    assert_eq!(s.steps[0].describe(), "run 2 SQL statement(s)");
    assert!(
        matches!(&s.steps[0], ScenarioStep::Sql { text } if text.starts_with("CREATE STREAM O"))
    );
    for bad in [r#""  ""#, r#"{"text":"x"}"#, "3"] {
        let file = format!(
            r#"{{"topics":[{{"name":"orders","partitions":1}}],"steps":[{{"sql":{bad}}}]}}"#
        );
        assert_eq!(
            error(&file),
            "steps[0].sql: give the statements as one string (\"CREATE STREAM …; CREATE TABLE …;\")"
        );
    }
}
