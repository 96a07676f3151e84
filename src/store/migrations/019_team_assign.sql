-- Team mode: who handles each item, who is away, which CM did each action, and the
-- destructive moderation that waits for a moderator. Without [team] these stay empty.

-- The CM an item is assigned to (a name of [team]); NULL: no one.
ALTER TABLE items ADD COLUMN assignee TEXT;
CREATE INDEX items_by_assignee ON items (assignee, created_at, id) WHERE assignee IS NOT NULL;
-- (The Unassigned view walks items_open_by_time, like Needs reply: an index of its own
-- would cost every ingest, team mode or not.)

-- This machine's CM, written at start-up from [team] (no row: team mode is off). Local
-- to the machine, never shared with the team.
CREATE TABLE team_self (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    name        TEXT NOT NULL,
    auto_assign TEXT
);

-- The team's CMs as [team] lists them (position: round-robin order), and who moderates.
CREATE TABLE team_members (
    name      TEXT PRIMARY KEY,
    position  INTEGER NOT NULL,
    moderator INTEGER NOT NULL DEFAULT 0
);

-- CMs who said `:away` (shared with the team): round-robin skips them.
CREATE TABLE team_away (
    name  TEXT PRIMARY KEY,
    since INTEGER NOT NULL
);

-- Who did it: the CM's name on the events and outbox rows a CM made in team mode.
ALTER TABLE events ADD COLUMN cm TEXT;
ALTER TABLE outbox ADD COLUMN cm TEXT;
-- The moderator who let a held action go.
ALTER TABLE outbox ADD COLUMN approved_by TEXT;
CREATE INDEX events_by_cm ON events (cm, at) WHERE cm IS NOT NULL;

-- Destructive moderation (delete, block, report) asked for by a CM who is not a
-- moderator: it waits here, with no outbox row, so nothing can send it before a
-- moderator approves; approving writes the outbox row.
CREATE TABLE approvals (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by   TEXT,
    decided_at   INTEGER,
    outbox_id    INTEGER REFERENCES outbox(id)
);
CREATE INDEX approvals_pending ON approvals (item_id) WHERE state = 'pending';
