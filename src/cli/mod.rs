//! The command line: `serve`, `migrate`, `check-config`, `deadlines`,
//! `report`, `status` (in `status`), `migrate-data`, `token` (in `token`),
//! `rules` (in `rules`), `vendors` and `jobs` (each in its file); docs/cli.md describes them.

mod deadlines;
mod jobs;
mod rules;
mod status;
mod token;
mod vendors;

use crate::app::{cancel_on_signals, Application};
use crate::settings::Settings;
use anyhow::{bail, Context};
use deadlines::{deadlines, print_incident, read_input, text};

use clap::{Parser, Subcommand};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(
    name = "breachd",
    version,
    about = "Student-data breach notification deadlines, tracked and acted on"
)]
pub struct Cli {
    /// Configuration file [default: $BREACHD_CONFIG, else config/default.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon (migrates the database first).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Validate the configuration: exit 0 if valid, else 1 naming each bad key.
    CheckConfig,
    /// Classification and obligations for an incident body, storing nothing.
    Deadlines {
        /// The incident JSON (as for POST /api/v1/incidents), or - for stdin.
        #[arg(long, value_name = "FILE|-")]
        input: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Evaluate as of this instant (RFC 3339) instead of now.
        #[arg(long, value_name = "TIMESTAMP")]
        now: Option<String>,
    },
    /// File an incident through the API (token from $BREACHD_TOKEN).
    Report {
        /// The incident JSON (as for POST /api/v1/incidents), or - for stdin.
        #[arg(long, value_name = "FILE|-")]
        input: String,
        /// The daemon's URL [default: $BREACHD_URL, else from server.listen]
        #[arg(long)]
        url: Option<String>,
        /// Print the daemon's JSON answer instead of a summary.
        #[arg(long)]
        json: bool,
        /// The request's Idempotency-Key [default: derived from the file's
        /// content, so filing the same file again files nothing new]
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Open and overdue obligations, soonest first (token from $BREACHD_TOKEN).
    Status {
        /// The daemon's URL [default: $BREACHD_URL, else from server.listen]
        #[arg(long)]
        url: Option<String>,
        /// Print the daemon's JSON (every page of it) instead of the summary.
        #[arg(long)]
        json: bool,
    },
    /// Copy every record of a SQLite database into an empty PostgreSQL one.
    MigrateData {
        /// The database to copy from (sqlite://PATH).
        #[arg(long, value_name = "URL")]
        from: String,
        /// The empty database to copy into (postgres://...); migrated first.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The law breachd ships, and a check for a custom rule pack.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// The vendor registry (token from $BREACHD_TOKEN).
    Vendors {
        #[command(subcommand)]
        command: VendorsCommand,
    },
    /// The job queue: dead jobs and their retry (admin token from $BREACHD_TOKEN).
    Jobs {
        #[command(subcommand)]
        command: jobs::JobsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum VendorsCommand {
    /// Every registered vendor, its agreement and breach-notice clause.
    List {
        /// The daemon's URL [default: $BREACHD_URL, else from server.listen]
        #[arg(long)]
        url: Option<String>,
        /// Print the daemon's JSON instead of a summary.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every jurisdiction's rules: citation, effective dates, deadline, verification.
    List {
        /// Only this jurisdiction's, e.g. US-IL.
        #[arg(long, value_name = "CODE")]
        jurisdiction: Option<String>,
        /// Print JSON (the shape of GET /api/v1/rules) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One rule in full, by its id (as `rules list` shows it).
    Show {
        /// The rule's id, e.g. us-ct/contractor-notifies-board/30d.
        id: String,
    },
    /// Lint the packs (*.toml) in DIR: exit 0 if every rule is cited, sourced,
    /// effective-dated and says whether it was verified, else 1 naming each problem.
    Check {
        /// The folder of rule packs, e.g. config/rules.
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain: exit 0 if intact, else 1 naming the first broken entry.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and keep its SHA-256 in the database (it works at once);
    /// the token is printed once.
    New {
        /// What the token may do: viewer, reporter or admin.
        #[arg(long)]
        role: String,
        /// Who or what uses it (unique; it appears in the audit log).
        #[arg(long)]
        name: String,
    },
    /// Every token: the configuration file's and the database's.
    List,
    /// Revoke a database token; its web sign-ins end with it.
    Revoke {
        /// The token's name, as `token list` shows it.
        name: String,
    },
}

pub fn run(cli: Cli) -> ExitCode {
    let config = cli.config.as_deref();
    let result = match cli.command {
        Command::CheckConfig => return check_config(config),
        Command::Token { command } => runtime().and_then(|rt| {
            rt.block_on(async {
                let settings = load(config)?;
                match command {
                    TokenCommand::New { role, name } => token::new(settings, &role, &name).await,
                    TokenCommand::List => token::list(settings).await,
                    TokenCommand::Revoke { name } => token::revoke(settings, &name).await,
                }
            })
        }),
        Command::Deadlines { input, json, now } => deadlines(config, &input, json, now.as_deref()),
        Command::Serve => runtime().and_then(|rt| rt.block_on(serve(config))),
        Command::Audit {
            command: AuditCommand::Verify,
        } => runtime().and_then(|rt| rt.block_on(audit_verify(config))),
        Command::Migrate => runtime().and_then(|rt| rt.block_on(migrate(config))),
        Command::MigrateData { from, to } => {
            runtime().and_then(|rt| rt.block_on(migrate_data(&from, &to)))
        }
        Command::Report {
            input,
            url,
            json,
            idempotency_key,
        } => {
            runtime().and_then(|rt| rt.block_on(report(config, &input, url, json, idempotency_key)))
        }
        Command::Rules { command } => match command {
            RulesCommand::List { jurisdiction, json } => rules::list(jurisdiction.as_deref(), json),
            RulesCommand::Show { id } => rules::show(&id),
            RulesCommand::Check { dir } => rules::check(&dir),
        },
        Command::Status { url, json } => {
            runtime().and_then(|rt| rt.block_on(status::status(config, url, json)))
        }
        Command::Vendors {
            command: VendorsCommand::List { url, json },
        } => runtime().and_then(|rt| rt.block_on(vendors::list(config, url, json))),
        Command::Jobs { command } => {
            runtime().and_then(|rt| rt.block_on(jobs::run(config, command)))
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("breachd: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn load(config: Option<&Path>) -> anyhow::Result<Settings> {
    Settings::load(config).map_err(|errors| anyhow::anyhow!("{errors}"))
}

fn check_config(config: Option<&Path>) -> ExitCode {
    match Settings::load(config) {
        Ok(settings) => {
            println!(
                "configuration is valid: {} ({}, {}), {}, {}",
                settings.district_name,
                settings.jurisdiction,
                settings.timezone,
                crate::words::count(
                    settings.engine.overlays.len() as u64,
                    "policy overlay",
                    "policy overlays"
                ),
                crate::words::count(settings.tokens.len() as u64, "API token", "API tokens")
            );
            for warning in settings.warnings() {
                eprintln!("warning: {warning}");
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprint!("{errors}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    crate::telemetry::init(&settings);
    let shutdown = CancellationToken::new();
    cancel_on_signals(shutdown.clone());
    let first_start = FirstStart::of(&settings);
    let app = Application::build(settings).await?;
    first_start.hint().await;
    // Migrations are applied and the listener is bound: ready for systemd
    // (Type=notify). Outside systemd this does nothing.
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Ready]);
    let stopping = shutdown.clone();
    tokio::spawn(async move {
        stopping.cancelled().await;
        let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Stopping]);
    });
    app.run_until_stopped(shutdown).await?;
    Ok(ExitCode::SUCCESS)
}

/// What a newcomer's first `serve` needs to be told: with no token in the
/// file, none in the database and no identity provider, nobody can sign
/// in, so one line says how to make the first admin token.
struct FirstStart {
    database_url: Option<String>,
    sign_in: String,
}

impl FirstStart {
    fn of(settings: &Settings) -> Self {
        let address = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", settings.listen));
        Self {
            database_url: (settings.tokens.is_empty() && settings.oidc.is_empty())
                .then(|| settings.database_url.clone()),
            sign_in: format!("{address}/sign-in"),
        }
    }

    /// Runs after the daemon migrated, so the tokens table exists.
    async fn hint(self) {
        let Some(url) = self.database_url else {
            return;
        };
        let none = match crate::store::connect(&url).await {
            Ok(store) => store
                .tokens()
                .await
                .is_ok_and(|tokens| tokens.iter().all(|t| t.revoked_at.is_some())),
            Err(_) => false,
        };
        if none {
            eprintln!(
                "breachd: no API token yet: run `breachd token new --role admin --name YOUR-NAME` in another shell, then sign in at {}",
                self.sign_in
            );
        }
    }
}

async fn audit_verify(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    // The key is read, never created: a missing key is a finding, not a
    // first start.
    let seal = crate::audit::Seal::open(
        &settings.audit.key_file,
        settings.audit.anchor_file.clone(),
        false,
    )
    .map_err(anyhow::Error::msg)?;
    let options = crate::store::ConnectOptions {
        seal: std::sync::Arc::clone(&seal),
        ..Default::default()
    };
    let store = crate::store::connect_with(&settings.database_url, options).await?;
    match store.verify_audit().await? {
        Ok(checked) => {
            println!("audit chain intact: {} entries", checked.entries);
            match (&checked.anchored, checked.head) {
                (Some(anchor), _) => println!(
                    "the anchor outside the database ({}) names entry {}, which is in the log",
                    settings.audit.anchor_file.display(),
                    anchor.seq
                ),
                (None, Some(_)) => println!(
                    "warning: there is no anchor at {}: a removed tail cannot be ruled out",
                    settings.audit.anchor_file.display()
                ),
                (None, None) => {}
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            println!(
                "audit chain broken at entry {}: {}",
                broken.seq, broken.reason
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn migrate(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let store = crate::store::connect(&settings.database_url).await?;
    store.migrate().await?;
    println!("database migrated");
    Ok(ExitCode::SUCCESS)
}

async fn migrate_data(from: &str, to: &str) -> anyhow::Result<ExitCode> {
    let report = crate::store::migrate_data::copy(from, to).await?;
    for (table, rows) in &report.tables {
        println!("{table:<24} {rows:>10} rows");
    }
    println!(
        "copied {} rows; the target is ready for `breachd serve`",
        report.total()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--url`, else `$BREACHD_URL`, else the configured listen address.
fn base_url(config: Option<&Path>, url: Option<String>) -> String {
    url.or_else(|| std::env::var("BREACHD_URL").ok().filter(|u| !u.is_empty()))
        .or_else(|| {
            Settings::load(config)
                .ok()
                .map(|s| format!("http://{}", s.listen))
        })
        .unwrap_or_else(|| "http://127.0.0.1:8080".into())
        .trim_end_matches('/')
        .to_owned()
}

fn api_token() -> anyhow::Result<String> {
    match std::env::var("BREACHD_TOKEN") {
        Ok(token) if !token.trim().is_empty() => Ok(token.trim().to_owned()),
        _ => bail!("set BREACHD_TOKEN to an API token (see `breachd token new`)"),
    }
}

async fn answer(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(body);
    }
    let mut message = format!(
        "{status}: {}",
        body["detail"]
            .as_str()
            .or(body["title"].as_str())
            .unwrap_or("")
    );
    for error in body["errors"].as_array().into_iter().flatten() {
        message.push_str(&format!(
            "\n  {}: {}",
            text(error, "field"),
            text(error, "reason")
        ));
    }
    bail!(message)
}

async fn report(
    config: Option<&Path>,
    input: &str,
    url: Option<String>,
    json: bool,
    idempotency_key: Option<String>,
) -> anyhow::Result<ExitCode> {
    let body = read_input(input)?;
    serde_json::from_slice::<Value>(&body).context("the input is not JSON")?;
    let token = api_token()?;
    let url = format!("{}/api/v1/incidents", base_url(config, url));
    // One key for every attempt, and by default the same key for the same
    // file: a retry after a lost answer, or running the command again with
    // the same input, files once.
    let key = idempotency_key
        .unwrap_or_else(|| format!("file-sha256-{}", hex::encode(content_sha256(&body))));
    let client = reqwest::Client::new();
    let mut attempt = 0;
    let response = loop {
        attempt += 1;
        let sent = client
            .post(&url)
            .bearer_auth(&token)
            .header("Idempotency-Key", &key)
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(response) => break response,
            Err(error) if attempt < 4 => {
                eprintln!("breachd: {error}; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(500 * attempt)).await;
            }
            Err(error) => return Err(error).context(format!("posting to {url}")),
        }
    };
    let replayed = response
        .headers()
        .get("Idempotent-Replayed")
        .is_some_and(|value| value == "true");
    let filed = answer(response).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&filed)?);
    } else if replayed {
        println!(
            "this report was filed before, as incident {}: nothing new was filed",
            text(&filed, "id")
        );
        print_incident(&filed);
    } else {
        println!("filed incident {}", text(&filed, "id"));
        print_incident(&filed);
    }
    Ok(ExitCode::SUCCESS)
}

/// SHA-256 of the report file's content, for its default key.
fn content_sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}
