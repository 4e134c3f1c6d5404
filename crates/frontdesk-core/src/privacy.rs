//! The clinic's privacy promises, kept by the software rather than by paperwork: how long
//! things are kept (`PrivacySettings`), which privacy policy was in force when (`PolicyVersion`),
//! and, in the submodules, a client's export, erasure and restriction, the nightly retention
//! job, data-subject requests, and the incident register. PRIVACY.md tells users the same.

pub mod erasure;
pub mod export;
pub mod incidents;
pub mod requests;
pub mod retention;
pub mod scan;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::validate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacySettings {
    /// Chat transcripts of conversations quiet this many days are erased (the counts stay).
    pub chat_days: i64,
    /// Visitors' IP addresses are removed after this many days.
    pub ip_days: i64,
    /// Clients with no visit, chat or change for this many years are erased (or restricted).
    pub inactive_client_years: i64,
    /// Audit records older than this are removed; never less than six years.
    pub audit_years: i64,
    /// 0: no legal duty to keep medical records. Otherwise erasing a client with a visit in
    /// the last N years restricts the record instead.
    pub medical_record_years: i64,
    /// How long an opened break-glass account stays open.
    pub break_glass_minutes: i64,
    /// When the retention job last ran (UTC).
    pub last_retention_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacySettingsInput {
    pub chat_days: i64,
    pub ip_days: i64,
    pub inactive_client_years: i64,
    pub audit_years: i64,
    pub medical_record_years: i64,
    pub break_glass_minutes: i64,
}

/// Until `Clinic::scrub` has emptied the log, older frames may hold what this transaction
/// erases (migrations/0008_scrub.sql).
pub(crate) fn mark_scrub(conn: &Connection) -> Result<()> {
    conn.execute("UPDATE privacy_settings SET scrub_pending = 1", [])?;
    Ok(())
}

pub(crate) fn settings(conn: &Connection) -> Result<PrivacySettings> {
    Ok(conn.query_row(
        "SELECT chat_days, ip_days, inactive_client_years, audit_years, medical_record_years,
                break_glass_minutes, last_retention_at
           FROM privacy_settings",
        [],
        |r| {
            Ok(PrivacySettings {
                chat_days: r.get(0)?,
                ip_days: r.get(1)?,
                inactive_client_years: r.get(2)?,
                audit_years: r.get(3)?,
                medical_record_years: r.get(4)?,
                break_glass_minutes: r.get(5)?,
                last_retention_at: r.get(6)?,
            })
        },
    )?)
}

pub(crate) fn update_settings(
    conn: &Connection,
    ctx: &Ctx,
    s: &PrivacySettingsInput,
) -> Result<PrivacySettings> {
    let chat = validate::in_range("chat_days", s.chat_days, 1, 36_500)?;
    let ip = validate::in_range("ip_days", s.ip_days, 1, 3650)?;
    let inactive = validate::in_range("inactive_client_years", s.inactive_client_years, 1, 100)?;
    let audit = validate::in_range("audit_years", s.audit_years, 6, 100)?;
    let medical = validate::in_range("medical_record_years", s.medical_record_years, 0, 100)?;
    let glass = validate::in_range("break_glass_minutes", s.break_glass_minutes, 5, 720)?;
    conn.execute(
        "UPDATE privacy_settings SET chat_days = ?1, ip_days = ?2, inactive_client_years = ?3,
                audit_years = ?4, medical_record_years = ?5, break_glass_minutes = ?6,
                updated_at = ?7",
        params![chat, ip, inactive, audit, medical, glass, ctx.stamp()],
    )?;
    settings(conn)
}

/// One language's text of one version of the clinic's privacy policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicyVersion {
    pub version: String,
    pub language: String,
    pub text: String,
    /// When it took effect (UTC).
    pub effective_at: String,
    pub created_by_name: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicyText {
    pub language: String,
    pub text: String,
}

/// A new version of the policy, in one or more languages. It takes effect now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewPolicyVersion {
    pub version: String,
    pub texts: Vec<PolicyText>,
}

pub(crate) fn policies(conn: &Connection) -> Result<Vec<PolicyVersion>> {
    let mut st = conn.prepare_cached(
        "SELECT p.version, p.language, p.text, p.effective_at, s.display_name, p.created_at
           FROM policy_versions p LEFT JOIN staff s ON s.id = p.created_by
          ORDER BY p.effective_at DESC, p.language",
    )?;
    let rows = st.query_map([], |r| {
        Ok(PolicyVersion {
            version: r.get(0)?,
            language: r.get(1)?,
            text: r.get(2)?,
            effective_at: r.get(3)?,
            created_by_name: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The version in force: the chat link's (what the widget shows and visitors agree to).
pub(crate) fn current_version(conn: &Connection) -> Result<String> {
    Ok(conn
        .query_row("SELECT policy_version FROM chat_link", [], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| "1".into()))
}

pub(crate) fn publish(
    conn: &Connection,
    ctx: &Ctx,
    new: &NewPolicyVersion,
) -> Result<Vec<PolicyVersion>> {
    let version = validate::required("version", &new.version, 40)?;
    if new.texts.is_empty() {
        return Err(Error::invalid(
            "texts",
            "validation.required",
            "give the policy's text in at least one language",
        ));
    }
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM policy_versions WHERE version = ?1)",
        [&version],
        |r| r.get(0),
    )?;
    if exists {
        return Err(Error::invalid(
            "version",
            "privacy.policy_exists",
            "this version number is taken; a published policy never changes",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for t in &new.texts {
        let language = validate::required("language", &t.language, 16)?;
        let text = validate::text("text", &t.text, 100_000, true)?;
        if !seen.insert(language.clone()) {
            return Err(Error::invalid(
                "language",
                "validation.duplicate",
                "each language once",
            ));
        }
        conn.execute(
            "INSERT INTO policy_versions (version, language, text, effective_at, created_by,
                                          created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?4)",
            params![version, language, text, ctx.stamp(), ctx.staff_id()],
        )?;
    }
    // The widget shows the version in force, so visitors agree to this one from now on.
    conn.execute(
        "UPDATE chat_link SET policy_version = ?1, updated_at = ?2",
        params![version, ctx.stamp()],
    )?;
    policies(conn)
}
