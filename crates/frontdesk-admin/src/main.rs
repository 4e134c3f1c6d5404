//! `frontdesk-admin`: set up a clinic, manage staff and clients, verify the audit log, back up
//! and restore, fill a demo clinic. Headless, for operators and scripts.
//!
//! It acts as the clinic operator: it opens the database with the recovery passphrase and
//! sends every action through the core's one door as the operator principal, so each is
//! audited. Secrets never come from argv: they come from environment variables or a prompt.

mod args;
mod output;
mod report;
mod secrets;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use frontdesk_core::{
    ClientFields, ClientSource, Clinic, Error, NewClinic, NewStaff, Options, Principal, Request,
    Response, Role, Secret, StaffFields,
};

use args::{AuditCmd, ChatCmd, Cli, ClientCmd, Command, DeviceCmd, KeyCmd, PrivacyCmd, StaffCmd};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind as K;
            if matches!(
                e.kind(),
                K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                e.exit();
            }
            // Keep the one-line error contract for usage mistakes too.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let first = first.trim_start_matches("error: ");
            eprintln!("frontdesk-admin: error [usage]: {first} (see --help)");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("frontdesk-admin: error [{}]: {}", e.code(), e);
            ExitCode::FAILURE
        }
    }
}

fn workstation() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown".into());
    format!("cli@{host}")
}

fn open(db: &Path) -> Result<(Clinic, Principal), Error> {
    open_with(db, Options::default())
}

