//! One gateway session per bot per data directory: the process lock
//! `discord-gateway-<bot id>.lock` held as long as the session runs. A second hark on the
//! same data directory does not connect; both share the cache, so the DMs one stores the
//! other shows.

use std::path::{Path, PathBuf};

pub use crate::platform::process_lock::{Held, NotHeld};

pub fn path(data_dir: &Path, bot_id: &str) -> PathBuf {
    // The bot id is digits; anything else is dropped so it never leaves the directory.
    let id: String = bot_id.chars().filter(char::is_ascii_digit).collect();
    data_dir.join(format!("discord-gateway-{id}.lock"))
}

/// Takes the bot's gateway lock without waiting.
pub fn try_take(data_dir: &Path, bot_id: &str) -> Result<Held, NotHeld> {
    crate::platform::process_lock::try_take(&path(data_dir, bot_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bot_one_lock_and_its_id_never_leaves_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let held = try_take(dir.path(), "80351110224678912").unwrap();
        assert!(matches!(
            try_take(dir.path(), "80351110224678912"),
            Err(NotHeld::Busy(_))
        ));
        assert!(try_take(dir.path(), "1").is_ok(), "another bot");
        drop(held);
        assert_eq!(
            path(dir.path(), "../x1"),
            dir.path().join("discord-gateway-1.lock")
        );
    }
}
