//! Which core events become an OS popup on a desk, and what it says.
//!
//! A popup is for the person logged in here: a task given to them, or (when the clinic sets
//! an answer time) a chat of theirs passed on because they did not answer. Popups name no
//! client and quote no message: the OS keeps them in its notification list, which anyone at a
//! shared PC can open. They say what kind of work it is and which colleague sent it; a click
//! opens it in the app, behind the login.
//!
//! The texts are English for now; the desk's catalogues do not reach the shell yet.

use crate::{Popup, PopupKind, Target};
use chrono::DateTime;
use frontdesk_core::{Event, Priority, Reason, TaskKind, TaskNotice};

/// What the popup rules need to know about the desk right now.
pub struct Here<'a> {
    /// Who is logged in at this desk.
    pub me: &'a str,
    pub tz: chrono_tz::Tz,
    /// The task's notice from the core (`Clinic::task_notice`).
    pub notice: &'a dyn Fn(&str) -> Option<TaskNotice>,
    /// Whether the person logged in here muted their popups.
    pub muted: bool,
}

pub fn popup(event: &Event, here: &Here) -> Option<Popup> {
    let Event::TaskAssigned {
        task_id,
        assignee_id,
        from,
        task_kind,
        reason,
        conversation_id,
    } = event
    else {
        return None;
    };
    if here.muted {
        return None;
    }
    if assignee_id == here.me {
        let n = (here.notice)(task_id)?;
        // The notice is read after the commit: if the task moved on since, say nothing.
        if n.assignee_id.as_deref() != Some(here.me) {
            return None;
        }
        return Some(for_me(
            task_id,
            *task_kind,
            *reason,
            conversation_id.as_deref(),
            &n,
            here.tz,
        ));
    }
    if from.as_deref() == Some(here.me) && *reason == Reason::Sla {
        let n = (here.notice)(task_id)?;
        let to = n.assignee_name.unwrap_or_else(|| "a colleague".into());
        return Some(Popup {
            kind: PopupKind::Task,
            summary: "Chat passed on".into(),
            body: format!("It was not answered in time, so it went to {to}."),
            target: Target::Tasks,
        });
    }
    None
}

fn for_me(
    task_id: &str,
    kind: TaskKind,
    reason: Reason,
    conversation: Option<&str>,
    n: &TaskNotice,
    tz: chrono_tz::Tz,
) -> Popup {
    let due = n
        .due_at
        .as_deref()
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| format!("due {}", d.with_timezone(&tz).format("%a %H:%M")));
    let urgency = match n.priority {
        Priority::Urgent => Some("urgent"),
        Priority::High => Some("high priority"),
        _ => None,
    };
    let from = n.from_name.as_ref().map(|f| format!("from {f}"));
    let details: Vec<String> = [from, due, urgency.map(str::to_owned)]
        .into_iter()
        .flatten()
        .collect();
    let details = if details.is_empty() {
        "Click to open it.".to_owned()
    } else {
        let mut s = details.join(", ");
        s[..1].make_ascii_uppercase();
        format!("{s}.")
    };
    match kind {
        TaskKind::Chat => Popup {
            kind: PopupKind::Chat,
            summary: "New website chat".into(),
            body: match reason {
                Reason::Continuity | Reason::AccountManager => {
                    "A client you look after is writing. Click to answer.".into()
                }
                Reason::Escalated => "Escalated to you. Click to answer.".into(),
                Reason::Sla => "Passed to you: it was not answered in time.".into(),
                _ => "Assigned to you. Click to answer.".into(),
            },
            target: match conversation {
                Some(c) => Target::Conversation(c.to_owned()),
                None => Target::Task(task_id.to_owned()),
            },
        },
        TaskKind::CallBack => Popup {
            kind: PopupKind::Task,
            summary: "New call-back task".into(),
            body: details,
            target: Target::Task(task_id.to_owned()),
        },
        TaskKind::Custom => Popup {
            kind: PopupKind::Task,
            summary: "New task".into(),
            body: details,
            target: Target::Task(task_id.to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(me: &str) -> TaskNotice {
        TaskNotice {
            kind: TaskKind::Custom,
            assignee_id: Some(me.into()),
            assignee_name: Some("Bora".into()),
            from_name: Some("Dara".into()),
            priority: Priority::Urgent,
            due_at: Some("2026-03-02T07:30:00Z".into()),
        }
    }

    fn assigned(to: &str, from: Option<&str>, kind: TaskKind, reason: Reason) -> Event {
        Event::TaskAssigned {
            task_id: "T1".into(),
            assignee_id: to.into(),
            from: from.map(Into::into),
            task_kind: kind,
            reason,
            conversation_id: (kind == TaskKind::Chat).then(|| "C1".into()),
        }
    }

    fn here<'a>(me: &'a str, n: &'a dyn Fn(&str) -> Option<TaskNotice>, muted: bool) -> Here<'a> {
        Here {
            me,
            tz: "Asia/Phnom_Penh".parse().unwrap(),
            notice: n,
            muted,
        }
    }

    #[test]
    fn a_task_for_me_pops_up_with_who_sent_it_and_when_it_is_due() {
        let n = |_: &str| Some(notice("me"));
        let p = popup(
            &assigned("me", None, TaskKind::Custom, Reason::Manual),
            &here("me", &n, false),
        )
        .unwrap();
        assert_eq!(p.summary, "New task");
        // 07:30 UTC is 14:30 in Phnom Penh.
        assert_eq!(p.body, "From Dara, due Mon 14:30, urgent.");
        assert_eq!(p.target, Target::Task("T1".into()));
    }

    #[test]
    fn a_chat_for_me_opens_the_conversation_and_says_why() {
        let n = |_: &str| {
            Some(TaskNotice {
                kind: TaskKind::Chat,
                ..notice("me")
            })
        };
        let p = popup(
            &assigned("me", None, TaskKind::Chat, Reason::Continuity),
            &here("me", &n, false),
        )
        .unwrap();
        assert_eq!(p.kind, PopupKind::Chat);
        assert_eq!(p.summary, "New website chat");
        assert!(p.body.contains("client you look after"));
        assert_eq!(p.target, Target::Conversation("C1".into()));
    }

    #[test]
    fn nothing_for_someone_else_when_muted_or_when_the_task_moved_on() {
        let n = |_: &str| Some(notice("me"));
        let ev = assigned("other", None, TaskKind::Custom, Reason::Manual);
        assert!(popup(&ev, &here("me", &n, false)).is_none());
        let ev = assigned("me", None, TaskKind::Custom, Reason::Manual);
        assert!(popup(&ev, &here("me", &n, true)).is_none(), "muted");
        let moved = |_: &str| Some(notice("someone-else"));
        assert!(popup(&ev, &here("me", &moved, false)).is_none(), "moved on");
        assert!(popup(
            &Event::TaskChanged { id: "T1".into() },
            &here("me", &n, false)
        )
        .is_none());
    }

    #[test]
    fn the_person_a_late_chat_was_taken_from_is_told_where_it_went() {
        let n = |_: &str| Some(notice("other"));
        let ev = assigned("other", Some("me"), TaskKind::Chat, Reason::Sla);
        let p = popup(&ev, &here("me", &n, false)).unwrap();
        assert_eq!(p.summary, "Chat passed on");
        assert_eq!(p.body, "It was not answered in time, so it went to Bora.");
        // Handing a task on oneself is no news to oneself.
        let ev = assigned("other", Some("me"), TaskKind::Chat, Reason::Manual);
        assert!(popup(&ev, &here("me", &n, false)).is_none());
    }
}
