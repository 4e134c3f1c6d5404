//! The front the desk shell talks to: a thread that drives the [`Grouper`] with the real clock.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crate::{GroupSettings, Grouper, Notifier, Popup, Shown, Target};

type OnClick = Arc<dyn Fn(Target) + Send + Sync>;

/// Groups and rate-limits popups (see the crate docs) on a thread of its own. Dropping it stops
/// the thread; popups still held for a grouped notification are then dropped with it.
pub struct Popups {
    tx: mpsc::Sender<(Popup, Instant)>,
}

impl Popups {
    /// `on_click` gets the target of whichever notification the user clicks.
    pub fn new(
        notifier: Arc<dyn Notifier>,
        settings: GroupSettings,
        on_click: Arc<dyn Fn(Target) + Send + Sync>,
    ) -> Popups {
        let (tx, rx) = mpsc::channel();
        // Without a thread there is no way to show anything, and `new` has no error to return:
        // failing to spawn one means the process is out of threads, as good as dead anyway.
        thread::Builder::new()
            .name("frontdesk-popups".into())
            .spawn(move || run(rx, notifier, Grouper::new(settings), on_click))
            .expect("could not start the popups thread");
        Popups { tx }
    }

    /// Queues a popup; never blocks (the D-Bus calls happen on the popups thread).
    pub fn push(&self, p: Popup) {
        // The arrival time is taken here rather than on the thread, so that a burst queued
        // behind a slow Notify call still counts as one burst.
        let _ = self.tx.send((p, Instant::now()));
    }
}

fn run(
    rx: mpsc::Receiver<(Popup, Instant)>,
    notifier: Arc<dyn Notifier>,
    mut grouper: Grouper,
    on_click: OnClick,
) {
    loop {
        let next = match grouper.due() {
            Some(due) => rx.recv_timeout(due.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match next {
            Ok((p, at)) => {
                if let Some(s) = grouper.push(p, at) {
                    show(&*notifier, &mut grouper, &s, &on_click);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // Checked after every message too: a steady stream never lets `recv_timeout` time out.
        if let Some(s) = grouper.flush(Instant::now()) {
            show(&*notifier, &mut grouper, &s, &on_click);
        }
    }
}

fn show(notifier: &dyn Notifier, grouper: &mut Grouper, s: &Shown, on_click: &OnClick) {
    let on_click = on_click.clone();
    match notifier.show(s, Box::new(move |target| on_click(target))) {
        Ok(id) => grouper.shown(id),
        // The summary and body are about patients and clients: only the code and the cause.
        // The grouper still counts the attempt, so a missing daemon costs one warning per
        // window at most, not one per chat.
        Err(e) => tracing::warn!(code = e.code(), error = %e, "a desktop popup was not shown"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::{Error, PopupKind};

    /// Records every call; fails the first `failures` of them as if no daemon ran.
    struct Fake {
        calls: Mutex<Vec<Shown>>,
        failures: Mutex<usize>,
        tx: Mutex<mpsc::Sender<()>>,
    }

    impl Notifier for Fake {
        fn show(&self, n: &Shown, on_click: Box<dyn FnOnce(Target) + Send>) -> Result<u32, Error> {
            self.calls.lock().unwrap().push(n.clone());
            let _ = self.tx.lock().unwrap().send(());
            let mut failures = self.failures.lock().unwrap();
            if *failures > 0 {
                *failures -= 1;
                return Err(Error::Unavailable("no daemon".into()));
            }
            on_click(n.target.clone());
            Ok(3)
        }
    }

    fn chat(n: usize) -> Popup {
        Popup {
            kind: PopupKind::Chat,
            summary: format!("Chat {n}"),
            body: "Hello".into(),
            target: Target::Conversation(format!("c{n}")),
        }
    }

    fn setup(
        failures: usize,
    ) -> (
        Arc<Fake>,
        mpsc::Receiver<()>,
        mpsc::Receiver<Target>,
        Popups,
    ) {
        let (tx, calls) = mpsc::channel();
        let fake = Arc::new(Fake {
            calls: Mutex::default(),
            failures: Mutex::new(failures),
            tx: Mutex::new(tx),
        });
        let (click_tx, clicks) = mpsc::channel();
        let click_tx = Mutex::new(click_tx);
        let popups = Popups::new(
            fake.clone(),
            GroupSettings {
                window: Duration::from_millis(200),
            },
            Arc::new(move |t| click_tx.lock().unwrap().send(t).unwrap()),
        );
        (fake, calls, clicks, popups)
    }

    const WAIT: Duration = Duration::from_secs(5);

    #[test]
    fn a_failing_notifier_does_not_stop_the_thread() {
        let (fake, calls, clicks, popups) = setup(1);
        popups.push(chat(0));
        calls.recv_timeout(WAIT).expect("the first popup is tried");
        popups.push(chat(1));
        calls
            .recv_timeout(WAIT)
            .expect("the thread lives on to show the grouped one");
        let calls = fake.calls.lock().unwrap();
        assert_eq!(calls[1].summary, "2 new chats");
        assert_eq!(
            calls[1].replaces, None,
            "the failed one has no id to replace"
        );
        assert_eq!(clicks.recv_timeout(WAIT), Ok(Target::Tasks));
    }

    #[test]
    fn a_burst_through_the_thread_is_one_popup_and_one_replacement() {
        let (fake, calls, _clicks, popups) = setup(0);
        for n in 0..20 {
            popups.push(chat(n));
        }
        calls.recv_timeout(WAIT).unwrap();
        calls.recv_timeout(WAIT).unwrap();
        assert_eq!(
            calls.recv_timeout(Duration::from_millis(500)),
            Err(RecvTimeoutError::Timeout),
            "nothing after the grouped popup"
        );
        let calls = fake.calls.lock().unwrap();
        assert_eq!(calls[0].summary, "Chat 0");
        assert_eq!(calls[1].summary, "20 new chats");
        assert_eq!(calls[1].replaces, Some(3));
    }
}
