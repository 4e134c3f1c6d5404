//! Clients: the record, its history of changes, duplicate flags, and the search index.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::search;
use crate::validate::{self, Phone};
use crate::Ctx;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ClientSource {
    #[default]
    WalkIn,
    Phone,
    WebChat,
    Other,
}

impl ClientSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientSource::WalkIn => "walk_in",
            ClientSource::Phone => "phone",
            ClientSource::WebChat => "web_chat",
            ClientSource::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        [
            ClientSource::WalkIn,
            ClientSource::Phone,
            ClientSource::WebChat,
            ClientSource::Other,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| {
            Error::invalid(
                "source",
                "validation.source",
                "must be walk_in, phone, web_chat or other",
            )
        })
    }
}

/// What staff enter about a client. Phones are as typed; they are checked and stored as typed
/// and in E.164.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClientFields {
    pub full_name: String,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    pub preferred_language: Option<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub account_manager_id: Option<String>,
    #[serde(default)]
    pub source: ClientSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Client {
    pub id: String,
    #[serde(flatten)]
    pub fields: ClientFields,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
    pub version: i64,
    /// Restricted: kept because the law requires it, hidden from lists, search and reminders.
    pub restricted_at: Option<String>,
    /// Erased: every personal field is gone; only the record's id and what reports count stay.
    pub erased_at: Option<String>,
}

/// One line of a result list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClientSummary {
    pub id: String,
    pub full_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClientPage {
    pub items: Vec<ClientSummary>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClientSaved {
    pub client: Client,
    /// Other clients with the same phone number or email: probably the same person.
    pub possible_duplicates: Vec<ClientSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryEntry {
    pub version: i64,
    pub at: String,
    /// A staff id, or "operator".
    pub actor: String,
    /// {"field": {"from": old, "to": new}}
    pub changes: Value,
}

/// The checked form of `ClientFields`, ready to store.
struct Checked {
    full_name: String,
    phones: Vec<Phone>,
    email: Option<(String, String)>,
    address: Option<String>,
    date_of_birth: Option<NaiveDate>,
    preferred_language: Option<String>,
    notes: String,
    account_manager_id: Option<String>,
    source: ClientSource,
}

impl Checked {
    /// The stored form, as the card shows it; what history compares.
    fn fields(&self) -> ClientFields {
        ClientFields {
            full_name: self.full_name.clone(),
            phones: self.phones.iter().map(|p| p.display.clone()).collect(),
            email: self.email.as_ref().map(|(e, _)| e.clone()),
            address: self.address.clone(),
            date_of_birth: self.date_of_birth,
            preferred_language: self.preferred_language.clone(),
            notes: self.notes.clone(),
            account_manager_id: self.account_manager_id.clone(),
            source: self.source,
        }
    }
}

fn check(conn: &Connection, ctx: &Ctx, f: &ClientFields) -> Result<Checked> {
    let full_name = validate::required("full_name", &f.full_name, validate::MAX_NAME)?;
    let phones = validate::phones("phones", &f.phones, ctx.region)?;
    let email = validate::email("email", f.email.as_deref())?;
    let address = validate::optional("address", f.address.as_deref(), validate::MAX_ADDRESS)?;
    let date_of_birth = validate::date_of_birth(f.date_of_birth, ctx.today())?;
    let preferred_language = validate::language(f.preferred_language.as_deref())?;
    let notes = validate::text("notes", &f.notes, validate::MAX_NOTES, true)?;
    let account_manager_id = match f.account_manager_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => {
            let active: Option<bool> = conn
                .query_row("SELECT active FROM staff WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            if active != Some(true) {
                return Err(Error::invalid(
                    "account_manager_id",
                    "validation.unknown_staff",
                    "is not an active staff member",
                ));
            }
            Some(id.to_string())
        }
    };
    Ok(Checked {
        full_name,
        phones,
        email,
        address,
        date_of_birth,
        preferred_language,
        notes,
        account_manager_id,
        source: f.source,
    })
}

fn field_map(f: &ClientFields) -> Map<String, Value> {
    match serde_json::to_value(f).expect("fields serialize") {
        Value::Object(m) => m,
        _ => unreachable!("a struct serializes to an object"),
    }
}

fn diff(old: Option<&ClientFields>, new: &ClientFields) -> Map<String, Value> {
    let new_map = field_map(new);
    let old_map = old.map(field_map).unwrap_or_default();
    let mut changes = Map::new();
    for (k, v) in new_map {
        let before = old_map.get(&k).cloned().unwrap_or(Value::Null);
        let empty = |x: &Value| {
            x.is_null() || x.as_str() == Some("") || x.as_array().is_some_and(|a| a.is_empty())
        };
        if before != v && !(empty(&before) && empty(&v)) {
            changes.insert(k, json!({ "from": before, "to": v }));
        }
    }
    changes
}

fn write_phones(conn: &Connection, id: &str, phones: &[Phone]) -> Result<()> {
    conn.prepare_cached("DELETE FROM client_phones WHERE client_id = ?1")?
        .execute([id])?;
    let mut ins = conn.prepare_cached(
        "INSERT INTO client_phones (client_id, position, phone, e164) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, p) in phones.iter().enumerate() {
        ins.execute(params![id, i as i64, p.display, p.e164])?;
    }
    Ok(())
}

fn write_history(
    conn: &Connection,
    ctx: &Ctx,
    id: &str,
    version: i64,
    changes: Map<String, Value>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO client_history (client_id, version, at, actor, changes)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id,
        version,
        ctx.stamp(),
        ctx.actor.label(),
        Value::Object(changes).to_string()
    ])?;
    Ok(())
}

