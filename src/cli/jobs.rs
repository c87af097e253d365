//! `breachd jobs list [--dead] [--json]` and `breachd jobs retry ID`: the
//! job queue at a terminal, read through the admin API (token from
//! `$BREACHD_TOKEN`). The listing words each job: the work, its incident by
//! title, when it died and its last error, and the id to copy into `retry`.
//! `--json` prints the API's answer unchanged.

use super::{answer, api_token, base_url};
use crate::words::count;
use anyhow::Context;
use clap::Subcommand;
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// The dead jobs (stopped after their handler kept failing), then those
    /// waiting to run.
    List {
        /// Only the dead jobs.
        #[arg(long)]
        dead: bool,
        /// The daemon's URL [default: $BREACHD_URL, else from server.listen]
        #[arg(long)]
        url: Option<String>,
        /// Print the daemon's JSON instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Put a dead job back to run now, its attempts reset (audited).
    Retry {
        /// The job's id, as `breachd jobs list --dead` shows it.
        id: String,
        /// The daemon's URL [default: $BREACHD_URL, else from server.listen]
        #[arg(long)]
        url: Option<String>,
    },
}

pub(super) async fn run(config: Option<&Path>, command: JobsCommand) -> anyhow::Result<ExitCode> {
    let token = api_token()?;
    let client = reqwest::Client::new();
    match command {
        JobsCommand::List { dead, url, json } => {
            let state = if dead { "dead" } else { "scheduled,dead" };
            let url = format!("{}/api/v1/jobs?state={state}", base_url(config, url));
            let response = client
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .with_context(|| format!("reaching {url}"))?;
            let listing = answer(response).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&listing)?);
            } else {
                print!("{}", words(&listing, dead));
            }
        }
        JobsCommand::Retry { id, url } => {
            let id = id.trim();
            uuid::Uuid::parse_str(id).with_context(|| {
                format!("ID: {id:?} is not a job id (see breachd jobs list --dead)")
            })?;
            let url = format!("{}/api/v1/jobs/{id}/retry", base_url(config, url));
            let response = client
                .post(&url)
                .bearer_auth(&token)
                .send()
                .await
                .with_context(|| format!("reaching {url}"))?;
            answer(response).await?;
            println!("The job is back in the queue and runs now.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The listing in words: a summary line, then a block per job.
fn words(listing: &Value, dead_only: bool) -> String {
    let jobs = listing["jobs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let dead = jobs.iter().filter(|j| j["state"] == "dead").count();
    let waiting = jobs.len() - dead;
    let mut out = if dead_only {
        format!(
            "{} stopped after failing repeatedly.\n",
            count(dead as u64, "job", "jobs")
        )
    } else {
        format!(
            "{} stopped after failing repeatedly, {} waiting to run.\n",
            count(dead as u64, "job", "jobs"),
            waiting
        )
    };
    for job in jobs {
        out.push('\n');
        let work = job["work"].as_str().unwrap_or("work");
        out.push_str(&capitalized(work));
        out.push('\n');
        if let Some(title) = job["incident_title"].as_str() {
            out.push_str(&format!("  for {title}\n"));
        }
        if job["state"] == "dead" {
            if let Some(at) = job["died_at"].as_str() {
                out.push_str(&format!("  stopped {at}\n"));
            }
            if let Some(error) = job["last_error"].as_str() {
                out.push_str(&format!("  last error: {error}\n"));
            }
            out.push_str(&format!(
                "  retry with: breachd jobs retry {}\n",
                job["id"].as_str().unwrap_or_default()
            ));
        } else {
            out.push_str(&format!(
                "  due {}\n",
                job["due_at"].as_str().unwrap_or_default()
            ));
        }
    }
    out
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
