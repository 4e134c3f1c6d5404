//! A relay inside the host, on an address the clinic chooses: for a LAN without a public relay,
//! a kiosk, or the demo. It is the same relay as the `frontdesk-relay` binary. On first start it
//! pairs the clinic with itself, so the whole loop runs on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use frontdesk_core::Clinic;
use frontdesk_relay::{Listen, Relay, Settings};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct RelayOptions {
    pub listen: SocketAddr,
    pub data: PathBuf,
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Plain HTTP on a non-loopback address (behind the clinic's own TLS proxy).
    pub allow_plain_http: bool,
    pub settings: Settings,
}

pub struct EmbeddedRelay {
    pub relay: Arc<Relay>,
    pub addr: SocketAddr,
    pub url: String,
    pub site: String,
    handle: frontdesk_relay::Handle<SocketAddr>,
}

impl Drop for EmbeddedRelay {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

pub(crate) async fn start(clinic: &Arc<Clinic>, opts: RelayOptions) -> Result<EmbeddedRelay> {
    if opts.tls.is_none() && !opts.listen.ip().is_loopback() && !opts.allow_plain_http {
        return Err(Error::Relay(frontdesk_relay::Error::Config(format!(
            "plain HTTP on {} would carry visitors' traffic unprotected; give a TLS certificate \
             and key, or allow plain HTTP behind your own TLS proxy",
            opts.listen
        ))));
    }
    let relay = frontdesk_relay::open(&opts.data, opts.settings.clone())?;
    let listener = std::net::TcpListener::bind(opts.listen)
        .map_err(|e| Error::Relay(frontdesk_relay::Error::Io(e)))?;
    let addr = listener.local_addr()?;
    let listen = match &opts.tls {
        Some((cert, key)) => frontdesk_relay::tls_config(cert, key).await?,
        None => Listen::Plain,
    };
    let scheme = if matches!(listen, Listen::Tls(_)) {
        "https"
    } else {
        "http"
    };
    let host = if addr.ip().is_unspecified() {
        SocketAddr::new([127, 0, 0, 1].into(), addr.port())
    } else {
        addr
    };
    let url = format!("{scheme}://{host}");
    let site = pair(clinic, &relay, &url)?;
    relay.set_demo_site(Some(site.clone()));
    let handle = frontdesk_relay::Handle::new();
    tokio::spawn(frontdesk_relay::serve(
        relay.clone(),
        listener,
        listen,
        handle.clone(),
    ));
    Ok(EmbeddedRelay {
        relay,
        addr,
        url,
        site,
        handle,
    })
}

/// Pairs the clinic with this relay unless it is paired with it already. The site id is kept
/// in the relay's data directory so that a restart finds the same site.
fn pair(clinic: &Clinic, relay: &Relay, url: &str) -> Result<String> {
    let marker = relay
        .store_path()
        .with_file_name(format!("desk-site-{}", clinic.id()));
    let linked = clinic.relay_link()?;
    if let (Ok(site), Some(link)) = (std::fs::read_to_string(&marker), &linked) {
        let site = site.trim().to_owned();
        if link.url == url && relay.sites()?.iter().any(|s| s.id == site) {
            return Ok(site);
        }
    }
    let name = clinic.public_info()?.name;
    let (site, token) = relay.add_site(&name)?;
    clinic.set_relay_link(url, &token)?;
    std::fs::write(&marker, &site)?;
    Ok(site)
}
