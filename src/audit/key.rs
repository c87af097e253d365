//! The audit key: 32 random bytes that key each entry's MAC. It lives
//! outside the database (`audit.key_file`, or `$CREDENTIALS_DIRECTORY/audit-key`
//! under systemd), so that someone who can write the database but not read
//! the key cannot forge an entry, and is created at the daemon's first start.
//! Every instance sharing a database must be given the same key file.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::io::Write;
use std::path::Path;

/// The key's length in bytes (HMAC-SHA256's block is longer; 32 random
/// bytes are as strong as the hash).
const KEY_BYTES: usize = 32;

#[derive(Clone)]
pub struct AuditKey([u8; KEY_BYTES]);

/// Never printed: a settings or store dump must not carry it.
impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(<redacted>)")
    }
}

impl AuditKey {
    /// A key that lives only in this process: for tests and for tools that
    /// append nothing worth keeping.
    pub fn ephemeral() -> Self {
        let mut bytes = [0u8; KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Reads the key file (hex, a trailing newline allowed); the error
    /// names the file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read the audit key {}: {error}", path.display()))?;
        let bytes = hex::decode(text.trim_end_matches(['\r', '\n']))
            .ok()
            .and_then(|bytes| <[u8; KEY_BYTES]>::try_from(bytes).ok())
            .ok_or_else(|| {
                format!(
                    "the audit key {} is not {KEY_BYTES} bytes of hex",
                    path.display()
                )
            })?;
        Ok(Self(bytes))
    }

    /// Reads the key file, creating it (mode 0600, with its folder) when it
    /// does not exist. Two instances starting together on one key file
    /// agree: the key is written to a temporary file and linked into place
    /// only if no key is there yet, so one wins and the other reads it.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        if path.exists() {
            return Self::load(path);
        }
        let cannot = |error: std::io::Error| {
            format!("cannot create the audit key {}: {error}", path.display())
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(cannot)?;
        }
        let key = Self::ephemeral();
        let temporary = path.with_extension(format!("new-{}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&temporary).and_then(|mut file| {
            writeln!(file, "{}", hex::encode(key.0))?;
            file.sync_all()
        });
        let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
        let _ = std::fs::remove_file(&temporary);
        match linked {
            Ok(()) => {
                super::anchor::sync_folder(path);
                Ok(key)
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Self::load(path),
            Err(error) => Err(cannot(error)),
        }
    }

    /// The MAC of the entry `seq` whose chain hash is `hash`: the hash
    /// already covers the entry's fields and the previous hash, so keying
    /// it keys the whole chain up to this entry.
    pub fn mac(&self, seq: i64, hash: &str) -> String {
        hex::encode(self.keyed(seq, hash).finalize().into_bytes())
    }

    /// Whether `mac` is this key's MAC of the entry (compared in constant
    /// time, as MACs should be).
    pub fn verifies(&self, seq: i64, hash: &str, mac: &str) -> bool {
        hex::decode(mac).is_ok_and(|given| self.keyed(seq, hash).verify_slice(&given).is_ok())
    }

    /// A key of its own for another use of the same secret (the VERP
    /// tokens), so that no MAC made for one use is valid for another.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(b"breachd derived key v1\n");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn keyed(&self, seq: i64, hash: &str) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(b"breachd audit entry v1\n");
        mac.update(seq.to_string().as_bytes());
        mac.update(b"\n");
        mac.update(hash.as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_created_once_private_and_read_back() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("state/audit-key");
        let created = AuditKey::load_or_create(&path).expect("the key is created");
        let read = AuditKey::load_or_create(&path).expect("the key is read back");
        assert_eq!(created.mac(1, "h"), read.mac(1, "h"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("the key exists")
                .permissions();
            assert_eq!(mode.mode() & 0o777, 0o600);
        }
        assert!(format!("{created:?}").contains("redacted"));
    }

    #[test]
    fn a_mac_checks_out_only_with_its_key_seq_and_hash() {
        let key = AuditKey::ephemeral();
        let mac = key.mac(3, "abc");
        assert!(key.verifies(3, "abc", &mac));
        assert!(!key.verifies(4, "abc", &mac));
        assert!(!key.verifies(3, "abd", &mac));
        assert!(!AuditKey::ephemeral().verifies(3, "abc", &mac));
        assert!(!key.verifies(3, "abc", "not hex"));
    }

    #[test]
    fn a_damaged_key_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("audit-key");
        std::fs::write(&path, "abcd\n").expect("the folder is writable");
        let error = AuditKey::load(&path).unwrap_err();
        assert!(error.contains("audit-key"), "{error}");
    }
}
