//! Roster import: who is affected by a breach and which guardians to notify.
//!
//! A district uploads either a OneRoster 1.1/1.2 CSV bundle (a zip with
//! `manifest.csv`) or the plain CSV of docs/api.md. Rosters can hold a million
//! guardians, so nothing here keeps the roster in memory: a blocking parser
//! streams rows through a small bounded channel into a scratch SQLite database
//! in a temporary directory, the joins (students ↔ guardians, siblings, shared
//! addresses) are done there in SQL, and callers read the results back page by
//! page, or (a SQLite store) attach the file and copy them inside SQLite
//! ([`StagedRoster::sqlite_file`]). Memory therefore stays flat whatever the
//! size of the upload; the disk holds the rest and is wiped when the
//! [`StagedRoster`] is dropped.
//!
//! A file that is not a roster at all is refused whole ([`RosterRejected`]);
//! a bad row is only reported ([`RejectedRow`]) so one typo does not hold up
//! the notice to every other family. Personal data (names, addresses) never
//! appears in log lines, error messages or rejection reasons.

mod load;
mod oneroster;
mod parse;
mod plain;
mod staging;

use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio::sync::mpsc;

use staging::Staging;

/// The largest roster upload accepted, by the API and the upload page alike
/// (a million guardians is about 100 MB; both stream it to disk).
pub const UPLOAD_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

/// How many rejected rows an [`ImportReport`] lists; the rest are counted
/// only, because an answer listing a million bad rows helps nobody.
pub const MAX_LISTED_REJECTIONS: u64 = 1000;

/// Which kind of file was imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RosterFormat {
    /// A OneRoster 1.1 CSV bundle: roles in the `role` column of `users.csv`.
    #[serde(rename = "oneroster-1.1")]
    OneRoster11,
    /// A OneRoster 1.2 CSV bundle: roles in `roles.csv`.
    #[serde(rename = "oneroster-1.2")]
    OneRoster12,
    /// The plain CSV of docs/api.md, one (student, guardian) pair per row.
    #[serde(rename = "plain-csv")]
    PlainCsv,
}

impl RosterFormat {
    /// The name used in JSON answers and logs, e.g. `oneroster-1.1`.
    pub fn as_str(self) -> &'static str {
        match self {
            RosterFormat::OneRoster11 => "oneroster-1.1",
            RosterFormat::OneRoster12 => "oneroster-1.2",
            RosterFormat::PlainCsv => "plain-csv",
        }
    }
}

/// What an import found: the counts docs/api.md promises, and the bad rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The detected format.
    pub format: RosterFormat,
    /// Distinct enabled students.
    pub students: u64,
    /// Distinct guardian addresses (case-insensitive) that reach at least one
    /// counted student; each gets exactly one message.
    pub recipients: u64,
    /// Students with no guardian that can be emailed (paper letter).
    pub students_without_reachable_guardian: u64,
    /// The most children any one recipient's message names.
    pub max_children_per_recipient: u64,
    /// Rows skipped on purpose: disabled users and `tobedeleted` records.
    pub skipped_rows: u64,
    /// How many rows were rejected in total.
    pub rejected_rows: u64,
    /// The first [`MAX_LISTED_REJECTIONS`] rejected rows, in file order.
    pub rejected: Vec<RejectedRow>,
}

/// One row that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    /// `users.csv` or `roles.csv` inside a bundle, or the uploaded file's name
    /// for the plain CSV.
    pub file: String,
    /// 1-based physical line where the row starts; the header is line 1.
    pub line: u64,
    /// What is wrong, without repeating the row's personal data.
    pub reason: String,
}

/// One guardian address to notify, with every affected child it reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    /// The address as given (trimmed). Addresses that differ only in case are
    /// one recipient; the spelling of the first row naming it is kept.
    pub email: String,
    /// The guardian's name (of the first row naming this address).
    pub name: String,
    /// The preferred language as given, when the roster has one.
    pub language: Option<String>,
    /// The affected children, sorted by student id.
    pub children: Vec<Child>,
}

/// An affected student, as named in a recipient's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Child {
    /// The district's student id (`sourcedId` in OneRoster).
    pub student_id: String,
    /// The student's name.
    pub name: String,
}

/// A student no guardian can be emailed about; the district sends a letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreachableStudent {
    /// The district's student id.
    pub student_id: String,
    /// The student's name.
    pub name: String,
}

