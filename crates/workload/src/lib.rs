//! What a running producer sends and when: its key pattern, its value template, and its pacing
//! (a rate in records per second, a batch size and a linger, as a Kafka producer's
//! `batch.size` and `linger.ms`).
//!
//! ```
//! use streamlab_workload::{KeyPattern, Pace, Pacer, ValueTemplate};
//!
//! let keys = KeyPattern::RandomFrom(vec!["alice".into(), "bob".into()]);
//! assert_eq!(keys.key(7, 1).as_deref(), Some("bob"));
//! let values = ValueTemplate::parse(r#"{"n":${n},"user":"${key}"}"#).unwrap();
//! assert_eq!(values.render(7, Some("bob"), 0), r#"{"n":7,"user":"bob"}"#);
//!
//! // 100 records/s in batches of 10, waiting at most 50 ms for a batch to fill.
//! let mut pacer = Pacer::new(Some(100), 10, 50, 0.0);
//! assert_eq!(pacer.next(0.0), Pace::Wait(50.0)); // record 0 is due; it may linger 50 ms
//! assert_eq!(pacer.next(60.0), Pace::Send(7)); // the linger ran out with records 0..=6 due
//! pacer.sent(7);
//! assert_eq!(pacer.next(160.0), Pace::Send(10)); // a full batch is due
//! ```
#![deny(clippy::unwrap_used, clippy::expect_used)]

/// How a running producer picks each record's key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyPattern {
    /// No key: Kafka spreads records round-robin (Kinesis needs a key).
    None,
    /// The same key every time.
    Fixed(String),
    /// `<prefix><n>`: every record its own key.
    Sequential(String),
    /// One of these keys, picked at random.
    RandomFrom(Vec<String>),
}

/// Why a workload cannot run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkloadError {
    /// A random-key pattern with no keys to pick from.
    #[error("give at least one key to pick from")]
    NoKeys,
    /// No key, for a Kinesis stream, whose records are routed by their partition key.
    #[error("a Kinesis stream needs a partition key: pick a key pattern")]
    KeylessStream,
    /// A template with an unknown placeholder.
    #[error(
        "unknown placeholder '${{{0}}}' in the value template; use ${{n}}, ${{key}} or ${{ts}}"
    )]
    UnknownPlaceholder(String),
    /// A template with a `{` that is never closed.
    #[error("the value template has a '${{' that is never closed")]
    UnclosedPlaceholder,
    /// A batch size of zero.
    #[error("the batch size must be at least 1")]
    EmptyBatch,
    /// A rate of zero records per second.
    #[error("the rate must be at least 1 record per second (or unlimited)")]
    ZeroRate,
}

impl KeyPattern {
    /// Checks that the pattern can produce keys a topic in `mode` takes.
    pub fn validate(&self, mode: streamlab_log::Mode) -> Result<(), WorkloadError> {
        match self {
            KeyPattern::RandomFrom(keys) if keys.is_empty() => Err(WorkloadError::NoKeys),
            KeyPattern::None if mode == streamlab_log::Mode::Kinesis => {
                Err(WorkloadError::KeylessStream)
            }
            _ => Ok(()),
        }
    }

    /// The key of record `n`; `pick` chooses among random keys (any number: it is reduced
    /// modulo the number of keys).
    pub fn key(&self, n: u64, pick: u64) -> Option<String> {
        match self {
            KeyPattern::None => None,
            KeyPattern::Fixed(key) => Some(key.clone()),
            KeyPattern::Sequential(prefix) => Some(format!("{prefix}{n}")),
            KeyPattern::RandomFrom(keys) => {
                let len = keys.len() as u64;
                (len > 0).then(|| keys[(pick % len) as usize].clone())
            }
        }
    }
}

/// One piece of a value template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// The record's number in the run, from 0.
    Number,
    /// The record's key ("" without one).
    Key,
    /// The time the record was made, in milliseconds since 1970.
    Time,
}

/// A record value with placeholders: `${n}` (the record's number in the run, from 0), `${key}`
/// and `${ts}` (milliseconds since 1970). Braces alone are text, so JSON needs no escaping; `$$`
/// is a literal `$`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueTemplate(Vec<Piece>);

