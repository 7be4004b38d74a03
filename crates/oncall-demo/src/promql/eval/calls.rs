//! Function calls: the range functions (`rate`, `*_over_time`, ...), `histogram_quantile`,
//! label functions, math and date functions.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Timelike};
use regex::Regex;

use super::{
    exec, unparen, valid_label_name, Ctx, EResult, Labels, RangeArg, RangeInput, StepSeries, Value,
    METRIC_NAME,
};
use crate::promql::ast::{Expr, LabelMatcher, MatchOp};
use crate::promql::functions::{
    bucket_quantile, counter_fn, extrapolated_rate, instant_rate, linear_regression, over_time,
    CounterFn, FunctionDef,
};

impl Ctx<'_> {
    pub(super) fn call(&self, func: &FunctionDef, args: &[Expr]) -> EResult<Value> {
        let name = func.name;
        match name {
            "rate" | "increase" | "irate" | "delta" | "idelta" | "deriv" | "avg_over_time"
            | "sum_over_time" | "count_over_time" | "min_over_time" | "max_over_time"
            | "last_over_time" | "present_over_time" | "stddev_over_time" | "stdvar_over_time"
            | "changes" | "resets" => {
                let arg = self.range_arg(&args[0])?;
                self.range_fn(name, &arg, None)
            }
            "quantile_over_time" => {
                let q = self.scalar_arg(&args[0])?;
                let arg = self.range_arg(&args[1])?;
                self.range_fn(name, &arg, Some(&q))
            }
            "predict_linear" => {
                let arg = self.range_arg(&args[0])?;
                let d = self.scalar_arg(&args[1])?;
                self.range_fn(name, &arg, Some(&d))
            }
            "absent_over_time" => {
                let arg = self.range_arg(&args[0])?;
                let values = (0..self.n)
                    .map(|i| {
                        let t = self.at_time(arg.at, i) - arg.offset;
                        let present = arg
                            .inputs
                            .iter()
                            .any(|input| !self.window(input, t - arg.range, t).is_empty());
                        (!present).then_some(1.0)
                    })
                    .collect();
                Ok(Value::Vector(absent_result(&arg.matchers, values)))
            }
            "absent" => {
                let series = self.vector_arg(&args[0])?;
                let values = (0..self.n)
                    .map(|i| (!series.iter().any(|s| s.values[i].is_some())).then_some(1.0))
                    .collect();
                let matchers = match unparen(&args[0]) {
                    Expr::Vector(sel) => sel.matchers.clone(),
                    _ => Vec::new(),
                };
                Ok(Value::Vector(absent_result(&matchers, values)))
            }
            "abs" | "ceil" | "floor" | "exp" | "sqrt" | "ln" | "log2" | "log10" | "sgn"
            | "acos" | "acosh" | "asin" | "asinh" | "atan" | "atanh" | "cos" | "cosh" | "sin"
            | "sinh" | "tan" | "tanh" | "deg" | "rad" => {
                let f = math_fn(name);
                Ok(Value::Vector(map_series(
                    self.vector_arg(&args[0])?,
                    true,
                    f,
                )))
            }
            "clamp" | "clamp_min" | "clamp_max" | "round" => {
                let series = self.vector_arg(&args[0])?;
                let a = match args.get(1) {
                    Some(e) => self.scalar_arg(e)?,
                    None => vec![1.0; self.n],
                };
                let b = match args.get(2) {
                    Some(e) => self.scalar_arg(e)?,
                    None => vec![f64::NAN; self.n],
                };
                let out = series
                    .into_iter()
                    .map(|mut s| {
                        s.labels.remove(METRIC_NAME);
                        for (i, v) in s.values.iter_mut().enumerate() {
                            *v = v.and_then(|x| match name {
                                "clamp" if a[i] > b[i] => None,
                                "clamp" => Some(x.max(a[i]).min(b[i])),
                                "clamp_min" => Some(x.max(a[i])),
                                "clamp_max" => Some(x.min(a[i])),
                                _ => Some((x / a[i] + 0.5).floor() * a[i]),
                            });
                        }
                        s
                    })
                    .collect();
                Ok(Value::Vector(out))
            }
            "day_of_month" | "day_of_week" | "day_of_year" | "days_in_month" | "hour"
            | "minute" | "month" | "year" => {
                let series = match args.first() {
                    Some(e) => self.vector_arg(e)?,
                    None => vec![StepSeries {
                        labels: Labels::new(),
                        values: (0..self.n)
                            .map(|i| Some(self.ts(i) as f64 / 1000.0))
                            .collect(),
                    }],
                };
                Ok(Value::Vector(map_series(series, true, |secs| {
                    date_part(name, secs)
                })))
            }
            "histogram_quantile" => {
                let q = self.scalar_arg(&args[0])?;
                let series = self.vector_arg(&args[1])?;
                Ok(Value::Vector(self.histogram_quantile(&q, series)))
            }
            "label_replace" => {
                let series = self.vector_arg(&args[0])?;
                let dst = self.string_arg(&args[1])?;
                let replacement = self.string_arg(&args[2])?;
                let src = self.string_arg(&args[3])?;
                let re = self.string_arg(&args[4])?;
                label_replace(series, &dst, &replacement, &src, &re).map(Value::Vector)
            }
            "label_join" => {
                let mut series = self.vector_arg(&args[0])?;
                let dst = self.string_arg(&args[1])?;
                let sep = self.string_arg(&args[2])?;
                let srcs = args[3..]
                    .iter()
                    .map(|a| self.string_arg(a))
                    .collect::<EResult<Vec<_>>>()?;
                if !valid_label_name(&dst) {
                    return Err(exec(format!(
                        "invalid destination label name in label_join(): {dst}"
                    )));
                }
                for s in &mut series {
                    let joined = srcs
                        .iter()
                        .map(|l| s.labels.get(l).map(String::as_str).unwrap_or(""))
                        .collect::<Vec<_>>()
                        .join(&sep);
                    if joined.is_empty() {
                        s.labels.remove(&dst);
                    } else {
                        s.labels.insert(dst.clone(), joined);
                    }
                }
                Ok(Value::Vector(series))
            }
            "scalar" => {
                let series = self.vector_arg(&args[0])?;
                let values = (0..self.n)
                    .map(|i| {
                        let mut present = series.iter().filter_map(|s| s.values[i]);
                        match (present.next(), present.next()) {
                            (Some(v), None) => v,
                            _ => f64::NAN,
                        }
                    })
                    .collect();
                Ok(Value::Scalar(values))
            }
            "vector" => {
                let values = self.scalar_arg(&args[0])?;
                Ok(Value::Vector(vec![StepSeries {
                    labels: Labels::new(),
                    values: values.into_iter().map(Some).collect(),
                }]))
            }
            "time" => Ok(Value::Scalar(
                (0..self.n).map(|i| self.ts(i) as f64 / 1000.0).collect(),
            )),
            "pi" => Ok(Value::Scalar(vec![std::f64::consts::PI; self.n])),
            "timestamp" => {
                if let Expr::Vector(sel) = unparen(&args[0]) {
                    let refs = self.storage.select(&sel.matchers);
                    self.charge(refs.len() * self.n)?;
                    let mut out = Vec::new();
                    for r in refs {
                        let values: Vec<Option<f64>> = (0..self.n)
                            .map(|i| {
                                let t = self.at_time(sel.at, i) - sel.offset;
                                self.storage
                                    .instant(&r, t)
                                    .map(|(ts, _)| ts as f64 / 1000.0)
                            })
                            .collect();
                        if values.iter().any(Option::is_some) {
                            let mut labels = r.labels;
                            labels.remove(METRIC_NAME);
                            out.push(StepSeries { labels, values });
                        }
                    }
                    Ok(Value::Vector(out))
                } else {
                    let series = self.vector_arg(&args[0])?;
                    let out = series
                        .into_iter()
                        .map(|mut s| {
                            s.labels.remove(METRIC_NAME);
                            for (i, v) in s.values.iter_mut().enumerate() {
                                *v = v.map(|_| self.ts(i) as f64 / 1000.0);
                            }
                            s
                        })
                        .collect();
                    Ok(Value::Vector(out))
                }
            }
            "sort" | "sort_desc" => {
                let mut series = self.vector_arg(&args[0])?;
                let last = self.n - 1;
                let key = |s: &StepSeries| s.values[last].unwrap_or(f64::NAN);
                series.sort_by(|a, b| {
                    let (x, y) = (key(a), key(b));
                    // NaN sorts last either way, as in Prometheus.
                    match (x.is_nan(), y.is_nan()) {
                        (true, true) => std::cmp::Ordering::Equal,
                        (true, false) => std::cmp::Ordering::Greater,
                        (false, true) => std::cmp::Ordering::Less,
                        _ if name == "sort" => x.total_cmp(&y),
                        _ => y.total_cmp(&x),
                    }
                });
                Ok(Value::Vector(series))
            }
            other => Err(exec(format!("function {other:?} is not supported"))),
        }
    }

    fn range_fn(&self, name: &str, arg: &RangeArg, param: Option<&[f64]>) -> EResult<Value> {
        self.charge(arg.inputs.len() * self.n)?;
        let mut out = Vec::with_capacity(arg.inputs.len());
        for input in &arg.inputs {
            let values: Vec<Option<f64>> = (0..self.n)
                .map(|i| {
                    let to = self.at_time(arg.at, i) - arg.offset;
                    let from = to - arg.range;
                    let p = param.map(|p| p[i]).unwrap_or(f64::NAN);
                    match (name, input) {
                        ("rate" | "increase" | "irate", RangeInput::Stored(r)) => {
                            self.storage.counter(r, counter_kind(name), from, to)
                        }
                        ("rate" | "increase" | "irate", _) => {
                            counter_fn(counter_kind(name), &self.window(input, from, to), from, to)
                        }
                        ("delta", _) => {
                            extrapolated_rate(&self.window(input, from, to), from, to, false, false)
                        }
                        ("idelta", _) => instant_rate(&self.window(input, from, to), false),
                        ("deriv", _) => {
                            linear_regression(&self.window(input, from, to), to).map(|(s, _)| s)
                        }
                        ("predict_linear", _) => {
                            linear_regression(&self.window(input, from, to), to)
                                .map(|(slope, intercept)| intercept + slope * p)
                        }
                        _ => over_time(name, &self.window(input, from, to), p),
                    }
                })
                .collect();
            if values.iter().any(Option::is_some) {
                let mut labels = input.labels().clone();
                if name != "last_over_time" {
                    labels.remove(METRIC_NAME);
                }
                out.push(StepSeries { labels, values });
            }
        }
        Ok(Value::Vector(out))
    }

    fn histogram_quantile(&self, q: &[f64], series: Vec<StepSeries>) -> Vec<StepSeries> {
        let mut groups: Vec<(Labels, Vec<(f64, StepSeries)>)> = Vec::new();
        let mut index: HashMap<Labels, usize> = HashMap::new();
        for mut s in series {
            let Some(le) = s.labels.remove("le").and_then(|v| parse_le(&v)) else {
                continue;
            };
            s.labels.remove(METRIC_NAME);
            let idx = *index.entry(s.labels.clone()).or_insert_with(|| {
                groups.push((s.labels.clone(), Vec::new()));
                groups.len() - 1
            });
            groups[idx].1.push((le, s));
        }
        groups
            .into_iter()
            .filter_map(|(labels, buckets)| {
                let values: Vec<Option<f64>> = (0..self.n)
                    .map(|i| {
                        let mut b: Vec<(f64, f64)> = buckets
                            .iter()
                            .filter_map(|(le, s)| s.values[i].map(|v| (*le, v)))
                            .collect();
                        (!b.is_empty()).then(|| bucket_quantile(q[i], &mut b))
                    })
                    .collect();
                values
                    .iter()
                    .any(Option::is_some)
                    .then_some(StepSeries { labels, values })
            })
            .collect()
    }
}

