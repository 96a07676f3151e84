-- Team mode: how far this cache's first upload to the team has gone. A cache joining a
-- team sends the rows it already holds in bounded chunks (one writer job and one
-- PostgreSQL transaction each), so the UI's writes never wait for the whole cache; the
-- position survives a crash or a cut, and the team database keeps the last chunk's
-- ledger under join_id, so a chunk it committed is never sent again.
CREATE TABLE team_join (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    join_id    TEXT NOT NULL,
    -- Chunks committed to the team so far (the team's ledger says the same or one more).
    batch      INTEGER NOT NULL DEFAULT 0,
    -- The shared table being uploaded; NULL once every table is.
    seed_table TEXT,
    -- The key of the last row of seed_table sent (a JSON array); NULL: from its start.
    seed_after TEXT
);
