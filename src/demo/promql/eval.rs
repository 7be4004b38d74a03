//! Evaluation over a grid of steps. Every node yields all its steps at once (one value slot
//! per step per series), the way Prometheus's range evaluation works, so a 1,000-step query
//! selects each series once instead of 1,000 times.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Timelike};
use regex::Regex;

use super::ast::{AggOp, At, BinOp, Cardinality, Expr, LabelMatcher, MatchOp, VectorMatching, VectorSelector};
use super::functions::{
    bucket_quantile, counter_fn, extrapolated_rate, instant_rate, linear_regression, over_time,
    quantile, CounterFn, FunctionDef,
};

pub type Labels = BTreeMap<String, String>;

const METRIC_NAME: &str = "__name__";

/// Subquery step when none is given (`[1h:]`): the demo's rule evaluation interval.
pub const DEFAULT_SUBQUERY_STEP: i64 = 15_000;

/// Above this many series-steps a query is refused, as Prometheus refuses queries that would
/// load too many samples (`--query.max-samples`).
const MAX_POINTS: u64 = 50_000_000;

/// A series as a storage hands it out: its labels and an id the storage understands.
#[derive(Debug, Clone)]
pub struct SeriesRef {
    pub id: usize,
    pub labels: Labels,
}

/// Where the evaluator reads samples from. Times are Unix milliseconds.
pub trait Storage {
    /// Every series whose labels satisfy all matchers.
    fn select(&self, matchers: &[LabelMatcher]) -> Vec<SeriesRef>;

    /// What an instant selector sees at `t`: the latest sample at or before `t` that is not
    /// stale (Prometheus's lookback), with its timestamp.
    fn instant(&self, series: &SeriesRef, t: i64) -> Option<(i64, f64)>;

    /// Samples with timestamps in `(from, to]`, oldest first.
    fn samples(&self, series: &SeriesRef, from: i64, to: i64) -> Vec<(i64, f64)>;

    /// `rate`, `increase` or `irate` over `(from, to]`. A storage that knows its counters can
    /// answer without materialising every sample of a long window.
    fn counter(&self, series: &SeriesRef, func: CounterFn, from: i64, to: i64) -> Option<f64> {
        counter_fn(func, &self.samples(series, from, to), from, to)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// The query is valid but cannot be computed (Prometheus's `execution` error type).
    #[error("{0}")]
    Execution(String),
    #[error("query processing would load too many samples into memory in query execution")]
    TooManySamples,
}

type EResult<T> = Result<T, EvalError>;

/// One series over the evaluation grid: `values[i]` is the value at step `i`, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSeries {
    pub labels: Labels,
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone)]
enum Value {
    Scalar(Vec<f64>),
    Vector(Vec<StepSeries>),
    Str(String),
}

/// The result of an instant query, shaped as Prometheus's `resultType`s.
#[derive(Debug, Clone, PartialEq)]
pub enum InstantResult {
    Scalar(f64),
    Str(String),
    Vector(Vec<(Labels, f64)>),
    Matrix(Vec<(Labels, Vec<(i64, f64)>)>),
}

/// A range query's series, sorted by labels, each with at least one point.
pub type Matrix = Vec<(Labels, Vec<(i64, f64)>)>;

