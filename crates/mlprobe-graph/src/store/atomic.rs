//! Writing a file whole or not at all.

use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::errors::StoreError;

/// The environment variable of the write-failure hook (see [`atomic_write`]).
pub const FAIL_WRITES_AFTER: &str = "MLPROBE_FAIL_WRITES_AFTER";

/// Whether this write is one the hook fails: with `MLPROBE_FAIL_WRITES_AFTER=n`,
/// every write of the process after its first `n` fails as on a full disk.
fn injected_failure() -> bool {
    static LIMIT: OnceLock<Option<usize>> = OnceLock::new();
    static WRITES: AtomicUsize = AtomicUsize::new(0);
    let limit = LIMIT.get_or_init(|| std::env::var(FAIL_WRITES_AFTER).ok()?.parse().ok());
    limit.is_some_and(|n| WRITES.fetch_add(1, Ordering::SeqCst) >= n)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// then a rename, so a reader sees the old file or the new one, never half.
///
/// For tests of what a full disk does to a run, the environment variable
/// `MLPROBE_FAIL_WRITES_AFTER=n` makes every write after the first `n` of
/// the process fail with "no space left on device".
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    if injected_failure() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            format!("no space left on device (injected by {FAIL_WRITES_AFTER})"),
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut builder = tempfile::Builder::new();
    // Readable like any other file the user makes (the umask applies), not 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder.tempfile_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
