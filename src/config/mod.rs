//! The config file, named contexts, environment overrides and secrets, resolved into the
//! [`Settings`] every other part reads.
//!
//! Order of precedence, highest first: flags (`--config`, `--context`), environment
//! (`ONCALL_CONFIG`, `ONCALL_CONTEXT`, `ONCALL_*_URL`, `ONCALL_PAGERDUTY_TOKEN`,
//! `ONCALL_PAGERDUTY_FROM`), the config file, built-in defaults. No config file at all is fine.

pub mod error;
pub mod file;
pub mod readonly;
mod resolve;
pub mod secrets;
pub mod show;
pub mod values;

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

pub use error::{display_path, ConfigError, Origin};
pub use readonly::{ReadOnly, ReadOnlyReason};
pub use secrets::TokenSource;
pub use values::NotifyMode;

use crate::secret::Secret;
use crate::sources::transport::{Auth, Endpoint};
use crate::sources::SourceKind;

/// The commented example `oncall config init` writes.
pub const EXAMPLE: &str = include_str!("example.toml");

/// The annotation keys searched for a runbook link, in order, unless the config says otherwise.
pub const DEFAULT_RUNBOOK_ANNOTATION_KEYS: [&str; 5] =
    ["runbook_url", "runbook", "link", "sop", "playbook"];

/// How long an alert ack (a short silence) lasts unless the config says otherwise.
pub const DEFAULT_ACK_DURATION: Duration = Duration::from_secs(30 * 60);

/// PagerDuty's public API.
pub const DEFAULT_PAGERDUTY_URL: &str = "https://api.pagerduty.com";

/// The context used when the config defines none.
pub const DEFAULT_CONTEXT: &str = "default";

/// What to load. Empty means: the default path (or `ONCALL_CONFIG`) and the current context
/// (or `ONCALL_CONTEXT`).
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub config_path: Option<PathBuf>,
    pub context: Option<String>,
}

/// The effective configuration of one context.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The file that was read, if any.
    pub path: Option<PathBuf>,
    pub context: String,
    /// Every context the file defines, sorted (for a context switcher and messages).
    pub contexts: Vec<String>,
    pub prometheus: Option<Endpoint>,
    /// Every configured Alertmanager; peers of one cluster are told apart by `/api/v2/status`.
    pub alertmanagers: Vec<Endpoint>,
    pub pagerduty: Option<PagerDutySettings>,
    /// `createdBy` of new silences: the config's `author`, else `$USER`, else "oncall".
    pub author: String,
    pub theme: Option<String>,
    pub runbook_dirs: Vec<PathBuf>,
    pub runbook_annotation_keys: Vec<String>,
    /// Hosts whose http(s) runbook links may be fetched and rendered; others are only shown.
    pub runbook_allowed_hosts: Vec<String>,
    /// Per-label patterns a value must match to go into a runbook step (checked regexes).
    pub runbook_label_patterns: std::collections::BTreeMap<String, String>,
    pub ack_duration: Duration,
    /// Time to acknowledge and to resolve an incident, per tier.
    pub response_targets: crate::triage::targets::Targets,
    /// Backends that skip TLS verification (`insecure_skip_verify`), for the UI to flag.
    pub insecure: Vec<String>,
    pub ui: UiSettings,
    /// Why changes are refused: `ONCALL_READONLY`, `--readonly`, and `readonly = true` of
    /// every context that has it (only `context`'s own applies: see [`Settings::readonly`]).
    pub readonly_reasons: ReadOnly,
    /// Where each URL and credential came from (`prometheus.url` → `ONCALL_PROMETHEUS_URL`),
    /// for `oncall config show`.
    pub provenance: Vec<(String, String)>,
}

/// PagerDuty settings. The token is read only when [`PagerDutySettings::endpoint`] is called,
/// so commands that never talk to PagerDuty never run `token_command` or touch the keyring.
#[derive(Debug, Clone)]
pub struct PagerDutySettings {
    pub endpoint_without_token: Endpoint,
    /// The `From` email sent with writes; when absent, clients may ask `/users/me`.
    pub from: Option<String>,
    pub token: TokenSource,
    pub context: String,
}

impl PagerDutySettings {
    /// The endpoint with the token resolved. Blocking: may run a command or query the keyring.
    pub fn endpoint(&self) -> Result<Endpoint, ConfigError> {
        let token = self.token.resolve(&self.context)?;
        let mut endpoint = self.endpoint_without_token.clone();
        endpoint.auth = Auth::PagerDutyToken(token);
        Ok(endpoint)
    }
}

/// TUI settings from `[ui]`. Each is `None` unless set; the TUI owns the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UiSettings {
    /// Dashboard refresh interval override (at least 1s).
    pub refresh: Option<Duration>,
    /// Alert list refresh interval (at least 1s).
    pub alerts_refresh: Option<Duration>,
    /// PagerDuty poll interval (at least 15s: PagerDuty's rate limit is shared per account).
    pub incidents_refresh: Option<Duration>,
    /// The dashboards' default time range.
    pub time_range: Option<Duration>,
    /// The dashboard shown first.
    pub dashboard: Option<String>,
    pub mouse: Option<bool>,
    /// Draw with ASCII only (no braille or box drawing), for limited terminals.
    pub ascii: Option<bool>,
    /// Copy URLs to the clipboard with OSC 52 (off unless asked for).
    pub osc52: Option<bool>,
    /// How a new critical alert is announced (bell, OSC 9, OSC 777; off unless asked for).
    pub notify: Option<NotifyMode>,
}

/// The config path used when neither `--config` nor `ONCALL_CONFIG` is given.
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "oncall")
        .map(|dirs| dirs.config_dir().join("config.toml"))
}

