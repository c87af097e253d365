//! Several `breachd serve` instances on one PostgreSQL database, as a
//! district runs breachd for availability: shared by the multi-instance
//! tests (`tests/multi_instance.rs`) and the two-instance fan-out benchmark
//! (`benches/multi_instance/main.rs`).

use super::daemon::Daemon;
use super::smtp::SmtpServer;
use super::TestConfig;
use std::path::Path;
use std::time::Duration;

/// SMTP connections per instance: the bound on a dead instance's duplicates.
pub const CONNECTIONS: usize = 4;
pub const TOKEN: &str = "multi-instance-admin";
/// How long an instance may take to migrate and listen.
pub const READY_WITHIN: Duration = Duration::from_secs(60);

/// An instance named `name` on `database`, sending to `smtp`, in its own
/// folder under `dir`.
pub fn start_instance(dir: &Path, name: &str, database: &str, smtp: &SmtpServer) -> Daemon {
    let config = TestConfig::new()
        .database_url(database)
        .smtp(&smtp.url())
        .max_connections(CONNECTIONS)
        .no_escalation()
        .instance_id(name)
        .admin_only(TOKEN)
        // Instances sharing a database share the audit key (each keeps
        // its own anchor).
        .layer(&format!(
            "[audit]\nkey_file = {:?}\n",
            dir.join("audit-key").display().to_string()
        ))
        .layer(
            r#"
[notice]
chunk_size = 250
[scheduler]
# A short lease so that a dead instance's chunk is taken over quickly; one
# job at a time so that the instances share the chunks and a dead one has
# at most max_connections messages in flight.
lease = "4s"
batch = 1
"#,
        );
    Daemon::start(&dir.join(name), name, config)
}
