-- Snoozed items (state 'snoozed'): when each comes back as new. The item's own row
-- keeps its state; this only says when to wake it.
CREATE TABLE snoozes (
    item_id    INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    until      INTEGER NOT NULL,
    snoozed_at INTEGER NOT NULL
);
CREATE INDEX snoozes_by_until ON snoozes (until);

-- People: author identities the CM joined across platforms (`:link`). A person is named
-- by the lowest author id of its group; an author with no row is a person of its own.
CREATE TABLE author_links (
    author_id INTEGER PRIMARY KEY REFERENCES authors(id),
    person    INTEGER NOT NULL
);
CREATE INDEX author_links_by_person ON author_links (person);

-- Notes on a person (kept local, never sent).
CREATE TABLE person_notes (
    id         INTEGER PRIMARY KEY,
    person     INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX person_notes_by_person ON person_notes (person, created_at);

-- Marks on each author of a person, so a list row reads them with one lookup: muted and
-- blocked once the platform confirmed it, advocate as the CM set it.
CREATE TABLE author_marks (
    author_id INTEGER PRIMARY KEY REFERENCES authors(id),
    muted     INTEGER NOT NULL DEFAULT 0,
    blocked   INTEGER NOT NULL DEFAULT 0,
    advocate  INTEGER NOT NULL DEFAULT 0
);
