//! A real SMTP server on loopback for delivery tests: Debian's aiosmtpd run
//! by /usr/bin/python3 (installed by .ci/run), writing each accepted message
//! as a JSON line. Recipients named `reject*` get 550, `defer*` get 451.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpServer {
    pub port: u16,
    out: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope sender (MAIL FROM).
    pub mail_from: String,
    pub to: Vec<String>,
    /// The message as received (headers and encoded body).
    pub data: String,
    /// The decoded subject and plain-text body.
    pub subject: String,
    pub body: String,
    /// The connection it came over (the client's address and port).
    pub session: String,
}

impl Received {
    /// A header's value, unfolded (RFC 5322 § 2.2.3: a long value goes on
    /// over lines that begin with white space).
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_lowercase());
        let head: Vec<&str> = self
            .data
            .lines()
            .take_while(|line| !line.is_empty())
            .collect();
        let start = head
            .iter()
            .position(|line| line.to_lowercase().starts_with(&prefix))?;
        let mut value = head[start][prefix.len()..].trim().to_owned();
        for line in head[start + 1..]
            .iter()
            .take_while(|line| line.starts_with([' ', '\t']))
        {
            value.push(' ');
            value.push_str(line.trim());
        }
        Some(value)
    }
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("messages.jsonl");
        let port = super::daemon::free_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_server.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--out"])
            .arg(&out)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("/usr/bin/python3 runs (apt-get install python3-aiosmtpd; .ci/run does)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("READY"),
            "the SMTP server did not start (is python3-aiosmtpd installed? .ci/run installs it): {line:?}"
        );
        SmtpServer {
            port,
            out,
            child,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        text.lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .map(|v| Received {
                mail_from: v["mail_from"].as_str().unwrap_or_default().to_owned(),
                to: v["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_owned())
                    .collect(),
                data: v["data"].as_str().unwrap().to_owned(),
                subject: v["subject"].as_str().unwrap_or_default().to_owned(),
                body: v["body"].as_str().unwrap_or_default().to_owned(),
                session: v["session"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// Waits until `predicate` holds over the received messages.
    pub async fn wait_for(
        &self,
        what: &str,
        predicate: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let messages = self.messages();
            if predicate(&messages) {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; received {} messages",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(stdin) = self.child.stdin.as_mut() {
            let _ = stdin.flush();
        }
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
