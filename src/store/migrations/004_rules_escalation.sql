-- Rules, moderation and the escalation protocol (DESIGN.md F5, F7).

-- Set by a rule's `spam = true` action; the item keeps its state history.
ALTER TABLE items ADD COLUMN spam INTEGER NOT NULL DEFAULT 0;

-- Items an escalation is about beyond its main item (a spike links every item counted).
CREATE TABLE escalation_items (
    escalation_id INTEGER NOT NULL REFERENCES escalations(id) ON DELETE CASCADE,
    item_id       INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    PRIMARY KEY (escalation_id, item_id)
) WITHOUT ROWID;
CREATE INDEX escalation_items_by_item ON escalation_items (item_id);

-- One row per channel an escalation must reach (a command, a webhook). Written in the
-- same transaction as the escalation, so a notification is never lost to a crash; the
-- notifier sends due rows and retries with backoff; `failed` rows stay visible until the
-- CM retries them.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    escalation_id   INTEGER NOT NULL REFERENCES escalations(id),
    -- command | webhook
    channel         TEXT NOT NULL,
    -- the command line or the URL, as configured when the escalation opened
    target          TEXT NOT NULL,
    timeout_secs    INTEGER NOT NULL DEFAULT 10,
    -- the JSON sent (stdin of the command, body of the POST)
    payload         TEXT NOT NULL,
    -- pending | sent | failed
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL DEFAULT 5,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
CREATE INDEX notifications_by_escalation ON notifications (escalation_id);

-- Every try, with the command's exit status or the HTTP status.
CREATE TABLE notification_attempts (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    at              INTEGER NOT NULL,
    ok              INTEGER NOT NULL,
    exit_status     INTEGER,
    http_status     INTEGER,
    error           TEXT
);

-- When each spike rule last fired, for its cooldown across restarts.
CREATE TABLE spike_state (
    rule          TEXT PRIMARY KEY,
    last_fired_at INTEGER NOT NULL
);
