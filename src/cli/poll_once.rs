//! `hark poll --once`, for cron: everything due now (the whole outbox queue, every
//! account's new items, every due escalation notification), each row at most once, then
//! exit. A rate limit is waited out only while the run's minute lasts; a longer wait ends
//! that part of the run and leaves the rest for the next one, so cron runs never pile up.

use std::time::Duration;

use crate::escalation::notify::Notifier;
use crate::escalation::EscalationConfig;
use crate::outbox::worker::{RateBudget, Worker};
use crate::platform::PlatformError;
use crate::poller::{Poller, RoundError};
use crate::store::WriterHandle;

/// Runs once; returns how many accounts failed to poll. Progress goes to stdout, what was
/// left for the next run to stderr.
pub async fn run(
    outbox: &Worker,
    pollers: Vec<Poller>,
    writer: &WriterHandle,
    escalation: &EscalationConfig,
    rate_budget: Duration,
) -> anyhow::Result<usize> {
    let mut budget = RateBudget::new(rate_budget);
    // Rows a crash interrupted are rechecked first.
    outbox.reconcile().await?;
    let drained = outbox.drain(&mut budget).await?;
    if drained.tried > 0 {
        println!("outbox: {} sent or retried", drained.tried);
    }
    if let Some((wait, queued)) = drained.left {
        eprintln!(
            "outbox: rate limited {}; {queued} due row(s) left queued for the next run",
            crate::platform::rate_limit::until_local(wait)
        );
    }
    let mut failed = 0;
    for poller in pollers {
        loop {
            let round = poller.poll_round().await;
            if let Some(notice) = poller.connector.take_notice() {
                println!("{}: {notice}", poller.account);
            }
            match round {
                Ok(n) => println!("{}: ok, {n} new", poller.account),
                Err(RoundError::Platform(PlatformError::RateLimited { wait }))
                    if budget.take(wait) =>
                {
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(RoundError::Platform(PlatformError::RateLimited { wait })) => eprintln!(
                    "{}: rate limited {}; polling left for the next run",
                    poller.account,
                    crate::platform::rate_limit::until_local(wait)
                ),
                Err(e) => {
                    failed += 1;
                    println!("{}: error: {e}", poller.account);
                }
            }
            break;
        }
    }
    // Escalations the rules opened this round notify now, not at the next run.
    let tried = Notifier::new(escalation.clone()).run_once(writer).await?;
    if tried > 0 {
        println!("{tried} escalation notification(s) tried (see hark escalations)");
    }
    Ok(failed)
}
