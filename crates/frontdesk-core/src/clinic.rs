//! The open clinic: one database connection, the sessions, and the ways in (create, unlock,
//! log in). Requests go through `Clinic::handle` in door.rs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Outcome};
use crate::auth::{self, Secret, Session, Sessions, TotpEnrollment};
use crate::clock::{self, Clock, SystemClock};
use crate::error::{Error, Result};
use crate::events::{Event, Listeners};
use crate::keys::{self, DbKey, KeyFile, KeyStore};
use crate::permissions::Role;
use crate::staff::{self, NewStaff, Staff, StaffFields};
use crate::store::{self, Mode};
use crate::{validate, Ctx};

/// How a clinic is opened: the clock it runs on and the keyring that keeps its key.
#[derive(Clone)]
pub struct Options {
    pub clock: Arc<dyn Clock>,
    /// Where the raw key is kept on this PC; `None` for the admin CLI, which always uses the
    /// recovery passphrase.
    pub keyring: Option<Arc<dyn KeyStore>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: Arc::new(SystemClock),
            keyring: None,
        }
    }
}

/// What the first-run setup asks for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewClinic {
    pub name: String,
    pub time_zone: String,
    /// Two-letter country code used to read local phone numbers ("KH", "VN", "JO", "GB").
    pub phone_region: String,
    pub admin_login: String,
    pub admin_name: String,
    pub admin_password: Secret,
    pub recovery_passphrase: Secret,
}

pub struct Created {
    pub clinic: Clinic,
    pub admin: Staff,
    pub admin_totp: TotpEnrollment,
    /// False when the OS keyring could not take the key; the passphrase still opens the clinic.
    pub key_in_keyring: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClinicInfo {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    pub phone_region: String,
    pub idle_timeout_minutes: i64,
    pub schema_version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LoginRequest {
    pub login: String,
    pub password: Secret,
    #[serde(default)]
    pub totp_code: Option<String>,
    pub workstation: String,
}

pub struct Clinic {
    pub(crate) conn: Mutex<Connection>,
    pub(crate) path: PathBuf,
    pub(crate) clinic_id: String,
    pub(crate) key: Mutex<DbKey>,
    pub(crate) sessions: Sessions,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) keyring: Option<Arc<dyn KeyStore>>,
    pub(crate) listeners: Listeners,
    /// Set by `open_as_operator` only: then, and only then, may the operator principal act.
    pub(crate) operator_unlocked: bool,
    /// The second connection that copies the write-ahead log (checkpoint.rs).
    pub(crate) checkpointer: Mutex<crate::checkpoint::Checkpointer>,
}

impl Clinic {
    /// Sets up a new clinic: the key, the key file, the database, and its first admin.
    pub fn create(path: &Path, setup: &NewClinic, opts: Options) -> Result<Created> {
        Self::create_inner(path, setup, opts, true)
    }

    /// An unencrypted twin, only so the benchmark can measure what SQLCipher costs.
    #[cfg(feature = "bench-plaintext")]
    #[doc(hidden)]
    pub fn create_plaintext_benchmark_twin(
        path: &Path,
        setup: &NewClinic,
        opts: Options,
    ) -> Result<Created> {
        Self::create_inner(path, setup, opts, false)
    }

    /// Opens the unencrypted benchmark twin.
    #[cfg(feature = "bench-plaintext")]
    #[doc(hidden)]
    pub fn open_plaintext_benchmark_twin(path: &Path, opts: Options) -> Result<Clinic> {
        let conn = store::open(path, None, Mode::Existing)?;
        let id: String = conn.query_row("SELECT id FROM clinic", [], |r| r.get(0))?;
        Ok(Clinic::assemble(
            conn,
            path,
            id,
            DbKey::random(),
            opts,
            true,
        ))
    }

