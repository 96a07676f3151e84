-- Search stems English words ("refunds" finds "refund", "crashing" finds "crash") on top
-- of folding accents ("cafe" finds "café"). The index is rebuilt from the items it is
-- made of, so nothing is lost; the triggers of 002 keep it up to date by name.
DROP TABLE items_fts;

CREATE VIRTUAL TABLE items_fts USING fts5 (
    body, author,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO items_fts (rowid, body, author)
SELECT i.id, i.body, a.handle || ' ' || a.display_name FROM items i JOIN authors a ON a.id = i.author_id;

-- The order the CM chose for each view (`s`), kept across restarts.
CREATE TABLE IF NOT EXISTS view_sort (
    view TEXT PRIMARY KEY,
    sort TEXT NOT NULL
) WITHOUT ROWID;