/// Why an upload is not a roster at all. Nothing is staged when this is
/// returned. Every message is safe to show to the uploader: it names files,
/// columns and line numbers, never a person's data.
#[derive(Debug, thiserror::Error)]
pub enum RosterRejected {
    /// The upload has no bytes.
    #[error("the upload is empty")]
    Empty,
    /// A file (the upload, or a file in the bundle) has no header row.
    #[error("{file} is empty: it needs a header row")]
    EmptyFile {
        /// The file concerned.
        file: String,
    },
    /// Starts like a zip archive but cannot be read as one.
    #[error("the upload looks like a zip archive but cannot be read: {reason}")]
    BadZip {
        /// What the zip reader objected to (structure only).
        reason: String,
    },
    /// A zip archive without `manifest.csv`, so not a OneRoster bundle.
    #[error("the zip archive has no manifest.csv, so it is not a OneRoster CSV bundle")]
    NoManifest,
    /// `manifest.csv` is there but unusable.
    #[error("manifest.csv is not usable: {reason}")]
    BadManifest {
        /// What is wrong with it.
        reason: String,
    },
    /// The manifest names a OneRoster version this import does not read.
    #[error("OneRoster version {version:?} is not supported (expected 1.1 or 1.2)")]
    UnsupportedVersion {
        /// The version the manifest gives (shortened, printable ASCII only).
        version: String,
    },
    /// A file the bundle must contain is missing.
    #[error("the bundle has no {file}")]
    MissingFile {
        /// The missing file, e.g. `users.csv`.
        file: String,
    },
    /// A file lacks columns the import needs.
    #[error("{file} is missing required column(s): {} (the file must be comma-separated with a header row)", columns.join(", "))]
    MissingColumns {
        /// The file concerned.
        file: String,
        /// Every missing column, in the order the import looks for them.
        columns: Vec<String>,
    },
    /// A file is not UTF-8 text (a spreadsheet saved in another encoding).
    #[error("{file} is not UTF-8 text (first bad byte on line {line}); save it as \"CSV UTF-8\"")]
    NotUtf8 {
        /// The file concerned.
        file: String,
        /// Where the first invalid byte is.
        line: u64,
    },
    /// A line, or a file in the bundle, is larger than a roster can be: the
    /// read stops at once, whatever the rest holds.
    #[error("{file} is refused: {reason}")]
    TooLarge {
        /// The file concerned.
        file: String,
        /// Which limit, and where.
        reason: String,
    },
    /// A file inside the bundle is damaged (bad compression, checksum).
    #[error("{file} in the zip archive cannot be read: {reason}")]
    Corrupt {
        /// The file concerned.
        file: String,
        /// What the reader objected to (structure only).
        reason: String,
    },
    /// Not the uploader's fault: the scratch database or the disk failed.
    /// The HTTP layer answers 500 for this one, 422 for every other variant.
    #[error("the roster could not be staged because of an internal error")]
    Internal(#[source] anyhow::Error),
}

impl RosterRejected {
    /// True when the failure is ours, not the upload's (HTTP 500, not 422).
    pub fn is_internal(&self) -> bool {
        matches!(self, RosterRejected::Internal(_))
    }
}

/// A roster parsed into a scratch database, ready to be read page by page.
///
/// The scratch database lives in a temporary directory owned by this value
/// and is deleted when it is dropped.
#[derive(Debug)]
pub struct StagedRoster {
    staging: Staging,
    /// The counts and rejected rows of the import.
    pub report: ImportReport,
}

impl StagedRoster {
    /// Detects the format (a zip → OneRoster bundle; otherwise the plain CSV
    /// of docs/api.md) and stages it. Rejected rows of the plain CSV are
    /// reported under the file name of `path`.
    pub async fn stage(path: &Path) -> Result<StagedRoster, RosterRejected> {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "upload".to_owned());
        Self::stage_as(path, &name).await
    }

