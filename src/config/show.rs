//! `oncall config show`: the effective settings with every secret replaced by `<redacted>`
//! and, for each URL and credential, where it came from.

use serde_json::{json, Map, Value};

use super::error::display_path;
use super::Settings;
use crate::duration::format_duration;
use crate::sources::transport::{redact_url, Auth, Endpoint};

const REDACTED: &str = "<redacted>";

/// The effective settings as JSON (for `-o json`), secrets redacted.
pub fn effective(settings: &Settings) -> Value {
    let mut out = Map::new();
    out.insert(
        "config_file".into(),
        json!(settings
            .path
            .as_deref()
            .map(display_path)
            .unwrap_or_else(|| "(none)".into())),
    );
    out.insert("context".into(), json!(settings.context));
    if !settings.contexts.is_empty() {
        out.insert("contexts".into(), json!(settings.contexts));
    }
    let readonly = settings.readonly();
    out.insert("readonly".into(), json!(readonly.is_set()));
    if readonly.is_set() {
        out.insert("readonly_source".into(), json!(readonly.label()));
    }
    out.insert("author".into(), json!(settings.author));
    if let Some(theme) = &settings.theme {
        out.insert("theme".into(), json!(theme));
    }
    out.insert(
        "runbook_dirs".into(),
        json!(settings
            .runbook_dirs
            .iter()
            .map(|p| display_path(p))
            .collect::<Vec<_>>()),
    );
    out.insert(
        "runbook_annotation_keys".into(),
        json!(settings.runbook_annotation_keys),
    );
    out.insert(
        "runbook_allowed_hosts".into(),
        json!(settings.runbook_allowed_hosts),
    );
    out.insert(
        "runbook_label_patterns".into(),
        json!(settings.runbook_label_patterns),
    );
    out.insert(
        "ack_duration".into(),
        json!(format_duration(settings.ack_duration)),
    );
    if !settings.insecure.is_empty() {
        out.insert("tls_verification_off".into(), json!(settings.insecure));
    }
    let ui = ui(settings);
    if !ui.is_empty() {
        out.insert("ui".into(), Value::Object(ui));
    }
    if let Some(p) = &settings.prometheus {
        out.insert("prometheus".into(), endpoint(p, settings, "prometheus"));
    }
    if !settings.alertmanagers.is_empty() {
        let list = settings
            .alertmanagers
            .iter()
            .enumerate()
            .map(|(i, ep)| endpoint(ep, settings, &format!("alertmanagers[{i}]")))
            .collect();
        out.insert("alertmanagers".into(), Value::Array(list));
    }
    if let Some(pd) = &settings.pagerduty {
        let mut v = endpoint(&pd.endpoint_without_token, settings, "pagerduty");
        if let Value::Object(m) = &mut v {
            if let Some(from) = &pd.from {
                m.insert("from".into(), json!(from));
                if let Some(src) = settings.source_of("pagerduty.from") {
                    m.insert("from_source".into(), json!(src));
                }
            }
            m.insert("token".into(), json!(REDACTED));
            m.insert("token_source".into(), json!(pd.token.describe()));
        }
        out.insert("pagerduty".into(), v);
    }
    Value::Object(out)
}

/// The effective settings as TOML-like text (for the table output).
pub fn render_text(settings: &Settings) -> String {
    let header = format!(
        "# Effective settings of context `{}` (secrets redacted).\n# Read from: {}\n",
        settings.context,
        settings
            .path
            .as_deref()
            .map(display_path)
            .unwrap_or_else(|| "no config file; environment and defaults only".into()),
    );
    let body = toml::Value::try_from(effective(settings))
        .ok()
        .and_then(|v| toml::to_string_pretty(&v).ok())
        .unwrap_or_else(|| "# (could not render as TOML; use -o json)\n".into());
    format!("{header}\n{body}")
}

fn ui(settings: &Settings) -> Map<String, Value> {
    let ui = &settings.ui;
    let mut m = Map::new();
    let durations = [
        ("refresh", ui.refresh),
        ("alerts_refresh", ui.alerts_refresh),
        ("incidents_refresh", ui.incidents_refresh),
        ("time_range", ui.time_range),
    ];
    for (key, value) in durations {
        if let Some(d) = value {
            m.insert(key.into(), json!(format_duration(d)));
        }
    }
    if let Some(d) = &ui.dashboard {
        m.insert("dashboard".into(), json!(d));
    }
    if let Some(b) = ui.mouse {
        m.insert("mouse".into(), json!(b));
    }
    if let Some(b) = ui.ascii {
        m.insert("ascii".into(), json!(b));
    }
    if let Some(b) = ui.osc52 {
        m.insert("osc52".into(), json!(b));
    }
    if let Some(mode) = ui.notify {
        m.insert("notify".into(), json!(mode.as_str()));
    }
    m
}

fn endpoint(ep: &Endpoint, settings: &Settings, key: &str) -> Value {
    let mut m = Map::new();
    m.insert("url".into(), json!(redact_url(&ep.base_url)));
    if let Some(src) = settings.source_of(&format!("{key}.url")) {
        m.insert("url_source".into(), json!(src));
    }
    let auth = match &ep.auth {
        Auth::None => None,
        Auth::Basic { username, .. } => {
            Some(format!("basic (user {username}, password {REDACTED})"))
        }
        Auth::Bearer(_) => Some(format!("bearer {REDACTED}")),
        Auth::PagerDutyToken(_) => Some(format!("token {REDACTED}")),
    };
    if let Some(auth) = auth {
        m.insert("auth".into(), json!(auth));
        if let Some(src) = settings.source_of(&format!("{key}.auth")) {
            m.insert("auth_source".into(), json!(src));
        }
    }
    if !ep.headers.is_empty() {
        let headers: Map<String, Value> = ep
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if header_value_is_shown(name) {
                    crate::sanitize::one_line(value.expose())
                } else {
                    REDACTED.to_string()
                };
                (name.clone(), json!(shown))
            })
            .collect();
        m.insert("headers".into(), Value::Object(headers));
    }
    for (name, path) in [
        ("ca_file", &ep.tls.ca_file),
        ("cert_file", &ep.tls.cert_file),
        ("key_file", &ep.tls.key_file),
    ] {
        if let Some(p) = path {
            m.insert(name.into(), json!(display_path(p)));
        }
    }
    if ep.tls.insecure_skip_verify {
        m.insert("insecure_skip_verify".into(), json!(true));
    }
    m.insert("timeout".into(), json!(format_duration(ep.timeout)));
    m.insert(
        "connect_timeout".into(),
        json!(format_duration(ep.connect_timeout)),
    );
    if ep.proxy.is_some() {
        m.insert("proxy_url".into(), json!(REDACTED));
    }
    m.insert("max_body_bytes".into(), json!(ep.max_body_bytes));
    Value::Object(m)
}

/// Tenant headers such as `X-Scope-OrgID` help when debugging and are not credentials;
/// anything that looks like one stays hidden.
fn header_value_is_shown(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ![
        "authorization",
        "cookie",
        "token",
        "secret",
        "key",
        "password",
        "auth",
        "session",
    ]
    .iter()
    .any(|w| n.contains(w))
}
