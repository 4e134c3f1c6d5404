//! The relay link's state, for the desk's status line and the tests.

use std::sync::{Arc, Mutex};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// No relay is configured.
    Off,
    Connecting,
    Connected,
    /// The last attempt failed; retrying.
    Retrying,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkStatus {
    pub state: LinkState,
    pub relay_url: Option<String>,
    /// A stable code: `relay.bad_token`, `host.unreachable`, …
    pub last_error: Option<String>,
    /// The last relay seq committed here.
    pub cursor: u64,
}

#[derive(Clone)]
pub(crate) struct Shared(Arc<Mutex<LinkStatus>>);

impl Default for Shared {
    fn default() -> Shared {
        Shared(Arc::new(Mutex::new(LinkStatus {
            state: LinkState::Off,
            relay_url: None,
            last_error: None,
            cursor: 0,
        })))
    }
}

impl Shared {
    pub fn get(&self) -> LinkStatus {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn update(&self, f: impl FnOnce(&mut LinkStatus)) {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