impl ValueTemplate {
    /// Parses a template, naming any placeholder it does not know.
    pub fn parse(template: &str) -> Result<ValueTemplate, WorkloadError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('$', Some('$')) => {
                    chars.next();
                    text.push('$');
                }
                ('$', Some('{')) => {
                    chars.next();
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => return Err(WorkloadError::UnclosedPlaceholder),
                        }
                    }
                    let piece = match name.as_str() {
                        "n" => Piece::Number,
                        "key" => Piece::Key,
                        "ts" => Piece::Time,
                        _ => return Err(WorkloadError::UnknownPlaceholder(name)),
                    };
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(piece);
                }
                (c, _) => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(ValueTemplate(pieces))
    }

    /// The value of record `n` with `key`, made at `time_ms`.
    pub fn render(&self, n: u64, key: Option<&str>, time_ms: i64) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Number => out.push_str(&n.to_string()),
                Piece::Key => out.push_str(key.unwrap_or_default()),
                Piece::Time => out.push_str(&time_ms.to_string()),
            }
        }
        out
    }
}

/// What a producer should do now.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// Send this many records now.
    Send(u32),
    /// Nothing to send yet; ask again in this many milliseconds.
    Wait(f64),
}

/// Decides when a running producer sends and how many records: at most `rate` records per
/// second (unlimited: as fast as the store takes them), `batch_size` at a time, and a partial
/// batch once its first record has waited `linger_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pacer {
    rate: Option<u32>,
    batch_size: u32,
    linger_ms: u32,
    /// When record 0 was due, moved forward by pauses.
    start_ms: f64,
    sent: u64,
}

impl Pacer {
    /// A pacer starting at `now_ms`. A zero batch size counts as 1 and a zero rate as 1 record
    /// per second (see [`Pacer::validate`] to refuse them instead).
    pub fn new(rate: Option<u32>, batch_size: u32, linger_ms: u32, now_ms: f64) -> Pacer {
        Pacer {
            rate: rate.map(|r| r.max(1)),
            batch_size: batch_size.max(1),
            linger_ms,
            start_ms: now_ms,
            sent: 0,
        }
    }

    /// Refuses settings a producer cannot run with.
    pub fn validate(rate: Option<u32>, batch_size: u32) -> Result<(), WorkloadError> {
        if batch_size == 0 {
            return Err(WorkloadError::EmptyBatch);
        }
        if rate == Some(0) {
            return Err(WorkloadError::ZeroRate);
        }
        Ok(())
    }

    /// Records sent so far.
    pub fn sent_count(&self) -> u64 {
        self.sent
    }

    /// When record `k` (from 0) is due.
    fn due_at(&self, rate: u32, k: u64) -> f64 {
        self.start_ms + k as f64 * 1000.0 / f64::from(rate)
    }

    /// What to do at `now_ms`.
    pub fn next(&self, now_ms: f64) -> Pace {
        let Some(rate) = self.rate else {
            return Pace::Send(self.batch_size);
        };
        let elapsed = (now_ms - self.start_ms).max(0.0);
        // Records 0..=floor(elapsed · rate) are due by now.
        let due_total = (elapsed * f64::from(rate) / 1000.0).floor() as u64 + 1;
        let due = due_total.saturating_sub(self.sent);
        let batch = u64::from(self.batch_size);
        if due >= batch {
            return Pace::Send(self.batch_size);
        }
        let first_due = self.due_at(rate, self.sent);
        let linger_ends = first_due + f64::from(self.linger_ms);
        if due > 0 && now_ms >= linger_ends {
            return Pace::Send(due as u32);
        }
        // Wait until the batch is full or the first waiting record's linger runs out.
        let full_at = self.due_at(rate, self.sent + batch - 1);
        Pace::Wait((full_at.min(linger_ends) - now_ms).max(1.0))
    }

    /// Counts `n` records as sent.
    pub fn sent(&mut self, n: u32) {
        self.sent += u64::from(n);
    }

    /// Changes the rate at `now_ms` (`None`: unlimited). Records already sent stay sent; the
    /// next one is due now, and the new rate counts from here.
    pub fn set_rate(&mut self, rate: Option<u32>, now_ms: f64) {
        self.rate = rate.map(|r| r.max(1));
        if let Some(rate) = self.rate {
            self.start_ms = now_ms - self.sent as f64 * 1000.0 / f64::from(rate);
        }
    }

