//! The core's integration tests: one binary, through the public API, on real SQLCipher files.

mod support;

mod after_hours;
mod appointments;
mod assistant;
mod attachments;
mod audit;
mod auth;
mod backup;
mod chat;
mod clients;
mod devices;
mod faq;
mod keys;
mod permissions;
mod privacy;
mod reminders;
mod reports;
mod routing;
mod search;
mod store;
mod tasks;
