//! A family-notice fan-out driven over HTTP against real `breachd serve`
//! processes (`daemon.rs`) sending to a real SMTP server (`smtp.rs`): file
//! an incident, import a roster of numbered guardians, approve the notice,
//! then count what reached the SMTP server and what the daemon recorded.
//! Shared by the crash test and the multi-instance test.

use super::daemon::Daemon;
use super::smtp::{Received, SmtpServer};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The API client of a fan-out to `guardians` guardians, with `token`
/// (an administrator's).
pub struct FanOut {
    pub client: reqwest::Client,
    pub token: &'static str,
    pub guardians: usize,
}

impl FanOut {
    pub fn new(token: &'static str, guardians: usize) -> FanOut {
        FanOut {
            client: reqwest::Client::new(),
            token,
            guardians,
        }
    }

    /// Files an incident on `on`, imports the roster there and approves the
    /// notice on `approver`; returns the incident id.
    pub async fn start(&self, on: &Daemon, approver: &Daemon) -> String {
        let id = self.file_and_import(on).await;
        self.approve(approver, &id).await;
        id
    }

    /// Files an incident (the board notified an hour ago, so the families'
    /// notice is due) and imports one guardian per student; returns its id.
    pub async fn file_and_import(&self, on: &Daemon) -> String {
        let now = chrono::Utc::now();
        let incident = json!({
            "title": "Vendor breach",
            "contractor": "Vendor Inc.",
            "discovered_at": (now - chrono::Duration::days(2)).to_rfc3339(),
            "board_notified_at": (now - chrono::Duration::hours(1)).to_rfc3339(),
            "data_elements": ["grades"]
        });
        let (status, filed) = self
            .post(
                on,
                "/api/v1/incidents",
                "application/json",
                incident.to_string(),
            )
            .await;
        assert_eq!(status, 201, "filing: {filed}");
        let id = filed["id"].as_str().expect("an incident id").to_owned();
        let mut roster =
            String::from("student_id,student_name,guardian_name,guardian_email,language\n");
        for n in 0..self.guardians {
            roster.push_str(&format!(
                "s{n:05},Student{n} Family{n},Guardian{n} Family{n},guardian{n}@families.example,en\n"
            ));
        }
        let path = format!("/api/v1/incidents/{id}/roster");
        let (status, answer) = self.post(on, &path, "text/csv", roster).await;
        assert_eq!(status, 200, "roster import: {answer}");
        assert_eq!(
            answer["recipients"].as_u64(),
            Some(self.guardians as u64),
            "{answer}"
        );
        id
    }

    /// Approves the notice of incident `id` on `on`.
    pub async fn approve(&self, on: &Daemon, id: &str) {
        let path = format!("/api/v1/incidents/{id}/notice/approve");
        let (status, approved) = self
            .post(on, &path, "application/json", String::new())
            .await;
        assert_eq!(status, 202, "approval: {approved}");
    }

    async fn post(
        &self,
        on: &Daemon,
        path: &str,
        content_type: &str,
        body: String,
    ) -> (u16, Value) {
        let response = self
            .client
            .post(on.url(path))
            .bearer_auth(self.token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("the daemon answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Messages per guardian address once every guardian has one (or as
    /// they stand after `within`: the caller asserts).
    pub async fn wait_all_delivered(
        &self,
        smtp: &SmtpServer,
        within: Duration,
    ) -> BTreeMap<String, usize> {
        let deadline = Instant::now() + within;
        loop {
            let counts = per_address(smtp);
            if counts.len() >= self.guardians || Instant::now() > deadline {
                return counts;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The deliveries listing's count of sent messages on `on`, once it
    /// reaches the number of guardians (or the last seen after `within`:
    /// the caller asserts).
    pub async fn sent_count(&self, on: &Daemon, id: &str, within: Duration) -> u64 {
        let deadline = Instant::now() + within;
        loop {
            let response = self
                .client
                .get(on.url(&format!("/api/v1/incidents/{id}/deliveries?limit=1")))
                .bearer_auth(self.token)
                .send()
                .await
                .expect("the daemon answers");
            let listing: Value = response.json().await.unwrap_or(Value::Null);
            let sent = listing["summary"]["sent"].as_u64().unwrap_or(0);
            if sent == self.guardians as u64 || Instant::now() > deadline {
                return sent;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub fn is_family(message: &Received) -> bool {
    message.header("X-Breachd-Kind").as_deref() == Some("family-notice")
}

/// Messages per guardian address, family notices only.
pub fn per_address(smtp: &SmtpServer) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for message in smtp.messages().iter().filter(|m| is_family(m)) {
        for to in &message.to {
            *counts.entry(to.to_lowercase()).or_insert(0) += 1;
        }
    }
    counts
}
