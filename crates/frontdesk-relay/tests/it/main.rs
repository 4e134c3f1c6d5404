//! The relay's integration tests: the real `frontdesk-relay` binary on 127.0.0.1, driven over
//! HTTP and WebSocket the way the widget and the desk drive it.

mod bad_input;
mod chat;
mod cli;
mod crash;
mod files;
mod http;
mod privacy;
mod support;
