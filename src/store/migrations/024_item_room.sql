-- A chat item's room (a Matrix room, a Discord channel or thread, a Slack conversation),
-- by the platform's id, written at ingest: the list finds the room's label in chat_rooms
-- by key instead of parsing every row's raw record. NULL outside chat platforms.
ALTER TABLE items ADD COLUMN room TEXT;

-- Items stored before: each chat connector kept the room in its raw record. Only the
-- chat accounts' items are visited (items_by_account), and a raw record that is not
-- JSON leaves its room unknown.
UPDATE items SET room = json_extract(raw_json, '$.room_id')
 WHERE account_id IN (SELECT id FROM accounts WHERE platform = 'matrix')
   AND json_valid(raw_json);
UPDATE items SET room = json_extract(raw_json, '$.channel_id')
 WHERE account_id IN (SELECT id FROM accounts WHERE platform = 'discord')
   AND json_valid(raw_json);
UPDATE items SET room = json_extract(raw_json, '$.channel')
 WHERE account_id IN (SELECT id FROM accounts WHERE platform = 'slack')
   AND json_valid(raw_json);
