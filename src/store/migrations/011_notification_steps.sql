-- The config is the only source of anything executed (DESIGN.md §7): a notification
-- names the protocol step it stands for (`critical/command`), and the command, URL and
-- timeout are looked up in the config when it is sent. Rows written before kept the
-- command line or URL itself; they become the step of their escalation's severity and
-- channel, and the stored text is dropped, so it can never run again.
UPDATE notifications SET target = coalesce(
    (SELECT e.severity FROM escalations e WHERE e.id = notifications.escalation_id),
    'unknown'
) || '/' || CASE WHEN channel IN ('command', 'webhook') THEN channel ELSE 'unknown' END;
ALTER TABLE notifications RENAME COLUMN target TO step;
ALTER TABLE notifications DROP COLUMN timeout_secs;
