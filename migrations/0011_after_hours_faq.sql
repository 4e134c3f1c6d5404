-- After-hours replies and the FAQ assistant.

-- The clinic-local date of the last after-hours reply: at most one a day per conversation.
ALTER TABLE conversations ADD COLUMN after_hours_on TEXT;

-- A desk message the desk wrote by itself: 'after_hours' or 'faq' (with the entry it came
-- from). A staff member's correction replaces it at the visitor and is linked here.
ALTER TABLE chat_messages ADD COLUMN auto TEXT CHECK (auto IN ('after_hours', 'faq'));
ALTER TABLE chat_messages ADD COLUMN faq_id TEXT;
ALTER TABLE chat_messages ADD COLUMN score REAL;
ALTER TABLE chat_messages ADD COLUMN corrected_by TEXT;
-- A visitor asking for a person: never answered automatically.
ALTER TABLE chat_messages ADD COLUMN handoff INTEGER NOT NULL DEFAULT 0;

CREATE TABLE faq_entries (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    lang TEXT NOT NULL,
    question TEXT NOT NULL,
    -- Other ways people ask the same thing, one per line.
    alternates TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX faq_entries_lang ON faq_entries (lang, seq);

-- The clinic may answer after hours itself (staff on call): then no automatic reply.
ALTER TABLE chat_link ADD COLUMN after_hours_reply INTEGER NOT NULL DEFAULT 1;
