//! Chat files between the desk and the relay, over HTTP (docs/protocol.md, "Files"): the
//! desk's own files are uploaded sealed before the reply that names them may go (the core
//! keeps that reply back until [`Clinic::file_uploaded`]), and visitor files named by an
//! ingested message are downloaded sealed and handed to the core, which opens and checks them.
//!
//! Apart from the WebSocket session on purpose: a 10 MB transfer must not hold up the
//! messages. Nothing here sees a plaintext byte or logs a name.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::{Clinic, Event, FileUpload, PendingFile};
use tokio::sync::broadcast::error::RecvError;

use crate::events::Events;

const POLL: Duration = Duration::from_secs(2);
/// Long enough for 25 MB on a slow clinic line; the relay itself gives up after 10 minutes.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(300);

pub(crate) async fn run(clinic: Arc<Clinic>, events: Events) {
    let client = match reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(TRANSFER_TIMEOUT)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the chat file transfer could not start");
            return;
        }
    };
    let mut rx = events.subscribe();
    loop {
        let c = clinic.clone();
        let link = tokio::task::spawn_blocking(move || c.relay_link())
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        if let Some(link) = link {
            let base = http_base(&link.url);
            upload_due(&clinic, &client, &base, &link.token).await;
            fetch_pending(&clinic, &client, &base, &link.token).await;
        }
        // A new message (it may name files) or a reply with a file wakes us; else a poll.
        let wait = async {
            loop {
                match rx.recv().await {
                    Ok(Event::ChatMessage { .. } | Event::ConversationChanged { .. })
                    | Ok(Event::ChatSettingsChanged)
                    | Err(RecvError::Lagged(_)) => return,
                    Ok(_) => {}
                    Err(RecvError::Closed) => std::future::pending::<()>().await,
                }
            }
        };
        let _ = tokio::time::timeout(POLL, wait).await;
    }
}

/// The relay's HTTP address from the configured one (ws→http, wss→https).
pub(crate) fn http_base(url: &str) -> String {
    let base = url.trim_end_matches('/');
    if let Some(rest) = base.strip_prefix("wss://") {
        format!("https://{rest}")
    } else if let Some(rest) = base.strip_prefix("ws://") {
        format!("http://{rest}")
    } else {
        base.to_owned()
    }
}

fn file_url(base: &str, conversation: &str, file: &str) -> String {
    format!("{base}/v1/desk/files/{conversation}/{file}")
}

async fn blocking<T: Send + 'static>(
    clinic: &Arc<Clinic>,
    f: impl FnOnce(&Clinic) -> frontdesk_core::Result<T> + Send + 'static,
) -> Option<T> {
    let c = clinic.clone();
    match tokio::task::spawn_blocking(move || f(&c)).await {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) => {
            tracing::warn!(code = e.code(), "a chat file could not be recorded");
            None
        }
        Err(_) => None,
    }
}

/// What to do with an upload the relay answered.
enum Put {
    Stored,
    Retry(String),
    GiveUp(String),
}

async fn put(client: &reqwest::Client, base: &str, token: &str, up: FileUpload) -> Put {
    let resp = client
        .put(file_url(base, &up.conversation_id, &up.file_id))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(up.sealed)
        .send()
        .await;
    let resp = match resp {
        Ok(r) => r,
        Err(_) => return Put::Retry("host.unreachable".into()),
    };
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap_or_default();
    let code = serde_json::from_slice::<frontdesk_proto::wire::HttpError>(&body)
        .map(|e| e.code.as_str().to_owned())
        .unwrap_or_else(|_| format!("host.http_{status}"));
    match status {
        200 | 201 => Put::Stored,
        // Will not change on a retry: malformed, too large for this relay, another file under
        // this id, or the conversation is gone.
        400 | 404 | 409 | 413 => Put::GiveUp(code),
        _ => Put::Retry(code),
    }
}

async fn upload_due(clinic: &Arc<Clinic>, client: &reqwest::Client, base: &str, token: &str) {
    let Some(due) = blocking(clinic, |c| c.file_uploads_due(20)).await else {
        return;
    };
    for up in due {
        let id = up.file_id.clone();
        match put(client, base, token, up).await {
            Put::Stored => {
                blocking(clinic, move |c| c.file_uploaded(&id)).await;
            }
            Put::Retry(code) => {
                blocking(clinic, move |c| c.file_upload_failed(&id, &code)).await;
            }
            Put::GiveUp(code) => {
                blocking(clinic, move |c| c.file_upload_gave_up(&id, &code)).await;
            }
        }
    }
}

async fn fetch_pending(clinic: &Arc<Clinic>, client: &reqwest::Client, base: &str, token: &str) {
    let Some(pending) = blocking(clinic, |c| c.pending_files()).await else {
        return;
    };
    for PendingFile {
        conversation_id,
        file_id,
    } in pending
    {
        let resp = client
            .get(file_url(base, &conversation_id, &file_id))
            .bearer_auth(token)
            .send()
            .await;
        let outcome = match resp {
            Ok(r) if r.status().as_u16() == 200 => r.bytes().await.ok().map(Ok),
            Ok(r) if r.status().as_u16() == 404 => Some(Err(())),
            _ => None,
        };
        match outcome {
            Some(Ok(sealed)) => {
                blocking(clinic, move |c| {
                    c.file_fetched(&conversation_id, &file_id, &sealed)
                })
                .await;
            }
            Some(Err(())) => {
                blocking(clinic, move |c| c.file_missing(&conversation_id, &file_id)).await;
            }
            // The network or the relay, for now: left pending, tried again later.
            None => {
                blocking(clinic, move |c| c.file_fetch_failed(&file_id)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::http_base;

    #[test]
    fn the_http_base_follows_the_configured_address() {
        assert_eq!(http_base("wss://relay.example/"), "https://relay.example");
        assert_eq!(http_base("ws://127.0.0.1:9"), "http://127.0.0.1:9");
        assert_eq!(http_base("https://r.example"), "https://r.example");
        assert_eq!(http_base("http://r.example"), "http://r.example");
    }
}