/// Which file `load` would read, and whether the user named it (flag or environment).
pub fn config_path(opts: &LoadOptions) -> Result<(PathBuf, bool), ConfigError> {
    resolve::choose_path(opts, &|var| std::env::var(var).ok())
}

/// Load the settings of one context from the file and the environment.
pub fn load(opts: &LoadOptions) -> Result<Settings, ConfigError> {
    resolve::load_with(opts, &|var| std::env::var(var).ok())
}

/// `load`, reading the environment through `env` (for tests and embedders).
pub fn load_with_env(
    opts: &LoadOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    resolve::load_with(opts, env)
}

impl Settings {
    /// Settings with nothing configured: no backends, defaults everywhere.
    pub fn empty() -> Settings {
        Settings {
            path: None,
            context: DEFAULT_CONTEXT.to_string(),
            contexts: Vec::new(),
            prometheus: None,
            alertmanagers: Vec::new(),
            pagerduty: None,
            author: default_author(&|var| std::env::var(var).ok()),
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
            readonly_reasons: ReadOnly::default(),
            provenance: Vec::new(),
        }
    }

    /// Settings pointing every backend at the simulated platform (`--demo`).
    pub fn for_demo(prometheus: Url, alertmanager: Url, pagerduty: Url) -> Settings {
        Settings::empty().with_demo_backends(prometheus, alertmanager, pagerduty)
    }

    /// Keep the user's preferences (author, theme, runbooks, ui) but point every backend at
    /// the simulated platform, with the demo's PagerDuty token.
    pub fn with_demo_backends(
        mut self,
        prometheus: Url,
        alertmanager: Url,
        pagerduty: Url,
    ) -> Settings {
        self.context = "demo".into();
        crate::journal::use_demo_log();
        // The configured context's own `readonly` is about its backends, not the demo's.
        self.readonly_reasons = self.readonly_reasons.session_wide();
        self.prometheus = Some(Endpoint::new(prometheus));
        self.alertmanagers = vec![Endpoint::new(alertmanager)];
        self.pagerduty = Some(PagerDutySettings {
            endpoint_without_token: Endpoint::new(pagerduty),
            // The demo answers `users/me`, which then supplies the `From` email.
            from: None,
            token: TokenSource::Fixed {
                secret: Secret::new("demo"),
            },
            context: "demo".into(),
        });
        self.insecure.clear();
        self.provenance = ["prometheus.url", "alertmanagers[0].url", "pagerduty.url"]
            .iter()
            .map(|k| (k.to_string(), "--demo".to_string()))
            .collect();
        self
    }

    /// The Prometheus endpoint, or an error saying how to configure one.
    pub fn require_prometheus(&self) -> Result<&Endpoint, ConfigError> {
        self.prometheus
            .as_ref()
            .ok_or_else(|| self.not_configured(SourceKind::Prometheus))
    }

    /// The Alertmanager endpoints (at least one), or an error saying how to configure them.
    pub fn require_alertmanagers(&self) -> Result<&[Endpoint], ConfigError> {
        if self.alertmanagers.is_empty() {
            Err(self.not_configured(SourceKind::Alertmanager))
        } else {
            Ok(&self.alertmanagers)
        }
    }

    /// The PagerDuty settings, or an error saying how to configure them.
    pub fn require_pagerduty(&self) -> Result<&PagerDutySettings, ConfigError> {
        self.pagerduty
            .as_ref()
            .ok_or_else(|| self.not_configured(SourceKind::PagerDuty))
    }

    fn not_configured(&self, backend: SourceKind) -> ConfigError {
        let (table, env) = match backend {
            SourceKind::Prometheus => ("prometheus", "ONCALL_PROMETHEUS_URL"),
            SourceKind::Alertmanager => ("alertmanagers", "ONCALL_ALERTMANAGER_URL"),
            SourceKind::PagerDuty => ("pagerduty", "ONCALL_PAGERDUTY_TOKEN"),
        };
        ConfigError::NotConfigured {
            backend,
            context: self.context.clone(),
            table,
            env,
        }
    }

    /// `Ok` unless the session is read-only; then the refusal, naming where read-only came
    /// from and how to lift it. `what` says what did not happen ("silences are not created").
    /// Every write command calls this before it sends anything.
    pub fn require_writable(&self, what: &str) -> Result<(), ConfigError> {
        self.readonly().check(what)
    }

    /// Why this context is read-only (empty when it may write).
    pub fn readonly(&self) -> ReadOnly {
        self.readonly_reasons.for_context(&self.context)
    }

    /// Where a setting came from, if recorded (see `provenance`).
    pub fn source_of(&self, key: &str) -> Option<&str> {
        self.provenance
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The silence author when the config names none: `$USER`, else "oncall".
pub(crate) fn default_author(env: &dyn Fn(&str) -> Option<String>) -> String {
    env("USER")
        .or_else(|| env("USERNAME"))
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "oncall".to_string())
}

/// Write the commented example config to `path`, readable by its owner only. Refuses to
/// replace an existing file unless `force`.
pub fn write_example(path: &Path, force: bool) -> Result<(), ConfigError> {
    use std::io::Write;
    let write_err = |source| ConfigError::Write {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() && !force {
        return Err(ConfigError::Exists {
            path: path.to_path_buf(),
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(write_err)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).truncate(true);
    if force {
        options.create(true);
    } else {
        // create_new: never clobber a file that appeared since the check above.
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ConfigError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            write_err(e)
        }
    })?;
    // An existing file keeps its old mode on open; tighten it, since it may get secrets.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(write_err)?;
    }
    file.write_all(EXAMPLE.as_bytes()).map_err(write_err)?;
    file.sync_all().map_err(write_err)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}
