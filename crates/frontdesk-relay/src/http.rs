//! The HTTP side: routes, the widget file, site config, challenges, the two socket upgrades,
//! and the file endpoints (their handlers are in `attachments.rs`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use frontdesk_proto::wire::HttpError;
use frontdesk_proto::{ids, ErrorCode};
use tower_http::cors::{Any, CorsLayer};

use crate::error::Error;
use crate::store::Site;
use crate::{attachments, desk, visitor, Relay};

const WIDGET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/widget.js"));
const DEMO: &str = include_str!(concat!(env!("OUT_DIR"), "/demo.html"));

pub fn router(relay: Arc<Relay>) -> Router {
    // What the widget calls from the clinic's pages, another origin. Any origin: the site id is
    // public and the files need the conversation secret, which only the visitor's browser has.
    let public = Router::new()
        .route("/v1/sites/{site}/config", get(config))
        .route("/v1/sites/{site}/challenge", get(challenge))
        .route(
            "/v1/sites/{site}/files/{conversation}/{file}",
            get(attachments::visitor_get).put(attachments::visitor_put),
        )
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::PUT])
                .allow_headers([
                    HeaderName::from_static(attachments::SECRET_HEADER),
                    header::CONTENT_TYPE,
                ])
                .expose_headers([header::RETRY_AFTER])
                .max_age(std::time::Duration::from_secs(600)),
        );
    Router::new()
        .route("/healthz", get(healthz))
        .route("/widget.js", get(widget))
        .route("/demo", get(demo))
        .route("/v1/sites/{site}/visitor", get(visitor_socket))
        .route("/v1/desk", get(desk_socket))
        .route(
            "/v1/desk/files/{conversation}/{file}",
            get(attachments::desk_get).put(attachments::desk_put),
        )
        .merge(public)
        .with_state(relay)
}

/// A refusal as an HTTP answer with its stable code.
pub struct Refusal(pub StatusCode, pub Error);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = match self.1 {
            Error::Refused { .. } => self.0,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = HttpError {
            code: self.1.code(),
            message: self.1.client_message(),
        };
        (status, Json(body)).into_response()
    }
}

fn refuse(status: StatusCode, code: ErrorCode, message: &str) -> Refusal {
    Refusal(status, Error::refused(code, message))
}

fn internal(e: Error) -> Refusal {
    tracing::error!(error = %e, "relay request failed");
    Refusal(StatusCode::INTERNAL_SERVER_ERROR, e)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"ok": true, "version": env!("CARGO_PKG_VERSION")}))
}

async fn widget() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        WIDGET,
    )
}

/// A sample clinic page embedding the widget, for the demo and the browser tests.
async fn demo(State(relay): State<Arc<Relay>>, headers: HeaderMap) -> Response {
    let Some(site) = relay.demo_site() else {
        return refuse(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownSite,
            "no demo site on this relay",
        )
        .into_response();
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".:-[]".contains(&b))
        })
        .unwrap_or("127.0.0.1");
    let page = DEMO
        .replace("{{RELAY_WS}}", &format!("ws://{host}"))
        .replace("{{RELAY}}", &format!("http://{host}"))
        .replace("{{SITE}}", &site);
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Html(page),
    )
        .into_response()
}

pub(crate) fn known_site(relay: &Relay, site: &str) -> Result<Site, Refusal> {
    if !ids::is_site_id(site) {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownSite,
            "no such site",
        ));
    }
    relay.store.site(site).map_err(internal)?.ok_or_else(|| {
        refuse(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownSite,
            "no such site",
        )
    })
}

/// Whether someone answers now: a desk is connected and its config says a person is logged in.
pub fn online(relay: &Relay, site: &crate::store::Site) -> bool {
    relay.hub.desk_online(&site.id)
        && site
            .config
            .as_deref()
            .and_then(|c| serde_json::from_str::<frontdesk_proto::wire::SiteConfig>(c).ok())
            .is_some_and(|c| c.staff.iter().any(|s| s.online))
}

async fn config(State(relay): State<Arc<Relay>>, Path(site): Path<String>) -> Response {
    let site = match known_site(&relay, &site) {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let Some(config) = site.config.as_deref() else {
        return refuse(
            StatusCode::NOT_FOUND,
            ErrorCode::SiteNotReady,
            "the clinic's desk has not connected to this relay yet",
        )
        .into_response();
    };
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(config) else {
        return internal(Error::Config("stored site config is not JSON".into())).into_response();
    };
    value["site"] = site.id.clone().into();
    value["online"] = online(&relay, &site).into();
    // The desk's own limits can't exceed what the relay accepts.
    value["max_text"] = relay.settings.max_text.into();
    value["max_file"] = attachments::max_plain(&relay, &site).into();
    value["pow"] = true.into();
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(value),
    )
        .into_response()
}

async fn challenge(State(relay): State<Arc<Relay>>, Path(site): Path<String>) -> Response {
    if let Err(r) = known_site(&relay, &site) {
        return r.into_response();
    }
    match relay.pow.challenge() {
        Ok(c) => (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Json(c),
        )
            .into_response(),
        Err(e) => internal(e).into_response(),
    }
}

/// The visitor's address: the socket's, or the first `X-Forwarded-For` hop when the operator
/// says a proxy of theirs is in front.
pub(crate) fn client_ip(relay: &Relay, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    if relay.settings.trust_forwarded {
        if let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.split(',').next())
            .and_then(|h| h.trim().parse().ok())
        {
            return ip;
        }
    }
    peer.ip()
}

async fn visitor_socket(
    State(relay): State<Arc<Relay>>,
    Path(site): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let site = match known_site(&relay, &site) {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let ip = client_ip(&relay, peer, &headers);
    // Frames up to four times the useful size are read and refused politely; beyond that the
    // socket is closed without reading further.
    let hard_limit = relay.settings.max_frame() * 4;
    // Small buffers: visitors send a few small frames, and 10,000 of them must fit in memory.
    ws.max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .on_upgrade(move |socket| visitor::run(relay, site.id, ip, socket))
}

/// The site whose desk token the request carries (`Authorization: Bearer …`). Wrong tokens are
/// counted per address, so guessing is slow.
pub(crate) fn desk_site(relay: &Relay, ip: IpAddr, headers: &HeaderMap) -> Result<Site, Refusal> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    let site = match token {
        Some(t) => relay.store.site_by_token(t).map_err(internal)?,
        None => None,
    };
    site.ok_or_else(|| {
        if relay.bad_tokens.check_key(&ip).is_err() {
            refuse(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "too many wrong desk tokens from this address; wait a minute",
            )
        } else {
            refuse(
                StatusCode::UNAUTHORIZED,
                ErrorCode::BadToken,
                "the desk token is missing or wrong",
            )
        }
    })
}

async fn desk_socket(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let site = match desk_site(&relay, peer.ip(), &headers) {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let hard_limit = relay.settings.max_frame() * 4 + 1_048_576;
    ws.max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .on_upgrade(move |socket| desk::run(relay, site, socket))
}
