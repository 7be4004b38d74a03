//! From the parsed file and the environment to `Settings`: pick the context, check every
//! value that the TOML types could not (files exist, auth keys go together, inline secrets
//! only in private files), and apply the environment overrides.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::error::{display_path, ConfigError, Origin};
use super::file::{
    self, AlertmanagerFile, AuthKeys, ConfigFile, ContextFile, TransportKeys, UiFile,
};
use super::readonly::{self, ReadOnly, ReadOnlyReason, ENV_READONLY};
use super::secrets::{keyring_user, readable_by_others, TokenSource};
use super::values::{BackendUrl, ConfigDuration, InlineSecret};
use super::{
    default_author, default_config_path, LoadOptions, PagerDutySettings, Settings, UiSettings,
    DEFAULT_ACK_DURATION, DEFAULT_CONTEXT, DEFAULT_PAGERDUTY_URL, DEFAULT_RUNBOOK_ANNOTATION_KEYS,
};
use crate::secret::Secret;
use crate::sources::transport::redact_url;
use crate::sources::transport::{Auth, Endpoint};

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

const ENV_CONFIG: &str = "ONCALL_CONFIG";
const ENV_CONTEXT: &str = "ONCALL_CONTEXT";
const ENV_PROMETHEUS_URL: &str = "ONCALL_PROMETHEUS_URL";
const ENV_ALERTMANAGER_URL: &str = "ONCALL_ALERTMANAGER_URL";
const ENV_PAGERDUTY_URL: &str = "ONCALL_PAGERDUTY_URL";
const ENV_PAGERDUTY_TOKEN: &str = "ONCALL_PAGERDUTY_TOKEN";
const ENV_PAGERDUTY_FROM: &str = "ONCALL_PAGERDUTY_FROM";

/// The config file to read and whether the user named it (then it must exist).
pub(super) fn choose_path(
    opts: &LoadOptions,
    env: Env<'_>,
) -> Result<(PathBuf, bool), ConfigError> {
    if let Some(path) = &opts.config_path {
        return Ok((path.clone(), true));
    }
    if let Some(path) = env_value(env, ENV_CONFIG) {
        return Ok((PathBuf::from(path), true));
    }
    default_config_path()
        .map(|p| (p, false))
        .ok_or(ConfigError::NoConfigDir)
}

fn env_value(env: Env<'_>, var: &str) -> Option<String> {
    env(var)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub(super) fn load_with(opts: &LoadOptions, env: Env<'_>) -> Result<Settings, ConfigError> {
    let source = match choose_path(opts, env) {
        Ok((path, explicit)) => read_file(path, explicit)?,
        // No home directory and no --config: run on the environment alone.
        Err(ConfigError::NoConfigDir) => None,
        Err(e) => return Err(e),
    };
    let parsed = match &source {
        Some(src) => file::parse(&src.text, &src.path)?,
        None => ConfigFile::default(),
    };
    let mut loader = Loader {
        env,
        src: source.as_ref(),
        insecure: Vec::new(),
        provenance: Vec::new(),
    };
    loader.settings(opts, &parsed)
}

/// A config file that was read, with what is needed to point into it.
struct Source {
    path: PathBuf,
    text: String,
    /// Set when group or others can read the file: inline secrets are then refused.
    readable_mode: Option<u32>,
}

fn read_file(path: PathBuf, explicit: bool) -> Result<Option<Source>, ConfigError> {
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(Source {
            readable_mode: readable_by_others(&path),
            path,
            text,
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if explicit {
                Err(ConfigError::NotFound { path, explicit })
            } else {
                Ok(None)
            }
        }
        Err(source) => Err(ConfigError::Read { path, source }),
    }
}

impl Source {
    fn at(&self, span: Range<usize>) -> Origin {
        let (line, column) = file::line_column(&self.text, span.start);
        Origin::File {
            path: self.path.clone(),
            line,
            column,
        }
    }

    fn invalid<T>(&self, value: &Spanned<T>, message: impl Into<String>) -> ConfigError {
        ConfigError::invalid(self.at(value.span()), message)
    }

    /// Inline secrets are allowed only in a file nobody else can read.
    fn check_inline_secret<T>(&self, value: &Spanned<T>, key: &str) -> Result<(), ConfigError> {
        match self.readable_mode {
            Some(mode) => Err(ConfigError::ReadableSecret {
                origin: self.at(value.span()),
                key: key.to_string(),
                path: self.path.clone(),
                mode,
            }),
            None => Ok(()),
        }
    }

    /// `~/x` is under the home directory; a relative path is relative to the config file.
    fn path(&self, raw: &str, env: Env<'_>) -> PathBuf {
        let home = env_value(env, "HOME")
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()));
        if let Some(home) = home {
            if raw == "~" {
                return home;
            }
            if let Some(rest) = raw.strip_prefix("~/") {
                return home.join(rest);
            }
        }
        let path = PathBuf::from(raw);
        if path.is_relative() {
            self.path.parent().unwrap_or(Path::new(".")).join(path)
        } else {
            path
        }
    }

    fn existing_file(
        &self,
        value: &Spanned<String>,
        key: &str,
        env: Env<'_>,
    ) -> Result<PathBuf, ConfigError> {
        let path = self.path(value.get_ref(), env);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Ok(path),
            Ok(_) => Err(self.invalid(
                value,
                format!("{key} {} is not a file", display_path(&path)),
            )),
            Err(e) => Err(self.invalid(value, format!("{key} {}: {e}", display_path(&path)))),
        }
    }

    /// The first line of a secret file (`password_file`, `bearer_token_file`).
    fn secret_file(
        &self,
        value: &Spanned<String>,
        key: &str,
        env: Env<'_>,
    ) -> Result<(Secret, PathBuf), ConfigError> {
        let path = self.existing_file(value, key, env)?;
        let text = std::fs::read_to_string(&path).map_err(|e| {
            self.invalid(
                value,
                format!("cannot read {key} {}: {e}", display_path(&path)),
            )
        })?;
        let line = text.lines().next().unwrap_or("").trim();
        if line.is_empty() {
            return Err(self.invalid(value, format!("{key} {} is empty", display_path(&path))));
        }
        Ok((Secret::new(line), path))
    }
}

