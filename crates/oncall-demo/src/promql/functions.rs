//! The function table (names, argument types) and the numeric kernels behind the functions:
//! Prometheus's extrapolated rate, the `*_over_time` family, quantiles and
//! `histogram_quantile`.

use super::ast::{Expr, ValueType};

use ValueType::{Matrix as M, Scalar as S, String as Str, Vector as V};

#[derive(Debug, PartialEq, Eq)]
pub struct FunctionDef {
    pub name: &'static str,
    pub args: &'static [ValueType],
    /// 0: exactly `args`; n > 0: the last argument is optional up to n times; -1: unlimited.
    pub variadic: i32,
    pub ret: ValueType,
}

const fn f(
    name: &'static str,
    args: &'static [ValueType],
    variadic: i32,
    ret: ValueType,
) -> FunctionDef {
    FunctionDef {
        name,
        args,
        variadic,
        ret,
    }
}

static FUNCTIONS: &[FunctionDef] = &[
    f("abs", &[V], 0, V),
    f("absent", &[V], 0, V),
    f("absent_over_time", &[M], 0, V),
    f("acos", &[V], 0, V),
    f("acosh", &[V], 0, V),
    f("asin", &[V], 0, V),
    f("asinh", &[V], 0, V),
    f("atan", &[V], 0, V),
    f("atanh", &[V], 0, V),
    f("avg_over_time", &[M], 0, V),
    f("ceil", &[V], 0, V),
    f("changes", &[M], 0, V),
    f("clamp", &[V, S, S], 0, V),
    f("clamp_max", &[V, S], 0, V),
    f("clamp_min", &[V, S], 0, V),
    f("cos", &[V], 0, V),
    f("cosh", &[V], 0, V),
    f("count_over_time", &[M], 0, V),
    f("day_of_month", &[V], 1, V),
    f("day_of_week", &[V], 1, V),
    f("day_of_year", &[V], 1, V),
    f("days_in_month", &[V], 1, V),
    f("deg", &[V], 0, V),
    f("delta", &[M], 0, V),
    f("deriv", &[M], 0, V),
    f("exp", &[V], 0, V),
    f("floor", &[V], 0, V),
    f("histogram_quantile", &[S, V], 0, V),
    f("hour", &[V], 1, V),
    f("idelta", &[M], 0, V),
    f("increase", &[M], 0, V),
    f("irate", &[M], 0, V),
    f("label_join", &[V, Str, Str, Str], -1, V),
    f("label_replace", &[V, Str, Str, Str, Str], 0, V),
    f("last_over_time", &[M], 0, V),
    f("ln", &[V], 0, V),
    f("log10", &[V], 0, V),
    f("log2", &[V], 0, V),
    f("max_over_time", &[M], 0, V),
    f("min_over_time", &[M], 0, V),
    f("minute", &[V], 1, V),
    f("month", &[V], 1, V),
    f("pi", &[], 0, S),
    f("predict_linear", &[M, S], 0, V),
    f("present_over_time", &[M], 0, V),
    f("quantile_over_time", &[S, M], 0, V),
    f("rad", &[V], 0, V),
    f("rate", &[M], 0, V),
    f("resets", &[M], 0, V),
    f("round", &[V, S], 1, V),
    f("scalar", &[V], 0, S),
    f("sgn", &[V], 0, V),
    f("sin", &[V], 0, V),
    f("sinh", &[V], 0, V),
    f("sort", &[V], 0, V),
    f("sort_desc", &[V], 0, V),
    f("sqrt", &[V], 0, V),
    f("stddev_over_time", &[M], 0, V),
    f("stdvar_over_time", &[M], 0, V),
    f("sum_over_time", &[M], 0, V),
    f("tan", &[V], 0, V),
    f("tanh", &[V], 0, V),
    f("time", &[], 0, S),
    f("timestamp", &[V], 0, V),
    f("vector", &[S], 0, V),
    f("year", &[V], 1, V),
];

pub fn lookup(name: &str) -> Option<&'static FunctionDef> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Prometheus's argument count and type checks, with its wording.
pub fn check_args(func: &FunctionDef, args: &[Expr]) -> Result<(), String> {
    let declared = func.args.len();
    if func.variadic == 0 {
        if declared != args.len() {
            return Err(format!(
                "expected {declared} argument(s) in call to {:?}, got {}",
                func.name,
                args.len()
            ));
        }
    } else {
        let min = declared.saturating_sub(1);
        if args.len() < min {
            return Err(format!(
                "expected at least {min} argument(s) in call to {:?}, got {}",
                func.name,
                args.len()
            ));
        }
        if func.variadic > 0 {
            let max = min + func.variadic as usize;
            if args.len() > max {
                return Err(format!(
                    "expected at most {max} argument(s) in call to {:?}, got {}",
                    func.name,
                    args.len()
                ));
            }
        }
    }
    for (i, arg) in args.iter().enumerate() {
        let want = func.args[i.min(declared.saturating_sub(1))];
        let got = arg.value_type();
        if got != want {
            return Err(format!(
                "expected type {want} in call to function {:?}, got {got}",
                func.name
            ));
        }
    }
    Ok(())
}

