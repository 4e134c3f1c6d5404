//! Shared set-up: a fresh clinic in a temp dir on a manual clock, and logins with real TOTP.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use frontdesk_core::clock::ManualClock;
use frontdesk_core::*;
use frontdesk_proto::crypto::{Body, Side, VisitorKey};
use frontdesk_proto::wire::VisitorEvent;

pub const PASSPHRASE: &str = "correct horse battery staple";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const STAFF_PASSWORD: &str = "staff-password-1";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub clinic: Clinic,
    pub keyring: Arc<MemoryKeyStore>,
    pub clock: ManualClock,
    pub admin: Staff,
    pub admin_totp: TotpEnrollment,
}

pub fn opts(keyring: &Arc<MemoryKeyStore>, clock: &ManualClock) -> Options {
    Options {
        clock: Arc::new(clock.clone()),
        keyring: Some(keyring.clone() as Arc<dyn KeyStore>),
    }
}

pub fn new_clinic() -> Fixture {
    new_clinic_in(&std::env::temp_dir())
}

pub fn new_clinic_in(parent: &std::path::Path) -> Fixture {
    let dir = tempfile::tempdir_in(parent).unwrap();
    let path = dir.path().join("clinic.db");
    let keyring = Arc::new(MemoryKeyStore::new());
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap());
    let created = Clinic::create(&path, &setup("Sunrise Clinic"), opts(&keyring, &clock)).unwrap();
    assert!(created.key_in_keyring);
    drop(created.clinic);
    let clinic = Clinic::open_as_operator(&path, PASSPHRASE, opts(&keyring, &clock)).unwrap();
    Fixture {
        path,
        clinic,
        keyring,
        clock,
        admin: created.admin,
        admin_totp: created.admin_totp,
        dir,
    }
}

/// The code an authenticator app would show now.
pub fn totp_code(e: &TotpEnrollment, login: &str, clock: &ManualClock) -> String {
    use frontdesk_core::clock::Clock;
    let secret = totp_rs::Secret::Encoded(e.secret_base32.clone())
        .to_bytes()
        .unwrap();
    let t = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        0,
        30,
        secret,
        Some("Frontdesk".into()),
        login.into(),
    )
    .unwrap();
    t.generate(clock.now().timestamp() as u64)
}

pub fn operator() -> Principal {
    Principal::Operator {
        workstation: "test-bench".into(),
    }
}

pub fn session(token: &str) -> Principal {
    Principal::Session {
        token: token.into(),
    }
}

impl Fixture {
    /// Adds a staff member with `role` and logs them in.
    pub fn staff_session(&self, login: &str, role: Role) -> (Staff, Principal) {
        let Response::StaffSaved { staff, totp } = self
            .clinic
            .handle(
                &operator(),
                Request::StaffCreate(NewStaff {
                    login: login.into(),
                    password: Secret::new(STAFF_PASSWORD),
                    fields: StaffFields::new(login, role),
                }),
            )
            .unwrap()
        else {
            panic!("expected StaffSaved")
        };
        self.clock.advance(chrono::Duration::seconds(30));
        let s = self
            .clinic
            .login(&LoginRequest {
                login: login.into(),
                password: Secret::new(STAFF_PASSWORD),
                totp_code: totp.map(|t| totp_code(&t, login, &self.clock)),
                workstation: "desk-2".into(),
            })
            .unwrap();
        (staff, session(&s.token))
    }

    /// Logs an existing staff member (without TOTP) in again, on their own PC.
    pub fn login(&self, login: &str) -> Principal {
        let s = self
            .clinic
            .login(&LoginRequest {
                login: login.into(),
                password: Secret::new(STAFF_PASSWORD),
                totp_code: None,
                workstation: format!("pc-{login}"),
            })
            .unwrap();
        session(&s.token)
    }

    pub fn add_client(&self, who: &Principal, fields: ClientFields) -> ClientSaved {
        match self
            .clinic
            .handle(who, Request::ClientCreate { id: None, fields })
            .unwrap()
        {
            Response::ClientSaved(s) => s,
            other => panic!("unexpected {other:?}"),
        }
    }

    pub fn audit(&self) -> Vec<AuditRecord> {
        match self
            .clinic
            .handle(
                &operator(),
                Request::AuditList {
                    filter: Default::default(),
                    before_seq: None,
                    limit: Some(200),
                },
            )
            .unwrap()
        {
            Response::AuditRecords(r) => r,
            other => panic!("unexpected {other:?}"),
        }
    }

    pub fn staff_id(&self, login: &str) -> String {
        self.raw_connection()
            .query_row("SELECT id FROM staff WHERE login = ?1", [login], |r| {
                r.get(0)
            })
            .unwrap()
    }

    /// The raw key, as the keyring holds it, for tests that tamper with the file directly.
    pub fn raw_connection(&self) -> rusqlite::Connection {
        raw_connection(&self.path, &self.keyring, self.clinic.id())
    }
}

pub fn raw_connection(
    path: &std::path::Path,
    keyring: &MemoryKeyStore,
    clinic_id: &str,
) -> rusqlite::Connection {
    let key = keyring.load(clinic_id).unwrap().unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        hex::encode(key.as_bytes())
    ))
    .unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    conn
}

pub fn client(name: &str) -> ClientFields {
    ClientFields {
        full_name: name.into(),
        ..Default::default()
    }
}

