//! Frontdesk's core: the clinic's domain and its encrypted store. No Tauri, no network, no UI.
//!
//! The way in is [`Clinic`]: create or unlock one, log staff in, then send every request
//! through [`Clinic::handle`], the one door that checks permissions, writes the audit log and
//! runs the work in one transaction.

mod after_hours;
mod appointments;
mod attachments;
mod audit;
mod auth;
mod backup;
mod breakglass;
mod chat;
mod checkpoint;
mod clients;
mod clinic;
pub mod clock;
pub mod collation;
mod consents;
mod demo;
mod demo_history;
mod devices;
mod door;
mod error;
mod events;
mod faq;
mod fsutil;
mod keys;
mod outbox;
mod permissions;
pub mod privacy;
mod recurrence;
mod rekey;
mod reminders;
pub mod reports;
mod routing;
mod schedules;
pub mod search;
mod services;
mod staff;
mod store;
mod tasks;
mod validate;
mod waitlist;

pub use appointments::{
    Appointment, AppointmentHistoryEntry, AppointmentSaved, AppointmentStatus, Booking, Calendar,
    CalendarProvider, ClosedDay, Conflict, ConflictKind, FreeSlot, Move, Scope, Step,
};
pub use attachments::store::{
    ChatFile, ChatFileData, FileOutcome, FileStatus, FileUpload, PendingFile, DEFAULT_MAX_FILE_MB,
    MAX_FILES_PER_MESSAGE,
};
pub use audit::{Actor, AuditFilter, BrokenLink, Outcome, Record as AuditRecord, VerifyReport};
pub use auth::{Secret, Session, TotpEnrollment, FIRST_LOCK_SECS, MAX_FAILURES, MAX_LOCK_SECS};
pub use backup::{restore, RestoreReport};
pub use breakglass::{BreakGlassSealed, BreakGlassState, PrivacyOverview};
pub use chat::{
    Auto, ChatMessage, ChatQuote, ChatSettings, ChatSettingsInput, ChatSide, Conversation,
    ConversationSummary, Incoming, RelayLink, SmsGateway, SmsHeader, SmsRecipient, MAX_TEXT,
};
pub use checkpoint::Checkpoint;
pub use clients::{
    Client, ClientFields, ClientPage, ClientSaved, ClientSource, ClientSummary, HistoryEntry,
};
pub use clinic::{Clinic, ClinicInfo, Created, LoginRequest, NewClinic, Options};
pub use consents::{Consent, ConsentDecision, ConsentMethod, Purpose};
pub use demo::{DemoLogin, DemoSpec, DemoSummary};
pub use demo_history::{HistoryMade, HistorySpec};
pub use devices::{
    normalize_code, Device, LanIdentity, OpenCode, PairingCode, CODE_MAX_FAILURES, CODE_MINUTES,
};
pub use door::{
    ClinicSettings, NewsletterSubscriber, Principal, Request, Response, DEFAULT_PAGE, MAX_PAGE,
};
pub use error::{Error, ErrorBody, Result, ERROR_CODES};
pub use events::Event;
pub use faq::{FaqEntry, FaqInput, FaqTried};
// The FAQ matcher and its measure, for the quality example and the tests on the labelled sets.
pub use faq::matcher::{
    evaluate, FaqQuestion, LabelledEntry, LabelledQuestion, LabelledSet, Match, Matcher, Quality,
    THRESHOLD,
};
pub use keys::{
    generate_recovery_passphrase, DbKey, KeyFile, KeyStore, MemoryKeyStore, OsKeyring,
    MIN_PASSPHRASE_CHARS,
};
pub use outbox::{Delivered, Mail, OutboxItem, OutboxKind, OutboxPayload, Sms};
pub use permissions::{allowed, Permission, Role, MATRIX};
pub use privacy::{
    erasure::{ErasureCounts, ErasureKind, ErasureOutcome, Tombstone},
    export::{AccessRecord, ClientExport},
    incidents::{AffectedClient, Incident, IncidentInput},
    requests::{PrivacyRequest, PrivacyRequestInput, RequestKind, RequestStatus},
    retention::RetentionRun,
    scan::{ScanFinding, ScanReport, ScannedPlace},
    NewPolicyVersion, PolicyText, PolicyVersion, PrivacySettings, PrivacySettingsInput,
};
pub use recurrence::{Rule, Unit, MAX_OCCURRENCES};
pub use reminders::{
    Channel, ReminderSettings, ReminderSettingsInput, ReminderTemplate, SmtpAccount, SmtpSecurity,
    SmtpServer,
};
pub use reports::{
    Bucket, BucketReport, Measures, Report, ReportFilter, ReportOutput, StaffReport, TeamReport,
};
pub use routing::{Reason, RoutingSettings, Strategy};
pub use schedules::{ExceptionKind, NewException, ScheduleException, WorkingHours};
pub use services::{Room, Service, ServiceFields};
pub use staff::{Avatar, NewStaff, Shift, Staff, StaffFields};
pub use store::{migrations, schema_version, MIGRATION_FILES};
pub use tasks::{
    NewTask, Prefs, Priority, Task, TaskFields, TaskHistoryEntry, TaskKind, TaskNotice, TaskScope,
    TaskStatus,
};
pub use validate::{MAX_NAME, MAX_NOTES, MAX_PHONES, MIN_PASSWORD_CHARS};
pub use waitlist::{NewWaitlistEntry, WaitlistEntry};

pub(crate) use door::Ctx;
