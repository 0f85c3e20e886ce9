//! What the dashboard's forms hold, read into the log's terms: a consumer's start position and
//! a consumer group's offset reset (here), a topic to create (`topic`), records to produce
//! (`produce`), a producer run (`run`) and a jump of the records table (`jump`). The position and
//! the reset are shared by the lab and the tools bundle (crates/script), so both give the same
//! words for the same input. The browser reads dates (`Date.parse`), so the caller passes its
//! date reader in. Every reader here is pure and tested natively.

mod jump;
mod produce;
mod run;
mod topic;

pub use jump::parse_jump;
pub use produce::{parse_headers, parse_target, ProduceForm, MAX_PRODUCE_COUNT};
pub use run::{RunForm, MAX_RUN_RATE};
pub use topic::{topic_from_attributes, FormError, TopicForm};

use std::collections::BTreeMap;

use streamlab_log::{Offset, OffsetReset, PartitionId, Timestamp};

use crate::WirePosition;

/// Reads a consumer start position from a form: the kinds of [`WirePosition::parse`], where a
/// time may also be a date that `parse_date` reads (milliseconds since 1970, or `None`).
pub fn parse_position(
    kind: &str,
    value: &str,
    parse_date: impl Fn(&str) -> Option<i64>,
) -> Result<WirePosition, String> {
    let is_time = matches!(kind, "timestamp" | "AT_TIMESTAMP");
    let value = match value.parse::<i64>() {
        Err(_) if is_time => match parse_date(value) {
            Some(ms) => ms.to_string(),
            None => return Err(format!("'{value}' is not a time (milliseconds since 1970, or a date like 2026-11-25T10:00:00Z)")),
        },
        _ => value.to_owned(),
    };
    WirePosition::parse(kind, &value).map_err(|e| e.to_string())
}

