//! Nothing missed, nothing duplicated: the real poller, the connector's real client, the
//! platform's wire format, a real SQLite store.

use hark::platform::PlatformError;
use hark::poller::RoundError;

use crate::harness::{backdated, mention, mentions, Record, Scripted, Store};

/// A first poll; later polls read what arrived after it.
async fn started<P: Scripted>() -> (P, Store) {
    let p = P::start().await;
    let store = Store::new::<P>();
    p.publish(&[mention(1)]).await;
    assert_eq!(store.poll(p.connector()).await, Ok(1), "the first poll");
    (p, store)
}

/// Mentions straddling several pages all arrive, each once.
pub async fn page_boundaries<P: Scripted>() {
    let (p, store) = started::<P>().await;
    p.publish(&mentions(2..=7)).await;
    let new = store.poll(p.connector()).await.unwrap();
    assert_eq!(store.mentions(), (1..=7).collect::<Vec<_>>());
    assert_eq!(new, 6, "each mention is new exactly once");
    assert_eq!(store.poll(p.connector()).await, Ok(0), "caught up");
}

/// hark stops after the first page of a round is stored and starts again: the rest
/// arrives, nothing twice.
pub async fn restart_mid_page<P: Scripted>() {
    let (p, mut store) = started::<P>().await;
    p.publish(&mentions(2..=7)).await;
    p.outage_after(1).await;
    let stopped = store.poll(p.connector()).await;
    assert!(
        matches!(stopped, Err(RoundError::Platform(_))),
        "{stopped:?}"
    );
    let before = store.mentions().len() - 1;
    store.reopen();
    let new = store.poll(p.connector()).await.unwrap();
    assert_eq!(store.mentions(), (1..=7).collect::<Vec<_>>());
    assert_eq!(
        before + new,
        6,
        "stored before the stop + after = each once"
    );
}

/// Mentions dated 10 minutes and a day before they reached the platform still arrive.
pub async fn backdated_items<P: Scripted>() {
    let (p, store) = started::<P>().await;
    p.publish(&[backdated(2, 600), backdated(3, 86_400), mention(4)])
        .await;
    store.poll(p.connector()).await.unwrap();
    assert_eq!(store.mentions(), vec![1, 2, 3, 4]);
}

/// One record that cannot be read does not hold back the good ones around it, on this
/// poll or later ones.
pub async fn malformed_record<P: Scripted>() {
    let (p, store) = started::<P>().await;
    p.publish(&[mention(2), Record::Malformed(3), mention(4)])
        .await;
    let round = store.poll(p.connector()).await;
    assert!(round.is_ok(), "the page is stored: {round:?}");
    assert_eq!(store.mentions(), vec![1, 2, 4]);
    p.publish(&[mention(5)]).await;
    store.poll(p.connector()).await.unwrap();
    assert_eq!(store.mentions(), vec![1, 2, 4, 5], "the cursor moved on");
}

/// Every documented rate-limit answer makes the poller wait as long as it says, without
/// moving the cursor; after the wait nothing is missed.
pub async fn rate_limits<P: Scripted>() {
    let (p, mut store) = started::<P>().await;
    let forms = p.rate_limits();
    assert!(!forms.is_empty());
    for (i, limit) in forms.iter().enumerate() {
        let n = 2 + i as u32;
        p.publish(&[mention(n)]).await;
        let cursor = store.cursor();
        p.rate_limit_next_list(limit).await;
        match store.poll(p.connector()).await {
            Err(RoundError::Platform(PlatformError::RateLimited { wait })) => {
                let secs = wait.as_secs();
                assert!(
                    secs.abs_diff(limit.wait) <= 5,
                    "{}: waits {secs}s, the platform said {}s",
                    limit.form,
                    limit.wait
                );
            }
            other => panic!("{}: {other:?}", limit.form),
        }
        assert_eq!(store.cursor(), cursor, "{}: the cursor moved", limit.form);
        assert!(!store.mentions().contains(&n), "{}", limit.form);
        // After the wait (a new process, so no remembered budget) it arrives.
        store.reopen();
        store.poll(p.connector()).await.unwrap();
        assert!(store.mentions().contains(&n), "{}: missed", limit.form);
    }
}
