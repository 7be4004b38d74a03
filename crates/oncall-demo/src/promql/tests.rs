//! The parser and evaluator against a small in-memory storage with known samples.

use super::*;

/// A series written as `name{a="1"}` and its value at scrape `k` (every 15 s).
type SeriesDef<'a> = (&'a str, Box<dyn Fn(i64) -> f64>);

/// Samples per series, every 15 s.
struct Memory {
    series: Vec<(Labels, Vec<(i64, f64)>)>,
}

impl Memory {
    fn new(defs: &[SeriesDef]) -> Memory {
        let series = defs
            .iter()
            .map(|(text, f)| {
                let labels = parse_labels(text);
                let samples = (0..=240).map(|k| (k * 15_000, f(k))).collect();
                (labels, samples)
            })
            .collect();
        Memory { series }
    }
}

/// `name{a="1",b="2"}` into labels.
fn parse_labels(text: &str) -> Labels {
    let (name, rest) = text.split_once('{').unwrap_or((text, "}"));
    let mut labels = Labels::new();
    labels.insert("__name__".into(), name.into());
    for pair in rest
        .trim_end_matches('}')
        .split(',')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap();
        labels.insert(k.into(), v.trim_matches('"').into());
    }
    labels
}

impl Storage for Memory {
    fn select(&self, matchers: &[LabelMatcher]) -> Vec<SeriesRef> {
        self.series
            .iter()
            .enumerate()
            .filter(|(_, (labels, _))| {
                matchers
                    .iter()
                    .all(|m| m.matches(labels.get(&m.name).map(String::as_str).unwrap_or("")))
            })
            .map(|(id, (labels, _))| SeriesRef {
                id,
                labels: labels.clone(),
            })
            .collect()
    }

    fn instant(&self, s: &SeriesRef, t: i64) -> Option<(i64, f64)> {
        self.series[s.id]
            .1
            .iter()
            .rev()
            .find(|p| p.0 <= t && t - p.0 <= 300_000)
            .copied()
    }

    fn samples(&self, s: &SeriesRef, from: i64, to: i64) -> Vec<(i64, f64)> {
        self.series[s.id]
            .1
            .iter()
            .filter(|p| p.0 > from && p.0 <= to)
            .copied()
            .collect()
    }
}

fn storage() -> Memory {
    Memory::new(&[
        (
            "requests_total{job=\"api\",instance=\"a\",status=\"200\"}",
            Box::new(|k| (k * 30) as f64),
        ),
        (
            "requests_total{job=\"api\",instance=\"b\",status=\"500\"}",
            Box::new(|k| (k * 3) as f64),
        ),
        (
            "requests_total{job=\"db\",instance=\"c\",status=\"200\"}",
            Box::new(|k| (k * 15) as f64),
        ),
        ("up{job=\"api\",instance=\"a\"}", Box::new(|_| 1.0)),
        (
            "up{job=\"api\",instance=\"b\"}",
            Box::new(|k| if k > 100 { 0.0 } else { 1.0 }),
        ),
        ("up{job=\"db\",instance=\"c\"}", Box::new(|_| 1.0)),
        ("limit{job=\"api\"}", Box::new(|_| 100.0)),
        ("limit{job=\"db\"}", Box::new(|_| 50.0)),
        ("lat_bucket{le=\"0.1\"}", Box::new(|k| (k * 10) as f64)),
        ("lat_bucket{le=\"0.5\"}", Box::new(|k| (k * 18) as f64)),
        ("lat_bucket{le=\"+Inf\"}", Box::new(|k| (k * 20) as f64)),
    ])
}

const T: i64 = 3_600_000;

