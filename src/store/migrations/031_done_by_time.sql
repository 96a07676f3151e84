-- Done in time order. Posts are stored done, and the newest done items are mostly the
-- brand's posts (community items wait in the inbox first): through the state index the
-- Done view read past every recent post for its first page, 30-60 ms at 10M items.
CREATE INDEX items_done_by_time ON items (created_at, id) WHERE state = 'done' AND kind != 'post';
