//! Who is listening for what. The store's writer tells the hub what each group commit held; the
//! hub wakes the site's desk connections for visitor-side entries and the one conversation's
//! visitor sockets for desk-side entries. Listeners then read from the store, so a slow socket
//! never holds a queue of entries in memory and never misses one.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::watch;

use crate::store::Committed;

#[derive(Default)]
pub struct Hub {
    sites: Mutex<HashMap<String, SiteHub>>,
    conversations: Mutex<HashMap<(String, String), watch::Sender<u64>>>,
}

struct SiteHub {
    /// The last committed visitor-side seq.
    seq: watch::Sender<u64>,
    /// How many desks are connected.
    desks: watch::Sender<usize>,
}

impl SiteHub {
    fn new() -> SiteHub {
        SiteHub {
            seq: watch::channel(0).0,
            desks: watch::channel(0).0,
        }
    }
}

impl Hub {
    fn site<T>(&self, site: &str, f: impl FnOnce(&SiteHub) -> T) -> T {
        let mut sites = self.sites.lock().unwrap_or_else(|p| p.into_inner());
        f(sites.entry(site.to_owned()).or_insert_with(SiteHub::new))
    }

    pub fn committed(&self, entries: &[Committed]) {
        for e in entries {
            if e.desk_side {
                let convs = self.conversations.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(tx) = convs.get(&(e.site.clone(), e.conversation.clone())) {
                    tx.send_replace(e.seq);
                }
            } else {
                self.site(&e.site, |s| {
                    s.seq.send_if_modified(|v| {
                        let newer = e.seq > *v;
                        *v = (*v).max(e.seq);
                        newer
                    })
                });
            }
        }
    }

    pub fn desk_listener(&self, site: &str) -> watch::Receiver<u64> {
        self.site(site, |s| s.seq.subscribe())
    }

    pub fn desks(&self, site: &str) -> watch::Receiver<usize> {
        self.site(site, |s| s.desks.subscribe())
    }

    pub fn desk_online(&self, site: &str) -> bool {
        self.site(site, |s| *s.desks.borrow() > 0)
    }

    /// Counts a desk in; the guard counts it out when the connection ends.
    pub fn desk_connected<'a>(&'a self, site: &str) -> DeskGuard<'a> {
        self.site(site, |s| s.desks.send_modify(|n| *n += 1));
        DeskGuard {
            hub: self,
            site: site.to_owned(),
        }
    }

    pub fn conversation_listener(&self, site: &str, conversation: &str) -> ConversationGuard<'_> {
        let key = (site.to_owned(), conversation.to_owned());
        let mut convs = self.conversations.lock().unwrap_or_else(|p| p.into_inner());
        let rx = convs
            .entry(key.clone())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe();
        ConversationGuard {
            hub: self,
            key,
            rx: Some(rx),
        }
    }
}

pub struct DeskGuard<'a> {
    hub: &'a Hub,
    site: String,
}

impl Drop for DeskGuard<'_> {
    fn drop(&mut self) {
        self.hub.site(&self.site, |s| {
            s.desks.send_modify(|n| *n = n.saturating_sub(1))
        });
    }
}

pub struct ConversationGuard<'a> {
    hub: &'a Hub,
    key: (String, String),
    rx: Option<watch::Receiver<u64>>,
}

impl ConversationGuard<'_> {
    pub fn rx(&mut self) -> &mut watch::Receiver<u64> {
        self.rx.as_mut().expect("present until drop")
    }
}

impl Drop for ConversationGuard<'_> {
    fn drop(&mut self) {
        drop(self.rx.take());
        let mut convs = self
            .hub
            .conversations
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // The last socket of a conversation takes its channel with it, so 10,000 visitors
        // coming and going leave nothing behind.
        if convs
            .get(&self.key)
            .is_some_and(|tx| tx.receiver_count() == 0)
        {
            convs.remove(&self.key);
        }
    }
}