struct Loader<'a> {
    env: Env<'a>,
    src: Option<&'a Source>,
    insecure: Vec<String>,
    provenance: Vec<(String, String)>,
}

impl<'a> Loader<'a> {
    fn settings(
        &mut self,
        opts: &LoadOptions,
        parsed: &ConfigFile,
    ) -> Result<Settings, ConfigError> {
        let contexts: Vec<String> = parsed
            .contexts
            .iter()
            .flat_map(|m| m.keys().map(|k| k.0.clone()))
            .collect();
        let (context, context_file) = self.choose_context(opts, parsed, &contexts)?;
        let empty = ContextFile::default();
        let ctx = context_file.unwrap_or(&empty);

        let readonly = self.readonly(parsed)?;
        let prometheus = self.prometheus(ctx)?;
        let alertmanagers = self.alertmanagers(ctx)?;
        let pagerduty = self.pagerduty(ctx, &context)?;

        let mut settings = Settings {
            path: self.src.map(|s| s.path.clone()),
            context,
            contexts,
            prometheus,
            alertmanagers,
            pagerduty,
            author: default_author(self.env),
            theme: None,
            runbook_dirs: Vec::new(),
            runbook_annotation_keys: DEFAULT_RUNBOOK_ANNOTATION_KEYS
                .iter()
                .map(|k| k.to_string())
                .collect(),
            runbook_allowed_hosts: Vec::new(),
            runbook_label_patterns: std::collections::BTreeMap::new(),
            ack_duration: DEFAULT_ACK_DURATION,
            response_targets: Default::default(),
            insecure: Vec::new(),
            ui: UiSettings::default(),
            readonly_reasons: readonly,
            provenance: Vec::new(),
        };
        if let Some(src) = self.src {
            self.globals(src, parsed, &mut settings)?;
        }
        settings.insecure = std::mem::take(&mut self.insecure);
        settings.provenance = std::mem::take(&mut self.provenance);
        Ok(settings)
    }

