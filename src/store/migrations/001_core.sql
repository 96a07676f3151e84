-- Accounts, authors, items and the event log: what a poller writes and the inbox reads.
CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    platform     TEXT NOT NULL,
    handle       TEXT NOT NULL DEFAULT '',
    cursor       TEXT,
    last_poll_at INTEGER,
    last_ok_at   INTEGER,
    last_error   TEXT
);

CREATE TABLE authors (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    handle        TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    followers     INTEGER,
    first_seen_at INTEGER NOT NULL,
    UNIQUE (platform, external_id)
);

CREATE TABLE items (
    id                   INTEGER PRIMARY KEY,
    account_id           INTEGER NOT NULL REFERENCES accounts(id),
    external_id          TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    parent_external_id   TEXT,
    thread_external_id   TEXT,
    author_id            INTEGER NOT NULL REFERENCES authors(id),
    body                 TEXT NOT NULL,
    url                  TEXT,
    created_at           INTEGER NOT NULL,
    fetched_at           INTEGER NOT NULL,
    edited_at            INTEGER,
    state                TEXT NOT NULL DEFAULT 'new',
    needs_reply          INTEGER NOT NULL DEFAULT 0,
    sentiment_auto       REAL,
    sentiment_label_auto TEXT,
    sentiment_manual     TEXT,
    raw_json             TEXT,
    UNIQUE (account_id, external_id)
);

-- The list is read newest first within a state (Inbox, Done) or over everything (All).
CREATE INDEX items_by_state ON items (state, created_at, id);
CREATE INDEX items_by_time ON items (created_at, id);
CREATE INDEX items_by_account ON items (account_id, created_at, id);
CREATE INDEX items_by_thread ON items (account_id, thread_external_id);
CREATE INDEX items_by_parent ON items (account_id, parent_external_id);
CREATE INDEX items_by_author ON items (author_id, created_at);

-- Append-only: every state change, with who made it; the report and undo read it.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER REFERENCES items(id),
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    batch      INTEGER,
    from_state TEXT,
    to_state   TEXT,
    detail     TEXT
);
CREATE INDEX events_by_item ON events (item_id, at);
CREATE INDEX events_by_kind ON events (kind, at);
