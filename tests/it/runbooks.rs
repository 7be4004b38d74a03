//! Runbooks: every shipped file follows the template, resolution order, and steps whose
//! hostile label values never reach a shell nor become an option.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use oncall::runbooks::{
    self, kebab_case, parse, plan, resolve, shipped, step, Lookup, Origin, Resolution, StepError,
    ValuePolicy,
};

const RUNBOOK_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/runbooks");

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Labels the seeds' alerts carry, with ordinary values.
fn seed_labels() -> BTreeMap<String, String> {
    labels(&[
        ("job", "api-gateway"),
        ("instance", "10.0.0.7:8080"),
        ("service", "auth-service"),
        ("mountpoint", "/var/lib/postgresql"),
        ("collector", "binance"),
        ("symbol", "BTC-USD"),
    ])
}

/// The README index: file name -> the placeholders that runbook may use.
fn readme_placeholders() -> BTreeMap<String, BTreeSet<String>> {
    let readme = std::fs::read_to_string(Path::new(RUNBOOK_DIR).join("README.md")).unwrap();
    let mut out = BTreeMap::new();
    for line in readme.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 6 || !cells[2].contains(".md") {
            continue;
        }
        let file = cells[2].split('`').nth(1).unwrap().to_string();
        let allowed = cells[4]
            .split(',')
            .map(|c| c.trim().trim_matches('`').to_string())
            .filter(|c| !c.starts_with('('))
            .collect();
        out.insert(file, allowed);
    }
    out
}

#[test]
fn every_runbook_file_is_shipped_and_named_after_its_alert() {
    let mut on_disk: Vec<String> = std::fs::read_dir(RUNBOOK_DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".md") && n != "README.md")
        .map(|n| n.trim_end_matches(".md").to_string())
        .collect();
    on_disk.sort();
    let embedded: Vec<String> = shipped::SHIPPED
        .iter()
        .map(|(s, _)| s.to_string())
        .collect();
    assert_eq!(
        on_disk, embedded,
        "src/runbooks/shipped.rs must list every runbook"
    );
    assert_eq!(embedded.len(), 45);
    for (stem, markdown) in shipped::SHIPPED {
        let title = parse(markdown).unwrap().title.unwrap();
        assert_eq!(&kebab_case(&title), stem, "`# {title}` does not round-trip");
    }
}

