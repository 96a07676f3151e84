-- Conversation around an opened item, fetched from the platform on demand and kept so the
-- thread still shows offline. Context posts are not items: they never enter a view, a
-- count or the report (the brand did not receive them).
CREATE TABLE thread_context (
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id        TEXT NOT NULL,
    parent_external_id TEXT,
    author_handle      TEXT NOT NULL,
    body               TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    -- Written by the brand.
    own                INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, external_id)
) WITHOUT ROWID;
CREATE INDEX thread_context_by_parent ON thread_context (account_id, parent_external_id);

-- When each item's conversation was last fetched, so reopening it soon after reads the
-- store instead of the network.
CREATE TABLE thread_fetches (
    item_id    INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    fetched_at INTEGER NOT NULL
);
