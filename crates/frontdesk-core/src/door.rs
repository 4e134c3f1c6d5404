//! The one door. Every request from every UI (desk IPC, a LAN desk, the admin CLI) is a
//! `Request` handled by `Clinic::handle`, which
//! 1. finds who is asking (a live session or the operator) and ends idle sessions;
//! 2. checks the permission matrix, and audits a refusal;
//! 3. runs the work in one write transaction together with its audit record, so the record
//!    exists exactly when the effect does;
//! 4. audits a failure (by its error code) after rolling the work back.
//!
//! A few requests cannot run inside a transaction (backup, key rotation, passphrase change,
//! logout); they are checked and audited the same way around their work.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::appointments::{
    self, Appointment, AppointmentSaved, AppointmentStatus, Booking, Calendar, Conflict, FreeSlot,
    Move, Scope,
};
use crate::attachments::store::{self as chat_files, ChatFileData};
use crate::audit::{self, Actor, AuditFilter, Outcome, VerifyReport};
use crate::auth::{Secret, TotpEnrollment};
use crate::breakglass::{self, BreakGlassSealed, PrivacyOverview};
use crate::chat::{
    self, ChatMessage, ChatSettings, ChatSettingsInput, Conversation, ConversationSummary,
};
use crate::clients::{self, ClientFields, ClientPage, ClientSaved, HistoryEntry};
use crate::clinic::{Clinic, ClinicInfo};
use crate::consents::{self, Consent, ConsentMethod, Purpose};
use crate::demo::{self, DemoSpec, DemoSummary};
use crate::devices::{self, Device, PairingCode};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::faq::{self, FaqEntry, FaqInput, FaqTried};
use crate::permissions::{self, Permission, Role};
use crate::privacy::{
    self,
    erasure::{self, ErasureOutcome, Tombstone},
    export::ClientExport,
    incidents::{self, Incident, IncidentInput},
    requests::{self, PrivacyRequest, PrivacyRequestInput},
    retention::RetentionRun,
    scan::ScanReport,
    NewPolicyVersion, PolicyVersion, PrivacySettings, PrivacySettingsInput,
};
use crate::reminders::{self, ReminderSettings, ReminderSettingsInput};
use crate::reports::{self, Report, ReportFilter, ReportOutput};
use crate::routing::{self, RoutingSettings};
use crate::schedules::{self, NewException, ScheduleException};
use crate::services::{self, Room, Service, ServiceFields};
use crate::staff::{self, NewStaff, Staff, StaffFields};
use crate::tasks::{self, NewTask, Prefs, Task, TaskFields, TaskScope, TaskStatus};
use crate::waitlist::{self, NewWaitlistEntry, WaitlistEntry};
use crate::{clock, validate};

pub const DEFAULT_PAGE: u32 = 25;
pub const MAX_PAGE: u32 = 200;

