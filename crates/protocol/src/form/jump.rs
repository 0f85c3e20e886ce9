//! The records table's jump: to an offset, a sequence number or a time in one partition.

use streamlab_log::{Offset, Position, SequenceNumber, Timestamp};

use super::parse_position;
use crate::WirePosition;

/// Where the records table's jump form points: `kind` is `offset`, `sequence` or `timestamp`
/// (milliseconds, or a date `parse_date` reads), or what is wrong, in words.
pub fn parse_jump(
    kind: &str,
    value: &str,
    parse_date: impl Fn(&str) -> Option<i64>,
) -> Result<Position, String> {
    let value = value.trim();
    match kind {
        "offset" => value
            .parse::<u64>()
            .map(|o| Position::Offset(Offset(o)))
            .map_err(|_| format!("'{value}' is not an offset (a whole number from 0)")),
        "sequence" => SequenceNumber::parse(value)
            .map(Position::AtSequenceNumber)
            .ok_or_else(|| format!("'{value}' is not a sequence number (a decimal integer)")),
        "timestamp" => match parse_position("timestamp", value, parse_date)? {
            WirePosition::Timestamp(ms) => Ok(Position::Timestamp(Timestamp(ms))),
            _ => Err(format!("'{value}' is not a time")),
        },
        other => Err(format!("unknown jump '{other}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_dates(_: &str) -> Option<i64> {
        None
    }

    #[test]
    fn a_jump_is_an_offset_a_sequence_number_or_a_time() {
        assert_eq!(
            parse_jump("offset", " 12 ", no_dates),
            Ok(Position::Offset(Offset(12)))
        );
        assert_eq!(
            parse_jump(
                "sequence",
                "49590338271490256608559692538361571095",
                no_dates
            ),
            Ok(Position::AtSequenceNumber(SequenceNumber(
                49590338271490256608559692538361571095
            )))
        );
        assert_eq!(
            parse_jump("timestamp", "today", |d| (d == "today")
                .then_some(86_400_000)),
            Ok(Position::Timestamp(Timestamp(86_400_000)))
        );
    }

    #[test]
    fn a_bad_jump_says_what_is_wrong() {
        assert_eq!(
            parse_jump("offset", "-3", no_dates),
            Err("'-3' is not an offset (a whole number from 0)".into())
        );
        assert_eq!(
            parse_jump("sequence", "x1", no_dates),
            Err("'x1' is not a sequence number (a decimal integer)".into())
        );
        assert_eq!(
            parse_jump("sideways", "1", no_dates),
            Err("unknown jump 'sideways'".into())
        );
        assert!(parse_jump("timestamp", "later", no_dates).is_err());
    }
}
