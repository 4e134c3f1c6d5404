//! Email to clients (appointment reminders) through the clinic's own SMTP server, from the
//! outbox, with retries. A permanent refusal (a bad address) gives the item up; anything else
//! is tried again later, so a mail server that is down loses nothing.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::{Clinic, Mail, OutboxKind, OutboxPayload, SmtpAccount, SmtpSecurity};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::events::Events;

const POLL: Duration = Duration::from_secs(5);

type Transport = AsyncSmtpTransport<Tokio1Executor>;

pub(crate) async fn run(clinic: Arc<Clinic>, events: Events) {
    let mut rx = events.subscribe();
    loop {
        let c = clinic.clone();
        let due = tokio::task::spawn_blocking(move || c.outbox_due(OutboxKind::Email, 20))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        if !due.is_empty() {
            let c = clinic.clone();
            let account = tokio::task::spawn_blocking(move || c.smtp_account())
                .await
                .ok()
                .and_then(Result::ok)
                .flatten();
            let transport = account.as_ref().map(transport);
            for item in due {
                let OutboxPayload::Email(mail) = item.payload else {
                    continue;
                };
                let result = match (&account, &transport) {
                    (Some(a), Some(Ok(t))) => send(t, a, &mail).await,
                    (_, Some(Err(code))) => Err(Failure::Retry(code)),
                    _ => Err(Failure::Retry("mail.no_server")),
                };
                let c = clinic.clone();
                let id = item.id.clone();
                let _ = tokio::task::spawn_blocking(move || match result {
                    Ok(()) => c.outbox_done(&id, None),
                    Err(Failure::Retry(code)) => c.outbox_failed(&id, code),
                    Err(Failure::GiveUp(code)) => c.outbox_gave_up(&id, code),
                })
                .await;
            }
        }
        // Reminders are queued by the host's own clock, which tells through an event.
        let _ = tokio::time::timeout(POLL, rx.recv()).await;
    }
}

enum Failure {
    Retry(&'static str),
    GiveUp(&'static str),
}

fn transport(a: &SmtpAccount) -> Result<Transport, &'static str> {
    let host = a.server.host.as_str();
    let builder = match a.server.security {
        SmtpSecurity::Tls => Transport::relay(host).map_err(|_| "mail.bad_server")?,
        SmtpSecurity::StartTls => Transport::starttls_relay(host).map_err(|_| "mail.bad_server")?,
        SmtpSecurity::None => Transport::builder_dangerous(host),
    };
    let mut builder = builder
        .port(a.server.port)
        .timeout(Some(Duration::from_secs(20)));
    if let (Some(user), Some(password)) = (&a.server.username, &a.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

async fn send(t: &Transport, a: &SmtpAccount, mail: &Mail) -> Result<(), Failure> {
    let from = a
        .server
        .from
        .parse()
        .map_err(|_| Failure::GiveUp("mail.bad_sender"))?;
    let to = mail
        .to
        .parse()
        .map_err(|_| Failure::GiveUp("mail.bad_address"))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|_| Failure::GiveUp("mail.bad_message"))?;
    match t.send(message).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(Failure::GiveUp("mail.refused")),
        Err(_) => Err(Failure::Retry("mail.unreachable")),
    }
}
