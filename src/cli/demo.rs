//! `hark demo`: a simulated brand inbox in a throwaway workspace.

use std::path::PathBuf;

use super::{runtime, tui::run_tui};

pub fn run(data_dir: Option<PathBuf>, no_tui: bool) -> anyhow::Result<()> {
    let (workspace, _temp) = crate::demo::workspace(data_dir)?;
    if no_tui {
        runtime()?.block_on(async {
            let writer = workspace.open_store()?;
            let stored = crate::demo::load_all(&workspace, &writer.handle()).await?;
            println!(
                "loaded {stored} demo items into {}",
                workspace.db_path().display()
            );
            anyhow::Ok(())
        })
    } else {
        run_tui(workspace)
    }
}
