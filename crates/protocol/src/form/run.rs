//! The producer-run form: keys, a value template, a rate and batching, read into a [`RunSpec`].

use streamlab_log::Mode;
use streamlab_workload::{Pacer, ValueTemplate};

use super::produce::MAX_PRODUCE_COUNT;
use crate::{RunSpec, WireKeyPattern};

/// The highest rate the run form's slider offers, in records per second.
pub const MAX_RUN_RATE: u32 = 5_000;

/// What the producer-run form holds, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunForm {
    /// `none`, `fixed`, `sequential` or `random`.
    pub pattern: String,
    /// The fixed key, the prefix, or the keys to pick from (comma-separated).
    pub keys: String,
    /// The value template.
    pub template: String,
    /// Records per second.
    pub rate: String,
    /// As fast as the store takes records (the rate is ignored).
    pub unlimited: bool,
    /// Records per batch.
    pub batch_size: String,
    /// Linger in ms.
    pub linger_ms: String,
}

impl RunForm {
    /// The run the form describes for a topic whose rules are `mode`'s, or what is wrong with
    /// it, in words.
    pub fn spec(&self, mode: Mode) -> Result<RunSpec, String> {
        let number = |text: &str, what: &str, max: u32| -> Result<u32, String> {
            match text.trim().parse::<u32>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(format!("{what} must be a whole number from 0 to {max}")),
            }
        };
        let keys = self.keys.trim();
        let key = match self.pattern.as_str() {
            "none" => WireKeyPattern::None,
            "fixed" if !keys.is_empty() => WireKeyPattern::Fixed(keys.to_owned()),
            "sequential" => WireKeyPattern::Sequential(keys.to_owned()),
            "random" => WireKeyPattern::RandomFrom(
                keys.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            "fixed" => return Err("type the key every record gets".into()),
            other => return Err(format!("unknown key pattern '{other}'")),
        };
        key.to_pattern().validate(mode).map_err(|e| e.to_string())?;
        ValueTemplate::parse(&self.template).map_err(|e| e.to_string())?;
        let rate = if self.unlimited {
            None
        } else {
            Some(number(&self.rate, "the rate", MAX_RUN_RATE)?)
        };
        let batch_size = number(&self.batch_size, "the batch size", MAX_PRODUCE_COUNT)?;
        let linger_ms = number(&self.linger_ms, "the linger", 60_000)?;
        Pacer::validate(rate, batch_size).map_err(|e| e.to_string())?;
        Ok(RunSpec {
            key,
            value_template: self.template.clone(),
            rate,
            batch_size,
            linger_ms,
            limit: None,
        })
    }

    /// A run's keys and values, in words.
    pub fn summary(spec: &RunSpec) -> String {
        let keys = match &spec.key {
            WireKeyPattern::None => "no key".to_owned(),
            WireKeyPattern::Fixed(k) => format!("key {k}"),
            WireKeyPattern::Sequential(p) => format!("keys {p}0, {p}1, …"),
            WireKeyPattern::RandomFrom(keys) => format!("keys at random from {}", keys.join(", ")),
        };
        format!(
            "{keys} · value {} · batches of {} · linger {} ms",
            spec.value_template, spec.batch_size, spec.linger_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pattern: &str, keys: &str, rate: &str) -> RunForm {
        RunForm {
            pattern: pattern.into(),
            keys: keys.into(),
            template: "order-${n}".into(),
            rate: rate.into(),
            unlimited: false,
            batch_size: "10".into(),
            linger_ms: "5".into(),
        }
    }

    #[test]
    fn a_run_is_its_keys_template_rate_and_batching() {
        let spec = form("random", "a, b,,c", "100").spec(Mode::Kafka).unwrap();
        assert_eq!(
            spec.key,
            WireKeyPattern::RandomFrom(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(
            (spec.rate, spec.batch_size, spec.linger_ms),
            (Some(100), 10, 5)
        );
        assert_eq!(
            RunForm::summary(&spec),
            "keys at random from a, b, c · value order-${n} · batches of 10 · linger 5 ms"
        );
        let unlimited = RunForm {
            unlimited: true,
            rate: "not read".into(),
            ..form("sequential", "user-", "")
        };
        let spec = unlimited.spec(Mode::Kafka).unwrap();
        assert_eq!(spec.rate, None);
        assert_eq!(
            RunForm::summary(&spec).split(" · ").next(),
            Some("keys user-0, user-1, …")
        );
    }

    #[test]
    fn a_bad_run_says_what_is_wrong() {
        let err = |f: RunForm, mode| f.spec(mode).unwrap_err();
        assert_eq!(
            err(form("fixed", " ", "10"), Mode::Kafka),
            "type the key every record gets"
        );
        assert_eq!(
            err(form("zigzag", "", "10"), Mode::Kafka),
            "unknown key pattern 'zigzag'"
        );
        assert_eq!(
            err(form("none", "", "5001"), Mode::Kafka),
            "the rate must be a whole number from 0 to 5000"
        );
        // Kinesis needs a partition key on every record.
        assert!(form("none", "", "10").spec(Mode::Kinesis).is_err());
        let mut template = form("none", "", "10");
        template.template = "${nope}".into();
        assert!(template.spec(Mode::Kafka).is_err());
    }
}
