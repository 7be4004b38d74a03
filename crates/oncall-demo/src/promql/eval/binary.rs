//! Binary operators: arithmetic and comparisons between scalars and vectors, vector matching
//! (`on`, `ignoring`, `group_left`, `group_right`) and the set operators.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::{exec, format_labels, Ctx, EResult, Labels, StepSeries, Value, METRIC_NAME};
use crate::promql::ast::{BinOp, Cardinality, Expr, VectorMatching};

impl Ctx<'_> {
    pub(super) fn binary(
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
            (Value::Vector(v), Value::Scalar(s)) => {
                Ok(Value::Vector(vector_scalar(op, v, &s, false, return_bool)))
            }
            (Value::Scalar(s), Value::Vector(v)) => {
                Ok(Value::Vector(vector_scalar(op, v, &s, true, return_bool)))
            }
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
                    self.vector_vector(op, a, b, m, return_bool)
                        .map(Value::Vector)
                }
            }
            _ => Err(exec("binary operation on a string")),
        }
    }

    fn set_op(
        &self,
        op: BinOp,
        lhs: Vec<StepSeries>,
        rhs: Vec<StepSeries>,
        m: &VectorMatching,
    ) -> Vec<StepSeries> {
        let presence = |side: &[StepSeries]| -> HashMap<Labels, Vec<bool>> {
            let mut map: HashMap<Labels, Vec<bool>> = HashMap::new();
            for s in side {
                let slot = map
                    .entry(signature(&s.labels, m))
                    .or_insert_with(|| vec![false; self.n]);
                for (p, v) in slot.iter_mut().zip(&s.values) {
                    *p |= v.is_some();
                }
            }
            map
        };
        let mask =
            |mut s: StepSeries, present: &HashMap<Labels, Vec<bool>>, keep_if_present: bool| {
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
        out.into_iter()
            .filter(|s| s.values.iter().any(Option::is_some))
            .collect()
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
            one_index
                .entry(signature(&s.labels, m))
                .or_default()
                .push(i);
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
                let Some(&rs_idx) = matched.next() else {
                    continue;
                };
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

fn result_metric(
    l: &Labels,
    r: &Labels,
    op: BinOp,
    m: &VectorMatching,
    return_bool: bool,
) -> Labels {
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

fn vector_scalar(
    op: BinOp,
    series: Vec<StepSeries>,
    scalar: &[f64],
    swap: bool,
    return_bool: bool,
) -> Vec<StepSeries> {
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
