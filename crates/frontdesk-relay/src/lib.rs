//! The relay: a small public server between the clinic's website and its desk. It serves the
//! widget and each site's config, takes visitors over WebSocket and the desk over an outbound,
//! authenticated WebSocket, and stores only ciphertext plus the metadata PRIVACY.md lists.
//!
//! `open` builds a [`Relay`]; `app` is its axum router (kept apart from `serve` so tests can
//! drive it in-process); `serve` binds it with plain HTTP or rustls. The binary in `main.rs`
//! and the desk app (which can run a relay inside itself) both go through these.
//!
//! It depends on `frontdesk-proto` only, never on the core: it knows nothing of clinic data.

mod attachments;
mod desk;
mod error;
mod files;
mod http;
mod hub;
mod pow;
mod settings;
mod socket;
mod store;
mod visitor;

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub use error::{Error, Result};
pub use settings::{FileConfig, Settings};
pub use store::Site;

/// The running relay's shared state.
pub struct Relay {
    store: store::Store,
    hub: Arc<hub::Hub>,
    pow: pow::Pow,
    settings: Settings,
    new_conversations: DefaultKeyedRateLimiter<IpAddr>,
    messages: DefaultKeyedRateLimiter<String>,
    bad_tokens: DefaultKeyedRateLimiter<IpAddr>,
    /// File uploads per `site/conversation`, by count and by bytes, and visitors' per address.
    file_uploads: DefaultKeyedRateLimiter<String>,
    file_bytes: DefaultKeyedRateLimiter<String>,
    file_ips: DefaultKeyedRateLimiter<IpAddr>,
    demo_site: std::sync::RwLock<Option<String>>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"))
}

/// `n` cells a day, all of which may be used at once, refilled evenly over the day.
fn per_day(n: u64) -> Quota {
    // Settings::validate keeps n between the largest file and u32::MAX.
    let n = NonZeroU32::new(n.clamp(1, u64::from(u32::MAX)) as u32).expect("at least 1");
    Quota::with_period(std::time::Duration::from_secs(86_400) / n.get())
        .expect("a day over at most u32::MAX cells is still over 0 ns")
        .allow_burst(n)
}

/// Opens (or creates) the relay's data directory.
pub fn open(dir: &Path, settings: Settings) -> Result<Arc<Relay>> {
    settings.validate()?;
    let hub = Arc::new(hub::Hub::default());
    let for_store = hub.clone();
    let store = store::Store::open(dir, Box::new(move |c| for_store.committed(c)))?;
    let pow = pow::Pow::load(dir, settings.pow_max_number)?;
    Ok(Arc::new(Relay {
        store,
        hub,
        pow,
        new_conversations: RateLimiter::keyed(per_minute(
            settings.new_conversations_per_ip_per_minute,
        )),
        messages: RateLimiter::keyed(per_minute(settings.messages_per_conversation_per_minute)),
        bad_tokens: RateLimiter::keyed(per_minute(10)),
        file_uploads: RateLimiter::keyed(per_minute(settings.files_per_conversation_per_minute)),
        file_bytes: RateLimiter::keyed(per_day(settings.file_bytes_per_conversation_per_day)),
        file_ips: RateLimiter::keyed(per_minute(settings.file_uploads_per_ip_per_minute)),
        demo_site: std::sync::RwLock::new(settings.demo_site.clone()),
        settings,
    }))
}

impl Relay {
    /// Pairs a new site; returns its public id and its secret desk token.
    pub fn add_site(&self, name: &str) -> Result<(String, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::Config(
                "a site name must be 1 to 200 characters".into(),
            ));
        }
        self.store.add_site(name)
    }

    pub fn sites(&self) -> Result<Vec<Site>> {
        self.store.sites()
    }

    pub fn remove_site(&self, id: &str) -> Result<bool> {
        self.store.remove_site(id)
    }

    /// Which site the `/demo` page embeds (the desk's built-in relay sets it after pairing).
    pub fn set_demo_site(&self, site: Option<String>) {
        *self.demo_site.write().unwrap_or_else(|p| p.into_inner()) = site;
    }

    fn demo_site(&self) -> Option<String> {
        self.demo_site
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The relay's database file (tests look inside it for plaintext).
    pub fn store_path(&self) -> &Path {
        self.store.path()
    }

    /// Deletes conversations idle past the retention period, with their files (those no
    /// message named too), and forgets stale rate-limit state. Runs hourly while serving.
    pub async fn retention(&self) -> Result<()> {
        let before = store::now_ms() - i64::from(self.settings.retention_days) * 86_400_000;
        self.store.write(store::Write::Retention { before }).await?;
        self.new_conversations.retain_recent();
        self.messages.retain_recent();
        self.bad_tokens.retain_recent();
        self.file_uploads.retain_recent();
        self.file_bytes.retain_recent();
        self.file_ips.retain_recent();
        Ok(())
    }
}

/// The router: widget, site config, challenges, the visitor and desk sockets, health.
pub fn app(relay: Arc<Relay>) -> Router {
    http::router(relay)
}

/// How to accept connections.
pub enum Listen {
    Plain,
    Tls(axum_server::tls_rustls::RustlsConfig),
}

/// Loads a PEM certificate chain and key for `serve`.
pub async fn tls_config(cert: &Path, key: &Path) -> Result<Listen> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    axum_server::tls_rustls::RustlsConfig::from_pem_chain_file(cert, key)
        .await
        .map(Listen::Tls)
        .map_err(|e| {
            Error::Config(format!(
                "could not load the TLS certificate {} and key {}: {e}",
                cert.display(),
                key.display()
            ))
        })
}

/// Serves until the handle is told to stop (or forever).
pub async fn serve(
    relay: Arc<Relay>,
    listener: std::net::TcpListener,
    listen: Listen,
    handle: axum_server::Handle<SocketAddr>,
) -> Result<()> {
    listener.set_nonblocking(true)?;
    let header_timeout = relay.settings.header_timeout;
    let retention = relay.clone();
    let sweeper = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = retention.retention().await {
                tracing::error!(error = %e, "retention sweep failed");
            }
        }
    });
    let service = app(relay).into_make_service_with_connect_info::<SocketAddr>();
    let result = match listen {
        Listen::Plain => {
            // hyper's header timeout starts after its protocol detection, which waits for the
            // first bytes untimed: a connection that sends nothing is bounded only by this one.
            let mut server = axum_server::from_tcp(listener)?
                .handle(handle)
                .first_request_timeout(header_timeout);
            server
                .http_builder()
                .http1()
                .header_read_timeout(header_timeout);
            server.serve(service).await
        }
        Listen::Tls(config) => {
            let mut server = axum_server::from_tcp_rustls(listener, config)?
                .handle(handle)
                .first_request_timeout(header_timeout);
            server
                .http_builder()
                .http1()
                .header_read_timeout(header_timeout);
            server.serve(service).await
        }
    };
    sweeper.abort();
    Ok(result?)
}

pub use axum_server::Handle;