    fn choose_context<'f>(
        &self,
        opts: &LoadOptions,
        parsed: &'f ConfigFile,
        known: &[String],
    ) -> Result<(String, Option<&'f ContextFile>), ConfigError> {
        let path = self.src.map(|s| s.path.clone());
        let (name, from) = if let Some(name) = opts.context.as_ref().filter(|c| !c.is_empty()) {
            (name.clone(), "--context".to_string())
        } else if let Some(name) = env_value(self.env, ENV_CONTEXT) {
            (name, ENV_CONTEXT.to_string())
        } else if let (Some(current), Some(src)) = (&parsed.current_context, self.src) {
            (
                current.get_ref().clone(),
                format!("current_context at {}", src.at(current.span())),
            )
        } else {
            match known {
                [] => return Ok((DEFAULT_CONTEXT.to_string(), None)),
                [only] => (only.clone(), "the only context".to_string()),
                _ => {
                    return Err(ConfigError::NoCurrentContext {
                        path: path.unwrap_or_default(),
                        known: known.to_vec(),
                    })
                }
            }
        };
        let found = parsed
            .contexts
            .as_ref()
            .and_then(|m| m.iter().find(|(k, _)| k.0 == name).map(|(_, v)| v));
        match found {
            Some(ctx) => Ok((name, Some(ctx))),
            None if known.is_empty() && name == DEFAULT_CONTEXT => Ok((name, None)),
            None => Err(ConfigError::UnknownContext {
                name: crate::sanitize::one_line(&name),
                from,
                known: known.to_vec(),
                path,
            }),
        }
    }

    /// `readonly = true` of every context (with its position, so a context switch knows the
    /// new context's state) and `ONCALL_READONLY`.
    fn readonly(&self, parsed: &ConfigFile) -> Result<ReadOnly, ConfigError> {
        let mut readonly = ReadOnly::default();
        for (name, ctx) in parsed.contexts.iter().flatten() {
            if let Some(flag) = ctx.readonly.as_ref().filter(|f| *f.get_ref()) {
                readonly.add(ReadOnlyReason::Context {
                    name: name.0.clone(),
                    at: self.src.map(|s| s.at(flag.span())),
                });
            }
        }
        if readonly::from_env((self.env)(ENV_READONLY))? {
            readonly.add(ReadOnlyReason::Env);
        }
        Ok(readonly)
    }

    /// Record where a setting came from; a later source (the environment) replaces an earlier one.
    fn note(&mut self, key: impl Into<String>, source: impl Into<String>) {
        let key = key.into();
        self.provenance.retain(|(k, _)| *k != key);
        self.provenance.push((key, source.into()));
    }

    fn file_note(&self) -> String {
        self.src
            .map(|s| display_path(&s.path))
            .unwrap_or_else(|| "config".into())
    }

    fn env_url(&self, var: &'static str) -> Result<Option<BackendUrl>, ConfigError> {
        env_value(self.env, var)
            .map(|v| {
                BackendUrl::parse(&v).map_err(|m| ConfigError::invalid(Origin::Env(var.into()), m))
            })
            .transpose()
    }

    fn prometheus(&mut self, ctx: &ContextFile) -> Result<Option<Endpoint>, ConfigError> {
        let mut endpoint = match (&ctx.prometheus, self.src) {
            (Some(p), Some(src)) => {
                let ep = self.endpoint(
                    src,
                    "prometheus",
                    "prometheus",
                    p.url.get_ref().0.clone(),
                    p.transport(),
                    Some(p.auth()),
                )?;
                self.note("prometheus.url", self.file_note());
                Some(ep)
            }
            _ => None,
        };
        if let Some(url) = self.env_url(ENV_PROMETHEUS_URL)? {
            endpoint = Some(with_url(endpoint, url));
            self.note("prometheus.url", ENV_PROMETHEUS_URL);
        }
        Ok(endpoint)
    }

    fn alertmanagers(&mut self, ctx: &ContextFile) -> Result<Vec<Endpoint>, ConfigError> {
        let mut endpoints: Vec<Endpoint> = Vec::new();
        if let (Some(tables), Some(src)) = (&ctx.alertmanagers, self.src) {
            for table in &tables.0 {
                for url in am_urls(src, table)? {
                    if endpoints.iter().any(|e| e.base_url == url.get_ref().0) {
                        return Err(src.invalid(
                            url,
                            format!(
                                "Alertmanager {} is listed twice",
                                redact_url(&url.get_ref().0)
                            ),
                        ));
                    }
                    let key = format!("alertmanagers[{}]", endpoints.len());
                    let label = format!("alertmanager {}", redact_url(&url.get_ref().0));
                    let ep = self.endpoint(
                        src,
                        &key,
                        &label,
                        url.get_ref().0.clone(),
                        table.transport(),
                        Some(table.auth()),
                    )?;
                    self.note(
                        format!("alertmanagers[{}].url", endpoints.len()),
                        self.file_note(),
                    );
                    endpoints.push(ep);
                }
            }
        }
        if let Some(list) = env_value(self.env, ENV_ALERTMANAGER_URL) {
            let origin = || Origin::Env(ENV_ALERTMANAGER_URL.into());
            // Peers keep the transport settings (TLS, auth) of the first configured table.
            let template = endpoints.first().cloned();
            let mut from_env: Vec<Endpoint> = Vec::new();
            for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let url = BackendUrl::parse(part).map_err(|m| ConfigError::invalid(origin(), m))?;
                if from_env.iter().any(|e| e.base_url == url.0) {
                    return Err(ConfigError::invalid(
                        origin(),
                        format!("{} is listed twice", redact_url(&url.0)),
                    ));
                }
                from_env.push(with_url(template.clone(), url));
            }
            let template_auth = self
                .provenance
                .iter()
                .find(|(k, _)| k == "alertmanagers[0].auth")
                .map(|(_, v)| v.clone());
            self.provenance
                .retain(|(k, _)| !k.starts_with("alertmanagers["));
            for i in 0..from_env.len() {
                self.note(format!("alertmanagers[{i}].url"), ENV_ALERTMANAGER_URL);
                if let Some(auth) = &template_auth {
                    self.note(format!("alertmanagers[{i}].auth"), auth.clone());
                }
            }
            endpoints = from_env;
        }
        Ok(endpoints)
    }

    fn pagerduty(
        &mut self,
        ctx: &ContextFile,
        context: &str,
    ) -> Result<Option<PagerDutySettings>, ConfigError> {
        let env_url = self.env_url(ENV_PAGERDUTY_URL)?;
        let env_token = env_value(self.env, ENV_PAGERDUTY_TOKEN).is_some();
        let env_from = env_value(self.env, ENV_PAGERDUTY_FROM);
        let table = ctx.pagerduty.as_ref().zip(self.src);
        if table.is_none() && env_url.is_none() && !env_token && env_from.is_none() {
            return Ok(None);
        }
        let default_url = BackendUrl::parse(DEFAULT_PAGERDUTY_URL)
            .map_err(|m| ConfigError::invalid(Origin::Default, m))?;

        let (mut endpoint, mut from, mut token) = match table {
            Some((pd, src)) => {
                let url = pd
                    .url
                    .as_ref()
                    .map(|u| u.get_ref().clone())
                    .unwrap_or(default_url);
                let endpoint =
                    self.endpoint(src, "pagerduty", "pagerduty", url.0, pd.transport(), None)?;
                let from = match &pd.from {
                    Some(f) => Some(check_email(f.get_ref()).map_err(|m| src.invalid(f, m))?),
                    None => None,
                };
                let token = self.token_source(src, pd, context)?;
                self.note(
                    "pagerduty.url",
                    if pd.url.is_some() {
                        self.file_note()
                    } else {
                        "default".into()
                    },
                );
                (endpoint, from, token)
            }
            None => {
                self.note("pagerduty.url", "default");
                let token = TokenSource::Keyring {
                    user: keyring_user(context),
                };
                (Endpoint::new(default_url.0), None, token)
            }
        };
        if let Some(url) = env_url {
            endpoint.base_url = url.0;
            self.note("pagerduty.url", ENV_PAGERDUTY_URL);
        }
        if let Some(f) = env_from {
            from =
                Some(check_email(&f).map_err(|m| {
                    ConfigError::invalid(Origin::Env(ENV_PAGERDUTY_FROM.into()), m)
                })?);
            self.note("pagerduty.from", ENV_PAGERDUTY_FROM);
        } else if from.is_some() {
            self.note("pagerduty.from", self.file_note());
        }
        if env_token {
            token = TokenSource::Env {
                var: ENV_PAGERDUTY_TOKEN.into(),
            };
        }
        Ok(Some(PagerDutySettings {
            endpoint_without_token: endpoint,
            from,
            token,
            context: context.to_string(),
        }))
    }

    /// The configured token source: `token_env` when that variable is set, else the one of
    /// `token_file`, `token_command`, `token`, else `token_env` (to say it is unset), else the keyring.
    fn token_source(
        &self,
        src: &Source,
        pd: &file::PagerDutyFile,
        context: &str,
    ) -> Result<TokenSource, ConfigError> {
        let explicit: Vec<(&str, Range<usize>)> = [
            pd.token_file.as_ref().map(|s| ("token_file", s.span())),
            pd.token_command
                .as_ref()
                .map(|s| ("token_command", s.span())),
            pd.token.as_ref().map(|s| ("token", s.span())),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let [(first, _), (second, span), ..] = explicit.as_slice() {
            return Err(ConfigError::invalid(
                src.at(span.clone()),
                format!("[contexts.{context}.pagerduty] sets both {first} and {second}; keep one token source"),
            ));
        }
        if let Some(var) = &pd.token_env {
            let name = var.get_ref();
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(src.invalid(
                    var,
                    format!("token_env `{name}` is not an environment variable name"),
                ));
            }
            if env_value(self.env, name).is_some() || explicit.is_empty() {
                return Ok(TokenSource::Env { var: name.clone() });
            }
        }
        if let Some(path) = &pd.token_file {
            return Ok(TokenSource::File {
                path: src.path(path.get_ref(), self.env),
            });
        }
        if let Some(argv) = &pd.token_command {
            return Ok(TokenSource::Command {
                argv: argv.get_ref().clone(),
            });
        }
        if let Some(token) = &pd.token {
            src.check_inline_secret(token, "token")?;
            return Ok(TokenSource::Inline {
                secret: token.get_ref().0.clone(),
            });
        }
        Ok(TokenSource::Keyring {
            user: keyring_user(context),
        })
    }

    /// One backend's endpoint from its table. `key` names it in `provenance`
    /// (`alertmanagers[1]`), `label` in the insecure list (`alertmanager https://…`).
    fn endpoint(
        &mut self,
        src: &Source,
        key: &str,
        label: &str,
        url: url::Url,
        t: TransportKeys<'_>,
        auth: Option<AuthKeys<'_>>,
    ) -> Result<Endpoint, ConfigError> {
        let mut ep = Endpoint::new(url);
        if let Some(timeout) = t.timeout {
            ep.timeout = positive(src, timeout, "timeout")?;
        }
        if let Some(timeout) = t.connect_timeout {
            ep.connect_timeout = positive(src, timeout, "connect_timeout")?;
        }
        if let Some(max) = t.max_body_bytes {
            if max.get_ref().0 < 1024 {
                return Err(src.invalid(max, "max_body_bytes must be at least 1KiB"));
            }
            ep.max_body_bytes = max.get_ref().0;
        }
        if let Some(ca) = t.ca_file {
            ep.tls.ca_file = Some(src.existing_file(ca, "ca_file", self.env)?);
        }
        match (t.cert_file, t.key_file) {
            (Some(cert), Some(key)) => {
                ep.tls.cert_file = Some(src.existing_file(cert, "cert_file", self.env)?);
                ep.tls.key_file = Some(src.existing_file(key, "key_file", self.env)?);
            }
            (Some(cert), None) => {
                return Err(src.invalid(cert, "cert_file needs key_file too: mTLS uses both"))
            }
            (None, Some(key)) => {
                return Err(src.invalid(key, "key_file needs cert_file too: mTLS uses both"))
            }
            (None, None) => {}
        }
        if t.insecure_skip_verify {
            ep.tls.insecure_skip_verify = true;
            self.insecure.push(label.to_string());
        }
        for (name, value) in t.headers.into_iter().flatten() {
            check_header(name, value.get_ref()).map_err(|m| src.invalid(value, m))?;
            if header_is_secret(name) {
                src.check_inline_secret(value, &format!("headers.{name}"))?;
            }
            ep.headers.push((name.clone(), value.get_ref().0.clone()));
        }
        if let Some(proxy) = t.proxy_url {
            if proxy.get_ref().has_password() {
                src.check_inline_secret(proxy, "proxy_url")?;
            }
            ep.proxy = Some(Secret::new(proxy.get_ref().0.clone()));
        }
        if let Some(auth) = auth {
            if let Some((auth, from)) = self.auth(src, auth)? {
                ep.auth = auth;
                self.note(format!("{key}.auth"), from);
            }
        }
        Ok(ep)
    }

    /// Basic or bearer auth, with a note of where the secret came from.
    fn auth(&self, src: &Source, a: AuthKeys<'_>) -> Result<Option<(Auth, String)>, ConfigError> {
        let basic = a.username.is_some() || a.password.is_some() || a.password_file.is_some();
        let bearer = a.bearer_token.is_some() || a.bearer_token_file.is_some();
        if basic && bearer {
            let at = a
                .bearer_token
                .map(|s| s.span())
                .or(a.bearer_token_file.map(|s| s.span()));
            return Err(ConfigError::invalid(
                src.at(at.unwrap_or(0..0)),
                "basic auth (username, password) and a bearer token are both set; keep one",
            ));
        }
        if basic {
            let Some(username) = a.username else {
                let at = a
                    .password
                    .map(|s| s.span())
                    .or(a.password_file.map(|s| s.span()));
                return Err(ConfigError::invalid(
                    src.at(at.unwrap_or(0..0)),
                    "a password needs `username` too",
                ));
            };
            let (password, from) = match (a.password, a.password_file) {
                (Some(_), Some(file)) => {
                    return Err(src.invalid(
                        file,
                        "both `password` and `password_file` are set; keep password_file",
                    ))
                }
                (Some(inline), None) => {
                    src.check_inline_secret(inline, "password")?;
                    (
                        inline.get_ref().0.clone(),
                        "password in the config file".to_string(),
                    )
                }
                (None, Some(file)) => {
                    let (secret, path) = src.secret_file(file, "password_file", self.env)?;
                    (secret, format!("password_file {}", display_path(&path)))
                }
                (None, None) => {
                    return Err(
                        src.invalid(username, "`username` needs `password_file` (or `password`)")
                    )
                }
            };
            let auth = Auth::Basic {
                username: username.get_ref().clone(),
                password,
            };
            return Ok(Some((
                auth,
                format!("basic auth as {}, {from}", username.get_ref()),
            )));
        }
        match (a.bearer_token, a.bearer_token_file) {
            (Some(_), Some(file)) => Err(src.invalid(
                file,
                "both `bearer_token` and `bearer_token_file` are set; keep bearer_token_file",
            )),
            (Some(inline), None) => {
                src.check_inline_secret(inline, "bearer_token")?;
                Ok(Some((
                    Auth::Bearer(inline.get_ref().0.clone()),
                    "bearer token in the config file".into(),
                )))
            }
            (None, Some(file)) => {
                let (secret, path) = src.secret_file(file, "bearer_token_file", self.env)?;
                Ok(Some((
                    Auth::Bearer(secret),
                    format!(
                        "bearer token from bearer_token_file {}",
                        display_path(&path)
                    ),
                )))
            }
            (None, None) => Ok(None),
        }
    }

    fn globals(
        &mut self,
        src: &Source,
        parsed: &ConfigFile,
        settings: &mut Settings,
    ) -> Result<(), ConfigError> {
        if let Some(author) = &parsed.author {
            let a = author.get_ref().trim();
            if a.is_empty() || a.chars().any(char::is_control) {
                return Err(src.invalid(
                    author,
                    "author must be a non-empty name or email on one line",
                ));
            }
            settings.author = a.to_string();
        }
        if let Some(theme) = &parsed.theme {
            if theme.get_ref().trim().is_empty() {
                return Err(src.invalid(theme, "theme is empty; name a theme or remove the key"));
            }
            settings.theme = Some(theme.get_ref().trim().to_string());
        }
        for dir in parsed.runbook_dirs.iter().flatten() {
            let path = src.path(dir.get_ref(), self.env);
            if !path.is_dir() {
                return Err(src.invalid(
                    dir,
                    format!("runbook_dirs: {} is not a directory", display_path(&path)),
                ));
            }
            settings.runbook_dirs.push(path);
        }
        if let Some(keys) = &parsed.runbook_annotation_keys {
            if keys.get_ref().is_empty() || keys.get_ref().iter().any(|k| k.trim().is_empty()) {
                return Err(src.invalid(
                    keys,
                    "runbook_annotation_keys must list annotation names, e.g. [\"runbook_url\", \"link\"]",
                ));
            }
            settings.runbook_annotation_keys = keys.get_ref().clone();
        }
        if let Some(hosts) = &parsed.runbook_allowed_hosts {
            if hosts
                .get_ref()
                .iter()
                .any(|h| h.trim().is_empty() || h.contains('/'))
            {
                return Err(src.invalid(
                    hosts,
                    "runbook_allowed_hosts must list host names, e.g. [\"runbooks.example.com\"]",
                ));
            }
            settings.runbook_allowed_hosts = hosts.get_ref().clone();
        }
        if let Some(patterns) = &parsed.runbook_label_patterns {
            for (label, pattern) in patterns.get_ref() {
                if let Err(e) = regex::Regex::new(pattern) {
                    return Err(src.invalid(
                        patterns,
                        format!("runbook_label_patterns.{label}: not a valid regex: {e}"),
                    ));
                }
            }
            settings.runbook_label_patterns = patterns.get_ref().clone();
        }
        if let Some(ack) = &parsed.ack_duration {
            settings.ack_duration = positive(src, ack, "ack_duration")?;
        }
        if let Some(targets) = &parsed.response_targets {
            settings.response_targets = response_targets(src, targets)?;
        }
        if let Some(ui) = &parsed.ui {
            settings.ui = ui_settings(src, ui)?;
        }
        Ok(())
    }
}

