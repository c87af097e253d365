//! What the two parsers share: the staged record types, the batching sink
//! that hands them to the scratch database, and the CSV reading rules (trim,
//! strict field counts, columns by name, line numbers, how a CSV error maps to
//! a rejected row or a rejected file). Keeping these in one place is what makes
//! a plain CSV and a OneRoster bundle report problems the same way.

use super::RosterRejected;
use csv::{ErrorKind, StringRecord, Trim};
use std::io::Read;
use std::str::FromStr;
use tokio::sync::mpsc;

/// Records per batch sent to the database: one transaction each. Large enough
/// that commits are rare, small enough that a few batches in flight stay a few
/// megabytes.
pub(super) const BATCH_ROWS: usize = 5000;

/// How an address on a roster row fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EmailState {
    Missing = 0,
    Valid = 1,
    Invalid = 2,
}

/// A checked address: only a valid one is kept, so a malformed address never
/// travels further than this check.
#[derive(Debug, Clone)]
pub(super) struct Email {
    pub state: EmailState,
    /// The trimmed address, when valid.
    pub address: Option<String>,
    /// The grouping key (lower case), when valid.
    pub key: Option<String>,
}

/// Checks an address with lettre's parser, the one that will later build the
/// envelope: an address it refuses here would fail at send time anyway.
pub(super) fn check_email(raw: &str) -> Email {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Email {
            state: EmailState::Missing,
            address: None,
            key: None,
        };
    }
    match lettre::Address::from_str(trimmed) {
        Ok(_) => Email {
            state: EmailState::Valid,
            address: Some(trimmed.to_owned()),
            key: Some(email_key(trimmed)),
        },
        Err(_) => Email {
            state: EmailState::Invalid,
            address: None,
            key: None,
        },
    }
}

/// Addresses are grouped case-insensitively: families type their address in
/// whatever case, and one mailbox must get one message.
pub(super) fn email_key(address: &str) -> String {
    address.trim().to_lowercase()
}

/// The roles the import cares about; every other role is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Student,
    Guardian,
}

impl Role {
    /// OneRoster's role vocabulary (case-insensitive): `parent`, `guardian`
    /// and `relative` are all someone a family notice may go to.
    pub fn from_oneroster(value: &str) -> Option<Role> {
        if value.eq_ignore_ascii_case("student") {
            Some(Role::Student)
        } else if ["parent", "guardian", "relative"]
            .iter()
            .any(|role| value.eq_ignore_ascii_case(role))
        {
            Some(Role::Guardian)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Guardian => "guardian",
        }
    }
}

/// A guardian on a plain CSV row, keyed by address.
#[derive(Debug, Clone)]
pub(super) struct PlainGuardian {
    pub email: String,
    pub key: String,
    pub name: String,
    pub language: Option<String>,
}

/// A OneRoster user row (enabled, not `tobedeleted`).
#[derive(Debug, Clone)]
pub(super) struct User {
    pub line: u64,
    pub id: String,
    pub name: String,
    pub email: Email,
    /// The `role` column of a 1.1 bundle; 1.2 roles arrive as [`Record::Role`].
    pub role: Option<Role>,
    pub agents: Vec<String>,
}

/// One row's worth of staged data.
#[derive(Debug, Clone)]
pub(super) enum Record {
    /// A plain CSV row: the student, and its guardian when reachable.
    Pair {
        line: u64,
        student_id: String,
        student_name: String,
        guardian: Option<PlainGuardian>,
        /// For a paper letter, when the row gave one.
        address: Option<crate::domain::coverage::MailingAddress>,
    },
    /// A OneRoster `users.csv` row.
    User(User),
    /// A OneRoster 1.2 `roles.csv` row of interest.
    Role { user_id: String, role: Role },
    /// A row that could not be used.
    Rejected {
        rank: u8,
        file: String,
        line: u64,
        reason: String,
    },
}

