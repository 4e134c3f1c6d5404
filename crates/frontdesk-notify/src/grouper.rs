//! The grouping rules, without a clock or a thread, so that tests can step through time.

use std::time::{Duration, Instant};

use crate::{Popup, PopupKind, Shown, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupSettings {
    /// How long after a notification is shown further popups are held and then grouped.
    pub window: Duration,
}

impl Default for GroupSettings {
    fn default() -> Self {
        // Long enough to gather a reconnect's backlog into one popup, short enough that a second
        // chat a few seconds after the first is still announced promptly.
        GroupSettings {
            window: Duration::from_secs(4),
        }
    }
}

/// The summary and body of a grouped notification. The one place with this wording, so that it
/// can be localized.
pub fn grouped_text(chats: usize, tasks: usize) -> (String, String) {
    fn count(n: usize, one: &str, many: &str) -> String {
        if n == 1 {
            format!("1 new {one}")
        } else {
            format!("{n} new {many}")
        }
    }
    let summary = match (chats, tasks) {
        (chats, 0) => count(chats, "chat", "chats"),
        (0, tasks) => count(tasks, "task", "tasks"),
        (chats, tasks) => format!(
            "{} and {}",
            count(chats, "chat", "chats"),
            count(tasks, "task", "tasks")
        ),
    };
    (summary, "Open Frontdesk to see them.".to_owned())
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    chats: usize,
    tasks: usize,
}

impl Counts {
    fn add(&mut self, kind: PopupKind) {
        match kind {
            PopupKind::Chat => self.chats += 1,
            PopupKind::Task => self.tasks += 1,
        }
    }
}

/// Decides what goes on screen and when (see the crate docs for why these rules). The driver
/// calls [`push`](Grouper::push) for each popup, [`flush`](Grouper::flush) once
/// [`due`](Grouper::due) has come, shows whatever they return, and reports the OS id of each
/// notification actually shown with [`shown`](Grouper::shown).
#[derive(Debug)]
pub struct Grouper {
    window: Duration,
    /// When the last notification went out (or was tried): the window runs from there.
    last_at: Option<Instant>,
    /// The OS id of what is on screen for the current burst: the grouped one replaces it.
    last_id: Option<u32>,
    /// Everything in the current burst, the popup shown at once included: a grouped
    /// notification replaces the earlier ones, so it has to account for them too.
    burst: Counts,
    /// How many popups wait for the window to end.
    held: usize,
}

impl Grouper {
    pub fn new(settings: GroupSettings) -> Grouper {
        Grouper {
            window: settings.window,
            last_at: None,
            last_id: None,
            burst: Counts::default(),
            held: 0,
        }
    }

    /// Takes a popup that arrived at `now`: returns it to show at once when nothing went out
    /// within the window, otherwise holds it for the grouped notification.
    pub fn push(&mut self, p: Popup, now: Instant) -> Option<Shown> {
        // `now` may be a little before `last_at`: a popup queued while the driver was busy
        // showing. Saturating keeps it inside the window.
        let within = self
            .last_at
            .is_some_and(|at| now.saturating_duration_since(at) < self.window);
        if self.held == 0 && !within {
            self.last_at = Some(now);
            self.last_id = None;
            self.burst = Counts::default();
            self.burst.add(p.kind);
            return Some(Shown {
                summary: p.summary,
                body: p.body,
                replaces: None,
                target: p.target,
            });
        }
        self.burst.add(p.kind);
        self.held += 1;
        None
    }

    /// When the grouped notification for the held popups is due; `None` while nothing is held.
    pub fn due(&self) -> Option<Instant> {
        self.last_at
            .filter(|_| self.held > 0)
            .map(|at| at + self.window)
    }

    /// The grouped notification, once it is due.
    pub fn flush(&mut self, now: Instant) -> Option<Shown> {
        if self.due()? > now {
            return None;
        }
        self.held = 0;
        self.last_at = Some(now);
        let (summary, body) = grouped_text(self.burst.chats, self.burst.tasks);
        Some(Shown {
            summary,
            body,
            replaces: self.last_id,
            target: Target::Tasks,
        })
    }

    /// The OS id of the notification last returned by `push` or `flush`, once it is on screen.
    /// Not called when showing failed: a grouped notification then still replaces whatever of
    /// the burst did get on screen.
    pub fn shown(&mut self, id: u32) {
        self.last_id = Some(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_millis(300);
    const MS: Duration = Duration::from_millis(1);

    fn grouper() -> Grouper {
        Grouper::new(GroupSettings { window: WINDOW })
    }

    fn chat(n: usize) -> Popup {
        Popup {
            kind: PopupKind::Chat,
            summary: format!("Chat {n}"),
            body: format!("Hello {n}"),
            target: Target::Conversation(format!("c{n}")),
        }
    }

    fn task(n: usize) -> Popup {
        Popup {
            kind: PopupKind::Task,
            summary: format!("Task {n}"),
            body: format!("Call back {n}"),
            target: Target::Task(format!("t{n}")),
        }
    }

    #[test]
    fn a_single_popup_is_shown_at_once_with_its_own_text() {
        let mut g = grouper();
        let t0 = Instant::now();
        let shown = g.push(chat(1), t0);
        assert_eq!(
            shown,
            Some(Shown {
                summary: "Chat 1".into(),
                body: "Hello 1".into(),
                replaces: None,
                target: Target::Conversation("c1".into()),
            })
        );
        g.shown(7);
        assert_eq!(g.due(), None, "nothing is held, so nothing is due");
        assert_eq!(g.flush(t0 + WINDOW * 10), None);
    }

    #[test]
    fn a_burst_is_one_immediate_popup_and_one_grouped_replacement() {
        let mut g = grouper();
        let t0 = Instant::now();
        assert!(g.push(chat(0), t0).is_some());
        g.shown(41);
        for n in 1..20 {
            assert_eq!(
                g.push(chat(n), t0 + n as u32 * MS),
                None,
                "popup {n} is held"
            );
        }
        assert_eq!(g.due(), Some(t0 + WINDOW));
        assert_eq!(
            g.flush(t0 + WINDOW - MS),
            None,
            "not before the window ends"
        );
        let grouped = g.flush(t0 + WINDOW).expect("the grouped popup is due");
        assert_eq!(grouped.summary, "20 new chats");
        assert_eq!(grouped.body, "Open Frontdesk to see them.");
        assert_eq!(grouped.replaces, Some(41));
        assert_eq!(grouped.target, Target::Tasks);
        g.shown(41);
        assert_eq!(g.due(), None);
        assert_eq!(g.flush(t0 + WINDOW * 3), None, "exactly one grouped popup");
    }

    #[test]
    fn a_grouped_popup_counts_each_kind() {
        let t0 = Instant::now();
        let mut g = grouper();
        g.push(chat(0), t0);
        for n in 1..5 {
            g.push(chat(n), t0 + MS);
        }
        g.push(task(0), t0 + MS);
        g.push(task(1), t0 + MS);
        assert_eq!(
            g.flush(t0 + WINDOW).unwrap().summary,
            "5 new chats and 2 new tasks"
        );

        let mut g = grouper();
        g.push(task(0), t0);
        g.push(task(1), t0 + MS);
        g.push(task(2), t0 + MS);
        assert_eq!(g.flush(t0 + WINDOW).unwrap().summary, "3 new tasks");

        let mut g = grouper();
        g.push(task(0), t0);
        g.push(chat(0), t0 + MS);
        assert_eq!(
            g.flush(t0 + WINDOW).unwrap().summary,
            "1 new chat and 1 new task"
        );
    }

    #[test]
    fn the_wording_lives_in_one_function() {
        assert_eq!(grouped_text(2, 0).0, "2 new chats");
        assert_eq!(grouped_text(0, 1).0, "1 new task");
        assert_eq!(grouped_text(3, 4).0, "3 new chats and 4 new tasks");
    }

    #[test]
    fn a_steady_stream_gives_at_most_one_popup_per_window() {
        let mut g = grouper();
        let t0 = Instant::now();
        let mut out = Vec::new();
        // One chat every 10 ms for 3 seconds, with the driver flushing as soon as it is due.
        let mut now = t0;
        let mut id = 0;
        while now < t0 + Duration::from_secs(3) {
            if let Some(due) = g.due().filter(|&d| d <= now) {
                if let Some(s) = g.flush(due) {
                    out.push((due, s));
                    id += 1;
                    g.shown(id);
                }
            }
            if let Some(s) = g.push(chat(out.len()), now) {
                out.push((now, s));
                id += 1;
                g.shown(id);
            }
            now += 10 * MS;
        }
        assert!(out.len() <= 3_000 / 300 + 1, "{} popups", out.len());
        for pair in out.windows(2) {
            assert!(
                pair[1].0 - pair[0].0 >= WINDOW,
                "two popups within one window"
            );
        }
        // The stream keeps updating the one popup on screen, and its count keeps growing.
        assert_eq!(out[0].1.replaces, None);
        for (i, (_, s)) in out.iter().enumerate().skip(1) {
            assert_eq!(
                s.replaces,
                Some(i as u32),
                "popup {i} replaces the one before"
            );
        }
        let last = &out.last().unwrap().1.summary;
        assert!(last.ends_with("new chats"), "{last}");
        let counted: usize = last.split(' ').next().unwrap().parse().unwrap();
        assert!(
            counted > 250,
            "the grouped count covers the whole stream: {last}"
        );
    }

    #[test]
    fn after_a_quiet_window_the_next_popup_is_immediate_again() {
        let mut g = grouper();
        let t0 = Instant::now();
        g.push(chat(0), t0);
        g.shown(1);
        g.push(chat(1), t0 + MS);
        let grouped = g.flush(t0 + WINDOW).unwrap();
        assert_eq!(grouped.summary, "2 new chats");
        g.shown(1);

        // Still within the window that the grouped popup started: held.
        assert_eq!(g.push(chat(2), t0 + WINDOW + 10 * MS), None);
        assert_eq!(
            g.flush(t0 + 2 * WINDOW).unwrap().summary,
            "3 new chats",
            "the burst goes on and its count with it"
        );
        g.shown(1);

        // A full window in silence: a new burst, shown at once and counted afresh.
        let later = t0 + 3 * WINDOW;
        let shown = g.push(task(9), later).expect("shown at once");
        assert_eq!(shown.summary, "Task 9");
        assert_eq!(
            shown.replaces, None,
            "a new burst does not replace the old popup"
        );
        g.shown(2);
        g.push(chat(3), later + MS);
        let grouped = g.flush(later + WINDOW).unwrap();
        assert_eq!(grouped.summary, "1 new chat and 1 new task");
        assert_eq!(grouped.replaces, Some(2));
    }

    #[test]
    fn a_popup_that_failed_to_show_is_not_replaced_by_a_stale_id() {
        let mut g = grouper();
        let t0 = Instant::now();
        g.push(chat(0), t0);
        g.shown(5);
        g.flush(t0 + WINDOW);
        // A new burst whose first popup did not reach the screen (no `shown`).
        let later = t0 + 5 * WINDOW;
        g.push(chat(1), later);
        g.push(chat(2), later + MS);
        assert_eq!(g.flush(later + WINDOW).unwrap().replaces, None);
    }

    #[test]
    fn a_popup_queued_before_the_last_one_went_out_is_held() {
        let mut g = grouper();
        let t0 = Instant::now();
        g.push(chat(0), t0 + 5 * MS);
        assert_eq!(g.push(chat(1), t0), None);
        assert_eq!(g.due(), Some(t0 + 5 * MS + WINDOW));
    }
}
