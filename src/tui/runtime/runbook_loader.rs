//! Runs `Effect::LoadRunbook`: resolution reads local files, so it runs on a blocking thread;
//! an allowlisted link is fetched; the parsed runbook (or why there is none) goes back to the
//! app as `Action::RunbookLoaded` with the generation it was asked for.

use std::collections::BTreeMap;

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::runbooks::{self, LoadError, Loaded, Lookup};
use crate::tui::action::Action;

/// Load in the background and send the answer on `tx`.
pub fn spawn(
    generation: u64,
    alertname: String,
    annotations: BTreeMap<String, String>,
    lookup: Lookup,
    tx: mpsc::Sender<Action>,
) -> AbortHandle {
    tokio::spawn(async move {
        let result = load(alertname, annotations, lookup).await;
        // The loop is gone when this fails: nobody is waiting for the answer.
        let _ = tx.send(Action::RunbookLoaded { generation, result }).await;
    })
    .abort_handle()
}

/// Resolve on a blocking thread, then fetch (allowed hosts only) and parse.
pub async fn load(
    alertname: String,
    annotations: BTreeMap<String, String>,
    lookup: Lookup,
) -> Result<Loaded, LoadError> {
    let (alertname, lookup, resolution) = tokio::task::spawn_blocking(move || {
        let resolution = runbooks::resolve(&alertname, &annotations, &lookup);
        (alertname, lookup, resolution)
    })
    .await
    .map_err(|_| LoadError::Interrupted)?;
    runbooks::load::finish(&alertname, resolution, &lookup).await
}
