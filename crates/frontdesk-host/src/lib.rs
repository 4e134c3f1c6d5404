//! The clinic host's runtime around the core: the outbound relay link, the SMS sender, the
//! routing, reminder, retention and checkpoint clocks, the LAN service for the clinic's other
//! desks, and optionally a relay of its own (for a LAN, a kiosk or the demo). The desk app and
//! the headless `frontdesk-admin serve` both start it with [`Host::start`]. A desk connected to
//! a host uses [`lan::LanClient`] instead.
//!
//! The core stays free of network code: the host moves frames between the relay and
//! `Clinic::ingest` / the outbox, and acknowledges to the relay only after the core's commit.

mod checkpoint;
mod clocks;
mod embedded;
mod error;
mod events;
mod files;
pub mod lan;
mod link;
mod mail;
mod memory;
mod reminders;
mod retention;
mod routing;
mod sms;
mod status;

use std::sync::Arc;

use frontdesk_core::Clinic;

pub use embedded::{EmbeddedRelay, RelayOptions};
pub use error::{Error, Result, ERROR_CODES};
pub use status::{LinkState, LinkStatus};

/// The running host. Dropping it stops its tasks.
pub struct Host {
    runtime: Option<tokio::runtime::Runtime>,
    status: status::Shared,
    relay: Option<EmbeddedRelay>,
    /// Why the built-in relay did not start (its address taken, say): the link runs anyway.
    relay_error: Option<String>,
    lan: Option<lan::LanService>,
    /// Why the LAN service did not start (its port taken, say): this desk still works.
    lan_error: Option<String>,
}

impl Host {
    /// Starts the relay link (when the clinic has one configured, now or later), the SMS
    /// sender, the routing clock, the LAN service when `lan` is given, and the built-in relay
    /// when `relay` is given.
    pub fn start(
        clinic: Arc<Clinic>,
        relay: Option<RelayOptions>,
        lan: Option<lan::LanOptions>,
    ) -> Result<Host> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        memory::give_back_large_buffers();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("frontdesk-host")
            .enable_all()
            .build()?;
        // On a thread of its own: the caller may itself be a runtime's worker (the desk's IPC
        // runs on Tauri's blocking pool), where blocking on another runtime is refused.
        let started = relay.map(|opts| {
            std::thread::scope(|s| {
                s.spawn(|| runtime.block_on(embedded::start(&clinic, opts)))
                    .join()
                    .expect("the relay start-up thread does not panic")
            })
        });
        let (embedded, relay_error) = match started {
            Some(Ok(r)) => (Some(r), None),
            Some(Err(e)) => {
                tracing::error!(error = %e, "the built-in relay did not start");
                (None, Some(e.code().to_owned()))
            }
            None => (None, None),
        };
        let status = status::Shared::default();
        let events = events::bridge(&clinic);
        let started = lan.map(|opts| {
            std::thread::scope(|s| {
                s.spawn(|| runtime.block_on(lan::start(&clinic, opts, events.clone())))
                    .join()
                    .expect("the LAN start-up thread does not panic")
            })
        });
        let (lan, lan_error) = match started {
            Some(Ok(l)) => (Some(l), None),
            Some(Err(e)) => {
                tracing::error!(error = %e, "the LAN service did not start");
                (None, Some(e.code().to_owned()))
            }
            None => (None, None),
        };
        runtime.spawn(link::run(clinic.clone(), status.clone(), events.clone()));
        runtime.spawn(files::run(clinic.clone(), events.clone()));
        runtime.spawn(sms::run(clinic.clone(), events.clone()));
        runtime.spawn(mail::run(clinic.clone(), events));
        runtime.spawn(routing::run(clinic.clone()));
        runtime.spawn(reminders::run(clinic.clone()));
        runtime.spawn(retention::run(clinic.clone()));
        runtime.spawn(checkpoint::run(clinic));
        Ok(Host {
            runtime: Some(runtime),
            status,
            relay: embedded,
            relay_error,
            lan,
            lan_error,
        })
    }

    pub fn status(&self) -> LinkStatus {
        let mut s = self.status.get();
        if s.last_error.is_none() {
            s.last_error = self.relay_error.clone();
        }
        s
    }

    /// The built-in relay, if this host runs one.
    pub fn relay(&self) -> Option<&EmbeddedRelay> {
        self.relay.as_ref()
    }

    /// The LAN service, if it runs.
    pub fn lan(&self) -> Option<&lan::LanService> {
        self.lan.as_ref()
    }

    /// Why the LAN service is not running, when it was asked for and failed.
    pub fn lan_error(&self) -> Option<&str> {
        self.lan_error.as_deref()
    }

    /// Blocks the calling thread until the process is told to stop (the headless host).
    pub fn wait_for_shutdown(&self) {
        if let Some(rt) = &self.runtime {
            rt.block_on(async {
                let _ = tokio::signal::ctrl_c().await;
            });
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(std::time::Duration::from_secs(2));
        }
    }
}