fn am_urls<'f>(
    src: &Source,
    table: &'f AlertmanagerFile,
) -> Result<Vec<&'f Spanned<BackendUrl>>, ConfigError> {
    match (&table.url, &table.urls) {
        (Some(url), None) => Ok(vec![url]),
        (None, Some(urls)) if !urls.get_ref().is_empty() => Ok(urls.get_ref().iter().collect()),
        (None, Some(urls)) => {
            Err(src.invalid(urls, "urls is empty; list at least one Alertmanager URL"))
        }
        (Some(_), Some(urls)) => Err(src.invalid(urls, "set `url` or `urls`, not both")),
        (None, None) => Err(ConfigError::invalid(
            src.at(0..0),
            "an [alertmanagers] table needs `url = \"http://…:9093\"` or `urls = [...]`",
        )),
    }
}

/// A configured endpoint with its URL replaced, or a plain one.
fn with_url(endpoint: Option<Endpoint>, url: BackendUrl) -> Endpoint {
    match endpoint {
        Some(mut ep) => {
            ep.base_url = url.0;
            ep
        }
        None => Endpoint::new(url.0),
    }
}

/// `[response_targets.TIER]`: each given time positive, acknowledging within the time to
/// resolve; what is not given keeps the platform's default.
fn response_targets(
    src: &Source,
    file: &super::file::TargetsFile,
) -> Result<crate::triage::targets::Targets, ConfigError> {
    let mut out = crate::triage::targets::Targets::default();
    let tiers = [
        ("critical", &file.critical, &mut out.critical),
        ("high", &file.high, &mut out.high),
        ("warning", &file.warning, &mut out.warning),
    ];
    for (name, given, target) in tiers {
        let Some(given) = given else { continue };
        if let Some(ack) = &given.ack {
            target.ack = positive(src, ack, &format!("response_targets.{name}.ack"))?;
        }
        if let Some(resolve) = &given.resolve {
            target.resolve = positive(src, resolve, &format!("response_targets.{name}.resolve"))?;
            if target.ack > target.resolve {
                return Err(src.invalid(
                    resolve,
                    format!("response_targets.{name}: resolve must not be sooner than ack"),
                ));
            }
        }
    }
    Ok(out)
}