    /// Resumes after a pause that began at `paused_at_ms`: the pause does not count, so the
    /// producer does not burst to catch up.
    pub fn resume(&mut self, paused_at_ms: f64, now_ms: f64) {
        self.start_ms += (now_ms - paused_at_ms).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use streamlab_log::Mode;

    #[test]
    fn key_patterns() {
        assert_eq!(KeyPattern::None.key(3, 0), None);
        assert_eq!(
            KeyPattern::Fixed("k".into()).key(3, 9).as_deref(),
            Some("k")
        );
        assert_eq!(
            KeyPattern::Sequential("user-".into()).key(42, 0).as_deref(),
            Some("user-42")
        );
        assert_eq!(
            KeyPattern::RandomFrom(vec![]).validate(Mode::Kafka),
            Err(WorkloadError::NoKeys)
        );
        assert_eq!(KeyPattern::None.validate(Mode::Kafka), Ok(()));
        assert_eq!(
            KeyPattern::None.validate(Mode::Kinesis),
            Err(WorkloadError::KeylessStream)
        );
        assert_eq!(KeyPattern::RandomFrom(vec![]).key(0, 0), None);
    }

    #[test]
    fn templates_fill_placeholders_and_name_bad_ones() {
        let t = ValueTemplate::parse("{\"n\":${n}} ${key}@${ts} $$5").expect("valid");
        assert_eq!(t.render(5, Some("a"), 1000), "{\"n\":5} a@1000 $5");
        assert_eq!(t.render(5, None, 1), "{\"n\":5} @1 $5");
        let unknown = ValueTemplate::parse("x${nope}").expect_err("refused");
        assert_eq!(unknown, WorkloadError::UnknownPlaceholder("nope".into()));
        assert_eq!(
            unknown.to_string(),
            "unknown placeholder '${nope}' in the value template; use ${n}, ${key} or ${ts}"
        );
        assert_eq!(
            ValueTemplate::parse("x${n"),
            Err(WorkloadError::UnclosedPlaceholder)
        );
        assert_eq!(
            ValueTemplate::parse("plain")
                .expect("valid")
                .render(0, None, 0),
            "plain"
        );
    }

    #[test]
    fn unlimited_rate_sends_full_batches() {
        let p = Pacer::new(None, 500, 10, 0.0);
        assert_eq!(p.next(0.0), Pace::Send(500));
    }

    #[test]
    fn a_pause_does_not_cause_a_burst() {
        let mut p = Pacer::new(Some(10), 1, 0, 0.0);
        assert_eq!(p.next(0.0), Pace::Send(1));
        p.sent(1);
        // Paused from 50 ms to 10 s: on resume the next record is due 100 ms after the first.
        p.resume(50.0, 10_000.0);
        assert_eq!(p.next(10_000.0), Pace::Wait(50.0));
        assert_eq!(p.next(10_050.0), Pace::Send(1));
    }

    #[test]
    fn a_new_rate_counts_from_the_change() {
        let mut p = Pacer::new(Some(1), 1, 0, 0.0);
        p.sent(1);
        // At 1 record/s the next is due at 1 s; at 100/s from 200 ms on, one every 10 ms.
        assert_eq!(p.next(200.0), Pace::Wait(800.0));
        p.set_rate(Some(100), 200.0);
        assert_eq!(p.next(200.0), Pace::Send(1));
        p.sent(1);
        assert_eq!(p.next(205.0), Pace::Wait(5.0));
        p.set_rate(None, 205.0);
        assert_eq!(p.next(205.0), Pace::Send(1));
    }

    #[test]
    fn zero_settings_are_refused() {
        assert_eq!(Pacer::validate(Some(0), 1), Err(WorkloadError::ZeroRate));
        assert_eq!(Pacer::validate(None, 0), Err(WorkloadError::EmptyBatch));
        assert_eq!(Pacer::validate(Some(5), 5), Ok(()));
    }

    proptest! {
        /// Driven by its own answers, a pacer never gets ahead of its rate, never sends more
        /// than a batch, and keeps up: after any time, at most a batch (or what lingered) is due
        /// and unsent.
        #[test]
        fn a_pacer_keeps_its_rate(
            rate in 1u32..5_000,
            batch in 1u32..1_000,
            linger in 0u32..200,
            horizon in 100.0f64..5_000.0,
        ) {
            let mut pacer = Pacer::new(Some(rate), batch, linger, 0.0);
            let mut now = 0.0;
            while now < horizon {
                match pacer.next(now) {
                    Pace::Send(n) => {
                        prop_assert!(n >= 1 && n <= batch);
                        pacer.sent(n);
                        let allowed = (now * f64::from(rate) / 1000.0).floor() as u64 + 1;
                        prop_assert!(pacer.sent_count() <= allowed, "ahead of the rate at {now} ms");
                    }
                    Pace::Wait(ms) => {
                        prop_assert!(ms >= 1.0);
                        now += ms;
                    }
                }
            }
            let due = (horizon * f64::from(rate) / 1000.0).floor() as u64 + 1;
            let lag = due.saturating_sub(pacer.sent_count());
            let lingering = (f64::from(linger) * f64::from(rate) / 1000.0).ceil() as u64 + 1;
            prop_assert!(lag <= u64::from(batch).max(lingering) + 1, "fell behind by {lag}");
        }
    }
}
