//! `[audit]`: where the audit chain's key and anchor live. Both are files
//! outside the database, so that someone who can write the database cannot
//! re-forge the chain or cut its tail unnoticed.

use super::raw::RawAudit;
use super::{AuditSettings, Problems};
use std::path::PathBuf;

/// The key's name in `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`).
const CREDENTIAL: &str = "audit-key";
/// Where the key is kept when neither the file nor a credential is named:
/// beside the default database, in the state directory.
const DEFAULT_KEY_FILE: &str = "data/audit-key";

pub(crate) fn parse(raw: RawAudit, problems: &mut Problems) -> Option<AuditSettings> {
    let key_file = match raw.key_file.trim() {
        "" => std::env::var_os("CREDENTIALS_DIRECTORY")
            .map(|dir| PathBuf::from(dir).join(CREDENTIAL))
            .filter(|path| path.exists())
            .unwrap_or_else(|| PathBuf::from(DEFAULT_KEY_FILE)),
        path => PathBuf::from(path),
    };
    let anchor_file = raw.anchor_file.trim();
    if anchor_file.is_empty() {
        problems.push(
            "audit.anchor_file",
            "must name a file outside the database".into(),
        );
        return None;
    }
    if key_file.as_path() == std::path::Path::new(anchor_file) {
        problems.push("audit.anchor_file", "must not be the key file".into());
        return None;
    }
    Some(AuditSettings {
        key_file,
        anchor_file: PathBuf::from(anchor_file),
    })
}