fn counter_kind(name: &str) -> CounterFn {
    match name {
        "increase" => CounterFn::Increase,
        "irate" => CounterFn::Irate,
        _ => CounterFn::Rate,
    }
}

pub(super) fn map_series(
    series: Vec<StepSeries>,
    drop_name: bool,
    f: impl Fn(f64) -> f64,
) -> Vec<StepSeries> {
    series
        .into_iter()
        .map(|mut s| {
            if drop_name {
                s.labels.remove(METRIC_NAME);
            }
            for v in s.values.iter_mut() {
                *v = v.map(&f);
            }
            s
        })
        .collect()
}

fn math_fn(name: &str) -> fn(f64) -> f64 {
    match name {
        "abs" => f64::abs,
        "ceil" => f64::ceil,
        "floor" => f64::floor,
        "exp" => f64::exp,
        "sqrt" => f64::sqrt,
        "ln" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "sgn" => |x: f64| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                x
            }
        },
        "acos" => f64::acos,
        "acosh" => f64::acosh,
        "asin" => f64::asin,
        "asinh" => f64::asinh,
        "atan" => f64::atan,
        "atanh" => f64::atanh,
        "cos" => f64::cos,
        "cosh" => f64::cosh,
        "sin" => f64::sin,
        "sinh" => f64::sinh,
        "tan" => f64::tan,
        "tanh" => f64::tanh,
        "deg" => f64::to_degrees,
        _ => f64::to_radians,
    }
}

