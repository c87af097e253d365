//! A real IMAP server on loopback for the bounce tests: Debian's Dovecot
//! (`dovecot-imapd`, installed by .ci/run) started in the foreground with a
//! throwaway configuration in a temporary folder: one user from a
//! passwd-file, a maildir in the folder, plain-text login on 127.0.0.1 (no
//! TLS), run as the current user (as root, the mail is owned by nobody:
//! Dovecot refuses uid 0 for mail). `append` puts a message in the inbox
//! over IMAP, as a relay's delivery would.

use async_imap::types::Flag;
use async_imap::Session;
use futures_util::TryStreamExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

pub const USER: &str = "bounces";
pub const PASSWORD: &str = "bounce-mailbox-secret";
pub const DOVECOT: &str = "/usr/sbin/dovecot";

pub struct ImapServer {
    pub port: u16,
    /// The file holding the password (`bounces.password_file`).
    pub password_file: PathBuf,
    child: Child,
    dir: tempfile::TempDir,
}

/// Whether Dovecot is installed (a test skips, or fails in CI, without it).
pub fn available() -> bool {
    Path::new(DOVECOT).exists()
}

impl ImapServer {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = dir.path();
        let port = super::daemon::free_port();
        let home = root.join("home");
        std::fs::create_dir_all(&home).expect("the mail folder");
        // SAFETY: geteuid and getegid cannot fail and touch no memory.
        let euid = unsafe { libc::geteuid() };
        let (uid, gid, users) = if euid == 0 {
            // Dovecot's own users (made by the Debian package) run its
            // processes; mail cannot be root's.
            let status = Command::new("chown")
                .args(["65534:65534"])
                .arg(&home)
                .status()
                .expect("chown runs");
            assert!(status.success(), "the maildir is given to nobody");
            (65534, 65534, String::new())
        } else {
            let name = std::env::var("USER").unwrap_or_else(|_| "nobody".into());
            let gid = unsafe { libc::getegid() };
            (
                euid,
                gid,
                format!("default_internal_user = {name}\ndefault_login_user = {name}\n"),
            )
        };
        std::fs::write(
            root.join("passwd"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n"),
        )
        .expect("the passwd-file");
        let password_file = root.join("bounce-password");
        std::fs::write(&password_file, format!("{PASSWORD}\n")).expect("the password file");
        let r = root.display();
        // Dovecot 2.3 (Debian 12): `disable_plaintext_auth`; 2.4 renamed it
        // `auth_allow_cleartext` and would refuse this file.
        let config = format!(
            "base_dir = {r}/run\n\
             state_dir = {r}/state\n\
             log_path = {r}/dovecot.log\n\
             listen = 127.0.0.1\n\
             protocols = imap\n\
             ssl = no\n\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login\n\
             first_valid_uid = {uid}\n\
             {users}\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {r}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={r}/home/%u\n}}\n\
             mail_location = maildir:~/Maildir\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n  chroot =\n}}\n\
             service anvil {{\n  chroot =\n}}\n"
        );
        let config_path = root.join("dovecot.conf");
        std::fs::write(&config_path, config).expect("the configuration");
        let child = Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("dovecot starts (apt-get install dovecot-imapd; .ci/run does)");
        let server = ImapServer {
            port,
            password_file,
            child,
            dir,
        };
        // Ready when it greets: a deadline, not a fixed sleep.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(session) = server.try_login().await {
                drop(session);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "dovecot did not accept a login within 20 s; its log:\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// `bounces.imap_url`.
    pub fn url(&self) -> String {
        format!("imap://{USER}@127.0.0.1:{}/INBOX", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    async fn try_login(&self) -> Result<Session<TcpStream>, String> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port))
            .await
            .map_err(|e| e.to_string())?;
        let mut client = async_imap::Client::new(tcp);
        client
            .read_response()
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no greeting")?;
        client
            .login(USER, PASSWORD)
            .await
            .map_err(|(error, _)| error.to_string())
    }

    async fn session(&self) -> Session<TcpStream> {
        let mut session = self.try_login().await.expect("the test logs in");
        session.select("INBOX").await.expect("INBOX exists");
        session
    }

    /// Puts `message` (LF or CRLF line ends) in the inbox, unseen.
    pub async fn append(&self, message: &str) {
        let crlf = message.replace("\r\n", "\n").replace('\n', "\r\n");
        let mut session = self.session().await;
        session
            .append("INBOX", None, None, crlf.as_bytes())
            .await
            .expect("APPEND succeeds");
        let _ = session.logout().await;
    }

    /// Every message's flags (keywords included), by UID.
    pub async fn flags(&self) -> Vec<(u32, Vec<String>)> {
        let mut session = self.session().await;
        let fetched: Vec<_> = session
            .uid_fetch("1:*", "(UID FLAGS)")
            .await
            .expect("FETCH succeeds")
            .try_collect()
            .await
            .expect("FETCH answers");
        let mut flags: Vec<(u32, Vec<String>)> = fetched
            .iter()
            .map(|fetch| {
                (
                    fetch.uid.unwrap_or(0),
                    fetch
                        .flags()
                        .map(|flag| match flag {
                            Flag::Seen => "\\Seen".to_owned(),
                            Flag::Custom(keyword) => keyword.to_string(),
                            other => format!("{other:?}"),
                        })
                        .collect(),
                )
            })
            .collect();
        flags.sort();
        let _ = session.logout().await;
        flags
    }

    /// Waits until no message is unseen (the poller read them all).
    pub async fn wait_all_seen(&self, what: &str) -> Vec<(u32, Vec<String>)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let flags = self.flags().await;
            if flags
                .iter()
                .all(|(_, flags)| flags.iter().any(|f| f == "\\Seen"))
            {
                return flags;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {flags:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for ImapServer {
    /// SIGTERM, so that the master stops its login and auth processes too.
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: signalling our own child process.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let _ = self.child.wait();
    }
}
