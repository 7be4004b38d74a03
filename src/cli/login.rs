//! `oncall login pagerduty`: read the PagerDuty token without echo and keep it in the OS
//! keyring (service `oncall`, user `pagerduty:<context>`). On a host with no keyring
//! service (SSH, servers) it says so before asking for anything, and names the other ways.

use std::io::BufRead;

use clap::Subcommand;

use super::{block_on, interactive, CliError, Globals};
use crate::config::secrets::{keyring_status, keyring_store, keyring_user, KEYRING_SERVICE};
use crate::config::{self, TokenSource, DEFAULT_PAGERDUTY_URL};
use crate::secret::Secret;
use crate::sources::pagerduty::PagerDutyClient;
use crate::sources::{Auth, Endpoint, SourceError};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub target: LoginTarget,
}

#[derive(Debug, Subcommand)]
pub enum LoginTarget {
    /// Store the PagerDuty API token of the context in the OS keyring.
    #[command(
        after_help = "The token is read without echo from the terminal, or as the first line of stdin \
when stdin is not a terminal. It is never accepted as a flag.\n\
Without a keyring (over SSH, on servers) use ONCALL_PAGERDUTY_TOKEN, token_file or token_command instead."
    )]
    Pagerduty(PagerDutyArgs),
}

#[derive(Debug, clap::Args)]
pub struct PagerDutyArgs {
    /// Store the token without first checking it against PagerDuty.
    #[arg(long)]
    pub no_verify: bool,
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    match args.target {
        LoginTarget::Pagerduty(a) => block_on(pagerduty(globals, a)),
    }
}

async fn pagerduty(globals: &Globals, args: PagerDutyArgs) -> Result<(), CliError> {
    if globals.demo {
        return Err(CliError::Usage(
            "--demo has its own PagerDuty token; there is nothing to log in to".into(),
        ));
    }
    let settings = config::load(&globals.load_options())?;
    let context = settings.context.clone();
    // Before asking for the token: is there a keyring to put it in?
    let probe_context = context.clone();
    let existing = tokio::task::spawn_blocking(move || keyring_status(&probe_context))
        .await
        .map_err(|e| CliError::Backend(format!("the keyring check failed: {e}")))??;
    if let Some(pd) = &settings.pagerduty {
        if !matches!(pd.token, TokenSource::Keyring { .. }) {
            eprintln!(
                "oncall: warning: context `{context}` takes its token from {}, which comes before the keyring; \
                 the stored token is used only once that is gone",
                pd.token.describe()
            );
        }
    }
    let token = read_token(&context)?;
    if !args.no_verify {
        let base = match &settings.pagerduty {
            Some(pd) => pd.endpoint_without_token.clone(),
            None => Endpoint::parse(DEFAULT_PAGERDUTY_URL).map_err(CliError::Usage)?,
        };
        verify(base, &token).await?;
    }
    let store_context = context.clone();
    tokio::task::spawn_blocking(move || keyring_store(&store_context, &token))
        .await
        .map_err(|e| CliError::Backend(format!("the keyring write failed: {e}")))??;
    eprintln!(
        "{} the PagerDuty token for context `{context}` in the OS keyring (service {KEYRING_SERVICE}, user {})",
        if existing { "replaced" } else { "stored" },
        keyring_user(&context)
    );
    if settings.pagerduty.is_none() {
        eprintln!(
            "PagerDuty is not configured for context `{context}` yet: add a [contexts.{context}.pagerduty] section \
             (with `from = \"you@example.com\"`) so oncall uses it"
        );
    }
    Ok(())
}

/// The token, from the terminal without echo, or from the first line of stdin in scripts.
fn read_token(context: &str) -> Result<Secret, CliError> {
    let raw = if interactive() {
        rpassword::prompt_password(format!(
            "PagerDuty API token for context `{context}` (not echoed): "
        ))
        .map_err(|e| CliError::Usage(format!("cannot read the token from the terminal: {e}")))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Usage(format!("cannot read the token from stdin: {e}")))?;
        line
    };
    let token = raw.trim();
    if token.is_empty() {
        return Err(CliError::Usage(
            "no token given: type it at the prompt, or pipe it in on stdin (never as a flag)"
                .into(),
        ));
    }
    if token.chars().any(char::is_whitespace) {
        return Err(CliError::Usage(
            "the token contains spaces; paste only the token itself".into(),
        ));
    }
    Ok(Secret::new(token))
}

/// Ask PagerDuty who the token belongs to. A rejected token is not stored; an account-level
/// key (which has no user) or an unreachable PagerDuty is stored with a note.
async fn verify(base: Endpoint, token: &Secret) -> Result<(), CliError> {
    let mut endpoint = base;
    endpoint.auth = Auth::PagerDutyToken(token.clone());
    let client = PagerDutyClient::new(endpoint, None)?;
    match client.me().await {
        Ok(user) => {
            eprintln!(
                "PagerDuty accepted the token: it belongs to {}",
                crate::sanitize::one_line(if user.name.is_empty() {
                    &user.summary
                } else {
                    &user.name
                })
            );
            Ok(())
        }
        Err(e @ SourceError::Unauthorized { .. }) => Err(e.into()),
        Err(SourceError::Api { .. }) => {
            eprintln!(
                "PagerDuty accepted the token, which has no user of its own (an account-level key): set `from` \
                 to your PagerDuty email in the context so acks and resolves say who did them"
            );
            Ok(())
        }
        Err(e) => {
            eprintln!(
                "oncall: warning: could not check the token ({}); storing it anyway",
                e.short()
            );
            Ok(())
        }
    }
}
