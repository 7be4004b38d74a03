//! A range query's series decoded keeping only the `N` with the highest newest value, and
//! counting the rest: a query that returns 50,000 series costs the memory of `N` of them and
//! of the body, not of every series at once (a panel draws a few dozen at most).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::prometheus::Sample;
use crate::model::series::Series;

/// `data` of a query answer, cut to its top `N` series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopSeries<const N: usize> {
    /// In the order Prometheus listed them.
    pub series: Vec<Series>,
    /// How many series the answer held.
    pub total: usize,
}

/// One element of `result`: a matrix series (`values`) or a vector sample (`value`).
#[derive(Deserialize)]
struct AnySeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<Sample>,
    #[serde(default)]
    value: Option<Sample>,
}

/// The newest finite value, the rank of a series (none ranks last).
fn newest(s: &Series) -> f64 {
    s.points
        .last()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .unwrap_or(f64::NEG_INFINITY)
}

/// `result`, cut while it is read.
struct Kept<const N: usize>(Vec<(usize, Series)>, usize);

impl<'de, const N: usize> Deserialize<'de> for Kept<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const N: usize>;
        impl<'de, const N: usize> Visitor<'de> for V<N> {
            type Value = Kept<N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of series")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kept<N>, A::Error> {
                let mut kept: Vec<(usize, Series)> = Vec::with_capacity(N.min(64));
                let mut total = 0;
                while let Some(raw) = seq.next_element::<AnySeries>()? {
                    let mut points: Vec<_> = raw.values.into_iter().map(|s| s.0).collect();
                    points.extend(raw.value.map(|s| s.0));
                    let series = Series {
                        labels: raw.metric,
                        points,
                    };
                    let at = total;
                    total += 1;
                    if kept.len() < N {
                        kept.push((at, series));
                        continue;
                    }
                    // N is small (a panel's worth): a scan beats a heap's bookkeeping.
                    let lowest = kept
                        .iter()
                        .enumerate()
                        .min_by(|a, b| newest(&a.1 .1).total_cmp(&newest(&b.1 .1)))
                        .map(|(i, _)| i);
                    if let Some(i) = lowest {
                        if newest(&series) > newest(&kept[i].1) {
                            kept[i] = (at, series);
                        }
                    }
                }
                Ok(Kept(kept, total))
            }
        }
        d.deserialize_seq(V::<N>)
    }
}

impl<'de, const N: usize> Deserialize<'de> for TopSeries<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const N: usize>;
        impl<'de, const N: usize> Visitor<'de> for V<N> {
            type Value = TopSeries<N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a query result with `resultType` and `result`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopSeries<N>, A::Error> {
                let mut kept: Option<Kept<N>> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "resultType" => match map.next_value::<String>()?.as_str() {
                            "matrix" | "vector" => {}
                            other => {
                                return Err(de::Error::custom(format!(
                                    "a `{other}` result where series were expected"
                                )))
                            }
                        },
                        "result" => kept = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let Kept(mut kept, total) =
                    kept.ok_or_else(|| de::Error::missing_field("result"))?;
                kept.sort_by_key(|(at, _)| *at);
                Ok(TopSeries {
                    series: kept.into_iter().map(|(_, s)| s).collect(),
                    total,
                })
            }
        }
        d.deserialize_map(V::<N>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(lasts: &[f64]) -> String {
        let result: Vec<String> = lasts
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let v = if v.is_nan() {
                    "NaN".to_string()
                } else {
                    v.to_string()
                };
                format!(r#"{{"metric":{{"i":"{i}"}},"values":[[1,"0"],[2,"{v}"]]}}"#)
            })
            .collect();
        format!(
            r#"{{"resultType":"matrix","result":[{}]}}"#,
            result.join(",")
        )
    }

    #[test]
    fn keeps_the_highest_newest_values_in_their_order_and_counts_all() {
        let top: TopSeries<2> =
            serde_json::from_str(&matrix(&[1.0, f64::NAN, 9.0, 5.0, 3.0])).unwrap();
        let ids: Vec<&str> = top.series.iter().map(|s| s.labels["i"].as_str()).collect();
        assert_eq!(ids, ["2", "3"]);
        assert_eq!(top.total, 5);
        let all: TopSeries<10> = serde_json::from_str(&matrix(&[1.0, 2.0])).unwrap();
        assert_eq!((all.series.len(), all.total), (2, 2));
        assert_eq!(all.series[1].points, vec![(1000, 0.0), (2000, 2.0)]);
        let bad =
            serde_json::from_str::<TopSeries<2>>(r#"{"resultType":"scalar","result":[1,"2"]}"#);
        assert!(bad.is_err());
    }
}
