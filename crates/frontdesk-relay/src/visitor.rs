//! One visitor's socket: bind it to a conversation with `start` (checked for proof-of-work,
//! consent, bots and rate limits) or `resume` (checked for the conversation secret), then relay
//! `send`s to the store and the desk's replies back, acknowledging only after each commit.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::ws::WebSocket;
use frontdesk_proto::wire::{VisitorIn, VisitorOut};
use frontdesk_proto::{crypto, ids, ErrorCode, Side};
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::socket::{self, Frame};
use crate::store::{Entry, Kind, NewConversation, Write};
use crate::Relay;

struct Bound {
    conversation: String,
    /// The highest seq this socket has shown the visitor.
    shown: u64,
}

fn bad(m: &str) -> Error {
    Error::refused(ErrorCode::BadRequest, m.to_owned())
}

fn check_id(id: &str, what: &str) -> Result<()> {
    if ids::is_ulid(id) {
        Ok(())
    } else {
        Err(bad(&format!("{what} must be a ULID")))
    }
}

fn check_body(relay: &Relay, body: &str) -> Result<()> {
    if body.len() > relay.settings.max_envelope() {
        return Err(Error::refused(
            ErrorCode::TooLarge,
            format!(
                "the message is too long; at most {} bytes of text",
                relay.settings.max_text
            ),
        ));
    }
    if body.len() < 40
        || !body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(bad("body must be an encrypted envelope (base64url)"));
    }
    Ok(())
}

fn check_secret(secret: &str) -> Result<()> {
    if (32..=128).contains(&secret.len()) {
        Ok(())
    } else {
        Err(bad("secret must be 32 to 128 characters"))
    }
}

pub async fn run(relay: Arc<Relay>, site: String, ip: IpAddr, mut ws: WebSocket) {
    let deadline = Instant::now() + relay.settings.first_frame_timeout;
    let max_frame = relay.settings.max_frame();
    let mut bound = loop {
        let frame = match tokio::time::timeout_at(deadline, socket::read(&mut ws, max_frame)).await
        {
            Ok(f) => f,
            Err(_) => {
                let _ = socket::send(
                    &mut ws,
                    &error(
                        Error::refused(
                            ErrorCode::Timeout,
                            format!(
                                "say start or resume within {} seconds",
                                relay.settings.first_frame_timeout.as_secs()
                            ),
                        ),
                        None,
                    ),
                )
                .await;
                return;
            }
        };
        let (result, id) = match frame {
            Frame::Closed => return,
            Frame::Skip => continue,
            Frame::Bad(e) => (Err(e), None),
            Frame::Parsed(VisitorIn::Send { id, .. }) => (
                Err(Error::refused(
                    ErrorCode::OutOfOrder,
                    "start or resume the conversation first",
                )),
                Some(id),
            ),
            Frame::Parsed(start @ VisitorIn::Start { .. }) => {
                let VisitorIn::Start { id, .. } = &start else {
                    unreachable!()
                };
                let id = id.clone();
                (
                    bind_start(&relay, &site, ip, start, &mut ws).await,
                    Some(id),
                )
            }
            Frame::Parsed(VisitorIn::Resume {
                conversation,
                secret,
                after,
            }) => (
                bind_resume(&relay, &site, conversation, secret, after, &mut ws).await,
                None,
            ),
        };
        match result {
            Ok(b) => break b,
            Err(e) => {
                if !socket::send(&mut ws, &error(e, id)).await {
                    return;
                }
            }
        }
    };
    let conversation = bound.conversation.clone();
    let _ = relay
        .store
        .write(Write::Presence {
            site: site.clone(),
            conversation: conversation.clone(),
            online: true,
        })
        .await;
    serve_bound(&relay, &site, &mut bound, &mut ws).await;
    let _ = relay
        .store
        .write(Write::Presence {
            site,
            conversation,
            online: false,
        })
        .await;
}

