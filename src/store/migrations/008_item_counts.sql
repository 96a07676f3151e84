-- Counts per (account, state, kind, needs_reply), kept in step by triggers, so the sidebar
-- and the list's "n of N" never scan a million items.
CREATE TABLE item_counts (
    account_id  INTEGER NOT NULL,
    state       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    needs_reply INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (account_id, state, kind, needs_reply)
) WITHOUT ROWID;

INSERT INTO item_counts (account_id, state, kind, needs_reply, n)
SELECT account_id, state, kind, needs_reply, count(*) FROM items
GROUP BY account_id, state, kind, needs_reply;

CREATE TRIGGER item_counts_insert AFTER INSERT ON items BEGIN
    INSERT INTO item_counts (account_id, state, kind, needs_reply, n)
    VALUES (new.account_id, new.state, new.kind, new.needs_reply, 1)
    ON CONFLICT (account_id, state, kind, needs_reply) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER item_counts_delete AFTER DELETE ON items BEGIN
    UPDATE item_counts SET n = n - 1
    WHERE account_id = old.account_id AND state = old.state AND kind = old.kind
      AND needs_reply = old.needs_reply;
END;

CREATE TRIGGER item_counts_update AFTER UPDATE OF account_id, state, kind, needs_reply ON items
BEGIN
    UPDATE item_counts SET n = n - 1
    WHERE account_id = old.account_id AND state = old.state AND kind = old.kind
      AND needs_reply = old.needs_reply;
    INSERT INTO item_counts (account_id, state, kind, needs_reply, n)
    VALUES (new.account_id, new.state, new.kind, new.needs_reply, 1)
    ON CONFLICT (account_id, state, kind, needs_reply) DO UPDATE SET n = n + 1;
END;
