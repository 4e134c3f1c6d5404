//! A recording notification server for scripts: `frontdesk-notify-listener <record.jsonl>`.
//! Owns `org.freedesktop.Notifications` on the session bus, prints `ready` once it does, then
//! records every Notify call as a JSON line; see `frontdesk_notify::listener`.

use std::process::ExitCode;

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn main() -> ExitCode {
    eprintln!("frontdesk-notify-listener: there is no freedesktop session bus on this platform");
    ExitCode::FAILURE
}

#[cfg(all(unix, not(target_os = "macos")))]
fn main() -> ExitCode {
    use std::io::Write;

    use frontdesk_notify::listener::Listener;

    let Some(record) = std::env::args_os().nth(1) else {
        eprintln!("usage: frontdesk-notify-listener <record.jsonl>");
        return ExitCode::from(2);
    };
    let _listener = match Listener::start(record) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("frontdesk-notify-listener: could not serve the notifications: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "ready");
    let _ = stdout.flush();
    // zbus serves the calls on its own thread; this one only keeps the listener alive.
    loop {
        std::thread::park();
    }
}
