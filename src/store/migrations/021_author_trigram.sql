-- `~a ana` finds part of a handle or a name anywhere in it. A LIKE read every author (a
-- scan of a quarter of a million on a cache of a million items, once for the page and
-- once for the count); a trigram index finds the authors holding the text. It folds case
-- and accents as search does ("lopez" finds López); it holds no text of its own, reading
-- the authors table, and the triggers keep it in step.
CREATE VIRTUAL TABLE authors_trigram USING fts5 (
    handle, display_name,
    content = 'authors', content_rowid = 'id',
    tokenize = 'trigram remove_diacritics 1'
);

INSERT INTO authors_trigram (authors_trigram) VALUES ('rebuild');

CREATE TRIGGER authors_trigram_insert AFTER INSERT ON authors BEGIN
    INSERT INTO authors_trigram (rowid, handle, display_name)
    VALUES (new.id, new.handle, new.display_name);
END;

CREATE TRIGGER authors_trigram_delete AFTER DELETE ON authors BEGIN
    INSERT INTO authors_trigram (authors_trigram, rowid, handle, display_name)
    VALUES ('delete', old.id, old.handle, old.display_name);
END;

CREATE TRIGGER authors_trigram_update AFTER UPDATE OF handle, display_name ON authors BEGIN
    INSERT INTO authors_trigram (authors_trigram, rowid, handle, display_name)
    VALUES ('delete', old.id, old.handle, old.display_name);
    INSERT INTO authors_trigram (rowid, handle, display_name)
    VALUES (new.id, new.handle, new.display_name);
END;