    /// Like [`StagedRoster::stage`], with the name the uploader knows the file
    /// by (the HTTP layer spools uploads under random names), used as the
    /// `file` of rejected rows of a plain CSV.
    pub async fn stage_as(path: &Path, upload_name: &str) -> Result<StagedRoster, RosterRejected> {
        let started = Instant::now();
        let kind = sniff(path)?;
        let staging = Staging::create().await.map_err(RosterRejected::Internal)?;

        // Parsing is blocking I/O and CPU work, so it runs on the blocking
        // pool; the bounded channel is what keeps memory flat, since the
        // parser waits whenever the database falls behind.
        let (tx, rx) = mpsc::channel::<Vec<parse::Record>>(4);
        let path_owned: PathBuf = path.to_owned();
        let upload_name = upload_name.to_owned();
        let parser = tokio::task::spawn_blocking(move || {
            let mut sink = parse::Sink::new(tx);
            let format = match kind {
                Kind::Zip => oneroster::parse(&path_owned, &mut sink)?,
                Kind::Text => {
                    plain::parse(&path_owned, &upload_name, &mut sink)?;
                    RosterFormat::PlainCsv
                }
            };
            let skipped = sink.finish()?;
            Ok::<_, RosterRejected>((format, skipped))
        });

        // The loader is blocking work too, on a thread of its own: the
        // parser and the scratch database each keep a core busy.
        let file = staging.file();
        let loaded =
            tokio::task::spawn_blocking(move || load::run(&file, staging::CACHE_KIB, rx)).await;
        // A loader that stopped has dropped the channel, which unblocks a
        // parser still waiting to send.
        let parsed = parser.await.map_err(|error| {
            RosterRejected::Internal(anyhow::anyhow!("roster parser failed: {error}"))
        });
        match loaded {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(RosterRejected::Internal(error)),
            Err(error) => {
                return Err(RosterRejected::Internal(anyhow::anyhow!(
                    "roster loader failed: {error}"
                )))
            }
        }
        let (format, skipped) = parsed??;
        // Per-stage timings for profiling (`breachd::roster=debug`).
        tracing::debug!(
            stage = "parse and load",
            elapsed_ms = started.elapsed().as_millis() as u64,
            "roster stage"
        );

        let resolving = Instant::now();
        let report = staging
            .resolve(format, skipped)
            .await
            .map_err(RosterRejected::Internal)?;
        tracing::debug!(
            stage = "resolve",
            elapsed_ms = resolving.elapsed().as_millis() as u64,
            "roster stage"
        );
        tracing::info!(
            format = format.as_str(),
            students = report.students,
            recipients = report.recipients,
            unreachable = report.students_without_reachable_guardian,
            rejected = report.rejected_rows,
            skipped = report.skipped_rows,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "roster staged"
        );
        Ok(StagedRoster { staging, report })
    }

    /// Recipients ordered by address (case-insensitively), strictly after
    /// `after` (keyset: pass the last `email` of the previous page), at most
    /// `limit`, each with all of its children.
    pub async fn recipients(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> anyhow::Result<Vec<Recipient>> {
        let after = after.map(parse::email_key).unwrap_or_default();
        self.staging.recipients(&after, limit).await
    }

    /// Students with no reachable guardian (for a paper letter), ordered by
    /// student id, strictly after `after` (keyset), at most `limit`.
    pub async fn unreachable_students(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> anyhow::Result<Vec<UnreachableStudent>> {
        self.staging.unreachable(after.unwrap_or(""), limit).await
    }

    /// Students' mailing addresses (plain CSV only), ordered by student id,
    /// strictly after `after` (keyset), at most `limit`.
    pub async fn addresses(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> anyhow::Result<Vec<(String, crate::domain::coverage::MailingAddress)>> {
        self.staging.addresses(after.unwrap_or(""), limit).await
    }

    /// The scratch database's SQLite file, in the layout
    /// `store::RosterPages::sqlite_file` describes (`recipient`,
    /// `unreachable`, `student_address`), so that a SQLite store can copy
    /// the roster from it inside SQLite. Valid until this value is closed
    /// or dropped; nothing writes to it any more.
    pub fn sqlite_file(&self) -> PathBuf {
        self.staging.file()
    }

    /// Closes the scratch database and deletes it. Dropping does the same,
    /// without waiting for the connection to close.
    pub async fn close(self) {
        self.staging.close().await;
    }
}

/// What the first bytes say the upload is.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Zip,
    Text,
}

/// Reads the magic number: every zip (even an empty one) starts with `PK`
/// followed by a local-header or end-of-directory signature.
fn sniff(path: &Path) -> Result<Kind, RosterRejected> {
    let mut file = std::fs::File::open(path).map_err(|error| {
        RosterRejected::Internal(anyhow::anyhow!("cannot open the upload: {error}"))
    })?;
    let mut head = [0u8; 4];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(RosterRejected::Internal(anyhow::anyhow!(
                    "cannot read the upload: {error}"
                )))
            }
        }
    }
    if filled == 0 {
        return Err(RosterRejected::Empty);
    }
    let zip =
        filled == 4 && (head == *b"PK\x03\x04" || head == *b"PK\x05\x06" || head == *b"PK\x07\x08");
    Ok(if zip { Kind::Zip } else { Kind::Text })
}
