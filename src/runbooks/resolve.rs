//! Which runbook belongs to an alert.
//!
//! Order: a runbook annotation naming a local file; else `<alertname-in-kebab-case>.md` in
//! each configured runbook directory (a team's checkout first); else the shipped runbook.
//! An http(s) annotation is returned as a link to show and copy; it may be fetched only when
//! its host is on the allowlist. Annotations are untrusted, so a local path is accepted only
//! inside a runbook directory and only for `.md` files: an alert must not be able to make
//! oncall display `~/.config/oncall/pagerduty-token`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use url::Url;

use super::name::kebab_case;
use super::shipped;

/// Where to look.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// Searched in order before the shipped runbooks.
    pub dirs: Vec<PathBuf>,
    /// Annotation keys that may hold a runbook link, in order (`runbook_url`, `link`, ...).
    pub annotation_keys: Vec<String>,
    /// Hosts whose runbook URLs may be fetched (exact, case-insensitive match).
    pub allowed_hosts: Vec<String>,
}

/// Where a runbook's text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file named by an annotation.
    Annotation { key: String, path: PathBuf },
    /// A file in a configured runbook directory.
    Dir(PathBuf),
    /// Embedded in oncall (`runbooks/<stem>.md` in the source tree).
    Shipped { stem: String },
    /// Fetched from an allowlisted http(s) link an annotation gave.
    Remote { key: String, url: Url },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Annotation { key, path } => {
                write!(f, "{} (from the {key} annotation)", path.display())
            }
            Origin::Dir(path) => write!(f, "{}", path.display()),
            Origin::Shipped { stem } => write!(f, "shipped runbook {stem}.md"),
            Origin::Remote { key, url } => write!(f, "{url} (from the {key} annotation)"),
        }
    }
}

/// A runbook that was found locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub origin: Origin,
    pub markdown: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Local(Found),
    /// An http(s) runbook link: show it and offer to copy it; fetch only if `fetch_allowed`.
    Remote {
        key: String,
        url: Url,
        fetch_allowed: bool,
        /// A local runbook found by name as well, if any, to show alongside the link.
        local: Option<Found>,
    },
    /// Nothing found. `notes` says what was looked at and why anything was passed over.
    NotFound {
        notes: Vec<String>,
    },
}

/// Find the runbook for an alert.
pub fn resolve(
    alertname: &str,
    annotations: &BTreeMap<String, String>,
    lookup: &Lookup,
) -> Resolution {
    let mut notes = Vec::new();
    let mut remote = None;
    for key in &lookup.annotation_keys {
        let Some(value) = annotations.get(key).map(|v| v.trim()) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        match Url::parse(value) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {
                if remote.is_none() {
                    let fetch_allowed = host_allowed(&url, &lookup.allowed_hosts);
                    remote = Some((key.clone(), url, fetch_allowed));
                }
            }
            Ok(url) if url.scheme() == "file" => match url.to_file_path() {
                Ok(path) => match local_file(&path, &lookup.dirs) {
                    Ok(found) => return annotated(key, found),
                    Err(note) => notes.push(format!("{key}: {note}")),
                },
                Err(()) => notes.push(format!("{key}: {value} is not a local path")),
            },
            Ok(url) => notes.push(format!(
                "{key}: the {} scheme is not followed; only http, https and file",
                url.scheme()
            )),
            Err(_) => match local_file(Path::new(value), &lookup.dirs) {
                Ok(found) => return annotated(key, found),
                Err(note) => notes.push(format!("{key}: {note}")),
            },
        }
    }

    let by_name = by_name(alertname, &lookup.dirs, &mut notes);
    match (remote, by_name) {
        (Some((key, url, fetch_allowed)), local) => Resolution::Remote {
            key,
            url,
            fetch_allowed,
            local,
        },
        (None, Some(found)) => Resolution::Local(found),
        (None, None) => Resolution::NotFound { notes },
    }
}

/// Whether `url` is http(s) on one of `allowed_hosts` (exact, case-insensitive).
pub fn host_allowed(url: &Url, allowed_hosts: &[String]) -> bool {
    matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|host| {
            allowed_hosts
                .iter()
                .any(|allowed| allowed.trim().eq_ignore_ascii_case(host))
        })
}

fn annotated(key: &str, (path, markdown): (PathBuf, String)) -> Resolution {
    Resolution::Local(Found {
        origin: Origin::Annotation {
            key: key.to_string(),
            path,
        },
        markdown,
    })
}

/// `<kebab>.md` in each directory, then the shipped runbook.
fn by_name(alertname: &str, dirs: &[PathBuf], notes: &mut Vec<String>) -> Option<Found> {
    let stem = kebab_case(alertname);
    if stem.is_empty() {
        notes.push("the alert has no usable alertname".into());
        return None;
    }
    let file = format!("{stem}.md");
    for dir in dirs {
        let path = dir.join(&file);
        match std::fs::read_to_string(&path) {
            Ok(markdown) => {
                return Some(Found {
                    origin: Origin::Dir(path),
                    markdown,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                notes.push(format!("no {}", path.display()))
            }
            Err(e) => notes.push(format!("cannot read {}: {e}", path.display())),
        }
    }
    match shipped::find(&stem) {
        Some(markdown) => Some(Found {
            origin: Origin::Shipped { stem },
            markdown: markdown.to_string(),
        }),
        None => {
            notes.push(format!("oncall ships no {file}"));
            None
        }
    }
}

/// A file an annotation names: relative paths are looked up in each runbook directory,
/// absolute ones must lie inside one; only `.md` files are read.
fn local_file(path: &Path, dirs: &[PathBuf]) -> Result<(PathBuf, String), String> {
    if path.extension().and_then(|e| e.to_str()) != Some("md") {
        return Err(format!("{} is not a .md file", path.display()));
    }
    if path.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(format!("{} contains `..`", path.display()));
    }
    if dirs.is_empty() {
        return Err(format!(
            "{} is a local path, but no runbook_dirs are configured to hold it",
            path.display()
        ));
    }
    for dir in dirs {
        let candidate = if path.is_absolute() {
            path.to_path_buf()
        } else {
            dir.join(path)
        };
        let (Ok(real), Ok(real_dir)) = (candidate.canonicalize(), dir.canonicalize()) else {
            continue;
        };
        // Symlinks are resolved first so a link inside the directory cannot point outside it.
        if !real.starts_with(&real_dir) {
            continue;
        }
        return std::fs::read_to_string(&real)
            .map(|text| (candidate, text))
            .map_err(|e| format!("cannot read {}: {e}", real.display()));
    }
    Err(format!(
        "{} is not a file inside a runbook directory",
        path.display()
    ))
}
