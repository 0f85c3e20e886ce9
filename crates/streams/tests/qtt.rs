//! ksqlDB's own query-validation tests (QTT), converted case by case into `tests/qtt/*.json`
//! (see its README), run against the engine: the same statements, the same input records, and
//! the output records exactly as ksqlDB's files give them, topic by topic, in order.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value as Json;
use streamlab_streams::format::{KeyFormat, ValueFormat};
use streamlab_streams::{Engine, InputRecord, SqlError, WindowBounds};

/// Cases not run, each with the reason: (file, case name, why).
const SKIPS: &[(&str, &str, &str)] = &[
    (
        "group-by.json",
        "with aggregate arithmetic involving source field (table->table)",
        "expects two results when a table row changes within its group (Kafka Streams before KIP-904, Kafka 3.5); \
         average-udaf.json's 'average udaf with table' expects the single result of current Kafka Streams, which Streamlab follows",
    ),
    ("group-by.json", "constant (table->table)", "the same two-results-per-update expectation as the case above"),
    (
        "group-by.json",
        "windowed join with window bounds",
        "expects ksqlDB's refusal of WINDOWSTART in a windowed aggregation over a join, a limitation of ksqlDB's \
         planner rather than a rule of the language; Streamlab resolves WINDOWSTART there as in any windowed aggregation",
    ),
    (
        "key-schemas.json",
        "VARCHAR(STRING) as key and value",
        "`VARCHAR(STRING)` is a quirk of ksqlDB's type grammar; Streamlab's types take no parameters",
    ),
];

struct Outcome {
    passed: usize,
    skipped: Vec<String>,
    unsupported: Vec<String>,
    failures: Vec<String>,
}

fn key_bytes(engine: &Engine, topic: &str, key: &Json) -> Option<Vec<u8>> {
    let json_key = engine
        .sources()
        .any(|s| s.topic == topic && s.key_format == KeyFormat::Json);
    match key {
        Json::Null => None,
        Json::String(s) if !json_key => Some(s.clone().into_bytes()),
        other => Some(other.to_string().into_bytes()),
    }
}

fn value_bytes(engine: &Engine, topic: &str, value: &Json) -> Option<Vec<u8>> {
    let json_value = engine
        .sources()
        .filter(|s| s.topic == topic)
        .all(|s| s.value_format == ValueFormat::Json);
    match value {
        Json::Null => None,
        Json::String(s) if !json_value => Some(s.clone().into_bytes()),
        other => Some(other.to_string().into_bytes()),
    }
}

fn window_of(record: &Json) -> Option<WindowBounds> {
    let w = record.get("window")?;
    Some(WindowBounds {
        start: w.get("start")?.as_i64()?,
        end: w.get("end")?.as_i64()?,
    })
}

/// Our key bytes read as the JSON the QTT file would write for them.
fn key_as_json(engine: &Engine, topic: &str, key: Option<&[u8]>, expected: &Json) -> Json {
    let Some(bytes) = key else { return Json::Null };
    let text = String::from_utf8_lossy(bytes).into_owned();
    let json_key = engine
        .sources()
        .any(|s| s.topic == topic && s.key_format == KeyFormat::Json);
    if json_key || !expected.is_string() {
        serde_json::from_str(&text).unwrap_or(Json::String(text))
    } else {
        Json::String(text)
    }
}

fn value_as_json(engine: &Engine, topic: &str, value: Option<&[u8]>) -> Json {
    let Some(bytes) = value else {
        return Json::Null;
    };
    let text = String::from_utf8_lossy(bytes).into_owned();
    let json_value = engine
        .sources()
        .filter(|s| s.topic == topic)
        .all(|s| s.value_format == ValueFormat::Json);
    if json_value {
        serde_json::from_str(&text).unwrap_or(Json::String(text))
    } else {
        Json::String(text)
    }
}

