-- Tasks and routing: every chat becomes a task with a responsible person, chosen by the rules in
-- crates/frontdesk-core/src/routing.rs; staff hand out ordinary tasks the same way.

-- One row: the clinic's routing choices.
CREATE TABLE routing (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    strategy TEXT NOT NULL DEFAULT 'least_loaded'
        CHECK (strategy IN ('least_loaded', 'most_experienced', 'tiered', 'round_robin')),
    -- Minutes an assignee has to answer a chat before it is passed on; NULL = never.
    sla_minutes INTEGER CHECK (sla_minutes IS NULL OR sla_minutes BETWEEN 1 AND 1440),
    -- Round robin's place: the staff seq that got the last chat.
    round_robin_seq INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
INSERT INTO routing (one, updated_at) VALUES (1, '1970-01-01T00:00:00.000000Z');

-- Least loaded breaks ties by who was given a chat longest ago.
ALTER TABLE staff ADD COLUMN last_assigned_at TEXT;
-- A person's load: their open chat tasks, kept by the triggers below in the same transaction
-- as every task change, so that a routing decision reads 200 rows instead of counting tasks.
ALTER TABLE staff ADD COLUMN open_chats INTEGER NOT NULL DEFAULT 0;
-- A person may silence their popups or the sound; their tasks still arrive.
ALTER TABLE staff ADD COLUMN mute_popups INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN mute_sounds INTEGER NOT NULL DEFAULT 0;

CREATE TABLE tasks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('chat', 'call_back', 'custom')),
    title TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    client_id TEXT REFERENCES clients (id),
    conversation_id TEXT REFERENCES conversations (id),
    -- NULL while the task waits in the queue (chats only: people always give a task to someone).
    assignee_id TEXT REFERENCES staff (id),
    -- The lowest support tier that may take it: raised by an escalation.
    min_tier INTEGER NOT NULL DEFAULT 1,
    -- The rule that chose the assignee (routing.rs `Reason`).
    reason TEXT NOT NULL,
    priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    due_at TEXT,
    created_by TEXT REFERENCES staff (id),
    created_at TEXT NOT NULL,
    assigned_at TEXT,
    -- Chats: the first reply after the current assignment (the answer the SLA waits for).
    answered_at TEXT,
    closed_at TEXT,
    closed_by TEXT REFERENCES staff (id),
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
-- A conversation has at most one open chat task: concurrent arrivals can never assign it twice.
CREATE UNIQUE INDEX tasks_open_chat ON tasks (conversation_id)
    WHERE kind = 'chat' AND status IN ('open', 'in_progress');
CREATE INDEX tasks_assignee ON tasks (assignee_id, status, seq);
CREATE INDEX tasks_queue ON tasks (seq) WHERE assignee_id IS NULL AND status = 'open';
CREATE INDEX tasks_client ON tasks (client_id, status);
CREATE INDEX tasks_conversation ON tasks (conversation_id, seq);
CREATE INDEX tasks_sla ON tasks (assigned_at)
    WHERE kind = 'chat' AND status = 'open' AND answered_at IS NULL AND assignee_id IS NOT NULL;

-- Every hand-over and status change, for the task's log and the conversation's history.
CREATE TABLE task_history (
    seq INTEGER PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks (id),
    at TEXT NOT NULL,
    -- The staff member who acted; NULL when routing acted on its own.
    actor_id TEXT REFERENCES staff (id),
    action TEXT NOT NULL CHECK (action IN ('created', 'assigned', 'queued', 'reassigned',
        'escalated', 'status', 'edited')),
    from_staff TEXT REFERENCES staff (id),
    to_staff TEXT REFERENCES staff (id),
    status TEXT,
    reason TEXT,
    note TEXT
);
CREATE INDEX task_history_task ON task_history (task_id, seq);

-- Keep staff.open_chats equal to the person's open chat tasks, whoever changes a task.
CREATE TRIGGER tasks_load_insert AFTER INSERT ON tasks
    WHEN NEW.kind = 'chat' AND NEW.status IN ('open', 'in_progress') AND NEW.assignee_id IS NOT NULL
BEGIN
    UPDATE staff SET open_chats = open_chats + 1 WHERE id = NEW.assignee_id;
END;
CREATE TRIGGER tasks_load_update AFTER UPDATE OF assignee_id, status, kind ON tasks
BEGIN
    UPDATE staff SET open_chats = open_chats - 1
     WHERE id = OLD.assignee_id AND OLD.kind = 'chat' AND OLD.status IN ('open', 'in_progress');
    UPDATE staff SET open_chats = open_chats + 1
     WHERE id = NEW.assignee_id AND NEW.kind = 'chat' AND NEW.status IN ('open', 'in_progress');
END;
CREATE TRIGGER tasks_load_delete AFTER DELETE ON tasks
    WHEN OLD.kind = 'chat' AND OLD.status IN ('open', 'in_progress') AND OLD.assignee_id IS NOT NULL
BEGIN
    UPDATE staff SET open_chats = open_chats - 1 WHERE id = OLD.assignee_id;
END;
