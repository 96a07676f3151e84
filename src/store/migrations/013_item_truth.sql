-- Local state follows the platform (issue 14, part 2).

-- When the platform answered "not found" for the item's post (deleted there): the list and
-- the detail mark it, and the composer warns before a reply that would be an orphan.
ALTER TABLE items ADD COLUMN gone_at INTEGER;

-- Why a row failed, where it decides what happens next: `auth` rows go back to the queue
-- as soon as a later call on their account succeeds.
ALTER TABLE outbox ADD COLUMN failure TEXT;
