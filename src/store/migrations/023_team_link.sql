-- Team mode: whether this machine reaches the team's PostgreSQL right now, written by the
-- sync engine, so the status bar can say that replies wait for the team. Local: never
-- shared (each machine has its own link).
CREATE TABLE team_link (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    online INTEGER NOT NULL,
    since  INTEGER NOT NULL
);
