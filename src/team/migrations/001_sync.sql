-- The team's shared state: every synced row of every CM's cache, by table and team key,
-- and the change log each cache follows by sequence.

-- seq comes from this sequence inside team_push, under one transaction-scoped lock, so a
-- change with a higher seq always commits after every change with a lower one: a reader
-- that has seen seq N never later meets a committed change below N.
CREATE SEQUENCE team_seq;

-- The current value of every synced row: fields (column -> value, references as team
-- keys) and who set each field last ("cm@machine").
CREATE TABLE team_rows (
    tbl     text    NOT NULL,
    key     text    NOT NULL,
    fields  jsonb   NOT NULL DEFAULT '{}',
    setters jsonb   NOT NULL DEFAULT '{}',
    deleted boolean NOT NULL DEFAULT false,
    seq     bigint  NOT NULL,
    PRIMARY KEY (tbl, key)
);

-- Every committed change, in commit order. fields is the whole row after the change,
-- changed the columns this change set (a cache updates only those).
CREATE TABLE team_changes (
    seq     bigint      PRIMARY KEY,
    tbl     text        NOT NULL,
    key     text        NOT NULL,
    fields  jsonb       NOT NULL,
    changed text[]      NOT NULL,
    deleted boolean     NOT NULL,
    cm      text        NOT NULL,
    machine text        NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);

-- A field change that overwrote a value its writer had not seen: the value that lost.
CREATE TABLE team_conflicts (
    seq       bigint      NOT NULL REFERENCES team_changes (seq),
    tbl       text        NOT NULL,
    key       text        NOT NULL,
    field     text        NOT NULL,
    lost      jsonb,
    lost_by   text        NOT NULL,
    won       jsonb,
    won_by    text        NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seq, field)
);

-- Who is running hark where, and when each machine was last heard from.
CREATE TABLE team_machines (
    machine   text        PRIMARY KEY,
    cm        text        NOT NULL,
    last_seen timestamptz NOT NULL,
    accounts  text[]      NOT NULL DEFAULT '{}'
);

-- The machine polling each account, until expires_at (the server's clock, never a laptop's).
CREATE TABLE team_poll_leases (
    account    text        PRIMARY KEY,
    machine    text        NOT NULL,
    cm         text        NOT NULL,
    expires_at timestamptz NOT NULL
);

-- The machine sending each outbox row (by its idempotency key); done once sent.
CREATE TABLE team_send_leases (
    send_key   text        PRIMARY KEY,
    machine    text        NOT NULL,
    expires_at timestamptz NOT NULL,
    done       boolean     NOT NULL DEFAULT false
);

-- One row change from a cache. p_old holds the values the writer changed from (empty for
-- an insert), p_new the values it wrote. Per field, the change committed last wins; when
-- the team's value was neither p_old's nor p_new's, the writer had not seen it and it is
-- kept in team_conflicts. An insert of a row the team already has only adds the fields it
-- lacks (two pollers storing one item do not undo what the team did with it), and the
-- fields where the inserting cache differs from the team are sent back to it as a change.
-- Returns the change's seq, or 0 when it changed nothing.
CREATE FUNCTION team_push(p_tbl text, p_key text, p_old jsonb, p_new jsonb,
                          p_deleted boolean, p_cm text, p_machine text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    cur     team_rows%ROWTYPE;
    found_  boolean;
    s       bigint;
    k       text;
    changed text[] := '{}';
    patch   jsonb := '{}';
    who     text := p_cm || '@' || p_machine;
    lost    jsonb := '[]';
    resync  text[] := '{}';
    c       jsonb;
BEGIN
    PERFORM pg_advisory_xact_lock(727274);
    SELECT * INTO cur FROM team_rows WHERE tbl = p_tbl AND key = p_key FOR UPDATE;
    found_ := FOUND;
    IF p_deleted THEN
        IF NOT found_ OR cur.deleted THEN
            RETURN 0;
        END IF;
        s := nextval('team_seq');
        UPDATE team_rows SET deleted = true, seq = s WHERE tbl = p_tbl AND key = p_key;
        INSERT INTO team_changes (seq, tbl, key, fields, changed, deleted, cm, machine)
        VALUES (s, p_tbl, p_key, cur.fields, '{}', true, p_cm, p_machine);
        PERFORM pg_notify('hark_team', s::text);
        RETURN s;
    END IF;
    FOR k IN SELECT jsonb_object_keys(p_new) LOOP
        IF NOT found_ OR cur.deleted OR NOT (cur.fields ? k) THEN
            patch := patch || jsonb_build_object(k, p_new -> k);
        ELSIF p_old IS NULL OR p_old = '{}'::jsonb THEN
            -- an insert of a row the team has: the team's fields stay
            IF cur.fields -> k IS DISTINCT FROM p_new -> k THEN
                resync := resync || k;
            END IF;
        ELSIF cur.fields -> k IS DISTINCT FROM p_new -> k THEN
            patch := patch || jsonb_build_object(k, p_new -> k);
            IF p_old ? k AND cur.fields -> k IS DISTINCT FROM p_old -> k THEN
                lost := lost || jsonb_build_array(jsonb_build_object(
                    'field', k, 'lost', cur.fields -> k,
                    'lost_by', coalesce(cur.setters ->> k, '?'), 'won', p_new -> k));
            END IF;
        END IF;
    END LOOP;
    IF patch = '{}'::jsonb AND cardinality(resync) = 0 THEN
        RETURN 0;
    END IF;
    SELECT coalesce(array_agg(x), '{}') || resync INTO changed FROM jsonb_object_keys(patch) AS x;
    s := nextval('team_seq');
    IF patch = '{}'::jsonb THEN
        NULL;
    ELSIF NOT found_ THEN
        INSERT INTO team_rows (tbl, key, fields, setters, deleted, seq)
        SELECT p_tbl, p_key, patch, jsonb_object_agg(x, who), false, s
        FROM jsonb_object_keys(patch) AS x;
    ELSE
        UPDATE team_rows
        SET fields = (CASE WHEN cur.deleted THEN '{}'::jsonb ELSE cur.fields END) || patch,
            setters = cur.setters || (SELECT jsonb_object_agg(x, who) FROM jsonb_object_keys(patch) AS x),
            deleted = false,
            seq = s
        WHERE tbl = p_tbl AND key = p_key;
    END IF;
    INSERT INTO team_changes (seq, tbl, key, fields, changed, deleted, cm, machine)
    SELECT s, p_tbl, p_key, r.fields, changed, false, p_cm, p_machine
    FROM team_rows r WHERE r.tbl = p_tbl AND r.key = p_key;
    FOR c IN SELECT * FROM jsonb_array_elements(lost) LOOP
        INSERT INTO team_conflicts (seq, tbl, key, field, lost, lost_by, won, won_by)
        VALUES (s, p_tbl, p_key, c ->> 'field', c -> 'lost', c ->> 'lost_by', c -> 'won', who);
    END LOOP;
    PERFORM pg_notify('hark_team', s::text);
    RETURN s;
END
$$;
