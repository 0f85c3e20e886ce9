//! Fuzzes the record batch decoder: `cargo run --release -p streamlab-log --example fuzz_batch
//! -- [cases]` (default 100,000). The same properties as `tests/batch_props.rs`, at volume:
//! valid batches round-trip; mutated ones (flipped bytes, truncation, inserted bytes, with or
//! without a recomputed CRC) decode to a batch or a typed error, never panic, and any change under
//! the stored CRC is an error.
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use streamlab_log::RecordBatch;

#[path = "../tests/support/arb.rs"]
mod arb;

fn main() {
    let cases: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        arb::batch_records(),
        proptest::collection::vec(arb::mutation(), 0..4),
        any::<bool>(),
    );
    let started = std::time::Instant::now();
    let outcome = runner.run(&strategy, |(records, mutations, reseal)| {
        let original = RecordBatch::encode(&records).expect("valid by construction");
        let decoded = RecordBatch::decode(&original).expect("a valid batch decodes");
        prop_assert_eq!(decoded.records(), &records[..]);
        let bytes = arb::mutate(original.clone(), &mutations, reseal);
        let result = RecordBatch::decode(&bytes);
        // The byte inspector's labelling must survive the same inputs.
        let _ = streamlab_log::batch_fields(&bytes);
        if !reseal && bytes != original {
            prop_assert!(result.is_err(), "an unsealed change decoded: {:?}", result);
        }
        Ok(())
    });
    match outcome {
        Ok(()) => println!(
            "fuzz_batch: {cases} cases passed in {:.1} s (no panic; every unsealed change rejected)",
            started.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("fuzz_batch: FAILED: {e}");
            std::process::exit(1);
        }
    }
}