/// The offset reset a form describes: `target` is `earliest`, `latest`, `offset` (`value`: one
/// offset for every one of `partitions`, or `partition:offset` pairs separated by commas) or
/// `timestamp` (`value`: ms or a date), or the Kinesis words for them.
pub fn parse_offset_reset(
    target: &str,
    value: &str,
    partitions: u32,
    parse_date: impl Fn(&str) -> Option<i64>,
) -> Result<OffsetReset, String> {
    let offset = |text: &str| {
        text.trim()
            .parse::<u64>()
            .map(Offset)
            .map_err(|_| format!("'{}' is not an offset (a whole number from 0)", text.trim()))
    };
    Ok(match target {
        "earliest" | "TRIM_HORIZON" => OffsetReset::Earliest,
        "latest" | "LATEST" => OffsetReset::Latest,
        "offset" if value.contains(':') => {
            let mut offsets = BTreeMap::new();
            for pair in value.split(',').filter(|p| !p.trim().is_empty()) {
                let (p, o) = pair
                    .split_once(':')
                    .ok_or_else(|| format!("'{}' is not partition:offset", pair.trim()))?;
                let p = p
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| format!("'{}' is not a partition number", p.trim()))?;
                offsets.insert(PartitionId(p), offset(o)?);
            }
            OffsetReset::Offsets(offsets)
        }
        "offset" => {
            let o = offset(value)?;
            OffsetReset::Offsets((0..partitions).map(|p| (PartitionId(p), o)).collect())
        }
        "timestamp" | "AT_TIMESTAMP" => match parse_position("timestamp", value, parse_date)? {
            WirePosition::Timestamp(ms) => OffsetReset::Timestamp(Timestamp(ms)),
            _ => return Err(format!("'{value}' is not a time")),
        },
        other => return Err(format!("unknown reset target '{other}'")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_dates(_: &str) -> Option<i64> {
        None
    }

    #[test]
    fn a_sequence_number_names_its_shard_and_the_other_shards_start_at_trim_horizon() {
        use streamlab_log::{Position, SequenceNumber};
        let at = parse_position("AT_SEQUENCE_NUMBER", "1:42", no_dates).unwrap();
        assert_eq!(
            at,
            WirePosition::AtSequenceNumber {
                shard: 1,
                sequence: "42".into()
            }
        );
        assert_eq!(
            at.in_partition(PartitionId(1)).unwrap(),
            Position::AtSequenceNumber(SequenceNumber(42))
        );
        assert_eq!(at.in_partition(PartitionId(0)).unwrap(), Position::Earliest);
        assert_eq!(
            parse_position("AFTER_SEQUENCE_NUMBER", "shardId-000000000002: 7", no_dates),
            Ok(WirePosition::AfterSequenceNumber {
                shard: 2,
                sequence: "7".into()
            })
        );
        assert_eq!(
            parse_position("AT_SEQUENCE_NUMBER", "42", no_dates),
            Err("'42' names no shard: a sequence number belongs to one shard, so give the shard and the number, like shardId-000000000001:42 (or 1:42); the other shards start at TRIM_HORIZON".into())
        );
        assert_eq!(
            parse_position("AT_SEQUENCE_NUMBER", "shard-1:42", no_dates),
            Err("'shard-1' is not a shard (shardId-000000000001, or its number)".into())
        );
        assert_eq!(
            parse_position("AT_SEQUENCE_NUMBER", "1:x", no_dates),
            Err("'x' is not a sequence number (a decimal integer)".into())
        );
        // Other positions apply to every partition.
        let offset = parse_position("offset", "5", no_dates).unwrap();
        assert_eq!(
            offset.in_partition(PartitionId(3)).unwrap(),
            Position::Offset(Offset(5))
        );
    }

    #[test]
    fn times_are_milliseconds_or_dates_the_caller_reads() {
        assert_eq!(
            parse_position("timestamp", "1700", no_dates),
            Ok(WirePosition::Timestamp(1700))
        );
        assert_eq!(
            parse_position("AT_TIMESTAMP", "noon", |d| (d == "noon")
                .then_some(43_200_000)),
            Ok(WirePosition::Timestamp(43_200_000))
        );
        assert_eq!(
            parse_position("timestamp", "noon", no_dates),
            Err("'noon' is not a time (milliseconds since 1970, or a date like 2026-11-25T10:00:00Z)".into())
        );
        assert_eq!(
            parse_position("offset", "5", no_dates),
            Ok(WirePosition::Offset(5))
        );
    }

    #[test]
    fn an_offset_reset_is_one_offset_for_all_or_pairs() {
        let all = parse_offset_reset("offset", "7", 3, no_dates);
        let expected: BTreeMap<_, _> = (0..3).map(|p| (PartitionId(p), Offset(7))).collect();
        assert_eq!(all, Ok(OffsetReset::Offsets(expected)));
        let pairs = parse_offset_reset("offset", "0:3, 2:9,", 3, no_dates);
        let expected: BTreeMap<_, _> = [(PartitionId(0), Offset(3)), (PartitionId(2), Offset(9))]
            .into_iter()
            .collect();
        assert_eq!(pairs, Ok(OffsetReset::Offsets(expected)));
        assert_eq!(
            parse_offset_reset("TRIM_HORIZON", "", 1, no_dates),
            Ok(OffsetReset::Earliest)
        );
        assert_eq!(
            parse_offset_reset("timestamp", "12", 1, no_dates),
            Ok(OffsetReset::Timestamp(Timestamp(12)))
        );
    }

    #[test]
    fn a_bad_reset_says_which_part_is_wrong() {
        let err = |t, v| parse_offset_reset(t, v, 2, no_dates).unwrap_err();
        assert_eq!(
            err("offset", "x"),
            "'x' is not an offset (a whole number from 0)"
        );
        assert_eq!(err("offset", "0:1,7"), "'7' is not partition:offset");
        assert_eq!(err("offset", "a:1"), "'a' is not a partition number");
        assert_eq!(
            err("offset", "0:-1"),
            "'-1' is not an offset (a whole number from 0)"
        );
        assert_eq!(err("sideways", ""), "unknown reset target 'sideways'");
    }
}
