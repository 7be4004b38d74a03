//! Everything between "this alert" and "this parsed runbook": resolve, fetch an allowlisted
//! link, parse. `oncall runbook` and the watch UI's loader share it so both find the same
//! runbook the same way and fail with the same words.

use std::collections::BTreeMap;

use url::Url;

use super::document::{parse, ParseError, Runbook};
use super::fetch::{fetch, FetchError};
use super::name::kebab_case;
use super::resolve::{resolve, Found, Lookup, Origin, Resolution};
use crate::config::Settings;
use crate::sanitize::one_line;

impl Lookup {
    /// The runbook settings of a loaded config.
    pub fn from_settings(settings: &Settings) -> Lookup {
        Lookup {
            dirs: settings.runbook_dirs.clone(),
            annotation_keys: settings.runbook_annotation_keys.clone(),
            allowed_hosts: settings.runbook_allowed_hosts.clone(),
        }
    }
}

/// A runbook ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub found: Found,
    pub runbook: Runbook,
    /// The alert's http(s) runbook link when it was not fetched (its host is not on
    /// `runbook_allowed_hosts`) and a local runbook was found by name instead.
    pub unfetched: Option<Url>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The alert links a runbook on a host that may not be fetched, and none is local.
    #[error("the runbook is at {url} (from the {key} annotation); its host is not on runbook_allowed_hosts, so it is not fetched: open or copy the link, or add the host to runbook_allowed_hosts in the config")]
    NotAllowed { key: String, url: Url },
    #[error("no runbook for {alertname}: {}. Add {stem}.md to a directory in runbook_dirs", notes.join("; "))]
    NotFound {
        alertname: String,
        /// The file name that was looked for, without `.md`.
        stem: String,
        /// What was looked at and why anything was passed over.
        notes: Vec<String>,
    },
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{origin}: {error}")]
    Parse { origin: Origin, error: ParseError },
    /// The lookup's thread ended before it answered (the program is shutting down).
    #[error("the runbook lookup was interrupted; open the runbook again")]
    Interrupted,
}

/// Find, fetch (only from allowed hosts) and parse the runbook of an alert. The resolution
/// reads files on the calling thread; a caller that must not block runs [`resolve`] on a
/// blocking thread and then [`finish`].
pub async fn load(
    alertname: &str,
    annotations: &BTreeMap<String, String>,
    lookup: &Lookup,
) -> Result<Loaded, LoadError> {
    let resolution = resolve(alertname, annotations, lookup);
    finish(alertname, resolution, lookup).await
}

/// The rest of [`load`] once the resolution is known: fetch if it is remote and allowed, parse.
pub async fn finish(
    alertname: &str,
    resolution: Resolution,
    lookup: &Lookup,
) -> Result<Loaded, LoadError> {
    let (found, unfetched) = match resolution {
        Resolution::Local(found) => (found, None),
        Resolution::Remote {
            key,
            url,
            fetch_allowed: true,
            ..
        } => {
            let markdown = fetch(&url, &lookup.allowed_hosts).await?;
            let found = Found {
                origin: Origin::Remote { key, url },
                markdown,
            };
            (found, None)
        }
        Resolution::Remote {
            key,
            url,
            fetch_allowed: false,
            local,
        } => match local {
            Some(found) => (found, Some(url)),
            None => return Err(LoadError::NotAllowed { key, url }),
        },
        Resolution::NotFound { notes } => {
            return Err(LoadError::NotFound {
                alertname: one_line(alertname),
                stem: kebab_case(alertname),
                notes,
            })
        }
    };
    let runbook = parse(&found.markdown).map_err(|error| LoadError::Parse {
        origin: found.origin.clone(),
        error,
    })?;
    Ok(Loaded {
        found,
        runbook,
        unfetched,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_link_on_another_host_is_not_fetched_and_the_shipped_runbook_is_used() {
        let lookup = Lookup {
            dirs: Vec::new(),
            annotation_keys: vec!["runbook_url".into()],
            allowed_hosts: Vec::new(),
        };
        let ann = BTreeMap::from([(
            "runbook_url".to_string(),
            "http://127.0.0.1:9/x.md".to_string(),
        )]);
        let loaded = block_on(load("ServiceDown", &ann, &lookup)).unwrap();
        assert_eq!(
            loaded.unfetched.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:9/x.md")
        );
        assert!(!loaded.runbook.steps.is_empty());
        match block_on(load("NoSuchThing", &ann, &lookup)) {
            Err(LoadError::NotAllowed { url, .. }) => assert_eq!(url.port(), Some(9)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn not_found_names_the_file_to_add() {
        let e = block_on(load("NoSuchThing", &BTreeMap::new(), &Lookup::default())).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("no-such-thing.md"), "{text}");
        assert!(text.contains("runbook_dirs"), "{text}");
    }
}
