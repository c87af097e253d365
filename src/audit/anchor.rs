//! The anchor: the chain's head (its sequence number and MAC) written
//! outside the database (`audit.anchor_file`) after every commit that
//! appended to the chain. A tail cut from the table, or cut and rewritten,
//! no longer reaches the anchored entry, or reaches a different one.
//!
//! The file is replaced atomically (a temporary file, fsynced, renamed
//! over it, the folder fsynced), and only ever moves forward: commits that
//! finish out of order never move it back.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The chain's head as last anchored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: i64,
    /// The head entry's MAC (empty when the log was empty or the head
    /// entry predates the key).
    pub mac: String,
}

impl Anchor {
    /// The anchor in `path`, None when there is none yet; the error names
    /// the file.
    pub fn read(path: &Path) -> Result<Option<Anchor>, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|error| {
                format!("the audit anchor {} is damaged: {error}", path.display())
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(format!(
                "cannot read the audit anchor {}: {error}",
                path.display()
            )),
        }
    }
}

/// Where this process anchors the head, and the last head it wrote.
#[derive(Debug)]
pub struct AnchorFile {
    path: PathBuf,
    last: Mutex<Option<Anchor>>,
}

impl AnchorFile {
    /// The anchor file at `path`, moving forward from what it holds.
    pub fn open(path: PathBuf) -> Result<Self, String> {
        let last = Anchor::read(&path)?;
        Ok(Self {
            path,
            last: Mutex::new(last),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The anchor the file held when opened, or the last one written
    /// since.
    pub fn last(&self) -> Option<Anchor> {
        self.last
            .lock()
            .expect("the anchor lock is never poisoned: writes do not panic")
            .clone()
    }

    /// Replaces the anchor with `anchor` unless it is behind the one
    /// written already. Blocking (fsync): call it off the async threads.
    pub fn advance(&self, anchor: &Anchor) -> std::io::Result<()> {
        let mut last = self
            .last
            .lock()
            .expect("the anchor lock is never poisoned: writes do not panic");
        if last.as_ref().is_some_and(|last| anchor.seq <= last.seq) {
            return Ok(());
        }
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let temporary = self.path.with_extension("new");
        {
            let mut file = std::fs::File::create(&temporary)?;
            let text = serde_json::to_string(anchor).expect("an anchor serialises");
            writeln!(file, "{text}")?;
            file.sync_all()?;
        }
        std::fs::rename(&temporary, &self.path)?;
        sync_folder(&self.path);
        *last = Some(anchor.clone());
        Ok(())
    }
}

/// Makes a rename or link in `path`'s folder durable (best effort: some
/// file systems refuse to open a folder).
pub(crate) fn sync_folder(path: &Path) {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if let Ok(folder) = std::fs::File::open(folder) {
        let _ = folder.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_anchor_only_moves_forward_and_survives_a_reopen() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("audit-head");
        let file = AnchorFile::open(path.clone()).expect("no anchor yet");
        assert_eq!(file.last(), None);
        let head = |seq: i64| Anchor {
            seq,
            mac: format!("mac{seq}"),
        };
        file.advance(&head(5)).expect("written");
        file.advance(&head(3)).expect("ignored");
        assert_eq!(Anchor::read(&path).unwrap(), Some(head(5)));
        let reopened = AnchorFile::open(path.clone()).expect("read back");
        assert_eq!(reopened.last(), Some(head(5)));
        reopened.advance(&head(4)).expect("ignored");
        assert_eq!(Anchor::read(&path).unwrap(), Some(head(5)));
    }
}