/// Who is asking. Deliberately not deserializable: a transport turns the token it carries into
/// `Principal::Session`; no request from a UI can claim to be the operator.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A logged-in staff member, by session token.
    Session { token: String },
    /// The clinic operator through the admin CLI. Allowed only on a clinic opened with
    /// `Clinic::open_as_operator`; the desk app never uses it.
    Operator { workstation: String },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClinicSettings {
    pub name: String,
    pub time_zone: String,
    pub phone_region: String,
    pub idle_timeout_minutes: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
pub enum Request {
    ClinicGet,
    ClinicUpdate(ClinicSettings),
    ClientSearch {
        query: String,
        #[serde(default)]
        cursor: Option<String>,
        #[serde(default)]
        limit: Option<u32>,
    },
    ClientGet {
        id: String,
    },
    ClientHistory {
        id: String,
    },
    ClientCreate {
        /// A ULID made where the client is first entered, so that a retried request finds the
        /// client it already created instead of adding a second one. Made here when absent.
        #[serde(default)]
        id: Option<String>,
        fields: ClientFields,
    },
    ClientUpdate {
        id: String,
        expected_version: i64,
        fields: ClientFields,
    },
    StaffList {
        #[serde(default)]
        include_inactive: bool,
    },
    StaffGet {
        id: String,
    },
    StaffCreate(NewStaff),
    StaffUpdate {
        id: String,
        expected_version: i64,
        fields: StaffFields,
    },
    StaffSetActive {
        id: String,
        active: bool,
    },
    StaffResetPassword {
        id: String,
        new_password: Secret,
    },
    StaffResetTotp {
        id: String,
    },
    PasswordChange {
        current: Secret,
        new: Secret,
    },
    Logout,
    AuditList {
        #[serde(default)]
        filter: AuditFilter,
        #[serde(default)]
        before_seq: Option<i64>,
        #[serde(default)]
        limit: Option<u32>,
    },
    AuditVerify,
    /// The filtered audit log as CSV (UTF-8 with BOM), newest first, 100,000 records at most.
    AuditExport {
        #[serde(default)]
        filter: AuditFilter,
    },
    Backup {
        path: String,
    },
    KeyRotate {
        passphrase: Secret,
    },
    PassphraseChange {
        current: Secret,
        new: Secret,
    },
    DemoGenerate(DemoSpec),
    ChatSettingsGet,
    ChatSettingsUpdate(ChatSettingsInput),
    ConversationList {
        #[serde(default)]
        unanswered_only: bool,
        #[serde(default)]
        limit: Option<u32>,
    },
    ConversationGet {
        id: String,
    },
    ClientConversations {
        client_id: String,
    },
    ChatReply {
        conversation_id: String,
        /// A ULID made where the reply is written, so a retried send never doubles it.
        #[serde(default)]
        id: Option<String>,
        text: String,
        #[serde(default)]
        quote_id: Option<String>,
    },
    ChatDelete {
        message_id: String,
    },
    /// A picture or PDF to the visitor, with an optional text, as one reply. The bytes are
    /// checked by their content; the name is only for display.
    ChatSendFile {
        conversation_id: String,
        /// The reply's ULID, made where it is written, so a retried send never doubles it.
        #[serde(default)]
        id: Option<String>,
        /// The file's ULID (its name at the relay); made here if not given.
        #[serde(default)]
        file_id: Option<String>,
        name: String,
        base64: String,
        #[serde(default)]
        text: String,
    },
    /// A stored file's bytes: a picture in full, a PDF to save.
    ChatFileGet {
        id: String,
    },
    /// A person's answer in place of an automatic one: the visitor sees it instead.
    ChatCorrect {
        message_id: String,
        #[serde(default)]
        id: Option<String>,
        text: String,
    },
    FaqList,
    FaqSave(FaqInput),
    FaqDelete {
        id: String,
    },
    /// Which entry a question would get, and how sure the match is: for trying the FAQ out.
    FaqTry {
        text: String,
        lang: String,
    },
    ConversationLinkClient {
        id: String,
        client_id: String,
    },
    ConversationCreateClient {
        id: String,
    },
    TaskList {
        scope: TaskScope,
        #[serde(default)]
        include_closed: bool,
        #[serde(default)]
        limit: Option<u32>,
    },
    TaskGet {
        id: String,
    },
    TaskCreate(NewTask),
    TaskUpdate {
        id: String,
        expected_version: i64,
        fields: TaskFields,
    },
    TaskSetStatus {
        id: String,
        status: TaskStatus,
        #[serde(default)]
        note: Option<String>,
    },
    /// Hands a task to `staff_id`, or back to routing when it is `None`.
    TaskAssign {
        id: String,
        #[serde(default)]
        staff_id: Option<String>,
        #[serde(default)]
        note: Option<String>,
    },
    /// Hands a task to the next support tier, with a note for them.
    TaskEscalate {
        id: String,
        note: String,
    },
    RoutingGet,
    RoutingUpdate(RoutingSettings),
    PrefsGet,
    PrefsUpdate(Prefs),
    /// The desks paired with this host, revoked ones last.
    DeviceList,
    /// A single-use code for pairing a new desk, good for ten minutes.
    DevicePairStart,
    DeviceRevoke {
        id: String,
    },
    ServiceList {
        #[serde(default)]
        include_inactive: bool,
    },
    /// Creates a service (no `id`) or updates one.
    ServiceSave {
        #[serde(default)]
        id: Option<String>,
        #[serde(default)]
        expected_version: Option<i64>,
        fields: ServiceFields,
    },
    RoomList {
        #[serde(default)]
        include_inactive: bool,
    },
    RoomSave {
        #[serde(default)]
        id: Option<String>,
        #[serde(default)]
        expected_version: Option<i64>,
        name: String,
        #[serde(default = "yes")]
        active: bool,
    },
    /// Leave, holidays, extra hours and closed days between two local dates (end exclusive).
    ScheduleExceptionList {
        from: NaiveDate,
        to: NaiveDate,
    },
    ScheduleExceptionAdd(NewException),
    ScheduleExceptionRemove {
        id: String,
    },
    /// The day, week or agenda view: `days` local dates from `from`.
    AppointmentCalendar {
        from: NaiveDate,
        days: u32,
        #[serde(default)]
        provider_ids: Vec<String>,
        #[serde(default)]
        include_cancelled: bool,
    },
    AppointmentGet {
        id: String,
    },
    /// The warnings a booking would raise, without booking.
    AppointmentCheck(Booking),
    AppointmentBook(Booking),
    AppointmentMove(Move),
    AppointmentSetStatus {
        id: String,
        expected_version: i64,
        status: AppointmentStatus,
        #[serde(default)]
        scope: Scope,
        #[serde(default)]
        note: Option<String>,
    },
    /// Undoes a recorded step: needs `appointment.revert`.
    AppointmentRevert {
        id: String,
        expected_version: i64,
        status: AppointmentStatus,
        note: String,
    },
    AppointmentNote {
        id: String,
        expected_version: i64,
        note: String,
    },
    AppointmentNextFree {
        service_id: String,
        #[serde(default)]
        provider_id: Option<String>,
        #[serde(default)]
        after: Option<NaiveDateTime>,
    },
    ClientAppointments {
        client_id: String,
    },
    /// Visits whose start passed without an arrival: proposed to staff as no-shows.
    AppointmentNoShows,
    WaitlistList,
    WaitlistAdd(NewWaitlistEntry),
    WaitlistRemove {
        id: String,
    },
    /// Waiting clients who would fit a slot.
    WaitlistMatches {
        provider_id: String,
        start: NaiveDateTime,
        minutes: i64,
    },
    ConsentList {
        client_id: String,
    },
    ConsentSet {
        client_id: String,
        purpose: Purpose,
        given: bool,
        method: ConsentMethod,
        /// What the client was shown or told; the purpose's standard wording when left out.
        #[serde(default)]
        text_shown: Option<String>,
    },
    /// Confirms a newsletter subscription with the code from the confirmation mail.
    ConsentConfirm {
        code: String,
    },
    /// The confirmed newsletter audience (client id, confirmed address).
    NewsletterAudience,
    PrivacySettingsGet,
    PrivacySettingsUpdate(PrivacySettingsInput),
    PolicyList,
    PolicyPublish(NewPolicyVersion),
    /// Everything held about one client (JSON; the desk renders the PDF). Needs a fresh
    /// one-time code from the caller's authenticator.
    ClientExport {
        id: String,
        totp: Secret,
    },
    /// Erases the client, or restricts them where the law makes the clinic keep the record.
    /// Needs a fresh one-time code.
    ClientErase {
        id: String,
        totp: Secret,
        #[serde(default)]
        request_id: Option<String>,
    },
    ClientRestrict {
        id: String,
        #[serde(default)]
        request_id: Option<String>,
    },
    ClientUnrestrict {
        id: String,
    },
    /// An admin's reason to open a restricted record; it opens for them for 30 minutes.
    RestrictedOpen {
        id: String,
        reason: String,
    },
    ErasureList {
        #[serde(default)]
        client_id: Option<String>,
    },
    PrivacyRequestList,
    PrivacyRequestSave(PrivacyRequestInput),
    IncidentList,
    IncidentSave(IncidentInput),
    /// Runs the retention job now (it also runs every night on its own).
    RetentionRun,
    /// Looks for texts in the decrypted pages of the database, its log and the given backups:
    /// the proof, after an erasure, that nothing of the client is left on disk.
    PrivacyScan {
        texts: Vec<Secret>,
        #[serde(default)]
        backups: Vec<String>,
    },
    /// What needs an admin's eye: overdue requests, late incident notices, break-glass.
    PrivacyOverview,
    /// Seals a new one-time password for the emergency account (shown once, for the envelope).
    BreakGlassSeal,
    ReminderSettingsGet,
    ReminderSettingsUpdate(ReminderSettingsInput),
    /// A workload report; `output` says whether it is looked at or taken away as a file.
    ReportMake {
        filter: ReportFilter,
        #[serde(default)]
        output: ReportOutput,
    },
}

fn yes() -> bool {
    true
}

impl Request {
    pub fn permission(&self) -> Permission {
        use Request::*;
        match self {
            ClinicGet => Permission::ClinicRead,
            ClinicUpdate(_) => Permission::ClinicConfigure,
            ClientSearch { .. } => Permission::ClientSearch,
            ClientGet { .. } | ClientHistory { .. } => Permission::ClientRead,
            ClientCreate { .. } => Permission::ClientCreate,
            ClientUpdate { .. } => Permission::ClientUpdate,
            StaffList { .. } | StaffGet { .. } => Permission::StaffRead,
            StaffCreate(_)
            | StaffUpdate { .. }
            | StaffSetActive { .. }
            | StaffResetPassword { .. }
            | StaffResetTotp { .. } => Permission::StaffManage,
            PasswordChange { .. } | Logout => Permission::OwnAccount,
            AuditList { .. } => Permission::AuditRead,
            AuditVerify => Permission::AuditVerify,
            Backup { .. } => Permission::Backup,
            KeyRotate { .. } | PassphraseChange { .. } => Permission::KeyManage,
            DemoGenerate(_) => Permission::DemoGenerate,
            ChatSettingsGet | ChatSettingsUpdate(_) => Permission::ChatConfigure,
            ConversationList { .. }
            | ConversationGet { .. }
            | ClientConversations { .. }
            | ChatFileGet { .. } => Permission::ChatRead,
            FaqList | FaqSave(_) | FaqDelete { .. } | FaqTry { .. } => Permission::ChatConfigure,
            ChatReply { .. }
            | ChatSendFile { .. }
            | ChatDelete { .. }
            | ChatCorrect { .. }
            | ConversationLinkClient { .. } => Permission::ChatReply,
            ConversationCreateClient { .. } => Permission::ClientCreate,
            TaskList {
                scope: TaskScope::Mine,
                ..
            }
            | TaskGet { .. }
            | TaskCreate(_)
            | TaskUpdate { .. }
            | TaskSetStatus { .. }
            | TaskAssign { .. }
            | TaskEscalate { .. } => Permission::TaskWork,
            TaskList { .. } => Permission::TaskManage,
            RoutingGet | RoutingUpdate(_) => Permission::RoutingConfigure,
            PrefsGet | PrefsUpdate(_) => Permission::OwnAccount,
            DeviceList | DevicePairStart | DeviceRevoke { .. } => Permission::DeviceManage,
            ServiceList { .. }
            | RoomList { .. }
            | ScheduleExceptionList { .. }
            | AppointmentCalendar { .. }
            | AppointmentGet { .. }
            | AppointmentNextFree { .. }
            | ClientAppointments { .. }
            | AppointmentNoShows
            | WaitlistList
            | WaitlistMatches { .. } => Permission::AppointmentRead,
            AppointmentCheck(_)
            | AppointmentBook(_)
            | AppointmentMove(_)
            | AppointmentSetStatus { .. }
            | AppointmentNote { .. }
            | WaitlistAdd(_)
            | WaitlistRemove { .. } => Permission::AppointmentBook,
            AppointmentRevert { .. } => Permission::AppointmentRevert,
            ServiceSave { .. }
            | RoomSave { .. }
            | ScheduleExceptionAdd(_)
            | ScheduleExceptionRemove { .. }
            | ReminderSettingsGet
            | ReminderSettingsUpdate(_) => Permission::ScheduleConfigure,
            ReportMake { .. } => Permission::ReportRead,
            ConsentList { .. } => Permission::ClientRead,
            ConsentSet { .. } | ConsentConfirm { .. } => Permission::ClientUpdate,
            AuditExport { .. } => Permission::AuditRead,
            PolicyList => Permission::ClinicRead,
            ClientExport { .. } => Permission::ClientExport,
            ClientErase { .. }
            | ClientRestrict { .. }
            | ClientUnrestrict { .. }
            | PrivacyScan { .. } => Permission::ClientErase,
            RestrictedOpen { .. } => Permission::ClientOpenRestricted,
            NewsletterAudience
            | PrivacySettingsGet
            | PrivacySettingsUpdate(_)
            | PolicyPublish(_)
            | ErasureList { .. }
            | PrivacyRequestList
            | PrivacyRequestSave(_)
            | IncidentList
            | IncidentSave(_)
            | RetentionRun
            | PrivacyOverview => Permission::PrivacyManage,
            BreakGlassSeal => Permission::StaffManage,
        }
    }

    /// The audit log's name for this request.
    pub fn action(&self) -> &'static str {
        use Request::*;
        match self {
            ClinicGet => "clinic.get",
            ClinicUpdate(_) => "clinic.update",
            ClientSearch { .. } => "client.search",
            ClientGet { .. } => "client.get",
            ClientHistory { .. } => "client.history",
            ClientCreate { .. } => "client.create",
            ClientUpdate { .. } => "client.update",
            StaffList { .. } => "staff.list",
            StaffGet { .. } => "staff.get",
            StaffCreate(_) => "staff.create",
            StaffUpdate { .. } => "staff.update",
            StaffSetActive { .. } => "staff.set_active",
            StaffResetPassword { .. } => "staff.reset_password",
            StaffResetTotp { .. } => "staff.reset_totp",
            PasswordChange { .. } => "auth.password_change",
            Logout => "auth.logout",
            AuditList { .. } => "audit.list",
            AuditVerify => "audit.verify",
            Backup { .. } => "backup.write",
            KeyRotate { .. } => "key.rotate",
            PassphraseChange { .. } => "key.passphrase_change",
            DemoGenerate(_) => "demo.generate",
            ChatSettingsGet => "chat.settings_get",
            ChatSettingsUpdate(_) => "chat.settings_update",
            ConversationList { .. } => "chat.conversation_list",
            ConversationGet { .. } => "chat.conversation_get",
            ClientConversations { .. } => "chat.client_conversations",
            ChatReply { .. } => "chat.reply",
            ChatDelete { .. } => "chat.delete",
            ChatSendFile { .. } => "chat.send_file",
            ChatFileGet { .. } => "chat.file_get",
            ChatCorrect { .. } => "chat.correct",
            FaqList => "faq.list",
            FaqSave(_) => "faq.save",
            FaqDelete { .. } => "faq.delete",
            FaqTry { .. } => "faq.try",
            ConversationLinkClient { .. } => "chat.link_client",
            ConversationCreateClient { .. } => "chat.create_client",
            TaskList { .. } => "task.list",
            TaskGet { .. } => "task.get",
            TaskCreate(_) => "task.create",
            TaskUpdate { .. } => "task.update",
            TaskSetStatus { .. } => "task.set_status",
            TaskAssign { .. } => "task.assign",
            TaskEscalate { .. } => "task.escalate",
            RoutingGet => "routing.get",
            RoutingUpdate(_) => "routing.update",
            PrefsGet => "prefs.get",
            PrefsUpdate(_) => "prefs.update",
            DeviceList => "device.list",
            DevicePairStart => "device.pair_start",
            DeviceRevoke { .. } => "device.revoke",
            ServiceList { .. } => "service.list",
            ServiceSave { .. } => "service.save",
            RoomList { .. } => "room.list",
            RoomSave { .. } => "room.save",
            ScheduleExceptionList { .. } => "schedule.exception_list",
            ScheduleExceptionAdd(_) => "schedule.exception_add",
            ScheduleExceptionRemove { .. } => "schedule.exception_remove",
            AppointmentCalendar { .. } => "appointment.calendar",
            AppointmentGet { .. } => "appointment.get",
            AppointmentCheck(_) => "appointment.check",
            AppointmentBook(_) => "appointment.book",
            AppointmentMove(_) => "appointment.move",
            AppointmentSetStatus { .. } => "appointment.set_status",
            AppointmentRevert { .. } => "appointment.revert",
            AppointmentNote { .. } => "appointment.note",
            AppointmentNextFree { .. } => "appointment.next_free",
            ClientAppointments { .. } => "appointment.client_list",
            AppointmentNoShows => "appointment.no_shows",
            WaitlistList => "waitlist.list",
            WaitlistAdd(_) => "waitlist.add",
            WaitlistRemove { .. } => "waitlist.remove",
            WaitlistMatches { .. } => "waitlist.matches",
            ConsentList { .. } => "consent.list",
            ConsentSet { .. } => "consent.set",
            ReminderSettingsGet => "appointment.reminder_settings_get",
            ReminderSettingsUpdate(_) => "appointment.reminder_settings_update",
            ReportMake { .. } => "report.make",
            AuditExport { .. } => "audit.export",
            ConsentConfirm { .. } => "consent.confirm",
            NewsletterAudience => "consent.newsletter_audience",
            PrivacySettingsGet => "privacy.settings_get",
            PrivacySettingsUpdate(_) => "privacy.settings_update",
            PolicyList => "privacy.policy_list",
            PolicyPublish(_) => "privacy.policy_publish",
            ClientExport { .. } => "client.export",
            ClientErase { .. } => "client.erase",
            ClientRestrict { .. } => "client.restrict",
            ClientUnrestrict { .. } => "client.unrestrict",
            RestrictedOpen { .. } => "client.open_restricted",
            ErasureList { .. } => "privacy.erasure_list",
            PrivacyRequestList => "privacy.request_list",
            PrivacyRequestSave(_) => "privacy.request_save",
            IncidentList => "privacy.incident_list",
            IncidentSave(_) => "privacy.incident_save",
            RetentionRun => "privacy.retention",
            PrivacyScan { .. } => "privacy.scan",
            PrivacyOverview => "privacy.overview",
            BreakGlassSeal => "break_glass.seal",
        }
    }

    /// The record the request is about, for the audit log, when the request names one.
    fn target(&self) -> Option<(&'static str, String)> {
        use Request::*;
        match self {
            ClientGet { id } | ClientHistory { id } | ClientUpdate { id, .. } => {
                Some(("client", id.clone()))
            }
            StaffGet { id }
            | StaffUpdate { id, .. }
            | StaffSetActive { id, .. }
            | StaffResetPassword { id, .. }
            | StaffResetTotp { id } => Some(("staff", id.clone())),
            ConversationGet { id }
            | ConversationLinkClient { id, .. }
            | ConversationCreateClient { id }
            | ChatReply {
                conversation_id: id,
                ..
            }
            | ChatSendFile {
                conversation_id: id,
                ..
            } => Some(("conversation", id.clone())),
            ChatFileGet { id } => Some(("file", id.clone())),
            ChatDelete { message_id } | ChatCorrect { message_id, .. } => {
                Some(("message", message_id.clone()))
            }
            FaqSave(FaqInput { id: Some(id), .. }) | FaqDelete { id } => {
                Some(("faq_entry", id.clone()))
            }
            ClientConversations { client_id } => Some(("client", client_id.clone())),
            TaskGet { id }
            | TaskUpdate { id, .. }
            | TaskSetStatus { id, .. }
            | TaskAssign { id, .. }
            | TaskEscalate { id, .. } => Some(("task", id.clone())),
            DeviceRevoke { id } => Some(("device", id.clone())),
            ServiceSave { id: Some(id), .. } => Some(("service", id.clone())),
            RoomSave { id: Some(id), .. } => Some(("room", id.clone())),
            ScheduleExceptionRemove { id } => Some(("schedule_exception", id.clone())),
            AppointmentGet { id }
            | AppointmentSetStatus { id, .. }
            | AppointmentRevert { id, .. }
            | AppointmentNote { id, .. } => Some(("appointment", id.clone())),
            AppointmentMove(m) => Some(("appointment", m.id.clone())),
            ClientAppointments { client_id }
            | ConsentList { client_id }
            | ConsentSet { client_id, .. } => Some(("client", client_id.clone())),
            ClientExport { id, .. }
            | ClientErase { id, .. }
            | ClientRestrict { id, .. }
            | ClientUnrestrict { id }
            | RestrictedOpen { id, .. } => Some(("client", id.clone())),
            PrivacyRequestSave(PrivacyRequestInput { id: Some(id), .. }) => {
                Some(("privacy_request", id.clone()))
            }
            IncidentSave(IncidentInput { id: Some(id), .. }) => Some(("incident", id.clone())),
            WaitlistRemove { id } => Some(("waitlist_entry", id.clone())),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Response {
    Clinic(ClinicInfo),
    ClientPage(ClientPage),
    Client(clients::Client),
    ClientSaved(ClientSaved),
    ClientHistory(Vec<HistoryEntry>),
    StaffList(Vec<Staff>),
    Staff(Staff),
    StaffSaved {
        staff: Staff,
        /// Present when TOTP was just enrolled: show it once.
        totp: Option<TotpEnrollment>,
    },
    Totp(TotpEnrollment),
    AuditRecords(Vec<audit::Record>),
    AuditReport(VerifyReport),
    BackupWritten {
        path: String,
        bytes: u64,
    },
    Demo(DemoSummary),
    ChatSettings(ChatSettings),
    Conversations(Vec<ConversationSummary>),
    Conversation(Conversation),
    ChatMessage(ChatMessage),
    ChatFile(ChatFileData),
    FaqEntries(Vec<FaqEntry>),
    FaqEntry(FaqEntry),
    /// The entry a question would get (`None`: it goes to a person), with the best score.
    FaqMatch(FaqTried),
    Tasks(Vec<Task>),
    Task(Box<Task>),
    Routing(RoutingSettings),
    Prefs(Prefs),
    Devices(Vec<Device>),
    Device(Device),
    PairingCode(PairingCode),
    Services(Vec<Service>),
    Service(Service),
    Rooms(Vec<Room>),
    Room(Room),
    ScheduleExceptions(Vec<ScheduleException>),
    ScheduleException(ScheduleException),
    Calendar(Calendar),
    Appointment(Box<Appointment>),
    Appointments(Vec<Appointment>),
    AppointmentSaved(AppointmentSaved),
    Conflicts(Vec<Conflict>),
    FreeSlot(Option<FreeSlot>),
    Waitlist(Vec<WaitlistEntry>),
    WaitlistEntry(WaitlistEntry),
    Consents(Vec<Consent>),
    ReminderSettings(ReminderSettings),
    Report(Box<Report>),
    Csv(String),
    NewsletterAudience(Vec<NewsletterSubscriber>),
    PrivacySettings(PrivacySettings),
    Policies(Vec<PolicyVersion>),
    ClientExport(Box<ClientExport>),
    Erasure(ErasureOutcome),
    Tombstones(Vec<Tombstone>),
    PrivacyRequests(Vec<PrivacyRequest>),
    PrivacyRequest(PrivacyRequest),
    Incidents(Vec<Incident>),
    Incident(Incident),
    Retention(RetentionRun),
    Scan(ScanReport),
    PrivacyOverview(PrivacyOverview),
    BreakGlassSealed(BreakGlassSealed),
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewsletterSubscriber {
    pub client_id: String,
    pub email: String,
}

/// What a request's work knows about its caller and the clinic.
pub(crate) struct Ctx {
    pub now: DateTime<Utc>,
    pub actor: Actor,
    pub workstation: String,
    pub region: phonenumber::country::Id,
    pub tz: chrono_tz::Tz,
    /// Staff with a live, unlocked session: routing's "online".
    pub online: Vec<String>,
    /// Events the work raised beyond its response (routing's hand-overs), told after commit.
    pub events: std::cell::RefCell<Vec<Event>>,
}

impl Ctx {
    pub fn new(
        now: DateTime<Utc>,
        actor: Actor,
        workstation: String,
        region: phonenumber::country::Id,
        tz: chrono_tz::Tz,
    ) -> Ctx {
        Ctx {
            now,
            actor,
            workstation,
            region,
            tz,
            online: vec![],
            events: Default::default(),
        }
    }
    pub fn emit(&self, e: Event) {
        self.events.borrow_mut().push(e);
    }
    pub fn emit_all(&self, es: Vec<Event>) {
        self.events.borrow_mut().extend(es);
    }
    /// The staff member asking, when it is one (not the operator or the system).
    pub fn staff_id(&self) -> Option<&str> {
        match &self.actor {
            Actor::Staff(id) => Some(id),
            _ => None,
        }
    }
    pub fn stamp(&self) -> String {
        clock::stamp(self.now)
    }
    /// Today's date in the clinic's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now.with_timezone(&self.tz).date_naive()
    }
}

struct Caller {
    actor: Actor,
    role: Option<Role>,
    workstation: String,
    token: Option<String>,
}

impl Caller {
    fn entry<'a>(
        &'a self,
        action: &'a str,
        target: Option<(&'static str, String)>,
        outcome: Outcome,
        detail: Option<String>,
    ) -> audit::Entry<'a> {
        let (target_kind, target_id) = target.unzip();
        audit::Entry {
            actor: &self.actor,
            workstation: &self.workstation,
            action,
            target_kind,
            target_id,
            outcome,
            detail,
        }
    }

    fn may(&self, p: Permission) -> bool {
        match self.role {
            None => true, // the operator
            Some(r) => permissions::allowed(r, p),
        }
    }
}

impl Clinic {
    fn caller(&self, principal: &Principal) -> Result<Caller> {
        match principal {
            Principal::Operator { workstation } => {
                if !self.operator_unlocked {
                    return Err(Error::OperatorOnly);
                }
                Ok(Caller {
                    actor: Actor::Operator,
                    role: None,
                    workstation: workstation.clone(),
                    token: None,
                })
            }
            Principal::Session { token } => {
                let s = self
                    .sessions
                    .touch(token, self.now(), self.idle_timeout()?)?;
                // Role and active flag are read fresh, so a demotion takes effect at once.
                let (role, active) = staff::role_and_active(&self.db(), &s.staff_id, self.now())?;
                if !active && role == Role::Emergency {
                    self.sessions.end(token);
                    self.close_break_glass()?;
                    return Err(Error::SessionExpired);
                }
                if !active {
                    self.sessions.end(token);
                    return Err(Error::SessionExpired);
                }
                Ok(Caller {
                    actor: Actor::Staff(s.staff_id),
                    role: Some(role),
                    workstation: s.workstation,
                    token: Some(token.clone()),
                })
            }
        }
    }

    fn audit_alone(
        &self,
        caller: &Caller,
        action: &str,
        target: Option<(&'static str, String)>,
        outcome: Outcome,
        detail: Option<String>,
    ) -> Result<()> {
        self.audit_now(&caller.entry(action, target, outcome, detail))
    }

    /// The one door: permission, audit, one transaction.
    pub fn handle(&self, principal: &Principal, req: Request) -> Result<Response> {
        let caller = self.caller(principal)?;
        let permission = req.permission();
        let action = req.action();
        let target = req.target();
        if !caller.may(permission) {
            let role = caller.role.map(Role::as_str).unwrap_or("operator");
            let err = Error::Forbidden {
                role,
                permission: permission.as_str(),
            };
            self.audit_alone(
                &caller,
                action,
                target,
                Outcome::Denied,
                Some(err.code().into()),
            )?;
            return Err(err);
        }
        let outcome = match req {
            Request::Backup { path } => self
                .backup_to(std::path::Path::new(&path))
                .map(|bytes| (Response::BackupWritten { path, bytes }, None)),
            Request::KeyRotate { passphrase } => self
                .rotate_key(passphrase.expose())
                .map(|()| (Response::Done, None)),
            Request::PassphraseChange { current, new } => self
                .change_passphrase(current.expose(), new.expose())
                .map(|()| (Response::Done, None)),
            Request::PrivacyScan { texts, backups } => {
                self.scan(&texts, &backups).map(|r| {
                    // Counts only: the texts are personal data.
                    let detail = format!(
                        "texts={} places={} found={}",
                        texts.len(),
                        r.searched.len(),
                        r.found.len()
                    );
                    (Response::Scan(r), Some(detail))
                })
            }
            Request::Logout => {
                if let Some(t) = &caller.token {
                    self.sessions.end(t);
                }
                Ok((Response::Done, None))
            }
            req => return self.in_transaction(&caller, action, target, req),
        };
        match outcome {
            Ok((resp, detail)) => {
                self.audit_alone(&caller, action, target, Outcome::Ok, detail)?;
                Ok(resp)
            }
            Err(e) => {
                let _ = self.audit_alone(
                    &caller,
                    action,
                    target,
                    Outcome::Failed,
                    Some(e.code().into()),
                );
                Err(e)
            }
        }
    }

    fn in_transaction(
        &self,
        caller: &Caller,
        action: &'static str,
        target: Option<(&'static str, String)>,
        req: Request,
    ) -> Result<Response> {
        let result = {
            let mut conn = self.db();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let info = Clinic::info(&tx)?;
            let now = self.now();
            let mut ctx = Ctx::new(
                now,
                caller.actor.clone(),
                caller.workstation.clone(),
                validate::region(&info.phone_region)?,
                validate::time_zone(&info.time_zone)?,
            );
            ctx.online = self
                .sessions
                .online_staff(now, chrono::Duration::minutes(info.idle_timeout_minutes));
            match self.work(&tx, &ctx, caller, req) {
                Ok((resp, created, detail)) => {
                    let entry =
                        caller.entry(action, created.or(target.clone()), Outcome::Ok, detail);
                    audit::append(&tx, ctx.now, &entry)
                        .and_then(|_| Ok(tx.commit()?))
                        .map(|()| {
                            // Told only after the commit: a listener never hears of a
                            // change that was rolled back.
                            if let Some(ev) = Event::after(action, &resp) {
                                self.listeners.send(ev);
                            }
                            for ev in ctx.events.take() {
                                self.listeners.send(ev);
                            }
                            resp
                        })
                }
                Err(e) => Err(e), // dropping `tx` rolls the work back
            }
        };
        if result.is_ok() && matches!(action, "client.erase" | "privacy.retention") {
            // After the connection is free again: the log must not keep what was erased.
            self.scrub();
        }
        if let Err(e) = &result {
            // Best effort: on a full disk the failure cannot be recorded either.
            let _ = self.audit_alone(
                caller,
                action,
                target,
                Outcome::Failed,
                Some(e.code().into()),
            );
        }
        result
    }

    /// Restricted records open only to an admin (or the operator, or break-glass) who gave a
    /// reason in the last half hour; erased ones take no more changes.
    fn guard_restricted(
        &self,
        tx: &rusqlite::Transaction,
        ctx: &Ctx,
        caller: &Caller,
        req: &Request,
    ) -> Result<()> {
        use Request::*;
        let client = match req {
            ClientGet { id }
            | ClientHistory { id }
            | ClientUpdate { id, .. }
            | ClientExport { id, .. }
            | ClientConversations { client_id: id }
            | ClientAppointments { client_id: id, .. }
            | ConsentList { client_id: id }
            | ConsentSet { client_id: id, .. } => id.clone(),
            ConversationGet { id } => {
                match tx
                    .query_row(
                        "SELECT client_id FROM conversations WHERE id = ?1",
                        [id],
                        |r| r.get::<_, Option<String>>(0),
                    )
                    .optional()?
                    .flatten()
                {
                    Some(c) => c,
                    None => return Ok(()),
                }
            }
            // A file is as restricted as the conversation it came in.
            ChatFileGet { id } => {
                match tx
                    .query_row(
                        "SELECT c.client_id FROM chat_files f
                           JOIN conversations c ON c.id = f.conversation_id WHERE f.id = ?1",
                        [id],
                        |r| r.get::<_, Option<String>>(0),
                    )
                    .optional()?
                    .flatten()
                {
                    Some(c) => c,
                    None => return Ok(()),
                }
            }
            _ => return Ok(()),
        };
        if matches!(req, ClientUpdate { .. } | ConsentSet { .. }) {
            let erased: bool = tx
                .query_row(
                    "SELECT erased_at IS NOT NULL FROM clients WHERE id = ?1",
                    [&client],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(false);
            if erased {
                return Err(Error::invalid(
                    "id",
                    "privacy.erased",
                    "this client was erased",
                ));
            }
        }
        if !erasure::is_restricted(tx, &client)? {
            return Ok(());
        }
        let may_open = matches!(
            caller.role,
            None | Some(Role::Admin) | Some(Role::Emergency)
        );
        if caller.role.is_none()
            || (may_open && erasure::opened(tx, ctx.now, ctx.staff_id(), &client)?)
        {
            return Ok(());
        }
        Err(Error::Restricted)
    }

    /// Exports and erasures ask the person for a fresh code from their authenticator, even
    /// mid-session: whoever sits at an unlocked desk cannot take or destroy a client's data.
    /// The operator (the recovery passphrase's holder) is not asked.
    fn fresh_totp(&self, tx: &rusqlite::Transaction, ctx: &Ctx, code: &Secret) -> Result<()> {
        let Some(id) = ctx.staff_id() else {
            return Ok(());
        };
        let (login, secret, last): (String, Option<Vec<u8>>, Option<i64>) = tx.query_row(
            "SELECT login, totp_secret, totp_last_step FROM staff WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let Some(secret) = secret else {
            return Err(Error::invalid(
                "totp",
                "privacy.totp_not_enrolled",
                "this needs an authenticator app; ask an admin to set one up for you",
            ));
        };
        if code.expose().trim().is_empty() {
            return Err(Error::TotpRequired);
        }
        match crate::auth::check_totp(&secret, &login, code.expose(), ctx.now, last)? {
            Some(step) => {
                tx.execute(
                    "UPDATE staff SET totp_last_step = ?2 WHERE id = ?1",
                    rusqlite::params![id, step],
                )?;
                Ok(())
            }
            None => Err(Error::BadTotp),
        }
    }

    /// The work of one request. Returns the response, the record it created (for the audit
    /// log), and a detail for the audit log that holds no personal data.
    #[allow(clippy::type_complexity)]
    fn work(
        &self,
        tx: &rusqlite::Transaction,
        ctx: &Ctx,
        caller: &Caller,
        req: Request,
    ) -> Result<(Response, Option<(&'static str, String)>, Option<String>)> {
        use Request::*;
        let plain = |r: Response| Ok((r, None, None));
        let powers = tasks::Powers {
            manage: caller.may(Permission::TaskManage),
        };
        self.guard_restricted(tx, ctx, caller, &req)?;
        match req {
            ClinicGet => plain(Response::Clinic(Clinic::info(tx)?)),
            ClinicUpdate(s) => {
                let name = validate::required("name", &s.name, validate::MAX_NAME)?;
                let tz = validate::time_zone(&s.time_zone)?;
                let region = validate::region(&s.phone_region)?;
                let idle =
                    validate::in_range("idle_timeout_minutes", s.idle_timeout_minutes, 1, 240)?;
                tx.execute(
                    "UPDATE clinic SET name = ?1, time_zone = ?2, phone_region = ?3,
                            idle_timeout_minutes = ?4",
                    rusqlite::params![name, tz.name(), region.as_ref(), idle],
                )?;
                // Another country: other phone forms in the search text, another alphabet.
                crate::search::ensure_current(tx)?;
                plain(Response::Clinic(Clinic::info(tx)?))
            }
            ClientSearch {
                query,
                cursor,
                limit,
            } => {
                let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
                let page = clients::search(tx, &query, cursor.as_deref(), limit)?;
                let n = page.items.len().to_string();
                Ok((
                    Response::ClientPage(page),
                    None,
                    Some(format!("results={n}")),
                ))
            }
            ClientGet { id } => plain(Response::Client(clients::get(tx, &id)?)),
            ClientHistory { id } => plain(Response::ClientHistory(clients::history(tx, &id)?)),
            ClientCreate { id, fields } => {
                let saved = clients::create(tx, ctx, id.as_deref(), &fields)?;
                let id = saved.client.id.clone();
                let detail = (!saved.possible_duplicates.is_empty())
                    .then(|| format!("possible_duplicates={}", saved.possible_duplicates.len()));
                Ok((Response::ClientSaved(saved), Some(("client", id)), detail))
            }
            ClientUpdate {
                id,
                expected_version,
                fields,
            } => plain(Response::ClientSaved(clients::update(
                tx,
                ctx,
                &id,
                expected_version,
                &fields,
            )?)),
            StaffList { include_inactive } => {
                plain(Response::StaffList(staff::list(tx, include_inactive)?))
            }
            StaffGet { id } => plain(Response::Staff(staff::get(tx, &id)?)),
            StaffCreate(new) => {
                let (s, totp) = staff::create(tx, ctx, &new)?;
                let id = s.id.clone();
                Ok((
                    Response::StaffSaved { staff: s, totp },
                    Some(("staff", id)),
                    None,
                ))
            }
            StaffUpdate {
                id,
                expected_version,
                fields,
            } => {
                let (s, totp) = staff::update(tx, ctx, &id, expected_version, &fields)?;
                plain(Response::StaffSaved { staff: s, totp })
            }
            StaffSetActive { id, active } => {
                let s = staff::set_active(tx, ctx, &id, active)?;
                if !active {
                    self.sessions.end_for(&id);
                    tasks::release(tx, ctx, &id)?;
                }
                plain(Response::Staff(s))
            }
            StaffResetPassword { id, new_password } => {
                staff::set_password(tx, ctx, &id, new_password.expose())?;
                self.sessions.end_for(&id);
                plain(Response::Done)
            }
            StaffResetTotp { id } => plain(Response::Totp(staff::reset_totp(tx, ctx, &id)?)),
            PasswordChange { current, new } => {
                let Actor::Staff(id) = &caller.actor else {
                    return Err(Error::invalid(
                        "current",
                        "validation.no_account",
                        "the operator has no staff password",
                    ));
                };
                let login: String =
                    tx.query_row("SELECT login FROM staff WHERE id = ?1", [id], |r| r.get(0))?;
                let cred = staff::credentials(tx, &login)?.ok_or(Error::SessionExpired)?;
                if !crate::auth::verify_password(&cred.password_hash, current.expose()) {
                    return Err(Error::BadCredentials);
                }
                staff::set_password(tx, ctx, id, new.expose())?;
                plain(Response::Done)
            }
            AuditList {
                filter,
                before_seq,
                limit,
            } => plain(Response::AuditRecords(audit::list(
                tx,
                &filter,
                before_seq,
                limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE),
            )?)),
            AuditVerify => {
                let report = audit::verify(tx)?;
                let detail = Some(match &report.first_broken {
                    None => format!("ok records={}", report.records),
                    Some(b) => format!("broken_at={}", b.seq),
                });
                Ok((Response::AuditReport(report), None, detail))
            }
            DemoGenerate(spec) => {
                let summary = demo::generate(tx, ctx, &spec)?;
                let detail = Some(format!("clients={}", summary.clients));
                Ok((Response::Demo(summary), None, detail))
            }
            ChatSettingsGet => plain(Response::ChatSettings(chat::settings(tx, &ctx.stamp())?)),
            ChatSettingsUpdate(input) => plain(Response::ChatSettings(chat::update_settings(
                tx, ctx, &input,
            )?)),
            ConversationList {
                unanswered_only,
                limit,
            } => {
                let limit = limit.unwrap_or(100).clamp(1, 500);
                let list = chat::list(tx, unanswered_only, limit)?;
                let detail = Some(format!("results={}", list.len()));
                Ok((Response::Conversations(list), None, detail))
            }
            ConversationGet { id } => plain(Response::Conversation(chat::get(tx, ctx, &id)?)),
            ClientConversations { client_id } => {
                plain(Response::Conversations(chat::for_client(tx, &client_id)?))
            }
            ChatReply {
                conversation_id,
                id,
                text,
                quote_id,
            } => {
                let m = chat::reply(
                    tx,
                    ctx,
                    &conversation_id,
                    id.as_deref(),
                    &text,
                    quote_id.as_deref(),
                )?;
                let created = Some(("message", m.id.clone()));
                Ok((Response::ChatMessage(m), created, None))
            }
            ChatDelete { message_id } => {
                plain(Response::ChatMessage(chat::delete(tx, ctx, &message_id)?))
            }
            ChatSendFile {
                conversation_id,
                id,
                file_id,
                name,
                base64,
                text,
            } => {
                let m = chat_files::send(
                    tx,
                    ctx,
                    &chat_files::NewDeskFile {
                        conversation_id: &conversation_id,
                        id: id.as_deref(),
                        file_id: file_id.as_deref(),
                        name: &name,
                        base64: &base64,
                        text: &text,
                    },
                )?;
                let created = Some(("message", m.id.clone()));
                Ok((Response::ChatMessage(m), created, None))
            }
            ChatFileGet { id } => plain(Response::ChatFile(chat_files::get(tx, &id)?)),
            ChatCorrect {
                message_id,
                id,
                text,
            } => {
                let m = chat::correct(tx, ctx, &message_id, id.as_deref(), &text)?;
                let created = Some(("message", m.id.clone()));
                Ok((Response::ChatMessage(m), created, None))
            }
            FaqList => plain(Response::FaqEntries(faq::entries::list(tx)?)),
            FaqSave(input) => {
                let e = faq::entries::save(tx, ctx, &input)?;
                let created = input.id.is_none().then(|| ("faq_entry", e.id.clone()));
                Ok((Response::FaqEntry(e), created, None))
            }
            FaqDelete { id } => {
                faq::entries::delete(tx, &id)?;
                plain(Response::Done)
            }
            FaqTry { text, lang } => plain(Response::FaqMatch(faq::try_match(tx, &text, &lang)?)),
            ConversationLinkClient { id, client_id } => {
                let c = chat::link_client(tx, ctx, &id, &client_id)?;
                Ok((
                    Response::Conversation(c),
                    None,
                    Some(format!("client={client_id}")),
                ))
            }
            ConversationCreateClient { id } => {
                let (c, client) = chat::create_client(tx, ctx, &id)?;
                Ok((Response::Conversation(c), Some(("client", client)), None))
            }
            TaskList {
                scope,
                include_closed,
                limit,
            } => {
                let limit = limit.unwrap_or(200).clamp(1, 1000);
                let list = tasks::list(tx, ctx, scope, include_closed, limit)?;
                let detail = Some(format!("results={}", list.len()));
                Ok((Response::Tasks(list), None, detail))
            }
            TaskGet { id } => plain(Response::Task(Box::new(tasks::get_for(
                tx, ctx, &powers, &id,
            )?))),
            TaskCreate(new) => {
                let made = tasks::create(tx, ctx, &new)?;
                let detail = Some(format!("tasks={}", made.len()));
                let created = made.first().map(|t| ("task", t.id.clone()));
                Ok((Response::Tasks(made), created, detail))
            }
            TaskUpdate {
                id,
                expected_version,
                fields,
            } => plain(Response::Task(Box::new(tasks::update(
                tx,
                ctx,
                &powers,
                &id,
                expected_version,
                &fields,
            )?))),
            TaskSetStatus { id, status, note } => {
                let t = tasks::set_status(tx, ctx, &powers, &id, status, note.as_deref())?;
                let detail = Some(format!("status={}", status.as_str()));
                Ok((Response::Task(Box::new(t)), None, detail))
            }
            TaskAssign { id, staff_id, note } => {
                let t = tasks::assign(tx, ctx, &powers, &id, staff_id.as_deref(), note.as_deref())?;
                let detail = Some(match &t.assignee_id {
                    Some(to) => format!("to={to} reason={}", t.reason.as_str()),
                    None => "queued".into(),
                });
                Ok((Response::Task(Box::new(t)), None, detail))
            }
            TaskEscalate { id, note } => {
                let t = tasks::escalate(tx, ctx, &powers, &id, &note)?;
                let detail = Some(format!("min_tier={}", t.min_tier));
                Ok((Response::Task(Box::new(t)), None, detail))
            }
            RoutingGet => plain(Response::Routing(routing::settings(tx)?)),
            RoutingUpdate(settings) => {
                let s = routing::update_settings(tx, &ctx.stamp(), &settings)?;
                ctx.emit_all(routing::rebalance(tx, &tasks::moment(ctx))?);
                let detail = Some(format!("strategy={}", s.strategy.as_str()));
                Ok((Response::Routing(s), None, detail))
            }
            PrefsGet => plain(Response::Prefs(tasks::prefs(tx, ctx)?)),
            PrefsUpdate(p) => plain(Response::Prefs(tasks::set_prefs(tx, ctx, &p)?)),
            DeviceList => plain(Response::Devices(devices::list(tx)?)),
            DevicePairStart => {
                let (code, id) = devices::start_pairing(tx, ctx)?;
                // The audit record names the code's record, never the code.
                Ok((
                    Response::PairingCode(code),
                    Some(("pairing_code", id)),
                    None,
                ))
            }
            DeviceRevoke { id } => plain(Response::Device(devices::revoke(tx, ctx, &id)?)),
            ServiceList { include_inactive } => {
                plain(Response::Services(services::list(tx, include_inactive)?))
            }
            ServiceSave {
                id,
                expected_version,
                fields,
            } => {
                let s = services::save(tx, ctx, id.as_deref(), expected_version, &fields)?;
                let created = id.is_none().then(|| ("service", s.id.clone()));
                Ok((Response::Service(s), created, None))
            }
            RoomList { include_inactive } => {
                plain(Response::Rooms(services::rooms(tx, include_inactive)?))
            }
            RoomSave {
                id,
                expected_version,
                name,
                active,
            } => {
                let r =
                    services::save_room(tx, ctx, id.as_deref(), expected_version, &name, active)?;
                let created = id.is_none().then(|| ("room", r.id.clone()));
                Ok((Response::Room(r), created, None))
            }
            ScheduleExceptionList { from, to } => {
                plain(Response::ScheduleExceptions(schedules::list(tx, from, to)?))
            }
            ScheduleExceptionAdd(new) => {
                let e = schedules::add(tx, ctx, &new)?;
                let created = Some(("schedule_exception", e.id.clone()));
                Ok((Response::ScheduleException(e), created, None))
            }
            ScheduleExceptionRemove { id } => {
                schedules::remove(tx, &id)?;
                plain(Response::Done)
            }
            AppointmentCalendar {
                from,
                days,
                provider_ids,
                include_cancelled,
            } => {
                let cal = appointments::calendar(
                    tx,
                    ctx.tz,
                    from,
                    days,
                    &provider_ids,
                    include_cancelled,
                )?;
                let detail = Some(format!("results={}", cal.appointments.len()));
                Ok((Response::Calendar(cal), None, detail))
            }
            AppointmentGet { id } => plain(Response::Appointment(Box::new(appointments::get(
                tx, ctx.tz, &id,
            )?))),
            AppointmentCheck(b) => plain(Response::Conflicts(appointments::check(tx, ctx, &b)?)),
            AppointmentBook(b) => {
                let saved = appointments::book(tx, ctx, &b)?;
                let created = saved
                    .appointments
                    .first()
                    .map(|a| ("appointment", a.id.clone()));
                let detail = Some(booking_detail(&saved, b.override_reason.as_deref()));
                Ok((Response::AppointmentSaved(saved), created, detail))
            }
            AppointmentMove(m) => {
                let saved = appointments::move_to(tx, ctx, &m)?;
                let detail = Some(booking_detail(&saved, m.override_reason.as_deref()));
                Ok((Response::AppointmentSaved(saved), None, detail))
            }
            AppointmentSetStatus {
                id,
                expected_version,
                status,
                scope,
                note,
            } => {
                let saved = appointments::set_status(
                    tx,
                    ctx,
                    &id,
                    expected_version,
                    status,
                    scope,
                    note.as_deref(),
                    false,
                )?;
                let detail = Some(format!(
                    "status={} count={}",
                    status.as_str(),
                    saved.appointments.len()
                ));
                Ok((Response::AppointmentSaved(saved), None, detail))
            }
            AppointmentRevert {
                id,
                expected_version,
                status,
                note,
            } => {
                let note = validate::required("note", &note, validate::MAX_NAME * 5)?;
                let saved = appointments::set_status(
                    tx,
                    ctx,
                    &id,
                    expected_version,
                    status,
                    Scope::This,
                    Some(&note),
                    true,
                )?;
                let detail = Some(format!(
                    "status={} reason_sha256={}",
                    status.as_str(),
                    fingerprint(&note)
                ));
                Ok((Response::AppointmentSaved(saved), None, detail))
            }
            AppointmentNote {
                id,
                expected_version,
                note,
            } => plain(Response::AppointmentSaved(appointments::set_note(
                tx,
                ctx,
                &id,
                expected_version,
                &note,
            )?)),
            AppointmentNextFree {
                service_id,
                provider_id,
                after,
            } => plain(Response::FreeSlot(appointments::next_free(
                tx,
                ctx,
                &service_id,
                provider_id.as_deref(),
                after,
            )?)),
            ClientAppointments { client_id } => plain(Response::Appointments(
                appointments::for_client(tx, ctx.tz, &client_id)?,
            )),
            AppointmentNoShows => plain(Response::Appointments(appointments::no_show_candidates(
                tx, ctx,
            )?)),
            WaitlistList => plain(Response::Waitlist(waitlist::list(tx)?)),
            WaitlistAdd(n) => {
                let e = waitlist::add(tx, ctx, &n)?;
                let created = Some(("waitlist_entry", e.id.clone()));
                Ok((Response::WaitlistEntry(e), created, None))
            }
            WaitlistRemove { id } => {
                plain(Response::WaitlistEntry(waitlist::remove(tx, ctx, &id)?))
            }
            WaitlistMatches {
                provider_id,
                start,
                minutes,
            } => plain(Response::Waitlist(waitlist::matches(
                tx,
                &provider_id,
                start,
                minutes,
                None,
            )?)),
            ConsentList { client_id } => plain(Response::Consents(consents::list(tx, &client_id)?)),
            ConsentSet {
                client_id,
                purpose,
                given,
                method,
                text_shown,
            } => {
                let decision = consents::ConsentDecision {
                    purpose,
                    given,
                    method,
                    text_shown,
                };
                let list = consents::set(tx, ctx, &client_id, &decision)?;
                let detail = Some(format!("purpose={} given={given}", purpose.as_str()));
                Ok((Response::Consents(list), None, detail))
            }
            ReminderSettingsGet => plain(Response::ReminderSettings(reminders::settings(tx)?)),
            ReminderSettingsUpdate(input) => plain(Response::ReminderSettings(reminders::update(
                tx, ctx, &input,
            )?)),
            ReportMake { filter, output } => {
                let name = maker_name(tx, ctx)?;
                let maker = reports::Maker {
                    name: &name,
                    now: ctx.now,
                    tz: ctx.tz,
                };
                let report = reports::make(tx, &maker, &filter)?;
                // The period and the shape of the selection; never the people's names.
                let detail = Some(format!(
                    "output={} from={} to={} bucket={} staff={} team={} service={}",
                    output.as_str(),
                    filter.from,
                    filter.to,
                    filter.bucket.as_str(),
                    filter.staff_ids.len(),
                    filter.team.map(Role::as_str).unwrap_or("all"),
                    filter.service_id.as_deref().unwrap_or("all"),
                ));
                Ok((Response::Report(Box::new(report)), None, detail))
            }
            AuditExport { filter } => {
                let records = audit::list(tx, &filter, None, 100_000)?;
                let detail = Some(format!("records={}", records.len()));
                Ok((Response::Csv(audit::csv(&records)), None, detail))
            }
            ConsentConfirm { code } => {
                let (client, list) = consents::confirm(tx, ctx, &code)?;
                Ok((Response::Consents(list), Some(("client", client)), None))
            }
            NewsletterAudience => {
                let list: Vec<NewsletterSubscriber> = consents::newsletter_audience(tx)?
                    .into_iter()
                    .map(|(client_id, email)| NewsletterSubscriber { client_id, email })
                    .collect();
                let detail = Some(format!("results={}", list.len()));
                Ok((Response::NewsletterAudience(list), None, detail))
            }
            PrivacySettingsGet => plain(Response::PrivacySettings(privacy::settings(tx)?)),
            PrivacySettingsUpdate(input) => plain(Response::PrivacySettings(
                privacy::update_settings(tx, ctx, &input)?,
            )),
            PolicyList => plain(Response::Policies(privacy::policies(tx)?)),
            PolicyPublish(new) => {
                let detail = Some(format!("version={}", new.version.trim()));
                Ok((
                    Response::Policies(privacy::publish(tx, ctx, &new)?),
                    None,
                    detail,
                ))
            }
            ClientExport { id, totp } => {
                self.fresh_totp(tx, ctx, &totp)?;
                let export = privacy::export::make(tx, ctx, &id, &maker_name(tx, ctx)?)?;
                let detail = Some(format!(
                    "conversations={} appointments={} tasks={}",
                    export.conversations.len(),
                    export.appointments.len(),
                    export.tasks.len()
                ));
                Ok((Response::ClientExport(Box::new(export)), None, detail))
            }
            ClientErase {
                id,
                totp,
                request_id,
            } => {
                self.fresh_totp(tx, ctx, &totp)?;
                let outcome =
                    erasure::erase(tx, ctx.now, &ctx.actor.label(), &id, request_id.as_deref())?;
                let detail = Some(format!(
                    "kind={:?} conversations={} messages={} tasks={} appointments={}",
                    outcome.kind,
                    outcome.counts.conversations,
                    outcome.counts.messages,
                    outcome.counts.tasks,
                    outcome.counts.appointments
                ));
                Ok((Response::Erasure(outcome), None, detail))
            }
            ClientRestrict { id, request_id } => {
                erasure::restrict(tx, ctx.now, &ctx.actor.label(), &id, request_id.as_deref())?;
                plain(Response::Client(clients::get(tx, &id)?))
            }
            ClientUnrestrict { id } => {
                erasure::unrestrict(tx, ctx.now, &ctx.actor.label(), &id)?;
                plain(Response::Client(clients::get(tx, &id)?))
            }
            RestrictedOpen { id, reason } => {
                if !matches!(
                    caller.role,
                    None | Some(Role::Admin) | Some(Role::Emergency)
                ) {
                    return Err(Error::Restricted);
                }
                erasure::open_restricted(tx, ctx.now, ctx.staff_id(), &id, &reason)?;
                // The reason stays in the encrypted database; the chain keeps its SHA-256.
                let detail = Some(format!("reason_sha256={}", fingerprint(&reason)));
                Ok((Response::Client(clients::get(tx, &id)?), None, detail))
            }
            ErasureList { client_id } => plain(Response::Tombstones(erasure::tombstones(
                tx,
                client_id.as_deref(),
            )?)),
            PrivacyRequestList => {
                plain(Response::PrivacyRequests(requests::list(tx, ctx.today())?))
            }
            PrivacyRequestSave(input) => {
                let r = requests::save(tx, ctx, &input)?;
                let detail = Some(format!("kind={} status={:?}", r.kind.as_str(), r.status));
                let id = r.id.clone();
                Ok((
                    Response::PrivacyRequest(r),
                    Some(("privacy_request", id)),
                    detail,
                ))
            }
            IncidentList => plain(Response::Incidents(incidents::list(tx, ctx)?)),
            IncidentSave(input) => {
                let i = incidents::save(tx, ctx, &input)?;
                let detail = Some(format!("affected={}", i.affected.len()));
                let id = i.id.clone();
                Ok((Response::Incident(i), Some(("incident", id)), detail))
            }
            RetentionRun => {
                let run = privacy::retention::run(tx, ctx.now)?;
                let detail = Some(run.detail());
                Ok((Response::Retention(run), None, detail))
            }
            PrivacyOverview => plain(Response::PrivacyOverview(breakglass::overview(tx, ctx)?)),
            BreakGlassSeal => {
                let sealed = breakglass::seal(tx, ctx)?;
                let id = sealed.staff_id.clone();
                Ok((
                    Response::BreakGlassSealed(sealed),
                    Some(("staff", id)),
                    None,
                ))
            }
            Backup { .. }
            | KeyRotate { .. }
            | PassphraseChange { .. }
            | PrivacyScan { .. }
            | Logout => {
                unreachable!("handled outside a transaction")
            }
        }
    }
}

/// Who made a report or an export, as it prints on it.
fn maker_name(tx: &rusqlite::Connection, ctx: &Ctx) -> Result<String> {
    Ok(match ctx.staff_id() {
        Some(id) => staff::get(tx, id)?.fields.display_name,
        None => "Operator".to_string(),
    })
}

/// Staff's own words (an override's or a correction's reason) stay in the appointment's
/// history, which erasure can reach; the append-only audit log keeps only their SHA-256, so
/// the chain still proves the words were not changed afterwards.
fn fingerprint(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.trim().as_bytes()))
}

/// The audit detail of a booking or move: how many appointments and, when warnings were
/// overridden, which kinds and the fingerprint of the reason.
fn booking_detail(saved: &AppointmentSaved, reason: Option<&str>) -> String {
    let mut d = format!("count={}", saved.appointments.len());
    if !saved.overridden.is_empty() {
        let mut kinds: Vec<&str> = saved.overridden.iter().map(|c| c.kind.as_str()).collect();
        kinds.sort();
        kinds.dedup();
        d.push_str(&format!(" override={}", kinds.join(",")));
        if let Some(r) = reason {
            d.push_str(&format!(" reason_sha256={}", fingerprint(r)));
        }
    }
    d
}