    fn create_inner(
        path: &Path,
        setup: &NewClinic,
        opts: Options,
        encrypted: bool,
    ) -> Result<Created> {
        // Every check runs before anything touches the disk.
        let name = validate::required("name", &setup.name, validate::MAX_NAME)?;
        let tz = validate::time_zone(&setup.time_zone)?;
        let region = validate::region(&setup.phone_region)?;
        keys::check_passphrase_strength(setup.recovery_passphrase.expose())?;
        let admin_login = validate::login(&setup.admin_login)?;
        validate::password("admin_password", setup.admin_password.expose())?;
        validate::required("admin_name", &setup.admin_name, validate::MAX_NAME)?;
        if path.exists() {
            return Err(Error::AlreadyExists(path.display().to_string()));
        }
        if KeyFile::path_for(path).exists() {
            return Err(Error::AlreadyExists(
                KeyFile::path_for(path).display().to_string(),
            ));
        }

        let clinic_id = ulid::Ulid::new().to_string();
        let key = DbKey::random();
        // The key file goes first: a database must never exist without a way to open it.
        if encrypted {
            KeyFile::new(&clinic_id, setup.recovery_passphrase.expose(), &[&key])?.write(path)?;
        }
        let result = (|| {
            let conn = store::open(path, encrypted.then_some(&key), Mode::Create)?;
            Self::init_rows(
                &conn,
                &opts,
                &clinic_id,
                &name,
                tz,
                region,
                &admin_login,
                setup,
            )
            .map(|(admin, totp)| (conn, admin, totp))
        })();
        let (conn, admin, admin_totp) = match result {
            Ok(v) => v,
            Err(e) => {
                remove_database_files(path);
                return Err(e);
            }
        };
        let key_in_keyring = opts
            .keyring
            .as_ref()
            .map(|k| k.store(&clinic_id, &key).is_ok())
            .unwrap_or(false);
        let clinic = Clinic::assemble(conn, path, clinic_id, key, opts, false);
        Ok(Created {
            clinic,
            admin,
            admin_totp,
            key_in_keyring,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn init_rows(
        conn: &Connection,
        opts: &Options,
        clinic_id: &str,
        name: &str,
        tz: chrono_tz::Tz,
        region: phonenumber::country::Id,
        admin_login: &str,
        setup: &NewClinic,
    ) -> Result<(Staff, TotpEnrollment)> {
        let tx = conn.unchecked_transaction()?;
        let now = opts.clock.now();
        tx.execute(
            "INSERT INTO clinic (one, id, name, time_zone, phone_region, created_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            params![
                clinic_id,
                name,
                tz.name(),
                region.as_ref(),
                clock::stamp(now)
            ],
        )?;
        // No clients yet: this only records the country's alphabet for the ones to come.
        crate::search::ensure_current(&tx)?;
        let ctx = Ctx::new(now, Actor::Operator, "setup".into(), region, tz);
        let (admin, totp) = staff::create(
            &tx,
            &ctx,
            &NewStaff {
                login: admin_login.to_string(),
                password: setup.admin_password.clone(),
                fields: StaffFields::new(&setup.admin_name, Role::Admin),
            },
        )?;
        audit::append(
            &tx,
            now,
            &audit::Entry {
                actor: &Actor::Operator,
                workstation: "setup",
                action: "clinic.create",
                target_kind: Some("staff"),
                target_id: Some(admin.id.clone()),
                outcome: Outcome::Ok,
                detail: None,
            },
        )?;
        tx.commit()?;
        Ok((admin, totp.expect("admins always get TOTP")))
    }

    fn assemble(
        conn: Connection,
        path: &Path,
        clinic_id: String,
        key: DbKey,
        opts: Options,
        operator_unlocked: bool,
    ) -> Clinic {
        let clinic = Clinic {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            clinic_id,
            key: Mutex::new(key),
            sessions: Sessions::default(),
            clock: opts.clock,
            keyring: opts.keyring,
            listeners: Listeners::default(),
            operator_unlocked,
            checkpointer: Mutex::default(),
        };
        clinic.scrub_if_pending();
        clinic
    }

    /// Opens with the key from the OS keyring: no passphrase, no KDF. `KeyringMissing` or
    /// `WrongKey` mean: ask for the recovery passphrase.
    pub fn open_with_keyring(path: &Path, opts: Options) -> Result<Clinic> {
        let kf = KeyFile::read(path)?;
        let key = opts
            .keyring
            .as_ref()
            .ok_or(Error::KeyringMissing)?
            .load(&kf.clinic_id)?
            .ok_or(Error::KeyringMissing)?;
        let conn = store::open(path, Some(&key), Mode::Existing)?;
        Ok(Clinic::assemble(conn, path, kf.clinic_id, key, opts, false))
    }

    /// Opens with the recovery passphrase (the desk app's fallback when the keyring has no
    /// key or a stale one), and puts the key back into the keyring if there is one.
    pub fn open_with_passphrase(path: &Path, passphrase: &str, opts: Options) -> Result<Clinic> {
        Self::unlock(path, passphrase, opts, false)
    }

    /// Opens with the recovery passphrase for the admin CLI: only a clinic opened this way
    /// accepts the operator principal.
    pub fn open_as_operator(path: &Path, passphrase: &str, opts: Options) -> Result<Clinic> {
        Self::unlock(path, passphrase, opts, true)
    }

    fn unlock(path: &Path, passphrase: &str, opts: Options, operator: bool) -> Result<Clinic> {
        let kf = KeyFile::read(path)?;
        let candidates = kf.unwrap_keys(passphrase)?;
        let several = candidates.len() > 1;
        let mut last_err = Error::WrongKey;
        for key in candidates {
            match store::open(path, Some(&key), Mode::Existing) {
                Ok(conn) => {
                    if several {
                        // A key rotation was interrupted; keep only the key that works.
                        KeyFile::new(&kf.clinic_id, passphrase, &[&key])?.write(path)?;
                    }
                    if let Some(k) = &opts.keyring {
                        let _ = k.store(&kf.clinic_id, &key);
                    }
                    return Ok(Clinic::assemble(
                        conn,
                        path,
                        kf.clinic_id,
                        key,
                        opts,
                        operator,
                    ));
                }
                Err(Error::WrongKey) => continue,
                Err(e) => last_err = e,
            }
        }
        Err(match last_err {
            // The passphrase was right (the wrap opened) but no key opens the file.
            Error::WrongKey => Error::NotFrontdesk(format!(
                "{} (it does not belong to its key file)",
                path.display()
            )),
            e => e,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn id(&self) -> &str {
        &self.clinic_id
    }

    pub(crate) fn db(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn info(conn: &Connection) -> Result<ClinicInfo> {
        Ok(conn.query_row(
            "SELECT id, name, time_zone, phone_region, idle_timeout_minutes FROM clinic",
            [],
            |r| {
                Ok(ClinicInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    time_zone: r.get(2)?,
                    phone_region: r.get(3)?,
                    idle_timeout_minutes: r.get(4)?,
                    schema_version: store::schema_version(),
                })
            },
        )?)
    }

    /// Logs a staff member in. Failures count towards the lockout and are audited; the
    /// counters are written even though the call returns an error.
    pub fn login(&self, req: &LoginRequest) -> Result<Session> {
        let workstation = validate::required("workstation", &req.workstation, 100)?;
        let login = req.login.trim().to_lowercase();
        let now = self.now();
        let mut conn = self.db();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let info = Self::info(&tx)?;
        let outcome = self.check_login(&tx, &login, req, now);
        let (actor, result) = match outcome {
            Ok((id, role, opened)) => (Actor::Staff(id.clone()), Ok((id, role, opened))),
            Err((who, e)) => (who, Err(e)),
        };
        let (outcome, detail) = verdict(&result);
        audit::append(
            &tx,
            now,
            &audit::Entry {
                actor: &actor,
                workstation: &workstation,
                action: "auth.login",
                target_kind: None,
                target_id: None,
                outcome,
                detail,
            },
        )?;
        tx.commit()?;
        let (staff_id, role, opened) = result?;
        if opened {
            drop(conn);
            // Opening is committed whatever happens here; a failure to tell is logged loudly.
            if let Err(e) = self.break_glass_opened(&staff_id, &workstation) {
                tracing::error!(
                    code = e.code(),
                    "telling the admins about break-glass failed"
                );
            }
            conn = self.db();
        }
        let display_name: String = conn.query_row(
            "SELECT display_name FROM staff WHERE id = ?1",
            [&staff_id],
            |r| r.get(0),
        )?;
        let token = self.sessions.start(&staff_id, &workstation, now);
        drop(conn);
        // Someone new is online: waiting chats may go to them. A failure here must not undo
        // the login; the host's next tick tries again.
        if let Err(e) = self.routing_tick() {
            tracing::warn!(code = e.code(), "routing after login failed");
        }
        Ok(Session {
            token,
            staff_id,
            login,
            display_name,
            role,
            workstation,
            idle_timeout_minutes: info.idle_timeout_minutes,
        })
    }

    /// The clinic's name, time zone and settings: no personal data, so the login screen may
    /// show them before anyone has logged in.
    pub fn public_info(&self) -> Result<ClinicInfo> {
        Self::info(&self.db())
    }

    /// Hears of every committed change to shared records (see events.rs).
    pub fn subscribe(&self) -> std::sync::mpsc::Receiver<Event> {
        self.listeners.subscribe()
    }

    /// Locks a session at once (the desk's "lock" key, or its idle timer): it keeps its place
    /// but serves nothing until `unlock_session`.
    pub fn lock_session(&self, token: &str) -> Result<()> {
        let s = self.sessions.get(token)?;
        self.sessions.set_locked(token, true, self.now())?;
        self.audit_session(&s.staff_id, &s.workstation, "auth.lock")
    }

    /// Unlocks a locked (or idle) session with its own staff member's password. Wrong
    /// passwords count towards the same lockout as logins; TOTP is not asked again, since the
    /// session already passed it.
    pub fn unlock_session(&self, token: &str, password: &Secret) -> Result<Session> {
        let s = self.sessions.get(token)?;
        let now = self.now();
        let mut conn = self.db();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let info = Self::info(&tx)?;
        let (login, display_name): (String, String) = tx.query_row(
            "SELECT login, display_name FROM staff WHERE id = ?1",
            [&s.staff_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let result = match staff::credentials(&tx, &login)? {
            None => Err(Error::SessionExpired),
            Some(cred) => self
                .check_password(&tx, &cred, password, now)
                .and(if cred.active {
                    Ok(cred.role)
                } else {
                    Err(Error::AccountInactive)
                }),
        };
        if result.is_ok() {
            staff::record_success(&tx, &s.staff_id, None)?;
        }
        let (outcome, detail) = verdict(&result);
        let entry = audit::Entry {
            actor: &Actor::Staff(s.staff_id.clone()),
            workstation: &s.workstation,
            action: "auth.unlock",
            target_kind: None,
            target_id: None,
            outcome,
            detail,
        };
        audit::append(&tx, now, &entry)?;
        tx.commit()?;
        drop(conn);
        let role = result.inspect_err(|e| {
            if matches!(e, Error::AccountInactive) {
                self.sessions.end(token);
            }
        })?;
        self.sessions.set_locked(token, false, now)?;
        Ok(Session {
            token: token.to_string(),
            staff_id: s.staff_id,
            login,
            display_name,
            role,
            workstation: s.workstation,
            idle_timeout_minutes: info.idle_timeout_minutes,
        })
    }

    /// Keeps an unlocked session from idling out while its person is busy at the desk (typing
    /// a long note sends no request). Not audited: it reads and changes nothing.
    pub fn keep_alive(&self, token: &str) -> Result<()> {
        self.sessions
            .touch(token, self.now(), self.idle_timeout()?)
            .map(|_| ())
    }

    /// Whether the session serves nothing until its password is given: locked on purpose, or
    /// idle past the timeout (which the next request would find and lock).
    pub fn session_locked(&self, token: &str) -> Result<bool> {
        let s = self.sessions.get(token)?;
        Ok(s.locked || self.now() - s.last_seen > self.idle_timeout()?)
    }

    /// Who holds a live session (locked or not): for a LAN desk taking its session up again
    /// after its connection came back.
    pub fn session(&self, token: &str) -> Result<Session> {
        let s = self.sessions.get(token)?;
        let conn = self.db();
        let info = Self::info(&conn)?;
        let (login, display_name, role): (String, String, String) = conn.query_row(
            "SELECT login, display_name, role FROM staff WHERE id = ?1",
            [&s.staff_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(Session {
            token: token.to_string(),
            staff_id: s.staff_id,
            login,
            display_name,
            role: crate::permissions::Role::parse(&role)?,
            workstation: s.workstation,
            idle_timeout_minutes: info.idle_timeout_minutes,
        })
    }

    /// How long a session may idle before it locks: the clinic's setting.
    pub(crate) fn idle_timeout(&self) -> Result<chrono::Duration> {
        let minutes: i64 =
            self.db()
                .query_row("SELECT idle_timeout_minutes FROM clinic", [], |r| r.get(0))?;
        Ok(chrono::Duration::minutes(minutes))
    }

    /// Ends a session whether or not it is locked ("switch user" at a locked desk).
    pub fn end_session(&self, token: &str) -> Result<()> {
        let s = self.sessions.get(token)?;
        self.sessions.end(token);
        self.audit_session(&s.staff_id, &s.workstation, "auth.logout")
    }

    /// Audits a session's lock or end, which always succeeds once the session is found.
    fn audit_session(&self, staff_id: &str, workstation: &str, action: &str) -> Result<()> {
        self.audit_now(&audit::Entry {
            actor: &Actor::Staff(staff_id.to_string()),
            workstation,
            action,
            target_kind: None,
            target_id: None,
            outcome: Outcome::Ok,
            detail: None,
        })
    }

    /// Writes one audit record in a transaction of its own, for work that has none.
    pub(crate) fn audit_now(&self, entry: &audit::Entry) -> Result<()> {
        let mut conn = self.db();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        audit::append(&tx, self.now(), entry)?;
        tx.commit()?;
        Ok(())
    }

    /// The password check with the lockout: refuses while locked, counts a failure and locks
    /// after too many.
    fn check_password(
        &self,
        conn: &Connection,
        cred: &staff::Credentials,
        password: &Secret,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if let Some(until) = cred.locked_until.as_deref().and_then(clock::parse) {
            if until > now {
                return Err(Error::LockedOut {
                    retry_after_secs: (until - now).num_seconds().max(1),
                });
            }
        }
        if auth::verify_password(&cred.password_hash, password.expose()) {
            return Ok(());
        }
        Err(Self::count_failure(conn, cred, now, Error::BadCredentials))
    }

    /// Records one more failure; the error becomes `LockedOut` when this one locks the account.
    fn count_failure(
        conn: &Connection,
        cred: &staff::Credentials,
        now: DateTime<Utc>,
        err: Error,
    ) -> Error {
        let failures = cred.failed_logins + 1;
        let lock = auth::lock_for(failures);
        let until = lock.map(|d| clock::stamp(now + d));
        if let Err(db) = staff::record_failure(conn, &cred.id, failures, until) {
            return db;
        }
        match lock {
            Some(d) => Error::LockedOut {
                retry_after_secs: d.num_seconds(),
            },
            None => err,
        }
    }

    #[allow(clippy::type_complexity)]
    fn check_login(
        &self,
        conn: &Connection,
        login: &str,
        req: &LoginRequest,
        now: DateTime<Utc>,
    ) -> std::result::Result<(String, Role, bool), (Actor, Error)> {
        let db_err = |e: Error| (Actor::Anonymous, e);
        let Some(cred) = staff::credentials(conn, login).map_err(db_err)? else {
            auth::burn_password_check(req.password.expose());
            return Err((Actor::Anonymous, Error::BadCredentials));
        };
        let who = Actor::Staff(cred.id.clone());
        self.check_password(conn, &cred, &req.password, now)
            .map_err(|e| (who.clone(), e))?;
        if cred.break_glass {
            let opened = crate::breakglass::on_login(
                conn,
                &cred.id,
                cred.active,
                cred.break_glass_until.as_deref(),
                now,
            )
            .map_err(|e| (who.clone(), e))?;
            staff::record_success(conn, &cred.id, None).map_err(|e| (who.clone(), e))?;
            return Ok((cred.id, Role::Emergency, opened));
        }
        if !cred.active {
            return Err((who, Error::AccountInactive));
        }
        let mut step = None;
        if cred.role.requires_totp() || cred.totp_secret.is_some() {
            let Some(secret) = cred.totp_secret.as_deref() else {
                // A role that needs TOTP always has it enrolled (staff.rs); refuse otherwise.
                return Err((who, Error::TotpRequired));
            };
            let Some(code) = req.totp_code.as_deref().filter(|c| !c.trim().is_empty()) else {
                return Err((who, Error::TotpRequired));
            };
            match auth::check_totp(secret, login, code, now, cred.totp_last_step) {
                Ok(Some(s)) => step = Some(s),
                Ok(None) => {
                    return Err((who, Self::count_failure(conn, &cred, now, Error::BadTotp)))
                }
                Err(e) => return Err((who, e)),
            }
        }
        staff::record_success(conn, &cred.id, step).map_err(|e| (who.clone(), e))?;
        Ok((cred.id, cred.role, false))
    }
}

/// How a login or unlock attempt is audited: allowed, or denied with the error's code.
fn verdict<T>(result: &Result<T>) -> (Outcome, Option<String>) {
    match result {
        Ok(_) => (Outcome::Ok, None),
        Err(e) => (Outcome::Denied, Some(e.code().to_string())),
    }
}

/// Removes a half-made database and its key file after a failed setup.
fn remove_database_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", ".key"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}
