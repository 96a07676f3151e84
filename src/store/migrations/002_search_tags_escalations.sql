-- Full-text search over body and author, tags, notes and escalations.
CREATE VIRTUAL TABLE items_fts USING fts5 (
    body, author,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts (rowid, body, author)
    SELECT new.id, new.body, a.handle || ' ' || a.display_name FROM authors a WHERE a.id = new.author_id;
END;

CREATE TRIGGER items_fts_update AFTER UPDATE OF body ON items BEGIN
    DELETE FROM items_fts WHERE rowid = old.id;
    INSERT INTO items_fts (rowid, body, author)
    SELECT new.id, new.body, a.handle || ' ' || a.display_name FROM authors a WHERE a.id = new.author_id;
END;

CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    DELETE FROM items_fts WHERE rowid = old.id;
END;

-- Items stored before search existed become searchable too.
INSERT INTO items_fts (rowid, body, author)
SELECT i.id, i.body, a.handle || ' ' || a.display_name FROM items i JOIN authors a ON a.id = i.author_id;

CREATE TABLE tags (
    item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    source     TEXT NOT NULL DEFAULT 'user',
    PRIMARY KEY (item_id, tag)
) WITHOUT ROWID;
CREATE INDEX tags_by_tag ON tags (tag, item_id);

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX notes_by_item ON notes (item_id);

CREATE TABLE escalations (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER REFERENCES items(id),
    severity    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    source      TEXT NOT NULL,
    opened_at   INTEGER NOT NULL,
    resolved_at INTEGER,
    outcome     TEXT
);
CREATE INDEX escalations_open ON escalations (resolved_at, item_id);
CREATE INDEX escalations_by_item ON escalations (item_id);
