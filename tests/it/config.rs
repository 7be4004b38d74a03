//! The config as a tested artifact: every file in `tests/valid_configs` loads, every file in
//! `tests/invalid_configs` fails with the message its `# expect:` lines give (file, line,
//! column, key, what is expected). Fixtures are copied to a temp dir first, so relative paths
//! resolve there and file modes are exactly what each fixture's `# mode:` line says.
//!
//! Fixture header lines: `# expect: TEXT` (invalid only; `{file}` is the fixture's path),
//! `# mode: 644` (default 600), `# env: KEY=VALUE`, `# context: NAME`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use oncall::config::{self, show, LoadOptions, Settings, TokenSource};
use oncall::sources::Auth;

struct Fixture {
    path: PathBuf,
    expect: Vec<String>,
    env: HashMap<String, String>,
    context: Option<String>,
}

/// Copy `tests/<dir>` to a temp dir and read each `.toml` fixture's header.
fn fixtures(dir: &str) -> (tempfile::TempDir, Vec<Fixture>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&src, tmp.path());
    let mut out = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    names.sort();
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut f = Fixture {
            path: path.clone(),
            expect: Vec::new(),
            env: HashMap::new(),
            context: None,
        };
        let mut mode = 0o600;
        for line in text.lines().filter_map(|l| l.strip_prefix("# ")) {
            if let Some(e) = line.strip_prefix("expect: ") {
                f.expect
                    .push(e.replace("{file}", &path.display().to_string()));
            } else if let Some(m) = line.strip_prefix("mode: ") {
                mode = u32::from_str_radix(m.trim(), 8).unwrap();
            } else if let Some(kv) = line.strip_prefix("env: ") {
                let (k, v) = kv.split_once('=').unwrap();
                f.env.insert(k.into(), v.into());
            } else if let Some(c) = line.strip_prefix("context: ") {
                f.context = Some(c.trim().into());
            }
        }
        set_mode(&path, mode);
        out.push(f);
    }
    (tmp, out)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            set_mode(&target, 0o600);
        }
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn load(f: &Fixture, home: &Path) -> Result<Settings, config::ConfigError> {
    let mut env = f.env.clone();
    env.insert("HOME".into(), home.display().to_string());
    env.insert("USER".into(), "tester".into());
    let opts = LoadOptions {
        config_path: Some(f.path.clone()),
        context: f.context.clone(),
    };
    config::load_with_env(&opts, &move |k| env.get(k).cloned())
}

/// Inline secret values in a fixture (password, bearer_token, token, auth headers, proxy
/// credentials), to check none is ever printed.
fn inline_secrets(path: &Path) -> Vec<String> {
    fn walk(v: &toml::Value, key: &str, out: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) => t.iter().for_each(|(k, v)| walk(v, k, out)),
            toml::Value::Array(a) => a.iter().for_each(|v| walk(v, key, out)),
            toml::Value::String(s) => {
                let secret_key =
                    matches!(key, "password" | "bearer_token" | "token" | "Authorization");
                if secret_key {
                    out.push(s.clone());
                }
                if key == "proxy_url" && s.contains('@') {
                    out.push("inline-proxy-password".into());
                }
            }
            _ => {}
        }
    }
    let value: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = Vec::new();
    walk(&value, "", &mut out);
    out
}

#[test]
fn every_valid_config_loads_and_never_shows_its_secrets() {
    let (dir, list) = fixtures("valid_configs");
    assert!(list.len() >= 6, "fixtures found: {}", list.len());
    for f in &list {
        assert!(
            f.expect.is_empty(),
            "{}: a valid config expects no error",
            f.path.display()
        );
        let settings = load(f, dir.path()).unwrap_or_else(|e| panic!("{}: {e}", f.path.display()));
        let shown = format!(
            "{}\n{}\n{settings:?}",
            show::render_text(&settings),
            show::effective(&settings)
        );
        for secret in inline_secrets(&f.path) {
            assert!(
                !shown.contains(&secret),
                "{}: `{secret}` was shown:\n{shown}",
                f.path.display()
            );
        }
    }
}

