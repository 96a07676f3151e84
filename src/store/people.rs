//! People: the authors the CM knows as one person across platforms (`:link`), their
//! notes, and their marks (muted, blocked, advocate). A person is named by the lowest
//! author id of its group.

use rusqlite::{params, Connection, OptionalExtension};

use super::Result;
use crate::domain::{ItemId, ItemState, UnixTime};

/// A person's marks, as the list and the item show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PersonMarks {
    pub muted: bool,
    pub blocked: bool,
    pub advocate: bool,
}

impl PersonMarks {
    /// The marks in words: "blocked · advocate".
    pub fn words(&self) -> Vec<&'static str> {
        [
            (self.blocked, "blocked"),
            (self.muted, "muted"),
            (self.advocate, "advocate"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, w)| *w)
        .collect()
    }
}

/// One identity of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub author_id: i64,
    pub platform: String,
    pub handle: String,
    pub display_name: String,
}

/// What the author pane shows about a person.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonCard {
    pub person: i64,
    pub identities: Vec<Identity>,
    pub marks: PersonMarks,
    /// Notes, oldest first: (when, text).
    pub notes: Vec<(UnixTime, String)>,
    /// Their items still to handle (new or open).
    pub open_items: u64,
    pub items: u64,
}

/// The person `author` belongs to.
pub fn person_of(conn: &Connection, author: i64) -> Result<i64> {
    Ok(conn
        .query_row(
            "SELECT person FROM author_links WHERE author_id = ?",
            [author],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(author))
}

/// The author ids of `person`.
pub fn authors_of(conn: &Connection, person: i64) -> Result<Vec<i64>> {
    let mut ids: Vec<i64> = conn
        .prepare_cached("SELECT author_id FROM author_links WHERE person = ?")?
        .query_map([person], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if !ids.contains(&person) {
        ids.push(person);
    }
    ids.sort_unstable();
    Ok(ids)
}

/// The authors of `items`.
pub fn authors_of_items(conn: &Connection, items: &[ItemId]) -> Result<Vec<i64>> {
    let mut q = conn.prepare_cached("SELECT author_id FROM items WHERE id = ?")?;
    let mut out = Vec::new();
    for &id in items {
        if let Some(a) = q.query_row([id], |r| r.get::<_, i64>(0)).optional()? {
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    Ok(out)
}

/// Joins the people of `authors` into one; their notes and marks go with them. Returns
/// the person, or `None` when they were one already.
pub fn link(conn: &mut Connection, authors: &[i64]) -> Result<Option<i64>> {
    let tx = conn.transaction()?;
    let mut people: Vec<i64> = authors
        .iter()
        .map(|&a| person_of(&tx, a))
        .collect::<Result<_>>()?;
    people.sort_unstable();
    people.dedup();
    let Some(&into) = people.first() else {
        return Ok(None);
    };
    if people.len() < 2 {
        return Ok(None);
    }
    let mut members = Vec::new();
    for &p in &people {
        members.extend(authors_of(&tx, p)?);
    }
    for &m in &members {
        tx.execute(
            "INSERT INTO author_links (author_id, person) VALUES (?1, ?2)
             ON CONFLICT (author_id) DO UPDATE SET person = ?2",
            params![m, into],
        )?;
    }
    for &p in &people[1..] {
        tx.execute(
            "UPDATE person_notes SET person = ?1 WHERE person = ?2",
            params![into, p],
        )?;
    }
    // One person, one set of marks: what any identity had, all have.
    let marks = marks_of(&tx, &members)?;
    write_marks(&tx, &members, marks)?;
    tx.commit()?;
    Ok(Some(into))
}

fn marks_of(conn: &Connection, authors: &[i64]) -> Result<PersonMarks> {
    let mut q = conn
        .prepare_cached("SELECT muted, blocked, advocate FROM author_marks WHERE author_id = ?")?;
    let mut marks = PersonMarks::default();
    for &a in authors {
        if let Some((m, b, v)) = q
            .query_row([a], |r| {
                Ok((
                    r.get::<_, bool>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })
            .optional()?
        {
            marks.muted |= m;
            marks.blocked |= b;
            marks.advocate |= v;
        }
    }
    Ok(marks)
}

fn write_marks(conn: &Connection, authors: &[i64], marks: PersonMarks) -> Result<()> {
    let mut q = conn.prepare_cached(
        "INSERT INTO author_marks (author_id, muted, blocked, advocate) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (author_id) DO UPDATE SET muted = ?2, blocked = ?3, advocate = ?4",
    )?;
    for &a in authors {
        q.execute(params![a, marks.muted, marks.blocked, marks.advocate])?;
    }
    Ok(())
}

/// Changes the marks of the person `author` belongs to.
pub fn update_marks(
    conn: &Connection,
    author: i64,
    change: impl FnOnce(&mut PersonMarks),
) -> Result<PersonMarks> {
    let members = authors_of(conn, person_of(conn, author)?)?;
    let mut marks = marks_of(conn, &members)?;
    change(&mut marks);
    write_marks(conn, &members, marks)?;
    Ok(marks)
}

/// The platform confirmed a mute or block of the author of `item`: the person is marked.
pub fn on_moderated(conn: &Connection, item: ItemId, kind: &str) -> Result<()> {
    let author: Option<i64> = conn
        .query_row("SELECT author_id FROM items WHERE id = ?", [item], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(author) = author else {
        return Ok(());
    };
    match kind {
        crate::domain::kinds::MUTE => update_marks(conn, author, |m| m.muted = true)?,
        crate::domain::kinds::BLOCK => update_marks(conn, author, |m| m.blocked = true)?,
        _ => return Ok(()),
    };
    Ok(())
}

/// Adds a note on `person`.
pub fn add_note(conn: &Connection, person: i64, body: &str, now: UnixTime) -> Result<()> {
    conn.execute(
        "INSERT INTO person_notes (person, body, created_at) VALUES (?, ?, ?)",
        params![person, body, now],
    )?;
    Ok(())
}

/// The person's items still to handle (new or open), newest first.
pub fn open_items(conn: &Connection, person: i64) -> Result<Vec<ItemId>> {
    let mut ids = Vec::new();
    let mut q = conn.prepare_cached(
        "SELECT id FROM items WHERE author_id = ? AND state IN ('new', 'open') AND kind != 'post'
         ORDER BY created_at DESC",
    )?;
    for author in authors_of(conn, person)? {
        let found: Vec<ItemId> = q
            .query_map([author], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.extend(found);
    }
    Ok(ids)
}

/// Marks the person's open items done, as one batch `u` undoes. Returns how many.
pub fn done_open_items(conn: &mut Connection, person: i64, now: UnixTime) -> Result<usize> {
    let ids = open_items(conn, person)?;
    Ok(super::state::set_state(
        conn,
        &ids,
        ItemState::Done,
        Some(&[ItemState::New, ItemState::Open]),
        super::state::ACTOR_USER,
        now,
    )?
    .len())
}

/// The card the author pane shows.
pub fn card(conn: &Connection, person: i64) -> Result<PersonCard> {
    let authors = authors_of(conn, person)?;
    let mut identities = Vec::new();
    let mut who =
        conn.prepare_cached("SELECT platform, handle, display_name FROM authors WHERE id = ?")?;
    let mut counts = conn.prepare_cached(
        "SELECT count(*), coalesce(sum(state IN ('new', 'open')), 0) FROM items
         WHERE author_id = ? AND kind != 'post'",
    )?;
    let (mut items, mut open_items) = (0u64, 0u64);
    for &a in &authors {
        if let Some((platform, handle, display_name)) = who
            .query_row([a], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?
        {
            identities.push(Identity {
                author_id: a,
                platform,
                handle,
                display_name,
            });
        }
        let (n, open): (i64, i64) = counts.query_row([a], |r| Ok((r.get(0)?, r.get(1)?)))?;
        items += n as u64;
        open_items += open as u64;
    }
    let notes = conn
        .prepare_cached(
            "SELECT created_at, body FROM person_notes WHERE person = ? ORDER BY created_at, id",
        )?
        .query_map([person], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(PersonCard {
        person,
        marks: marks_of(conn, &authors)?,
        identities,
        notes,
        open_items,
        items,
    })
}
