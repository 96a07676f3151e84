-- The durable outbox (DESIGN.md F4): a reply or moderation action is a row here before
-- anything is sent. Drafts keep what the CM typed across restarts.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES items(id),
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    -- reply | hide | unhide | delete | block | mute | report | approve
    kind            TEXT NOT NULL,
    -- JSON: the reply text, a report's reason, ...
    payload         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    -- queued | sending | sent | failed | cancelled
    state           TEXT NOT NULL DEFAULT 'queued',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    remote_id       TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_by_item ON outbox (item_id);

CREATE TABLE drafts (
    item_id    INTEGER PRIMARY KEY REFERENCES items(id),
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- When the brand first answered the item: the report's response times start here.
ALTER TABLE items ADD COLUMN first_response_at INTEGER;
