//! The clinic desk's socket. The desk says `hello` with its cursor (the last seq it committed),
//! the relay sends every visitor-side entry after it and then live ones, and the desk
//! acknowledges after its own commit. Replies and deletions from the desk are acknowledged
//! (`stored`) after the relay's commit.

use std::sync::Arc;

use axum::extract::ws::WebSocket;
use frontdesk_proto::wire::{DeskIn, DeskOut, SiteConfig, VisitorEvent};
use frontdesk_proto::{ids, ErrorCode};

use crate::error::{Error, Result};
use crate::socket::{self, Frame};
use crate::store::{Entry, Kind, Site, Write};
use crate::Relay;

const BATCH: u32 = 500;
/// More files than one reply can sensibly carry; keeps one frame's work bounded.
const MAX_FILES_PER_DELETE: usize = 100;

pub async fn run(relay: Arc<Relay>, site: Site, mut ws: WebSocket) {
    let max_frame = relay.settings.max_frame() * 4 + 1_048_576;
    let deadline = tokio::time::Instant::now() + relay.settings.first_frame_timeout;
    let mut sent = loop {
        match tokio::time::timeout_at(deadline, socket::read::<DeskIn>(&mut ws, max_frame)).await {
            Err(_) => {
                let _ = socket::send(
                    &mut ws,
                    &error(Error::refused(ErrorCode::Timeout, "say hello first"), None),
                )
                .await;
                return;
            }
            Ok(Frame::Closed) => return,
            Ok(Frame::Skip) => continue,
            Ok(Frame::Parsed(DeskIn::Hello { after, config })) => {
                if let Some(c) = config {
                    if let Err(e) = store_config(&relay, &site.id, c).await {
                        let _ = socket::send(&mut ws, &error(e, None)).await;
                    }
                }
                break after;
            }
            Ok(Frame::Parsed(_)) => {
                let e = Error::refused(ErrorCode::OutOfOrder, "say hello first");
                if !socket::send(&mut ws, &error(e, None)).await {
                    return;
                }
            }
            Ok(Frame::Bad(e)) => {
                if !socket::send(&mut ws, &error(e, None)).await {
                    return;
                }
            }
        }
    };
    let _online = relay.hub.desk_connected(&site.id);
    let mut listener = relay.hub.desk_listener(&site.id);
    listener.borrow_and_update();
    if !deliver(&relay, &site.id, &mut sent, &mut ws).await {
        return;
    }
    loop {
        tokio::select! {
            frame = socket::read::<DeskIn>(&mut ws, max_frame) => {
                let out = match frame {
                    Frame::Closed => return,
                    Frame::Skip => continue,
                    Frame::Bad(e) => Some(error(e, None)),
                    Frame::Parsed(f) => handle(&relay, &site.id, f).await,
                };
                if let Some(out) = out {
                    if !socket::send(&mut ws, &out).await {
                        return;
                    }
                }
            }
            changed = listener.changed() => {
                if changed.is_err() || !deliver(&relay, &site.id, &mut sent, &mut ws).await {
                    return;
                }
            }
        }
    }
}

async fn store_config(relay: &Relay, site: &str, config: SiteConfig) -> Result<()> {
    if frontdesk_proto::crypto::parse_public(&config.desk_key).is_err() {
        return Err(Error::refused(
            ErrorCode::BadRequest,
            "desk_key is not a P-256 public key",
        ));
    }
    let json = serde_json::to_string(&config).expect("a config always serializes");
    relay
        .store
        .write(Write::Config {
            site: site.to_owned(),
            config: json,
        })
        .await?;
    Ok(())
}