pub fn instant_query(storage: &dyn Storage, expr: &Expr, t: i64) -> EResult<InstantResult> {
    let budget = Cell::new(0);
    let ctx = Ctx {
        storage,
        start: t,
        step: 1,
        n: 1,
        query_start: t,
        query_end: t,
        budget: &budget,
    };
    match unparen(expr) {
        e @ (Expr::Matrix { .. } | Expr::Subquery { .. }) => {
            let arg = ctx.range_arg(e)?;
            let end = ctx.at_time(arg.at, 0) - arg.offset;
            let mut out = Vec::new();
            for input in &arg.inputs {
                let samples = ctx.window(input, end - arg.range, end).into_owned();
                if !samples.is_empty() {
                    out.push((input.labels().clone(), samples));
                }
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(InstantResult::Matrix(out))
        }
        e => Ok(match ctx.eval(e)? {
            Value::Scalar(v) => InstantResult::Scalar(v[0]),
            Value::Str(s) => InstantResult::Str(s),
            Value::Vector(series) => {
                let mut seen = HashMap::new();
                let mut out = Vec::new();
                for s in series {
                    if let Some(v) = s.values[0] {
                        if seen.insert(s.labels.clone(), ()).is_some() {
                            return Err(duplicate_labelset());
                        }
                        out.push((s.labels, v));
                    }
                }
                InstantResult::Vector(out)
            }
        }),
    }
}

/// Evaluate at `start, start + step, ...` up to `end`. The caller has checked the
/// expression is a scalar or instant vector and the number of steps.
pub fn range_query(storage: &dyn Storage, expr: &Expr, start: i64, end: i64, step: i64) -> EResult<Matrix> {
    let n = ((end - start) / step + 1).max(1) as usize;
    let budget = Cell::new(0);
    let ctx = Ctx {
        storage,
        start,
        step,
        n,
        query_start: start,
        query_end: end,
        budget: &budget,
    };
    let series = match ctx.eval(expr)? {
        Value::Scalar(v) => vec![StepSeries {
            labels: Labels::new(),
            values: v.into_iter().map(Some).collect(),
        }],
        Value::Vector(v) => v,
        Value::Str(_) => {
            return Err(EvalError::Execution(
                "invalid expression type \"string\" for range query, must be Scalar or instant Vector".into(),
            ))
        }
    };
    // Series with equal labels (e.g. after a function dropped the metric name) merge, unless
    // they both have a value at the same step.
    let mut merged: BTreeMap<Labels, Vec<Option<f64>>> = BTreeMap::new();
    for s in series {
        match merged.entry(s.labels) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(s.values);
            }
            std::collections::btree_map::Entry::Occupied(mut e) => {
                for (slot, v) in e.get_mut().iter_mut().zip(s.values) {
                    if v.is_some() {
                        if slot.is_some() {
                            return Err(duplicate_labelset());
                        }
                        *slot = v;
                    }
                }
            }
        }
    }
    Ok(merged
        .into_iter()
        .filter_map(|(labels, values)| {
            let points: Vec<(i64, f64)> = values
                .into_iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (start + i as i64 * step, v)))
                .collect();
            (!points.is_empty()).then_some((labels, points))
        })
        .collect())
}

fn duplicate_labelset() -> EvalError {
    EvalError::Execution("vector cannot contain metrics with the same labelset".into())
}

fn unparen(mut e: &Expr) -> &Expr {
    while let Expr::Paren(inner) = e {
        e = inner;
    }
    e
}

struct Ctx<'a> {
    storage: &'a dyn Storage,
    start: i64,
    step: i64,
    n: usize,
    query_start: i64,
    query_end: i64,
    budget: &'a Cell<u64>,
}

/// The input of a range function: series and the window each step looks at.
struct RangeArg {
    range: i64,
    offset: i64,
    at: Option<At>,
    inputs: Vec<RangeInput>,
    /// Equality matchers of a plain range selector, for `absent_over_time`'s labels.
    matchers: Vec<LabelMatcher>,
}

enum RangeInput {
    Stored(SeriesRef),
    Computed { labels: Labels, samples: Vec<(i64, f64)> },
}

impl RangeInput {
    fn labels(&self) -> &Labels {
        match self {
            RangeInput::Stored(s) => &s.labels,
            RangeInput::Computed { labels, .. } => labels,
        }
    }
}

