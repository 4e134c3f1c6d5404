//! The one IPC entry: the UI sends a `Call`, the shell answers with a `Reply` or an
//! `ErrorBody`. Door requests are the core's own `Request` type, passed through unchanged;
//! the few other calls are about the desk itself (set up, unlock, log in, lock).
//!
//! Work runs on a blocking thread: key derivation and password hashing take a noticeable
//! fraction of a second and must not freeze the window.

use std::sync::Arc;
use std::time::Instant;

use frontdesk_core::{ErrorBody, NewClinic, Request, Response, Secret};
use serde::{Deserialize, Serialize};

use crate::desk::{ChatStatus, Desk, DeskStatus, LanInfo, PairingOffer, SessionView, SetUpClinic};
use crate::error::{DeskError, DeskResult};

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "call", content = "args", rename_all = "snake_case")]
pub enum Call {
    Status,
    /// Try opening the clinic again (after the broken screen's advice was followed).
    Retry,
    /// A fresh recovery passphrase for the wizard to show.
    SuggestPassphrase,
    SetUp(NewClinic),
    UnlockClinic {
        passphrase: Secret,
    },
    Login {
        login: String,
        password: Secret,
        #[serde(default)]
        totp_code: Option<String>,
    },
    /// Blank and lock the screen now (the lock key or the idle timer).
    Lock,
    /// Unlock with the password of whoever locked it.
    Unlock {
        password: Secret,
    },
    /// End the session (locked or not): back to the login screen.
    LogOut,
    /// The person is active at the desk; keeps the session from idling out.
    KeepAlive,
    /// The UI finished drawing a screen; logged for the start-up benchmark.
    Shown {
        screen: String,
    },
    /// The website chat's connection state.
    ChatStatus,
    /// Hosts announcing themselves on the LAN (for connecting this PC to one).
    Discover,
    /// Pairs this PC with a host: the typed code or the QR code's text, and the host's
    /// address when the text does not carry it.
    Pair {
        text: String,
        #[serde(default)]
        address: Option<String>,
        #[serde(default)]
        name: Option<String>,
    },
    /// The host moved: reach it at this address (its certificate must still match).
    ChangeHost {
        address: String,
    },
    /// Forget the host this PC is paired with.
    Unpair,
    /// A pairing code for a new desk, with the host's addresses and the QR code's text.
    PairingOffer,
    /// The LAN service (on the host) or the link (on a connected desk).
    LanInfo,
    /// Make a report and save it as a file on this PC.
    ExportReport {
        filter: frontdesk_core::ReportFilter,
        file: crate::export::ReportFile,
        /// The UI's locale ("km"), for the PDF's words; callers that send none get English.
        #[serde(default)]
        language: Option<String>,
    },
    /// Save the filtered audit log as CSV on this PC.
    ExportAudit {
        #[serde(default)]
        filter: frontdesk_core::AuditFilter,
    },
    /// Export everything about one client (JSON and PDF) to this PC; needs a fresh code.
    ExportClient {
        id: String,
        totp: frontdesk_core::Secret,
        #[serde(default)]
        encrypt: bool,
    },
    /// Save a chat file (a picture or a PDF) on this PC: a PDF is never opened in the desk.
    SaveChatFile {
        id: String,
    },
    Door(Request),
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Reply {
    Status(DeskStatus),
    Passphrase(String),
    SetUp(SetUpClinic),
    Session(SessionView),
    ChatStatus(ChatStatus),
    Found(Vec<frontdesk_host::lan::Found>),
    PairingOffer(PairingOffer),
    LanInfo(LanInfo),
    Saved(crate::export::Saved),
    ClientExported(crate::export::ClientExported),
    Door(Response),
    Done,
}

/// Runs one call against the desk.
pub fn dispatch(desk: &Desk, started: Instant, call: Call) -> DeskResult<Reply> {
    Ok(match call {
        Call::Status => Reply::Status(desk.status()?),
        Call::Retry => Reply::Status(desk.retry()?),
        Call::SuggestPassphrase => Reply::Passphrase(desk.suggest_passphrase()),
        Call::SetUp(setup) => Reply::SetUp(desk.set_up(&setup)?),
        Call::UnlockClinic { passphrase } => Reply::Status(desk.unlock_clinic(&passphrase)?),
        Call::Login {
            login,
            password,
            totp_code,
        } => Reply::Session(desk.login(&login, password, totp_code)?),
        Call::Lock => {
            desk.lock()?;
            Reply::Done
        }
        Call::Unlock { password } => Reply::Session(desk.unlock(&password)?),
        Call::LogOut => {
            desk.log_out()?;
            Reply::Done
        }
        Call::KeepAlive => {
            desk.keep_alive()?;
            Reply::Done
        }
        Call::Shown { screen } => {
            if std::env::var_os("FRONTDESK_TRACE_STARTUP").is_some() {
                // The screen name is one of the UI's fixed names, never user text.
                let screen: String = screen
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(32)
                    .collect();
                eprintln!(
                    "frontdesk: screen {screen} shown {} ms after start",
                    started.elapsed().as_millis()
                );
            }
            Reply::Done
        }
        Call::ChatStatus => Reply::ChatStatus(desk.chat_status()?),
        Call::Discover => Reply::Found(desk.discover()),
        Call::Pair {
            text,
            address,
            name,
        } => Reply::Status(desk.pair(&text, address.as_deref(), name.as_deref())?),
        Call::ChangeHost { address } => Reply::Status(desk.change_host(&address)?),
        Call::Unpair => Reply::Status(desk.unpair()?),
        Call::PairingOffer => Reply::PairingOffer(desk.pairing_offer()?),
        Call::LanInfo => Reply::LanInfo(desk.lan_info()?),
        Call::ExportReport {
            filter,
            file,
            language,
        } => Reply::Saved(crate::export::export(
            desk,
            filter,
            file,
            language.as_deref(),
        )?),
        Call::ExportAudit { filter } => Reply::Saved(crate::export::export_audit(desk, filter)?),
        Call::ExportClient { id, totp, encrypt } => {
            Reply::ClientExported(crate::export::export_client(desk, id, totp, encrypt)?)
        }
        Call::SaveChatFile { id } => Reply::Saved(crate::export::save_chat_file(desk, id)?),
        Call::Door(req) => Reply::Door(desk.door(req)?),
    })
}

/// The Tauri command behind `invoke("rpc", { call })`.
#[tauri::command]
pub async fn rpc(
    desk: tauri::State<'_, Arc<Desk>>,
    started: tauri::State<'_, Started>,
    call: Call,
) -> Result<Reply, ErrorBody> {
    let desk = desk.inner().clone();
    let started = started.0;
    tauri::async_runtime::spawn_blocking(move || dispatch(&desk, started, call))
        .await
        .map_err(|_| DeskError::Busy.body())?
        .map_err(|e| e.body())
}

/// When the process started, for the start-up trace.
pub struct Started(pub Instant);
