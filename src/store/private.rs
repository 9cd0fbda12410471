//! The data directory and the database hold the plugins' secrets: on Unix
//! they are made readable by their owner only (0700 and 0600), whatever
//! the process's umask.

use std::io;
use std::path::Path;

/// Creates `dir` (and missing parents) for the owner only. An existing
/// directory keeps its mode: it may be one the player chose and shares.
pub(super) fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates `file` empty for the owner only if it does not exist, and makes
/// an existing one the owner's only.
pub(super) fn prepare_file(file: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(file)?;
        let mode = std::fs::metadata(file)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}
