-- The first schema: clinic settings, staff, clients with history and search, and the audit log.
-- Times are UTC RFC 3339 text. Ids are ULIDs made where the record is born.

CREATE TABLE clinic (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    phone_region TEXT NOT NULL,
    idle_timeout_minutes INTEGER NOT NULL DEFAULT 10,
    created_at TEXT NOT NULL
);

CREATE TABLE staff (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'receptionist', 'clinician')),
    email TEXT,
    phone TEXT,
    experience INTEGER NOT NULL,
    support_tier INTEGER NOT NULL,
    chat_capacity INTEGER NOT NULL,
    working_hours TEXT NOT NULL,
    avatar BLOB,
    avatar_mime TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT NOT NULL,
    totp_secret BLOB,
    totp_last_step INTEGER,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE clients (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    name_fold TEXT NOT NULL,
    email TEXT,
    email_norm TEXT,
    address TEXT,
    date_of_birth TEXT,
    preferred_language TEXT,
    notes TEXT NOT NULL DEFAULT '',
    account_manager_id TEXT REFERENCES staff (id),
    source TEXT NOT NULL CHECK (source IN ('walk_in', 'phone', 'web_chat', 'other')),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX clients_name_fold ON clients (name_fold, seq);
CREATE INDEX clients_email_norm ON clients (email_norm) WHERE email_norm IS NOT NULL;
CREATE INDEX clients_account_manager ON clients (account_manager_id);

CREATE TABLE client_phones (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    phone TEXT NOT NULL,
    e164 TEXT NOT NULL,
    PRIMARY KEY (client_id, position)
) WITHOUT ROWID;
CREATE INDEX client_phones_e164 ON client_phones (e164);

-- One row per change: {"field": {"from": .., "to": ..}}. Version 1 is the creation.
CREATE TABLE client_history (
    seq INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX client_history_client ON client_history (client_id, seq);

-- rowid = clients.seq. The text is the folded name, email and phone forms (see search.rs).
-- Queried with LIKE only, so no positions or sizes are kept.
CREATE VIRTUAL TABLE client_search USING fts5 (
    text, tokenize = 'trigram', detail = 'none', columnsize = 0
);

-- Append-only and hash-chained: hash = SHA-256(prev_hash || fields), see audit.rs.
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    workstation TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT,
    target_id TEXT,
    outcome TEXT NOT NULL,
    detail TEXT,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;
