//! OneRoster 1.1 and 1.2 CSV bundles (1EdTech "CSV binding"): a zip holding
//! `manifest.csv` and one CSV per entity. Only `users.csv` (and, in 1.2,
//! `roles.csv`) are read: students and their guardians are all a family
//! notice needs, and `demographics.csv` is deliberately never opened so that
//! data breachd has no use for never reaches it.
//!
//! Guardian links (`agentSourcedIds`) are staged as written, from whichever
//! side the export wrote them; resolving them in both directions is the
//! scratch database's job, once every user is known.

use super::parse::{self, Record, Role, Sink, Source, User};
use super::{RosterFormat, RosterRejected};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use zip::ZipArchive;

/// How many manifest rows are read at most: a real manifest has a few dozen,
/// and this one is parsed into memory.
const MAX_MANIFEST_ROWS: usize = 1000;

/// Streams the bundle at `path` into `sink` and says which version it was.
pub(super) fn parse(path: &Path, sink: &mut Sink) -> Result<RosterFormat, RosterRejected> {
    let file = File::open(path).map_err(|error| {
        RosterRejected::Internal(anyhow::anyhow!("cannot open the upload: {error}"))
    })?;
    let mut zip = ZipArchive::new(file).map_err(|error| RosterRejected::BadZip {
        reason: error.to_string(),
    })?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|name| !name.starts_with("__MACOSX/") && !name.ends_with('/'))
        .map(|name| name.into_owned())
        .collect();

    let manifest_name = find_manifest(&names).ok_or(RosterRejected::NoManifest)?;
    // Some tools zip the export folder rather than its contents; the files
    // then sit next to the manifest under a common prefix.
    let prefix = manifest_name
        .rfind('/')
        .map_or(String::new(), |slash| manifest_name[..=slash].to_owned());
    let manifest = read_manifest(&mut zip, &manifest_name)?;

    let format = match manifest.version.as_deref() {
        None => {
            return Err(RosterRejected::BadManifest {
                reason: "it has no oneroster.version".to_owned(),
            })
        }
        Some(version) if is_version(version, "1.1") => RosterFormat::OneRoster11,
        Some(version) if is_version(version, "1.2") => RosterFormat::OneRoster12,
        Some(version) => {
            return Err(RosterRejected::UnsupportedVersion {
                version: printable(version),
            })
        }
    };
    if manifest.users_absent {
        return Err(RosterRejected::BadManifest {
            reason: "it says users.csv is absent, and a roster needs users".to_owned(),
        });
    }
    let users_name =
        find(&names, &prefix, "users.csv").ok_or_else(|| RosterRejected::MissingFile {
            file: "users.csv".to_owned(),
        })?;
    let roles_name = if format == RosterFormat::OneRoster12 {
        if manifest.roles_absent {
            return Err(RosterRejected::BadManifest {
                reason: "it says roles.csv is absent, and OneRoster 1.2 keeps roles there"
                    .to_owned(),
            });
        }
        Some(
            find(&names, &prefix, "roles.csv").ok_or_else(|| RosterRejected::MissingFile {
                file: "roles.csv".to_owned(),
            })?,
        )
    } else {
        None
    };

    // Both files are checked for their columns before any row is staged, so
    // a bundle refused for a bad roles.csv has not wasted a users.csv pass.
    if let Some(roles_name) = &roles_name {
        let entry = open_entry(&mut zip, roles_name, "roles.csv")?;
        let source = roles_source();
        let mut rdr = parse::reader(entry);
        let headers = parse::header(&mut rdr, &source)?;
        parse::columns(&headers, &source.file, &ROLES_REQUIRED, &ROLES_OPTIONAL)?;
    }
    {
        let entry = open_entry(&mut zip, &users_name, "users.csv")?;
        read_users(entry, format, sink)?;
    }
    if let Some(roles_name) = &roles_name {
        let entry = open_entry(&mut zip, roles_name, "roles.csv")?;
        read_roles(entry, sink)?;
    }
    Ok(format)
}

/// The manifest entry: `manifest.csv` at the top if there is one, else the
/// least deeply nested one.
fn find_manifest(names: &[String]) -> Option<String> {
    names
        .iter()
        .filter(|name| {
            let base = name.rsplit('/').next().unwrap_or(name);
            base.eq_ignore_ascii_case("manifest.csv")
        })
        .min_by_key(|name| name.matches('/').count())
        .cloned()
}

/// A bundle file next to the manifest, matched case-insensitively.
fn find(names: &[String], prefix: &str, file: &str) -> Option<String> {
    names
        .iter()
        .find(|name| {
            name.strip_prefix(prefix)
                .is_some_and(|rest| rest.eq_ignore_ascii_case(file))
        })
        .cloned()
}

