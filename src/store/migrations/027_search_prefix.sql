-- Search answers while the CM types: `/co` is a prefix query, and without a prefix index
-- FTS5 merged the postings of every word starting so (coffee, cold, could, ...) for each
-- page and count. With `prefix = '2 3'` it also keeps postings for the first two and three
-- letters of each word, so a short prefix is one read. The cost is a larger index (the
-- README's performance section gives the cache size before and after). Rebuilt from the
-- items as in 018; the triggers of 002 keep it up to date by name.
DROP TABLE items_fts;

CREATE VIRTUAL TABLE items_fts USING fts5 (
    body, author,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);

INSERT INTO items_fts (rowid, body, author)
SELECT i.id, i.body, a.handle || ' ' || a.display_name FROM items i JOIN authors a ON a.id = i.author_id;
