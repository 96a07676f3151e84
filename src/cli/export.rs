//! `hark export`: the items with one tag, or matching a limit pattern, for the team that
//! owns them.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::cache::{read_only, since};
use crate::workspace::Workspace;

pub fn run(
    workspace: &Workspace,
    tag: Option<String>,
    query: Option<String>,
    since_text: Option<String>,
    format: crate::export::Format,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let tag = match tag {
        Some(tag) => Some(
            crate::store::moderation::normal_tag(&tag)
                .with_context(|| format!("`{tag}` is not a tag"))?,
        ),
        None => None,
    };
    let pattern = match &query {
        Some(text) => Some(
            crate::store::pattern::parse(text)
                .map_err(|e| anyhow::anyhow!("--query: {}", e.pointed(text)))?
                .context("--query is empty: give a pattern such as '~t bug ~s neg'")?,
        ),
        None => None,
    };
    // What the rows are: "#bug", the query, or both.
    let title = match (&tag, &query) {
        (Some(tag), Some(query)) => format!("#{tag} {}", query.trim()),
        (Some(tag), None) => format!("#{tag}"),
        (None, Some(query)) => query.trim().to_string(),
        (None, None) => anyhow::bail!("give --tag TAG or --query PATTERN"),
    };
    let conn = read_only(workspace)?;
    let rows = crate::export::selected_rows(
        &conn,
        tag.as_deref(),
        pattern.as_ref(),
        since(since_text.as_deref())?,
    )?;
    match out {
        Some(path) => {
            let mut file = std::fs::File::create(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            crate::export::write_titled(&mut file, &rows, format, &title)?;
            eprintln!(
                "{} item{} ({}) written to {}",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                crate::sanitize::inert_line(&title),
                path.display()
            );
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            crate::export::write_titled(&mut lock, &rows, format, &title)?;
            lock.flush()?;
        }
    }
    Ok(())
}
