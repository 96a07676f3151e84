//! One holder per data directory for a thing two hark processes must not both do (a
//! Discord gateway session, an account's encryption keys): an OS file lock held as long
//! as the thing runs. A second hark on the same data directory finds it held and says
//! which process holds it; the lock goes with its holder (exit or crash), so the second
//! can take over on a later try.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The held lock; dropping it lets another process take it.
#[derive(Debug)]
pub struct Held {
    _file: File,
}

/// Why the lock was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum NotHeld {
    /// Another process holds it; its process id, when it wrote one.
    Busy(Option<u32>),
    /// The lock file cannot be opened (permissions, a missing directory).
    Io(String),
}

impl NotHeld {
    /// "another hark process (pid N)" or the reason the lock file failed.
    pub fn holder(&self) -> String {
        match self {
            NotHeld::Busy(Some(pid)) => format!("another hark process (pid {pid})"),
            NotHeld::Busy(None) => "another hark process".into(),
            NotHeld::Io(e) => format!("a lock file that cannot be used ({e})"),
        }
    }
}

/// Takes the lock at `path` without waiting, writing this process's id into the file.
pub fn try_take(path: &Path) -> Result<Held, NotHeld> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| NotHeld::Io(format!("{}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(NotHeld::Busy(text.trim().parse().ok()));
        }
        Err(TryLockError::Error(e)) => return Err(NotHeld::Io(format!("{}: {e}", path.display()))),
    }
    let pid = std::process::id().to_string();
    let _ = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(pid.as_bytes()));
    Ok(Held { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_with_the_holders_pid_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = try_take(&path).unwrap();
        let busy = try_take(&path).unwrap_err();
        assert_eq!(busy, NotHeld::Busy(Some(std::process::id())));
        assert_eq!(
            busy.holder(),
            format!("another hark process (pid {})", std::process::id())
        );
        assert!(try_take(&dir.path().join("y.lock")).is_ok(), "another lock");
        drop(held);
        assert!(try_take(&path).is_ok());
    }
}
