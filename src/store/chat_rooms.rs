//! Rooms of chat accounts: the label the list shows beside a chat item and the account's
//! power levels there (see migration 020_chat_rooms). Written in the ingest's transaction; a row is
//! rewritten only when what it holds changed, so a sync that repeats a room is no change
//! for the panes.

use rusqlite::{params, Connection};

use super::Result;
use crate::domain::{AccountId, ChatRoom, PowerLevels, UnixTime};

/// The room of a list row, as the list and the moderation menu show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomMarks {
    pub label: String,
    /// The account's levels against the item's author; `None` until the room's levels
    /// were read.
    pub power: Option<PowerLevels>,
}

/// Records what a fetch learned of `rooms`.
pub fn record(
    conn: &Connection,
    account_id: AccountId,
    rooms: &[ChatRoom],
    now: UnixTime,
) -> Result<()> {
    for room in rooms {
        let p = room.power.as_ref();
        let users = p.map(|p| serde_json::to_string(&p.users).unwrap_or_default());
        conn.execute(
            "INSERT INTO chat_rooms (account_id, room_id, label, my_level, redact_level,
                 kick_level, ban_level, users_default, users, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (account_id, room_id) DO UPDATE SET
                 label = excluded.label,
                 my_level = coalesce(excluded.my_level, my_level),
                 redact_level = coalesce(excluded.redact_level, redact_level),
                 kick_level = coalesce(excluded.kick_level, kick_level),
                 ban_level = coalesce(excluded.ban_level, ban_level),
                 users_default = coalesce(excluded.users_default, users_default),
                 users = coalesce(excluded.users, users),
                 updated_at = excluded.updated_at
             WHERE label IS NOT excluded.label
                OR (excluded.my_level IS NOT NULL AND (
                    my_level IS NOT excluded.my_level
                    OR redact_level IS NOT excluded.redact_level
                    OR kick_level IS NOT excluded.kick_level
                    OR ban_level IS NOT excluded.ban_level
                    OR users_default IS NOT excluded.users_default
                    OR users IS NOT excluded.users))",
            params![
                account_id,
                room.id,
                room.label,
                p.map(|p| p.mine),
                p.map(|p| p.redact),
                p.map(|p| p.kick),
                p.map(|p| p.ban),
                p.map(|p| p.users_default),
                users,
                now
            ],
        )?;
    }
    Ok(())
}

/// Reads the list row's room column (`read::ROW_COLUMNS`): for an item of an account with
/// rooms, `[label, mine, theirs, ban, kick, redact]` of the room stored with it.
pub fn marks_of(column: Option<&str>) -> Option<RoomMarks> {
    let v: serde_json::Value = serde_json::from_str(column?).ok()?;
    let label = v[0].as_str()?.to_string();
    let level = |n: usize| v[n].as_i64();
    let power = match (level(1), level(2), level(3), level(4), level(5)) {
        (Some(mine), Some(theirs), Some(ban), Some(kick), Some(redact)) => Some(PowerLevels {
            mine,
            theirs,
            ban,
            kick,
            redact,
        }),
        _ => None,
    };
    Some(RoomMarks { label, power })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ItemKind, NewAuthor, NewItem, RoomPower};
    use crate::store::read::{Direction, ListQuery, Reader};
    use crate::store::View;

    fn message(id: &str, author: &str, room: Option<&str>) -> crate::store::ingest::Incoming {
        NewItem {
            external_id: id.into(),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: author.into(),
                handle: author.into(),
                display_name: String::new(),
                followers: None,
            },
            body: "brand: help".into(),
            url: None,
            created_at: 100,
            // The raw record names a room too: the list must go by the stored room alone.
            raw_json: Some(serde_json::json!({ "room_id": "!help:ex.org" }).to_string()),
            room: room.map(str::to_string),
        }
        .into()
    }

    fn help(mine: i64) -> ChatRoom {
        ChatRoom {
            id: "!help:ex.org".into(),
            label: "#help:ex.org".into(),
            power: Some(RoomPower {
                mine,
                redact: 50,
                kick: 50,
                ban: 60,
                users_default: 0,
                users: [("@mod:ex.org".to_string(), 50)].into_iter().collect(),
            }),
        }
    }

    #[test]
    fn a_chat_rows_room_and_the_accounts_power_over_its_author_follow_the_latest_levels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let mut conn = crate::store::open_rw(&path).unwrap();
        let account = crate::store::ingest::ensure_account(&conn, "m", "matrix", "@b").unwrap();
        let items = [
            message("$fan", "@fan:ex.org", Some("!help:ex.org")),
            message("$mod", "@mod:ex.org", Some("!help:ex.org")),
            message("$elsewhere", "@fan:ex.org", Some("!other:ex.org")),
            message("$roomless", "@fan:ex.org", None),
        ];
        crate::store::ingest::ingest(&mut conn, account, &items, None, 1).unwrap();
        let reader = Reader::open(&path).unwrap();
        let rooms = || -> Vec<(String, Option<RoomMarks>)> {
            let mut rows = reader
                .page(&ListQuery::view(View::All), None, Direction::Older, 10)
                .unwrap();
            // A page is stored oldest first: the list's ids run backwards.
            rows.sort_by_key(|r| std::cmp::Reverse(r.id));
            rows.into_iter().map(|r| (r.author, r.marks.room)).collect()
        };
        assert!(rooms().iter().all(|(_, r)| r.is_none()), "no rooms yet");

        record(&conn, account, &[help(0)], 2).unwrap();
        let seen = rooms();
        let fan = seen[0].1.clone().unwrap();
        assert_eq!(fan.label, "#help:ex.org");
        assert_eq!(
            fan.power,
            Some(PowerLevels {
                mine: 0,
                theirs: 0,
                ban: 60,
                kick: 50,
                redact: 50
            })
        );
        assert_eq!(seen[1].1.clone().unwrap().power.unwrap().theirs, 50);
        assert_eq!(seen[2].1, None, "a room not recorded");
        assert_eq!(
            seen[3].1, None,
            "no stored room: the raw record is not read"
        );

        // The same room again changes nothing; new levels replace the old; a room seen
        // without its levels keeps the known ones.
        let changes = || conn.total_changes();
        let before = changes();
        record(&conn, account, &[help(0)], 3).unwrap();
        assert_eq!(changes(), before, "unchanged: not rewritten");
        record(&conn, account, &[help(70)], 4).unwrap();
        let unknown = ChatRoom {
            power: None,
            ..help(0)
        };
        record(&conn, account, &[unknown], 5).unwrap();
        assert_eq!(rooms()[0].1.clone().unwrap().power.unwrap().mine, 70);
    }
}
