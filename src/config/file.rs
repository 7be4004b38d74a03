//! The config file exactly as written: serde structs that reject unknown keys, and the parse
//! that turns a TOML or schema error into `file:line:column: ... in [table] ...`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::error::{ConfigError, Origin};
use super::values::{
    BackendUrl, ByteSize, CommandLine, ConfigDuration, InlineSecret, NotifyMode, OneOrMany,
    ProxyUrl,
};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub current_context: Option<Spanned<String>>,
    pub author: Option<Spanned<String>>,
    pub theme: Option<Spanned<String>>,
    pub runbook_dirs: Option<Vec<Spanned<String>>>,
    pub runbook_annotation_keys: Option<Spanned<Vec<String>>>,
    pub runbook_allowed_hosts: Option<Spanned<Vec<String>>>,
    pub runbook_label_patterns: Option<Spanned<BTreeMap<String, String>>>,
    pub ack_duration: Option<Spanned<ConfigDuration>>,
    /// Time to acknowledge and to resolve, per tier (`[response_targets.critical]`).
    pub response_targets: Option<TargetsFile>,
    pub ui: Option<UiFile>,
    pub contexts: Option<BTreeMap<ContextName, ContextFile>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextFile {
    pub prometheus: Option<PrometheusFile>,
    pub alertmanagers: Option<OneOrMany<AlertmanagerFile>>,
    pub pagerduty: Option<PagerDutyFile>,
    /// Refuse every change (silences, acks, resolves, runbook steps) in this context.
    pub readonly: Option<Spanned<bool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsFile {
    pub critical: Option<TargetFile>,
    pub high: Option<TargetFile>,
    pub warning: Option<TargetFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    pub ack: Option<Spanned<ConfigDuration>>,
    pub resolve: Option<Spanned<ConfigDuration>>,
}

/// Settings for the TUI. Every field is optional: the TUI owns the defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiFile {
    pub refresh: Option<Spanned<ConfigDuration>>,
    pub alerts_refresh: Option<Spanned<ConfigDuration>>,
    pub incidents_refresh: Option<Spanned<ConfigDuration>>,
    pub time_range: Option<Spanned<ConfigDuration>>,
    pub dashboard: Option<String>,
    pub mouse: Option<bool>,
    pub ascii: Option<bool>,
    pub osc52: Option<bool>,
    pub notify: Option<NotifyMode>,
}

/// Declares a backend table with the transport keys every backend shares (TLS, headers,
/// timeouts, proxy, body cap) and, with `auth`, basic and bearer auth. A macro rather than
/// `#[serde(flatten)]`, because flatten disables `deny_unknown_fields`.
macro_rules! backend_table {
    ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty,)* } $(auth: $auth:tt)?) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(pub $field: $ty,)*
            pub ca_file: Option<Spanned<String>>,
            pub cert_file: Option<Spanned<String>>,
            pub key_file: Option<Spanned<String>>,
            pub insecure_skip_verify: Option<bool>,
            pub headers: Option<BTreeMap<String, Spanned<InlineSecret>>>,
            pub timeout: Option<Spanned<ConfigDuration>>,
            pub connect_timeout: Option<Spanned<ConfigDuration>>,
            pub proxy_url: Option<Spanned<ProxyUrl>>,
            pub max_body_bytes: Option<Spanned<ByteSize>>,
            $(
                #[doc = concat!("Basic and bearer auth (", stringify!($auth), ").")]
                pub username: Option<Spanned<String>>,
                pub password: Option<Spanned<InlineSecret>>,
                pub password_file: Option<Spanned<String>>,
                pub bearer_token: Option<Spanned<InlineSecret>>,
                pub bearer_token_file: Option<Spanned<String>>,
            )?
        }

        impl $name {
            pub fn transport(&self) -> TransportKeys<'_> {
                TransportKeys {
                    ca_file: self.ca_file.as_ref(),
                    cert_file: self.cert_file.as_ref(),
                    key_file: self.key_file.as_ref(),
                    insecure_skip_verify: self.insecure_skip_verify.unwrap_or(false),
                    headers: self.headers.as_ref(),
                    timeout: self.timeout.as_ref(),
                    connect_timeout: self.connect_timeout.as_ref(),
                    proxy_url: self.proxy_url.as_ref(),
                    max_body_bytes: self.max_body_bytes.as_ref(),
                }
            }

            $(
                #[doc = concat!("The auth keys (", stringify!($auth), ").")]
                pub fn auth(&self) -> AuthKeys<'_> {
                    AuthKeys {
                        username: self.username.as_ref(),
                        password: self.password.as_ref(),
                        password_file: self.password_file.as_ref(),
                        bearer_token: self.bearer_token.as_ref(),
                        bearer_token_file: self.bearer_token_file.as_ref(),
                    }
                }
            )?
        }
    };
}

