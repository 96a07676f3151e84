//! Typed change notices: what a write changed, so each reader re-reads only what it shows.
//!
//! The writer learns what a job changed from SQLite itself (the update hook names every
//! table a row was inserted into, updated in or deleted from), so no write can forget to
//! say it, and a write that matched no row says nothing. A read says nothing either.

use std::cell::Cell;
use std::sync::{Arc, Mutex};

use rusqlite::hooks::Action;
use rusqlite::Connection;

/// One kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Item rows (state, mood, body, author, filtered...): the list and the open item.
    Items,
    /// What the views count (items added, removed, moved between states).
    Counts,
    /// Tags on items.
    Tags,
    /// Internal notes on items.
    Notes,
    /// Outbox rows: replies and moderation actions on their way.
    Outbox,
    /// Drafts of replies.
    Drafts,
    /// Escalations and their notifications.
    Escalations,
    /// Conversations fetched for opened items.
    Threads,
    /// Accounts as the UI shows them: which platforms, records older than the look-back.
    Accounts,
    /// Poll bookkeeping only (cursor, last poll, last error): nothing any pane lists; the
    /// status bar hears about polls from the pollers themselves.
    Polled,
    /// Records set aside as unreadable.
    Aside,
}

impl Change {
    const ALL: [Change; 11] = [
        Change::Items,
        Change::Counts,
        Change::Tags,
        Change::Notes,
        Change::Outbox,
        Change::Drafts,
        Change::Escalations,
        Change::Threads,
        Change::Accounts,
        Change::Polled,
        Change::Aside,
    ];

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A set of [`Change`]s: what one write (or a burst of them) changed.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes(u16);

impl Changes {
    pub const NONE: Changes = Changes(0);
    /// Everything: when notices were lost (a slow listener) or a table is unknown.
    pub const ALL: Changes = Changes((1 << Change::ALL.len()) - 1);

    pub fn of(changes: &[Change]) -> Changes {
        changes.iter().fold(Changes::NONE, |set, c| set.with(*c))
    }

    pub fn with(self, change: Change) -> Changes {
        Changes(self.0 | change.bit())
    }

    pub fn union(self, other: Changes) -> Changes {
        Changes(self.0 | other.0)
    }

    pub fn contains(self, change: Change) -> bool {
        self.0 & change.bit() != 0
    }

