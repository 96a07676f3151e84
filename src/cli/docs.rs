//! `hark completions` and `hark man`: generated from the live clap definitions, so they
//! always match the commands.

use std::io::Write;

use clap::CommandFactory;

use super::Cli;

pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> anyhow::Result<()> {
    clap_complete::generate(shell, &mut Cli::command(), "hark", out);
    Ok(())
}

pub fn man(out: &mut dyn Write) -> anyhow::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)?;
    Ok(())
}