backend_table! {
    /// `[contexts.NAME.prometheus]`
    PrometheusFile {
        url: Spanned<BackendUrl>,
    }
    auth: basic_and_bearer
}

backend_table! {
    /// `[contexts.NAME.alertmanagers]`: one table, or `[[...]]` for peers with different settings.
    AlertmanagerFile {
        url: Option<Spanned<BackendUrl>>,
        urls: Option<Spanned<Vec<Spanned<BackendUrl>>>>,
    }
    auth: basic_and_bearer
}

backend_table! {
    /// `[contexts.NAME.pagerduty]`
    PagerDutyFile {
        url: Option<Spanned<BackendUrl>>,
        from: Option<Spanned<String>>,
        token_env: Option<Spanned<String>>,
        token_file: Option<Spanned<String>>,
        token_command: Option<Spanned<CommandLine>>,
        token: Option<Spanned<InlineSecret>>,
    }
}

/// A context name: letters, digits, `-`, `_` and `.`, so it works as a flag value, a keyring
/// user and a table key without quoting.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContextName(pub String);

impl ContextName {
    pub fn check(name: &str) -> Result<(), String> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(())
        } else {
            Err(format!(
                "context name `{}` may only hold letters, digits, `-`, `_` and `.` (at most 64)",
                crate::sanitize::one_line(name)
            ))
        }
    }
}

impl<'de> Deserialize<'de> for ContextName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        ContextName::check(&name).map_err(serde::de::Error::custom)?;
        Ok(ContextName(name))
    }
}

/// The transport keys of one backend table, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct TransportKeys<'a> {
    pub ca_file: Option<&'a Spanned<String>>,
    pub cert_file: Option<&'a Spanned<String>>,
    pub key_file: Option<&'a Spanned<String>>,
    pub insecure_skip_verify: bool,
    pub headers: Option<&'a BTreeMap<String, Spanned<InlineSecret>>>,
    pub timeout: Option<&'a Spanned<ConfigDuration>>,
    pub connect_timeout: Option<&'a Spanned<ConfigDuration>>,
    pub proxy_url: Option<&'a Spanned<ProxyUrl>>,
    pub max_body_bytes: Option<&'a Spanned<ByteSize>>,
}

/// The auth keys of a Prometheus or Alertmanager table, borrowed.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthKeys<'a> {
    pub username: Option<&'a Spanned<String>>,
    pub password: Option<&'a Spanned<InlineSecret>>,
    pub password_file: Option<&'a Spanned<String>>,
    pub bearer_token: Option<&'a Spanned<InlineSecret>>,
    pub bearer_token_file: Option<&'a Spanned<String>>,
}

/// Parse config text. `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let key_path = err.path().to_string();
        let inner = err.into_inner();
        let (line, column) = inner
            .span()
            .map(|s| line_column(text, s.start))
            .unwrap_or((1, 1));
        ConfigError::invalid(
            Origin::File {
                path: path.to_path_buf(),
                line,
                column,
            },
            explain(inner.message(), &key_path),
        )
    })
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Reword serde's message in the config's terms: keys and tables, not fields and structs.
fn explain(message: &str, key_path: &str) -> String {
    // The TOML parser's messages span lines ("invalid table header\nexpected `.`, `]`").
    let message = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let message = message.as_str();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let table = table_of(key_path, Some(key));
        let expected = expected
            .trim_start_matches(',')
            .trim()
            .trim_start_matches("expected one of ")
            .trim_start_matches("expected ")
            .replace('`', "");
        return if expected.starts_with("there are no fields") || expected.is_empty() {
            format!("unknown key `{key}` in {table}")
        } else {
            format!("unknown key `{key}` in {table}; expected one of {expected}")
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        return format!("{} needs the key `{key}`", table_of(key_path, None));
    }
    if key_path.is_empty() || key_path == "." {
        return message.to_string();
    }
    let message = message.replace("invalid type: ", "wrong type: ");
    format!("`{}`: {message}", display_key_path(key_path))
}

