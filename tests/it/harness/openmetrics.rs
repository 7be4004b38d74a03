//! OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`: hours of history
//! written into the TSDB before Prometheus starts.

use std::fmt::Write;

/// Builds OpenMetrics text. Each family is written contiguously and each series in
/// ascending time, which is what promtool's parser requires; timestamps are seconds.
#[derive(Default)]
pub struct OpenMetrics {
    text: String,
}

impl OpenMetrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// A gauge family: `series` is a list of label sets (`[("job","api")]`), each sampled
    /// every `step_s` seconds over `[from_s, to_s]` with `value(series_index, t)`.
    pub fn gauge(
        mut self,
        name: &str,
        series: &[&[(&str, &str)]],
        from_s: i64,
        to_s: i64,
        step_s: i64,
        value: impl Fn(usize, i64) -> f64,
    ) -> Self {
        let _ = writeln!(self.text, "# TYPE {name} gauge");
        self.samples(name, series, from_s, to_s, step_s, value);
        self
    }

    /// A counter family; `name` is the family name and samples are written as `name_total`.
    pub fn counter(
        mut self,
        name: &str,
        series: &[&[(&str, &str)]],
        from_s: i64,
        to_s: i64,
        step_s: i64,
        value: impl Fn(usize, i64) -> f64,
    ) -> Self {
        let _ = writeln!(self.text, "# TYPE {name} counter");
        self.samples(
            &format!("{name}_total"),
            series,
            from_s,
            to_s,
            step_s,
            value,
        );
        self
    }

    fn samples(
        &mut self,
        sample_name: &str,
        series: &[&[(&str, &str)]],
        from_s: i64,
        to_s: i64,
        step_s: i64,
        value: impl Fn(usize, i64) -> f64,
    ) {
        for (i, labels) in series.iter().enumerate() {
            let labels = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect::<Vec<_>>()
                .join(",");
            let mut t = from_s;
            while t <= to_s {
                let _ = writeln!(self.text, "{sample_name}{{{labels}}} {} {t}", value(i, t));
                t += step_s;
            }
        }
    }

    /// One series of an untyped family from recorded points `(unix seconds, value)`, e.g. data
    /// read from another Prometheus-compatible source. Call it for every series of a family in
    /// a row (promtool wants families contiguous); non-finite values are skipped.
    pub fn recorded(
        mut self,
        sample_name: &str,
        labels: &[(String, String)],
        points: &[(i64, f64)],
    ) -> Self {
        let labels = labels
            .iter()
            .map(|(k, v)| {
                let v = v
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n");
                format!("{k}=\"{v}\"")
            })
            .collect::<Vec<_>>()
            .join(",");
        for (t, v) in points.iter().filter(|(_, v)| v.is_finite()) {
            let _ = writeln!(self.text, "{sample_name}{{{labels}}} {v} {t}");
        }
        self
    }

    /// The finished text, terminated by the `# EOF` OpenMetrics requires.
    pub fn finish(mut self) -> String {
        self.text.push_str("# EOF\n");
        self.text
    }
}