/// "1.2" also matches "1.2.1"; "1.10" does not match "1.1".
fn is_version(value: &str, version: &str) -> bool {
    value
        .strip_prefix(version)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// A manifest value fit to repeat in an error message: it is not personal
/// data, but it is arbitrary text, so it is cut short and kept to ASCII.
fn printable(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(16)
        .collect()
}

/// The largest a file of the bundle may unpack to: a million students with
/// two guardians each is well under a gigabyte of users.csv.
const MAX_ENTRY_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// How much smaller than its content a compressed file may be: CSV
/// compresses about ten to one; a zip bomb, thousands to one.
const MAX_RATIO: u64 = 100;

/// Opens a file of the bundle, refusing at once one whose declared size or
/// compression ratio no roster has, and bounding what it may actually
/// unpack to by its declared size, whatever its header claims.
fn open_entry<'a>(
    zip: &'a mut ZipArchive<File>,
    name: &str,
    file: &str,
) -> Result<impl Read + 'a, RosterRejected> {
    let entry = zip.by_name(name).map_err(|error| RosterRejected::Corrupt {
        file: file.to_owned(),
        reason: error.to_string(),
    })?;
    let declared = entry.size();
    let compressed = entry.compressed_size().max(1);
    if declared > MAX_ENTRY_BYTES {
        return Err(RosterRejected::TooLarge {
            file: file.to_owned(),
            reason: format!("it unpacks to {declared} bytes; the limit is {MAX_ENTRY_BYTES}"),
        });
    }
    if declared / compressed > MAX_RATIO {
        return Err(RosterRejected::TooLarge {
            file: file.to_owned(),
            reason: format!(
                "it is compressed {}:1; a roster compresses at most {MAX_RATIO}:1",
                declared / compressed
            ),
        });
    }
    Ok(Bounded {
        inner: entry,
        left: declared,
        file: file.to_owned(),
    })
}

/// A reader that errors once more than `left` bytes come out: a header
/// that understates an entry's size cannot smuggle a larger one through.
struct Bounded<R> {
    inner: R,
    left: u64,
    file: String,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        let n64 = n as u64;
        if n64 > self.left {
            return Err(parse::LimitExceeded::error(format!(
                "{} unpacks to more than its declared size",
                self.file
            )));
        }
        self.left -= n64;
        Ok(n)
    }
}

/// What the import needs from `manifest.csv`.
#[derive(Debug, Default)]
struct Manifest {
    version: Option<String>,
    users_absent: bool,
    roles_absent: bool,
}

fn read_manifest(zip: &mut ZipArchive<File>, name: &str) -> Result<Manifest, RosterRejected> {
    let entry = open_entry(zip, name, "manifest.csv")?;
    let source = Source {
        file: "manifest.csv".to_owned(),
        rank: 0,
        in_zip: true,
    };
    let mut rdr = parse::reader(entry);
    let headers = parse::header(&mut rdr, &source)?;
    let columns = parse::columns(&headers, &source.file, &["propertyName", "value"], &[])?;
    let (property, value) = (columns.required[0], columns.required[1]);

    let mut manifest = Manifest::default();
    let mut row = csv::StringRecord::new();
    for _ in 0..MAX_MANIFEST_ROWS {
        match rdr.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {
                let key = parse::field(&row, property);
                let value = parse::field(&row, value);
                let absent = value.eq_ignore_ascii_case("absent");
                if key.eq_ignore_ascii_case("oneroster.version") {
                    manifest.version = Some(value.to_owned());
                } else if key.eq_ignore_ascii_case("file.users") {
                    manifest.users_absent = absent;
                } else if key.eq_ignore_ascii_case("file.roles") {
                    manifest.roles_absent = absent;
                }
            }
            Err(error) => {
                let line = error.position().map_or(0, |pos| pos.line());
                return Err(match error.kind() {
                    csv::ErrorKind::Utf8 { .. } => RosterRejected::NotUtf8 {
                        file: source.file,
                        line,
                    },
                    _ => RosterRejected::BadManifest {
                        reason: format!("line {line} cannot be read as propertyName,value"),
                    },
                });
            }
        }
    }
    Ok(manifest)
}

/// `users.csv` columns both versions need; 1.1 adds `role`.
const USERS_REQUIRED: [&str; 5] = [
    "sourcedId",
    "givenName",
    "familyName",
    "email",
    "agentSourcedIds",
];
/// Absent means "enabled" and "active": both are optional in bulk exports.
const USERS_OPTIONAL: [&str; 2] = ["enabledUser", "status"];
const ROLES_REQUIRED: [&str; 2] = ["userSourcedId", "role"];
const ROLES_OPTIONAL: [&str; 1] = ["status"];

fn users_source() -> Source {
    Source {
        file: "users.csv".to_owned(),
        rank: 0,
        in_zip: true,
    }
}

fn roles_source() -> Source {
    Source {
        file: "roles.csv".to_owned(),
        rank: 1,
        in_zip: true,
    }
}

/// `tobedeleted` marks a record a delta export withdraws: it is skipped, as
/// if it were not there, not rejected.
fn to_be_deleted(status: Option<&str>) -> bool {
    status.is_some_and(|status| status.eq_ignore_ascii_case("tobedeleted"))
}