/// Where rows come from, for rejections and for mapping read errors.
#[derive(Debug, Clone)]
pub(super) struct Source {
    /// The name rejections are reported under.
    pub file: String,
    /// Orders rejections of several files: users.csv before roles.csv.
    pub rank: u8,
    /// Inside a zip, a read error means a damaged archive (the uploader's
    /// problem); on the spooled upload it means our disk failed.
    pub in_zip: bool,
}

impl Source {
    fn read_error(&self, error: std::io::Error) -> RosterRejected {
        // The limits the readers enforce (a line's length, an entry's size)
        // are the upload's fault wherever it is.
        if let Some(limit) = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<LimitExceeded>())
        {
            return RosterRejected::TooLarge {
                file: self.file.clone(),
                reason: limit.0.clone(),
            };
        }
        if self.in_zip {
            RosterRejected::Corrupt {
                file: self.file.clone(),
                reason: error.to_string(),
            }
        } else {
            RosterRejected::Internal(anyhow::anyhow!("cannot read the upload: {error}"))
        }
    }
}

/// Collects records into batches and hands each to the database task,
/// waiting when it is behind: the bounded channel is the memory ceiling.
pub(super) struct Sink {
    tx: mpsc::Sender<Vec<Record>>,
    buf: Vec<Record>,
    /// Disabled users and `tobedeleted` records passed over.
    pub skipped: u64,
}

impl Sink {
    pub fn new(tx: mpsc::Sender<Vec<Record>>) -> Sink {
        Sink {
            tx,
            buf: Vec::with_capacity(BATCH_ROWS),
            skipped: 0,
        }
    }

    pub fn push(&mut self, record: Record) -> Result<(), RosterRejected> {
        self.buf.push(record);
        if self.buf.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    pub fn reject(
        &mut self,
        source: &Source,
        line: u64,
        reason: impl Into<String>,
    ) -> Result<(), RosterRejected> {
        self.push(Record::Rejected {
            rank: source.rank,
            file: source.file.clone(),
            line,
            reason: reason.into(),
        })
    }

    fn flush(&mut self) -> Result<(), RosterRejected> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.buf, Vec::with_capacity(BATCH_ROWS));
        // The receiver only goes away when the database task failed; that
        // failure is what the caller reports, this error is never shown.
        self.tx
            .blocking_send(batch)
            .map_err(|_| RosterRejected::Internal(anyhow::anyhow!("roster staging stopped")))
    }

    /// Sends the last partial batch; returns how many rows were skipped.
    pub fn finish(mut self) -> Result<u64, RosterRejected> {
        self.flush()?;
        Ok(self.skipped)
    }
}

/// The CSV dialect of both formats: RFC 4180 with a header row, fields
/// trimmed, and a row with the wrong number of fields reported rather than
/// guessed at. The csv crate strips a leading UTF-8 BOM.
pub(super) fn reader<R: Read>(input: R) -> csv::Reader<LfOnly<R>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(Trim::All)
        .flexible(false)
        .from_reader(LfOnly::new(input))
}

/// Turns CRLF and lone CR line ends into LF before the csv crate sees them.
/// The csv crate reads all three as line ends but counts lines only at LF: it
/// numbers the record after a CRLF one line too low (BurntSushi/rust-csv#395)
/// and never advances past line 1 on old Mac-style CR files. Exports from
/// Windows tools (OneRoster ones included) use CRLF, so without this most
/// reported lines would be wrong.
///
/// It also bounds a line's length: the csv crate holds a whole record in
/// memory, so a file that is one gigabyte-long line would hold a gigabyte. A
/// roster line is at most a few kilobytes; one over `MAX_LINE_BYTES` ends
/// the read with an error naming the line.
pub(super) struct LfOnly<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    /// A CR seen last, not yet known to be followed by LF.
    held_cr: bool,
    /// The line being read (1-based) and its bytes so far.
    line: u64,
    line_bytes: usize,
}

/// A limit on the upload's size was hit, as an I/O error that the parser
/// tells apart from a damaged file or a failing disk.
#[derive(Debug)]
pub(super) struct LimitExceeded(pub String);

