-- LAN desks: other PCs in the clinic connect to this host over TLS and use the one door
-- (crates/frontdesk-host/src/lan). The host keeps no secret a desk could use: a desk proves
-- itself with a P-256 key whose public half is stored here.

-- One row: the host's TLS identity, a self-signed certificate that each desk pins at pairing.
-- Kept in the encrypted database so that a copied host PC without the key reveals nothing.
CREATE TABLE lan_identity (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    cert_der BLOB NOT NULL,
    key_der BLOB NOT NULL,
    -- SHA-256 of cert_der, lower-case hex: what desks pin and what the QR code carries.
    fingerprint TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Short single-use codes an admin hands to a new desk. The first character picks the code
-- (so several can be open at once); the other eight are the secret that pairing proves
-- knowledge of (SPAKE2) without sending it.
CREATE TABLE pairing_codes (
    id TEXT PRIMARY KEY,
    slot TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    device_id TEXT
);
CREATE INDEX pairing_codes_slot ON pairing_codes (slot, expires_at);

CREATE TABLE devices (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- SEC1-encoded P-256 public key; the desk keeps the private half.
    public_key BLOB NOT NULL,
    paired_at TEXT NOT NULL,
    paired_by TEXT,
    last_seen_at TEXT,
    -- The desk's LAN address at its last connection (a clinic PC, not a person).
    last_seen_from TEXT,
    revoked_at TEXT,
    revoked_by TEXT
);
