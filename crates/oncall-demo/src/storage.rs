//! The scenario as PromQL storage: samples on each target's 15 s scrape grid, gaps while a
//! target is down, nothing after "now". Counters answer `rate`/`increase`/`irate` from their
//! rate function directly, so a one-day window costs the same as a one-minute one.

use super::promql::{counter_fn, CounterFn, LabelMatcher, MatchOp, SeriesRef, Storage};
use super::scenario::{Kind, Scenario, SeriesDef, Target, SCRAPE_MS};
use super::signals::unit;

/// Prometheus's default lookback: an instant selector sees samples up to 5 minutes old.
const LOOKBACK_MS: i64 = 300_000;

/// Windows with more scrapes than this are thinned evenly (long `*_over_time` windows).
const MAX_WINDOW_SAMPLES: i64 = 2_000;

/// Per-scrape counter noise, relative: what makes short-window rates jitter.
const COUNTER_JITTER: f64 = 0.25;

/// The scenario seen at one moment: samples exist up to `now` only.
pub struct View<'a> {
    pub scenario: &'a Scenario,
    pub now: i64,
}

impl View<'_> {
    fn parts(&self, s: &SeriesRef) -> (&SeriesDef, &Target) {
        let def = &self.scenario.series[s.id];
        (def, &self.scenario.targets[def.target])
    }

    /// The scrape indexes in `(from, to]` at which the series has a sample.
    fn scrapes(&self, def: &SeriesDef, target: &Target, from: i64, to: i64) -> Option<(i64, i64)> {
        let to = to.min(self.now).min(def.exists.1);
        let from = from.max(def.exists.0.saturating_sub(1));
        let lo = (from - target.phase).div_euclid(SCRAPE_MS) + 1;
        let mut hi = (to - target.phase).div_euclid(SCRAPE_MS);
        if !matches!(def.kind, Kind::Up) {
            if let Some(down) = target.down_from {
                // The last scrape strictly before the outage.
                hi = hi.min((down - 1 - target.phase).div_euclid(SCRAPE_MS));
            }
        }
        (lo <= hi).then_some((lo, hi))
    }

    fn value(&self, def: &SeriesDef, target: &Target, k: i64) -> f64 {
        let ts = k * SCRAPE_MS + target.phase;
        match &def.kind {
            Kind::Up => {
                if target.is_up(ts) {
                    1.0
                } else {
                    0.0
                }
            }
            Kind::Gauge {
                value,
                jitter,
                integer,
            } => {
                let v = value(ts as f64 / 1000.0) * (1.0 + jitter * unit(def.key, k));
                if *integer {
                    v.round()
                } else {
                    v
                }
            }
            Kind::Counter {
                level, noise_key, ..
            } => {
                // Plausible and strictly increasing: the noise term is smaller than a scrape's
                // worth of increase.
                let elapsed = (ts - target.started).max(0) as f64 / 1000.0;
                level * elapsed + level * 15.0 * 0.4 * unit(*noise_key, k)
            }
        }
    }
}

impl Storage for View<'_> {
    fn select(&self, matchers: &[LabelMatcher]) -> Vec<SeriesRef> {
        let by_name = matchers
            .iter()
            .find(|m| m.name == "__name__" && m.op == MatchOp::Equal);
        let all: Vec<usize>;
        let candidates: &[usize] = match by_name {
            Some(m) => self.scenario.named(&m.value).unwrap_or(&[]),
            None => {
                all = (0..self.scenario.series.len()).collect();
                &all
            }
        };
        candidates
            .iter()
            .filter(|&&i| {
                let labels = &self.scenario.series[i].labels;
                matchers
                    .iter()
                    .all(|m| m.matches(labels.get(&m.name).map(String::as_str).unwrap_or("")))
            })
            .map(|&i| SeriesRef {
                id: i,
                labels: self.scenario.series[i].labels.clone(),
            })
            .collect()
    }

    fn instant(&self, s: &SeriesRef, t: i64) -> Option<(i64, f64)> {
        let (def, target) = self.parts(s);
        let (_, hi) = self.scrapes(def, target, t - LOOKBACK_MS, t)?;
        let ts = hi * SCRAPE_MS + target.phase;
        // A target that went down leaves a staleness marker: no lookback past its last sample.
        if !matches!(def.kind, Kind::Up) && !target.is_up(t.min(self.now)) {
            return None;
        }
        Some((ts, self.value(def, target, hi)))
    }

    fn samples(&self, s: &SeriesRef, from: i64, to: i64) -> Vec<(i64, f64)> {
        let (def, target) = self.parts(s);
        let Some((lo, hi)) = self.scrapes(def, target, from, to) else {
            return Vec::new();
        };
        let count = hi - lo + 1;
        let stride = (count + MAX_WINDOW_SAMPLES - 1) / MAX_WINDOW_SAMPLES;
        let mut out = Vec::with_capacity((count / stride + 1) as usize);
        let mut k = hi;
        while k >= lo {
            out.push((k * SCRAPE_MS + target.phase, self.value(def, target, k)));
            k -= stride;
        }
        out.reverse();
        out
    }

    fn counter(&self, s: &SeriesRef, func: CounterFn, from: i64, to: i64) -> Option<f64> {
        let (def, target) = self.parts(s);
        let Kind::Counter {
            rate, noise_key, ..
        } = &def.kind
        else {
            return counter_fn(func, &self.samples(s, from, to), from, to);
        };
        let (lo, hi) = self.scrapes(def, target, from, to)?;
        if hi <= lo {
            return None;
        }
        let t1 = (lo * SCRAPE_MS + target.phase) as f64 / 1000.0;
        let t2 = (hi * SCRAPE_MS + target.phase) as f64 / 1000.0;
        if func == CounterFn::Irate {
            let jitter = COUNTER_JITTER * 0.6 * (unit(*noise_key, hi) - unit(*noise_key, hi - 1));
            return Some((rate(t2) * (1.0 + jitter)).max(0.0));
        }
        // The mean rate between the first and last sample, by the midpoint rule.
        let span = t2 - t1;
        let points = ((span / 75.0).ceil() as usize).clamp(1, 24);
        let mean = (0..points)
            .map(|i| rate(t1 + span * (i as f64 + 0.5) / points as f64))
            .sum::<f64>()
            / points as f64;
        let jitter = COUNTER_JITTER * (unit(*noise_key, hi) - unit(*noise_key, lo)) * 15.0 / span;
        let increase_sampled = (mean * (1.0 + jitter)).max(0.0) * span;
        // Extrapolate to the window edges as Prometheus does: fully when the samples reach
        // (almost) to the edge, by half a scrape interval when the series starts or stops.
        let threshold = 1.1 * SCRAPE_MS as f64 / 1000.0;
        let half = SCRAPE_MS as f64 / 2000.0;
        let to_start = t1 - from as f64 / 1000.0;
        let to_end = to as f64 / 1000.0 - t2;
        let interval = span
            + if to_start < threshold { to_start } else { half }
            + if to_end < threshold { to_end } else { half };
        let increase = increase_sampled * interval / span;
        Some(match func {
            CounterFn::Increase => increase,
            _ => increase / ((to - from) as f64 / 1000.0),
        })
    }
}
