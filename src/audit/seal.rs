//! What a store seals the chain with: the audit key, which MACs each entry
//! appended, and the anchor file, advanced after each commit that appended.

use super::anchor::{Anchor, AnchorFile};
use super::key::AuditKey;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct Seal {
    key: AuditKey,
    /// None for an ephemeral seal (tests and tools), which anchors nothing.
    anchor: Option<AnchorFile>,
    /// The newest head committed and not yet written.
    pending: Mutex<Option<Anchor>>,
    /// A committer is writing the anchor file.
    writing: AtomicBool,
}

impl Seal {
    /// A key of this process only and no anchor: for tests and for tools
    /// that append nothing worth keeping.
    pub fn ephemeral() -> Arc<Self> {
        Self::new(AuditKey::ephemeral(), None)
    }

    /// The daemon's seal: the key in `key_file` (created when `create` and
    /// missing: the first start) and the anchor in `anchor_file`.
    pub fn open(key_file: &Path, anchor_file: PathBuf, create: bool) -> Result<Arc<Self>, String> {
        let key = if create {
            AuditKey::load_or_create(key_file)?
        } else {
            AuditKey::load(key_file)?
        };
        Ok(Self::new(key, Some(AnchorFile::open(anchor_file)?)))
    }

    /// From parts (tests that hold a key of their own).
    pub fn new(key: AuditKey, anchor: Option<AnchorFile>) -> Arc<Self> {
        Arc::new(Self {
            key,
            anchor,
            pending: Mutex::new(None),
            writing: AtomicBool::new(false),
        })
    }

    pub fn key(&self) -> &AuditKey {
        &self.key
    }

    /// The anchor as last read or written; None when nothing is anchored.
    pub fn anchored(&self) -> Option<Anchor> {
        self.anchor.as_ref().and_then(AnchorFile::last)
    }

    pub fn anchor_path(&self) -> Option<&Path> {
        self.anchor.as_ref().map(AnchorFile::path)
    }

    /// Anchors `head` after the commit that appended it (the commit is
    /// durable by then: SQLite's `synchronous = FULL`, PostgreSQL's commit).
    /// Writes are combined: while one committer writes the file (an fsync),
    /// the heads of commits finishing meanwhile wait in `pending` and that
    /// committer writes the newest of them next; the others return at once.
    /// A burst of commits costs a few writes, not one fsync each, and the
    /// file lags the database by at most the write in progress. A failure
    /// is logged, not returned: the commit stands, and the next commit's
    /// anchor covers this one.
    pub async fn advance(self: &Arc<Self>, head: Anchor) {
        if self.anchor.is_none() {
            return;
        }
        {
            let mut pending = self.pending();
            if pending
                .as_ref()
                .is_none_or(|pending| pending.seq < head.seq)
            {
                *pending = Some(head);
            }
        }
        loop {
            if self
                .writing
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                // The committer writing now takes our head next.
                return;
            }
            loop {
                let next = self.pending().take();
                let Some(next) = next else { break };
                self.write(next).await;
            }
            self.writing.store(false, Ordering::Release);
            // A head set after our last look and before we stopped writing
            // has nobody to write it: look again.
            if self.pending().is_none() {
                return;
            }
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Option<Anchor>> {
        self.pending
            .lock()
            .expect("the pending anchor lock is never poisoned: its users do not panic")
    }

    async fn write(self: &Arc<Self>, head: Anchor) {
        let seal = Arc::clone(self);
        let written = tokio::task::spawn_blocking(move || {
            seal.anchor
                .as_ref()
                .map_or(Ok(()), |anchor| anchor.advance(&head))
        })
        .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(
                error = %error,
                file = %self.anchor_path().map(Path::display).map(|d| d.to_string()).unwrap_or_default(),
                "the audit anchor could not be written; the next commit retries"
            ),
            Err(error) => tracing::error!(error = %error, "the audit anchor task failed"),
        }
    }

    /// Anchors `head` if nothing is anchored yet (the first start, or an
    /// anchor file deleted): trust on first use. An existing anchor is
    /// never moved back to what the database says.
    pub fn anchor_if_missing(&self, head: &Anchor) -> std::io::Result<bool> {
        match &self.anchor {
            Some(anchor) if anchor.last().is_none() => anchor.advance(head).map(|()| true),
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_commits_leave_the_newest_head_anchored() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("audit-head");
        let seal = Seal::new(
            AuditKey::ephemeral(),
            Some(AnchorFile::open(path.clone()).expect("no anchor yet")),
        );
        let commits: Vec<_> = (1..=200)
            .map(|seq| {
                let seal = Arc::clone(&seal);
                tokio::spawn(async move {
                    seal.advance(Anchor {
                        seq,
                        mac: format!("mac{seq}"),
                    })
                    .await;
                })
            })
            .collect();
        for commit in commits {
            commit.await.expect("a commit's anchoring does not panic");
        }
        // Every advance has returned; whoever was writing has finished.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while seal.writing.load(Ordering::Acquire) || seal.pending().is_some() {
            assert!(
                std::time::Instant::now() < deadline,
                "the writes never finished"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let anchored = Anchor::read(&path).expect("the anchor reads");
        assert_eq!(anchored.map(|a| a.seq), Some(200));
    }
}
