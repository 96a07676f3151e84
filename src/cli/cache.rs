//! What the read-only commands share: the cache opened without writing, and `--since`.

use crate::domain::now;
use crate::workspace::Workspace;

/// `--since 7d` as a timestamp; everything when absent.
pub fn since(text: Option<&str>) -> anyhow::Result<i64> {
    Ok(match text {
        None => i64::MIN / 2,
        Some(t) => {
            now()
                - crate::duration::parse(t)
                    .map_err(anyhow::Error::msg)?
                    .as_secs() as i64
        }
    })
}

/// The cache opened read-only; a missing one says how to make it.
pub fn read_only(workspace: &Workspace) -> anyhow::Result<rusqlite::Connection> {
    let path = workspace.db_path();
    if !path.exists() {
        anyhow::bail!(
            "no cache at {} yet (run hark or hark poll first)",
            path.display()
        );
    }
    Ok(crate::store::open_ro(&path)?)
}
