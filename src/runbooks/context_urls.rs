//! The backends' URLs a runbook step may use: `${prometheus_url}` and `${alertmanager_url}`
//! are the current context's (the demo's with `--demo`), so a step queries the Prometheus
//! whose alert is on screen. They are substituted like labels (per argument, checked), and an
//! alert label of the same name never overrides them: alert labels are untrusted.

use std::collections::BTreeMap;

use url::Url;

/// Used when the context has no such backend, as the shipped runbooks were written.
pub const DEFAULT_PROMETHEUS_URL: &str = "http://prometheus:9090";
pub const DEFAULT_ALERTMANAGER_URL: &str = "http://alertmanager:9093";

/// The placeholder values for a context with these backends: the URL without credentials or
/// query, and without a trailing slash (steps append `/api/...`).
pub fn context_urls(
    prometheus: Option<&Url>,
    alertmanager: Option<&Url>,
) -> BTreeMap<String, String> {
    let show = |u: &Url| {
        let mut u = u.clone();
        let _ = u.set_username("");
        let _ = u.set_password(None);
        u.set_query(None);
        u.set_fragment(None);
        u.to_string().trim_end_matches('/').to_string()
    };
    [
        (
            "prometheus_url",
            prometheus
                .map(show)
                .unwrap_or_else(|| DEFAULT_PROMETHEUS_URL.into()),
        ),
        (
            "alertmanager_url",
            alertmanager
                .map(show)
                .unwrap_or_else(|| DEFAULT_ALERTMANAGER_URL.into()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The alert's labels with the context's URLs laid over them.
/// A name `urls` lacks gets its default.
pub fn with_context_urls(
    mut labels: BTreeMap<String, String>,
    urls: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    labels.extend(context_urls(None, None));
    labels.extend(urls.iter().map(|(k, v)| (k.clone(), v.clone())));
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contexts_urls_win_over_labels_and_lose_their_secrets() {
        let prom = Url::parse("http://bob:pw@127.0.0.1:9999/prom/?access_token=x").unwrap();
        let urls = context_urls(Some(&prom), None);
        assert_eq!(urls["prometheus_url"], "http://127.0.0.1:9999/prom");
        assert_eq!(urls["alertmanager_url"], DEFAULT_ALERTMANAGER_URL);
        let hostile: BTreeMap<String, String> =
            [("prometheus_url".to_string(), "http://evil".to_string())].into();
        let labels = with_context_urls(hostile, &urls);
        assert_eq!(labels["prometheus_url"], "http://127.0.0.1:9999/prom");
        let plan = crate::runbooks::plan(
            "curl -s ${prometheus_url}/api/v1/query",
            &labels,
            &crate::runbooks::ValuePolicy::default(),
        )
        .unwrap();
        assert_eq!(plan.argv[2], "http://127.0.0.1:9999/prom/api/v1/query");
    }
}
