//! What changed, told to whoever listens (the desk window now, other desks over the LAN later),
//! so that open lists and cards refresh without polling. Events carry ids only: a listener
//! that wants the data asks the door for it, under its own permissions and audit.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::door::Response;
use crate::routing::Reason;
use crate::tasks::TaskKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    ClientChanged {
        id: String,
        version: i64,
    },
    StaffChanged {
        id: String,
    },
    ClinicChanged,
    /// A conversation changed: a message, a reply, a deletion, presence, a linked client.
    ConversationChanged {
        id: String,
    },
    /// A visitor's message arrived (the desk plays a sound).
    ChatMessage {
        conversation_id: String,
        message_id: String,
    },
    /// The relay link or the widget's settings changed: the host reconnects and republishes.
    ChatSettingsChanged,
    /// A task was made, edited, handed over or closed, or joined or left the queue.
    TaskChanged {
        id: String,
    },
    /// A task has a new responsible person: their desk shows a popup, and so does the desk of
    /// the person it was taken from (`from`).
    TaskAssigned {
        task_id: String,
        assignee_id: String,
        from: Option<String>,
        task_kind: TaskKind,
        reason: Reason,
        conversation_id: Option<String>,
    },
    /// An appointment was booked, moved, changed status or had its reminder queued: open
    /// calendars refresh, so two desks never book one slot unknowingly.
    AppointmentChanged {
        id: String,
    },
    /// Services, rooms, schedules or reminder settings changed.
    ScheduleChanged,
    /// A desk was paired or revoked: the LAN service cuts a revoked desk off at once.
    DeviceChanged {
        id: String,
        revoked: bool,
    },
}

impl Event {
    /// The event a committed request's response implies, if it changed anything shared.
    pub(crate) fn after(action: &str, resp: &Response) -> Option<Event> {
        match resp {
            Response::ClientSaved(s) => Some(Event::ClientChanged {
                id: s.client.id.clone(),
                version: s.client.version,
            }),
            Response::StaffSaved { staff, .. } => Some(Event::StaffChanged {
                id: staff.id.clone(),
            }),
            Response::Staff(s) if action != "staff.get" => {
                Some(Event::StaffChanged { id: s.id.clone() })
            }
            Response::Clinic(_) if action == "clinic.update" => Some(Event::ClinicChanged),
            Response::ChatMessage(m) => Some(Event::ConversationChanged {
                id: m.conversation_id.clone(),
            }),
            Response::Conversation(c) if action != "chat.conversation_get" => {
                Some(Event::ConversationChanged { id: c.id.clone() })
            }
            Response::ChatSettings(_) if action == "chat.settings_update" => {
                Some(Event::ChatSettingsChanged)
            }
            Response::AppointmentSaved(s) => s
                .appointments
                .first()
                .map(|a| Event::AppointmentChanged { id: a.id.clone() }),
            Response::Service(_) | Response::Room(_) | Response::ScheduleException(_) => {
                Some(Event::ScheduleChanged)
            }
            Response::ReminderSettings(_) if action == "appointment.reminder_settings_update" => {
                Some(Event::ScheduleChanged)
            }
            Response::Done if action == "schedule.exception_remove" => Some(Event::ScheduleChanged),
            _ => None,
        }
    }
}

/// The listeners of one open clinic. A listener that went away is dropped on the next send.
#[derive(Default)]
pub(crate) struct Listeners(Mutex<Vec<Sender<Event>>>);

impl Listeners {
    pub fn subscribe(&self) -> Receiver<Event> {
        let (tx, rx) = channel();
        self.0.lock().unwrap().push(tx);
        rx
    }

    pub fn send(&self, event: Event) {
        self.0
            .lock()
            .unwrap()
            .retain(|l| l.send(event.clone()).is_ok());
    }
}
