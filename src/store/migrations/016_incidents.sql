-- Incidents (issue 25): escalations that share a topic within a window are one incident,
-- notified, worked through and resolved as one.

-- topic: `rule:<name>` for a rule's flag, `reason:<reason>` for the CM's, `spike:<terms>`
-- for the spike detector (its over-represented terms and authors, space-separated).
CREATE TABLE incidents (
    id               INTEGER PRIMARY KEY,
    topic            TEXT NOT NULL,
    title            TEXT NOT NULL,
    severity         TEXT NOT NULL,
    opened_at        INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    resolved_at      INTEGER,
    outcome          TEXT,
    -- set when merged into another incident (it is then resolved)
    merged_into      INTEGER REFERENCES incidents(id),
    -- when the last notice was queued, and how many notices there were
    notified_at      INTEGER,
    notices          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_open ON incidents (resolved_at, topic);

-- The items an incident is about; a detached item is deleted from here.
CREATE TABLE incident_items (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    added_at    INTEGER NOT NULL,
    added_by    TEXT NOT NULL,
    -- the number of the incident's notice that carried it in its digest (NULL: not yet)
    notice      INTEGER,
    PRIMARY KEY (incident_id, item_id)
) WITHOUT ROWID;
CREATE INDEX incident_items_by_item ON incident_items (item_id);

-- Checklist steps ticked: step is the index in the protocol's checklist of the incident's
-- severity; its text is kept as it was when ticked.
CREATE TABLE incident_steps (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    step        INTEGER NOT NULL,
    text        TEXT NOT NULL,
    done_by     TEXT NOT NULL,
    done_at     INTEGER NOT NULL,
    PRIMARY KEY (incident_id, step)
) WITHOUT ROWID;

ALTER TABLE escalations ADD COLUMN incident_id INTEGER REFERENCES incidents(id);
CREATE INDEX escalations_by_incident ON escalations (incident_id);
-- A notification is a notice about an incident: opened, raised (severity) or resolved.
ALTER TABLE notifications ADD COLUMN incident_id INTEGER REFERENCES incidents(id);
ALTER TABLE notifications ADD COLUMN notice TEXT;
-- the incident's notice number this row is one channel of (rows of one notice share it)
ALTER TABLE notifications ADD COLUMN notice_no INTEGER;

-- Existing escalations become incidents: same rule (or, for the CM's, same reason), each
-- opened less than 24 hours after the first of its group. The incident takes the id of
-- the group's first escalation.
CREATE TABLE incident_migration (escalation_id INTEGER PRIMARY KEY, start_id INTEGER NOT NULL);
WITH RECURSIVE
  keyed AS (
    SELECT id, opened_at,
           CASE WHEN source LIKE 'rule:%' THEN source ELSE 'reason:' || reason END AS topic,
           row_number() OVER (
               PARTITION BY CASE WHEN source LIKE 'rule:%' THEN source ELSE 'reason:' || reason END
               ORDER BY opened_at, id) AS rn
    FROM escalations
  ),
  walk (id, topic, rn, start_id, start_at) AS (
    SELECT id, topic, rn, id, opened_at FROM keyed WHERE rn = 1
    UNION ALL
    SELECT k.id, k.topic, k.rn,
           CASE WHEN k.opened_at - w.start_at < 86400 THEN w.start_id ELSE k.id END,
           CASE WHEN k.opened_at - w.start_at < 86400 THEN w.start_at ELSE k.opened_at END
    FROM walk w JOIN keyed k ON k.topic = w.topic AND k.rn = w.rn + 1
  )
INSERT INTO incident_migration (escalation_id, start_id) SELECT id, start_id FROM walk;

INSERT INTO incidents (id, topic, title, severity, opened_at, last_activity_at, resolved_at,
                       outcome, notified_at)
SELECT s.id,
       CASE WHEN s.source LIKE 'rule:%' THEN s.source ELSE 'reason:' || s.reason END,
       s.reason,
       (SELECT CASE max(CASE e.severity WHEN 'critical' THEN 2 WHEN 'high' THEN 1 ELSE 0 END)
                 WHEN 2 THEN 'critical' WHEN 1 THEN 'high' ELSE 'low' END
        FROM escalations e JOIN incident_migration m ON m.escalation_id = e.id
        WHERE m.start_id = s.id),
       s.opened_at,
       (SELECT max(max(e.opened_at, coalesce(e.resolved_at, 0)))
        FROM escalations e JOIN incident_migration m ON m.escalation_id = e.id
        WHERE m.start_id = s.id),
       -- resolved when every escalation of the group is
       (SELECT CASE WHEN count(*) = count(e.resolved_at) THEN max(e.resolved_at) END
        FROM escalations e JOIN incident_migration m ON m.escalation_id = e.id
        WHERE m.start_id = s.id),
       (SELECT e.outcome FROM escalations e JOIN incident_migration m ON m.escalation_id = e.id
        WHERE m.start_id = s.id AND e.resolved_at IS NOT NULL
        ORDER BY e.resolved_at DESC, e.id DESC LIMIT 1),
       (SELECT max(n.created_at) FROM notifications n JOIN incident_migration m
          ON m.escalation_id = n.escalation_id WHERE m.start_id = s.id)
FROM escalations s WHERE s.id IN (SELECT start_id FROM incident_migration);
-- An outcome only for a resolved incident.
UPDATE incidents SET outcome = NULL WHERE resolved_at IS NULL;

UPDATE escalations SET incident_id =
    (SELECT start_id FROM incident_migration m WHERE m.escalation_id = escalations.id);
UPDATE notifications SET incident_id =
    (SELECT incident_id FROM escalations e WHERE e.id = notifications.escalation_id),
    notice = 'opened', notice_no = 1;
UPDATE incidents SET notices = 1 WHERE notified_at IS NOT NULL;

-- Items of escalations that were notified count as told.
INSERT OR IGNORE INTO incident_items (incident_id, item_id, added_at, added_by, notice)
SELECT e.incident_id, e.item_id, e.opened_at, e.source,
       (SELECT 1 FROM notifications n WHERE n.escalation_id = e.id LIMIT 1)
FROM escalations e WHERE e.item_id IS NOT NULL AND e.item_id IN (SELECT id FROM items);
INSERT OR IGNORE INTO incident_items (incident_id, item_id, added_at, added_by, notice)
SELECT e.incident_id, x.item_id, e.opened_at, e.source,
       (SELECT 1 FROM notifications n WHERE n.escalation_id = e.id LIMIT 1)
FROM escalation_items x JOIN escalations e ON e.id = x.escalation_id;

DROP TABLE incident_migration;