async fn serve_bound(relay: &Relay, site: &str, bound: &mut Bound, ws: &mut WebSocket) {
    let max_frame = relay.settings.max_frame();
    let mut listener = relay.hub.conversation_listener(site, &bound.conversation);
    let mut desks = relay.hub.desks(site);
    desks.borrow_and_update();
    // Replies committed between the bind and the subscription are caught by this first pass.
    if !deliver(relay, site, bound, ws).await {
        return;
    }
    loop {
        tokio::select! {
            frame = socket::read::<VisitorIn>(ws, max_frame) => {
                let (result, id) = match frame {
                    Frame::Closed => return,
                    Frame::Skip => continue,
                    Frame::Bad(e) => (Err(e), None),
                    Frame::Parsed(VisitorIn::Send { id, body }) => {
                        (send(relay, site, &bound.conversation, &id, body).await, Some(id))
                    }
                    Frame::Parsed(_) => (
                        Err(Error::refused(ErrorCode::OutOfOrder, "this socket already has a conversation")),
                        None,
                    ),
                };
                let out = match (result, id) {
                    (Ok(s), Some(id)) => VisitorOut::Ack { id, seq: s.seq, at: s.at },
                    (Ok(_), None) => continue,
                    (Err(e), id) => error(e, id),
                };
                if !socket::send(ws, &out).await {
                    return;
                }
            }
            changed = listener.rx().changed() => {
                if changed.is_err() || !deliver(relay, site, bound, ws).await {
                    return;
                }
            }
            changed = desks.changed() => {
                if changed.is_err() {
                    return;
                }
                let online = relay.store.site(site).ok().flatten()
                    .is_some_and(|s| crate::http::online(relay, &s));
                if !socket::send(ws, &VisitorOut::Presence { online }).await {
                    return;
                }
            }
        }
    }
}

async fn send(
    relay: &Relay,
    site: &str,
    conversation: &str,
    id: &str,
    body: String,
) -> Result<crate::store::Stored> {
    check_id(id, "id")?;
    check_body(relay, &body)?;
    if relay.messages.check_key(&conversation.to_owned()).is_err() {
        return Err(Error::refused(
            ErrorCode::RateLimited,
            "too many messages in a short time; wait a moment and send again",
        ));
    }
    stored(
        relay
            .store
            .write(Write::Message {
                site: site.to_owned(),
                conversation: conversation.to_owned(),
                id: id.to_owned(),
                body,
            })
            .await?,
    )
}

fn stored(s: Option<crate::store::Stored>) -> Result<crate::store::Stored> {
    s.ok_or_else(|| Error::refused(ErrorCode::Internal, "nothing was stored"))
}

async fn bind_start(
    relay: &Relay,
    site: &str,
    ip: IpAddr,
    start: VisitorIn,
    ws: &mut WebSocket,
) -> Result<Bound> {
    let VisitorIn::Start {
        conversation,
        secret,
        visitor_key,
        id,
        body,
        pow,
        consent,
        honeypot,
        fill_ms,
    } = start
    else {
        unreachable!("called with a start frame")
    };
    check_id(&conversation, "conversation")?;
    check_id(&id, "id")?;
    check_secret(&secret)?;
    check_body(relay, &body)?;
    crypto::parse_public(&visitor_key)
        .map_err(|_| bad("visitor_key must be a P-256 public key (raw, base64url)"))?;
    let secret_hash = ids::secret_hash(&secret);
    // A repeat of a start whose ack was lost: same conversation, same secret. Its proof-of-work
    // is spent already, so it is answered from the store without another check.
    let repeat = relay.store.conversation_secret(site, &conversation)? == Some(secret_hash.clone());
    let pow = if repeat {
        None
    } else {
        if !consent.as_ref().is_some_and(|c| c.privacy) {
            return Err(Error::refused(
                ErrorCode::ConsentMissing,
                "agreeing to the privacy policy is needed before the first message",
            ));
        }
        if honeypot.as_deref().is_some_and(|h| !h.is_empty())
            || fill_ms.is_none_or(|ms| ms < relay.settings.min_fill_ms)
        {
            return Err(Error::refused(
                ErrorCode::BotSuspected,
                "this looked automated; please fill in the form again",
            ));
        }
        let (signature, expires) = relay.pow.verify(pow.as_deref())?;
        // A retry racing its first copy (on another socket) finds the proof-of-work spent by
        // that copy's commit after `repeat` was read; the store answers it as a repeat.
        if relay.store.pow_used(&signature)?
            && relay.store.conversation_secret(site, &conversation)? != Some(secret_hash.clone())
        {
            return Err(Error::refused(
                ErrorCode::PowReplayed,
                "this proof-of-work was used already; solve a new one",
            ));
        }
        if relay.new_conversations.check_key(&ip).is_err() {
            return Err(Error::refused(
                ErrorCode::RateLimited,
                "too many new conversations from this address; wait a minute",
            ));
        }
        Some((signature, expires))
    };
    let s = stored(
        relay
            .store
            .write(Write::Start(NewConversation {
                site: site.to_owned(),
                conversation: conversation.clone(),
                secret_hash,
                visitor_key,
                ip: ip.to_string(),
                id: id.clone(),
                body,
                pow,
            }))
            .await?,
    )?;
    if !socket::send(
        ws,
        &VisitorOut::Ack {
            id,
            seq: s.seq,
            at: s.at,
        },
    )
    .await
    {
        return Err(Error::refused(ErrorCode::Internal, "the socket closed"));
    }
    Ok(Bound {
        conversation,
        shown: s.seq,
    })
}

