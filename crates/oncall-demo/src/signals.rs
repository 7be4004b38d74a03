//! Building blocks for synthetic metrics: deterministic noise, a daily traffic curve,
//! incident ramps and the latency distribution behind the histograms. Everything is a pure
//! function of its inputs (times in Unix seconds), so a value never changes between reads.

use std::f64::consts::PI;

/// SplitMix64: a fast, well-mixed 64-bit hash, enough for noise.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A stable 64-bit key for a string (FNV-1a), used to give each series its own noise.
pub fn key_of(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Uniform noise in [-1, 1] for lattice point `k` of stream `key`.
pub fn unit(key: u64, k: i64) -> f64 {
    let h = mix(key ^ mix(k as u64));
    (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// Noise that wanders smoothly: values on a lattice of `period` seconds, eased in between.
pub fn smooth(key: u64, t: f64, period: f64) -> f64 {
    let x = t / period;
    let k = x.floor();
    let f = x - k;
    let ease = f * f * (3.0 - 2.0 * f);
    let a = unit(key, k as i64);
    let b = unit(key, k as i64 + 1);
    a + (b - a) * ease
}

/// Two octaves of smooth noise (about 10 and 2 minutes): the minute-scale wobble of real
/// traffic. Returns roughly [-1, 1].
pub fn wobble(key: u64, t: f64) -> f64 {
    0.7 * smooth(key, t, 600.0) + 0.3 * smooth(key.rotate_left(17), t, 120.0)
}

/// Daily traffic shape: 1 at `peak_hour` UTC, `1 - depth` twelve hours away.
pub fn diurnal(t: f64, peak_hour: f64, depth: f64) -> f64 {
    let hour = t.rem_euclid(86_400.0) / 3600.0;
    let phase = 2.0 * PI * (hour - peak_hour) / 24.0;
    1.0 - depth * (1.0 - phase.cos()) / 2.0
}

/// 0 before `from`, 1 after `to`, eased in between.
pub fn ramp(t: f64, from: f64, to: f64) -> f64 {
    if t <= from {
        0.0
    } else if t >= to {
        1.0
    } else {
        let f = (t - from) / (to - from);
        f * f * (3.0 - 2.0 * f)
    }
}

/// 1 inside `[from, to]` with eased edges of `edge` seconds, 0 outside: a burst.
pub fn pulse(t: f64, from: f64, to: f64, edge: f64) -> f64 {
    ramp(t, from - edge, from) * (1.0 - ramp(t, to, to + edge))
}

/// Linear interpolation from `a` to `b` by `f` in [0, 1].
pub fn lerp(a: f64, b: f64, f: f64) -> f64 {
    a + (b - a) * f
}

/// Standard normal CDF (Abramowitz & Stegun 7.1.26 for erfc; error below 1.5e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-x * x).exp();
    if z >= 0.0 {
        1.0 - erfc / 2.0
    } else {
        erfc / 2.0
    }
}

/// A log-normal latency distribution: half of the requests are faster than `median`
/// seconds; `sigma` is the spread of `ln(latency)`.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub median: f64,
    pub sigma: f64,
}

impl Latency {
    /// Share of requests at or below `le` seconds.
    pub fn share_below(&self, le: f64) -> f64 {
        if le.is_infinite() {
            return 1.0;
        }
        if le <= 0.0 {
            return 0.0;
        }
        normal_cdf((le.ln() - self.median.ln()) / self.sigma)
    }

    pub fn mean(&self) -> f64 {
        self.median * (self.sigma * self.sigma / 2.0).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_deterministic_and_bounded() {
        for k in 0..1000 {
            let u = unit(42, k);
            assert!((-1.0..=1.0).contains(&u));
            assert_eq!(u, unit(42, k));
        }
        assert_ne!(unit(1, 5), unit(2, 5));
        let w = wobble(7, 1_700_000_123.0);
        assert!((-1.0..=1.0).contains(&w));
    }

    #[test]
    fn curves_have_their_shape() {
        assert!((diurnal(15.0 * 3600.0, 15.0, 0.6) - 1.0).abs() < 1e-9);
        assert!((diurnal(3.0 * 3600.0, 15.0, 0.6) - 0.4).abs() < 1e-9);
        assert_eq!(ramp(0.0, 10.0, 20.0), 0.0);
        assert_eq!(ramp(25.0, 10.0, 20.0), 1.0);
        assert!((ramp(15.0, 10.0, 20.0) - 0.5).abs() < 1e-9);
        assert_eq!(pulse(50.0, 10.0, 20.0, 5.0), 0.0);
        assert_eq!(pulse(15.0, 10.0, 20.0, 5.0), 1.0);
    }

    #[test]
    fn latency_distribution_is_calibrated() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.644_854) - 0.95).abs() < 1e-5);
        let l = Latency {
            median: 0.1,
            sigma: 0.5,
        };
        assert!((l.share_below(0.1) - 0.5).abs() < 1e-6);
        assert_eq!(l.share_below(f64::INFINITY), 1.0);
        assert!(l.share_below(0.05) < l.share_below(0.2));
    }
}
