-- Appointments: services, rooms, schedule exceptions, appointments with their history,
-- recurring series (rule and occurrences as rows), the waiting list, reminders and the
-- per-purpose consents reminders depend on. See crates/frontdesk-core/src/appointments.rs.
-- Appointment times are UTC stamps; the clinic's time zone turns them into wall-clock times.

CREATE TABLE services (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 720),
    -- Time the provider needs after the visit (cleaning, notes): blocks the next booking.
    buffer_minutes INTEGER NOT NULL DEFAULT 0 CHECK (buffer_minutes BETWEEN 0 AND 240),
    -- In the currency's minor unit (cents, riel); NULL = no set price.
    price_minor INTEGER CHECK (price_minor IS NULL OR price_minor >= 0),
    colour TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

-- Which providers offer a service.
CREATE TABLE service_providers (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    PRIMARY KEY (service_id, staff_id)
) WITHOUT ROWID;

CREATE TABLE rooms (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

-- Departures from the weekly working hours (staff.working_hours), on one local date.
-- staff_id NULL: the whole clinic is closed that day. start/end NULL: the whole day.
CREATE TABLE schedule_exceptions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    staff_id TEXT REFERENCES staff (id),
    date TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('off', 'extra')),
    start_time TEXT,
    end_time TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT,
    created_at TEXT NOT NULL,
    CHECK (staff_id IS NOT NULL OR kind = 'off'),
    CHECK ((start_time IS NULL) = (end_time IS NULL)),
    CHECK (kind = 'off' OR start_time IS NOT NULL)
);
CREATE INDEX schedule_exceptions_date ON schedule_exceptions (date, staff_id);

-- A repeating booking: the rule. Its occurrences are ordinary appointment rows that point here;
-- one changed or cancelled on its own is marked detached and keeps its own times.
CREATE TABLE series (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    every INTEGER NOT NULL CHECK (every BETWEEN 1 AND 52),
    unit TEXT NOT NULL CHECK (unit IN ('day', 'week')),
    -- Weekly series: the weekdays, as 'Mon,Wed'. Empty for daily ones.
    weekdays TEXT NOT NULL DEFAULT '',
    until_date TEXT,
    count INTEGER CHECK (count IS NULL OR count BETWEEN 1 AND 366),
    created_by TEXT,
    created_at TEXT NOT NULL,
    CHECK ((until_date IS NULL) <> (count IS NULL))
);

CREATE TABLE appointments (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL REFERENCES clients (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    provider_id TEXT NOT NULL REFERENCES staff (id),
    room_id TEXT REFERENCES rooms (id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    -- ends_at plus the service's buffer: the provider (and room) are busy until then.
    busy_until TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'confirmed', 'arrived',
        'in_room', 'done', 'cancelled_client', 'cancelled_clinic', 'late_cancel', 'no_show')),
    -- 1 while the appointment holds its time: the statuses that can conflict.
    holds INTEGER NOT NULL DEFAULT 1,
    note TEXT NOT NULL DEFAULT '',
    series_id TEXT REFERENCES series (id),
    occurrence INTEGER,
    detached INTEGER NOT NULL DEFAULT 0,
    arrived_at TEXT,
    seated_at TEXT,
    done_at TEXT,
    cancelled_at TEXT,
    -- The conversation the booking started from, if any.
    conversation_id TEXT,
    reminder_at TEXT,
    reminder_outcome TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (ends_at > starts_at)
);
CREATE INDEX appointments_provider ON appointments (provider_id, starts_at) WHERE holds = 1;
CREATE INDEX appointments_room ON appointments (room_id, starts_at) WHERE holds = 1 AND room_id IS NOT NULL;
CREATE INDEX appointments_client ON appointments (client_id, starts_at);
CREATE INDEX appointments_starts ON appointments (starts_at);
CREATE INDEX appointments_series ON appointments (series_id, occurrence) WHERE series_id IS NOT NULL;
CREATE INDEX appointments_reminders ON appointments (starts_at) WHERE holds = 1 AND reminder_at IS NULL;

-- Every change: booking, move, status, note; with the reason when a warning was overridden.
CREATE TABLE appointment_history (
    seq INTEGER PRIMARY KEY,
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    at TEXT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL CHECK (action IN ('booked', 'moved', 'status', 'edited', 'reminder')),
    from_status TEXT,
    to_status TEXT,
    -- {"field": {"from": .., "to": ..}} for moves and edits.
    changes TEXT,
    override_reason TEXT,
    note TEXT
);
CREATE INDEX appointment_history_appointment ON appointment_history (appointment_id, seq);

CREATE TABLE waitlist (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL REFERENCES clients (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    provider_id TEXT REFERENCES staff (id),
    -- Preferred weekdays as 'Mon,Tue'; empty = any day.
    weekdays TEXT NOT NULL DEFAULT '',
    from_time TEXT,
    to_time TEXT,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'booked', 'removed')),
    appointment_id TEXT REFERENCES appointments (id),
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX waitlist_waiting ON waitlist (service_id, seq) WHERE status = 'waiting';

-- A client's consents, one row per decision; the latest row per purpose is in force. The
-- privacy issue adds the policy version and the questionnaire text to these rows.
CREATE TABLE consents (
    seq INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('care', 'chat_storage', 'reminder_sms',
        'reminder_email', 'marketing')),
    given INTEGER NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('in_person', 'phone', 'web_chat', 'written')),
    recorded_by TEXT,
    at TEXT NOT NULL
);
CREATE INDEX consents_client ON consents (client_id, purpose, seq);

-- One row: when and how reminders go out. smtp holds the mail server as JSON (password
-- included: the database is encrypted).
CREATE TABLE reminder_settings (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    enabled INTEGER NOT NULL DEFAULT 0,
    hours_before INTEGER NOT NULL DEFAULT 24 CHECK (hours_before BETWEEN 1 AND 336),
    sms INTEGER NOT NULL DEFAULT 1,
    email INTEGER NOT NULL DEFAULT 1,
    smtp TEXT,
    late_cancel_hours INTEGER NOT NULL DEFAULT 24 CHECK (late_cancel_hours BETWEEN 0 AND 336),
    no_show_after_minutes INTEGER NOT NULL DEFAULT 15 CHECK (no_show_after_minutes BETWEEN 1 AND 1440),
    updated_at TEXT NOT NULL
);
INSERT INTO reminder_settings (one, updated_at) VALUES (1, '1970-01-01T00:00:00.000000Z');

-- Reminder texts per language and channel; {clinic}, {date}, {time}, {service} and
-- {provider} are filled in. English is built in when a language has none.
CREATE TABLE reminder_templates (
    language TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (language, channel)
) WITHOUT ROWID;

-- The outbox learns email (SQLite cannot change a CHECK in place: copy the table).
CREATE TABLE outbox_new (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('relay', 'sms', 'email')),
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    done_at TEXT
);
INSERT INTO outbox_new (seq, id, kind, payload, created_at, attempts, next_attempt_at, last_error, done_at)
    SELECT seq, id, kind, payload, created_at, attempts, next_attempt_at, last_error, done_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE done_at IS NULL;
