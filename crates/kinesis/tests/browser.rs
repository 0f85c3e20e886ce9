//! The client in headless Chromium, over `fetch`, against the kinesalite `make test` starts (its
//! URL is compiled in from `STREAMLAB_KINESALITE`): signed requests pass the browser's CORS
//! checks, and a stream is created, written, read and resharded from the page.
#![cfg(target_arch = "wasm32")]

use streamlab_kinesis::sigv4::Credentials;
use streamlab_kinesis::{FetchTransport, KinesisClient, KinesisError, PutEntry, StartingPosition};
use streamlab_kinesis_suite::{self as suite, for_each_stream_check};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn client() -> KinesisClient<FetchTransport> {
    let url = option_env!("STREAMLAB_KINESALITE")
        .unwrap_or_else(|| panic!("STREAMLAB_KINESALITE is not set: run these through make test"));
    let credentials = Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "kinesalite-accepts-any-key".into(),
        session_token: None,
    };
    KinesisClient::new(url, "us-east-1", credentials, FetchTransport)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn ok<T>(result: Result<T, KinesisError>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

#[wasm_bindgen_test]
async fn a_page_creates_writes_reads_and_splits_a_stream_through_fetch() {
    let client = client();
    let name = format!("browser-{}", js_sys::Date::now() as u64);
    ok(client.create_stream(&name, 2).await);
    ok(client.wait_until_active(&name, 100, 50).await);
    let entries: Vec<PutEntry> = (0..20)
        .map(|n| PutEntry {
            partition_key: "one-key".into(),
            explicit_hash_key: None,
            data: format!("record {n}").into_bytes(),
        })
        .collect();
    let put = ok(client.put_records(&name, &entries).await);
    let shard = match &put[0] {
        Ok(p) => p.shard_id.clone(),
        Err(e) => panic!("{e}"),
    };
    assert!(put
        .iter()
        .all(|p| p.as_ref().is_ok_and(|p| p.shard_id == shard)));
    let iterator = ok(client
        .get_shard_iterator(&name, &shard, &StartingPosition::TrimHorizon)
        .await);
    let read = ok(client.get_records(&iterator, None).await);
    let values: Vec<String> = read
        .records
        .iter()
        .map(|r| String::from_utf8_lossy(&r.data).into_owned())
        .collect();
    let expected: Vec<String> = (0..20).map(|n| format!("record {n}")).collect();
    assert_eq!(values, expected);

    ok(client
        .split_shard(&name, "shardId-000000000000", 1 << 126)
        .await);
    let busy = client
        .merge_shards(&name, "shardId-000000000002", "shardId-000000000003")
        .await;
    assert!(
        matches!(busy, Err(KinesisError::ResourceInUse(_))),
        "{busy:?}"
    );
    ok(client.wait_until_active(&name, 100, 50).await);
    assert_eq!(ok(client.list_shards(&name).await).len(), 4);
    ok(client.delete_stream(&name).await);
}

#[wasm_bindgen_test]
async fn an_endpoint_that_does_not_answer_is_reported_as_unreachable() {
    let credentials = Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "secret".into(),
        session_token: None,
    };
    // Port 9 (discard) on loopback: nothing listens there.
    let client = KinesisClient::new(
        "http://127.0.0.1:9",
        "us-east-1",
        credentials,
        FetchTransport,
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .with_retry(streamlab_kinesis::RetryPolicy {
        max_attempts: 1,
        ..Default::default()
    });
    let out = client.describe_stream_summary("s").await;
    assert!(
        matches!(out, Err(KinesisError::Unreachable { .. })),
        "{out:?}"
    );
}

macro_rules! over_fetch {
    ($check:ident) => {
        #[wasm_bindgen_test]
        async fn $check() {
            let name = format!("{}-{}", stringify!($check), js_sys::Date::now() as u64);
            suite::$check(&client(), &name).await;
        }
    };
}

// The suite Streamlab's own log passes, against kinesalite from the page.
for_each_stream_check!(over_fetch);
