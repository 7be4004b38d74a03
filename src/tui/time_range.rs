//! The time range a dashboard shows: a span, ending now (live) or at a fixed time after the
//! user panned back. Zoom and pan are plain arithmetic on these two numbers.

use std::time::Duration;

use crate::duration::format_duration;

/// Shortest range zoom goes to: below this a 15 s scrape gives too few points to read.
pub const MIN_SPAN_MS: i64 = 5 * 60_000;
/// Longest range zoom goes to.
pub const MAX_SPAN_MS: i64 = 90 * 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeEnd {
    /// The range ends now and follows the clock.
    Live,
    /// The range ends at this Unix time (ms); refreshes do not move it.
    At(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub span_ms: i64,
    pub end: RangeEnd,
}

impl TimeRange {
    pub fn live(span: Duration) -> TimeRange {
        TimeRange {
            span_ms: clamp_span(i64::try_from(span.as_millis()).unwrap_or(MAX_SPAN_MS)),
            end: RangeEnd::Live,
        }
    }

    pub fn is_live(&self) -> bool {
        self.end == RangeEnd::Live
    }

    pub fn span(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.span_ms).unwrap_or(0))
    }

    /// Where the range ends at `now_ms`.
    pub fn end_ms(&self, now_ms: i64) -> i64 {
        match self.end {
            RangeEnd::Live => now_ms,
            RangeEnd::At(t) => t.min(now_ms),
        }
    }

    /// Half the span, keeping the end (live stays live).
    pub fn zoom_in(&self, now_ms: i64) -> TimeRange {
        self.with_span(self.span_ms / 2, now_ms)
    }

    /// Double the span, keeping the end.
    pub fn zoom_out(&self, now_ms: i64) -> TimeRange {
        self.with_span(self.span_ms.saturating_mul(2), now_ms)
    }

    /// A new span with the same end.
    pub fn with_span(&self, span_ms: i64, now_ms: i64) -> TimeRange {
        let span_ms = clamp_span(span_ms);
        match self.end {
            RangeEnd::Live => TimeRange {
                span_ms,
                end: RangeEnd::Live,
            },
            RangeEnd::At(t) => TimeRange {
                span_ms,
                end: RangeEnd::At(t.min(now_ms)),
            },
        }
    }

    /// Move back by half the span; the range stops following the clock.
    pub fn pan_back(&self, now_ms: i64) -> TimeRange {
        TimeRange {
            span_ms: self.span_ms,
            end: RangeEnd::At(self.end_ms(now_ms) - self.span_ms / 2),
        }
    }

    /// Move forward by half the span; reaching now makes the range live again.
    pub fn pan_forward(&self, now_ms: i64) -> TimeRange {
        match self.end {
            RangeEnd::Live => *self,
            RangeEnd::At(t) => {
                let end = t + self.span_ms / 2;
                TimeRange {
                    span_ms: self.span_ms,
                    end: if end >= now_ms {
                        RangeEnd::Live
                    } else {
                        RangeEnd::At(end)
                    },
                }
            }
        }
    }

    pub fn to_live(&self) -> TimeRange {
        TimeRange {
            span_ms: self.span_ms,
            end: RangeEnd::Live,
        }
    }

    /// `6h`, with `ending 12:00` left to the caller, which knows the time zone.
    pub fn span_label(&self) -> String {
        format_duration(self.span())
    }
}

fn clamp_span(ms: i64) -> i64 {
    ms.clamp(MIN_SPAN_MS, MAX_SPAN_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;
    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn zoom_halves_and_doubles_within_bounds() {
        let r = TimeRange::live(Duration::from_secs(3600));
        assert_eq!(r.zoom_in(NOW).span_ms, H / 2);
        assert_eq!(r.zoom_out(NOW).span_ms, 2 * H);
        assert!(r.zoom_in(NOW).is_live());
        let mut tiny = r;
        for _ in 0..20 {
            tiny = tiny.zoom_in(NOW);
        }
        assert_eq!(tiny.span_ms, MIN_SPAN_MS);
        let mut huge = r;
        for _ in 0..20 {
            huge = huge.zoom_out(NOW);
        }
        assert_eq!(huge.span_ms, MAX_SPAN_MS);
    }

    #[test]
    fn pan_leaves_live_and_returns_at_now() {
        let r = TimeRange::live(Duration::from_secs(3600));
        let back = r.pan_back(NOW);
        assert_eq!(back.end, RangeEnd::At(NOW - H / 2));
        let back2 = back.pan_back(NOW);
        assert_eq!(back2.end_ms(NOW), NOW - H);
        assert_eq!(back2.pan_forward(NOW).end, RangeEnd::At(NOW - H / 2));
        assert!(back2.pan_forward(NOW).pan_forward(NOW).is_live());
        assert!(back2.to_live().is_live());
        // Zooming while panned keeps the end.
        assert_eq!(back.zoom_out(NOW).end, RangeEnd::At(NOW - H / 2));
    }
}
