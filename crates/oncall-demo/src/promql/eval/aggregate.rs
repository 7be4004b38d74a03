//! Aggregations: `sum`, `avg`, `min`, `max`, `count`, `group`, `stddev`, `stdvar`, `topk`,
//! `bottomk`, `quantile`, `count_values`, with `by` and `without`.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use super::{
    exec, format_value, valid_label_name, Ctx, EResult, Labels, StepSeries, Value, METRIC_NAME,
};
use crate::promql::ast::{AggOp, Expr};
use crate::promql::functions::quantile;

impl Ctx<'_> {
    pub(super) fn aggregate(
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
                        let k = if k[i].is_nan() {
                            0
                        } else {
                            k[i].max(0.0) as usize
                        };
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
                let label =
                    self.string_arg(param.ok_or_else(|| exec("count_values needs a label"))?)?;
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
                                let slot =
                                    &mut out.entry(l).or_insert_with(|| vec![None; self.n])[i];
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
                            let mut vs: Vec<f64> = members
                                .iter()
                                .filter_map(|&m| series[m].values[i])
                                .collect();
                            if vs.is_empty() {
                                return None;
                            }
                            let n = vs.len() as f64;
                            Some(match op {
                                AggOp::Sum => vs.iter().sum(),
                                AggOp::Avg => vs.iter().sum::<f64>() / n,
                                AggOp::Count => n,
                                AggOp::Group => 1.0,
                                AggOp::Min => vs.iter().copied().fold(f64::NAN, |a, v| {
                                    if a.is_nan() || v < a {
                                        v
                                    } else {
                                        a
                                    }
                                }),
                                AggOp::Max => vs.iter().copied().fold(f64::NAN, |a, v| {
                                    if a.is_nan() || v > a {
                                        v
                                    } else {
                                        a
                                    }
                                }),
                                AggOp::Stddev | AggOp::Stdvar => {
                                    let mean = vs.iter().sum::<f64>() / n;
                                    let var =
                                        vs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
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
}