/// The counter functions a storage may answer faster than from raw samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterFn {
    Rate,
    Increase,
    Irate,
}

/// `rate`, `increase`, `delta` over samples in `(from, to]` (ms), extrapolated to the window
/// edges exactly as Prometheus does (`extrapolatedRate` in promql/functions.go).
pub fn extrapolated_rate(
    samples: &[(i64, f64)],
    from: i64,
    to: i64,
    is_counter: bool,
    is_rate: bool,
) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let (first_t, first_v) = samples[0];
    let (last_t, last_v) = samples[samples.len() - 1];
    let mut result = last_v - first_v;
    if is_counter {
        for w in samples.windows(2) {
            if w[1].1 < w[0].1 {
                result += w[0].1;
            }
        }
    }
    let mut to_start = (first_t - from) as f64 / 1000.0;
    let to_end = (to - last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    if sampled <= 0.0 {
        return None;
    }
    let avg_between = sampled / (samples.len() - 1) as f64;
    if is_counter && result > 0.0 && first_v >= 0.0 {
        let to_zero = sampled * (first_v / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    let threshold = avg_between * 1.1;
    let mut interval = sampled;
    interval += if to_start < threshold {
        to_start
    } else {
        avg_between / 2.0
    };
    interval += if to_end < threshold {
        to_end
    } else {
        avg_between / 2.0
    };
    result *= interval / sampled;
    if is_rate {
        result /= (to - from) as f64 / 1000.0;
    }
    Some(result)
}

/// `irate` and `idelta`: the last two samples only.
pub fn instant_rate(samples: &[(i64, f64)], is_rate: bool) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let (pt, pv) = samples[samples.len() - 2];
    let (lt, lv) = samples[samples.len() - 1];
    let interval = (lt - pt) as f64 / 1000.0;
    if interval <= 0.0 {
        return None;
    }
    let mut v = lv - pv;
    if is_rate && lv < pv {
        // A counter reset: the new value is all that was counted since.
        v = lv;
    }
    Some(if is_rate { v / interval } else { v })
}

pub fn counter_fn(func: CounterFn, samples: &[(i64, f64)], from: i64, to: i64) -> Option<f64> {
    match func {
        CounterFn::Rate => extrapolated_rate(samples, from, to, true, true),
        CounterFn::Increase => extrapolated_rate(samples, from, to, true, false),
        CounterFn::Irate => instant_rate(samples, true),
    }
}

/// Least-squares slope and intercept at `intercept_time` (ms), as `deriv`/`predict_linear`.
pub fn linear_regression(samples: &[(i64, f64)], intercept_time: i64) -> Option<(f64, f64)> {
    if samples.len() < 2 {
        return None;
    }
    let n = samples.len() as f64;
    let (mut sx, mut sy, mut sxy, mut sxx) = (0.0, 0.0, 0.0, 0.0);
    for &(t, v) in samples {
        let x = (t - intercept_time) as f64 / 1000.0;
        sx += x;
        sy += v;
        sxy += x * v;
        sxx += x * x;
    }
    let cov = sxy - sx * sy / n;
    let var = sxx - sx * sx / n;
    if var == 0.0 {
        return Some((0.0, sy / n));
    }
    let slope = cov / var;
    let intercept = sy / n - slope * sx / n;
    Some((slope, intercept))
}

/// Quantile with linear interpolation between ranks (Prometheus's `quantile`).
pub fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0) as usize;
    let upper = (lower + 1).min(values.len() - 1);
    let weight = rank - rank.floor();
    values[lower] * (1.0 - weight) + values[upper] * weight
}

