-- Indexes and counts that keep the UI's reads proportional to the screen on a large cache.

-- New and open items newest first (Inbox, Needs reply, a platform's inbox): without it
-- every page of those views sorted all of them. Partial, so it stays small: most of a
-- year of items are done.
CREATE INDEX items_open_by_time ON items (created_at, id) WHERE state IN ('new', 'open');

-- Items per tag, kept in step by triggers, so the sidebar's tag views and the tag prompt's
-- "tags in use" never count the tags table or look up every tagged item.
CREATE TABLE tag_counts (
    tag TEXT PRIMARY KEY,
    n   INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO tag_counts (tag, n) SELECT tag, count(*) FROM tags GROUP BY tag;

CREATE TRIGGER tag_counts_insert AFTER INSERT ON tags BEGIN
    INSERT INTO tag_counts (tag, n) VALUES (new.tag, 1)
    ON CONFLICT (tag) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tag_counts_delete AFTER DELETE ON tags BEGIN
    UPDATE tag_counts SET n = n - 1 WHERE tag = old.tag;
    DELETE FROM tag_counts WHERE tag = old.tag AND n <= 0;
END;

CREATE TRIGGER tag_counts_update AFTER UPDATE OF tag ON tags BEGIN
    UPDATE tag_counts SET n = n - 1 WHERE tag = old.tag;
    DELETE FROM tag_counts WHERE tag = old.tag AND n <= 0;
    INSERT INTO tag_counts (tag, n) VALUES (new.tag, 1)
    ON CONFLICT (tag) DO UPDATE SET n = n + 1;
END;

-- The weekly report's unanswered backlog reads five weeks of items that need a reply;
-- this covers that query (time, first answer, account), so it never reads the items.
CREATE INDEX items_awaiting_reply ON items (created_at, first_response_at, account_id)
    WHERE needs_reply = 1 AND kind != 'post';
