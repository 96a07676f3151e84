//! Leases while a call runs: the lease interface ([`Leases`], [`Owner`], [`Table`]) is the
//! store's (`crate::store::lease`, where the design is described); here is the renewal
//! loop the outbox worker and the escalation notifier share.

pub use crate::store::lease::{Leases, Owner, Table};

/// Runs `call` while `renew` runs every third of `lease` (at least every 200 ms), so work
/// slower than the lease is never taken by another process. `renew` only logs: losing the
/// lease does not stop the call (its result is recorded under the lease rules).
pub async fn while_renewing<T, F>(
    lease: std::time::Duration,
    call: impl std::future::Future<Output = T>,
    mut renew: impl FnMut() -> F,
) -> T
where
    F: std::future::Future<Output = ()>,
{
    let every = (lease / 3).max(std::time::Duration::from_millis(200));
    let renewing = async {
        loop {
            tokio::time::sleep(every).await;
            renew().await;
        }
    };
    tokio::select! {
        out = call => out,
        never = renewing => never,
    }
}