fn positive(
    src: &Source,
    value: &Spanned<ConfigDuration>,
    key: &str,
) -> Result<Duration, ConfigError> {
    let d = value.get_ref().0;
    if d.is_zero() {
        return Err(src.invalid(value, format!("{key} must be longer than 0s")));
    }
    Ok(d)
}

fn at_least(
    src: &Source,
    value: &Spanned<ConfigDuration>,
    key: &str,
    min: Duration,
    why: &str,
) -> Result<Duration, ConfigError> {
    let d = value.get_ref().0;
    if d < min {
        return Err(src.invalid(
            value,
            format!(
                "ui.{key} must be at least {}{why}",
                crate::duration::format_duration(min)
            ),
        ));
    }
    Ok(d)
}

fn ui_settings(src: &Source, ui: &UiFile) -> Result<UiSettings, ConfigError> {
    let second = Duration::from_secs(1);
    let opt = |v: &Option<Spanned<ConfigDuration>>, key: &str, min: Duration, why: &str| {
        v.as_ref()
            .map(|v| at_least(src, v, key, min, why))
            .transpose()
    };
    Ok(UiSettings {
        refresh: opt(&ui.refresh, "refresh", second, "")?,
        alerts_refresh: opt(&ui.alerts_refresh, "alerts_refresh", second, "")?,
        incidents_refresh: opt(
            &ui.incidents_refresh,
            "incidents_refresh",
            Duration::from_secs(15),
            ": PagerDuty's rate limit is shared by every tool using the account",
        )?,
        time_range: opt(&ui.time_range, "time_range", Duration::from_secs(60), "")?,
        dashboard: ui.dashboard.clone().filter(|d| !d.trim().is_empty()),
        mouse: ui.mouse,
        ascii: ui.ascii,
        osc52: ui.osc52,
        notify: ui.notify,
    })
}