#[test]
fn every_shipped_runbook_follows_the_template() {
    let mut problems = Vec::new();
    for (stem, markdown) in shipped::SHIPPED {
        let runbook = parse(markdown).unwrap();
        let title = runbook.title.clone().unwrap();
        for problem in runbook.format_problems(&title) {
            problems.push(format!("{stem}.md: {problem}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn shipped_steps_use_only_the_labels_their_alert_carries() {
    let allowed = readme_placeholders();
    assert_eq!(allowed.len(), shipped::SHIPPED.len(), "README index rows");
    let seed_labels = seed_labels();
    for (stem, markdown) in shipped::SHIPPED {
        let runbook = parse(markdown).unwrap();
        let allowed = &allowed[&format!("{stem}.md")];
        for step in &runbook.steps {
            // The context's URLs are every step's to use; the rest must be the alert's labels.
            let context = oncall::runbooks::context_urls::context_urls(None, None);
            let used: BTreeSet<String> = step::placeholders(&step.command)
                .into_iter()
                .filter(|p| !context.contains_key(p))
                .collect();
            assert!(
                used.is_subset(allowed),
                "{stem}.md step {}: uses {used:?}, the alert carries {allowed:?}",
                step.number
            );
            assert!(used.iter().all(|u| seed_labels.contains_key(u)));
            if !used.is_empty() {
                assert!(
                    !step::needs_shell(&step.command),
                    "{stem}.md step {} has placeholders and shell syntax",
                    step.number
                );
            }
            // Every step turns into a plan with ordinary label values.
            let labels =
                oncall::runbooks::context_urls::with_context_urls(seed_labels.clone(), &context);
            let plan = plan(&step.command, &labels, &ValuePolicy::default())
                .unwrap_or_else(|e| panic!("{stem}.md step {}: {e}", step.number));
            assert!(!plan.argv.is_empty());
        }
    }
}

#[test]
fn kebab_case_of_the_named_alerts() {
    assert_eq!(kebab_case("DDoSDetected"), "ddos-detected");
    assert_eq!(kebab_case("HighRPCFailureRate"), "high-rpc-failure-rate");
    assert_eq!(kebab_case("APILatency"), "api-latency");
}

fn lookup(dirs: &[&Path]) -> Lookup {
    Lookup {
        dirs: dirs.iter().map(|d| d.to_path_buf()).collect(),
        annotation_keys: vec!["runbook_url".into(), "link".into()],
        allowed_hosts: vec!["runbooks.example.com".into()],
    }
}

#[test]
fn resolution_prefers_annotation_then_team_dirs_then_shipped() {
    let team = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    std::fs::write(team.path().join("service-down.md"), "# ServiceDown\nteam\n").unwrap();
    std::fs::write(
        other.path().join("service-down.md"),
        "# ServiceDown\nother\n",
    )
    .unwrap();
    std::fs::write(other.path().join("special.md"), "# Special\n").unwrap();
    let none = BTreeMap::new();

    // The shipped runbook when no directory has one.
    match resolve("ServiceDown", &none, &lookup(&[])) {
        Resolution::Local(found) => assert_eq!(
            found.origin,
            Origin::Shipped {
                stem: "service-down".into()
            }
        ),
        other => panic!("{other:?}"),
    }
    // The first directory wins over later ones and over the shipped file.
    match resolve("ServiceDown", &none, &lookup(&[team.path(), other.path()])) {
        Resolution::Local(found) => {
            assert_eq!(
                found.origin,
                Origin::Dir(team.path().join("service-down.md"))
            );
            assert!(found.markdown.contains("team"));
        }
        other => panic!("{other:?}"),
    }
    // An annotation naming a local file inside a runbook directory wins over both.
    let ann = labels(&[("runbook_url", "special.md")]);
    match resolve("ServiceDown", &ann, &lookup(&[team.path(), other.path()])) {
        Resolution::Local(found) => assert!(matches!(found.origin, Origin::Annotation { .. })),
        other => panic!("{other:?}"),
    }
    // Unknown alert: not found, with notes naming what was searched.
    match resolve("NoSuchAlert", &none, &lookup(&[team.path()])) {
        Resolution::NotFound { notes } => {
            assert!(
                notes.iter().any(|n| n.contains("no-such-alert.md")),
                "{notes:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn annotations_cannot_read_files_outside_the_runbook_dirs() {
    let team = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("token.md"), "secret").unwrap();
    std::fs::write(outside.path().join("token"), "secret").unwrap();
    for value in [
        outside.path().join("token.md").display().to_string(),
        outside.path().join("token").display().to_string(),
        format!("file://{}", outside.path().join("token.md").display()),
        "../token.md".to_string(),
    ] {
        let ann = labels(&[("runbook_url", &value)]);
        match resolve("ServiceDown", &ann, &lookup(&[team.path()])) {
            // Falls through to the shipped runbook, never to the named file.
            Resolution::Local(found) => {
                assert!(matches!(found.origin, Origin::Shipped { .. }), "{value}");
                assert!(!found.markdown.contains("secret"));
            }
            other => panic!("{value}: {other:?}"),
        }
    }
}

#[test]
fn http_links_are_shown_and_fetchable_only_on_allowed_hosts() {
    let allowed = labels(&[("runbook_url", "https://runbooks.example.com/ServiceDown.md")]);
    match resolve("ServiceDown", &allowed, &lookup(&[])) {
        Resolution::Remote {
            url,
            fetch_allowed,
            local,
            ..
        } => {
            assert_eq!(url.host_str(), Some("runbooks.example.com"));
            assert!(fetch_allowed);
            assert!(local.is_some(), "the shipped runbook is offered too");
        }
        other => panic!("{other:?}"),
    }
    let elsewhere = labels(&[("link", "http://evil.example.net/x.md")]);
    assert!(matches!(
        resolve("NoSuchAlert", &elsewhere, &lookup(&[])),
        Resolution::Remote {
            fetch_allowed: false,
            local: None,
            ..
        }
    ));
    let javascript = labels(&[("runbook_url", "javascript:alert(1)")]);
    assert!(matches!(
        resolve("NoSuchAlert", &javascript, &lookup(&[])),
        Resolution::NotFound { .. }
    ));
}

const HOSTILE: &[&str] = &[
    "; touch CANARY",
    "$(touch CANARY)",
    "`touch CANARY`",
    "x && touch CANARY",
    "x | touch CANARY",
    "x\ntouch CANARY",
    "--kubeconfig=/x",
    "-rf",
];

/// Run a plan in `dir` and return its stdout; panics if it fails to start.
fn run_in(dir: &Path, plan: &runbooks::Plan) -> (i32, String) {
    let output = plan.command().unwrap().current_dir(dir).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn hostile_values_are_refused_by_the_default_policy() {
    for value in HOSTILE {
        for command in ["printf '%s\\n' $job", "printf '%s\\n' \"$job\" | cat"] {
            let err =
                plan(command, &labels(&[("job", value)]), &ValuePolicy::default()).unwrap_err();
            assert!(matches!(err, StepError::Refused { .. }), "{value:?}: {err}");
        }
    }
}

#[test]
fn hostile_values_never_reach_a_shell_even_when_a_pattern_lets_them_through() {
    // A deliberately loose per-label pattern: the value still travels as data.
    let loose = ValuePolicy::default().with_pattern("job", ".+").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let canary = dir.path().join("CANARY");
    let mut ran = 0;
    for value in HOSTILE {
        for command in [
            "printf '%s\\n' $job",
            "printf '%s\\n' app=${job}",
            "printf '%s\\n' \"$job\" | cat",
            "printf '%s\\n' $job | cat",
        ] {
            match plan(command, &labels(&[("job", value)]), &loose) {
                Ok(plan) => {
                    if plan.shell {
                        assert!(!plan.argv[2].contains(value), "value in the script text");
                    }
                    let (status, out) = run_in(dir.path(), &plan);
                    assert_eq!(status, 0, "{command} with {value:?}");
                    assert!(
                        out.contains(value),
                        "{command} with {value:?}: printed {out:?}"
                    );
                    ran += 1;
                }
                // Leading `-` and line breaks are refused whatever the pattern says.
                Err(StepError::Refused { reason, .. }) => {
                    assert!(value.starts_with('-') || value.contains('\n'), "{reason}")
                }
                Err(e) => panic!("{command} with {value:?}: {e}"),
            }
            assert!(!canary.exists(), "{command} with {value:?} ran a command");
        }
    }
    assert_eq!(ran, 4 * 5);
}

#[test]
fn steps_run_without_oncall_tokens() {
    let plan = plan("env", &BTreeMap::new(), &ValuePolicy::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The child starts from an allowlist, so a token set on the parent side never arrives.
    std::env::set_var("ONCALL_PAGERDUTY_TOKEN", "pd-secret-value");
    let (status, out) = run_in(dir.path(), &plan);
    assert_eq!(status, 0);
    assert!(!out.contains("pd-secret-value"), "{out}");
    assert!(out.contains("TERM=xterm-256color"));
}

/// A loopback server for runbook fetches: `/rb.md`, `/moved` (a redirect) and `/huge.md`.
async fn runbook_server() -> std::net::SocketAddr {
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::get;
    let app = axum::Router::new()
        .route(
            "/rb.md",
            get(|| async { "# Fetched\n\n## Diagnosis\n\n1. Look.\n\n```sh\necho $job\n```\n" }),
        )
        .route(
            "/moved",
            get(|| async { Redirect::temporary("http://evil.example.net/x.md").into_response() }),
        )
        .route(
            "/huge.md",
            get(|| async { "x".repeat(runbooks::fetch::MAX_BYTES + 1) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn fetching_is_limited_to_allowed_hosts_without_redirects_or_huge_bodies() {
    use oncall::runbooks::fetch::{fetch, FetchError};
    let addr = runbook_server().await;
    let allowed = vec!["127.0.0.1".to_string()];
    let url = |path: &str| url::Url::parse(&format!("http://{addr}{path}")).unwrap();

    let markdown = fetch(&url("/rb.md"), &allowed).await.unwrap();
    assert_eq!(parse(&markdown).unwrap().steps.len(), 1);
    assert!(matches!(
        fetch(&url("/rb.md"), &["runbooks.example.com".into()]).await,
        Err(FetchError::NotAllowed { .. })
    ));
    assert!(matches!(
        fetch(&url("/moved"), &allowed).await,
        Err(FetchError::Status { status: 307, .. })
    ));
    assert!(matches!(
        fetch(&url("/huge.md"), &allowed).await,
        Err(FetchError::TooLarge { .. })
    ));
}

#[tokio::test]
async fn the_cli_fetches_an_allowed_link_and_prints_a_step() {
    let addr = runbook_server().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "runbook_allowed_hosts = [\"127.0.0.1\"]\n").unwrap();
    let link = format!("http://{addr}/rb.md");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_oncall"))
        .args(["runbook", "Fetched", "--runbook-url", &link])
        .args(["--labels", "job=api", "--step", "1", "--print"])
        .env("ONCALL_CONFIG", &config)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["argv"], serde_json::json!(["echo", "api"]));
    assert_eq!(json["shell"], false);
}

#[test]
fn the_cli_prints_a_step_without_running_it_and_refuses_hostile_values() {
    let dir = tempfile::tempdir().unwrap();
    let run = |labels: &str, step: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_oncall"))
            .args([
                "runbook",
                "ServiceDown",
                "--labels",
                labels,
                "--step",
                step,
                "--print",
            ])
            .env("ONCALL_CONFIG", dir.path().join("none.toml"))
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run("job=api-gateway,instance=10.0.0.7:8080", "3");
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["argv"],
        serde_json::json!([
            "kubectl",
            "-n",
            "production",
            "get",
            "pods",
            "-l",
            "app=api-gateway",
            "-o",
            "wide"
        ])
    );
    let out = run("job=$(touch CANARY)", "3");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused"));
    assert!(!dir.path().join("CANARY").exists());
}

#[test]
fn label_patterns_from_the_config_apply_to_steps() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "runbook_label_patterns = { job = \"api-[a-z]+\" }\n",
    )
    .unwrap();
    let run = |job: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_oncall"))
            .args(["runbook", "ServiceDown", "--step", "3", "--print"])
            .args(["--labels", &format!("job={job}")])
            .env("ONCALL_CONFIG", &config)
            .output()
            .unwrap()
    };
    assert!(run("api-gateway").status.success());
    let out = run("web");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not match the allowed pattern"),
        "{out:?}"
    );
    // A pattern that is not a regex is a config error naming the key.
    std::fs::write(&config, "runbook_label_patterns = { job = \"(\" }\n").unwrap();
    let out = run("api-gateway");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("runbook_label_patterns.job"),
        "{out:?}"
    );
}

/// The watch UI's loader (`Effect::LoadRunbook`): a team directory overrides the shipped
/// runbook, an annotation may name a local file, a link on a host that is not allowlisted is
/// never requested, and one that is gets fetched and parsed.
#[tokio::test]
async fn the_ui_loader_follows_the_resolution_rules_and_fetches_only_allowed_hosts() {
    use oncall::runbooks::{LoadError, Loaded};
    use oncall::tui::runtime::runbook_loader::load;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().route(
        "/service-down.md",
        axum::routing::get(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async {
                "# ServiceDown\n\n## Diagnosis\n\n```sh\ncurl -s http://$instance/fetched\n```\n"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let team = tempfile::tempdir().unwrap();
    std::fs::write(
        team.path().join("service-down.md"),
        "# ServiceDown\n\nOur own.\n\n```sh\necho team $job\n```\n",
    )
    .unwrap();
    std::fs::write(
        team.path().join("payments.md"),
        "# Payments\n\n```sh\necho payments\n```\n",
    )
    .unwrap();
    let lookup = |hosts: &[&str]| Lookup {
        dirs: vec![team.path().to_path_buf()],
        annotation_keys: vec!["runbook_url".into()],
        allowed_hosts: hosts.iter().map(|h| h.to_string()).collect(),
    };
    let first_command = |loaded: &Loaded| loaded.runbook.steps[0].command.clone();

    // The team's file wins over the shipped one.
    let loaded = load("ServiceDown".into(), BTreeMap::new(), lookup(&[]))
        .await
        .unwrap();
    assert_eq!(
        loaded.found.origin,
        Origin::Dir(team.path().join("service-down.md"))
    );
    assert_eq!(first_command(&loaded), "echo team $job");

    // An annotation naming a file in the runbook directory.
    let ann = labels(&[("runbook_url", "payments.md")]);
    let loaded = load("ServiceDown".into(), ann, lookup(&[])).await.unwrap();
    assert!(matches!(&loaded.found.origin, Origin::Annotation { key, .. } if key == "runbook_url"));
    assert_eq!(first_command(&loaded), "echo payments");

    // A link on a host that is not allowed: never requested; the local runbook is shown
    // with the link, and without a local one the answer is the link and how to allow it.
    let link = format!("http://{addr}/service-down.md");
    let ann = labels(&[("runbook_url", link.as_str())]);
    let loaded = load(
        "ServiceDown".into(),
        ann.clone(),
        lookup(&["runbooks.example.com"]),
    )
    .await
    .unwrap();
    assert_eq!(
        loaded.unfetched.as_ref().map(|u| u.as_str()),
        Some(link.as_str())
    );
    assert_eq!(first_command(&loaded), "echo team $job");
    match load("NoLocalRunbook".into(), ann.clone(), lookup(&[])).await {
        Err(e @ LoadError::NotAllowed { .. }) => {
            assert!(e.to_string().contains("runbook_allowed_hosts"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing was fetched");

    // Allowed: fetched from the loopback server and parsed.
    let loaded = load("ServiceDown".into(), ann, lookup(&["127.0.0.1"]))
        .await
        .unwrap();
    assert!(matches!(loaded.found.origin, Origin::Remote { .. }));
    assert_eq!(first_command(&loaded), "curl -s http://$instance/fetched");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