fn instant(q: &str) -> InstantResult {
    let expr = parse(q).unwrap_or_else(|e| panic!("{q}: {}", e.render(q)));
    instant_query(&storage(), &expr, T).unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn scalar(q: &str) -> f64 {
    match instant(q) {
        InstantResult::Scalar(v) => v,
        other => panic!("{q}: expected a scalar, got {other:?}"),
    }
}

/// The vector result as `labels -> value`, labels written `k=v,...` without the name.
fn vector(q: &str) -> Vec<(String, f64)> {
    let InstantResult::Vector(samples) = instant(q) else {
        panic!("{q}: expected a vector");
    };
    let mut out: Vec<(String, f64)> = samples
        .into_iter()
        .map(|(labels, v)| {
            let text: Vec<String> = labels
                .iter()
                .filter(|(k, _)| k.as_str() != "__name__")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            (text.join(","), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn error(q: &str) -> String {
    parse(q)
        .map(|_| String::new())
        .unwrap_or_else(|e| e.render(q))
}

#[test]
fn precedence_and_associativity() {
    assert_eq!(scalar("1 + 2 * 3"), 7.0);
    assert_eq!(scalar("2 ^ 3 ^ 2"), 512.0);
    assert_eq!(scalar("-2 ^ 2"), -4.0);
    assert_eq!(scalar("(1 + 2) * 3"), 9.0);
    assert_eq!(scalar("7 % 4 - 10 / 4"), 0.5);
    assert_eq!(scalar("1 < bool 2"), 1.0);
    assert_eq!(scalar("0x10 + 1e1 + .5"), 26.5);
    assert!(scalar("NaN").is_nan());
    assert_eq!(scalar("time()"), 3600.0);
}

#[test]
fn parse_errors_read_like_prometheus() {
    assert_eq!(
        error("foo bar"),
        "1:5: parse error: unexpected identifier \"bar\""
    );
    assert!(error("sum(rate(x[5m])").contains("unexpected end of input"));
    assert_eq!(
        error("{}"),
        "1:1: parse error: vector selector must contain at least one non-empty matcher"
    );
    assert_eq!(
        error("rate(up)"),
        "1:1: parse error: expected type range vector in call to function \"rate\", got instant vector"
    );
    assert_eq!(
        error("1 > 2"),
        "1:3: parse error: comparisons between scalars must use BOOL modifier"
    );
    assert!(error("up[5m] + 1")
        .contains("binary expression must contain only scalar and instant vector types"));
    assert_eq!(
        error("nope(up)"),
        "1:1: parse error: unknown function with name \"nope\""
    );
    assert!(error("up offset 5m offset 1m").contains("offset may not be set multiple times"));
    assert!(error("up{job=~\"(\"}").contains("error parsing regexp"));
    assert!(error("sum by (job) (up) and 1").contains("set operator \"and\" not allowed"));
    assert!(error("up\n  + )").starts_with("2:5: parse error"));
    assert!(error("topk(up)").contains("wrong number of arguments"));
    assert!(error("").contains("no expression found"));
}

#[test]
fn selectors_and_aggregations() {
    assert_eq!(
        vector("up{job=~\"a.*\",instance!=\"b\"}"),
        vec![("instance=a,job=api".into(), 1.0)]
    );
    assert_eq!(
        vector("sum by (job) (up)"),
        vec![("job=api".into(), 1.0), ("job=db".into(), 1.0)]
    );
    assert_eq!(vector("count without (instance) (up)").len(), 2);
    assert_eq!(vector("max(limit)"), vec![(String::new(), 100.0)]);
    assert_eq!(vector("topk(1, limit)"), vec![("job=api".into(), 100.0)]);
    assert_eq!(vector("bottomk(1, limit)"), vec![("job=db".into(), 50.0)]);
    assert_eq!(vector("quantile(0.5, limit)"), vec![(String::new(), 75.0)]);
    assert_eq!(
        vector("count_values(\"v\", up)"),
        vec![("v=0".into(), 1.0), ("v=1".into(), 2.0)]
    );
    assert_eq!(
        vector("up offset 50m"),
        vec![
            ("instance=a,job=api".into(), 1.0),
            ("instance=b,job=api".into(), 1.0),
            ("instance=c,job=db".into(), 1.0),
        ]
    );
}

#[test]
fn rates_and_range_functions() {
    // requests_total grows by 30 every 15 s on instance a: 2 per second.
    assert_eq!(
        vector("rate(requests_total{instance=\"a\"}[5m])"),
        vec![("instance=a,job=api,status=200".into(), 2.0)]
    );
    assert_eq!(
        vector("increase(requests_total{instance=\"a\"}[5m])"),
        vec![("instance=a,job=api,status=200".into(), 600.0)]
    );
    assert_eq!(
        vector("sum by (job) (irate(requests_total[1m]))"),
        vec![("job=api".into(), 2.2), ("job=db".into(), 1.0)]
    );
    assert_eq!(
        vector("avg_over_time(up{instance=\"b\"}[1h])")[0].1,
        100.0 / 240.0
    );
    assert_eq!(vector("count_over_time(up{instance=\"a\"}[1m])")[0].1, 4.0);
    assert_eq!(vector("changes(up{instance=\"b\"}[1h])")[0].1, 1.0);
    assert_eq!(
        vector("deriv(requests_total{instance=\"c\"}[5m])")[0].1,
        1.0
    );
    // A subquery: the 1 m rate sampled every minute over 10 minutes.
    assert_eq!(
        vector("max_over_time(rate(requests_total{instance=\"a\"}[1m])[10m:1m])"),
        vec![("instance=a,job=api,status=200".into(), 2.0)]
    );
    let InstantResult::Matrix(m) = instant("up{instance=\"a\"}[1m]") else {
        panic!("a range selector is a matrix")
    };
    assert_eq!(m[0].1.len(), 4);
}

#[test]
fn vector_matching_and_set_operations() {
    // Error ratio per job: one-to-one after aggregation.
    let ratio = vector(
        "sum by (job) (rate(requests_total{status=\"500\"}[5m])) / sum by (job) (rate(requests_total[5m]))",
    );
    assert_eq!(ratio.len(), 1);
    assert!((ratio[0].1 - 0.2 / 2.2).abs() < 1e-12);
    // Many-to-one: each target's up divided by its job's limit.
    assert_eq!(
        vector("up / on (job) group_left limit"),
        vec![
            ("instance=a,job=api".into(), 0.01),
            ("instance=b,job=api".into(), 0.0),
            ("instance=c,job=db".into(), 0.02),
        ]
    );
    // Without group_left, matching many to one is an error.
    let expr = parse("up / on (job) limit").unwrap();
    assert!(instant_query(&storage(), &expr, T).is_err());
    assert_eq!(vector("up == 0"), vec![("instance=b,job=api".into(), 0.0)]);
    assert_eq!(vector("up == bool 0").len(), 3);
    assert_eq!(vector("up and on (instance) (up == 0)").len(), 1);
    assert_eq!(vector("up unless on (instance) (up == 0)").len(), 2);
    assert_eq!(vector("limit or vector(7)").len(), 3);
    assert_eq!(vector("vector(0) or limit").len(), 3);
    assert_eq!(
        vector("(absent(nothing) or vector(2)) * 3"),
        vec![(String::new(), 3.0)]
    );
}

#[test]
fn functions() {
    assert_eq!(
        vector("histogram_quantile(0.9, rate(lat_bucket[5m]))"),
        vec![(String::new(), 0.5)]
    );
    let p50 = vector("histogram_quantile(0.5, rate(lat_bucket[5m]))")[0].1;
    assert!((p50 - 0.1).abs() < 1e-9, "{p50}");
    assert_eq!(
        vector("absent(nope{job=\"x\"})"),
        vec![("job=x".into(), 1.0)]
    );
    assert!(vector("absent(up)").is_empty());
    assert_eq!(
        vector("label_replace(limit, \"svc\", \"$1-svc\", \"job\", \"(.*)\")"),
        vec![
            ("job=api,svc=api-svc".into(), 100.0),
            ("job=db,svc=db-svc".into(), 50.0)
        ]
    );
    assert_eq!(vector("clamp_max(limit, 60)")[0].1, 60.0);
    assert_eq!(vector("round(limit / 3)")[0].1, 33.0);
    assert_eq!(scalar("scalar(max(limit))"), 100.0);
    assert_eq!(vector("hour()"), vec![(String::new(), 1.0)]);
    assert_eq!(vector("timestamp(up{instance=\"a\"})")[0].1, 3600.0);
}

#[test]
fn range_queries_step_through_the_grid() {
    let expr = parse("sum(rate(requests_total[1m]))").unwrap();
    let m = range_query(&storage(), &expr, 600_000, 1_200_000, 60_000).unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].1.len(), 11);
    assert!(m[0]
        .1
        .iter()
        .all(|&(t, v)| t % 60_000 == 0 && (v - 3.2).abs() < 1e-9));
    // A scalar becomes one unlabelled series.
    let m = range_query(&storage(), &parse("1 + 1").unwrap(), 0, 60_000, 15_000).unwrap();
    assert_eq!(
        m,
        vec![(
            Labels::new(),
            vec![
                (0, 2.0),
                (15_000, 2.0),
                (30_000, 2.0),
                (45_000, 2.0),
                (60_000, 2.0)
            ]
        )]
    );
}
