//! The command line. These names are a contract: other tools and checks script against them.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "frontdesk-admin",
    version,
    about = "Set up and look after a Frontdesk clinic"
)]
#[command(
    after_help = "Secrets come from the environment or a prompt, never from arguments:\n  \
    FRONTDESK_PASSPHRASE        the clinic's recovery passphrase\n  \
    FRONTDESK_NEW_PASSPHRASE    the new one, for `key change-passphrase`\n  \
    FRONTDESK_ADMIN_PASSWORD    the first admin's password, for `init`\n  \
    FRONTDESK_STAFF_PASSWORD    a staff password, for `staff add` and `staff reset-password`\n  \
    FRONTDESK_DEMO_PASSWORD     the demo staff's password, for `demo`\n  \
    FRONTDESK_DESK_TOKEN        the relay's desk token, for `chat link`"
)]
pub struct Cli {
    /// The clinic database file.
    #[arg(
        long,
        env = "FRONTDESK_DB",
        global = true,
        default_value = "frontdesk.db"
    )]
    pub db: PathBuf,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a new clinic and its first admin.
    Init {
        #[arg(long)]
        clinic: String,
        /// The first admin's login.
        #[arg(long)]
        admin: String,
        /// The first admin's display name (default: the login).
        #[arg(long)]
        admin_name: Option<String>,
        #[arg(long, default_value = "Asia/Phnom_Penh")]
        time_zone: String,
        /// Two-letter country code for reading local phone numbers.
        #[arg(long, default_value = "KH")]
        phone_region: String,
    },
    /// Clients: add, edit, find, show, history.
    Client {
        #[command(subcommand)]
        cmd: ClientCmd,
    },
    /// Staff: add, list, activate, deactivate, reset password or TOTP.
    Staff {
        #[command(subcommand)]
        cmd: StaffCmd,
    },
    /// The audit log: verify the chain, list records.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Write an encrypted backup, consistent while the clinic is in use.
    Backup { out: PathBuf },
    /// Privacy: prove that an erasure left nothing on disk.
    Privacy {
        #[command(subcommand)]
        cmd: PrivacyCmd,
    },
    /// Send one request through the clinic's door, as the operator: the request as JSON on
    /// standard input ({"op": "...", "args": {...}}, the same shape the desk sends), the
    /// response as JSON on standard output. For scripts; personal data stays out of argv.
    Call,
    /// Restore a backup to --db; a database already there is moved aside, not deleted.
    Restore {
        #[arg(value_name = "IN")]
        input: PathBuf,
    },
    /// A workload report: the totals on the terminal (all of it with --json), or saved as
    /// CSV or PDF. `--last-week` is the Monday-to-Sunday week before today, for a weekly cron job.
    Report {
        /// First day (YYYY-MM-DD, clinic time).
        #[arg(
            long,
            required_unless_present = "last_week",
            conflicts_with = "last_week"
        )]
        from: Option<chrono::NaiveDate>,
        /// Last day, included.
        #[arg(
            long,
            required_unless_present = "last_week",
            conflicts_with = "last_week"
        )]
        to: Option<chrono::NaiveDate>,
        #[arg(long)]
        last_week: bool,
        /// day, week or month.
        #[arg(long, default_value = "week", value_parser = ["day", "week", "month"])]
        bucket: String,
        /// Save the report as CSV here (never over an existing file).
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Save the report as PDF here (never over an existing file).
        #[arg(long)]
        pdf: Option<PathBuf>,
        /// The PDF's paper: a4 or letter.
        #[arg(long, default_value = "a4", value_parser = ["a4", "letter"])]
        paper: String,
    },
    /// Fill the clinic with demo staff and clients.
    Demo {
        #[arg(long)]
        clients: u32,
        #[arg(long)]
        seed: Option<u64>,
        /// Days of past appointments on the calendar (default 5; the next ten days are always
        /// filled).
        #[arg(long)]
        appointment_days: Option<u32>,
        /// Days of past chats and tasks for the reports (none by default).
        #[arg(long)]
        history_days: Option<u32>,
        /// With --history-days: chats a day (default 14).
        #[arg(long, requires = "history_days")]
        chats_per_day: Option<u32>,
        /// With --history-days: visitor and desk messages per chat (default 8).
        #[arg(long, requires = "history_days")]
        messages_per_chat: Option<u32>,
        /// With --history-days: call-backs and other tasks a day (default 4).
        #[arg(long, requires = "history_days")]
        tasks_per_day: Option<u32>,
    },
    /// The database key and the recovery passphrase.
    Key {
        #[command(subcommand)]
        cmd: KeyCmd,
    },
    /// Website chat: pair with a relay, list, read, reply, delete a reply.
    Chat {
        #[command(subcommand)]
        cmd: ChatCmd,
    },
    /// Run the clinic host without a screen: the relay link, the SMS sender, the LAN service
    /// for the clinic's other desks, and optionally a built-in relay. Stops on Ctrl-C.
    Serve {
        /// Also run a relay on this address (e.g. 127.0.0.1:8787) and pair with it.
        #[arg(long)]
        relay_listen: Option<std::net::SocketAddr>,
        /// The built-in relay's data directory (default: next to the database).
        #[arg(long)]
        relay_data: Option<PathBuf>,
        /// Where other desks connect.
        #[arg(long, default_value = "0.0.0.0:7745")]
        lan_listen: std::net::SocketAddr,
        /// Take no desks over the LAN.
        #[arg(long)]
        no_lan: bool,
        /// Pairing attempts a minute from one address (more when many PCs share one address).
        #[arg(long, default_value_t = 5)]
        lan_pairings_per_minute: u32,
        /// Run the clinic's clock from this file's RFC 3339 time (demonstrations and tests of
        /// after-hours replies and shift starts); without the file, the system clock.
        #[arg(long)]
        clock_file: Option<PathBuf>,
    },
    /// Desks on the LAN: pair a new one, list them, revoke one.
    Device {
        #[command(subcommand)]
        cmd: DeviceCmd,
    },
}

