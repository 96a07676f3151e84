//! A sign-in's tokens in hark's own file in the data directory, readable by the CM only.
//!
//! The file is the account: it is only ever replaced whole (written beside, synced, then
//! renamed), and a refresh runs under a file lock so two hark processes never spend the
//! same refresh token.

use std::io::Write;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Reads a token file; refuses one others can read, and says what to do when it is absent
/// (`add` is the command that signs in again, like `hark account add x --name brand`).
pub fn load<T: DeserializeOwned>(path: &Path, account: &str, add: &str) -> Result<T, String> {
    if !path.exists() {
        return Err(format!(
            "account `{account}`: no sign-in stored ({} is missing); run `{add}`",
            path.display()
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| format!("account `{account}`: cannot read {}: {e}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "account `{account}`: {} can be read by others; run `chmod 600` on it",
                path.display()
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("account `{account}`: cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "account `{account}`: {} is not a token file hark wrote ({}); run `{add}` again",
            path.display(),
            unreadable_at(&e)
        )
    })
}

/// Where JSON broke, without quoting it (it holds secrets).
pub fn unreadable_at(e: &serde_json::Error) -> String {
    format!("unreadable at line {} column {}", e.line(), e.column())
}

/// Replaces the token file whole: a private file beside it, synced, renamed over it, and the
/// directory synced, so a crash leaves either the old pair or the new one, never half.
pub fn save<T: Serialize>(path: &Path, tokens: &T) -> std::io::Result<()> {
    let dir = path.parent().expect("a token file has a directory");
    crate::private_fs::create_private_dir(dir).map_err(std::io::Error::other)?;
    let temp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("oauth")
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    {
        let mut file = options.open(&temp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        let json = serde_json::to_vec_pretty(tokens).map_err(std::io::Error::other)?;
        file.write_all(&json)?;
        file.sync_all()?;
    }
    std::fs::rename(&temp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// An exclusive lock on `<token file>.lock`, held while a refresh runs; released on drop.
pub struct FileLock(std::fs::File);

impl FileLock {
    pub fn take(path: &Path) -> std::io::Result<FileLock> {
        let lock_path = path.with_extension("lock");
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        // Private like the token beside it, so the data directory's check stays quiet.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(lock_path)?;
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: flock on a descriptor we own; it blocks until the other process is done.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(FileLock(file))
    }

    /// Takes the lock without blocking the async runtime.
    pub async fn take_async(path: &Path) -> std::io::Result<FileLock> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || FileLock::take(&path))
            .await
            .map_err(std::io::Error::other)?
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: unlocking our own descriptor.
            unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
        }
    }
}