async fn bind_resume(
    relay: &Relay,
    site: &str,
    conversation: String,
    secret: String,
    after: u64,
    ws: &mut WebSocket,
) -> Result<Bound> {
    check_id(&conversation, "conversation")?;
    match relay.store.conversation_secret(site, &conversation)? {
        None => {
            return Err(Error::refused(
                ErrorCode::UnknownConversation,
                "the relay has no such conversation (it may have been deleted)",
            ))
        }
        Some(h) if h != ids::secret_hash(&secret) => {
            return Err(Error::refused(
                ErrorCode::BadSecret,
                "wrong conversation secret",
            ))
        }
        Some(_) => {}
    }
    let mut bound = Bound {
        conversation,
        shown: after,
    };
    let log = relay
        .store
        .conversation_log(site, &bound.conversation, after, false)?;
    for e in log {
        if let Some(out) = visitor_frame(&e) {
            if !socket::send(ws, &out).await {
                return Err(Error::refused(ErrorCode::Internal, "the socket closed"));
            }
        }
        bound.shown = bound.shown.max(e.seq);
    }
    let online = relay
        .store
        .site(site)?
        .is_some_and(|s| crate::http::online(relay, &s));
    if !socket::send(ws, &VisitorOut::Ready { online }).await {
        return Err(Error::refused(ErrorCode::Internal, "the socket closed"));
    }
    Ok(bound)
}

/// Sends the desk's entries committed since the socket last looked.
async fn deliver(relay: &Relay, site: &str, bound: &mut Bound, ws: &mut WebSocket) -> bool {
    let Ok(log) = relay
        .store
        .conversation_log(site, &bound.conversation, bound.shown, true)
    else {
        return false;
    };
    for e in log {
        if let Some(out) = visitor_frame(&e) {
            if !socket::send(ws, &out).await {
                return false;
            }
        }
        bound.shown = bound.shown.max(e.seq);
    }
    true
}

fn visitor_frame(e: &Entry) -> Option<VisitorOut> {
    let id = e.id.clone()?;
    match (e.kind, &e.body) {
        (Kind::Deleted, _) => Some(VisitorOut::Deleted {
            seq: e.seq,
            id,
            at: e.at,
        }),
        // A deleted reply: its marker comes later in the log and says so.
        (Kind::Reply, None) => None,
        (kind, Some(body)) => Some(VisitorOut::Msg {
            seq: e.seq,
            id,
            from: if kind.side() == Side::Desk {
                Side::Desk
            } else {
                Side::Visitor
            },
            body: body.clone(),
            at: e.at,
        }),
        _ => None,
    }
}

fn error(e: Error, id: Option<String>) -> VisitorOut {
    VisitorOut::Error {
        code: e.code(),
        message: e.client_message(),
        id,
    }
}
