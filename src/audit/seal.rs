//! What a store seals the chain with: the audit key, which MACs each entry
//! appended, and the anchor file, advanced after each commit that appended.

use super::anchor::{Anchor, AnchorFile};
use super::key::AuditKey;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug)]
pub struct Seal {
    key: AuditKey,
    /// None for an ephemeral seal (tests and tools), which anchors nothing.
    anchor: Option<AnchorFile>,
}

impl Seal {
    /// A key of this process only and no anchor: for tests and for tools
    /// that append nothing worth keeping.
    pub fn ephemeral() -> Arc<Self> {
        Arc::new(Self {
            key: AuditKey::ephemeral(),
            anchor: None,
        })
    }

    /// The daemon's seal: the key in `key_file` (created when `create` and
    /// missing: the first start) and the anchor in `anchor_file`.
    pub fn open(key_file: &Path, anchor_file: PathBuf, create: bool) -> Result<Arc<Self>, String> {
        let key = if create {
            AuditKey::load_or_create(key_file)?
        } else {
            AuditKey::load(key_file)?
        };
        Ok(Arc::new(Self {
            key,
            anchor: Some(AnchorFile::open(anchor_file)?),
        }))
    }

    /// From parts (tests that hold a key of their own).
    pub fn new(key: AuditKey, anchor: Option<AnchorFile>) -> Arc<Self> {
        Arc::new(Self { key, anchor })
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
    /// A failure is logged, not returned: the commit stands, and the next
    /// commit's anchor covers this one.
    pub async fn advance(self: &Arc<Self>, head: Anchor) {
        if self.anchor.is_none() {
            return;
        }
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
