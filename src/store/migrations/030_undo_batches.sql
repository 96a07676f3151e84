-- Undo finds the CM's last change and its rows by batch number. Without an index it read
-- every state event of the cache (one per aged item): half a second at 1M items, seven
-- at 10M, on every `u`.
CREATE INDEX events_by_batch ON events (batch) WHERE batch IS NOT NULL;