fn open_with(db: &Path, opts: Options) -> Result<(Clinic, Principal), Error> {
    let passphrase = secrets::passphrase()?;
    let clinic = Clinic::open_as_operator(db, passphrase.expose(), opts)?;
    Ok((
        clinic,
        Principal::Operator {
            workstation: workstation(),
        },
    ))
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let db = cli.db.as_path();
    let json = cli.json;
    match cli.command {
        Command::Init {
            clinic,
            admin,
            admin_name,
            time_zone,
            phone_region,
        } => {
            let passphrase = secrets::new_passphrase()?;
            let admin_password = secrets::admin_password()?;
            let created = Clinic::create(
                db,
                &NewClinic {
                    name: clinic,
                    time_zone,
                    phone_region,
                    admin_name: admin_name.unwrap_or_else(|| admin.clone()),
                    admin_login: admin,
                    admin_password,
                    recovery_passphrase: passphrase,
                },
                Options::default(),
            )?;
            output::created(&created, db, json);
        }
        Command::Restore { input } => {
            let passphrase = secrets::passphrase()?;
            let report =
                frontdesk_core::restore(&input, db, passphrase.expose(), Options::default())?;
            output::restored(&report, db, json);
        }
        Command::Client { cmd } => {
            let (clinic, who) = open(db)?;
            client(&clinic, &who, cmd, json)?;
        }
        Command::Chat { cmd } => {
            let (clinic, who) = open(db)?;
            chat(&clinic, &who, cmd, json)?;
        }
        Command::Serve {
            relay_listen,
            relay_data,
            lan_listen,
            no_lan,
            lan_pairings_per_minute,
            clock_file,
        } => {
            let mut opts = Options::default();
            if let Some(f) = clock_file {
                opts.clock = std::sync::Arc::new(frontdesk_core::clock::FileClock::new(f));
            }
            let (clinic, _) = open_with(db, opts)?;
            let lan = (!no_lan).then(|| frontdesk_host::lan::LanOptions {
                listen: lan_listen,
                pairings_per_minute: lan_pairings_per_minute,
                ..Default::default()
            });
            serve(clinic, db, relay_listen, relay_data, lan)?;
        }
        Command::Device { cmd } => {
            let (clinic, who) = open(db)?;
            device(&clinic, &who, cmd, json)?;
        }
        Command::Staff { cmd } => {
            let (clinic, who) = open(db)?;
            staff(&clinic, &who, cmd, json)?;
        }
        Command::Report {
            from,
            to,
            last_week,
            bucket,
            csv,
            pdf,
            paper,
        } => {
            let (clinic, who) = open(db)?;
            report::run(
                &clinic,
                &who,
                // Without dates (clap allows that only with --last-week): last week.
                report::Args {
                    from: from.filter(|_| !last_week),
                    to: to.filter(|_| !last_week),
                    bucket: &bucket,
                    csv,
                    pdf,
                    paper: &paper,
                },
                json,
            )?;
        }
        Command::Call => {
            let request: Request = match serde_json::from_reader(std::io::stdin().lock()) {
                Ok(r) => r,
                Err(e) => {
                    // To the operator's own terminal, never a log.
                    eprintln!(
                        "frontdesk-admin: error [usage]: standard input is not a request: {e}"
                    );
                    return Ok(ExitCode::from(2));
                }
            };
            let (clinic, who) = open(db)?;
            let response = clinic.handle(&who, request)?;
            println!(
                "{}",
                serde_json::to_string(&response).expect("responses serialize")
            );
        }
        Command::Privacy {
            cmd: PrivacyCmd::Scan { backups },
        } => {
            let texts: Vec<Secret> = std::io::stdin()
                .lines()
                .map_while(|l| l.ok())
                .filter(|l| !l.trim().is_empty())
                .map(Secret::new)
                .collect();
            let (clinic, who) = open(db)?;
            let Response::Scan(report) = clinic.handle(
                &who,
                Request::PrivacyScan {
                    texts,
                    backups: backups
                        .iter()
                        .map(|b| b.to_string_lossy().into_owned())
                        .collect(),
                },
            )?
            else {
                unreachable!()
            };
            output::scan(&report, json);
            if !report.found.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Audit { cmd } => {
            let (clinic, who) = open(db)?;
            match cmd {
                AuditCmd::Verify => {
                    let Response::AuditReport(report) =
                        clinic.handle(&who, Request::AuditVerify)?
                    else {
                        unreachable!()
                    };
                    output::verify(&report, json);
                    if report.first_broken.is_some() {
                        return Ok(ExitCode::FAILURE);
                    }
                }
                AuditCmd::List { limit, before } => {
                    let Response::AuditRecords(records) = clinic.handle(
                        &who,
                        Request::AuditList {
                            filter: Default::default(),
                            before_seq: before,
                            limit: Some(limit),
                        },
                    )?
                    else {
                        unreachable!()
                    };
                    output::audit_records(&records, json);
                }
            }
        }
        Command::Backup { out } => {
            let (clinic, who) = open(db)?;
            let resp = clinic.handle(
                &who,
                Request::Backup {
                    path: out.display().to_string(),
                },
            )?;
            if let Response::BackupWritten { path, bytes } = resp {
                output::line(
                    json,
                    &serde_json::json!({ "path": path, "bytes": bytes }),
                    || format!("backup written to {path} ({bytes} bytes)"),
                );
            }
        }
        Command::Demo {
            clients,
            seed,
            appointment_days,
            history_days,
            chats_per_day,
            messages_per_chat,
            tasks_per_day,
        } => {
            let (clinic, who) = open(db)?;
            let d = frontdesk_core::HistorySpec::DEMO;
            let history = history_days.map(|days| frontdesk_core::HistorySpec {
                days,
                chats_per_day: chats_per_day.unwrap_or(d.chats_per_day),
                messages_per_chat: messages_per_chat.unwrap_or(d.messages_per_chat),
                tasks_per_day: tasks_per_day.unwrap_or(d.tasks_per_day),
            });
            let staff_password = secrets::demo_password();
            let Response::Demo(summary) = clinic.handle(
                &who,
                Request::DemoGenerate(frontdesk_core::DemoSpec {
                    clients,
                    seed,
                    staff_password,
                    appointment_days,
                    history,
                }),
            )?
            else {
                unreachable!()
            };
            output::demo(&summary, json);
        }
        Command::Key { cmd } => {
            let (clinic, who) = open(db)?;
            match cmd {
                KeyCmd::Rotate => {
                    let passphrase = secrets::passphrase()?;
                    clinic.handle(&who, Request::KeyRotate { passphrase })?;
                    output::line(json, &serde_json::json!({ "rotated": true }), || {
                        "the database key was rotated; the recovery passphrase is unchanged".into()
                    });
                }
                KeyCmd::ChangePassphrase => {
                    let current = secrets::passphrase()?;
                    let new = secrets::replacement_passphrase()?;
                    clinic.handle(&who, Request::PassphraseChange { current, new })?;
                    output::line(json, &serde_json::json!({ "changed": true }), || {
                        "the recovery passphrase was changed".into()
                    });
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn client(clinic: &Clinic, who: &Principal, cmd: ClientCmd, json: bool) -> Result<(), Error> {
    match cmd {
        ClientCmd::Add(a) => {
            let fields = ClientFields {
                full_name: a.name,
                phones: a.phone,
                email: a.email,
                address: a.address,
                date_of_birth: a.dob,
                preferred_language: a.language,
                notes: a.notes.unwrap_or_default(),
                account_manager_id: a.account_manager,
                source: a
                    .source
                    .map(|s| ClientSource::parse(&s))
                    .transpose()?
                    .unwrap_or_default(),
            };
            let Response::ClientSaved(saved) =
                clinic.handle(who, Request::ClientCreate { id: None, fields })?
            else {
                unreachable!()
            };
            output::client_added(&saved, json);
        }
        ClientCmd::Edit(e) => {
            let Response::Client(current) =
                clinic.handle(who, Request::ClientGet { id: e.id.clone() })?
            else {
                unreachable!()
            };
            let mut f = current.fields.clone();
            if let Some(v) = e.name {
                f.full_name = v;
            }
            if !e.phone.is_empty() {
                f.phones = e.phone;
            }
            if let Some(v) = e.email {
                f.email = Some(v);
            }
            if let Some(v) = e.notes {
                f.notes = v;
            }
            if let Some(v) = e.address {
                f.address = Some(v);
            }
            if let Some(v) = e.dob {
                f.date_of_birth = Some(v);
            }
            if let Some(v) = e.language {
                f.preferred_language = Some(v);
            }
            if let Some(v) = e.account_manager {
                f.account_manager_id = Some(v);
            }
            let Response::ClientSaved(saved) = clinic.handle(
                who,
                Request::ClientUpdate {
                    id: e.id,
                    expected_version: current.version,
                    fields: f,
                },
            )?
            else {
                unreachable!()
            };
            output::client(&saved.client, json);
        }
        ClientCmd::Find { query, limit } => {
            let Response::ClientPage(page) = clinic.handle(
                who,
                Request::ClientSearch {
                    query,
                    cursor: None,
                    limit: Some(limit),
                },
            )?
            else {
                unreachable!()
            };
            output::client_page(&page, json);
        }
        ClientCmd::Show { id } => {
            let Response::Client(c) = clinic.handle(who, Request::ClientGet { id })? else {
                unreachable!()
            };
            output::client(&c, json);
        }
        ClientCmd::History { id } => {
            let Response::ClientHistory(h) = clinic.handle(who, Request::ClientHistory { id })?
            else {
                unreachable!()
            };
            output::history(&h, json);
        }
    }
    Ok(())
}

fn staff(clinic: &Clinic, who: &Principal, cmd: StaffCmd, json: bool) -> Result<(), Error> {
    match cmd {
        StaffCmd::Add(a) => {
            let role = Role::parse(&a.role)?;
            let mut fields = StaffFields::new(&a.name, role);
            fields.email = a.email;
            fields.phone = a.phone;
            if let Some(v) = a.experience {
                fields.experience = v;
            }
            if let Some(v) = a.tier {
                fields.support_tier = v;
            }
            if let Some(v) = a.capacity {
                fields.chat_capacity = v;
            }
            let password = secrets::staff_password()?;
            let resp = clinic.handle(
                who,
                Request::StaffCreate(NewStaff {
                    login: a.login,
                    password,
                    fields,
                }),
            )?;
            if let Response::StaffSaved { staff, totp } = resp {
                output::staff_added(&staff, totp.as_ref(), json);
            }
        }
        StaffCmd::List { all } => {
            let Response::StaffList(list) = clinic.handle(
                who,
                Request::StaffList {
                    include_inactive: all,
                },
            )?
            else {
                unreachable!()
            };
            output::staff_list(&list, json);
        }
        StaffCmd::Deactivate { id } => {
            let Response::Staff(s) =
                clinic.handle(who, Request::StaffSetActive { id, active: false })?
            else {
                unreachable!()
            };
            output::staff_list(std::slice::from_ref(&s), json);
        }
        StaffCmd::Activate { id } => {
            let Response::Staff(s) =
                clinic.handle(who, Request::StaffSetActive { id, active: true })?
            else {
                unreachable!()
            };
            output::staff_list(std::slice::from_ref(&s), json);
        }
        StaffCmd::ResetPassword { id } => {
            let new_password = secrets::staff_password()?;
            clinic.handle(who, Request::StaffResetPassword { id, new_password })?;
            output::line(json, &serde_json::json!({ "reset": true }), || {
                "password reset; the staff member's sessions were ended".into()
            });
        }
        StaffCmd::ResetTotp { id } => {
            let Response::Totp(t) = clinic.handle(who, Request::StaffResetTotp { id })? else {
                unreachable!()
            };
            output::totp(&t, json);
        }
    }
    Ok(())
}

fn chat(clinic: &Clinic, who: &Principal, cmd: ChatCmd, json: bool) -> Result<(), Error> {
    let show = |resp: Response| {
        let v = serde_json::to_value(&resp).expect("responses serialize");
        output::line(json, &v["data"], || output::chat_text(&resp));
    };
    match cmd {
        ChatCmd::Link { url } => {
            let token = secrets::desk_token()?;
            clinic.set_relay_link(&url, token.expose())?;
            let v = serde_json::json!({"relay_url": url});
            output::line(json, &v, || format!("Paired with the relay at {url}."));
        }
        ChatCmd::List { unanswered } => show(clinic.handle(
            who,
            Request::ConversationList {
                unanswered_only: unanswered,
                limit: Some(500),
            },
        )?),
        ChatCmd::Show { id } => show(clinic.handle(who, Request::ConversationGet { id })?),
        ChatCmd::Reply {
            conversation,
            text,
            quote,
            id,
        } => show(clinic.handle(
            who,
            Request::ChatReply {
                conversation_id: conversation,
                id,
                text,
                quote_id: quote,
            },
        )?),
        ChatCmd::SendFile {
            conversation,
            path,
            text,
            id,
        } => {
            let bytes = std::fs::read(&path)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            show(clinic.handle(
                who,
                Request::ChatSendFile {
                    conversation_id: conversation,
                    id,
                    file_id: None,
                    name,
                    base64: base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        bytes,
                    ),
                    text,
                },
            )?)
        }
        ChatCmd::FileGet { id, out } => {
            let Response::ChatFile(f) = clinic.handle(who, Request::ChatFileGet { id })? else {
                unreachable!("a file request answers with a file")
            };
            let bytes =
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &f.base64)
                    .map_err(|_| frontdesk_core::Error::Corrupt)?;
            std::fs::write(&out, &bytes)?;
            let v = serde_json::json!({"id": f.id, "name": f.name, "mime": f.mime,
                "size": bytes.len(), "out": out});
            output::line(json, &v, || {
                format!(
                    "Saved {} ({} bytes) to {}.",
                    f.name,
                    bytes.len(),
                    out.display()
                )
            });
        }
        ChatCmd::Delete { message } => show(clinic.handle(
            who,
            Request::ChatDelete {
                message_id: message,
            },
        )?),
        ChatCmd::Correct { message, text, id } => show(clinic.handle(
            who,
            Request::ChatCorrect {
                message_id: message,
                id,
                text,
            },
        )?),
        ChatCmd::AfterHours { state } => {
            let Response::ChatSettings(s) = clinic.handle(who, Request::ChatSettingsGet)? else {
                unreachable!("chat settings answer with chat settings")
            };
            let input = frontdesk_core::ChatSettingsInput {
                relay_url: s.relay_url,
                desk_token: None,
                questions: s.questions,
                policy_url: s.policy_url,
                policy_version: s.policy_version,
                offline_message: s.offline_message,
                after_hours_reply: state == "on",
                max_file_mb: s.max_file_mb,
                logo: s.logo,
                sms_gateway: s.sms_gateway,
                sms_recipients: s.sms_recipients,
            };
            clinic.handle(who, Request::ChatSettingsUpdate(input))?;
            let v = serde_json::json!({"after_hours_reply": state == "on"});
            output::line(json, &v, || format!("After-hours replies are {state}."));
        }
        ChatCmd::FaqAdd {
            lang,
            question,
            answer,
            alternate,
        } => show(clinic.handle(
            who,
            Request::FaqSave(frontdesk_core::FaqInput {
                id: None,
                lang,
                question,
                alternates: alternate,
                answer,
                active: true,
            }),
        )?),
        ChatCmd::FaqList => show(clinic.handle(who, Request::FaqList)?),
    }
    Ok(())
}

fn device(clinic: &Clinic, who: &Principal, cmd: DeviceCmd, json: bool) -> Result<(), Error> {
    match cmd {
        DeviceCmd::Pair { address } => {
            let Response::PairingCode(code) = clinic.handle(who, Request::DevicePairStart)? else {
                unreachable!("device.pair_start answers with a code")
            };
            let addresses = match address {
                Some(a) => vec![frontdesk_host::lan::with_port(&a)],
                None => frontdesk_host::lan::lan_addresses(frontdesk_host::lan::DEFAULT_PORT),
            };
            let qr = frontdesk_host::lan::qr_text(&addresses[0], &code.fingerprint, &code.code);
            let v = serde_json::json!({
                "code": code.code,
                "expires_at": code.expires_at,
                "fingerprint": code.fingerprint,
                "addresses": addresses,
                "qr_text": qr,
            });
            output::line(json, &v, || {
                format!(
                    "Pairing code: {}\nValid until {} (once).\nHost address: {}\n\
                     Certificate: {}\n\n{}",
                    code.code,
                    code.expires_at,
                    addresses.join(", "),
                    code.fingerprint,
                    output::qr(&qr)
                )
            });
        }
        DeviceCmd::List => {
            let resp = clinic.handle(who, Request::DeviceList)?;
            let v = serde_json::to_value(&resp).expect("responses serialize");
            output::line(json, &v["data"], || output::devices_text(&resp));
        }
        DeviceCmd::Revoke { id } => {
            let resp = clinic.handle(who, Request::DeviceRevoke { id })?;
            let v = serde_json::to_value(&resp).expect("responses serialize");
            output::line(json, &v["data"], || output::devices_text(&resp));
        }
    }
    Ok(())
}

fn serve(
    clinic: Clinic,
    db: &Path,
    relay_listen: Option<std::net::SocketAddr>,
    relay_data: Option<std::path::PathBuf>,
    lan: Option<frontdesk_host::lan::LanOptions>,
) -> Result<(), Error> {
    let relay = relay_listen.map(|listen| frontdesk_host::RelayOptions {
        listen,
        data: relay_data.unwrap_or_else(|| db.with_extension("relay")),
        tls: None,
        allow_plain_http: false,
        settings: frontdesk_relay::Settings::default(),
    });
    let wants_lan = lan.is_some();
    let host = frontdesk_host::Host::start(std::sync::Arc::new(clinic), relay, lan)
        .map_err(|e| Error::Io(e.to_string()))?;
    match host.lan() {
        // Scripts read this line.
        Some(l) => println!("lan listening on {} certificate {}", l.addr, l.fingerprint),
        None if wants_lan => eprintln!(
            "frontdesk-admin: the LAN service did not start [{}]; other desks cannot connect",
            host.lan_error().unwrap_or_default()
        ),
        None => {}
    }
    match host.relay() {
        Some(r) => {
            // Scripts read these lines.
            println!("relay listening on {}", r.url);
            println!("site id: {}", r.site);
        }
        None if relay_listen.is_some() => eprintln!(
            "frontdesk-admin: the built-in relay did not start [{}]; serving the relay link only",
            host.status().last_error.unwrap_or_default()
        ),
        None => {}
    }
    println!("frontdesk host serving; stop with Ctrl-C");
    host.wait_for_shutdown();
    Ok(())
}
