//! Where this desk keeps its clinic and how it behaves, read once at start from the command
//! line or the environment (documented in docs/operator-guide.md). A flag wins over its
//! variable: `--db PATH` (FRONTDESK_DB), `--keyring os|none` (FRONTDESK_KEYRING),
//! `--workstation NAME` (FRONTDESK_WORKSTATION), `--idle-lock-seconds N`
//! (FRONTDESK_IDLE_LOCK_SECONDS), and a built-in relay: `--relay-listen ADDR`
//! (FRONTDESK_RELAY_LISTEN), `--relay-data DIR`, `--relay-tls-cert FILE`, `--relay-tls-key FILE`,
//! `--relay-allow-plain-http 1`, `--popups off` (FRONTDESK_POPUPS) for a desk that should
//! not show OS popups, and `--lan-listen ADDR|off` (FRONTDESK_LAN_LISTEN) for the LAN service
//! other desks connect to (default 0.0.0.0:7745). `--clock-file FILE` (FRONTDESK_CLOCK_FILE) sets
//! the clinic's clock from a file holding an RFC 3339 time, for demonstrations and the
//! end-to-end tests of what waits for the clock (after-hours replies, the morning's first shift).

use std::path::PathBuf;
use std::sync::Arc;

use frontdesk_core::{KeyStore, OsKeyring};

use crate::desk::DeskConfig;

/// `default_dir` is the app's data directory from Tauri's path resolver.
pub fn from_env(default_dir: PathBuf) -> DeskConfig {
    from(std::env::args().skip(1).collect(), default_dir)
}

fn from(args: Vec<String>, default_dir: PathBuf) -> DeskConfig {
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .or_else(|| {
                let prefix = format!("{name}=");
                args.iter()
                    .find_map(|a| a.strip_prefix(&prefix).map(str::to_string))
            })
    };
    let var = |name: &str| {
        let flag_name = format!(
            "--{}",
            name.trim_start_matches("FRONTDESK_")
                .to_lowercase()
                .replace('_', "-")
        );
        flag(&flag_name)
            .or_else(|| std::env::var(name).ok())
            .filter(|v| !v.trim().is_empty())
    };
    let db_path = var("FRONTDESK_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| default_dir.join("clinic.db"));
    // "none" is for PCs without a Secret Service: every start then asks for the passphrase.
    let keyring: Option<Arc<dyn KeyStore>> = match var("FRONTDESK_KEYRING").as_deref() {
        Some("none") => None,
        _ => Some(Arc::new(OsKeyring::new())),
    };
    let workstation = var("FRONTDESK_WORKSTATION").unwrap_or_else(|| {
        gethostname::gethostname()
            .to_string_lossy()
            .chars()
            .take(100)
            .collect()
    });
    let idle_lock_secs = var("FRONTDESK_IDLE_LOCK_SECONDS").and_then(|v| v.parse().ok());
    let relay = var("FRONTDESK_RELAY_LISTEN")
        .and_then(|a| a.parse().ok())
        .map(|listen| frontdesk_host::RelayOptions {
            listen,
            data: var("FRONTDESK_RELAY_DATA")
                .map(PathBuf::from)
                .unwrap_or_else(|| db_path.with_extension("relay")),
            tls: var("FRONTDESK_RELAY_TLS_CERT")
                .zip(var("FRONTDESK_RELAY_TLS_KEY"))
                .map(|(c, k)| (PathBuf::from(c), PathBuf::from(k))),
            allow_plain_http: var("FRONTDESK_RELAY_ALLOW_PLAIN_HTTP").as_deref() == Some("1"),
            settings: frontdesk_relay::Settings::default(),
        });
    // "off" for a kiosk whose screen nobody watches; popups need a notification service.
    let notifier: Option<Arc<dyn frontdesk_notify::Notifier>> =
        match var("FRONTDESK_POPUPS").as_deref() {
            Some("off") => None,
            _ => Some(Arc::new(frontdesk_notify::DesktopNotifier::new())),
        };
    // The LAN service for other desks: on by default on every address at port 7745, as a
    // clinic's host expects; "off" for a single-PC clinic or a kiosk.
    let lan = match var("FRONTDESK_LAN_LISTEN").as_deref() {
        Some("off") => None,
        Some(a) => Some(frontdesk_host::lan::LanOptions {
            listen: a.parse().unwrap_or_else(|_| {
                eprintln!("frontdesk: --lan-listen {a} is not an address like 0.0.0.0:7745; using the default");
                frontdesk_host::lan::LanOptions::default().listen
            }),
            ..Default::default()
        }),
        None => Some(Default::default()),
    };
    let clock: Option<Arc<dyn frontdesk_core::clock::Clock>> = var("FRONTDESK_CLOCK_FILE")
        .map(|f| Arc::new(frontdesk_core::clock::FileClock::new(f)) as _);
    let pairing_path = crate::remote::pairing_path(&db_path);
    DeskConfig {
        lan,
        pairing_path,
        db_path,
        keyring,
        workstation,
        idle_lock_secs,
        relay,
        notifier,
        clock,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_defaults() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        let c = from(
            args(&[
                "--db",
                "/x/c.db",
                "--keyring=none",
                "--idle-lock-seconds",
                "7",
            ]),
            PathBuf::from("/data"),
        );
        assert_eq!(c.db_path, PathBuf::from("/x/c.db"));
        assert!(c.keyring.is_none());
        assert_eq!(c.idle_lock_secs, Some(7));
        let d = from(args(&["--workstation", "desk-3"]), PathBuf::from("/data"));
        assert_eq!(d.workstation, "desk-3");
        if std::env::var_os("FRONTDESK_DB").is_none() {
            assert_eq!(d.db_path, PathBuf::from("/data/clinic.db"));
        }
    }
}
