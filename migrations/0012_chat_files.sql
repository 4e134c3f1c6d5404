-- Pictures and PDFs sent in chat. The bytes live here, in the encrypted database, as
-- plaintext; the relay only ever held them sealed.

CREATE TABLE chat_files (
    seq INTEGER PRIMARY KEY,
    -- The sender's ULID, also the file's name at the relay.
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    message_id TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('visitor', 'desk')),
    -- The display name (at most 200 characters, never a path); blanked by erasure/retention.
    name TEXT NOT NULL,
    -- From the content once checked; the sender's claim until then (a pending visitor file).
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB,
    thumb BLOB,
    thumb_mime TEXT,
    width INTEGER,
    height INTEGER,
    status TEXT NOT NULL CHECK (status IN ('pending', 'stored', 'refused')),
    -- An attachment.* error code when refused.
    refusal TEXT,
    -- Fetching a visitor file: failures so far and when to try again.
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    stored_at TEXT
);
CREATE INDEX chat_files_message ON chat_files (message_id);
CREATE INDEX chat_files_conversation ON chat_files (conversation_id);
CREATE INDEX chat_files_pending ON chat_files (next_attempt_at) WHERE status = 'pending';

-- Desk files still to upload to the relay, sealed once (a retry must send the same bytes, or
-- the relay answers relay.conflict). The reply naming a file stays in the outbox until its
-- row here is gone, so the visitor never gets a message whose file is not there yet. A
-- separate queue rather than a new outbox kind: the outbox's kind CHECK would mean copying
-- that table, and its payload is JSON text, not bytes.
CREATE TABLE chat_file_uploads (
    seq INTEGER PRIMARY KEY,
    file_id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sealed BLOB NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT
);
CREATE INDEX chat_file_uploads_message ON chat_file_uploads (message_id);

-- The most plaintext bytes of one file the clinic takes, in MiB (published as max_file).
ALTER TABLE chat_link ADD COLUMN max_file_mb INTEGER NOT NULL DEFAULT 10;
