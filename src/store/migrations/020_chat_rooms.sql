-- Rooms of chat accounts (Matrix): the name the list shows beside a chat item, and the
-- account's power levels there, so the moderation menu offers only what the room allows.
-- Kept fresh from the rooms' state as fetches carry it; the power columns stay NULL until
-- the levels were read. An item finds its room by the `room_id` of its raw event.
CREATE TABLE chat_rooms (
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    room_id       TEXT NOT NULL,
    label         TEXT NOT NULL,
    my_level      INTEGER,
    redact_level  INTEGER,
    kick_level    INTEGER,
    ban_level     INTEGER,
    users_default INTEGER,
    -- JSON object: user id → level, for those with a level of their own.
    users         TEXT,
    updated_at    INTEGER NOT NULL,
    UNIQUE (account_id, room_id)
);
