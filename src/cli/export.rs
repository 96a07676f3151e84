//! `hark export`: the items with one tag, for the team that owns it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::cache::{read_only, since};
use crate::workspace::Workspace;

pub fn run(
    workspace: &Workspace,
    tag: String,
    since_text: Option<String>,
    format: crate::export::Format,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let tag = crate::store::moderation::normal_tag(&tag)
        .with_context(|| format!("`{tag}` is not a tag"))?;
    let conn = read_only(workspace)?;
    let rows = crate::export::rows(&conn, &tag, since(since_text.as_deref())?)?;
    match out {
        Some(path) => {
            let mut file = std::fs::File::create(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            crate::export::write(&mut file, &rows, format, &tag)?;
            eprintln!(
                "{} item{} tagged #{tag} written to {}",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                path.display()
            );
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            crate::export::write(&mut lock, &rows, format, &tag)?;
            lock.flush()?;
        }
    }
    Ok(())
}
