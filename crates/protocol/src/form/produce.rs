//! The produce form: a key, a value, a count, headers and an explicit target, read into the
//! records the producer worker is sent.

use streamlab_log::{HashKey, Mode};

use crate::{WireRecord, WireTarget};

/// The most records one click may produce.
pub const MAX_PRODUCE_COUNT: u32 = 10_000;

/// What the produce form holds, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProduceForm {
    /// The key; empty for none.
    pub key: String,
    /// The value.
    pub value: String,
    /// How many copies to send, 1 to [`MAX_PRODUCE_COUNT`].
    pub count: String,
    /// `name=value` pairs separated by commas.
    pub headers: String,
    /// An explicit partition (Kafka) or hash key (Kinesis); empty routes by key.
    pub target: String,
}

impl ProduceForm {
    /// The records the form describes for a topic whose rules are `mode`'s, or what is wrong.
    pub fn records(&self, mode: Mode) -> Result<Vec<WireRecord>, String> {
        let headers = parse_headers(&self.headers)?;
        let target = parse_target(&self.target, mode)?;
        let count = match self.count.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_PRODUCE_COUNT).contains(&n) => n,
            _ => {
                return Err(format!(
                    "the count must be a whole number from 1 to {MAX_PRODUCE_COUNT}"
                ))
            }
        };
        let key = (!self.key.is_empty()).then(|| self.key.clone());
        Ok((0..count)
            .map(|_| WireRecord {
                key: key.clone(),
                value: self.value.clone(),
                headers: headers.clone(),
                target: target.clone(),
                ..WireRecord::default()
            })
            .collect())
    }
}

/// Headers typed as `name=value` pairs separated by commas (empty: none).
pub fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_owned(), value.trim().to_owned()))
            }
            _ => Err(format!("header '{pair}' is not name=value")),
        })
        .collect()
}

/// An explicit partition (Kafka) or explicit hash key (Kinesis), or by key when empty.
pub fn parse_target(text: &str, mode: Mode) -> Result<WireTarget, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(WireTarget::ByKey);
    }
    match mode {
        Mode::Kafka => text
            .parse::<u32>()
            .map(WireTarget::Partition)
            .map_err(|_| format!("'{text}' is not a partition number")),
        Mode::Kinesis => HashKey::parse(text)
            .map(|h| WireTarget::ExplicitHashKey(h.0))
            .map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(count: &str, headers: &str, target: &str) -> ProduceForm {
        ProduceForm {
            key: "customer-42".into(),
            value: "{\"amount\": 12}".into(),
            count: count.into(),
            headers: headers.into(),
            target: target.into(),
        }
    }

    #[test]
    fn the_form_is_count_copies_of_one_record() {
        let records = form(" 3 ", "trace=abc, source = web ,", "2")
            .records(Mode::Kafka)
            .unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].key.as_deref(), Some("customer-42"));
        assert_eq!(
            records[2].headers,
            [
                ("trace".into(), "abc".into()),
                ("source".into(), "web".into())
            ]
        );
        assert_eq!(records[1].target, WireTarget::Partition(2));
        let keyless = ProduceForm {
            count: "1".into(),
            ..ProduceForm::default()
        };
        let one = keyless.records(Mode::Kafka).unwrap();
        assert_eq!(
            (one[0].key.clone(), one[0].target.clone()),
            (None, WireTarget::ByKey)
        );
    }

    #[test]
    fn a_kinesis_target_is_a_hash_key_and_bad_input_says_what_is_wrong() {
        let records = form("1", "", "340282366920938463463374607431768211455")
            .records(Mode::Kinesis)
            .unwrap();
        assert_eq!(records[0].target, WireTarget::ExplicitHashKey(u128::MAX));
        let err = |f: ProduceForm, mode| f.records(mode).unwrap_err();
        assert_eq!(
            err(form("0", "", ""), Mode::Kafka),
            "the count must be a whole number from 1 to 10000"
        );
        assert_eq!(
            err(form("10001", "", ""), Mode::Kafka),
            "the count must be a whole number from 1 to 10000"
        );
        assert_eq!(
            err(form("1", "trace", ""), Mode::Kafka),
            "header 'trace' is not name=value"
        );
        assert_eq!(
            err(form("1", "=x", ""), Mode::Kafka),
            "header '=x' is not name=value"
        );
        assert_eq!(
            err(form("1", "", "p1"), Mode::Kafka),
            "'p1' is not a partition number"
        );
        assert!(form("1", "", "-1").records(Mode::Kinesis).is_err());
    }
}
