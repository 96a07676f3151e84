//! Polling in team mode: an account is polled only by the machine holding its lease, and
//! only once that machine's cache has followed the team up to the moment it took the
//! lease (so it starts from the cursor the last holder stored: nothing missed, and items
//! fetched twice are one row by their external id).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::sync::Held;
use crate::domain::now;
use crate::poller::{PollStatus, Poller, RoundError, StatusUpdate};
use crate::store::ingest;

/// Runs `poller` while this machine holds its account's lease; waits otherwise. Ends
/// when the status receiver is gone.
pub async fn run(poller: Poller, held: Arc<Held>, followed: watch::Receiver<i64>, ttl: Duration) {
    let mut failures = 0u32;
    let mut said_elsewhere = false;
    loop {
        if poller.status.is_closed() {
            return;
        }
        if !held.ready(&poller.account, *followed.borrow()) {
            if !said_elsewhere {
                report(
                    &poller,
                    PollStatus::Starting,
                    0,
                    Some("polled by another machine of the team".into()),
                );
                said_elsewhere = true;
            }
            tokio::time::sleep(ttl / 6).await;
            continue;
        }
        said_elsewhere = false;
        report(&poller, PollStatus::Polling, 0, None);
        let result = poller.poll_round().await;
        let at = now();
        let error_text = result.as_ref().err().map(|e| e.to_string());
        let account_id = poller.account_id;
        poller.writer.submit("record poll", move |conn| {
            ingest::record_poll(conn, account_id, at, error_text.as_deref())
        });
        let wait = match result {
            Ok(new_items) => {
                failures = 0;
                report(&poller, PollStatus::Ok { at }, new_items, None);
                poller.schedule.interval
            }
            Err(RoundError::Platform(crate::platform::PlatformError::RateLimited { wait })) => {
                report(
                    &poller,
                    PollStatus::RateLimited {
                        until: at + wait.as_secs() as i64,
                    },
                    0,
                    None,
                );
                wait
            }
            Err(e) => {
                failures += 1;
                let delay = poller.schedule.retry_delay(failures, rand::random::<f64>());
                report(
                    &poller,
                    PollStatus::Error {
                        message: e.to_string(),
                        retry_at: at + delay.as_secs() as i64,
                    },
                    0,
                    None,
                );
                delay
            }
        };
        tokio::time::sleep(wait).await;
    }
}

fn report(poller: &Poller, status: PollStatus, new_items: usize, notice: Option<String>) {
    let _ = poller.status.send(StatusUpdate {
        account: poller.account.clone(),
        status,
        new_items,
        budget: poller.connector.rate_remaining(),
        notice: notice.or_else(|| poller.connector.take_notice()),
        note: poller.connector.account_note(),
    });
}