fn read_users(
    entry: impl Read,
    format: RosterFormat,
    sink: &mut Sink,
) -> Result<(), RosterRejected> {
    let source = users_source();
    let mut rdr = parse::reader(entry);
    let headers = parse::header(&mut rdr, &source)?;
    let mut required = USERS_REQUIRED.to_vec();
    if format == RosterFormat::OneRoster11 {
        required.push("role");
    }
    let columns = parse::columns(&headers, &source.file, &required, &USERS_OPTIONAL)?;
    let (id_col, given_col, family_col, email_col, agents_col) = (
        columns.required[0],
        columns.required[1],
        columns.required[2],
        columns.required[3],
        columns.required[4],
    );
    let role_col = columns.required.get(5).copied();
    let (enabled_col, status_col) = (columns.optional[0], columns.optional[1]);

    parse::rows(&mut rdr, &source, sink, |row, line, sink| {
        let disabled = parse::optional_field(row, enabled_col)
            .is_some_and(|v| v.eq_ignore_ascii_case("false"));
        if disabled || to_be_deleted(parse::optional_field(row, status_col)) {
            sink.skipped += 1;
            return Ok(());
        }
        let id = parse::field(row, id_col);
        if id.is_empty() {
            return sink.reject(&source, line, "sourcedId is empty");
        }
        let role = match role_col {
            None => None,
            Some(col) => {
                let value = parse::field(row, col);
                if value.is_empty() {
                    return sink.reject(&source, line, "role is empty");
                }
                match Role::from_oneroster(value) {
                    // Staff and everyone else play no part in a family notice.
                    None => return Ok(()),
                    role => role,
                }
            }
        };
        let name = join_name(parse::field(row, given_col), parse::field(row, family_col));
        // One CSV field holding a comma-separated list, per the binding.
        let agents = parse::field(row, agents_col)
            .split(',')
            .map(str::trim)
            .filter(|agent| !agent.is_empty() && *agent != id)
            .map(str::to_owned)
            .collect();
        sink.push(Record::User(User {
            line,
            id: id.to_owned(),
            name,
            email: parse::check_email(parse::field(row, email_col)),
            role,
            agents,
        }))
    })
}

fn read_roles(entry: impl Read, sink: &mut Sink) -> Result<(), RosterRejected> {
    let source = roles_source();
    let mut rdr = parse::reader(entry);
    let headers = parse::header(&mut rdr, &source)?;
    let columns = parse::columns(&headers, &source.file, &ROLES_REQUIRED, &ROLES_OPTIONAL)?;
    let (user_col, role_col, status_col) = (
        columns.required[0],
        columns.required[1],
        columns.optional[0],
    );

    parse::rows(&mut rdr, &source, sink, |row, line, sink| {
        if to_be_deleted(parse::optional_field(row, status_col)) {
            sink.skipped += 1;
            return Ok(());
        }
        let user_id = parse::field(row, user_col);
        if user_id.is_empty() {
            return sink.reject(&source, line, "userSourcedId is empty");
        }
        let role = parse::field(row, role_col);
        if role.is_empty() {
            return sink.reject(&source, line, "role is empty");
        }
        match Role::from_oneroster(role) {
            Some(role) => sink.push(Record::Role {
                user_id: user_id.to_owned(),
                role,
            }),
            None => Ok(()),
        }
    })
}

/// "givenName familyName", either part possibly empty.
fn join_name(given: &str, family: &str) -> String {
    match (given.is_empty(), family.is_empty()) {
        (false, false) => format!("{given} {family}"),
        (false, true) => given.to_owned(),
        _ => family.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_on_component_boundaries() {
        assert!(is_version("1.1", "1.1"));
        assert!(is_version("1.2.1", "1.2"));
        assert!(!is_version("1.10", "1.1"));
        assert!(!is_version("2.0", "1.2"));
    }

    #[test]
    fn manifest_found_at_top_or_under_one_folder() {
        let names = vec![
            "export/users.csv".to_owned(),
            "export/Manifest.csv".to_owned(),
        ];
        assert_eq!(
            find_manifest(&names).as_deref(),
            Some("export/Manifest.csv")
        );
        assert_eq!(
            find(&names, "export/", "users.csv").as_deref(),
            Some("export/users.csv")
        );
        let names = vec!["a/manifest.csv".to_owned(), "manifest.csv".to_owned()];
        assert_eq!(find_manifest(&names).as_deref(), Some("manifest.csv"));
    }

    #[test]
    fn names_join_without_stray_spaces() {
        assert_eq!(join_name("Ana", "Ruiz"), "Ana Ruiz");
        assert_eq!(join_name("", "Ruiz"), "Ruiz");
        assert_eq!(join_name("Ana", ""), "Ana");
        assert_eq!(join_name("", ""), "");
    }
}