fn date_part(name: &str, secs: f64) -> f64 {
    let Some(t) = DateTime::from_timestamp(secs.floor() as i64, 0) else {
        return f64::NAN;
    };
    match name {
        "day_of_month" => t.day() as f64,
        "day_of_week" => t.weekday().num_days_from_sunday() as f64,
        "day_of_year" => t.ordinal() as f64,
        "days_in_month" => {
            let (y, m) = (t.year(), t.month());
            let next = if m == 12 {
                chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)
            } else {
                chrono::NaiveDate::from_ymd_opt(y, m + 1, 1)
            };
            let this = chrono::NaiveDate::from_ymd_opt(y, m, 1);
            match (this, next) {
                (Some(a), Some(b)) => (b - a).num_days() as f64,
                _ => f64::NAN,
            }
        }
        "hour" => t.hour() as f64,
        "minute" => t.minute() as f64,
        "month" => t.month() as f64,
        _ => t.year() as f64,
    }
}

fn parse_le(v: &str) -> Option<f64> {
    match v {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        _ => v.parse().ok(),
    }
}

fn label_replace(
    series: Vec<StepSeries>,
    dst: &str,
    replacement: &str,
    src: &str,
    re: &str,
) -> EResult<Vec<StepSeries>> {
    let regex = Regex::new(&format!("^(?s:{re})$")).map_err(|e| {
        exec(format!(
            "invalid regular expression in label_replace(): {re}: {e}"
        ))
    })?;
    if !valid_label_name(dst) {
        return Err(exec(format!(
            "invalid destination label name in label_replace(): {dst}"
        )));
    }
    Ok(series
        .into_iter()
        .map(|mut s| {
            let value = s.labels.get(src).cloned().unwrap_or_default();
            if let Some(caps) = regex.captures(&value) {
                let mut out = String::new();
                caps.expand(replacement, &mut out);
                if out.is_empty() {
                    s.labels.remove(dst);
                } else {
                    s.labels.insert(dst.to_string(), out);
                }
            }
            s
        })
        .collect())
}

/// The labels `absent()` reports: the selector's equality matchers, if unambiguous.
fn absent_result(matchers: &[LabelMatcher], values: Vec<Option<f64>>) -> Vec<StepSeries> {
    if values.iter().all(Option::is_none) {
        return Vec::new();
    }
    let mut labels = Labels::new();
    let mut ambiguous = Vec::new();
    for m in matchers {
        if m.name == METRIC_NAME || m.op != MatchOp::Equal {
            continue;
        }
        if labels.insert(m.name.clone(), m.value.clone()).is_some() {
            ambiguous.push(m.name.clone());
        }
    }
    for name in ambiguous {
        labels.remove(&name);
    }
    vec![StepSeries { labels, values }]
}
