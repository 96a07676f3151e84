//! One gateway session per bot per data directory: an OS file lock
//! (`discord-gateway-<bot id>.lock`) held as long as the session runs. A second hark on
//! the same data directory finds it held, does not connect, and says which process holds
//! it; the lock goes with its holder (exit or crash), and the second takes over on its
//! next try. Both share the cache, so the DMs one stores the other shows.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The held lock; dropping it lets another process connect.
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

pub fn path(data_dir: &Path, bot_id: &str) -> PathBuf {
    // The bot id is digits; anything else is dropped so it never leaves the directory.
    let id: String = bot_id.chars().filter(char::is_ascii_digit).collect();
    data_dir.join(format!("discord-gateway-{id}.lock"))
}

/// Takes the lock without waiting, writing this process's id into the file.
pub fn try_take(data_dir: &Path, bot_id: &str) -> Result<Held, NotHeld> {
    let path = path(data_dir, bot_id);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
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
        let held = try_take(dir.path(), "80351110224678912").unwrap();
        assert_eq!(
            try_take(dir.path(), "80351110224678912").unwrap_err(),
            NotHeld::Busy(Some(std::process::id()))
        );
        assert!(try_take(dir.path(), "1").is_ok(), "another bot");
        drop(held);
        assert!(try_take(dir.path(), "80351110224678912").is_ok());
        assert_eq!(
            path(dir.path(), "../x1"),
            dir.path().join("discord-gateway-1.lock")
        );
    }
}
