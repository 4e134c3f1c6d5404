//! The desk's outbound WebSocket to the relay (docs/protocol.md, "Desk WebSocket"):
//! connect with the desk token, say `hello` with the cursor and the site config, ingest entries
//! in batches (one core transaction each) and acknowledge each batch after its commit, send the
//! outbox's frames, and republish the config when it changes. Reconnects with backoff forever.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::{Clinic, Delivered, Event, Incoming, OutboxKind, OutboxPayload, RelayLink};
use frontdesk_proto::wire::{DeskIn, DeskOut, SiteConfig};
use frontdesk_proto::ErrorCode;
use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{http::HeaderValue, Message};

use crate::events::Events;
use crate::status::{LinkState, Shared};

const BATCH: usize = 500;
const CONFIG_EVERY: Duration = Duration::from_secs(30);
const OUTBOX_POLL: Duration = Duration::from_secs(1);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Why a connection ended.
enum Ended {
    /// Settings changed: reconnect at once.
    Reconfigured,
    /// The socket failed or the relay refused: retry after a pause.
    Failed(String),
}

async fn blocking<T: Send + 'static>(
    clinic: &Arc<Clinic>,
    f: impl FnOnce(&Clinic) -> frontdesk_core::Result<T> + Send + 'static,
) -> Result<T, String> {
    let c = clinic.clone();
    match tokio::task::spawn_blocking(move || f(&c)).await {
        Ok(r) => r.map_err(|e| e.code().to_owned()),
        Err(_) => Err("host.task_failed".into()),
    }
}

