//! Every bad statement in docs/BAD-INPUT.md's "Streaming SQL" table, run against the engine:
//! the message must be the table's, word for word, and the engine must go on working.

use std::fs;
use std::path::Path;

use streamlab_streams::{Engine, InputRecord};

/// The rows of the section's table: (what, statements, message).
fn rows() -> Vec<(String, String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/BAD-INPUT.md");
    let doc = fs::read_to_string(path).expect("docs/BAD-INPUT.md");
    let section = doc
        .split("## Streaming SQL")
        .nth(1)
        .expect("a Streaming SQL section");
    section
        .lines()
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("| ") && !l.starts_with("| what") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<&str> = l
                .trim_matches('|')
                .splitn(3, " | ")
                .map(str::trim)
                .collect();
            let sql = cells[1].trim_matches('`').replace("\\n", "\n");
            (cells[0].to_owned(), sql, cells[2].to_owned())
        })
        .collect()
}

fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.add_topic("t", 1);
    engine.add_topic("u", 1);
    engine
}

#[test]
fn every_bad_statement_gets_the_documented_message() {
    let rows = rows();
    assert!(
        rows.len() >= 15,
        "the table lists {} statements",
        rows.len()
    );
    let mut seen = Vec::new();
    for (what, sql, expected) in &rows {
        let mut engine = engine();
        let results = engine.execute(sql);
        let failed = results
            .iter()
            .find(|r| !r.ok)
            .unwrap_or_else(|| panic!("{what}: every statement ran: {results:?}"));
        seen.push(format!(
            "| {what} | `{}` | {} |",
            sql.replace('\n', "\\n"),
            failed.message
        ));
        assert_eq!(&failed.message, expected, "{what}");
        assert!(
            results.last().is_some_and(|r| !r.ok),
            "{what}: execution stops at the failed statement"
        );
    }
    println!("{}", seen.join("\n"));
}

#[test]
fn a_record_the_query_cannot_decode_is_skipped_and_counted() {
    let mut engine = engine();
    let results = engine.execute(
        "CREATE STREAM S (ID STRING KEY, V INT) WITH (kafka_topic='t', value_format='JSON');
         CREATE STREAM O AS SELECT ID, V * 2 AS D FROM S;",
    );
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    let record = |value: &[u8]| InputRecord {
        key: Some(b"k".to_vec()),
        value: Some(value.to_vec()),
        timestamp: 1,
        window: None,
    };
    assert!(engine.process("t", &record(b"not json")).is_empty());
    assert!(engine
        .process("t", &record(br#"{"V": "seven"}"#))
        .is_empty());
    let out = engine.process("t", &record(br#"{"V": 7}"#));
    assert_eq!(out[0].value.as_deref(), Some(&br#"{"D":14}"#[..]));
    let query = &engine.queries()[0];
    assert_eq!(
        (query.records_in, query.records_skipped, query.records_out),
        (3, 2, 1)
    );
}