/// `histogram_quantile` over classic buckets `(upper bound, cumulative count)`
/// (`bucketQuantile` in promql/quantile.go).
pub fn bucket_quantile(q: f64, buckets: &mut Vec<(f64, f64)>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    match buckets.last() {
        Some(&(upper, _)) if upper == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    // Buckets with the same bound are merged; counts are forced monotonic, since rates of
    // separately scraped buckets can disagree slightly.
    buckets.dedup_by(|b, a| {
        if a.0 == b.0 {
            a.1 += b.1;
            true
        } else {
            false
        }
    });
    for i in 1..buckets.len() {
        if buckets[i].1 < buckets[i - 1].1 {
            buckets[i].1 = buckets[i - 1].1;
        }
    }
    if buckets.len() < 2 {
        return f64::NAN;
    }
    let observations = buckets[buckets.len() - 1].1;
    if observations == 0.0 || observations.is_nan() {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let b = buckets.partition_point(|&(_, c)| c < rank);
    if b >= buckets.len() - 1 {
        return buckets[buckets.len() - 2].0;
    }
    if b == 0 && buckets[0].0 <= 0.0 {
        return buckets[0].0;
    }
    let mut start = 0.0;
    let end = buckets[b].0;
    let mut count = buckets[b].1;
    if b > 0 {
        start = buckets[b - 1].0;
        count -= buckets[b - 1].1;
        rank -= buckets[b - 1].1;
    }
    if count == 0.0 {
        return start;
    }
    start + (end - start) * (rank / count)
}

/// The `*_over_time` functions that need only the samples of one window.
pub fn over_time(name: &str, samples: &[(i64, f64)], param: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let values = samples.iter().map(|s| s.1);
    let n = samples.len() as f64;
    Some(match name {
        "avg_over_time" => values.sum::<f64>() / n,
        "sum_over_time" => values.sum(),
        "count_over_time" => n,
        "min_over_time" => values.fold(
            f64::INFINITY,
            |a, v| if v < a || a.is_nan() { v } else { a },
        ),
        "max_over_time" => values.fold(
            f64::NEG_INFINITY,
            |a, v| if v > a || a.is_nan() { v } else { a },
        ),
        "last_over_time" => samples[samples.len() - 1].1,
        "present_over_time" => 1.0,
        "stddev_over_time" | "stdvar_over_time" => {
            let mean = samples.iter().map(|s| s.1).sum::<f64>() / n;
            let var = samples.iter().map(|s| (s.1 - mean).powi(2)).sum::<f64>() / n;
            if name == "stddev_over_time" {
                var.sqrt()
            } else {
                var
            }
        }
        "quantile_over_time" => {
            let mut vs: Vec<f64> = values.collect();
            quantile(param, &mut vs)
        }
        "changes" => samples
            .windows(2)
            .filter(|w| w[0].1 != w[1].1 && !(w[0].1.is_nan() && w[1].1.is_nan()))
            .count() as f64,
        "resets" => samples.windows(2).filter(|w| w[1].1 < w[0].1).count() as f64,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_of_a_steady_counter_is_its_slope() {
        // 1 per second, scraped every 15 s, window of 5 minutes.
        let samples: Vec<(i64, f64)> = (1..=20).map(|k| (k * 15_000, (k * 15) as f64)).collect();
        let r = extrapolated_rate(&samples, 0, 300_000, true, true).unwrap();
        assert!((r - 1.0).abs() < 1e-9, "{r}");
        let inc = extrapolated_rate(&samples, 0, 300_000, true, false).unwrap();
        assert!((inc - 300.0).abs() < 1e-6, "{inc}");
    }

    #[test]
    fn counter_resets_are_absorbed() {
        let samples = vec![
            (15_000, 10.0),
            (30_000, 25.0),
            (45_000, 5.0),
            (60_000, 20.0),
        ];
        let inc = extrapolated_rate(&samples, 0, 60_000, true, false).unwrap();
        assert!(inc > 30.0);
        assert_eq!(instant_rate(&samples, true), Some(1.0));
    }

    #[test]
    fn histogram_quantile_interpolates_inside_the_bucket() {
        let mut b = vec![
            (0.1, 50.0),
            (0.5, 90.0),
            (1.0, 100.0),
            (f64::INFINITY, 100.0),
        ];
        let p50 = bucket_quantile(0.5, &mut b);
        assert!((p50 - 0.1).abs() < 1e-9, "{p50}");
        let p95 = bucket_quantile(0.95, &mut b);
        assert!((p95 - 0.75).abs() < 1e-9, "{p95}");
        let mut no_inf = vec![(0.1, 1.0), (1.0, 2.0)];
        assert!(bucket_quantile(0.5, &mut no_inf).is_nan());
        assert_eq!(bucket_quantile(1.5, &mut b), f64::INFINITY);
    }

    #[test]
    fn quantile_interpolates_between_ranks() {
        assert_eq!(quantile(0.5, &mut [1.0, 3.0, 2.0, 4.0]), 2.5);
        assert_eq!(quantile(0.0, &mut [5.0, 1.0]), 1.0);
    }
}
