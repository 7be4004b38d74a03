//! Evaluation over a grid of steps. Every node yields all its steps at once (one value slot
//! per step per series), the way Prometheus's range evaluation works, so a 1,000-step query
//! selects each series once instead of 1,000 times.

mod aggregate;
mod binary;
mod calls;

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};

use self::calls::map_series;
use super::ast::{At, Expr, LabelMatcher, VectorSelector};
use super::functions::{counter_fn, CounterFn};

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
pub fn range_query(
    storage: &dyn Storage,
    expr: &Expr,
    start: i64,
    end: i64,
    step: i64,
) -> EResult<Matrix> {
    let n = steps(start, end, step)?;
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
        Value::Str(_) => return Err(EvalError::Execution(
            "invalid expression type \"string\" for range query, must be Scalar or instant Vector"
                .into(),
        )),
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

/// The number of evaluation steps, refused when a single series would exceed the budget.
fn steps(start: i64, end: i64, step: i64) -> EResult<usize> {
    if step <= 0 || end < start {
        return Err(exec(
            "the evaluation grid needs a positive step and end >= start",
        ));
    }
    let n = (end - start) / step + 1;
    if n as u64 > MAX_POINTS {
        return Err(EvalError::TooManySamples);
    }
    Ok(n as usize)
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
    Computed {
        labels: Labels,
        samples: Vec<(i64, f64)>,
    },
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
            Expr::Matrix { .. } | Expr::Subquery { .. } => {
                Err(exec("a range vector can only be an argument of a function"))
            }
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
                        n: steps(inner_start, inner_end, step)?,
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
}

fn exec(msg: impl Into<String>) -> EvalError {
    EvalError::Execution(msg.into())
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
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
