-- Who is looking at which item, and who is writing a reply to it: one row per machine
-- running hark, kept alive by its heartbeat until expires_at (the server's clock, never a
-- laptop's). Not in the change log: presence is ephemeral, and a crashed hark's row simply
-- runs out.
CREATE TABLE team_presence (
    machine    text        PRIMARY KEY,
    cm         text        NOT NULL,
    -- the item's team name (its key in team_rows)
    item       text        NOT NULL,
    typing     boolean     NOT NULL DEFAULT false,
    expires_at timestamptz NOT NULL
);

-- Listeners learn of a change at once. A renewal that changes nothing stays quiet (each
-- hark renews every few seconds); a row that runs out is found by the readers' own
-- timer, which knows when it does.
CREATE FUNCTION team_presence_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.cm = NEW.cm AND OLD.item = NEW.item
       AND OLD.typing = NEW.typing AND OLD.expires_at > now() THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('hark_presence', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER team_presence_changed
AFTER INSERT OR UPDATE OR DELETE ON team_presence
FOR EACH ROW EXECUTE FUNCTION team_presence_notify();
