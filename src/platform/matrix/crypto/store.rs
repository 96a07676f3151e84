//! Where an account's encryption state lives: a directory beside the account's device
//! file, one SQLite store per device (a new login is a new device with new keys), and
//! the store's passphrase in a 0600 file of its own.
//!
//! The passphrase is random, not derived from the access token: a token is replaced at
//! each login, the keys must outlive it. It keeps the private keys in the store
//! encrypted, so a copy of the store alone (a backup that skips key files) reads nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::platform::process_lock;
use crate::secrets::Secret;

/// `<data dir>/matrix-<account>.crypto`.
pub fn account_dir(data_dir: &Path, account: &str) -> PathBuf {
    data_dir.join(format!("matrix-{account}.crypto"))
}

/// The account's keys belong to one process of a data directory: two `OlmMachine`s on
/// one store would each keep their own view of the Olm account and its sessions, and
/// to-device keys one consumed the other would never see. Held while the machine lives.
pub fn lock(dir: &Path) -> Result<process_lock::Held, process_lock::NotHeld> {
    crate::private_fs::create_private_dir(dir)
        .map_err(|e| process_lock::NotHeld::Io(format!("{}: {e}", dir.display())))?;
    process_lock::try_take(&dir.join("hark.lock"))
}

/// The store directory for `device`, and its passphrase (made on first use).
pub fn prepare(dir: &Path, device: &str) -> std::io::Result<(PathBuf, Secret)> {
    crate::private_fs::create_private_dir(dir).map_err(std::io::Error::other)?;
    let key_file = dir.join("store.passphrase");
    let passphrase = match std::fs::read_to_string(&key_file) {
        Ok(text) if !text.trim().is_empty() => Secret::new(text.trim()),
        _ => {
            use rand::Rng;
            let bytes: [u8; 32] = rand::thread_rng().gen();
            let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            write_private(&key_file, &text)?;
            Secret::new(text)
        }
    };
    // A device id is the server's string: keep it to one safe path segment.
    let device: String = device
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
        .collect();
    let store = dir.join(device);
    crate::private_fs::create_private_dir(&store).map_err(std::io::Error::other)?;
    Ok((store, passphrase))
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_passphrase_is_made_once_private_and_kept() {
        let data = tempfile::tempdir().unwrap();
        let dir = account_dir(data.path(), "brand");
        let (store, first) = prepare(&dir, "HARK/../X").unwrap();
        assert_eq!(store, dir.join("HARK____X"), "one safe path segment");
        let (_, again) = prepare(&dir, "HARKX").unwrap();
        assert_eq!(first.expose(), again.expose());
        assert_eq!(first.expose().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("store.passphrase"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
