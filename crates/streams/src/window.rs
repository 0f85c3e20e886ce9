//! Which windows a record belongs to, and when a window closes (Kafka Streams' rules).

use crate::ast::{WindowKind, WindowSpec};

/// Kafka Streams' default retention, from which ksqlDB derives a window's default grace.
const DEFAULT_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

/// A window's bounds in ms: `[start, end)` for time windows; for sessions `end` is the last
/// record's timestamp.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct WindowBounds {
    /// The window's start.
    pub start: i64,
    /// The window's end.
    pub end: i64,
}

/// The grace period of a window: `GRACE PERIOD` if given, else 24 h minus the window's size
/// (or gap), never below 0.
pub fn grace_ms(spec: &WindowSpec) -> i64 {
    spec.grace_ms.unwrap_or_else(|| {
        let size = match spec.kind {
            WindowKind::Tumbling { size_ms } | WindowKind::Hopping { size_ms, .. } => size_ms,
            WindowKind::Session { gap_ms } => gap_ms,
        };
        (DEFAULT_RETENTION_MS - size).max(0)
    })
}

/// The time windows (tumbling or hopping) holding timestamp `ts`, oldest first.
pub fn time_windows(size_ms: i64, advance_ms: i64, ts: i64) -> Vec<WindowBounds> {
    let mut start = (ts - size_ms + advance_ms).max(0) / advance_ms * advance_ms;
    let mut windows = Vec::new();
    while start <= ts {
        windows.push(WindowBounds {
            start,
            end: start + size_ms,
        });
        start += advance_ms;
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_lands_in_every_hopping_window_covering_it() {
        let w = time_windows(30_000, 10_000, 25_000);
        let starts: Vec<i64> = w.iter().map(|w| w.start).collect();
        assert_eq!(starts, vec![0, 10_000, 20_000]);
        assert_eq!(
            time_windows(30_000, 30_000, 59_999),
            vec![WindowBounds {
                start: 30_000,
                end: 60_000
            }]
        );
    }

    #[test]
    fn default_grace_is_a_day_minus_the_size() {
        let spec = WindowSpec {
            kind: WindowKind::Tumbling { size_ms: 60_000 },
            retention_ms: None,
            grace_ms: None,
        };
        assert_eq!(grace_ms(&spec), 86_400_000 - 60_000);
    }
}
