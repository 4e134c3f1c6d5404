//! What each client agreed to, per purpose. Every decision is a row; the latest one per
//! purpose is in force, so withdrawing takes effect at once and the record of what was agreed
//! before stays.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::outbox::Mail;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Care,
    ChatStorage,
    ReminderSms,
    ReminderEmail,
    Marketing,
}

impl Purpose {
    pub const ALL: [Purpose; 5] = [
        Purpose::Care,
        Purpose::ChatStorage,
        Purpose::ReminderSms,
        Purpose::ReminderEmail,
        Purpose::Marketing,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Care => "care",
            Purpose::ChatStorage => "chat_storage",
            Purpose::ReminderSms => "reminder_sms",
            Purpose::ReminderEmail => "reminder_email",
            Purpose::Marketing => "marketing",
        }
    }
    fn parse(s: &str) -> Purpose {
        Purpose::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .unwrap_or(Purpose::Care)
    }
}

/// How the client told the clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    InPerson,
    Phone,
    WebChat,
    Written,
}

impl ConsentMethod {
    fn as_str(self) -> &'static str {
        match self {
            ConsentMethod::InPerson => "in_person",
            ConsentMethod::Phone => "phone",
            ConsentMethod::WebChat => "web_chat",
            ConsentMethod::Written => "written",
        }
    }
    fn parse(s: &str) -> ConsentMethod {
        match s {
            "phone" => ConsentMethod::Phone,
            "web_chat" => ConsentMethod::WebChat,
            "written" => ConsentMethod::Written,
            _ => ConsentMethod::InPerson,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Consent {
    pub purpose: Purpose,
    pub given: bool,
    pub method: ConsentMethod,
    pub recorded_by: Option<String>,
    pub recorded_by_name: Option<String>,
    pub at: String,
    /// The privacy policy version in force when the client decided.
    pub policy_version: Option<String>,
    /// What the client was shown or told when they decided.
    pub text_shown: Option<String>,
    /// The policy changed since: the client may be asked again.
    pub policy_outdated: bool,
    /// A newsletter "yes" waiting for the client to confirm their email address (double
    /// opt-in): not in force until confirmed.
    pub awaiting_confirmation: bool,
    pub confirmed_at: Option<String>,
}

/// How a consent is recorded at the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsentDecision {
    pub purpose: Purpose,
    pub given: bool,
    pub method: ConsentMethod,
    /// What the client was shown or told; the purpose's standard wording when left out.
    #[serde(default)]
    pub text_shown: Option<String>,
}

/// The standard wording of each purpose, recorded when staff give no other.
pub(crate) fn standard_text(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Care => "The clinic keeps my details and records to care for me.",
        Purpose::ChatStorage => "The clinic keeps the transcript of my website chats.",
        Purpose::ReminderSms => "The clinic may send me appointment reminders by SMS.",
        Purpose::ReminderEmail => "The clinic may send me appointment reminders by email.",
        Purpose::Marketing => "The clinic may send me its newsletter by email.",
    }
}

