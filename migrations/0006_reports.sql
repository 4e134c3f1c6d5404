-- Workload reports. They read covering indexes and a small summary of desk replies, so a year
-- of a busy clinic is counted without reading (and decrypting) a million message rows.

-- Desk replies per quarter hour (UTC), person and conversation, kept by triggers. Quarter
-- hours, because every time zone's offset is a whole number of them: a day in any clinic's
-- zone is a whole number of slots. first_at is the earliest reply in the slot.
CREATE TABLE reply_slots (
    slot TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    replies INTEGER NOT NULL,
    first_at TEXT NOT NULL,
    PRIMARY KEY (slot, staff_id, conversation_id)
) WITHOUT ROWID;

INSERT INTO reply_slots (slot, staff_id, conversation_id, replies, first_at)
SELECT substr(at, 1, 14) || CASE WHEN substr(at, 15, 2) < '15' THEN '00'
                                 WHEN substr(at, 15, 2) < '30' THEN '15'
                                 WHEN substr(at, 15, 2) < '45' THEN '30' ELSE '45' END,
       staff_id, conversation_id, count(*), min(at)
  FROM chat_messages
 WHERE side = 'desk' AND staff_id IS NOT NULL
 GROUP BY 1, 2, 3;

CREATE TRIGGER reply_slots_insert AFTER INSERT ON chat_messages
    WHEN NEW.side = 'desk' AND NEW.staff_id IS NOT NULL
BEGIN
    INSERT INTO reply_slots (slot, staff_id, conversation_id, replies, first_at)
    VALUES (substr(NEW.at, 1, 14) || CASE WHEN substr(NEW.at, 15, 2) < '15' THEN '00'
                                          WHEN substr(NEW.at, 15, 2) < '30' THEN '15'
                                          WHEN substr(NEW.at, 15, 2) < '45' THEN '30' ELSE '45' END,
            NEW.staff_id, NEW.conversation_id, 1, NEW.at)
    ON CONFLICT (slot, staff_id, conversation_id)
    DO UPDATE SET replies = replies + 1, first_at = min(first_at, excluded.first_at);
END;

-- A message removed for good (erasure) leaves the counts; its slot's first reply is found again.
CREATE TRIGGER reply_slots_delete AFTER DELETE ON chat_messages
    WHEN OLD.side = 'desk' AND OLD.staff_id IS NOT NULL
BEGIN
    UPDATE reply_slots
       SET replies = replies - 1,
           first_at = coalesce((SELECT min(m.at) FROM chat_messages m
                                 WHERE m.conversation_id = OLD.conversation_id
                                   AND m.staff_id = OLD.staff_id AND m.side = 'desk'
                                   AND substr(m.at, 1, 14) || CASE WHEN substr(m.at, 15, 2) < '15' THEN '00'
                                                                   WHEN substr(m.at, 15, 2) < '30' THEN '15'
                                                                   WHEN substr(m.at, 15, 2) < '45' THEN '30' ELSE '45' END
                                       = reply_slots.slot),
                               first_at)
     WHERE slot = substr(OLD.at, 1, 14) || CASE WHEN substr(OLD.at, 15, 2) < '15' THEN '00'
                                                WHEN substr(OLD.at, 15, 2) < '30' THEN '15'
                                                WHEN substr(OLD.at, 15, 2) < '45' THEN '30' ELSE '45' END
       AND staff_id = OLD.staff_id AND conversation_id = OLD.conversation_id;
    DELETE FROM reply_slots
     WHERE staff_id = OLD.staff_id AND conversation_id = OLD.conversation_id AND replies <= 0;
END;

CREATE INDEX task_history_at ON task_history (at, action, task_id, from_staff, to_staff)
    WHERE action IN ('assigned', 'reassigned', 'escalated');
CREATE INDEX tasks_id_kind ON tasks (id, kind);
CREATE INDEX tasks_created ON tasks (kind, created_at, closed_at, conversation_id);
CREATE INDEX tasks_work ON tasks (kind, due_at, closed_at, status, assignee_id, closed_by, created_at)
    WHERE kind IN ('call_back', 'custom');
CREATE INDEX appointments_report ON appointments (starts_at, service_id, provider_id, status,
    arrived_at, seated_at, done_at);
