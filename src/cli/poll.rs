//! `hark poll`: poll every account without the TUI, forever or `--once`.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::runtime;
use crate::outbox::worker;
use crate::platform;
use crate::poller::{PollStatus, StatusUpdate};
use crate::workspace::Workspace;

pub fn run_poll(workspace: Workspace, once: bool) -> anyhow::Result<()> {
    let _log = crate::logging::init(&workspace.data_dir)?;
    if workspace.config.accounts.is_empty() {
        anyhow::bail!(
            "no [[account]] in {}: nothing to poll",
            workspace.config_path.display()
        );
    }
    if once && workspace.config.team.is_some() {
        // One round outside the lease would poll an account another machine polls.
        anyhow::bail!(
            "`hark poll --once` does not run in team mode: `hark poll` polls the accounts whose lease this machine holds"
        );
    }
    runtime()?.block_on(async {
        let writer = workspace.open_store()?;
        for warning in workspace.exposure_warnings() {
            eprintln!("hark: {warning}");
        }
        let (status_tx, mut status_rx) = mpsc::unbounded_channel::<StatusUpdate>();
        let shared = worker::connect_all(&workspace.config.accounts, |a| {
            platform::connect_in(a, Some(&workspace.data_dir))
        })?;
        let mut outbox = worker::for_accounts(&writer.handle(), &shared).await?;
        let team = crate::cli::team::start_in(&workspace, writer.handle()).await?;
        outbox.gate = team.as_ref().map(|t| t.gate.clone() as _);
        if once {
            // A Discord gateway session would outlive nothing and spend a daily start.
            platform::discord::gateway::hold_off();
            let pipeline = Arc::new(workspace.pipeline()?);
            let pollers = workspace
                .pollers(
                    &writer.handle(),
                    status_tx,
                    &worker::shared_connect(&shared),
                    pipeline,
                )
                .await?;
            let spinner = super::progress::spinner("polling");
            let failed = super::poll_once::run(
                &outbox,
                pollers,
                &writer.handle(),
                &workspace.config.escalation,
                crate::outbox::worker::RateBudget::ONCE,
            )
            .await?;
            spinner.finish_and_clear();
            if failed > 0 {
                anyhow::bail!("{failed} account(s) failed");
            }
            return Ok(());
        }
        let _tasks = workspace
            .spawn_pollers_with(
                &writer.handle(),
                status_tx,
                worker::shared_connect(&shared),
                team.as_ref(),
            )
            .await?;
        let _outbox = tokio::spawn(outbox.run());
        let _notifier =
            crate::escalation::notify::spawn(writer.handle(), workspace.config.escalation.clone());
        while let Some(update) = status_rx.recv().await {
            if let Some(notice) = &update.notice {
                println!("{}: {notice}", update.account);
            }
            match update.status {
                PollStatus::Ok { .. } if update.new_items > 0 => {
                    println!("{}: {} new", update.account, update.new_items)
                }
                PollStatus::Error { message, .. } => {
                    println!("{}: error: {message}", update.account)
                }
                PollStatus::RateLimited { until } => println!(
                    "{}: rate limited until {}",
                    update.account,
                    crate::platform::rate_limit::clock_in(
                        until,
                        crate::domain::now(),
                        &jiff::tz::TimeZone::system()
                    )
                ),
                _ => {}
            }
        }
        Ok(())
    })
}
