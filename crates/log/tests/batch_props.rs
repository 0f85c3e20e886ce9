//! Property tests of the record batch codec: valid batches round-trip; mutated bytes never make
//! the decoder panic, and a change under the stored CRC is always an error.
use proptest::prelude::*;

use streamlab_log::{batch_fields, RecordBatch};

#[path = "support/arb.rs"]
mod arb;

proptest! {
    #[test]
    fn any_valid_batch_round_trips(records in arb::batch_records()) {
        let bytes = RecordBatch::encode(&records).expect("valid by construction");
        let batch = RecordBatch::decode(&bytes).expect("decodes");
        prop_assert_eq!(batch.records(), &records[..]);
    }

    #[test]
    fn any_mutation_is_an_error_or_a_batch_never_a_panic(
        records in arb::batch_records(),
        mutations in proptest::collection::vec(arb::mutation(), 1..4),
        reseal in any::<bool>(),
    ) {
        let original = RecordBatch::encode(&records).expect("valid by construction");
        let bytes = arb::mutate(original.clone(), &mutations, reseal);
        let result = RecordBatch::decode(&bytes);
        if !reseal && bytes != original {
            prop_assert!(result.is_err(), "an unsealed change decoded: {:?}", result);
        }
        // The byte inspector labels any bytes, contiguously, without panicking.
        let fields = batch_fields(&bytes);
        prop_assert!(fields.windows(2).all(|w| w[0].range.end == w[1].range.start));
        prop_assert_eq!(fields.last().map(|f| f.range.end), Some(bytes.len()));
    }
}
