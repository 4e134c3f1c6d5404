//! The host's integration tests: real processes (`frontdesk-relay`, `frontdesk-admin serve` as
//! the clinic's desk) on 127.0.0.1, a real SQLCipher clinic, and a protocol-level visitor that
//! behaves like the widget (it resends whatever was not acknowledged, with the same ids).

mod embedded;
mod faults;
mod files;
mod lan;
mod reminders;
mod retention;
mod routing;
mod sms;
mod support;