pub(crate) async fn run(clinic: Arc<Clinic>, status: Shared, events: Events) {
    let mut pause = Duration::from_millis(250);
    loop {
        let mut rx = events.subscribe();
        let link = match blocking(&clinic, |c| c.relay_link()).await {
            Ok(l) => l,
            Err(code) => {
                status.update(|s| s.last_error = Some(code));
                None
            }
        };
        let Some(link) = link else {
            status.update(|s| {
                s.state = LinkState::Off;
                s.relay_url = None;
            });
            wait_for_settings(&mut rx, None).await;
            continue;
        };
        status.update(|s| {
            s.state = LinkState::Connecting;
            s.relay_url = Some(link.url.clone());
            s.cursor = link.cursor;
        });
        match connect(&link).await {
            Err(code) => {
                status.update(|s| {
                    s.state = LinkState::Retrying;
                    s.last_error = Some(code);
                });
            }
            Ok(ws) => {
                status.update(|s| {
                    s.state = LinkState::Connected;
                    s.last_error = None;
                });
                pause = Duration::from_millis(250);
                match session(&clinic, &status, ws, link.cursor, &mut rx).await {
                    Ended::Reconfigured => continue,
                    Ended::Failed(code) => status.update(|s| {
                        s.state = LinkState::Retrying;
                        s.last_error = Some(code);
                    }),
                }
            }
        }
        wait_for_settings(&mut rx, Some(pause)).await;
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}

/// Waits for a settings change, or for `pause` if given.
async fn wait_for_settings(
    rx: &mut tokio::sync::broadcast::Receiver<Event>,
    pause: Option<Duration>,
) {
    let wait = async {
        loop {
            match rx.recv().await {
                Ok(Event::ChatSettingsChanged) | Err(RecvError::Lagged(_)) => return,
                Ok(_) => {}
                Err(RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    };
    match pause {
        Some(p) => {
            let _ = tokio::time::timeout(p, wait).await;
        }
        None => wait.await,
    }
}

/// The relay's desk endpoint from the configured address (http→ws, https→wss).
fn endpoint(url: &str) -> String {
    let base = url.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    format!("{base}/v1/desk")
}

async fn connect(link: &RelayLink) -> Result<Socket, String> {
    let mut req = endpoint(&link.url)
        .into_client_request()
        .map_err(|_| "host.bad_relay_url".to_owned())?;
    let auth = HeaderValue::from_str(&format!("Bearer {}", link.token))
        .map_err(|_| "relay.bad_token".to_owned())?;
    req.headers_mut().insert("authorization", auth);
    let attempt = tokio_tungstenite::connect_async(req);
    match tokio::time::timeout(Duration::from_secs(10), attempt).await {
        Err(_) => Err("host.unreachable".into()),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => {
            let body = resp.body().as_deref().unwrap_or_default();
            Err(
                serde_json::from_slice::<frontdesk_proto::wire::HttpError>(body)
                    .map(|e| e.code.as_str().to_owned())
                    .unwrap_or_else(|_| format!("host.http_{}", resp.status().as_u16())),
            )
        }
        Ok(Err(_)) => Err("host.unreachable".into()),
        Ok(Ok((ws, _))) => Ok(ws),
    }
}

async fn send(ws: &mut Socket, frame: &DeskIn) -> Result<(), String> {
    let text = serde_json::to_string(frame).expect("frames serialize");
    ws.send(Message::text(text))
        .await
        .map_err(|_| "host.connection_lost".to_owned())
}

/// Refusals that will not change on a retry: the outbox gives the item up.
fn permanent(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::UnknownConversation
            | ErrorCode::BadRequest
            | ErrorCode::TooLarge
            | ErrorCode::BadJson
    )
}

async fn session(
    clinic: &Arc<Clinic>,
    status: &Shared,
    mut ws: Socket,
    cursor: u64,
    rx: &mut tokio::sync::broadcast::Receiver<Event>,
) -> Ended {
    let config = match blocking(clinic, |c| c.site_config()).await {
        Ok(c) => c,
        Err(code) => return Ended::Failed(code),
    };
    if let Err(code) = send(
        &mut ws,
        &DeskIn::Hello {
            after: cursor,
            config: Some(config.clone()),
        },
    )
    .await
    {
        return Ended::Failed(code);
    }
    let mut published: SiteConfig = config;
    let mut in_flight: HashSet<String> = HashSet::new();
    let mut config_tick = tokio::time::interval(CONFIG_EVERY);
    config_tick.tick().await;
    let mut outbox_tick = tokio::time::interval(OUTBOX_POLL);
    loop {
        tokio::select! {
            msg = ws.next() => {
                let Some(Ok(msg)) = msg else { return Ended::Failed("host.connection_lost".into()) };
                let Message::Text(text) = msg else { continue };
                let mut batch = vec![];
                if let Err(code) = take(clinic, &mut in_flight, &text, &mut batch).await {
                    return Ended::Failed(code);
                }
                // Whatever else is already here joins the same transaction.
                while batch.len() < BATCH {
                    let Some(Some(Ok(Message::Text(more)))) = ws.next().now_or_never() else { break };
                    if let Err(code) = take(clinic, &mut in_flight, &more, &mut batch).await {
                        return Ended::Failed(code);
                    }
                }
                if !batch.is_empty() {
                    let upto = match blocking(clinic, move |c| c.ingest(&batch)).await {
                        Ok(c) => c,
                        Err(code) => return Ended::Failed(code),
                    };
                    status.update(|s| s.cursor = upto);
                    if let Err(code) = send(&mut ws, &DeskIn::Ack { upto }).await {
                        return Ended::Failed(code);
                    }
                }
            }
            ev = rx.recv() => match ev {
                Ok(Event::ChatSettingsChanged) => {
                    // A new relay address or token means a new connection; anything else is a
                    // config change the relay should publish.
                    let link = blocking(clinic, |c| c.relay_link()).await.ok().flatten();
                    let same = link.as_ref().is_some_and(|l| status.get().relay_url.as_deref() == Some(l.url.as_str()));
                    if !same || link.is_none() {
                        return Ended::Reconfigured;
                    }
                    if let Err(code) = republish(clinic, &mut ws, &mut published).await {
                        return Ended::Failed(code);
                    }
                }
                Ok(Event::ConversationChanged { .. }) => {
                    if let Err(code) = flush(clinic, &mut ws, &mut in_flight).await {
                        return Ended::Failed(code);
                    }
                }
                Ok(Event::StaffChanged { .. } | Event::ClinicChanged) => {
                    if let Err(code) = republish(clinic, &mut ws, &mut published).await {
                        return Ended::Failed(code);
                    }
                }
                _ => {}
            },
            _ = outbox_tick.tick() => {
                if let Err(code) = flush(clinic, &mut ws, &mut in_flight).await {
                    return Ended::Failed(code);
                }
            }
            _ = config_tick.tick() => {
                // Who is logged in changes without an event; a periodic look keeps the
                // widget's "online" honest.
                if let Err(code) = republish(clinic, &mut ws, &mut published).await {
                    return Ended::Failed(code);
                }
            }
        }
    }
}

/// Reads one relay frame: entries join the batch, answers settle outbox items.
async fn take(
    clinic: &Arc<Clinic>,
    in_flight: &mut HashSet<String>,
    text: &str,
    batch: &mut Vec<Incoming>,
) -> Result<(), String> {
    let Ok(frame) = serde_json::from_str::<DeskOut>(text) else {
        return Ok(()); // A frame from a newer relay: nothing to do with it.
    };
    match frame {
        DeskOut::Event { seq, at, event } => batch.push(Incoming { seq, at, event }),
        DeskOut::Stored { id, seq, at } => {
            let item = outbox_id(&id, in_flight);
            in_flight.remove(&item);
            let delivered = (item == id).then_some(Delivered { seq, at });
            blocking(clinic, move |c| c.outbox_done(&item, delivered)).await?;
        }
        DeskOut::Error {
            code, id: Some(id), ..
        } => {
            let item = outbox_id(&id, in_flight);
            in_flight.remove(&item);
            let c = code.as_str();
            if permanent(code) {
                blocking(clinic, move |cl| cl.outbox_gave_up(&item, c)).await?;
            } else {
                blocking(clinic, move |cl| cl.outbox_failed(&item, c)).await?;
            }
        }
        DeskOut::Error { code, id: None, .. } => {
            if code == ErrorCode::BadToken {
                return Err(code.as_str().to_owned());
            }
        }
        DeskOut::Forgotten { .. } => {}
    }
    Ok(())
}

/// The relay answers a deletion with the deleted message's id; its outbox item has its own.
fn outbox_id(id: &str, in_flight: &HashSet<String>) -> String {
    let delete = format!("{id}-delete");
    if in_flight.contains(&delete) {
        delete
    } else {
        id.to_owned()
    }
}

async fn flush(
    clinic: &Arc<Clinic>,
    ws: &mut Socket,
    in_flight: &mut HashSet<String>,
) -> Result<(), String> {
    let due = blocking(clinic, |c| c.outbox_due(OutboxKind::Relay, 200)).await?;
    for item in due {
        if in_flight.contains(&item.id) {
            continue;
        }
        if let OutboxPayload::Relay(frame) = item.payload {
            send(ws, &frame).await?;
            in_flight.insert(item.id);
        }
    }
    Ok(())
}

async fn republish(
    clinic: &Arc<Clinic>,
    ws: &mut Socket,
    published: &mut SiteConfig,
) -> Result<(), String> {
    let config = blocking(clinic, |c| c.site_config()).await?;
    if config != *published {
        send(
            ws,
            &DeskIn::Config {
                config: config.clone(),
            },
        )
        .await?;
        *published = config;
    }
    Ok(())
}