async fn handle(relay: &Relay, site: &str, frame: DeskIn) -> Option<DeskOut> {
    let site = site.to_owned();
    match frame {
        DeskIn::Hello { .. } => Some(error(
            Error::refused(ErrorCode::OutOfOrder, "hello was said already"),
            None,
        )),
        DeskIn::Ack { upto } => match relay.store.write(Write::DeskAck { site, upto }).await {
            Ok(_) => None,
            Err(e) => Some(error(e, None)),
        },
        DeskIn::Config { config } => store_config(relay, &site, config)
            .await
            .err()
            .map(|e| error(e, None)),
        DeskIn::Reply {
            conversation,
            id,
            body,
        } => {
            let r = async {
                check(&conversation, &id)?;
                if body.len() > relay.settings.max_envelope() {
                    return Err(Error::refused(ErrorCode::TooLarge, "the reply is too long"));
                }
                relay
                    .store
                    .write(Write::Reply {
                        site,
                        conversation,
                        id: id.clone(),
                        body,
                    })
                    .await
            }
            .await;
            Some(stored(r, id))
        }
        DeskIn::Delete {
            conversation,
            id,
            files,
        } => {
            let r = async {
                check(&conversation, &id)?;
                if files.len() > MAX_FILES_PER_DELETE || !files.iter().all(|f| ids::is_ulid(f)) {
                    return Err(Error::refused(
                        ErrorCode::BadRequest,
                        format!("files must be at most {MAX_FILES_PER_DELETE} ULIDs"),
                    ));
                }
                relay
                    .store
                    .write(Write::Delete {
                        site,
                        conversation,
                        id: id.clone(),
                        files,
                    })
                    .await
            }
            .await;
            Some(stored(r, id))
        }
        DeskIn::Forget { conversation } => {
            match relay
                .store
                .write(Write::Forget {
                    site,
                    conversation: conversation.clone(),
                })
                .await
            {
                Ok(_) => Some(DeskOut::Forgotten { conversation }),
                Err(e) => Some(error(e, None)),
            }
        }
    }
}

fn check(conversation: &str, id: &str) -> Result<()> {
    if ids::is_ulid(conversation) && ids::is_ulid(id) {
        Ok(())
    } else {
        Err(Error::refused(
            ErrorCode::BadRequest,
            "conversation and id must be ULIDs",
        ))
    }
}

fn stored(r: Result<Option<crate::store::Stored>>, id: String) -> DeskOut {
    match r {
        Ok(Some(s)) => DeskOut::Stored {
            id,
            seq: s.seq,
            at: s.at,
        },
        Ok(None) => error(
            Error::refused(ErrorCode::Internal, "nothing was stored"),
            Some(id),
        ),
        Err(e) => error(e, Some(id)),
    }
}

/// Sends everything after `sent`, in batches, until the desk has all that is committed.
async fn deliver(relay: &Relay, site: &str, sent: &mut u64, ws: &mut WebSocket) -> bool {
    loop {
        let Ok(batch) = relay.store.desk_backlog(site, *sent, BATCH) else {
            return false;
        };
        let n = batch.len();
        for e in batch {
            let seq = e.seq;
            if let Some(out) = desk_frame(e) {
                if !socket::send(ws, &out).await {
                    return false;
                }
            }
            *sent = seq;
        }
        if n < BATCH as usize {
            return true;
        }
    }
}

fn desk_frame(e: Entry) -> Option<DeskOut> {
    let event = match e.kind {
        Kind::Started => VisitorEvent::Started {
            conversation: e.conversation,
            visitor_key: e.visitor_key?,
            ip: e.ip.unwrap_or_default(),
            id: e.id?,
            body: e.body?,
        },
        Kind::Message => VisitorEvent::Message {
            conversation: e.conversation,
            id: e.id?,
            body: e.body?,
        },
        Kind::Presence => VisitorEvent::Presence {
            conversation: e.conversation,
            online: e.online?,
        },
        Kind::Reply | Kind::Deleted => return None,
    };
    Some(DeskOut::Event {
        seq: e.seq,
        at: e.at,
        event,
    })
}

fn error(e: Error, id: Option<String>) -> DeskOut {
    DeskOut::Error {
        code: e.code(),
        message: e.client_message(),
        id,
    }
}