impl LimitExceeded {
    pub fn error(reason: String) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, LimitExceeded(reason))
    }
}

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// The longest line a roster may have (a row of a few dozen fields is a
/// few hundred bytes).
pub(super) const MAX_LINE_BYTES: usize = 64 * 1024;

impl<R: Read> LfOnly<R> {
    pub fn new(inner: R) -> LfOnly<R> {
        LfOnly {
            inner,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            pos: 0,
            len: 0,
            held_cr: false,
            line: 1,
            line_bytes: 0,
        }
    }
}

impl<R: Read> Read for LfOnly<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < out.len() {
            if self.pos == self.len {
                // Hand over what is ready rather than wait for more input.
                if n > 0 {
                    break;
                }
                self.len = loop {
                    match self.inner.read(&mut self.buf) {
                        Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                        other => break other?,
                    }
                };
                self.pos = 0;
                if self.len == 0 {
                    if std::mem::take(&mut self.held_cr) {
                        out[0] = b'\n';
                        return Ok(1);
                    }
                    return Ok(0);
                }
            }
            let byte = self.buf[self.pos];
            self.pos += 1;
            if std::mem::take(&mut self.held_cr) && byte != b'\n' {
                out[n] = b'\n';
                n += 1;
                self.line += 1;
                self.line_bytes = 0;
                if n == out.len() {
                    // No room for this byte: read it again next time.
                    self.pos -= 1;
                    break;
                }
            }
            if byte == b'\r' {
                self.held_cr = true;
                continue;
            }
            if byte == b'\n' {
                self.line += 1;
                self.line_bytes = 0;
            } else {
                self.line_bytes += 1;
                if self.line_bytes > MAX_LINE_BYTES {
                    return Err(LimitExceeded::error(format!(
                        "line {} is longer than {MAX_LINE_BYTES} bytes; a roster line is a few hundred",
                        self.line
                    )));
                }
            }
            out[n] = byte;
            n += 1;
        }
        Ok(n)
    }
}

/// Reads the header row; a file without one is refused.
pub(super) fn header<R: Read>(
    rdr: &mut csv::Reader<R>,
    source: &Source,
) -> Result<StringRecord, RosterRejected> {
    let headers = match rdr.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => return Err(fatal(error, source)),
    };
    if headers.iter().all(str::is_empty) {
        return Err(RosterRejected::EmptyFile {
            file: source.file.clone(),
        });
    }
    Ok(headers)
}

/// Column positions found by name (ASCII case-insensitive, first wins).
#[derive(Debug, Clone)]
pub(super) struct Columns {
    pub required: Vec<usize>,
    pub optional: Vec<Option<usize>>,
}

/// Finds columns by name so that order and extra columns do not matter;
/// names every missing required column at once, so one fix suffices.
pub(super) fn columns(
    headers: &StringRecord,
    file: &str,
    required: &[&str],
    optional: &[&str],
) -> Result<Columns, RosterRejected> {
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let mut missing = Vec::new();
    let mut found = Vec::with_capacity(required.len());
    for name in required {
        match find(name) {
            Some(index) => found.push(index),
            None => missing.push((*name).to_owned()),
        }
    }
    if !missing.is_empty() {
        return Err(RosterRejected::MissingColumns {
            file: file.to_owned(),
            columns: missing,
        });
    }
    Ok(Columns {
        required: found,
        optional: optional.iter().map(|name| find(name)).collect(),
    })
}

/// A field by position; the reader is strict about field counts, so a
/// position found in the header exists in every row it yields.
pub(super) fn field(row: &StringRecord, index: usize) -> &str {
    row.get(index).unwrap_or("")
}

/// A field of an optional column, `None` when the column is absent or empty.
pub(super) fn optional_field(row: &StringRecord, index: Option<usize>) -> Option<&str> {
    index
        .map(|i| field(row, i))
        .filter(|value| !value.is_empty())
}