impl Ctx<'_> {
    fn ts(&self, i: usize) -> i64 {
        self.start + i as i64 * self.step
    }

    fn at_time(&self, at: Option<At>, i: usize) -> i64 {
        match at {
            None => self.ts(i),
            Some(At::Time(t)) => t,
            Some(At::Start) => self.query_start,
            Some(At::End) => self.query_end,
        }
    }

    fn charge(&self, points: usize) -> EResult<()> {
        let total = self.budget.get().saturating_add(points as u64);
        self.budget.set(total);
        if total > MAX_POINTS {
            return Err(EvalError::TooManySamples);
        }
        Ok(())
    }

    fn eval(&self, expr: &Expr) -> EResult<Value> {
        match expr {
            Expr::Number(v) => Ok(Value::Scalar(vec![*v; self.n])),
            Expr::Str(s) => Ok(Value::Str(s.clone())),
            Expr::Paren(e) => self.eval(e),
            Expr::Neg(e) => Ok(match self.eval(e)? {
                Value::Scalar(v) => Value::Scalar(v.into_iter().map(|x| -x).collect()),
                Value::Vector(vs) => Value::Vector(map_series(vs, true, |x| -x)),
                Value::Str(_) => return Err(exec("unary minus on a string")),
            }),
            Expr::Vector(sel) => self.selector(sel),
            Expr::Matrix { .. } | Expr::Subquery { .. } => Err(exec(
                "a range vector can only be an argument of a function",
            )),
            Expr::Call { func, args } => self.call(func, args),
            Expr::Aggregate {
                op,
                param,
                expr,
                grouping,
                without,
            } => self.aggregate(*op, param.as_deref(), expr, grouping, *without),
            Expr::Binary {
                op,
                lhs,
                rhs,
                return_bool,
                matching,
            } => self.binary(*op, lhs, rhs, *return_bool, matching.as_ref()),
        }
    }

    fn selector(&self, sel: &VectorSelector) -> EResult<Value> {
        let refs = self.storage.select(&sel.matchers);
        self.charge(refs.len() * self.n)?;
        let mut out = Vec::with_capacity(refs.len());
        for r in refs {
            let values: Vec<Option<f64>> = (0..self.n)
                .map(|i| {
                    let t = self.at_time(sel.at, i) - sel.offset;
                    self.storage.instant(&r, t).map(|(_, v)| v)
                })
                .collect();
            if values.iter().any(Option::is_some) {
                out.push(StepSeries {
                    labels: r.labels,
                    values,
                });
            }
        }
        Ok(Value::Vector(out))
    }

    fn scalar_arg(&self, expr: &Expr) -> EResult<Vec<f64>> {
        match self.eval(expr)? {
            Value::Scalar(v) => Ok(v),
            _ => Err(exec("expected a scalar argument")),
        }
    }

    fn vector_arg(&self, expr: &Expr) -> EResult<Vec<StepSeries>> {
        match self.eval(expr)? {
            Value::Vector(v) => Ok(v),
            _ => Err(exec("expected an instant vector argument")),
        }
    }

    fn string_arg(&self, expr: &Expr) -> EResult<String> {
        match self.eval(expr)? {
            Value::Str(s) => Ok(s),
            _ => Err(exec("expected a string argument")),
        }
    }

    fn range_arg(&self, expr: &Expr) -> EResult<RangeArg> {
        match unparen(expr) {
            Expr::Matrix { selector, range } => {
                let refs = self.storage.select(&selector.matchers);
                self.charge(refs.len() * self.n)?;
                Ok(RangeArg {
                    range: *range,
                    offset: selector.offset,
                    at: selector.at,
                    inputs: refs.into_iter().map(RangeInput::Stored).collect(),
                    matchers: selector.matchers.clone(),
                })
            }
            Expr::Subquery {
                expr,
                range,
                step,
                offset,
                at,
            } => {
                let step = step.unwrap_or(DEFAULT_SUBQUERY_STEP);
                let times: Vec<i64> = (0..self.n).map(|i| self.at_time(*at, i) - offset).collect();
                let (Some(&min_t), Some(&max_t)) = (times.iter().min(), times.iter().max()) else {
                    return Err(exec("empty evaluation grid"));
                };
                // Inner steps are absolute multiples of `step`, so a subquery gives the same
                // points whatever the outer query's start.
                let inner_start = ((min_t - range).div_euclid(step) + 1) * step;
                let inner_end = max_t.div_euclid(step) * step;
                let mut inputs = Vec::new();
                if inner_start <= inner_end {
                    let inner = Ctx {
                        storage: self.storage,
                        start: inner_start,
                        step,
                        n: ((inner_end - inner_start) / step + 1) as usize,
                        query_start: self.query_start,
                        query_end: self.query_end,
                        budget: self.budget,
                    };
                    let series = match inner.eval(expr)? {
                        Value::Vector(v) => v,
                        Value::Scalar(v) => vec![StepSeries {
                            labels: Labels::new(),
                            values: v.into_iter().map(Some).collect(),
                        }],
                        Value::Str(_) => return Err(exec("subquery over a string")),
                    };
                    for s in series {
                        let samples = s
                            .values
                            .iter()
                            .enumerate()
                            .filter_map(|(i, v)| v.map(|v| (inner.ts(i), v)))
                            .collect();
                        inputs.push(RangeInput::Computed {
                            labels: s.labels,
                            samples,
                        });
                    }
                }
                Ok(RangeArg {
                    range: *range,
                    offset: *offset,
                    at: *at,
                    inputs,
                    matchers: Vec::new(),
                })
            }
            _ => Err(exec("expected a range vector argument")),
        }
    }

    fn window<'b>(&self, input: &'b RangeInput, from: i64, to: i64) -> Cow<'b, [(i64, f64)]> {
        match input {
            RangeInput::Stored(r) => Cow::Owned(self.storage.samples(r, from, to)),
            RangeInput::Computed { samples, .. } => {
                let lo = samples.partition_point(|s| s.0 <= from);
                let hi = samples.partition_point(|s| s.0 <= to);
                Cow::Borrowed(&samples[lo..hi.max(lo)])
            }
        }
    }

    fn call(&self, func: &FunctionDef, args: &[Expr]) -> EResult<Value> {
        let name = func.name;
        match name {
            "rate" | "increase" | "irate" | "delta" | "idelta" | "deriv" | "avg_over_time"
            | "sum_over_time" | "count_over_time" | "min_over_time" | "max_over_time"
            | "last_over_time" | "present_over_time" | "stddev_over_time"
            | "stdvar_over_time" | "changes" | "resets" => {
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
            "abs" | "ceil" | "floor" | "exp" | "sqrt" | "ln" | "log2" | "log10" | "sgn" | "acos"
            | "acosh" | "asin" | "asinh" | "atan" | "atanh" | "cos" | "cosh" | "sin" | "sinh"
            | "tan" | "tanh" | "deg" | "rad" => {
                let f = math_fn(name);
                Ok(Value::Vector(map_series(self.vector_arg(&args[0])?, true, f)))
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
                        values: (0..self.n).map(|i| Some(self.ts(i) as f64 / 1000.0)).collect(),
                    }],
                };
                Ok(Value::Vector(map_series(series, true, |secs| date_part(name, secs))))
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
                    return Err(exec(format!("invalid destination label name in label_join(): {dst}")));
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
            "time" => Ok(Value::Scalar((0..self.n).map(|i| self.ts(i) as f64 / 1000.0).collect())),
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
                                self.storage.instant(&r, t).map(|(ts, _)| ts as f64 / 1000.0)
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
                        ("delta", _) => extrapolated_rate(&self.window(input, from, to), from, to, false, false),
                        ("idelta", _) => instant_rate(&self.window(input, from, to), false),
                        ("deriv", _) => linear_regression(&self.window(input, from, to), to).map(|(s, _)| s),
                        ("predict_linear", _) => linear_regression(&self.window(input, from, to), to)
                            .map(|(slope, intercept)| intercept + slope * p),
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

    fn aggregate(
        &self,
        op: AggOp,
        param: Option<&Expr>,
        expr: &Expr,
        grouping: &[String],
        without: bool,
    ) -> EResult<Value> {
        let series = self.vector_arg(expr)?;
        let group_of = |labels: &Labels| -> Labels {
            if without {
                labels
                    .iter()
                    .filter(|(k, _)| k.as_str() != METRIC_NAME && !grouping.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            } else {
                labels
                    .iter()
                    .filter(|(k, _)| grouping.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }
        };
        let mut groups: Vec<(Labels, Vec<usize>)> = Vec::new();
        let mut index: HashMap<Labels, usize> = HashMap::new();
        for (i, s) in series.iter().enumerate() {
            let g = group_of(&s.labels);
            match index.entry(g) {
                Entry::Occupied(e) => groups[*e.get()].1.push(i),
                Entry::Vacant(e) => {
                    groups.push((e.key().clone(), vec![i]));
                    e.insert(groups.len() - 1);
                }
            }
        }
        match op {
            AggOp::Topk | AggOp::Bottomk => {
                let k = self.scalar_arg(param.ok_or_else(|| exec("topk needs k"))?)?;
                let mut keep = vec![vec![false; self.n]; series.len()];
                for (_, members) in &groups {
                    for i in 0..self.n {
                        let mut present: Vec<(usize, f64)> = members
                            .iter()
                            .filter_map(|&m| series[m].values[i].map(|v| (m, v)))
                            .collect();
                        present.sort_by(|a, b| {
                            if op == AggOp::Topk {
                                b.1.total_cmp(&a.1)
                            } else {
                                a.1.total_cmp(&b.1)
                            }
                        });
                        let k = if k[i].is_nan() { 0 } else { k[i].max(0.0) as usize };
                        for (m, _) in present.into_iter().take(k) {
                            keep[m][i] = true;
                        }
                    }
                }
                let out = series
                    .into_iter()
                    .zip(keep)
                    .filter_map(|(mut s, keep)| {
                        for (v, k) in s.values.iter_mut().zip(keep) {
                            if !k {
                                *v = None;
                            }
                        }
                        s.values.iter().any(Option::is_some).then_some(s)
                    })
                    .collect();
                Ok(Value::Vector(out))
            }
            AggOp::CountValues => {
                let label = self.string_arg(param.ok_or_else(|| exec("count_values needs a label"))?)?;
                if !valid_label_name(&label) {
                    return Err(exec(format!("invalid label name {label:?}")));
                }
                let mut out: BTreeMap<Labels, Vec<Option<f64>>> = BTreeMap::new();
                for (glabels, members) in &groups {
                    for i in 0..self.n {
                        for &m in members {
                            if let Some(v) = series[m].values[i] {
                                let mut l = glabels.clone();
                                l.insert(label.clone(), format_value(v));
                                let slot = &mut out.entry(l).or_insert_with(|| vec![None; self.n])[i];
                                *slot = Some(slot.unwrap_or(0.0) + 1.0);
                            }
                        }
                    }
                }
                Ok(Value::Vector(
                    out.into_iter()
                        .map(|(labels, values)| StepSeries { labels, values })
                        .collect(),
                ))
            }
            _ => {
                let q = match (op, param) {
                    (AggOp::Quantile, Some(p)) => Some(self.scalar_arg(p)?),
                    _ => None,
                };
                let mut out = Vec::with_capacity(groups.len());
                for (labels, members) in groups {
                    let values: Vec<Option<f64>> = (0..self.n)
                        .map(|i| {
                            let mut vs: Vec<f64> = members.iter().filter_map(|&m| series[m].values[i]).collect();
                            if vs.is_empty() {
                                return None;
                            }
                            let n = vs.len() as f64;
                            Some(match op {
                                AggOp::Sum => vs.iter().sum(),
                                AggOp::Avg => vs.iter().sum::<f64>() / n,
                                AggOp::Count => n,
                                AggOp::Group => 1.0,
                                AggOp::Min => vs.iter().copied().fold(f64::NAN, |a, v| if a.is_nan() || v < a { v } else { a }),
                                AggOp::Max => vs.iter().copied().fold(f64::NAN, |a, v| if a.is_nan() || v > a { v } else { a }),
                                AggOp::Stddev | AggOp::Stdvar => {
                                    let mean = vs.iter().sum::<f64>() / n;
                                    let var = vs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
                                    if op == AggOp::Stddev {
                                        var.sqrt()
                                    } else {
                                        var
                                    }
                                }
                                AggOp::Quantile => {
                                    let q = q.as_ref().map(|q| q[i]).unwrap_or(f64::NAN);
                                    quantile(q, &mut vs)
                                }
                                AggOp::Topk | AggOp::Bottomk | AggOp::CountValues => f64::NAN,
                            })
                        })
                        .collect();
                    if values.iter().any(Option::is_some) {
                        out.push(StepSeries { labels, values });
                    }
                }
                Ok(Value::Vector(out))
            }
        }
    }

    fn binary(
        &self,
        op: BinOp,
        lhs: &Expr,
        rhs: &Expr,
        return_bool: bool,
        matching: Option<&VectorMatching>,
    ) -> EResult<Value> {
        let l = self.eval(lhs)?;
        let r = self.eval(rhs)?;
        match (l, r) {
            (Value::Scalar(a), Value::Scalar(b)) => Ok(Value::Scalar(
                a.into_iter()
                    .zip(b)
                    .map(|(x, y)| {
                        if op.is_comparison() {
                            if compare(op, x, y) {
                                1.0
                            } else {
                                0.0
                            }
                        } else {
                            arith(op, x, y)
                        }
                    })
                    .collect(),
            )),
            (Value::Vector(v), Value::Scalar(s)) => Ok(Value::Vector(vector_scalar(op, v, &s, false, return_bool))),
            (Value::Scalar(s), Value::Vector(v)) => Ok(Value::Vector(vector_scalar(op, v, &s, true, return_bool))),
            (Value::Vector(a), Value::Vector(b)) => {
                let default = VectorMatching {
                    card: if op.is_set() {
                        Cardinality::ManyToMany
                    } else {
                        Cardinality::OneToOne
                    },
                    on: false,
                    labels: Vec::new(),
                    include: Vec::new(),
                };
                let m = matching.unwrap_or(&default);
                if op.is_set() {
                    Ok(Value::Vector(self.set_op(op, a, b, m)))
                } else {
                    self.vector_vector(op, a, b, m, return_bool).map(Value::Vector)
                }
            }
            _ => Err(exec("binary operation on a string")),
        }
    }

    fn set_op(&self, op: BinOp, lhs: Vec<StepSeries>, rhs: Vec<StepSeries>, m: &VectorMatching) -> Vec<StepSeries> {
        let presence = |side: &[StepSeries]| -> HashMap<Labels, Vec<bool>> {
            let mut map: HashMap<Labels, Vec<bool>> = HashMap::new();
            for s in side {
                let slot = map.entry(signature(&s.labels, m)).or_insert_with(|| vec![false; self.n]);
                for (p, v) in slot.iter_mut().zip(&s.values) {
                    *p |= v.is_some();
                }
            }
            map
        };
        let mask = |mut s: StepSeries, present: &HashMap<Labels, Vec<bool>>, keep_if_present: bool| {
            let p = present.get(&signature(&s.labels, m));
            for (i, v) in s.values.iter_mut().enumerate() {
                let there = p.is_some_and(|p| p[i]);
                if there != keep_if_present {
                    *v = None;
                }
            }
            s
        };
        let out: Vec<StepSeries> = match op {
            BinOp::And => {
                let present = presence(&rhs);
                lhs.into_iter().map(|s| mask(s, &present, true)).collect()
            }
            BinOp::Unless => {
                let present = presence(&rhs);
                lhs.into_iter().map(|s| mask(s, &present, false)).collect()
            }
            _ => {
                let present = presence(&lhs);
                let mut out = lhs;
                out.extend(rhs.into_iter().map(|s| mask(s, &present, false)));
                out
            }
        };
        out.into_iter().filter(|s| s.values.iter().any(Option::is_some)).collect()
    }

    fn vector_vector(
        &self,
        op: BinOp,
        lhs: Vec<StepSeries>,
        rhs: Vec<StepSeries>,
        m: &VectorMatching,
        return_bool: bool,
    ) -> EResult<Vec<StepSeries>> {
        // The "one" side is always `one`; for group_right the operands swap back for `op`.
        let swapped = m.card == Cardinality::OneToMany;
        let (many, one) = if swapped { (rhs, lhs) } else { (lhs, rhs) };
        let mut one_index: HashMap<Labels, Vec<usize>> = HashMap::new();
        for (i, s) in one.iter().enumerate() {
            one_index.entry(signature(&s.labels, m)).or_default().push(i);
        }
        let mut out: Vec<StepSeries> = Vec::new();
        let mut out_index: HashMap<Labels, usize> = HashMap::new();
        for ls in &many {
            let sig = signature(&ls.labels, m);
            let Some(candidates) = one_index.get(&sig) else {
                continue;
            };
            for i in 0..self.n {
                let Some(lv) = ls.values[i] else { continue };
                let mut matched = candidates.iter().filter(|&&c| one[c].values[i].is_some());
                let Some(&rs_idx) = matched.next() else { continue };
                if matched.next().is_some() {
                    let side = if swapped { "left" } else { "right" };
                    return Err(exec(format!(
                        "found duplicate series for the match group {} on the {side} hand-side of the operation;many-to-many matching not allowed: matching labels must be unique on one side",
                        format_labels(&sig)
                    )));
                }
                let rs = &one[rs_idx];
                let Some(rv) = rs.values[i] else { continue };
                let (a, b) = if swapped { (rv, lv) } else { (lv, rv) };
                let (mut value, mut keep) = elem_binop(op, a, b);
                if return_bool {
                    value = if keep { 1.0 } else { 0.0 };
                    keep = true;
                }
                if !keep {
                    continue;
                }
                let labels = result_metric(&ls.labels, &rs.labels, op, m, return_bool);
                let idx = match out_index.entry(labels) {
                    Entry::Occupied(e) => *e.get(),
                    Entry::Vacant(e) => {
                        out.push(StepSeries {
                            labels: e.key().clone(),
                            values: vec![None; self.n],
                        });
                        e.insert(out.len() - 1);
                        out.len() - 1
                    }
                };
                if out[idx].values[i].is_some() && m.card == Cardinality::OneToOne {
                    return Err(exec(
                        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
                    ));
                }
                out[idx].values[i] = Some(value);
            }
        }
        Ok(out)
    }
}

fn exec(msg: impl Into<String>) -> EvalError {
    EvalError::Execution(msg.into())
}

fn counter_kind(name: &str) -> CounterFn {
    match name {
        "increase" => CounterFn::Increase,
        "irate" => CounterFn::Irate,
        _ => CounterFn::Rate,
    }
}

fn map_series(series: Vec<StepSeries>, drop_name: bool, f: impl Fn(f64) -> f64) -> Vec<StepSeries> {
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

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn label_replace(
    series: Vec<StepSeries>,
    dst: &str,
    replacement: &str,
    src: &str,
    re: &str,
) -> EResult<Vec<StepSeries>> {
    let regex = Regex::new(&format!("^(?s:{re})$"))
        .map_err(|e| exec(format!("invalid regular expression in label_replace(): {re}: {e}")))?;
    if !valid_label_name(dst) {
        return Err(exec(format!("invalid destination label name in label_replace(): {dst}")));
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

fn signature(labels: &Labels, m: &VectorMatching) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| {
            if m.on {
                m.labels.contains(k)
            } else {
                k.as_str() != METRIC_NAME && !m.labels.contains(k)
            }
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn result_metric(l: &Labels, r: &Labels, op: BinOp, m: &VectorMatching, return_bool: bool) -> Labels {
    let mut out = l.clone();
    if !op.is_comparison() || return_bool {
        out.remove(METRIC_NAME);
    }
    if m.card == Cardinality::OneToOne {
        if m.on {
            out.retain(|k, _| m.labels.contains(k));
        } else {
            for name in &m.labels {
                out.remove(name);
            }
        }
    }
    for name in &m.include {
        match r.get(name) {
            Some(v) if !v.is_empty() => {
                out.insert(name.clone(), v.clone());
            }
            _ => {
                out.remove(name);
            }
        }
    }
    out
}

fn vector_scalar(op: BinOp, series: Vec<StepSeries>, scalar: &[f64], swap: bool, return_bool: bool) -> Vec<StepSeries> {
    series
        .into_iter()
        .filter_map(|mut s| {
            if !op.is_comparison() || return_bool {
                s.labels.remove(METRIC_NAME);
            }
            for (i, v) in s.values.iter_mut().enumerate() {
                *v = v.and_then(|x| {
                    let (a, b) = if swap { (scalar[i], x) } else { (x, scalar[i]) };
                    let (mut value, mut keep) = elem_binop(op, a, b);
                    // In a scalar-vector comparison the vector's sample is what survives.
                    if op.is_comparison() && swap {
                        value = x;
                    }
                    if return_bool {
                        value = if keep { 1.0 } else { 0.0 };
                        keep = true;
                    }
                    keep.then_some(value)
                });
            }
            s.values.iter().any(Option::is_some).then_some(s)
        })
        .collect()
}

/// The value and whether the sample is kept: comparisons filter and keep the left value.
fn elem_binop(op: BinOp, a: f64, b: f64) -> (f64, bool) {
    if op.is_comparison() {
        (a, compare(op, a, b))
    } else {
        (arith(op, a, b), true)
    }
}

fn arith(op: BinOp, a: f64, b: f64) -> f64 {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Mod => a % b,
        BinOp::Pow => a.powf(b),
        BinOp::Atan2 => a.atan2(b),
        _ => f64::NAN,
    }
}

fn compare(op: BinOp, a: f64, b: f64) -> bool {
    match op {
        BinOp::Eql => a == b,
        BinOp::Neq => a != b,
        BinOp::Lt => a < b,
        BinOp::Lte => a <= b,
        BinOp::Gt => a > b,
        BinOp::Gte => a >= b,
        _ => false,
    }
}

/// Prometheus's sample value format (Go's `strconv.FormatFloat(v, 'f', -1, 64)`).
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v == f64::INFINITY {
        "+Inf".to_string()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        format!("{v}")
    }
}

fn format_labels(labels: &Labels) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(", "))
}
