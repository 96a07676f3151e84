//! Which tables of the cache the team shares, and how a row is named across the team.
//!
//! This list is the whole of what a write needs to sync: a command that writes through
//! the writer into a table listed here reaches every CM's cache, field by field, with no
//! code of its own. A table that is not listed stays on this machine.

use serde_json::{Map, Value};

use super::events::EventKind;

/// One shared table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    pub table: &'static str,
    /// The columns that name a row across the team (references as the referenced row's
    /// team name). Empty: no column does (an incident, a note), and the row is named by
    /// the machine that made it and its id there.
    pub identity: &'static [&'static str],
    /// Columns holding the id of a row of another shared table: (column, table).
    pub refs: &'static [(&'static str, &'static str)],
    /// Columns that stay on this machine (besides `id`, which always does).
    pub local: &'static [&'static str],
    /// The column holding the item the row is about (`id` for items): a DM's rows stay
    /// local with `share_dms = false`, and a conflict is shown on that item.
    pub item: Option<&'static str>,
    /// Columns only the machine holding the account's poll lease may send (a cursor).
    pub poller_only: &'static [&'static str],
    /// Local columns set on a row whenever the team changes it: (column, value).
    pub from_team: &'static [(&'static str, &'static str)],
    /// Rows that stay on this machine though their table is shared: (column, values).
    pub local_rows: &'static [(&'static str, &'static [&'static str])],
}

const fn table(name: &'static str) -> Synced {
    Synced {
        table: name,
        identity: &[],
        refs: &[],
        local: &[],
        item: None,
        poller_only: &[],
        from_team: &[],
        local_rows: &[],
    }
}

/// The shared tables, each after every table it refers to (applying in this order never
/// meets a reference to a row not there yet).
pub const SYNCED: &[Synced] = &[
    Synced {
        identity: &["name"],
        // Poll bookkeeping and what only the polling machine saw stay here.
        local: &[
            "last_poll_at",
            "last_ok_at",
            "last_error",
            "older_than_lookback",
        ],
        poller_only: &["cursor"],
        ..table("accounts")
    },
    Synced {
        identity: &["platform", "external_id"],
        ..table("authors")
    },
    Synced {
        identity: &["account_id", "external_id"],
        refs: &[("account_id", "accounts"), ("author_id", "authors")],
        // The platform's raw record is large and only the poller's parser reads it.
        local: &["raw_json"],
        item: Some("id"),
        ..table("items")
    },
    // Each item's history: who changed its state, moderated, assigned it, on any machine.
    Synced {
        refs: &[("item_id", "items")],
        // The undo group: `u` takes back a batch of this machine's only.
        local: &["batch"],
        // An undo's record names one of this machine's batches (another machine's batch
        // of that number is not undone); a conflict is recorded by every machine from
        // the team's change itself (see `team_sync::record_conflicts`).
        local_rows: &[("kind", &[EventKind::Undo.as_str(), "team_conflict"])],
        item: Some("item_id"),
        ..table("events")
    },
    Synced {
        identity: &["item_id", "tag"],
        refs: &[("item_id", "items")],
        item: Some("item_id"),
        ..table("tags")
    },
    Synced {
        refs: &[("item_id", "items")],
        item: Some("item_id"),
        ..table("notes")
    },
    Synced {
        identity: &["item_id"],
        refs: &[("item_id", "items")],
        item: Some("item_id"),
        ..table("snoozes")
    },
    Synced {
        identity: &["author_id"],
        refs: &[("author_id", "authors")],
        ..table("author_marks")
    },
    Synced {
        refs: &[("merged_into", "incidents")],
        // Which notices went out is the notifying machine's business.
        local: &["notified_at", "notices"],
        ..table("incidents")
    },
    Synced {
        identity: &["incident_id", "item_id"],
        refs: &[("incident_id", "incidents"), ("item_id", "items")],
        local: &["notice"],
        item: Some("item_id"),
        ..table("incident_items")
    },
    Synced {
        identity: &["incident_id", "step"],
        refs: &[("incident_id", "incidents")],
        ..table("incident_steps")
    },
    Synced {
        refs: &[("item_id", "items"), ("incident_id", "incidents")],
        item: Some("item_id"),
        ..table("escalations")
    },
    Synced {
        identity: &["escalation_id", "item_id"],
        refs: &[("escalation_id", "escalations"), ("item_id", "items")],
        item: Some("item_id"),
        ..table("escalation_items")
    },
    Synced {
        identity: &["idempotency_key"],
        refs: &[("item_id", "items"), ("account_id", "accounts")],
        // Which process of this machine holds the row right now.
        local: &["lease_owner", "lease_expires_at"],
        // A row the team changed is held by the team: the machine holding its lease
        // there sends it, and this machine's worker never takes a `sending` row it did
        // not start for one whose process died.
        from_team: &[
            ("lease_owner", super::lease::TEAM_OWNER),
            ("lease_expires_at", "9223372036854775807"),
        ],
        item: Some("item_id"),
        ..table("outbox")
    },
    // Team mode's own facts: who is away (round-robin skips them everywhere) and the
    // destructive actions waiting for a moderator on any machine.
    Synced {
        identity: &["name"],
        ..table("team_away")
    },
    Synced {
        refs: &[("item_id", "items"), ("outbox_id", "outbox")],
        item: Some("item_id"),
        ..table("approvals")
    },
];

/// The shared table called `name`.
pub fn synced(name: &str) -> Option<&'static Synced> {
    SYNCED.iter().find(|s| s.table == name)
}

impl Synced {
    /// The table `column` refers to, if it is a reference.
    pub fn ref_table(&self, column: &str) -> Option<&'static str> {
        self.refs
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, t)| *t)
    }

    /// True for a row (column -> value) that never leaves this machine.
    pub fn keeps_local(&self, row: &Map<String, Value>) -> bool {
        self.local_rows.iter().any(|(column, values)| {
            row.get(*column)
                .and_then(Value::as_str)
                .is_some_and(|v| values.contains(&v))
        })
    }

    /// True for columns that never leave this machine.
    pub fn is_local(&self, column: &str) -> bool {
        column == "id" || self.local.contains(&column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_points_at_a_table_listed_before_it() {
        for (at, spec) in SYNCED.iter().enumerate() {
            for (_, target) in spec.refs {
                let found = SYNCED.iter().position(|s| s.table == *target);
                assert!(
                    found.is_some_and(|t| t < at || *target == spec.table),
                    "{}: {target}",
                    spec.table
                );
            }
        }
    }

    #[test]
    fn an_undo_record_and_a_conflict_stay_on_this_machine_the_rest_of_the_history_goes() {
        let events = synced("events").unwrap();
        let row = |kind: &str| {
            let mut row = Map::new();
            row.insert("kind".into(), Value::from(kind));
            row.insert("actor".into(), Value::from("user"));
            row
        };
        assert!(events.keeps_local(&row("undo")));
        assert!(events.keeps_local(&row("team_conflict")));
        for kind in ["state", "assign", "moderation", "tag", "note"] {
            assert!(!events.keeps_local(&row(kind)), "{kind}");
        }
        assert!(events.is_local("batch"));
        assert!(!events.is_local("cm") && !events.is_local("actor"));
        assert!(!synced("notes").unwrap().keeps_local(&row("undo")));
    }
}