/// `[contexts.prod]` for the table holding a key. serde_path_to_error reports the path
/// of the key itself for unknown keys, and of the table for missing ones.
fn table_of(key_path: &str, key: Option<&str>) -> String {
    let mut path = display_key_path(key_path);
    if let Some(key) = key {
        if path == key {
            path.clear();
        } else if let Some(stripped) = path.strip_suffix(&format!(".{key}")) {
            path = stripped.to_string();
        }
    }
    if path.is_empty() {
        "the top level".into()
    } else {
        format!("[{path}]")
    }
}

/// serde_path_to_error writes `?` for a path it could not name and `[0]` for sequence indices.
/// Spanned values add a private segment, which means nothing to the user.
fn display_key_path(key_path: &str) -> String {
    key_path
        .trim_start_matches('.')
        .replace(".$__serde_spanned_private_value", "")
        .replace(".?", "")
        .replace('?', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, Path::new("/etc/oncall/config.toml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn unknown_key_names_file_line_table_and_the_keys_expected() {
        let text = "current_context = \"prod\"\n\n[contexts.prod]\npromethues = { url = \"http://p:9090\" }\n";
        let msg = err(text);
        assert!(msg.starts_with("/etc/oncall/config.toml:4:"), "{msg}");
        assert!(
            msg.contains("unknown key `promethues` in [contexts.prod]"),
            "{msg}"
        );
        assert!(
            msg.contains("expected one of prometheus, alertmanagers, pagerduty, readonly"),
            "{msg}"
        );
    }

    #[test]
    fn bad_value_names_the_key_and_what_is_expected() {
        let text =
            "[contexts.prod.prometheus]\nurl = \"http://p:9090\"\ntimeout = \"10 seconds\"\n";
        let msg = err(text);
        assert!(msg.starts_with("/etc/oncall/config.toml:3:11:"), "{msg}");
        assert!(msg.contains("contexts.prod.prometheus.timeout"), "{msg}");
        assert!(msg.contains("expected a duration like"), "{msg}");
    }

    #[test]
    fn missing_url_names_the_table() {
        let msg = err("[contexts.prod.prometheus]\ntimeout = \"5s\"\n");
        assert!(
            msg.contains("[contexts.prod.prometheus] needs the key `url`"),
            "{msg}"
        );
    }

    #[test]
    fn malformed_toml_points_at_the_line() {
        let msg = err("author = \"a\"\n[contexts.prod\n");
        assert!(msg.starts_with("/etc/oncall/config.toml:2:"), "{msg}");
    }

    #[test]
    fn alertmanagers_is_a_table_or_an_array_of_tables() {
        let one = parse(
            "[contexts.a.alertmanagers]\nurls = [\"http://a:9093\", \"http://b:9093\"]\n",
            Path::new("c"),
        )
        .unwrap();
        let ctx = one.contexts.unwrap();
        assert_eq!(
            ctx.values()
                .next()
                .unwrap()
                .alertmanagers
                .as_ref()
                .unwrap()
                .0
                .len(),
            1
        );
        let many = parse(
            "[[contexts.a.alertmanagers]]\nurl = \"http://a:9093\"\n[[contexts.a.alertmanagers]]\nurl = \"http://b:9093\"\ntimeout = \"3s\"\n",
            Path::new("c"),
        )
        .unwrap();
        assert_eq!(
            many.contexts
                .unwrap()
                .values()
                .next()
                .unwrap()
                .alertmanagers
                .as_ref()
                .unwrap()
                .0
                .len(),
            2
        );
    }

    #[test]
    fn unknown_key_inside_an_array_of_tables_is_still_located() {
        let msg = err("[[contexts.a.alertmanagers]]\nurl = \"http://a:9093\"\ntimeuot = \"3s\"\n");
        assert!(msg.starts_with("/etc/oncall/config.toml:3:"), "{msg}");
        assert!(msg.contains("unknown key `timeuot`"), "{msg}");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncdé f", 8), (2, 5));
        assert_eq!(line_column("x", 0), (1, 1));
    }
}