fn duplicates(conn: &Connection, id: &str, c: &Checked) -> Result<Vec<ClientSummary>> {
    let mut seqs: Vec<i64> = Vec::new();
    if let Some((_, norm)) = &c.email {
        let mut stmt = conn.prepare_cached(
            "SELECT seq FROM clients WHERE email_norm = ?1 AND id != ?2 LIMIT 20",
        )?;
        for s in stmt.query_map(params![norm, id], |r| r.get(0))? {
            seqs.push(s?);
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT c.seq FROM client_phones p JOIN clients c ON c.id = p.client_id
         WHERE p.e164 = ?1 AND p.client_id != ?2 LIMIT 20",
    )?;
    for p in &c.phones {
        for s in stmt.query_map(params![p.e164, id], |r| r.get(0))? {
            seqs.push(s?);
        }
    }
    seqs.sort_unstable();
    seqs.dedup();
    summaries(conn, &seqs)
}

/// Writes the row (an upsert by id, so a retry cannot duplicate it), its phones, a history
/// entry and its search text, all in the caller's transaction.
fn write(
    conn: &Connection,
    ctx: &Ctx,
    id: &str,
    version: i64,
    c: &Checked,
    changes: Map<String, Value>,
) -> Result<()> {
    let seq: i64 = conn
        .prepare_cached(
            "INSERT INTO clients (id, full_name, name_fold, email, email_norm, address,
                                  date_of_birth, preferred_language, notes, account_manager_id,
                                  source, created_at, created_by, updated_at, updated_by, version,
                                  name_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12, ?13, ?14, ?15)
             ON CONFLICT (id) DO UPDATE SET
                 full_name = excluded.full_name, name_fold = excluded.name_fold,
                 name_key = excluded.name_key,
                 email = excluded.email, email_norm = excluded.email_norm,
                 address = excluded.address, date_of_birth = excluded.date_of_birth,
                 preferred_language = excluded.preferred_language, notes = excluded.notes,
                 account_manager_id = excluded.account_manager_id, source = excluded.source,
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by,
                 version = excluded.version
             RETURNING seq",
        )?
        .query_row(
            params![
                id,
                c.full_name,
                search::fold(&c.full_name),
                c.email.as_ref().map(|e| &e.0),
                c.email.as_ref().map(|e| &e.1),
                c.address,
                c.date_of_birth,
                c.preferred_language,
                c.notes,
                c.account_manager_id,
                c.source.as_str(),
                ctx.stamp(),
                ctx.actor.label(),
                version,
                search::name_key(
                    crate::collation::NameOrder::for_region(ctx.region.as_ref()),
                    &c.full_name
                )
            ],
            |r| r.get(0),
        )?;
    write_phones(conn, id, &c.phones)?;
    write_history(conn, ctx, id, version, changes)?;
    let email = c.email.as_ref().map(|e| e.0.as_str());
    search::upsert_index(
        conn,
        seq,
        &search::index_text(&c.full_name, email, &c.phones),
    )
}

fn saved(conn: &Connection, id: &str, c: &Checked) -> Result<ClientSaved> {
    Ok(ClientSaved {
        possible_duplicates: duplicates(conn, id, c)?,
        client: get(conn, id)?,
    })
}