#[test]
fn every_invalid_config_fails_with_its_message() {
    let (dir, list) = fixtures("invalid_configs");
    assert!(list.len() >= 25, "fixtures found: {}", list.len());
    let mut problems = Vec::new();
    for f in &list {
        let name = f.path.display();
        if f.expect.is_empty() {
            problems.push(format!("{name}: no `# expect:` line"));
        }
        let err = match load(f, dir.path()) {
            Ok(_) => {
                problems.push(format!("{name}: loaded, but should fail"));
                continue;
            }
            Err(e) => e.to_string(),
        };
        for want in f.expect.iter().filter(|want| !err.contains(want.as_str())) {
            problems.push(format!("{name}:\n  message: {err}\n  missing: {want}"));
        }
        if err.contains("must-not-appear") {
            problems.push(format!("{name}: a secret reached the message: {err}"));
        }
        if err.contains('\n') {
            problems.push(format!("{name}: not one line: {err}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn readonly_follows_the_context_and_notify_is_read() {
    let (dir, list) = fixtures("valid_configs");
    let f = list
        .iter()
        .find(|f| f.path.ends_with("readonly_and_notify.toml"))
        .unwrap();
    let prod = load(f, dir.path()).unwrap();
    assert_eq!(prod.ui.notify, Some(config::NotifyMode::Osc777));
    assert_eq!(prod.readonly().label(), "context prod");
    let msg = prod
        .require_writable("silences are not created")
        .unwrap_err()
        .to_string();
    let at = format!("{}:9:12", f.path.display());
    assert!(msg.contains(&at), "{msg}");
    let staging = Fixture {
        path: f.path.clone(),
        expect: Vec::new(),
        env: HashMap::from([("ONCALL_CONTEXT".to_string(), "staging".to_string())]),
        context: None,
    };
    let staging = load(&staging, dir.path()).unwrap();
    assert!(!staging.readonly().is_set());
    assert!(staging.require_writable("x").is_ok());
    let forced = Fixture {
        path: f.path.clone(),
        expect: Vec::new(),
        env: HashMap::from([("ONCALL_READONLY".to_string(), "1".to_string())]),
        context: Some("staging".into()),
    };
    let forced = load(&forced, dir.path()).unwrap();
    assert_eq!(forced.readonly().label(), "ONCALL_READONLY");
}

#[test]
fn the_full_config_means_what_it_says() {
    let (dir, list) = fixtures("valid_configs");
    let full = list.iter().find(|f| f.path.ends_with("full.toml")).unwrap();
    let s = load(full, dir.path()).unwrap();
    assert_eq!(s.context, "prod");
    assert_eq!(s.author, "alice@example.com");
    assert_eq!(s.ack_duration.as_secs(), 45 * 60);
    assert_eq!(s.runbook_annotation_keys, ["runbook_url", "link"]);
    assert_eq!(s.ui.incidents_refresh.map(|d| d.as_secs()), Some(30));
    let p = s.prometheus.as_ref().unwrap();
    assert_eq!(p.base_url.as_str(), "https://mimir.example.com/prometheus");
    assert_eq!(p.timeout.as_secs(), 20);
    assert_eq!(p.max_body_bytes, 128 << 20);
    assert_eq!(p.headers[0].0, "X-Scope-OrgID");
    assert!(p.tls.ca_file.as_ref().unwrap().ends_with("files/ca.pem"));
    assert!(
        matches!(&p.auth, Auth::Basic { username, password } if username == "oncall" && password.expose() == "prometheus-password-from-file")
    );
    assert!(p.proxy.is_some());
    assert_eq!(s.alertmanagers.len(), 2);
    assert!(
        matches!(&s.alertmanagers[1].auth, Auth::Bearer(t) if t.expose() == "alertmanager-bearer-from-file")
    );
    assert_eq!(s.insecure.len(), 2, "{:?}", s.insecure);
    let pd = s.pagerduty.as_ref().unwrap();
    assert_eq!(
        pd.endpoint_without_token.base_url.as_str(),
        "https://api.eu.pagerduty.com/"
    );
    assert_eq!(pd.from.as_deref(), Some("alice@example.com"));
    assert!(matches!(&pd.token, TokenSource::File { path } if path.ends_with("files/pd-token")));
}

#[test]
fn the_example_written_by_config_init_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    config::write_example(&path, false).unwrap();
    let s = config::load_with_env(
        &LoadOptions {
            config_path: Some(path),
            context: None,
        },
        &|_| None,
    )
    .unwrap();
    assert_eq!(s.context, "prod");
    assert_eq!(
        s.prometheus.unwrap().base_url.as_str(),
        "http://localhost:9090/"
    );
    assert_eq!(s.alertmanagers.len(), 1);
    assert!(matches!(
        s.pagerduty.unwrap().token,
        TokenSource::Keyring { .. }
    ));
}

// ---------------------------------------------------------------------------------------
// Through the binary.

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run `oncall` with a temp HOME, no ONCALL_* or keyring-related variables from outside,
/// and stdin from `input` (not a terminal).
fn oncall(home: &Path, args: &[&str], env: &[(&str, &str)], input: &str) -> Run {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oncall"));
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("ONCALL_")
            || k.starts_with("XDG_")
            || k.starts_with("DBUS_")
            || k == "DISPLAY"
        {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("USER", "tester")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

#[test]
fn config_init_writes_a_private_file_and_never_overwrites_it_silently() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let run = oncall(home.path(), &["config", "init"], &[], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = home.path().join(".config/oncall/config.toml");
    assert_eq!(run.stdout.trim(), path.display().to_string());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::write(&path, "# mine\n").unwrap();
    let again = oncall(home.path(), &["config", "init"], &[], "");
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("already exists") && again.stderr.contains("--force"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let forced = oncall(home.path(), &["config", "init", "--force"], &[], "");
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), config::EXAMPLE);
}

#[test]
fn config_path_says_where_and_whether() {
    let home = tempfile::tempdir().unwrap();
    let run = oncall(home.path(), &["config", "path"], &[], "");
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout.trim(),
        home.path()
            .join(".config/oncall/config.toml")
            .display()
            .to_string()
    );
    assert!(run.stderr.contains("oncall config init"), "{}", run.stderr);
    let other = home.path().join("elsewhere.toml");
    let run = oncall(
        home.path(),
        &["config", "path", "-o", "json"],
        &[("ONCALL_CONFIG", other.to_str().unwrap())],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["path"], other.display().to_string());
    assert_eq!(v["exists"], false);
    assert_eq!(v["named_by"], "ONCALL_CONFIG");
}

#[test]
fn config_show_redacts_secrets_and_names_their_sources() {
    let (dir, list) = fixtures("valid_configs");
    let f = list
        .iter()
        .find(|f| f.path.ends_with("inline_secrets_private.toml"))
        .unwrap();
    let config_arg = f.path.to_str().unwrap();
    for format in ["table", "json"] {
        let run = oncall(
            dir.path(),
            &["--config", config_arg, "config", "show", "-o", format],
            &[],
            "",
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        for secret in inline_secrets(&f.path) {
            assert!(
                !run.stdout.contains(&secret),
                "{format}: `{secret}` shown:\n{}",
                run.stdout
            );
        }
        assert!(run.stdout.contains("<redacted>"), "{}", run.stdout);
        assert!(
            run.stdout.contains("token in the config file"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("tenant"),
            "non-secret headers stay visible:\n{}",
            run.stdout
        );
    }
    let run = oncall(
        dir.path(),
        &["--config", config_arg, "config", "show"],
        &[("ONCALL_PAGERDUTY_TOKEN", "env-token-never-shown")],
        "",
    );
    assert!(
        run.stdout
            .contains("environment variable ONCALL_PAGERDUTY_TOKEN"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("env-token-never-shown"));
}

#[test]
fn a_bad_config_is_exit_2_with_file_line_and_key() {
    let (dir, list) = fixtures("invalid_configs");
    let f = list
        .iter()
        .find(|f| f.path.ends_with("unknown_context_key.toml"))
        .unwrap();
    let run = oncall(
        dir.path(),
        &["--config", f.path.to_str().unwrap(), "alerts"],
        &[],
        "",
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("oncall: "), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "{}:5:1: unknown key `promethues`",
            f.path.display()
        )),
        "{}",
        run.stderr
    );
    let run = oncall(
        dir.path(),
        &["--context", "nope", "alerts"],
        &[("ONCALL_ALERTMANAGER_URL", "http://127.0.0.1:1")],
        "",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no config file was read"),
        "{}",
        run.stderr
    );
}

#[test]
fn login_without_a_keyring_says_so_and_names_the_other_sources() {
    // No D-Bus session: the situation of every SSH login to a server. The check happens
    // before the token is read, so nothing secret is even asked for.
    let home = tempfile::tempdir().unwrap();
    let runtime = tempfile::tempdir().unwrap();
    let run = oncall(
        home.path(),
        &["login", "pagerduty", "--no-verify"],
        &[("XDG_RUNTIME_DIR", runtime.path().to_str().unwrap())],
        "token-typed-on-stdin\n",
    );
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let msg = run.stderr;
    assert!(
        msg.starts_with("oncall: no keyring service is reachable on this host"),
        "{msg}"
    );
    for source in [
        "ONCALL_PAGERDUTY_TOKEN",
        "token_file",
        "token_command",
        "[contexts.default.pagerduty]",
    ] {
        assert!(msg.contains(source), "names {source}: {msg}");
    }
    assert!(!msg.contains("token-typed-on-stdin"));
    assert_eq!(msg.lines().count(), 1, "{msg}");
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    let home = tempfile::tempdir().unwrap();
    let bash = oncall(home.path(), &["completions", "bash"], &[], "");
    assert_eq!(bash.code, 0);
    assert!(
        bash.stdout.contains("silence") && bash.stdout.contains("--context"),
        "{}",
        bash.stdout
    );
    let man = oncall(home.path(), &["man"], &[], "");
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.contains(".TH oncall"),
        "{}",
        &man.stdout[..man.stdout.len().min(300)]
    );
}
