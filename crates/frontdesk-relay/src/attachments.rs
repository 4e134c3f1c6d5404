//! Chat files over HTTP (docs/protocol.md, "Files"): the widget and the desk upload files they
//! sealed with the conversation key and fetch the other side's. The relay can't read them; it
//! checks who asks, how much, and how often, stores the sealed bytes through the store's
//! writer (so `201` means committed), and hands them back unchanged.
//!
//! Files go into a conversation the relay already has: the widget uploads after `start` was
//! acknowledged and before the `send` whose body names the files; the desk uploads before the
//! `reply` that names them.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontdesk_proto::crypto::{max_sealed_file_len, FILE_OVERHEAD};
use frontdesk_proto::wire::{HttpError, SiteConfig, DEFAULT_MAX_FILE};
use frontdesk_proto::{ids, ErrorCode, Side};
use futures_util::StreamExt;
use governor::clock::{Clock, DefaultClock};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::http::{client_ip, desk_site, known_site};
use crate::store::{NewFile, Site, Write};
use crate::Relay;

/// The header that carries the conversation secret on the visitor's requests.
pub const SECRET_HEADER: &str = "x-frontdesk-secret";

/// A client that stops sending its body for this long is cut off, and so is one that takes
/// longer than `BODY_TOTAL` for the whole of it: neither may hold a buffer open for ever.
const BODY_IDLE: Duration = Duration::from_secs(30);
const BODY_TOTAL: Duration = Duration::from_secs(600);

/// A refusal as an HTTP answer: the status its code implies, the JSON error body, and for
/// `relay.rate_limited` the seconds to wait.
struct Refused {
    code: ErrorCode,
    message: String,
    retry_after: Option<Duration>,
}

fn refused(code: ErrorCode, message: impl Into<String>) -> Refused {
    Refused {
        code,
        message: message.into(),
        retry_after: None,
    }
}

impl From<Error> for Refused {
    fn from(e: Error) -> Refused {
        if !matches!(e, Error::Refused { .. }) {
            // Store or I/O trouble: the operator's to see, without the request's details.
            tracing::error!(error = %e, "a file request failed");
        }
        refused(e.code(), e.client_message())
    }
}

impl From<crate::http::Refusal> for Refused {
    fn from(r: crate::http::Refusal) -> Refused {
        Refused::from(r.1)
    }
}

fn status(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest | ErrorCode::BadJson | ErrorCode::BadUtf8 => StatusCode::BAD_REQUEST,
        ErrorCode::BadToken => StatusCode::UNAUTHORIZED,
        ErrorCode::BadSecret => StatusCode::FORBIDDEN,
        ErrorCode::UnknownSite
        | ErrorCode::SiteNotReady
        | ErrorCode::UnknownConversation
        | ErrorCode::UnknownFile => StatusCode::NOT_FOUND,
        ErrorCode::Timeout => StatusCode::REQUEST_TIMEOUT,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let body = Json(HttpError {
            code: self.code,
            message: self.message,
        });
        let mut r = (status(self.code), body).into_response();
        if let Some(wait) = self.retry_after {
            // Whole seconds, rounded up: a client that waits this long gets through.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        r
    }
}

fn rate_limited(wait: Duration, message: &str) -> Refused {
    Refused {
        retry_after: Some(wait),
        ..refused(ErrorCode::RateLimited, message)
    }
}

fn check_ids(conversation: &str, file: &str) -> Result<(), Refused> {
    if !ids::is_ulid(conversation) {
        return Err(refused(
            ErrorCode::BadRequest,
            "the conversation must be a ULID",
        ));
    }
    if !ids::is_ulid(file) {
        return Err(refused(ErrorCode::BadRequest, "the file id must be a ULID"));
    }
    Ok(())
}

