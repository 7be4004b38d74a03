//! A panel draws a few dozen series at most; a query that returns thousands is cut to the
//! ones that matter now, and the panel says how many it had. Used by the UI's panel fetch and
//! meant for `oncall snapshot` alike.

use crate::model::series::Series;

/// The `n` series with the highest newest value (a series with no finite value last), in
/// their original order. All of them when there are `n` or fewer.
pub fn top_series(mut series: Vec<Series>, n: usize) -> Vec<Series> {
    if series.len() <= n {
        return series;
    }
    let newest = |s: &Series| {
        s.points
            .last()
            .map(|p| p.1)
            .filter(|v| v.is_finite())
            .unwrap_or(f64::NEG_INFINITY)
    };
    let mut ranked: Vec<(usize, f64)> = series.iter().map(newest).enumerate().collect();
    // Highest first; ties keep the original order.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut keep: Vec<bool> = vec![false; series.len()];
    for (i, _) in ranked.into_iter().take(n) {
        keep[i] = true;
    }
    let mut i = 0;
    series.retain(|_| {
        let k = keep[i];
        i += 1;
        k
    });
    series
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(name: &str, last: f64) -> Series {
        Series {
            labels: [("instance".to_string(), name.to_string())]
                .into_iter()
                .collect(),
            points: vec![(0, 1.0), (1, last)],
        }
    }

    #[test]
    fn keeps_the_highest_newest_values_in_order() {
        let all = vec![
            series("a", 1.0),
            series("b", f64::NAN),
            series("c", 9.0),
            series("d", 5.0),
        ];
        let names: Vec<String> = top_series(all, 2)
            .iter()
            .map(|s| s.labels["instance"].clone())
            .collect();
        assert_eq!(names, ["c", "d"]);
        assert_eq!(top_series(vec![series("a", 1.0)], 2).len(), 1);
    }
}
