//! Signed documents published beside a section of the site (the
//! agreements list, a contract's notice): each written under the section's
//! `documents/` by a name made from its owner's id and its hash (never the
//! uploaded name, so no upload steers a file name), its SHA-256 shown
//! where it is linked. A document no longer published is removed.

use super::{create_public_dir, sync_dir, write_atomically, PublishError};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// The published documents' folder, under a section's folder.
pub const DOCUMENTS_DIR: &str = "documents";

/// A signed document as published.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicDocument {
    /// "pdf", from the uploaded name when it is a plain extension.
    pub extension: String,
    pub sha256: String,
    pub content: Vec<u8>,
}

impl PublicDocument {
    /// Its name under `documents/`: the owner's id and the start of the
    /// hash.
    pub(super) fn file_name(&self, owner: Uuid) -> String {
        let short: String = self.sha256.chars().take(16).collect();
        format!("{owner}-{short}.{}", self.extension)
    }
}

/// Extensions a browser would run as a page or script: the site is served
/// from the daemon's own origin, so a document published under one of them
/// could act there. Such a document keeps its bytes under "bin".
const ACTIVE_EXTENSIONS: [&str; 10] = [
    "html", "htm", "shtml", "xhtml", "xht", "xml", "svg", "svgz", "js", "mjs",
];

/// The extension a published document keeps: the uploaded name's, when it
/// is a few letters or digits and not one a browser runs, else "bin".
pub fn document_extension(file_name: &str) -> String {
    file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| {
            (1..=5).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && !ACTIVE_EXTENSIONS.contains(&ext.as_str())
        })
        .unwrap_or_else(|| "bin".to_owned())
}

/// Writes `documents` under `section/documents/` (before the page that
/// links them is written) and removes every other file there that
/// `stale` names: a document replaced, no longer publishable, or of an
/// agreement no longer in force is not left on the public site.
/// Blocking: it writes files.
pub(super) fn publish_documents(
    section: &Path,
    documents: &[(Uuid, &PublicDocument)],
    stale: impl Fn(&str) -> bool,
) -> Result<Vec<PathBuf>, PublishError> {
    let dir = section.join(DOCUMENTS_DIR);
    let mut files = Vec::new();
    let mut names = Vec::new();
    for (owner, document) in documents {
        create_public_dir(&dir)?;
        let name = document.file_name(*owner);
        files.push(write_atomically(&dir, &name, &document.content)?);
        names.push(name);
    }
    let mut removed = false;
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_document_name(&name) && !names.contains(&name) && stale(&name) {
                std::fs::remove_file(entry.path()).map_err(|source| PublishError::Io {
                    path: entry.path(),
                    source,
                })?;
                removed = true;
            }
        }
    }
    if !files.is_empty() || removed {
        sync_dir(&dir)?;
    }
    Ok(files)
}

/// Whether a file of the folder is one breachd wrote ("<uuid>-<16 hex>.<ext>"):
/// only those are ever removed, not a file a district put there.
fn is_document_name(name: &str) -> bool {
    let Some((stem, extension)) = name.rsplit_once('.') else {
        return false;
    };
    let Some((owner, hash)) = stem.split_at_checked(36) else {
        return false;
    };
    Uuid::parse_str(owner).is_ok()
        && hash.len() == 17
        && hash.starts_with('-')
        && hash[1..].bytes().all(|b| b.is_ascii_hexdigit())
        && !extension.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_named_by_its_owner_and_hash_and_the_stale_ones_go() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let owner = Uuid::nil();
        let old = PublicDocument {
            extension: "pdf".into(),
            sha256: "a".repeat(64),
            content: b"old".to_vec(),
        };
        let new = PublicDocument {
            sha256: "b".repeat(64),
            content: b"new".to_vec(),
            ..old.clone()
        };
        let other = Uuid::from_u128(1);
        publish_documents(dir.path(), &[(owner, &old), (other, &old)], |_| true).expect("written");
        let mine = format!("{owner}-");
        let written =
            publish_documents(dir.path(), &[(owner, &new)], |name| name.starts_with(&mine))
                .expect("written");
        let folder = dir.path().join(DOCUMENTS_DIR);
        assert_eq!(written, vec![folder.join(new.file_name(owner))]);
        assert_eq!(
            std::fs::read(folder.join(new.file_name(owner))).expect("the new one"),
            b"new"
        );
        assert!(!folder.join(old.file_name(owner)).exists(), "replaced");
        assert!(folder.join(old.file_name(other)).exists(), "not stale");
        std::fs::write(folder.join("district-policy.pdf"), b"theirs").expect("written");
        publish_documents(dir.path(), &[], |_| true).expect("written");
        assert!(folder.join("district-policy.pdf").exists(), "not breachd's");
        assert!(!folder.join(old.file_name(other)).exists(), "stale");
        assert_eq!(document_extension("Signed DPA.PDF"), "pdf");
        assert_eq!(document_extension("../x.p/d f"), "bin");
        assert_eq!(document_extension("agreement.HTML"), "bin", "never a page");
        assert_eq!(document_extension("logo.svg"), "bin");
    }
}
