//! SMS to staff through the clinic's own HTTP gateway, from the outbox, with retries.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::{Clinic, OutboxKind, OutboxPayload, Sms};

use crate::events::Events;

const POLL: Duration = Duration::from_secs(2);

pub(crate) async fn run(clinic: Arc<Clinic>, events: Events) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the SMS sender could not start");
            return;
        }
    };
    let mut rx = events.subscribe();
    loop {
        let c = clinic.clone();
        let due = tokio::task::spawn_blocking(move || c.outbox_due(OutboxKind::Sms, 20))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        for item in due {
            let OutboxPayload::Sms(sms) = item.payload else {
                continue;
            };
            let result = send(&client, &sms).await;
            let c = clinic.clone();
            let id = item.id.clone();
            let _ = tokio::task::spawn_blocking(move || match result {
                Ok(()) => c.outbox_done(&id, None),
                Err(code) => c.outbox_failed(&id, code),
            })
            .await;
        }
        // New chats are ingested by this host, so a conversation event is the moment to look.
        let _ = tokio::time::timeout(POLL, rx.recv()).await;
    }
}

fn escape(value: &str, format: &str) -> String {
    match format {
        "json" => {
            let quoted = serde_json::to_string(value).expect("a string serializes");
            quoted[1..quoted.len() - 1].to_owned()
        }
        "form" => form_urlencoded(value),
        _ => value.to_owned(),
    }
}

fn form_urlencoded(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Fills the gateway's templates. The URL always gets URL-encoding; the body the gateway's
/// own format.
pub fn render(sms: &Sms) -> (String, String) {
    let g = &sms.gateway;
    let url = g
        .url
        .replace("{to}", &form_urlencoded(&sms.to))
        .replace("{text}", &form_urlencoded(&sms.text));
    let body = g
        .body_template
        .replace("{to}", &escape(&sms.to, &g.body_format))
        .replace("{text}", &escape(&sms.text, &g.body_format));
    (url, body)
}

async fn send(client: &reqwest::Client, sms: &Sms) -> Result<(), &'static str> {
    let (url, body) = render(sms);
    let method =
        reqwest::Method::from_bytes(sms.gateway.method.as_bytes()).map_err(|_| "sms.bad_method")?;
    let mut req = client.request(method.clone(), &url);
    for h in &sms.gateway.headers {
        req = req.header(&h.name, &h.value);
    }
    if method != reqwest::Method::GET {
        let content_type = match sms.gateway.body_format.as_str() {
            "json" => "application/json",
            "form" => "application/x-www-form-urlencoded",
            _ => "text/plain; charset=utf-8",
        };
        if !sms
            .gateway
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("content-type"))
        {
            req = req.header("content-type", content_type);
        }
        req = req.body(body);
    }
    match req.send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(_) => Err("sms.gateway_refused"),
        Err(_) => Err("sms.gateway_unreachable"),
    }
}
