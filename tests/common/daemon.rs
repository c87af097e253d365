//! The real `breachd` binary, as the command-line and crash tests run it:
//! `breachd()` for a command, `Daemon` for `breachd serve` with its stderr in
//! a log file, waited for on its health endpoints with a deadline, and
//! stopped with SIGKILL (no drain) or SIGTERM (a graceful stop).

use super::config::TestConfig;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A port free on loopback a moment ago, for a process that must be told
/// its port before it starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("loopback has a free port")
        .port()
}

/// The binary under test, blind to the environment's configuration and to
/// the client commands' token and URL (a developer's shell may set them).
pub fn breachd() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_breachd"));
    command
        .env_remove("BREACHD_CONFIG")
        .env_remove("BREACHD_TOKEN")
        .env_remove("BREACHD_URL");
    command
}

/// `breachd serve`, killed with SIGKILL when dropped.
pub struct Daemon {
    pub name: String,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    log: PathBuf,
    client: reqwest::Client,
    /// Builds the command again for `restart`.
    command: Box<dyn Fn() -> Command + Send + Sync>,
    child: Option<Child>,
}

impl Daemon {
    /// `breachd serve --config` with `config` on a free port, its state and
    /// `daemon.log` in `home` (created), logging JSON at level info.
    pub fn start(home: &Path, name: &str, config: TestConfig) -> Daemon {
        std::fs::create_dir_all(home).expect("the daemon's folder can be created");
        let port = free_port();
        let config = config.port(port).write(home);
        Daemon::spawn(
            name,
            format!("http://127.0.0.1:{port}"),
            home.join("daemon.log"),
            move || {
                let mut command = breachd();
                command
                    .args(["serve", "--config"])
                    .arg(&config)
                    .env("BREACHD__LOG__FORMAT", "json")
                    .env("RUST_LOG", "info");
                command
            },
        )
    }

    /// Runs `command` (a `breachd serve` listening at `base`) with its
    /// stderr appended to `log`.
    pub fn spawn(
        name: &str,
        base: String,
        log: PathBuf,
        command: impl Fn() -> Command + Send + Sync + 'static,
    ) -> Daemon {
        let mut daemon = Daemon {
            name: name.to_owned(),
            base,
            log,
            client: reqwest::Client::new(),
            command: Box::new(command),
            child: None,
        };
        daemon.restart();
        daemon
    }

    /// Starts the stopped daemon again, with the same command and log.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "{} is still running", self.name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the daemon's log file can be opened");
        let child = (self.command)()
            .stderr(Stdio::from(log))
            .spawn()
            .expect("the breachd binary runs");
        self.child = Some(child);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The running daemon's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Waits until `/readyz` answers 200.
    pub async fn wait_ready(&self, within: Duration) {
        self.wait_ok("/readyz", within).await;
    }

    /// Waits until `/livez` answers 200.
    pub async fn wait_live(&self, within: Duration) {
        self.wait_ok("/livez", within).await;
    }

    async fn wait_ok(&self, path: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(response) = self.client.get(self.url(path)).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{} did not answer 200 on {path} within {within:?}; its log:\n{}",
            self.name,
            self.logs()
        );
    }

    /// The status of the first answer on `path`, once the daemon listens
    /// (whatever it is: the caller asserts it).
    pub async fn first_status(&self, path: &str, within: Duration) -> u16 {
        let deadline = Instant::now() + within;
        loop {
            match self.client.get(self.url(path)).send().await {
                Ok(response) => return response.status().as_u16(),
                Err(error) if Instant::now() >= deadline => panic!(
                    "{} never listened: {error}; its log:\n{}",
                    self.name,
                    self.logs()
                ),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// SIGKILL: no drain, no goodbye.
    pub fn kill_9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("a running daemon can be killed");
            child.wait().expect("a killed daemon can be reaped");
        }
    }

    /// SIGTERM, then waits for the daemon to exit: its graceful stop.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("the daemon is running");
        let kill = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(kill.success(), "kill -TERM {} failed", child.id());
        child.wait().expect("a stopping daemon can be waited for")
    }

    /// Everything the daemon has written to stderr so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // Not kill_9: a panic while a failed test unwinds would abort.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
