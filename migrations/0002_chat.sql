-- Website chat: the relay link, conversations and their messages (decrypted, in this encrypted
-- database), the outbox of frames still to send, and who gets an SMS on a new chat.

-- One row. desk_key is the desk's long-term P-256 secret; its public half is published to the
-- relay in the site config so that visitors encrypt to it.
CREATE TABLE chat_link (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    relay_url TEXT,
    desk_token TEXT,
    desk_key BLOB NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0,
    questions TEXT NOT NULL,
    policy_url TEXT NOT NULL DEFAULT '',
    policy_version TEXT NOT NULL DEFAULT '1',
    offline_message TEXT,
    logo BLOB,
    logo_mime TEXT,
    sms_gateway TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE conversations (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    visitor_key TEXT NOT NULL,
    client_id TEXT REFERENCES clients (id),
    visitor_name TEXT,
    visitor_phone TEXT,
    visitor_email TEXT,
    answers TEXT NOT NULL DEFAULT '{}',
    page_url TEXT,
    lang TEXT,
    ip TEXT,
    marketing_opt_in INTEGER,
    policy_version TEXT,
    started_at TEXT NOT NULL,
    last_message_at TEXT NOT NULL,
    visitor_online INTEGER NOT NULL DEFAULT 0,
    visitor_seen_at TEXT,
    unanswered INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX conversations_recent ON conversations (last_message_at);
CREATE INDEX conversations_client ON conversations (client_id);

CREATE TABLE chat_messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    side TEXT NOT NULL CHECK (side IN ('visitor', 'desk')),
    staff_id TEXT REFERENCES staff (id),
    sender TEXT,
    body TEXT NOT NULL,
    quote_id TEXT,
    quote_text TEXT,
    -- A visitor message whose ciphertext did not decrypt: kept (so nothing silently vanishes)
    -- and shown as unreadable.
    unreadable INTEGER NOT NULL DEFAULT 0,
    at TEXT NOT NULL,
    relay_seq INTEGER,
    delivered_at TEXT,
    deleted_at TEXT,
    deleted_by TEXT
);
CREATE INDEX chat_messages_conversation ON chat_messages (conversation_id, seq);

-- Frames for the relay and SMS for staff, sent by the host with retries. payload is JSON.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('relay', 'sms')),
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    done_at TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE done_at IS NULL;

CREATE TABLE chat_sms_recipients (
    staff_id TEXT PRIMARY KEY REFERENCES staff (id),
    phone TEXT NOT NULL
) WITHOUT ROWID;
