//! The site's files: what one rendered file is (its name, media type and
//! text, with the SHA-256 a check of the public page compares), the size a
//! file may have, and writing them into `publish.dir` atomically and
//! readable by a web server running as another user.

use super::PublishError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One file of the notices site as rendered: its name under the site, its
/// media type and its text (every file of the site is UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    pub name: String,
    pub content_type: &'static str,
    pub body: String,
}

impl SiteFile {
    /// Lowercase hex SHA-256 of the body: what a check of the public page
    /// compares the page served with.
    pub fn sha256(&self) -> String {
        sha256_hex(self.body.as_bytes())
    }
}

/// The largest file the site keeps (in the database and the folder): a page
/// or a feed past it is refused, so that a runaway template or a huge list of
/// notices cannot fill the database one publication at a time.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The media type a file of the site is served with, by its name.
pub fn content_type_of(name: &str) -> &'static str {
    if name.ends_with(".atom") {
        "application/atom+xml; charset=utf-8"
    } else if name.ends_with(".css") {
        "text/css; charset=utf-8"
    } else {
        "text/html; charset=utf-8"
    }
}

/// Replaces `dir/name` so that a reader sees the old file or the new one,
/// never part of either, and the new one survives a power cut once this
/// returns (with the directory's own sync, done once per publication).
pub(super) fn write_atomically(
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<PathBuf, PublishError> {
    let target = dir.join(name);
    let io = |source| PublishError::Io {
        path: target.clone(),
        source,
    };
    let mut builder = tempfile::Builder::new();
    // A dot name so that a leftover from a crash is neither served as a page
    // nor mistaken for one.
    builder.prefix(".breachd-").suffix(".tmp");
    // tempfile creates files readable by their owner only; the web server that
    // serves the site is usually another user.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut file = builder.tempfile_in(dir).map_err(io)?;
    // The mode above passes through the umask (0077 would leave 0600):
    // set it again on the open file, which the umask does not touch.
    #[cfg(unix)]
    file.as_file()
        .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    file.persist(&target).map_err(|e| io(e.error))?;
    Ok(target)
}

/// Creates `dir` (and its parents) when missing and makes it 0755 whatever
/// the umask: the web server that serves the site is usually another user,
/// and must be able to list and enter it. Parents above it are left as the
/// operator made them.
pub(super) fn create_public_dir(dir: &Path) -> Result<(), PublishError> {
    let io = |source| PublishError::Io {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir).map_err(io)?.permissions().mode() & 0o7777;
        // Only widened, never narrowed: an operator's 0775 stays.
        if mode & 0o755 != 0o755 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o755))
                .map_err(io)?;
        }
    }
    Ok(())
}

/// Makes the renames durable: they live in the directory, not the files.
pub(super) fn sync_dir(dir: &Path) -> Result<(), PublishError> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| PublishError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
