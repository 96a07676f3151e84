-- The weekly report's heavy reads, each from an index alone (measured on the 10M-item
-- bench cache; see the report section of the README's speed figures).
--
-- The backlog: an item's state comes with it, so only items whose state changed after
-- the period's end look their state up in the events.
DROP INDEX items_awaiting_reply;
CREATE INDEX items_awaiting_reply ON items (created_at, first_response_at, account_id, state)
    WHERE needs_reply = 1 AND kind != 'post';
-- Replies sent per platform and per CM, by the time they went.
CREATE INDEX outbox_replies_sent ON outbox (sent_at, account_id)
    WHERE kind = 'reply' AND state = 'sent';
-- Moderation sent through the outbox, by the time it was asked.
CREATE INDEX outbox_moderation ON outbox (created_at, kind, state)
    WHERE kind != 'reply';
-- An item marked replied by hand (answered elsewhere): when it was.
CREATE INDEX events_replied ON events (item_id, at)
    WHERE kind = 'state' AND to_state = 'replied';