/// The visitor's proof that the conversation is theirs: its secret, checked against the stored
/// hash as `resume` does.
fn check_secret(
    relay: &Relay,
    site: &str,
    conversation: &str,
    headers: &HeaderMap,
) -> Result<(), Refused> {
    let given = headers.get(SECRET_HEADER).and_then(|h| h.to_str().ok());
    match relay.store.conversation_secret(site, conversation)? {
        None => Err(refused(
            ErrorCode::UnknownConversation,
            "the relay has no such conversation (it may have been deleted)",
        )),
        Some(h) if given.is_some_and(|g| ids::secret_hash(g) == h) => Ok(()),
        Some(_) => Err(refused(
            ErrorCode::BadSecret,
            "wrong or missing conversation secret",
        )),
    }
}

/// The largest sealed file this site takes: its desk's `max_file`, within the relay's cap.
pub fn max_plain(relay: &Relay, site: &Site) -> u64 {
    let desk = site
        .config
        .as_deref()
        .and_then(|c| serde_json::from_str::<SiteConfig>(c).ok())
        .map_or(DEFAULT_MAX_FILE, |c| c.max_file);
    desk.min(relay.settings.max_file_bytes)
}

pub async fn visitor_put(
    State(relay): State<Arc<Relay>>,
    Path((site, conversation, file)): Path<(String, String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let r = async {
        let site = known_site(&relay, &site)?;
        check_ids(&conversation, &file)?;
        check_secret(&relay, &site.id, &conversation, &headers)?;
        let ip = client_ip(&relay, peer, &headers);
        let upload = Upload {
            site,
            conversation,
            id: file,
            side: Side::Visitor,
        };
        upload.run(&relay, Some(ip), &headers, body).await
    };
    r.await.unwrap_or_else(IntoResponse::into_response)
}

pub async fn visitor_get(
    State(relay): State<Arc<Relay>>,
    Path((site, conversation, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let r = async {
        let site = known_site(&relay, &site)?;
        check_ids(&conversation, &file)?;
        check_secret(&relay, &site.id, &conversation, &headers)?;
        download(relay.clone(), site.id, conversation, file).await
    };
    r.await.unwrap_or_else(IntoResponse::into_response)
}

pub async fn desk_put(
    State(relay): State<Arc<Relay>>,
    Path((conversation, file)): Path<(String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let r = async {
        let site = desk_site(&relay, peer.ip(), &headers)?;
        check_ids(&conversation, &file)?;
        let upload = Upload {
            site,
            conversation,
            id: file,
            side: Side::Desk,
        };
        upload.run(&relay, None, &headers, body).await
    };
    r.await.unwrap_or_else(IntoResponse::into_response)
}

pub async fn desk_get(
    State(relay): State<Arc<Relay>>,
    Path((conversation, file)): Path<(String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let r = async {
        let site = desk_site(&relay, peer.ip(), &headers)?;
        check_ids(&conversation, &file)?;
        download(relay.clone(), site.id, conversation, file).await
    };
    r.await.unwrap_or_else(IntoResponse::into_response)
}

async fn download(
    relay: Arc<Relay>,
    site: String,
    conversation: String,
    file: String,
) -> Result<Response, Refused> {
    // Megabytes from SQLite: off the async threads.
    let data =
        tokio::task::spawn_blocking(move || relay.store.file_data(&site, &conversation, &file))
            .await
            .map_err(|_| refused(ErrorCode::Internal, "the file could not be read"))??;
    let Some(data) = data else {
        return Err(refused(
            ErrorCode::UnknownFile,
            "no such file in this conversation (it may have been deleted)",
        ));
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        data,
    )
        .into_response())
}

/// One authorized upload into a conversation.
struct Upload {
    site: Site,
    conversation: String,
    id: String,
    side: Side,
}

impl Upload {
    /// Limits first, then the body (read no further than the limit), then the store.
    async fn run(
        self,
        relay: &Relay,
        ip: Option<IpAddr>,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<Response, Refused> {
        let limit = max_sealed_file_len(max_plain(relay, &self.site) as usize);
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.parse::<u64>().ok());
        // A declared size over the limit is refused before a byte of the body is read.
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large(limit));
        }
        // Flood limits before reading, so a refused upload costs the relay nothing.
        let clock = DefaultClock::default();
        if let Some(ip) = ip {
            if let Err(not_until) = relay.file_ips.check_key(&ip) {
                return Err(rate_limited(
                    not_until.wait_time_from(clock.now()),
                    "too many files from this address; wait a minute",
                ));
            }
        }
        let key = format!("{}/{}", self.site.id, self.conversation);
        if let Err(not_until) = relay.file_uploads.check_key(&key) {
            return Err(rate_limited(
                not_until.wait_time_from(clock.now()),
                "too many files in this conversation; wait a minute",
            ));
        }
        let data = read_limited(body, limit, declared).await?;
        if data.is_empty() {
            return Err(refused(ErrorCode::BadRequest, "the body is empty"));
        }
        if data.len() < FILE_OVERHEAD {
            return Err(refused(
                ErrorCode::BadRequest,
                "the body is too short to be a sealed file",
            ));
        }
        let sha256 = hex::encode(Sha256::digest(&data));
        let size = data.len();
        // A repeat (a retry after a lost answer) is answered from the store and costs nothing
        // of the day's budget; the writer checks again, in case of a race.
        match relay
            .store
            .file_meta(&self.site.id, &self.conversation, &self.id)?
        {
            Some(m) if m.sha256 == sha256 && m.side == self.side => {
                return Ok(created(&self.id, size));
            }
            Some(_) => {
                return Err(refused(
                    ErrorCode::Conflict,
                    "a different file was uploaded under this id already",
                ))
            }
            None => {}
        }
        let cells = NonZeroU32::new(u32::try_from(size).unwrap_or(u32::MAX)).expect("not empty");
        match relay.file_bytes.check_key_n(&key, cells) {
            Ok(Ok(())) => {}
            Ok(Err(not_until)) => {
                return Err(rate_limited(
                    not_until.wait_time_from(clock.now()),
                    "this conversation has sent as many file bytes as a day allows",
                ))
            }
            // Settings::validate keeps a day's budget above the largest file, so this is only
            // reached if that changes.
            Err(_) => return Err(too_large(limit)),
        }
        relay
            .store
            .write(Write::File(NewFile {
                site: self.site.id.clone(),
                conversation: self.conversation,
                id: self.id.clone(),
                side: self.side,
                sha256,
                data,
            }))
            .await?;
        Ok(created(&self.id, size))
    }
}

fn created(id: &str, size: usize) -> Response {
    (
        StatusCode::CREATED,
        Json(serde_json::json!({"id": id, "size": size})),
    )
        .into_response()
}

fn too_large(limit: usize) -> Refused {
    refused(
        ErrorCode::TooLarge,
        format!(
            "the file is too large; this site takes at most {} bytes per file",
            limit - FILE_OVERHEAD
        ),
    )
}

/// Reads the body into memory, stopping as soon as it passes `limit` bytes: an endless or
/// oversized body is never buffered whole, declared size or not.
async fn read_limited(body: Body, limit: usize, declared: Option<u64>) -> Result<Vec<u8>, Refused> {
    let mut data = Vec::with_capacity(declared.map_or(0, |n| n as usize).min(limit));
    let mut stream = body.into_data_stream();
    let deadline = tokio::time::Instant::now() + BODY_TOTAL;
    let slow = || refused(ErrorCode::Timeout, "the upload was too slow; please retry");
    loop {
        let idle = tokio::time::Instant::now() + BODY_IDLE;
        let next = tokio::time::timeout_at(idle.min(deadline), stream.next())
            .await
            .map_err(|_| slow())?;
        match next {
            None => return Ok(data),
            Some(Ok(chunk)) => {
                if data.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                data.extend_from_slice(&chunk);
            }
            Some(Err(_)) => {
                return Err(refused(
                    ErrorCode::BadRequest,
                    "the upload broke off before its end",
                ))
            }
        }
    }
}
