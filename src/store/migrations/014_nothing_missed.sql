-- Nothing missed (issue 14). An item the platform's own filter held back (a Mastodon
-- notification request) keeps the request's id until the CM accepts or dismisses it.
ALTER TABLE items ADD COLUMN filtered_request TEXT;

-- Notifications that arrived already older than a connector's look-back window.
ALTER TABLE accounts ADD COLUMN older_than_lookback INTEGER NOT NULL DEFAULT 0;

-- Platform records hark could not read, kept whole with the reason, so one bad record
-- is visible instead of blocking or silently dropping the page around it.
CREATE TABLE unreadable (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    source        TEXT NOT NULL,
    record_key    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    raw           TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    UNIQUE (account_id, source, record_key)
);
