-- A row in flight belongs to one process (DESIGN.md §7): the outbox row or notification
-- being sent carries its owner and when the owner's lease runs out. Another process
-- never takes it; only a lease that expired (its owner died) is reconciled.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE notifications ADD COLUMN lease_owner TEXT;
ALTER TABLE notifications ADD COLUMN lease_expires_at INTEGER;