    /// True when any of `changes` is in the set.
    pub fn any(self, changes: &[Change]) -> bool {
        changes.iter().any(|c| self.contains(*c))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Change> {
        Change::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// What a row change in `table` means. A table this list does not know counts as
/// everything, so a new table is over-announced until it is placed here, never missed.
/// Tables WITHOUT ROWID never reach the hook: tags (its writers [`note`] it),
/// tag_counts and item_counts (triggers of tags and items), escalation_items and
/// thread_context (written with escalations and thread_fetches); they are listed for the
/// day one becomes a rowid table.
fn of_table(table: &str, action: Action) -> Changes {
    use Change::*;
    match table {
        "items" => Changes::of(&[Items, Counts]),
        // The list and the item pane show the author; no view counts by author.
        "authors" => Changes::of(&[Items]),
        "tags" | "tag_counts" => Changes::of(&[Tags, Counts]),
        "notes" | "person_notes" => Changes::of(&[Notes]),
        // People's marks show on list rows; links change who an author view lists.
        "author_links" | "author_marks" => Changes::of(&[Items]),
        // When a snoozed item wakes: the item pane shows it.
        "snoozes" => Changes::of(&[Items]),
        // The team link: the status bar counts the replies waiting for it with the outbox.
        "outbox" | "team_link" => Changes::of(&[Outbox]),
        // Team mode: held actions list in the Approvals view; who is who changes Mine.
        "approvals" => Changes::of(&[Items, Counts]),
        "team_self" | "team_members" | "team_away" => Changes::of(&[Counts]),
        "drafts" => Changes::of(&[Drafts]),
        // An escalation marks its items (the flag column, the Escalated view's count).
        "escalations" | "escalation_items" => Changes::of(&[Escalations, Items, Counts]),
        "notifications" | "notification_attempts" => Changes::of(&[Escalations]),
        "thread_context" | "thread_fetches" => Changes::of(&[Threads]),
        "unreadable" => Changes::of(&[Aside]),
        // A chat item's row shows its room, and the menu the account's power there.
        "chat_rooms" => Changes::of(&[Items]),
        // An update may be bookkeeping only; the writer tells (see `accounts_shown`).
        "accounts" if action == Action::SQLITE_UPDATE => Changes::of(&[Polled]),
        "accounts" => Changes::of(&[Accounts]),
        // The audit log, the search index (it follows items) and the spike rule's memory
        // are shown by no pane.
        "events" | "spike_state" => Changes::NONE,
        // Team mode's bookkeeping: what to send, names, how far it followed.
        "team_pending" | "team_keys" | "team_follow" | "team_join" => Changes::NONE,
        t if t.starts_with("items_fts") || t.starts_with("sqlite_") => Changes::NONE,
        _ => Changes::ALL,
    }
}

/// What of the accounts table a pane shows: the platforms, and the records older than the
/// look-back. An update that leaves this as it was is poll bookkeeping.
fn accounts_shown(conn: &Connection) -> Option<(String, i64)> {
    conn.query_row(
        "SELECT coalesce(group_concat(DISTINCT platform), ''), total(older_than_lookback)
         FROM accounts",
        [],
        |r| Ok((r.get(0)?, r.get::<_, f64>(1)? as i64)),
    )
    .ok()
}

thread_local! {
    /// Changes a write said itself, on the thread that runs it.
    static NOTED: Cell<Changes> = const { Cell::new(Changes::NONE) };
}

/// Says a write changed `changes` where the update hook cannot see it: SQLite does not
/// report rows of a table WITHOUT ROWID (tags is one; the others are written together
/// with a table it does report). On the writer's thread the notice carries it; elsewhere
/// (a CLI connection) nobody listens and it costs nothing.
pub fn note(changes: Changes) {
    NOTED.with(|noted| noted.set(noted.get().union(changes)));
}

/// What the hook saw during one job.
#[derive(Default)]
struct Seen {
    changes: Changes,
    /// A row changed in any table the hook reports, shown or not.
    any: bool,
}

/// Watches one connection's writes (the writer's) and says what each job changed.
pub struct Recorder {
    seen: Arc<Mutex<Seen>>,
    accounts: Option<(String, i64)>,
    total: u64,
}

impl Recorder {
    /// Installs the hook on `conn`.
    pub fn install(conn: &Connection) -> Recorder {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let hook = seen.clone();
        conn.update_hook(Some(
            move |action: Action, _db: &str, table: &str, _row: i64| {
                let mut seen = hook.lock().unwrap_or_else(|e| e.into_inner());
                seen.changes = seen.changes.union(of_table(table, action));
                seen.any = true;
            },
        ));
        NOTED.with(|noted| noted.set(Changes::NONE));
        Recorder {
            seen,
            accounts: accounts_shown(conn),
            total: conn.total_changes(),
        }
    }

    /// What changed since the last call. A rolled-back write still counts: announcing a
    /// change that did not stick costs a re-read, missing one shows stale data.
    pub fn take(&mut self, conn: &Connection) -> Changes {
        let hooked = {
            let mut guard = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut *guard)
        };
        let noted = NOTED.with(|noted| noted.replace(Changes::NONE));
        let mut seen = hooked.changes.union(noted);
        let total = conn.total_changes();
        if total != self.total && !hooked.any && noted.is_empty() {
            // Rows changed that neither the hook nor the write reported: a table WITHOUT
            // ROWID written alone, unnoted. Everything, rather than a stale pane.
            seen = Changes::ALL;
        }
        self.total = total;
        if seen.any(&[Change::Polled, Change::Accounts]) {
            let shown = accounts_shown(conn);
            if shown != self.accounts {
                self.accounts = shown;
                seen = seen.with(Change::Accounts);
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_lists_its_changes_and_all_holds_every_kind() {
        let set = Changes::of(&[Change::Tags, Change::Outbox]);
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [Change::Tags, Change::Outbox]
        );
        assert!(set.any(&[Change::Items, Change::Outbox]));
        assert!(!set.contains(Change::Items));
        assert_eq!(Changes::ALL.iter().count(), Change::ALL.len());
    }

    #[test]
    fn an_unknown_table_is_everything_and_the_audit_log_nothing() {
        assert_eq!(of_table("brand_new", Action::SQLITE_INSERT), Changes::ALL);
        assert!(of_table("events", Action::SQLITE_INSERT).is_empty());
        assert!(of_table("items_fts_data", Action::SQLITE_INSERT).is_empty());
    }

    /// What one job on a real writer announced.
    fn announced<T: Send + 'static>(
        writer: &crate::store::WriterHandle,
        f: impl FnOnce(&mut Connection) -> crate::store::Result<T> + Send + 'static,
    ) -> Changes {
        writer.call_blocking_noting(f).unwrap().1
    }

    #[test]
    fn reads_and_empty_writes_announce_nothing_and_bookkeeping_is_polled() {
        use crate::store::ingest;
        let dir = tempfile::tempdir().unwrap();
        let writer = crate::store::Writer::spawn(&dir.path().join("hark.db")).unwrap();
        let w = writer.handle();
        let account = w
            .call_blocking(|c| ingest::ensure_account(c, "a", "chirp", "@b"))
            .unwrap();
        let mut notices = w.subscribe();
        // A read, and a write that matches no row.
        assert!(announced(&w, move |c| ingest::cursor(c, account)).is_empty());
        assert!(announced(&w, |c| Ok(
            c.execute("DELETE FROM drafts WHERE item_id = -1", [])?
        ))
        .is_empty());
        // A poll round's bookkeeping: only Polled, which no pane lists.
        let polled = announced(&w, move |c| ingest::record_poll(c, account, 5, None));
        assert_eq!(polled, Changes::of(&[Change::Polled]));
        // Records older than the look-back are shown: that update is Accounts too.
        let older = announced(&w, move |c| {
            Ok(c.execute(
                "UPDATE accounts SET older_than_lookback = 3 WHERE id = ?",
                [account],
            )?)
        });
        assert!(older.contains(Change::Accounts), "{older:?}");
        // Subscribers heard the two writes that changed something, in order.
        assert_eq!(notices.drain(), polled.union(older));
    }

    #[test]
    fn a_tag_is_announced_though_its_table_has_no_rowid() {
        let dir = tempfile::tempdir().unwrap();
        let writer = crate::store::Writer::spawn(&dir.path().join("hark.db")).unwrap();
        let w = writer.handle();
        let item = w
            .call_blocking(|c| {
                let account = crate::store::ingest::ensure_account(c, "a", "chirp", "@b")?;
                let new = crate::domain::NewItem {
                    external_id: "1".into(),
                    kind: crate::domain::ItemKind::Mention,
                    parent_external_id: None,
                    thread_external_id: None,
                    author: crate::domain::NewAuthor {
                        external_id: "u".into(),
                        handle: "@u".into(),
                        display_name: "U".into(),
                        followers: None,
                    },
                    body: "hi".into(),
                    url: None,
                    created_at: 1,
                    raw_json: None,
                    room: None,
                };
                let incoming = crate::store::ingest::Incoming::from(new);
                Ok(crate::store::ingest::ingest(c, account, &[incoming], None, 1)?.inserted[0])
            })
            .unwrap();
        let tagged = announced(&w, move |c| {
            crate::store::moderation::set_tag(c, &[item], "bug", false, "user", 2)
        });
        assert!(tagged.contains(Change::Tags), "{tagged:?}");
        assert!(
            !tagged.contains(Change::Items),
            "a tag is not an item change: {tagged:?}"
        );
    }
}
