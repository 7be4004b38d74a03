#[cfg(test)]
mod tests {
    use crate::demo::promql::{parse, range_query};
    use crate::demo::scenario::Scenario;
    use crate::demo::storage::View;
    use std::collections::BTreeMap;

    #[test]
    #[ignore]
    fn print_dashboards() {
        let anchor = 1_763_800_000_000i64;
        let t0 = std::time::Instant::now();
        let sc = Scenario::new(anchor, 42);
        eprintln!("scenario: {} series in {:?}", sc.series.len(), t0.elapsed());
        let view = View { scenario: &sc, now: anchor };
        let loaded = crate::dashboards::load_all(None);
        for d in &loaded.dashboards {
            eprintln!("=== {}", d.id);
            let window = crate::dashboards::plan_range(anchor, d.range, 100, &Default::default());
            for p in &d.panels {
                for q in &p.queries {
                    let vars: BTreeMap<String, crate::dashboards::VarValue> = d.variables.iter().map(|v| (v.name.clone(), crate::dashboards::VarValue::All)).collect();
                    let expr = crate::dashboards::plan::expand(&q.expr, &vars, &window, std::time::Duration::from_secs(15));
                    let t = std::time::Instant::now();
                    let e = match parse(&expr) { Ok(e) => e, Err(e) => { eprintln!("PARSE {} {}", expr, e.render(&expr)); continue; } };
                    match range_query(&view, &e, window.start_ms, window.end_ms, window.step_ms) {
                        Ok(m) => {
                            let summary: Vec<String> = m.iter().take(6).map(|(l, pts)| {
                                let vals: Vec<f64> = pts.iter().map(|p| p.1).collect();
                                let min = vals.iter().cloned().fold(f64::INFINITY, f64::min);
                                let max = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                                let leg: Vec<String> = l.iter().filter(|(k,_)| k.as_str()!="__name__").map(|(k,v)| format!("{k}={v}")).collect();
                                format!("[{}] n={} min={:.4} max={:.4} last={:.4}", leg.join(","), pts.len(), min, max, vals.last().unwrap())
                            }).collect();
                            eprintln!("{} | {} ({:?}) series={}\n    {}", p.title, q.legend.clone().unwrap_or_default(), t.elapsed(), m.len(), summary.join("\n    "));
                        }
                        Err(e) => eprintln!("ERR {} {}", expr, e),
                    }
                }
            }
        }
    }
}
