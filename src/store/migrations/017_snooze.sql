-- Snoozed items (state 'snoozed'): when each comes back as new. The item's own row
-- keeps its state; this only says when to wake it.
CREATE TABLE snoozes (
    item_id    INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    until      INTEGER NOT NULL,
    snoozed_at INTEGER NOT NULL
);
CREATE INDEX snoozes_by_until ON snoozes (until);
