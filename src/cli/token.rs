//! `breachd token new|list|revoke`: API tokens kept in the database, which
//! a running daemon accepts (or refuses) at its next request, with no edit
//! of the configuration and no restart. Each command migrates the database
//! first, so `token new` works on a fresh clone before the first `serve`.

use crate::cases::access::TokenSource;
use crate::cases::{Context, ServiceError};
use crate::clock::SystemClock;
use crate::settings::{Role, Settings};
use anyhow::{bail, Context as _};
use std::process::ExitCode;
use std::sync::Arc;

/// Who the audit log names for changes made at the command line.
const CLI_ACTOR: &str = "breachd:command-line";

async fn context(settings: Settings) -> anyhow::Result<Context> {
    // The audit entries these commands append are keyed and anchored like
    // the daemon's, with the same key (made here when this runs before the
    // first `serve`, as the daemon would).
    let seal = crate::audit::Seal::open(
        &settings.audit.key_file,
        settings.audit.anchor_file.clone(),
        true,
    )
    .map_err(anyhow::Error::msg)?;
    let options = crate::store::ConnectOptions {
        seal,
        ..Default::default()
    };
    let store = crate::store::connect_with(&settings.database_url, options)
        .await
        .context("opening the database")?;
    store.migrate().await.context("migrating the database")?;
    Ok(Context::new(
        store,
        Arc::new(settings),
        Arc::new(SystemClock),
        crate::wake::Wake::new(),
    ))
}

/// The refusal of a use case, in plain words naming the option.
fn refused(error: ServiceError) -> anyhow::Error {
    match error {
        ServiceError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("--{} {}", e.field, e.reason))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

pub(super) async fn new(settings: Settings, role: &str, name: &str) -> anyhow::Result<ExitCode> {
    let role: Role = role
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--role {e}"))?;
    if name.trim().is_empty() {
        bail!("--name must not be empty");
    }
    let public_url = settings.public_url.clone();
    let listen = settings.listen;
    let cases = context(settings).await?;
    let token = cases
        .create_token(name, role, CLI_ACTOR)
        .await
        .map_err(refused)?;
    let sha256 = hex::encode(crate::auth::token_sha256(&token));
    println!("token: {token}");
    println!();
    println!(
        "Stored in the database as {:?} ({}); a running breachd accepts it now.",
        name.trim(),
        role.as_str()
    );
    println!("This is the only time the token is shown: give it to its user.");
    let board = public_url.unwrap_or_else(|| format!("http://{listen}"));
    println!("Sign in at {board}/sign-in, or use it as BREACHD_TOKEN for `breachd report` and `breachd status`.");
    println!();
    // Kept for a district that manages tokens in its own file instead:
    // the same token, as a configuration entry (with another name).
    println!("# Only for a configuration file of your own (not needed, and the name must differ):");
    println!("# [[auth.tokens]]");
    println!("# name = {}", toml::Value::String(name.trim().to_owned()));
    println!("# role = \"{}\"", role.as_str());
    println!("# sha256 = \"{sha256}\"");
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn list(settings: Settings) -> anyhow::Result<ExitCode> {
    let zone = settings.timezone;
    let cases = context(settings).await?;
    let tokens = cases.tokens().await.map_err(refused)?;
    if tokens.is_empty() {
        println!("no API tokens (make one with `breachd token new --role admin --name NAME`)");
        return Ok(ExitCode::SUCCESS);
    }
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map_or_else(String::new, |at| {
            at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
        })
    };
    println!(
        "{:<24} {:<9} {:<20} {:<17} state",
        "name", "role", "kept in", "created"
    );
    for token in &tokens {
        let (kept, state) = match (token.source, token.revoked_at) {
            (TokenSource::File, _) => ("configuration file", "active".to_owned()),
            (TokenSource::Database, None) => ("database", "active".to_owned()),
            (TokenSource::Database, Some(at)) => {
                ("database", format!("revoked {}", when(Some(at))))
            }
        };
        println!(
            "{:<24} {:<9} {:<20} {:<17} {state}",
            token.name,
            token.role.as_str(),
            kept,
            when(token.created_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn revoke(settings: Settings, name: &str) -> anyhow::Result<ExitCode> {
    let cases = context(settings).await?;
    match cases.revoke_token(name, CLI_ACTOR).await {
        Ok(()) => {
            println!(
                "revoked {:?}: it and its web sign-ins no longer work",
                name.trim()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::NotFound) => {
            bail!(
                "no active token named {:?} in the database (see `breachd token list`)",
                name.trim()
            )
        }
        Err(error) => Err(refused(error)),
    }
}
