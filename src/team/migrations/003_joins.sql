-- Each cache's uploads to the team, by its join id: the last chunk committed, the pending
-- changes it sent and where the upload stands after it. Written in the chunk's own
-- transaction, so a cache that died (or lost the link) before recording a chunk the team
-- committed settles it from here instead of sending it again.
CREATE TABLE team_joins (
    join_id    text        PRIMARY KEY,
    machine    text        NOT NULL,
    batch      bigint      NOT NULL,
    sent       bigint[]    NOT NULL,
    seed_table text,
    seed_after text,
    at         timestamptz NOT NULL DEFAULT now()
);