fn run_case(case: &Json) -> Result<(), (bool, String)> {
    let mut engine = Engine::new();
    engine.auto_create_topics = true;
    let inputs = case
        .get("inputs")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let expected = case
        .get("outputs")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    for record in inputs.iter().chain(&expected) {
        if let Some(t) = record.get("topic").and_then(Json::as_str) {
            engine.add_topic(t, 1);
        }
    }
    let statements: Vec<&str> = case["statements"]
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let expects_error = case.get("expectedException").is_some();
    for (i, statement) in statements.iter().enumerate() {
        let results = engine.execute(statement);
        if let Some(failed) = results.iter().find(|r| !r.ok) {
            // A statement Streamlab does not run yet proves nothing, refusal expected or not.
            if matches!(failed.error, Some(SqlError::NotYet(_))) {
                return Err((
                    true,
                    format!(
                        "statement not run yet: {statement}\n  -> {}",
                        failed.message
                    ),
                ));
            }
            // QTT's refusals are of the last statement: an earlier one failing is our error.
            if expects_error && i + 1 == statements.len() {
                // `STREAMLAB_QTT_ERRORS=1 cargo test --test qtt -- --nocapture` lists ksqlDB's
                // message beside Streamlab's, for review.
                if std::env::var_os("STREAMLAB_QTT_ERRORS").is_some() {
                    let theirs = case["expectedException"]["message"].as_str().unwrap_or("");
                    println!(
                        "refusal\t{}\t{}",
                        theirs.replace('\n', " "),
                        failed.message.replace('\n', " ")
                    );
                }
                return Ok(());
            }
            return Err((
                false,
                format!("statement failed: {statement}\n  -> {}", failed.message),
            ));
        }
    }
    if expects_error {
        // Some QTT errors only show while records flow (none of the kept cases); say so.
        return Err((
            false,
            format!(
                "expected an error ({}) but every statement ran",
                case["expectedException"]
            ),
        ));
    }
    let mut actual: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for record in &inputs {
        let topic = record["topic"].as_str().unwrap_or_default();
        let input = InputRecord {
            key: key_bytes(&engine, topic, record.get("key").unwrap_or(&Json::Null)),
            value: value_bytes(&engine, topic, record.get("value").unwrap_or(&Json::Null)),
            timestamp: record.get("timestamp").and_then(Json::as_i64).unwrap_or(0),
            window: window_of(record),
        };
        for out in engine.process(topic, &input) {
            let mut o = serde_json::Map::new();
            o.insert(
                "key_bytes".into(),
                out.key.as_ref().map_or(Json::Null, |k| {
                    Json::String(String::from_utf8_lossy(k).into_owned())
                }),
            );
            o.insert(
                "value".into(),
                value_as_json(&engine, &out.topic, out.value.as_deref()),
            );
            o.insert("timestamp".into(), Json::from(out.timestamp));
            if let Some(w) = out.window {
                o.insert(
                    "window".into(),
                    serde_json::json!({"start": w.start, "end": w.end}),
                );
            }
            actual
                .entry(out.topic.clone())
                .or_default()
                .push(Json::Object(o));
        }
    }
    let mut by_topic: BTreeMap<String, Vec<&Json>> = BTreeMap::new();
    for e in &expected {
        by_topic
            .entry(e["topic"].as_str().unwrap_or_default().to_owned())
            .or_default()
            .push(e);
    }
    for (topic, want) in &by_topic {
        let got = actual.get(topic).cloned().unwrap_or_default();
        let mismatch = |i: usize, what: &str| {
            Err((
                false,
                format!(
                    "topic {topic}, record {i}: {what}\n  expected: {}\n  actual:   {}",
                    want.iter()
                        .map(|w| w.to_string())
                        .collect::<Vec<_>>()
                        .join("\n            "),
                    got.iter()
                        .map(|g| g.to_string())
                        .collect::<Vec<_>>()
                        .join("\n            ")
                ),
            ))
        };
        if got.len() != want.len() {
            return mismatch(
                got.len().min(want.len()),
                &format!("{} records, expected {}", got.len(), want.len()),
            );
        }
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let expected_key = w.get("key").unwrap_or(&Json::Null);
            let key_bytes = g["key_bytes"].as_str().map(|s| s.as_bytes().to_vec());
            if key_as_json(&engine, topic, key_bytes.as_deref(), expected_key) != *expected_key {
                return mismatch(i, "key differs");
            }
            if g["value"] != *w.get("value").unwrap_or(&Json::Null) {
                return mismatch(i, "value differs");
            }
            if let Some(ts) = w.get("timestamp") {
                if g["timestamp"] != *ts {
                    return mismatch(i, "timestamp differs");
                }
            }
            if let Some(win) = w.get("window") {
                if g.get("window").map(|x| (&x["start"], &x["end"]))
                    != Some((&win["start"], &win["end"]))
                {
                    return mismatch(i, "window differs");
                }
            }
        }
    }
    Ok(())
}

fn run_all() -> Outcome {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/qtt");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("tests/qtt exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut outcome = Outcome {
        passed: 0,
        skipped: Vec::new(),
        unsupported: Vec::new(),
        failures: Vec::new(),
    };
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let text = fs::read_to_string(path).expect("readable");
        let file: Json =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for case in file["tests"].as_array().expect("tests array") {
            let id = format!("{name}: {}", case["name"].as_str().unwrap_or("?"));
            // A case Streamlab does not follow says why here, and is not run.
            let case_name = case["name"].as_str().unwrap_or("?").trim();
            if let Some((_, _, why)) = SKIPS.iter().find(|(f, n, _)| *f == name && *n == case_name)
            {
                outcome.skipped.push(format!("{id}\n  {why}"));
                continue;
            }
            match std::panic::catch_unwind(|| run_case(case)) {
                Ok(Ok(())) => outcome.passed += 1,
                Ok(Err((true, why))) => outcome.unsupported.push(format!("{id}\n  {why}")),
                Ok(Err((false, why))) => outcome.failures.push(format!("{id}\n  {why}")),
                Err(_) => outcome.failures.push(format!("{id}\n  PANICKED")),
            }
        }
    }
    outcome
}

#[test]
fn ksqldb_query_validation_tests() {
    let outcome = run_all();
    for s in &outcome.skipped {
        println!("skipped: {s}");
    }
    for u in &outcome.unsupported {
        println!("not yet supported: {u}");
    }
    for f in &outcome.failures {
        println!("FAILED: {f}\n");
    }
    println!(
        "QTT cases: {} passed, {} failed, {} not yet supported, {} skipped",
        outcome.passed,
        outcome.failures.len(),
        outcome.unsupported.len(),
        outcome.skipped.len()
    );
    assert!(
        outcome.passed >= 100,
        "at least 100 QTT cases must pass, {} did",
        outcome.passed
    );
    assert!(
        outcome.failures.is_empty(),
        "{} QTT cases failed",
        outcome.failures.len()
    );
}
