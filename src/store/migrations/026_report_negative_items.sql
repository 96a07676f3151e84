-- The weekly report's recurring problems read the text of four weeks of negative items
-- before the period. Through items_by_time that visits every item of those weeks to find
-- the quarter labelled negative; this index holds only the negative community items, so
-- the others are never decoded. Its condition is the report query's, word for word.
CREATE INDEX items_negative_by_time ON items (created_at, id)
    WHERE kind != 'post' AND coalesce(sentiment_manual, sentiment_label_auto) = 'negative';
