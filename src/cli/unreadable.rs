//! `hark unreadable`: platform records hark set aside, with their raw text.

use super::cache::read_only;
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace) -> anyhow::Result<()> {
    let conn = read_only(workspace)?;
    print!(
        "{}",
        crate::store::aside::render(&crate::store::aside::unreadable(&conn)?)
    );
    Ok(())
}
