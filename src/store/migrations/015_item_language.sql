-- A multilingual inbox (issue 15). The language each item is written in (ISO 639-1),
-- detected at ingest among the brand's languages or set by the CM (lang_manual = 1, so
-- re-detection never overrides the CM). NULL on items stored before languages existed,
-- until `hark sentiment --rescore` detects them.
ALTER TABLE items ADD COLUMN lang TEXT;
ALTER TABLE items ADD COLUMN lang_manual INTEGER NOT NULL DEFAULT 0;
