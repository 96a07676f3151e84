//! Nothing sent twice, nothing shown as done that the platform did not do: the real
//! outbox worker on a real SQLite store, sending through the connector.

use hark::platform::{PlatformError, Target};

use crate::harness::{worker_on, Platform, Scripted, Store};

/// The outbox kinds a connector sends: replies and the moderation it offers. Accepting or
/// dismissing a platform's notification request needs an item the platform holds; those two
/// are proven in tests/mastodon_requests.rs, not here (the kit's targets are not held).
fn moderation<P: Platform>(p: &P) -> Vec<&'static str> {
    p.connector()
        .capabilities()
        .moderation
        .into_iter()
        .filter(|k| !matches!(*k, "accept-request" | "dismiss-request"))
        .collect()
}

/// The worker takes row `row`, the platform takes the write, and the process dies before
/// the answer is recorded; then hark starts again on the same store.
async fn crash_mid_send<P: Platform>(p: &P, store: &mut Store, row: i64) {
    let (slow, taken) = p.slow_connector().await;
    let worker = store.worker(slow);
    tokio::select! {
        r = worker.run_once() => panic!("the slow send answered: {r:?}"),
        _ = taken.notified() => {}
    }
    drop(worker);
    assert_eq!(store.row(row).0, "sending");
    store.reopen();
    p.prompt().await;
    // While the dead process's lease runs, its row is left alone; hark started again once
    // the lease has run out rechecks it.
    let worker = store.worker(p.connector());
    assert_eq!(
        worker.reconcile().await.unwrap(),
        0,
        "the lease still holds"
    );
    let mut worker = store.worker(p.connector());
    worker.clock =
        std::sync::Arc::new(|| hark::domain::now() + 2 * hark::store::outbox::LEASE_SECS);
    assert_eq!(worker.reconcile().await.unwrap(), 1);
    worker.run_once().await.unwrap();
}

/// A reply interrupted between "sent" and "answer" is not posted a second time: its key
/// or a read-back finds the first.
pub async fn crash_mid_send_reply<P: Platform>() {
    let p = P::start().await;
    let mut store = Store::new::<P>();
    let item = store.add(p.target("reply", 1));
    let row = store.queue(item, "reply");
    crash_mid_send(&p, &mut store, row).await;
    assert_eq!(store.row(row).0, "sent");
    assert_eq!(p.copies("reply").await, 1, "one reply on the platform");
}

/// Each moderation action interrupted between "sent" and "answer" takes effect once: an
/// action that cannot be checked is left `unknown` for the CM, never resent blindly.
pub async fn crash_mid_send_moderation<P: Platform>() {
    let p = P::start().await;
    for (n, kind) in moderation(&p).into_iter().enumerate() {
        let mut store = Store::new::<P>();
        let item = store.add(p.target(kind, 10 + n as u32));
        let row = store.queue(item, kind);
        crash_mid_send(&p, &mut store, row).await;
        let state = store.row(row).0;
        assert!(
            state == "sent" || state == "unknown",
            "{kind}: the row is {state}"
        );
        assert_eq!(p.copies(kind).await, 1, "{kind}: copies on the platform");
        if state == "unknown" {
            assert_eq!(p.writes(kind).await, 1, "{kind}: unknown but resent");
        }
    }
}

/// The platform refuses each action it offers: the row fails with the platform's reason,
/// at once (no retries).
pub async fn refused_moderation<P: Scripted>() {
    let p = P::start().await;
    let store = Store::new::<P>();
    for (n, kind) in moderation(&p).into_iter().enumerate() {
        let item = store.add(p.target(kind, 20 + n as u32));
        let reason = p.refuse(kind).await;
        let row = store.queue(item, kind);
        store.worker(p.connector()).run_once().await.unwrap();
        let (state, attempts, error) = store.row(row);
        assert_eq!((state.as_str(), attempts), ("failed", 1), "{kind}");
        let error = error.unwrap_or_default();
        assert!(
            error.contains(&reason),
            "{kind}: `{error}` lacks `{reason}`"
        );
        assert_eq!(p.writes(kind).await, 1, "{kind}: retried");
    }
}

