//! Where this desk keeps its clinic and how it behaves, read once at start from the
//! environment (documented in docs/operator-guide.md).

use std::path::PathBuf;
use std::sync::Arc;

use frontdesk_core::{KeyStore, OsKeyring};

use crate::desk::DeskConfig;

/// `default_dir` is the app's data directory from Tauri's path resolver.
pub fn from_env(default_dir: PathBuf) -> DeskConfig {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
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
    DeskConfig {
        db_path,
        keyring,
        workstation,
        idle_lock_secs,
    }
}