#[derive(Subcommand)]
pub enum DeviceCmd {
    /// A single-use pairing code (10 minutes) with its QR code, for a new desk.
    Pair {
        /// The address desks reach this host on (default: this PC's LAN addresses, port 7745).
        #[arg(long)]
        address: Option<String>,
    },
    /// Paired desks with their last-seen times.
    List,
    /// Revoke a desk: it is cut off at once and can no longer connect.
    Revoke { id: String },
}

#[derive(Subcommand)]
pub enum ChatCmd {
    /// Pair with a relay: its address, and the desk token (from FRONTDESK_DESK_TOKEN or a
    /// prompt) that `frontdesk-relay site add` printed.
    Link { url: String },
    /// Conversations, unanswered first.
    List {
        #[arg(long)]
        unanswered: bool,
    },
    /// One conversation with its messages.
    Show { id: String },
    /// Reply to a conversation (sent by the host's relay link).
    Reply {
        conversation: String,
        text: String,
        /// Quote this message.
        #[arg(long)]
        quote: Option<String>,
        /// A ULID for the reply, so a repeated command never sends twice.
        #[arg(long)]
        id: Option<String>,
    },
    /// Send a picture (JPEG, PNG, WebP) or a PDF as a reply; prints the reply's id. The
    /// content decides the type, not the file's name.
    SendFile {
        conversation: String,
        path: std::path::PathBuf,
        /// A text sent with the file.
        #[arg(long, default_value = "")]
        text: String,
        /// A ULID for the reply, so a repeated command never sends twice.
        #[arg(long)]
        id: Option<String>,
    },
    /// Save a stored chat file (either side's) to a path.
    FileGet {
        id: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Delete a reply; the visitor's widget shows it as deleted.
    Delete { message: String },
    /// Answer in place of an automatic answer; the visitor sees this instead.
    Correct {
        message: String,
        text: String,
        /// A ULID for the answer, so a repeated command never sends twice.
        #[arg(long)]
        id: Option<String>,
    },
    /// Answer visitors by itself outside opening hours: on (the default) or off.
    AfterHours {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Add a question and its answer to the FAQ assistant; prints the new id.
    FaqAdd {
        /// The visitors' language: en, km, vi, ar...
        #[arg(long)]
        lang: String,
        #[arg(long)]
        question: String,
        #[arg(long)]
        answer: String,
        /// Another way people ask the same thing (repeat for more).
        #[arg(long)]
        alternate: Vec<String>,
    },
    /// The FAQ assistant's entries, one per line.
    FaqList,
}

#[derive(Subcommand)]
pub enum ClientCmd {
    /// Add a client; prints the new id.
    Add(ClientAdd),
    /// Change some fields of a client.
    Edit(ClientEdit),
    /// Find clients by name, phone or email; one per line.
    Find {
        query: String,
        #[arg(long, default_value_t = 25)]
        limit: u32,
    },
    /// Show one client's card.
    Show { id: String },
    /// Show the history of changes to one client.
    History { id: String },
}

#[derive(Args)]
pub struct ClientAdd {
    #[arg(long)]
    pub name: String,
    /// Repeat for several numbers.
    #[arg(long)]
    pub phone: Vec<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    /// Date of birth, YYYY-MM-DD.
    #[arg(long)]
    pub dob: Option<NaiveDate>,
    /// Preferred language, e.g. km, vi, ar, en.
    #[arg(long)]
    pub language: Option<String>,
    /// walk_in, phone, web_chat or other.
    #[arg(long)]
    pub source: Option<String>,
    /// Staff id of the account manager.
    #[arg(long)]
    pub account_manager: Option<String>,
}

#[derive(Args)]
pub struct ClientEdit {
    pub id: String,
    #[arg(long)]
    pub name: Option<String>,
    /// Replaces all numbers; repeat for several.
    #[arg(long)]
    pub phone: Vec<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub dob: Option<NaiveDate>,
    #[arg(long)]
    pub language: Option<String>,
    #[arg(long)]
    pub account_manager: Option<String>,
}

#[derive(Subcommand)]
pub enum StaffCmd {
    /// Add a staff member (password from FRONTDESK_STAFF_PASSWORD or a prompt).
    Add(StaffAdd),
    /// List staff.
    List {
        /// Include deactivated staff.
        #[arg(long)]
        all: bool,
    },
    Deactivate {
        id: String,
    },
    Activate {
        id: String,
    },
    /// Set a new password (from FRONTDESK_STAFF_PASSWORD or a prompt).
    ResetPassword {
        id: String,
    },
    /// Enroll a new TOTP secret and print it.
    ResetTotp {
        id: String,
    },
}

#[derive(Args)]
pub struct StaffAdd {
    #[arg(long)]
    pub login: String,
    #[arg(long)]
    pub name: String,
    /// admin, manager, receptionist or clinician.
    #[arg(long)]
    pub role: String,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    /// 1 (trainee) to 5 (expert).
    #[arg(long)]
    pub experience: Option<u8>,
    /// Support tier: 1 = first line, 2 = second line, ...
    #[arg(long)]
    pub tier: Option<u8>,
    /// Chats this person takes at once.
    #[arg(long)]
    pub capacity: Option<u16>,
}

#[derive(Subcommand)]
pub enum PrivacyCmd {
    /// Look for texts (one per line on standard input: a name, a phone number, a sentence)
    /// in the decrypted pages of the database, its log and the given backups, free pages and
    /// old log frames included. Prints where each is found; exits with 1 if any is.
    Scan {
        /// A backup file to search as well (repeatable).
        #[arg(long = "backup")]
        backups: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Check the hash chain; exits non-zero and names the first broken record if it fails.
    Verify,
    /// The newest records first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only records before this sequence number.
        #[arg(long)]
        before: Option<i64>,
    },
}

#[derive(Subcommand)]
pub enum KeyCmd {
    /// Re-encrypt the database under a new random key.
    Rotate,
    /// Change the recovery passphrase (new one from FRONTDESK_NEW_PASSPHRASE or a prompt).
    ChangePassphrase,
}
