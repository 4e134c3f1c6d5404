//! Roles and the permission matrix. ARCHITECTURE.md shows the same table; a test checks every
//! cell of `MATRIX` against what the one door actually allows.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Receptionist,
    Clinician,
    /// The break-glass account while it is open (never assignable to anyone).
    Emergency,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Manager,
        Role::Receptionist,
        Role::Clinician,
    ];

    /// Every column of the matrix, the emergency role included.
    pub const COLUMNS: [Role; 5] = [
        Role::Admin,
        Role::Manager,
        Role::Receptionist,
        Role::Clinician,
        Role::Emergency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Receptionist => "receptionist",
            Role::Clinician => "clinician",
            Role::Emergency => "emergency",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "role",
                    "validation.role",
                    "role must be admin, manager, receptionist or clinician",
                )
            })
    }

    /// Admins and managers must log in with a one-time code as well as a password.
    pub fn requires_totp(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }

    fn column(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the clinic's name, time zone and settings.
    ClinicRead,
    /// Change the clinic's settings.
    ClinicConfigure,
    ClientSearch,
    /// Open a client's card and its history (audited per record).
    ClientRead,
    ClientCreate,
    ClientUpdate,
    /// See colleagues: names, roles, working hours.
    StaffRead,
    /// Add, edit, deactivate staff; reset their passwords and TOTP.
    StaffManage,
    /// Change one's own password; log out.
    OwnAccount,
    AuditRead,
    AuditVerify,
    Backup,
    /// Rotate the database key, change the recovery passphrase.
    KeyManage,
    /// Fill the clinic with demo data.
    DemoGenerate,
    /// See website conversations and their messages (audited per conversation).
    ChatRead,
    /// Answer a conversation, quote, delete one's own reply, link it to a client.
    ChatReply,
    /// Set up the relay link, the widget's questions and the SMS gateway.
    ChatConfigure,
    /// See and work one's own tasks, hand out tasks, hand one's own on or escalate them.
    TaskWork,
    /// See everyone's tasks (the team board) and the chats waiting in the queue, and hand any
    /// of them to anyone.
    TaskManage,
    /// Choose the routing strategy and the answer time.
    RoutingConfigure,
    /// Pair other PCs with this host, see them, and revoke them.
    DeviceManage,
    /// See the calendar, appointments, the waiting list and services.
    AppointmentRead,
    /// Book, move, cancel and record arrivals; keep the waiting list.
    AppointmentBook,
    /// Undo a recorded step (a no-show back to booked, a finished visit back in the room).
    AppointmentRevert,
    /// Services, rooms, schedule exceptions and closed days, reminder settings.
    ScheduleConfigure,
    /// Workload reports of staff work, on screen and as files.
    ReportRead,
    /// Export everything about one client (with a fresh one-time code).
    ClientExport,
    /// Erase or restrict a client (with a fresh one-time code), lift a restriction.
    ClientErase,
    /// Open a restricted record, giving a reason.
    ClientOpenRestricted,
    /// Retention periods, policy versions, data-subject requests, incidents, erasure records.
    PrivacyManage,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ClinicRead => "clinic.read",
            Permission::ClinicConfigure => "clinic.configure",
            Permission::ClientSearch => "client.search",
            Permission::ClientRead => "client.read",
            Permission::ClientCreate => "client.create",
            Permission::ClientUpdate => "client.update",
            Permission::StaffRead => "staff.read",
            Permission::StaffManage => "staff.manage",
            Permission::OwnAccount => "own_account",
            Permission::AuditRead => "audit.read",
            Permission::AuditVerify => "audit.verify",
            Permission::Backup => "backup",
            Permission::KeyManage => "key.manage",
            Permission::DemoGenerate => "demo.generate",
            Permission::ChatRead => "chat.read",
            Permission::ChatReply => "chat.reply",
            Permission::ChatConfigure => "chat.configure",
            Permission::TaskWork => "task.work",
            Permission::TaskManage => "task.manage",
            Permission::RoutingConfigure => "routing.configure",
            Permission::DeviceManage => "device.manage",
            Permission::AppointmentRead => "appointment.read",
            Permission::AppointmentBook => "appointment.book",
            Permission::AppointmentRevert => "appointment.revert",
            Permission::ScheduleConfigure => "schedule.configure",
            Permission::ReportRead => "report.read",
            Permission::ClientExport => "client.export",
            Permission::ClientErase => "client.erase",
            Permission::ClientOpenRestricted => "client.open_restricted",
            Permission::PrivacyManage => "privacy.manage",
        }
    }
}

const Y: bool = true;
const N: bool = false;

/// Who may do what. Columns: admin, manager, receptionist, clinician, and emergency (the
/// break-glass account while open: it reads what care needs, restricted records included,
/// and changes nothing).
/// The clinic operator (whoever holds the recovery passphrase, through the admin CLI) may do
/// everything: they can read the whole database anyway.
pub const MATRIX: &[(Permission, [bool; 5])] = &[
    //                               admin manager recept. clinician emergency
    (Permission::ClinicRead, [Y, Y, Y, Y, Y]),
    (Permission::ClinicConfigure, [Y, N, N, N, N]),
    (Permission::ClientSearch, [Y, Y, Y, Y, Y]),
    (Permission::ClientRead, [Y, Y, Y, Y, Y]),
    (Permission::ClientCreate, [Y, Y, Y, N, N]),
    (Permission::ClientUpdate, [Y, Y, Y, Y, N]),
    (Permission::StaffRead, [Y, Y, Y, Y, Y]),
    (Permission::StaffManage, [Y, N, N, N, N]),
    (Permission::OwnAccount, [Y, Y, Y, Y, Y]),
    (Permission::AuditRead, [Y, Y, N, N, N]),
    (Permission::AuditVerify, [Y, Y, N, N, N]),
    (Permission::Backup, [Y, N, N, N, N]),
    (Permission::KeyManage, [Y, N, N, N, N]),
    (Permission::DemoGenerate, [Y, N, N, N, N]),
    (Permission::ChatRead, [Y, Y, Y, Y, Y]),
    (Permission::ChatReply, [Y, Y, Y, Y, N]),
    (Permission::ChatConfigure, [Y, N, N, N, N]),
    (Permission::TaskWork, [Y, Y, Y, Y, N]),
    (Permission::TaskManage, [Y, Y, Y, N, N]),
    (Permission::RoutingConfigure, [Y, N, N, N, N]),
    (Permission::DeviceManage, [Y, N, N, N, N]),
    (Permission::AppointmentRead, [Y, Y, Y, Y, Y]),
    (Permission::AppointmentBook, [Y, Y, Y, Y, N]),
    (Permission::AppointmentRevert, [Y, Y, N, N, N]),
    (Permission::ScheduleConfigure, [Y, Y, N, N, N]),
    (Permission::ReportRead, [Y, Y, N, N, N]),
    (Permission::ClientExport, [Y, Y, N, N, N]),
    (Permission::ClientErase, [Y, N, N, N, N]),
    (Permission::ClientOpenRestricted, [Y, N, N, N, Y]),
    (Permission::PrivacyManage, [Y, N, N, N, N]),
];

pub fn allowed(role: Role, permission: Permission) -> bool {
    MATRIX
        .iter()
        .find(|(p, _)| *p == permission)
        .map(|(_, cols)| cols[role.column()])
        .unwrap_or(false)
}