/// Whether the client's latest word on a purpose is yes (and, for the newsletter, confirmed).
pub(crate) fn given(conn: &Connection, client: &str, purpose: Purpose) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT given AND (confirm_hash IS NULL OR confirmed_at IS NOT NULL)
               FROM consents WHERE client_id = ?1 AND purpose = ?2
              ORDER BY seq DESC LIMIT 1",
        )?
        .query_row(params![client, purpose.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// Every decision, newest first.
pub(crate) fn list(conn: &Connection, client: &str) -> Result<Vec<Consent>> {
    crate::clients::get(conn, client)?;
    let current = crate::privacy::current_version(conn)?;
    let mut st = conn.prepare_cached(
        "SELECT c.purpose, c.given, c.method, c.recorded_by, s.display_name, c.at,
                c.policy_version, c.text_shown, c.confirm_hash IS NOT NULL, c.confirmed_at
           FROM consents c LEFT JOIN staff s ON s.id = c.recorded_by
          WHERE c.client_id = ?1 ORDER BY c.seq DESC",
    )?;
    let rows = st.query_map([client], |r| {
        let policy_version: Option<String> = r.get(6)?;
        let confirmed_at: Option<String> = r.get(9)?;
        let needs_confirming: bool = r.get(8)?;
        let given: bool = r.get(1)?;
        Ok(Consent {
            purpose: Purpose::parse(&r.get::<_, String>(0)?),
            given,
            method: ConsentMethod::parse(&r.get::<_, String>(2)?),
            recorded_by: r.get(3)?,
            recorded_by_name: r.get(4)?,
            at: r.get(5)?,
            policy_outdated: given && policy_version.as_deref() != Some(current.as_str()),
            policy_version,
            text_shown: r.get(7)?,
            awaiting_confirmation: given && needs_confirming && confirmed_at.is_none(),
            confirmed_at,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records one decision. A newsletter "yes" is held until the client confirms their email
/// address: a confirmation mail with a one-time code is queued, and `confirm` takes the code.
pub(crate) fn set(
    conn: &Connection,
    ctx: &Ctx,
    client: &str,
    d: &ConsentDecision,
) -> Result<Vec<Consent>> {
    record(conn, ctx.now, ctx.staff_id(), client, d)?;
    list(conn, client)
}

fn record(
    conn: &Connection,
    now: DateTime<Utc>,
    staff: Option<&str>,
    client: &str,
    d: &ConsentDecision,
) -> Result<()> {
    let c = crate::clients::get(conn, client)?;
    if c.erased_at.is_some() {
        return Err(Error::invalid(
            "client_id",
            "privacy.erased",
            "this client was erased",
        ));
    }
    let text = match &d.text_shown {
        Some(t) => crate::validate::text("text_shown", t, 2000, true)?,
        None => standard_text(d.purpose).to_string(),
    };
    let mut confirm: Option<(String, Vec<u8>, String)> = None;
    if d.purpose == Purpose::Marketing && d.given {
        let email = c.fields.email.clone().ok_or_else(|| {
            Error::invalid(
                "purpose",
                "consent.no_email",
                "the newsletter needs the client's email address",
            )
        })?;
        let code = confirmation_code();
        confirm = Some((email, Sha256::digest(code.as_bytes()).to_vec(), code));
    }
    conn.execute(
        "INSERT INTO consents (client_id, purpose, given, method, recorded_by, at,
                               policy_version, text_shown, confirm_email, confirm_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            client,
            d.purpose.as_str(),
            d.given,
            d.method.as_str(),
            staff,
            crate::clock::stamp(now),
            crate::privacy::current_version(conn)?,
            text,
            confirm.as_ref().map(|c| &c.0),
            confirm.as_ref().map(|c| &c.1),
        ],
    )?;
    if let Some((email, _, code)) = confirm {
        let clinic: String = conn.query_row("SELECT name FROM clinic", [], |r| r.get(0))?;
        crate::outbox::push_mail(
            conn,
            now,
            &format!("{}-newsletter-confirm", ulid::Ulid::new()),
            &Mail {
                to: email,
                subject: format!("{clinic}: please confirm your newsletter subscription"),
                body: format!(
                    "You asked {clinic} to send you its newsletter. To confirm that this \
                     address is yours, give the clinic this code: {code}\n\nIf you did not \
                     ask for it, ignore this message: nothing will be sent."
                ),
            },
        )?;
    }
    Ok(())
}

/// Confirms a newsletter subscription with the code from the confirmation mail.
pub(crate) fn confirm(conn: &Connection, ctx: &Ctx, code: &str) -> Result<(String, Vec<Consent>)> {
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_uppercase();
    let hash = Sha256::digest(format_code(&code).as_bytes()).to_vec();
    let found: Option<(i64, String, Option<String>)> = conn
        .query_row(
            "SELECT seq, client_id, confirmed_at FROM consents WHERE confirm_hash = ?1",
            [&hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((seq, client, confirmed)) = found else {
        return Err(Error::invalid(
            "code",
            "consent.bad_code",
            "no subscription waits for this code",
        ));
    };
    // Only the latest newsletter decision can be confirmed: a withdrawal made since wins.
    let latest: i64 = conn.query_row(
        "SELECT max(seq) FROM consents WHERE client_id = ?1 AND purpose = 'marketing'",
        [&client],
        |r| r.get(0),
    )?;
    if seq != latest {
        return Err(Error::invalid(
            "code",
            "consent.superseded",
            "the client changed their newsletter choice since this code was sent",
        ));
    }
    if confirmed.is_none() {
        conn.execute(
            "UPDATE consents SET confirmed_at = ?2 WHERE seq = ?1",
            params![seq, ctx.stamp()],
        )?;
    }
    Ok((client.clone(), list(conn, &client)?))
}

fn confirmation_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let raw: String = (0..8)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format_code(&raw)
}

fn format_code(raw: &str) -> String {
    if raw.len() == 8 {
        format!("{}-{}", &raw[..4], &raw[4..])
    } else {
        raw.to_string()
    }
}

/// The confirmed newsletter audience: clients whose latest newsletter decision is a confirmed
/// yes, with the address they confirmed. Restricted and erased clients are never on it.
pub(crate) fn newsletter_audience(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut st = conn.prepare(
        "SELECT c.client_id, c.confirm_email FROM consents c
           JOIN clients k ON k.id = c.client_id
          WHERE c.purpose = 'marketing' AND c.given = 1 AND c.confirmed_at IS NOT NULL
            AND k.restricted_at IS NULL AND k.erased_at IS NULL
            AND c.seq = (SELECT max(seq) FROM consents x
                          WHERE x.client_id = c.client_id AND x.purpose = 'marketing')
          ORDER BY c.seq",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Consents from a website chat's questionnaire, recorded when the chat is linked to a
/// client: the transcript (the visitor agreed to the policy to start the chat) and, when
/// ticked, the newsletter (held for the address to be confirmed).
pub(crate) fn from_chat(
    conn: &Connection,
    now: DateTime<Utc>,
    staff: Option<&str>,
    conversation: &str,
) -> Result<()> {
    let (client, opt_in, version): (Option<String>, Option<bool>, Option<String>) = conn
        .query_row(
            "SELECT client_id, marketing_opt_in, policy_version FROM conversations WHERE id = ?1",
            [conversation],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
    let Some(client) = client else { return Ok(()) };
    let already: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM consents WHERE client_id = ?1 AND method = 'web_chat'
                          AND text_shown LIKE 'chat ' || ?2 || ':%')",
        params![client, conversation],
        |r| r.get(0),
    )?;
    if already {
        return Ok(());
    }
    let write = |purpose: Purpose, shown: &str| -> Result<()> {
        conn.execute(
            "INSERT INTO consents (client_id, purpose, given, method, recorded_by, at,
                                   policy_version, text_shown)
             VALUES (?1, ?2, 1, 'web_chat', ?3, ?4, ?5, ?6)",
            params![
                client,
                purpose.as_str(),
                staff,
                crate::clock::stamp(now),
                version,
                format!("chat {conversation}: {shown}")
            ],
        )?;
        Ok(())
    };
    write(
        Purpose::ChatStorage,
        "I agree to the privacy policy (website chat questionnaire)",
    )?;
    if opt_in == Some(true) {
        let email = crate::clients::get(conn, &client)?.fields.email;
        if email.is_some() {
            record(
                conn,
                now,
                staff,
                &client,
                &ConsentDecision {
                    purpose: Purpose::Marketing,
                    given: true,
                    method: ConsentMethod::WebChat,
                    text_shown: Some(format!(
                        "chat {conversation}: Send me the newsletter (website chat questionnaire)"
                    )),
                },
            )?;
        }
    }
    Ok(())
}