/// Adds a client. With a sender-made `id`, a repeat of the same request returns the client it
/// created the first time; the same id with other data is a conflict.
pub(crate) fn create(
    conn: &Connection,
    ctx: &Ctx,
    id: Option<&str>,
    f: &ClientFields,
) -> Result<ClientSaved> {
    let c = check(conn, ctx, f)?;
    let id = match id {
        None => ulid::Ulid::new().to_string(),
        Some(given) => {
            let id = ulid::Ulid::from_string(given.trim())
                .map_err(|_| Error::invalid("id", "validation.id", "is not a ULID"))?
                .to_string();
            match get(conn, &id) {
                Ok(existing) if existing.fields == c.fields() => return saved(conn, &id, &c),
                Ok(_) => return Err(Error::Conflict { kind: "client", id }),
                Err(Error::NotFound { .. }) => id,
                Err(e) => return Err(e),
            }
        }
    };
    write(conn, ctx, &id, 1, &c, diff(None, &c.fields()))?;
    saved(conn, &id, &c)
}

/// Saves edited fields if nobody else saved in between (`expected_version`). Saving the same
/// values again changes nothing and writes no history.
pub(crate) fn update(
    conn: &Connection,
    ctx: &Ctx,
    id: &str,
    expected_version: i64,
    f: &ClientFields,
) -> Result<ClientSaved> {
    let current = get(conn, id)?;
    if current.version != expected_version {
        return Err(Error::Conflict {
            kind: "client",
            id: id.to_string(),
        });
    }
    let c = check(conn, ctx, f)?;
    let changes = diff(Some(&current.fields), &c.fields());
    if changes.is_empty() {
        return Ok(ClientSaved {
            client: current,
            possible_duplicates: Vec::new(),
        });
    }
    write(conn, ctx, id, current.version + 1, &c, changes)?;
    saved(conn, id, &c)
}

fn read(r: &Row) -> rusqlite::Result<Client> {
    let source: String = r.get("source")?;
    Ok(Client {
        id: r.get("id")?,
        fields: ClientFields {
            full_name: r.get("full_name")?,
            phones: Vec::new(),
            email: r.get("email")?,
            address: r.get("address")?,
            date_of_birth: r.get("date_of_birth")?,
            preferred_language: r.get("preferred_language")?,
            notes: r.get("notes")?,
            account_manager_id: r.get("account_manager_id")?,
            source: ClientSource::parse(&source).unwrap_or_default(),
        },
        created_at: r.get("created_at")?,
        created_by: r.get("created_by")?,
        updated_at: r.get("updated_at")?,
        updated_by: r.get("updated_by")?,
        version: r.get("version")?,
        restricted_at: r.get("restricted_at")?,
        erased_at: r.get("erased_at")?,
    })
}

fn phones_of(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT phone FROM client_phones WHERE client_id = ?1 ORDER BY position")?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn get(conn: &Connection, id: &str) -> Result<Client> {
    let mut client = conn
        .prepare_cached("SELECT * FROM clients WHERE id = ?1")?
        .query_row([id], read)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "client",
            id: id.to_string(),
        })?;
    client.fields.phones = phones_of(conn, id)?;
    Ok(client)
}

pub(crate) fn history(conn: &Connection, id: &str) -> Result<Vec<HistoryEntry>> {
    get(conn, id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT version, at, actor, changes FROM client_history WHERE client_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([id], |r| {
        let changes: String = r.get(3)?;
        Ok(HistoryEntry {
            version: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            changes: serde_json::from_str(&changes).unwrap_or(Value::Null),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Summaries in the order of `seqs`.
pub(crate) fn summaries(conn: &Connection, seqs: &[i64]) -> Result<Vec<ClientSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.full_name, c.email,
                (SELECT phone FROM client_phones p WHERE p.client_id = c.id ORDER BY position
                 LIMIT 1)
         FROM clients c WHERE c.seq = ?1",
    )?;
    let mut out = Vec::with_capacity(seqs.len());
    for seq in seqs {
        if let Some(s) = stmt
            .query_row([seq], |r| {
                Ok(ClientSummary {
                    id: r.get(0)?,
                    full_name: r.get(1)?,
                    email: r.get(2)?,
                    phone: r.get(3)?,
                })
            })
            .optional()?
        {
            out.push(s);
        }
    }
    Ok(out)
}

pub(crate) fn search(
    conn: &Connection,
    query: &str,
    cursor: Option<&str>,
    limit: u32,
) -> Result<ClientPage> {
    let query = validate::text("query", query, validate::MAX_NAME, false)?;
    let (seqs, next_cursor) = search::find(conn, &query, cursor, limit)?;
    Ok(ClientPage {
        items: summaries(conn, &seqs)?,
        next_cursor,
    })
}
