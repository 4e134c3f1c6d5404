-- Privacy: policy versions, consents with what was shown, restriction and erasure, retention,
-- data-subject requests, the incident register, break-glass access, and audit pruning.

-- One row: how long things are kept, and the clinic's legal duty to keep medical records.
CREATE TABLE privacy_settings (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    -- Chat transcripts: message texts and answers of conversations quiet this long are erased.
    chat_days INTEGER NOT NULL DEFAULT 730 CHECK (chat_days BETWEEN 1 AND 36500),
    -- Visitors' IP addresses.
    ip_days INTEGER NOT NULL DEFAULT 30 CHECK (ip_days BETWEEN 1 AND 3650),
    -- Clients with no visit, chat or change for this long are erased (or restricted).
    inactive_client_years INTEGER NOT NULL DEFAULT 10 CHECK (inactive_client_years BETWEEN 1 AND 100),
    -- The audit log: never less than six years.
    audit_years INTEGER NOT NULL DEFAULT 6 CHECK (audit_years BETWEEN 6 AND 100),
    -- 0: no legal duty. Otherwise a client with a visit in the last N years is restricted,
    -- not erased.
    medical_record_years INTEGER NOT NULL DEFAULT 0 CHECK (medical_record_years BETWEEN 0 AND 100),
    -- How long an opened break-glass account stays open.
    break_glass_minutes INTEGER NOT NULL DEFAULT 60 CHECK (break_glass_minutes BETWEEN 5 AND 720),
    last_retention_at TEXT,
    updated_at TEXT NOT NULL
);
INSERT INTO privacy_settings (one, updated_at) VALUES (1, '1970-01-01T00:00:00.000000Z');

-- The clinic's privacy policy, per version and language. effective_at is when it took effect.
CREATE TABLE policy_versions (
    version TEXT NOT NULL,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    effective_at TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (version, language)
) WITHOUT ROWID;

-- What the client was shown when they decided, under which policy version, and the newsletter's
-- double opt-in: a marketing "yes" by email is in force only once the address is confirmed.
ALTER TABLE consents ADD COLUMN policy_version TEXT;
ALTER TABLE consents ADD COLUMN text_shown TEXT;
ALTER TABLE consents ADD COLUMN confirm_email TEXT;
ALTER TABLE consents ADD COLUMN confirm_hash BLOB;
ALTER TABLE consents ADD COLUMN confirmed_at TEXT;
CREATE UNIQUE INDEX consents_confirm ON consents (confirm_hash) WHERE confirm_hash IS NOT NULL;

-- Restricted: kept because the law says so, hidden from lists, search, reminders and reports,
-- opened only by an admin with a reason. Erased: anonymized, only the row's id and counts stay.
ALTER TABLE clients ADD COLUMN restricted_at TEXT;
ALTER TABLE clients ADD COLUMN erased_at TEXT;
CREATE INDEX clients_updated ON clients (updated_at);
ALTER TABLE conversations ADD COLUMN erased_at TEXT;
CREATE INDEX conversations_ip ON conversations (started_at) WHERE ip IS NOT NULL;
CREATE INDEX appointments_client_start ON appointments (client_id, starts_at);

-- The tombstone: that an erasure or restriction happened, when, by whom. Never the data.
CREATE TABLE erasures (
    seq INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('erased', 'restricted', 'unrestricted')),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    request_id TEXT,
    -- JSON counts of what was anonymized, never content.
    counts TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX erasures_client ON erasures (client_id, seq);

-- Why an admin opened a restricted record (the audit record keeps the reason's SHA-256).
CREATE TABLE restricted_access (
    seq INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    staff_id TEXT,
    at TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX restricted_access_client ON restricted_access (client_id, staff_id, at);

-- Data-subject requests: received, due a month later, extendable, closed.
CREATE TABLE privacy_requests (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    client_id TEXT REFERENCES clients (id),
    kind TEXT NOT NULL CHECK (kind IN ('access', 'rectify', 'erase', 'restrict', 'object')),
    requester TEXT NOT NULL,
    received_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    extended_to TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'refused')),
    note TEXT NOT NULL DEFAULT '',
    closed_at TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX privacy_requests_open ON privacy_requests (due_on) WHERE status = 'open';

-- Suspected breaches: found when, what happened, which records (from the audit log), and the
-- authority's 72-hour deadline.
CREATE TABLE incidents (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    found_at TEXT NOT NULL,
    window_from TEXT NOT NULL,
    window_to TEXT NOT NULL,
    suspect_staff_id TEXT,
    -- JSON: [{"kind": "client", "id": ..., "accesses": n}], from the audit log.
    affected TEXT NOT NULL DEFAULT '[]',
    notify_by TEXT NOT NULL,
    authority_notified_at TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

-- Break-glass: an emergency account an admin prepares in advance (a sealed password), inactive
-- until someone opens it; it then lasts break_glass_minutes, closes, and its password is spent.
-- Its role column says clinician (the least); the door reads `break_glass` instead.
ALTER TABLE staff ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN break_glass_until TEXT;

-- Audit retention: records older than the period may go, oldest first, only after the anchor
-- keeps the hash of the last one removed, so the chain still verifies from there.
CREATE TABLE audit_anchor (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    through_seq INTEGER NOT NULL,
    hash BLOB NOT NULL,
    at TEXT NOT NULL
);
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_anchor
    WHEN NEW.through_seq < OLD.through_seq
BEGIN
    SELECT RAISE(ABORT, 'the audit anchor only moves forward');
END;
DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    WHEN OLD.seq > coalesce((SELECT through_seq FROM audit_anchor), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;
CREATE INDEX audit_target ON audit (target_id, seq) WHERE target_id IS NOT NULL;
CREATE INDEX audit_actor ON audit (actor_id, seq) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_at ON audit (at);

-- Erased search entries leave no trace in the index's pages either.
INSERT INTO client_search (client_search, rank) VALUES ('secure-delete', 1);
