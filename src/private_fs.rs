//! What hark creates on disk is readable by its owner only; what already exists is never
//! changed. The data directory holds the inbox and token files, so a directory or file
//! that others can read is reported to the CM (once per run), not silently "fixed": a
//! `--data-dir` pointing at a shared directory must not have its permissions rewritten.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Creates `dir` and any missing parents, each new one private (0700). An existing
/// directory is left exactly as it is.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create the directory {}", dir.display()))
}

/// Creates `path` empty and private (0600) if it does not exist, so a file another
/// library creates there later (SQLite's database and its journals) starts private.
pub fn touch_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A path others can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposed {
    pub path: PathBuf,
    pub mode: u32,
}

impl std::fmt::Display for Exposed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fix = if self.path.is_dir() { "700" } else { "600" };
        write!(
            f,
            "{} is readable by group or others (mode {:03o}); `chmod {fix}` it",
            self.path.display(),
            self.mode & 0o777
        )
    }
}

/// The data directory, the cache and the token files, where group or others can read them.
pub fn exposed(data_dir: &Path, db_file: &str) -> Vec<Exposed> {
    let mut paths = vec![data_dir.to_path_buf(), data_dir.join(db_file)];
    if let Ok(entries) = std::fs::read_dir(data_dir.join("tokens")) {
        let mut tokens: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        tokens.sort();
        paths.extend(tokens);
    }
    paths.into_iter().filter_map(|p| exposed_path(&p)).collect()
}

#[cfg(unix)]
fn exposed_path(path: &Path) -> Option<Exposed> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o044 != 0).then(|| Exposed {
        path: path.to_path_buf(),
        mode,
    })
}

#[cfg(not(unix))]
fn exposed_path(_: &Path) -> Option<Exposed> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_existing_directory_keeps_its_permissions() {
        let temp = tempfile::tempdir().unwrap();
        let shared = temp.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        create_private_dir(&shared).unwrap();
        assert_eq!(
            std::fs::metadata(&shared).unwrap().permissions().mode() & 0o7777,
            0o1777
        );
    }

    #[test]
    fn new_directories_are_private_down_the_whole_path() {
        let temp = tempfile::tempdir().unwrap();
        let deep = temp.path().join("a/b/c");
        create_private_dir(&deep).unwrap();
        assert_eq!(mode(&deep), 0o700);
        assert_eq!(mode(&temp.path().join("a")), 0o700);
    }

    #[test]
    fn a_new_file_is_private_and_an_existing_one_untouched() {
        let temp = tempfile::tempdir().unwrap();
        let new = temp.path().join("new.db");
        touch_private_file(&new).unwrap();
        assert_eq!(mode(&new), 0o600);
        let old = temp.path().join("old.db");
        std::fs::write(&old, b"data").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        touch_private_file(&old).unwrap();
        assert_eq!(mode(&old), 0o644);
        assert_eq!(std::fs::read(&old).unwrap(), b"data");
    }

    #[test]
    fn readable_data_dir_database_and_tokens_are_reported() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("data");
        create_private_dir(&dir.join("tokens")).unwrap();
        touch_private_file(&dir.join("hark.db")).unwrap();
        touch_private_file(&dir.join("tokens/masto.token")).unwrap();
        assert!(exposed(&dir, "hark.db").is_empty());

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let token = dir.join("tokens/masto.token");
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o640)).unwrap();
        let found = exposed(&dir, "hark.db");
        let paths: Vec<_> = found.iter().map(|e| e.path.clone()).collect();
        assert_eq!(paths, vec![dir.clone(), token]);
        assert!(found[0].to_string().contains("(mode 755); `chmod 700`"));
        assert!(found[1].to_string().contains("(mode 640); `chmod 600`"));
    }
}
