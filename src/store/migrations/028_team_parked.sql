-- Team mode: changes of the team's this cache cannot apply yet because they refer to a
-- row it has not received (an item whose account reaches it later). The follow mark moves
-- past them; they wait here and are applied, in sequence order, once that row arrives.
-- Local: never shared.
CREATE TABLE team_parked (
    -- The change's number in the team's sequence.
    seq       INTEGER PRIMARY KEY,
    tbl       TEXT NOT NULL,
    key       TEXT NOT NULL,
    -- The row it waits for (its table and team name); its own row when it waits behind
    -- an earlier change of that row (changes of one row apply in sequence order).
    waits     TEXT NOT NULL,
    waits_key TEXT NOT NULL,
    -- The team's clock when the change was committed: the bound on waiting counts in it.
    at        INTEGER NOT NULL,
    -- This machine's clock when the change was parked.
    parked_at INTEGER NOT NULL,
    -- The whole change, as JSON.
    change    TEXT NOT NULL
);
CREATE INDEX team_parked_by_row ON team_parked (tbl, key, seq);
CREATE INDEX team_parked_by_wait ON team_parked (waits, waits_key);
CREATE INDEX team_parked_by_at ON team_parked (at);
