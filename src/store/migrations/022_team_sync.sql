-- Team mode (`[team]`): what this cache still has to send to the team's PostgreSQL, how
-- its rows are named across the team, and how far it has followed the team's changes.
-- Without `[team]` these tables stay empty: the triggers that fill team_pending exist
-- only on the connection of a hark running in team mode.

-- Row changes not yet in the team database, in the order they were committed here.
-- old/new are JSON objects of the row's columns (NULL old: inserted; NULL new: deleted).
CREATE TABLE team_pending (
    id  INTEGER PRIMARY KEY,
    tbl TEXT NOT NULL,
    old TEXT,
    new TEXT
);

-- A local row id and the row's name in the team (an item's account and external id; a
-- row only one machine could name, like an incident, its first machine and id there).
CREATE TABLE team_keys (
    tbl      TEXT NOT NULL,
    local_id INTEGER NOT NULL,
    key      TEXT NOT NULL,
    PRIMARY KEY (tbl, local_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX team_keys_by_key ON team_keys (tbl, key);

-- The last team change this cache has applied (the sequence it follows).
CREATE TABLE team_follow (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);