pub fn count_clients(f: &Fixture) -> i64 {
    f.raw_connection()
        .query_row("SELECT count(*) FROM clients", [], |r| r.get(0))
        .unwrap()
}

/// Every match for `q`, following the pages to the end.
pub fn search_all(clinic: &Clinic, q: &str) -> Vec<ClientSummary> {
    search_pages(clinic, q, 100)
}

/// The first-run answers for a test clinic.
pub fn setup(name: &str) -> NewClinic {
    NewClinic {
        name: name.into(),
        time_zone: "Asia/Phnom_Penh".into(),
        phone_region: "KH".into(),
        admin_login: "admin".into(),
        admin_name: "Admin".into(),
        admin_password: Secret::new(ADMIN_PASSWORD),
        recovery_passphrase: Secret::new(PASSPHRASE),
    }
}

/// A website visitor with their own key, making the entries the relay would hand the desk.
pub struct Visitor {
    pub key: VisitorKey,
    pub conversation: String,
}

impl Visitor {
    pub fn new() -> Visitor {
        Visitor {
            key: VisitorKey::generate(),
            conversation: ulid::Ulid::new().to_string(),
        }
    }

    pub fn seal(&self, desk_key: &str, id: &str, body: &Body) -> String {
        self.key
            .conversation_key(desk_key, &self.conversation)
            .unwrap()
            .seal(id, Side::Visitor, body)
    }

    pub fn started(
        &self,
        f: &Fixture,
        seq: u64,
        id: &str,
        text: &str,
        answers: serde_json::Value,
    ) -> Incoming {
        let desk_key = f.clinic.site_config().unwrap().desk_key;
        let body = Body {
            text: text.into(),
            answers: answers.as_object().cloned(),
            page: Some("https://clinic.example/contact".into()),
            lang: Some("km".into()),
            ..Body::default()
        };
        Incoming {
            seq,
            at: 1_772_416_800_123,
            event: VisitorEvent::Started {
                conversation: self.conversation.clone(),
                visitor_key: self.key.public_b64(),
                ip: "203.0.113.7".into(),
                id: id.into(),
                body: self.seal(&desk_key, id, &body),
            },
        }
    }

    pub fn message(&self, f: &Fixture, seq: u64, id: &str, text: &str) -> Incoming {
        let desk_key = f.clinic.site_config().unwrap().desk_key;
        Incoming {
            seq,
            at: 1_772_416_900_000 + seq as i64,
            event: VisitorEvent::Message {
                conversation: self.conversation.clone(),
                id: id.into(),
                body: self.seal(
                    &desk_key,
                    id,
                    &Body {
                        text: text.into(),
                        ..Body::default()
                    },
                ),
            },
        }
    }
}

/// A request that must succeed.
pub fn ok(f: &Fixture, who: &Principal, req: Request) -> Response {
    f.clinic.handle(who, req).unwrap()
}

/// A 30-minute "Check-up" given by `provider`.
pub fn checkup_service(f: &Fixture, who: &Principal, provider: &str) -> Service {
    let Response::Service(service) = ok(
        f,
        who,
        Request::ServiceSave {
            id: None,
            expected_version: None,
            fields: ServiceFields {
                name: "Check-up".into(),
                duration_minutes: 30,
                buffer_minutes: 0,
                price_minor: None,
                colour: "#3A7BD5".into(),
                provider_ids: vec![provider.to_string()],
                active: true,
            },
        },
    ) else {
        panic!("expected the service")
    };
    service
}

/// An SMS gateway nobody listens on: reminders by SMS are queued, none is delivered.
pub fn use_test_sms_gateway(f: &Fixture) {
    let Response::ChatSettings(chat) = ok(f, &operator(), Request::ChatSettingsGet) else {
        panic!("expected the chat settings")
    };
    ok(
        f,
        &operator(),
        Request::ChatSettingsUpdate(ChatSettingsInput {
            relay_url: chat.relay_url,
            desk_token: None,
            questions: chat.questions,
            policy_url: chat.policy_url,
            policy_version: chat.policy_version,
            offline_message: chat.offline_message,
            after_hours_reply: chat.after_hours_reply,
            max_file_mb: chat.max_file_mb,
            logo: chat.logo,
            sms_gateway: Some(SmsGateway {
                url: "http://127.0.0.1:9/sms?to={to}".into(),
                method: "POST".into(),
                headers: vec![],
                body_template: "{text}".into(),
                body_format: "raw".into(),
            }),
            sms_recipients: vec![],
        }),
    );
}

/// Every match for `q`, following the pages of `limit` to the end.
pub fn search_pages(clinic: &Clinic, q: &str, limit: u32) -> Vec<ClientSummary> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let Response::ClientPage(p) = clinic
            .handle(
                &operator(),
                Request::ClientSearch {
                    query: q.into(),
                    cursor,
                    limit: Some(limit),
                },
            )
            .unwrap()
        else {
            panic!("expected a page")
        };
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// A fresh ULID, as a sender makes one.
pub fn id() -> String {
    ulid::Ulid::new().to_string()
}

/// A conversation as the operator sees it.
pub fn conversation(f: &Fixture, id: &str) -> Conversation {
    match ok(f, &operator(), Request::ConversationGet { id: id.into() }) {
        Response::Conversation(c) => c,
        other => panic!("unexpected {other:?}"),
    }
}