/// Calls `each` with every row and its line number. A row with the wrong
/// number of fields is rejected and reading goes on; a file that is not UTF-8
/// or cannot be read is refused whole.
pub(super) fn rows<R: Read>(
    rdr: &mut csv::Reader<R>,
    source: &Source,
    sink: &mut Sink,
    mut each: impl FnMut(&StringRecord, u64, &mut Sink) -> Result<(), RosterRejected>,
) -> Result<(), RosterRejected> {
    let mut row = StringRecord::new();
    loop {
        match rdr.read_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = row.position().map_or(0, |pos| pos.line());
                each(&row, line, sink)?;
            }
            Err(error) => match error.kind() {
                ErrorKind::UnequalLengths {
                    pos,
                    expected_len,
                    len,
                } => {
                    let line = pos.as_ref().map_or(0, |pos| pos.line());
                    let reason = format!("row has {len} field(s), the header has {expected_len}");
                    sink.reject(source, line, reason)?;
                }
                _ => return Err(fatal(error, source)),
            },
        }
    }
}

/// Maps a CSV error that makes the whole file unusable.
fn fatal(error: csv::Error, source: &Source) -> RosterRejected {
    let line = error.position().map_or(1, |pos| pos.line());
    match error.into_kind() {
        ErrorKind::Utf8 { .. } => RosterRejected::NotUtf8 {
            file: source.file.clone(),
            line,
        },
        ErrorKind::Io(error) => source.read_error(error),
        // Neither seeking nor deserializing is used, and field counts are
        // handled row by row; anything else is a reader bug, not the upload's.
        _ => RosterRejected::Internal(anyhow::anyhow!("unexpected CSV error on line {line}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_grouped_case_insensitively() {
        let ok = check_email("  Parent@Example.org ");
        assert_eq!(ok.state, EmailState::Valid);
        assert_eq!(ok.address.as_deref(), Some("Parent@Example.org"));
        assert_eq!(ok.key.as_deref(), Some("parent@example.org"));
        assert_eq!(check_email("").state, EmailState::Missing);
        assert_eq!(check_email("not an address").state, EmailState::Invalid);
        assert_eq!(check_email("Name <a@b.org>").state, EmailState::Invalid);
    }

    /// Hands out its input a few bytes at a time, to cross every boundary.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn line_ends_become_lf_across_read_boundaries() {
        let input = b"a,b\r\nc,\"d\r\ne\"\r\nlone\rcr\r\r\nend\r";
        let expected = b"a,b\nc,\"d\ne\"\nlone\ncr\n\nend\n".to_vec();
        for chunk in 1..6 {
            for out_size in [1, 2, 3, 64] {
                let mut filter = LfOnly::new(Trickle(input, chunk));
                let mut got = Vec::new();
                let mut out = vec![0; out_size];
                loop {
                    let n = filter.read(&mut out).expect("read");
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&out[..n]);
                }
                assert_eq!(got, expected, "chunk {chunk}, out {out_size}");
            }
        }
    }

    #[test]
    fn lines_are_physical_lines_whatever_the_line_ends() {
        for input in ["h\na\nb\n", "h\r\na\r\nb\r\n", "h\r\na\nb\r\n", "h\ra\rb"] {
            let mut rdr = reader(input.as_bytes());
            let mut row = StringRecord::new();
            let mut lines = Vec::new();
            while rdr.read_record(&mut row).expect("row") {
                lines.push(row.position().map(|p| p.line()));
            }
            assert_eq!(lines, vec![Some(2), Some(3)], "{input:?}");
        }
    }

    #[test]
    fn oneroster_roles_map_case_insensitively() {
        assert_eq!(Role::from_oneroster("Student"), Some(Role::Student));
        assert_eq!(Role::from_oneroster("relative"), Some(Role::Guardian));
        assert_eq!(Role::from_oneroster("GUARDIAN"), Some(Role::Guardian));
        assert_eq!(Role::from_oneroster("teacher"), None);
    }
}