fn check_email(from: &str) -> Result<String, String> {
    let f = from.trim();
    let ok = f.len() <= 254
        && !f.chars().any(|c| c.is_whitespace() || c.is_control())
        && f.split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && !host.is_empty());
    if ok {
        Ok(f.to_string())
    } else {
        Err(format!(
            "from `{}` is not an email address; PagerDuty needs the email of a PagerDuty user",
            crate::sanitize::one_line(f)
        ))
    }
}

fn check_header(name: &str, value: &InlineSecret) -> Result<(), String> {
    reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        format!(
            "`{}` is not a valid HTTP header name",
            crate::sanitize::one_line(name)
        )
    })?;
    reqwest::header::HeaderValue::from_str(value.0.expose())
        .map_err(|_| format!("the value of header `{name}` has characters HTTP does not allow"))?;
    Ok(())
}

/// Headers whose values are credentials; they follow the inline-secret rule.
fn header_is_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "authorization",
        "cookie",
        "token",
        "secret",
        "key",
        "password",
        "auth",
    ]
    .iter()
    .any(|word| n.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load_with_env, LoadOptions, TokenSource};
    use std::collections::HashMap;

    struct Fixture {
        dir: tempfile::TempDir,
        env: HashMap<String, String>,
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let mut env = HashMap::new();
            env.insert("HOME".to_string(), dir.path().display().to_string());
            env.insert("USER".to_string(), "tester".to_string());
            Fixture { dir, env }
        }

        fn env(mut self, k: &str, v: &str) -> Self {
            self.env.insert(k.into(), v.into());
            self
        }

        fn file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
            let path = self.dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            #[cfg(not(unix))]
            let _ = mode;
            path
        }

        /// Load `config` (written as `config.toml`, mode 600), or with no file at all.
        fn load(
            &self,
            config: Option<&str>,
            context: Option<&str>,
        ) -> Result<Settings, ConfigError> {
            match config {
                Some(text) => {
                    let path = self.file("config.toml", text, 0o600);
                    self.load_path(path, context)
                }
                None => {
                    // What a missing default file leads to, without looking at the real
                    // default path (the developer's own config).
                    let env = |k: &str| self.env.get(k).cloned();
                    let mut loader = Loader {
                        env: &env,
                        src: None,
                        insecure: Vec::new(),
                        provenance: Vec::new(),
                    };
                    let opts = LoadOptions {
                        config_path: None,
                        context: context.map(str::to_string),
                    };
                    loader.settings(&opts, &ConfigFile::default())
                }
            }
        }

        fn load_path(&self, path: PathBuf, context: Option<&str>) -> Result<Settings, ConfigError> {
            let opts = LoadOptions {
                config_path: Some(path),
                context: context.map(str::to_string),
            };
            load_with_env(&opts, &|k| self.env.get(k).cloned())
        }
    }

    fn err(r: Result<Settings, ConfigError>) -> String {
        r.map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn environment_alone_is_enough() {
        let f = Fixture::new()
            .env("ONCALL_PROMETHEUS_URL", "http://127.0.0.1:9090")
            .env(
                "ONCALL_ALERTMANAGER_URL",
                "http://127.0.0.1:9093, http://127.0.0.1:9094",
            )
            .env("ONCALL_PAGERDUTY_TOKEN", "pd-env-token")
            .env("ONCALL_PAGERDUTY_FROM", "me@example.com");
        let s = f.load(None, None).unwrap();
        assert_eq!(s.context, "default");
        assert_eq!(s.path, None);
        assert_eq!(
            s.prometheus.unwrap().base_url.as_str(),
            "http://127.0.0.1:9090/"
        );
        assert_eq!(s.alertmanagers.len(), 2);
        let pd = s.pagerduty.unwrap();
        assert_eq!(
            pd.endpoint_without_token.base_url.as_str(),
            "https://api.pagerduty.com/"
        );
        assert_eq!(pd.from.as_deref(), Some("me@example.com"));
        assert!(
            matches!(pd.token, TokenSource::Env { ref var } if var == "ONCALL_PAGERDUTY_TOKEN")
        );
        assert_eq!(s.author, "tester");
        assert_eq!(s.ack_duration, Duration::from_secs(1800));
        assert_eq!(s.runbook_annotation_keys[0], "runbook_url");
    }

    #[test]
    fn bad_environment_url_names_the_variable() {
        let f = Fixture::new().env("ONCALL_ALERTMANAGER_URL", "http://ok:9093,not a url");
        let msg = err(f.load(None, None));
        assert!(
            msg.starts_with(
                "environment variable ONCALL_ALERTMANAGER_URL: `not a url` is not a URL"
            ),
            "{msg}"
        );
    }

    #[test]
    fn a_named_config_file_must_exist() {
        let f = Fixture::new();
        let missing = f.dir.path().join("nope.toml");
        let msg = err(f.load_path(missing, None));
        assert!(msg.contains("does not exist"), "{msg}");
        assert!(msg.contains("oncall config init --config"), "{msg}");
    }

    const TWO: &str = "current_context = \"prod\"\n\
        [contexts.prod.prometheus]\nurl = \"http://prod:9090\"\n\
        [contexts.staging.prometheus]\nurl = \"http://staging:9090\"\n";

    #[test]
    fn context_flag_beats_environment_beats_current_context() {
        let f = Fixture::new();
        assert_eq!(f.load(Some(TWO), None).unwrap().context, "prod");
        let f = f.env("ONCALL_CONTEXT", "staging");
        let s = f.load(Some(TWO), None).unwrap();
        assert_eq!(s.context, "staging");
        assert_eq!(s.prometheus.unwrap().base_url.host_str(), Some("staging"));
        assert_eq!(f.load(Some(TWO), Some("prod")).unwrap().context, "prod");
        assert_eq!(
            f.load(Some(TWO), None).unwrap().contexts,
            ["prod", "staging"]
        );
    }

    #[test]
    fn unknown_context_lists_the_known_ones() {
        let f = Fixture::new();
        let msg = err(f.load(Some(TWO), Some("prdo")));
        assert!(
            msg.contains("there is no context `prdo` (--context)"),
            "{msg}"
        );
        assert!(msg.ends_with("known contexts: prod, staging"), "{msg}");
        let msg = err(f.load(Some("current_context = \"gone\"\n[contexts.a]\n"), None));
        assert!(msg.contains("(current_context at "), "{msg}");
        assert!(msg.contains("config.toml:1:19)"), "{msg}");
    }

    #[test]
    fn several_contexts_need_a_current_one_and_a_single_one_is_implied() {
        let f = Fixture::new();
        let text = TWO.replace("current_context = \"prod\"\n", "");
        let msg = err(f.load(Some(&text), None));
        assert!(
            msg.contains("several contexts (prod, staging) and no current_context"),
            "{msg}"
        );
        let one = "[contexts.only.prometheus]\nurl = \"http://x:9090\"\n";
        assert_eq!(f.load(Some(one), None).unwrap().context, "only");
    }

    #[cfg(unix)]
    #[test]
    fn inline_secret_in_a_readable_file_is_refused_with_the_chmod() {
        let f = Fixture::new();
        let text = "[contexts.p.prometheus]\nurl = \"http://x:9090\"\nusername = \"bob\"\npassword = \"hunter2\"\n";
        let path = f.file("shared.toml", text, 0o644);
        let msg = err(f.load_path(path.clone(), None));
        assert!(
            msg.contains("shared.toml:4:12: `password` is a secret written inline"),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("chmod 600 {}", path.display())),
            "{msg}"
        );
        assert!(!msg.contains("hunter2"), "{msg}");
        let path = f.file("private.toml", text, 0o600);
        let s = f.load_path(path, None).unwrap();
        assert!(
            matches!(s.prometheus.unwrap().auth, Auth::Basic { ref username, .. } if username == "bob")
        );
    }

    #[test]
    fn secret_files_are_read_relative_to_the_config_or_home() {
        let f = Fixture::new();
        f.file("pw", "s3cret\n", 0o600);
        f.file("tok", "bearer-value\n", 0o600);
        let text = "[contexts.p.prometheus]\nurl = \"http://x:9090\"\nusername = \"bob\"\npassword_file = \"pw\"\n\
                    [contexts.p.alertmanagers]\nurl = \"http://am:9093\"\nbearer_token_file = \"~/tok\"\n";
        let s = f.load(Some(text), None).unwrap();
        match s.prometheus.as_ref().unwrap().auth {
            Auth::Basic { ref password, .. } => assert_eq!(password.expose(), "s3cret"),
            ref other => panic!("{other:?}"),
        }
        match s.alertmanagers[0].auth {
            Auth::Bearer(ref t) => assert_eq!(t.expose(), "bearer-value"),
            ref other => panic!("{other:?}"),
        }
        assert!(s
            .source_of("prometheus.auth")
            .unwrap()
            .contains("password_file"));
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("bearer-value"),
            "{debug}"
        );
    }

    #[test]
    fn tls_files_must_exist_and_go_together() {
        let f = Fixture::new();
        let msg = err(f.load(
            Some("[contexts.p.prometheus]\nurl = \"https://x\"\nca_file = \"missing-ca.pem\"\n"),
            None,
        ));
        assert!(msg.contains("config.toml:3:11: ca_file"), "{msg}");
        assert!(msg.contains("missing-ca.pem"), "{msg}");
        f.file("cert.pem", "x", 0o600);
        let msg = err(f.load(
            Some("[contexts.p.prometheus]\nurl = \"https://x\"\ncert_file = \"cert.pem\"\n"),
            None,
        ));
        assert!(msg.contains("cert_file needs key_file too"), "{msg}");
    }

    #[test]
    fn environment_url_keeps_the_configured_transport() {
        let f = Fixture::new().env("ONCALL_PROMETHEUS_URL", "http://127.0.0.1:19090");
        let s = f
            .load(Some("[contexts.p.prometheus]\nurl = \"https://x\"\ntimeout = \"42s\"\ninsecure_skip_verify = true\n"), None)
            .unwrap();
        let p = s.prometheus.as_ref().unwrap();
        assert_eq!(p.base_url.as_str(), "http://127.0.0.1:19090/");
        assert_eq!(p.timeout, Duration::from_secs(42));
        assert_eq!(s.source_of("prometheus.url"), Some("ONCALL_PROMETHEUS_URL"));
        assert_eq!(s.insecure, ["prometheus"]);
    }

    #[test]
    fn token_sources_in_order() {
        let base = "[contexts.prod.pagerduty]\nfrom = \"a@b.c\"\n";
        let f = Fixture::new();
        let pd = |f: &Fixture, extra: &str| {
            f.load(Some(&format!("{base}{extra}")), None)
                .map(|s| s.pagerduty.unwrap().token)
        };
        assert!(
            matches!(pd(&f, "").unwrap(), TokenSource::Keyring { ref user } if user == "pagerduty:prod")
        );
        assert!(matches!(
            pd(&f, "token_file = \"t\"\n").unwrap(),
            TokenSource::File { .. }
        ));
        assert!(matches!(
            pd(&f, "token_command = [\"pass\", \"show\", \"pd\"]\n").unwrap(),
            TokenSource::Command { .. }
        ));
        // token_env wins when set, and says it is unset when it is the only source.
        assert!(matches!(
            pd(&f, "token_env = \"PD_TOK\"\ntoken_file = \"t\"\n").unwrap(),
            TokenSource::File { .. }
        ));
        assert!(
            matches!(pd(&f, "token_env = \"PD_TOK\"\n").unwrap(), TokenSource::Env { ref var } if var == "PD_TOK")
        );
        let f = f.env("PD_TOK", "x");
        assert!(matches!(
            pd(&f, "token_env = \"PD_TOK\"\ntoken_file = \"t\"\n").unwrap(),
            TokenSource::Env { .. }
        ));
        let f = f.env("ONCALL_PAGERDUTY_TOKEN", "y");
        assert!(
            matches!(pd(&f, "token_file = \"t\"\n").unwrap(), TokenSource::Env { ref var } if var == "ONCALL_PAGERDUTY_TOKEN")
        );
        let msg = pd(&f, "token_file = \"t\"\ntoken_command = \"pass show pd\"\n")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("sets both token_file and token_command"),
            "{msg}"
        );
    }

    #[test]
    fn loading_never_runs_the_token_command() {
        let f = Fixture::new();
        let marker = f.dir.path().join("ran");
        let text = format!(
            "[contexts.p.pagerduty]\ntoken_command = [\"touch\", \"{}\"]\n",
            marker.display()
        );
        let s = f.load(Some(&text), None).unwrap();
        assert!(!marker.exists());
        // Resolving it does run it (and `touch` prints nothing, which is an error).
        let msg = s
            .pagerduty
            .unwrap()
            .endpoint()
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(marker.exists());
        assert!(msg.contains("printed nothing"), "{msg}");
    }

    #[test]
    fn ui_and_global_values_are_validated() {
        let f = Fixture::new();
        let msg = err(f.load(Some("[ui]\nincidents_refresh = \"5s\"\n"), None));
        assert!(
            msg.contains("config.toml:2:21: ui.incidents_refresh must be at least 15s"),
            "{msg}"
        );
        let msg = err(f.load(Some("runbook_dirs = [\"nowhere\"]\n"), None));
        assert!(
            msg.contains("runbook_dirs:") && msg.contains("is not a directory"),
            "{msg}"
        );
        let msg = err(f.load(Some("ack_duration = \"0s\"\n"), None));
        assert!(msg.contains("ack_duration must be longer than 0s"), "{msg}");
        let msg = err(f.load(
            Some("[contexts.p.pagerduty]\nfrom = \"not-an-email\"\n"),
            None,
        ));
        assert!(msg.contains("is not an email address"), "{msg}");
        let s = f
            .load(Some("author = \"alice\"\nack_duration = \"1h\"\n[ui]\nrefresh = \"30s\"\nascii = true\nosc52 = true\nnotify = \"bell\"\n"), None)
            .unwrap();
        assert_eq!(s.author, "alice");
        assert_eq!(s.ack_duration, Duration::from_secs(3600));
        assert_eq!(s.ui.refresh, Some(Duration::from_secs(30)));
        assert_eq!(s.ui.ascii, Some(true));
        assert_eq!(s.ui.osc52, Some(true));
        assert_eq!(s.ui.notify, Some(super::super::NotifyMode::Bell));
        // Response targets: what is given replaces the platform's default, the rest stays.
        let s = f
            .load(
                Some("[response_targets.critical]\nack = \"10m\"\nresolve = \"2h\"\n"),
                None,
            )
            .unwrap();
        assert_eq!(s.response_targets.critical.ack, Duration::from_secs(600));
        assert_eq!(
            s.response_targets.critical.resolve,
            Duration::from_secs(7200)
        );
        assert_eq!(s.response_targets.high.ack, Duration::from_secs(900));
        let msg = err(f.load(Some("[response_targets.high]\nack = \"0s\"\n"), None));
        assert!(
            msg.contains("response_targets.high.ack must be longer than 0s"),
            "{msg}"
        );
        let msg = err(f.load(
            Some("[response_targets.warning]\nack = \"2d\"\nresolve = \"1d\"\n"),
            None,
        ));
        assert!(msg.contains("resolve must not be sooner than ack"), "{msg}");
        let msg = err(f.load(Some("[response_targets.urgent]\nack = \"1m\"\n"), None));
        assert!(msg.contains("urgent"), "{msg}");
    }

    #[test]
    fn alertmanager_tables_and_urls() {
        let f = Fixture::new();
        let s = f
            .load(
                Some("[[contexts.p.alertmanagers]]\nurls = [\"http://a:9093\", \"http://b:9093\"]\n[[contexts.p.alertmanagers]]\nurl = \"http://c:9093\"\nheaders = { \"X-Scope-OrgID\" = \"t1\" }\n"),
                None,
            )
            .unwrap();
        let hosts: Vec<_> = s
            .alertmanagers
            .iter()
            .map(|e| e.base_url.host_str().unwrap().to_string())
            .collect();
        assert_eq!(hosts, ["a", "b", "c"]);
        assert_eq!(s.alertmanagers[2].headers[0].0, "X-Scope-OrgID");
        let msg = err(f.load(
            Some("[contexts.p.alertmanagers]\nurls = [\"http://a:9093\", \"http://a:9093\"]\n"),
            None,
        ));
        assert!(msg.contains("listed twice"), "{msg}");
        let msg = err(f.load(Some("[contexts.p.alertmanagers]\ntimeout = \"1s\"\n"), None));
        assert!(msg.contains("needs `url"), "{msg}");
    }
}