/// A refusal is the platform's "no" (not an authentication failure to retry later), and
/// the item is not left hidden or deleted while the platform still shows it.
pub async fn refused_moderation_is_undone<P: Scripted>() {
    let p = P::start().await;
    let store = Store::new::<P>();
    for (n, kind) in moderation(&p).into_iter().enumerate() {
        let item = store.add(p.target(kind, 30 + n as u32));
        let reason = p.refuse(kind).await;
        let target = target_of(&store, item);
        let action = hark::store::outbox::action_of(
            kind,
            &serde_json::json!({"category": "spam", "reason": "kit"}),
        )
        .unwrap();
        match p.connector().moderate(&target, action).await {
            Err(PlatformError::Permanent(e)) if e.contains(&reason) => {}
            other => panic!("{kind}: {other:?}"),
        }
        let before = store.item_state(item);
        store.queue(item, kind);
        store.worker(p.connector()).run_once().await.unwrap();
        assert_eq!(store.item_state(item), before, "{kind}: not undone");
    }
}

fn target_of(store: &Store, item: i64) -> Target {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    hark::store::thread::target_of(&conn, item)
        .unwrap()
        .unwrap()
        .1
}

/// A reply the platform took but answered with an unreadable body is not `failed` (the
/// CM would write it again): it is `unknown`, then resolved without a second copy.
pub async fn unreadable_success<P: Scripted>() {
    let p = P::start().await;
    let store = Store::new::<P>();
    let item = store.add(p.target("reply", 1));
    let row = store.queue(item, "reply");
    p.garble().await;
    store.worker(p.connector()).run_once().await.unwrap();
    let state = store.row(row).0;
    assert!(state == "unknown" || state == "sent", "the row is {state}");
    p.prompt().await;
    store.make_due();
    store.worker(p.connector()).run_once().await.unwrap();
    assert_eq!(p.copies("reply").await, 1, "one reply on the platform");
}

/// Two hark processes send from one outbox at the same time: each row reaches the
/// platform once.
pub async fn two_processes_send_each_row_once<P: Platform>() {
    let p = P::start().await;
    let store = Store::new::<P>();
    let rows: Vec<i64> = (1..=6)
        .map(|n| store.queue(store.add(p.target("reply", n)), "reply"))
        .collect();
    let other = store.second_process();
    let (a, b) = (
        store.worker(p.connector()),
        worker_on(&other, store.account_id, p.connector()),
    );
    tokio::join!(rounds(&a), rounds(&b));
    for row in &rows {
        assert_eq!(store.row(*row).0, "sent", "row {row}");
    }
    assert_eq!(p.writes("reply").await, rows.len(), "requests");
    assert_eq!(p.copies("reply").await, rows.len());
}

/// Rounds until nothing is due.
async fn rounds(worker: &hark::outbox::worker::Worker) {
    for _ in 0..20 {
        match worker.run_once().await {
            Ok(0) => return,
            Ok(_) => {}
            // The other process held the write lock: tried again, as the worker's loop does.
            Err(_) => {}
        }
    }
    panic!("rows still due after 20 rounds");
}

/// A second process starting while the first is mid-send never takes the first's row
/// (a reply, and a report, which has no key, where the platform takes reports): it reaches the platform once, and the
/// first process records it.
pub async fn second_process_leaves_in_flight_rows<P: Platform>() {
    let p = P::start().await;
    // A report where the platform takes reports (never deduplicated anywhere), else its
    // first moderation action (X has no report endpoint).
    let offered = moderation(&p);
    let moderate = if offered.contains(&"report") {
        "report"
    } else {
        offered[0]
    };
    for (n, kind) in ["reply", moderate].into_iter().enumerate() {
        let store = Store::new::<P>();
        let row = store.queue(store.add(p.target(kind, 40 + n as u32)), kind);
        let (slow, taken) = p.slow_connector().await;
        let first = store.worker(slow);
        let sending = tokio::spawn(async move { first.run_once().await.map(|_| ()) });
        taken.notified().await;
        let other = store.second_process();
        let second = worker_on(&other, store.account_id, p.connector());
        second.reconcile().await.unwrap();
        second.run_once().await.unwrap();
        sending.await.unwrap().unwrap();
        p.prompt().await;
        assert_eq!(
            p.writes(kind).await,
            1,
            "{kind}: reached the platform twice"
        );
        assert_eq!(store.row(row).0, "sent", "{kind}");
    }
}
