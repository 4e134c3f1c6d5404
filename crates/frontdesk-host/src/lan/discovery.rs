//! Finding the host on the LAN with mDNS (the `mdns-sd` crate), so that setting up a new desk
//! needs no address. The announcement carries the clinic's name and the start of the
//! certificate's fingerprint; the pairing code, not the announcement, is what is trusted.

use std::time::{Duration, Instant};

use mdns_sd::{ServiceDaemon, ServiceEvent, ServiceInfo};
use serde::Serialize;

const SERVICE: &str = "_frontdesk._tcp.local.";

/// The announcement, withdrawn when dropped.
pub(crate) struct Advert {
    daemon: ServiceDaemon,
    fullname: String,
}

impl Drop for Advert {
    fn drop(&mut self) {
        let _ = self.daemon.unregister(&self.fullname);
        let _ = self.daemon.shutdown();
    }
}

pub(crate) fn advertise(
    clinic: &str,
    port: u16,
    fingerprint: &str,
) -> Result<Advert, mdns_sd::Error> {
    let daemon = ServiceDaemon::new()?;
    // An instance name must be unique on the LAN and short: the clinic's name may be neither.
    let instance = format!("frontdesk-{}", &fingerprint[..12]);
    let host = format!("{instance}.local.");
    let name: String = clinic.chars().take(60).collect();
    let props = [("clinic", name.as_str()), ("fp", &fingerprint[..16])];
    let info =
        ServiceInfo::new(SERVICE, &instance, &host, "", port, &props[..])?.enable_addr_auto();
    let fullname = info.get_fullname().to_owned();
    daemon.register(info)?;
    Ok(Advert { daemon, fullname })
}

/// A host found on the LAN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Found {
    pub clinic: String,
    /// `ip:port`, ready for pairing.
    pub address: String,
    /// The first 16 hex digits of the host certificate's fingerprint.
    pub fingerprint_prefix: String,
}

/// Listens for hosts for `wait`. An empty list is an answer, not an error: the LAN may block
/// multicast, and the address can be typed instead.
pub fn discover(wait: Duration) -> Vec<Found> {
    let Ok(daemon) = ServiceDaemon::new() else {
        return vec![];
    };
    let Ok(rx) = daemon.browse(SERVICE) else {
        let _ = daemon.shutdown();
        return vec![];
    };
    let until = Instant::now() + wait;
    let mut found: Vec<Found> = vec![];
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        let Ok(ev) = rx.recv_timeout(left) else { break };
        if let ServiceEvent::ServiceResolved(info) = ev {
            let clinic = info.get_property_val_str("clinic").unwrap_or("").to_owned();
            let prefix = info.get_property_val_str("fp").unwrap_or("").to_owned();
            // IPv4 first: an IPv6 link-local address needs a zone a desk cannot type.
            let mut addrs: Vec<std::net::Ipv4Addr> = info.get_addresses_v4().into_iter().collect();
            addrs.sort_by_key(|a| a.is_loopback());
            if let Some(ip) = addrs.first() {
                let address = std::net::SocketAddr::new((*ip).into(), info.get_port()).to_string();
                if !found.iter().any(|f| f.address == address) {
                    found.push(Found {
                        clinic,
                        address,
                        fingerprint_prefix: prefix,
                    });
                }
            }
        }
    }
    let _ = daemon.stop_browse(SERVICE);
    let _ = daemon.shutdown();
    found
}
