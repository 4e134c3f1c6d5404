//! Desks on the clinic's LAN. The host serves the one door to other PCs (server.rs); a
//! connected desk pairs with it and keeps a link open (client.rs). docs/lan.md describes the
//! protocol; this is the map:
//!
//! - `wire`: the frames;
//! - `identity`: the host's self-signed certificate, kept in the clinic database;
//! - `pin`: the desk's TLS check, which trusts the pinned certificate and nothing else;
//! - `proof`: SPAKE2 pairing proofs and the device's hello signature;
//! - `server`, `client`: the two ends;
//! - `discovery`: mDNS, so that a new desk finds the host without typing an address.

mod client;
mod discovery;
mod identity;
mod pin;
mod proof;
mod server;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use frontdesk_core::Clinic;

pub use client::{
    pair, qr_text, with_port, Incoming, LanClient, LanLink, LinkPhase, PairedHost, PairingInput,
    QR_PREFIX,
};
pub use discovery::{discover, Found};
pub use server::{LanOptions, DEFAULT_PORT};
pub use wire::{
    CertMismatch, PopupNotice, RemoteCall, RemoteReply, SessionInfo, ToDesk, ToHost, WireError,
    WireResult,
};

use crate::error::{Error, Result};
use crate::events::Events;

/// The running LAN service.
pub struct LanService {
    pub addr: SocketAddr,
    pub fingerprint: String,
    handle: axum_server::Handle<SocketAddr>,
    _advert: Option<discovery::Advert>,
}

impl LanService {
    /// The addresses a new desk can reach this host on: the listening address, or every LAN
    /// address of this PC when it listens on all of them.
    pub fn addresses(&self) -> Vec<String> {
        if !self.addr.ip().is_unspecified() {
            return vec![self.addr.to_string()];
        }
        lan_addresses(self.addr.port())
    }
}

/// This PC's IPv4 LAN addresses with `port` (loopback when it has none).
pub fn lan_addresses(port: u16) -> Vec<String> {
    let mut out: Vec<String> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback() && i.ip().is_ipv4())
        .map(|i| SocketAddr::new(i.ip(), port).to_string())
        .collect();
    if out.is_empty() {
        out.push(SocketAddr::new([127, 0, 0, 1].into(), port).to_string());
    }
    out
}

impl Drop for LanService {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

pub(crate) async fn start(
    clinic: &Arc<Clinic>,
    opts: LanOptions,
    events: Events,
) -> Result<LanService> {
    let id = identity::load_or_make(clinic)?;
    let tls =
        axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(identity::server_config(&id)?));
    let listener = std::net::TcpListener::bind(opts.listen)
        .map_err(|_| Error::LanBind(opts.listen.to_string()))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let app = server::router(clinic.clone(), id.fingerprint.clone(), &opts, events);
    let handle = axum_server::Handle::new();
    // Small frames both ways: without TCP_NODELAY an event waits on a delayed ACK (40 ms).
    let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(tls)
        .acceptor(axum_server::accept::NoDelayAcceptor::new());
    let server = axum_server::from_tcp(listener)?
        .acceptor(acceptor)
        .handle(handle.clone());
    tokio::spawn(async move {
        if let Err(e) = server
            .serve(app.into_make_service_with_connect_info::<SocketAddr>())
            .await
        {
            tracing::error!(error = %e, "the LAN service stopped");
        }
    });
    let advert = if opts.advertise {
        let name = clinic.public_info()?.name;
        discovery::advertise(&name, addr.port(), &id.fingerprint)
            .inspect_err(|e| tracing::warn!(error = %e, "the host is not announced on the LAN"))
            .ok()
    } else {
        None
    };
    Ok(LanService {
        addr,
        fingerprint: id.fingerprint,
        handle,
        _advert: advert,
    })
}
