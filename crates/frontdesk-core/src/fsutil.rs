//! Durable file replacement: a crash leaves the old file or the new one, never half of each.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use crate::error::Result;

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let mut tmp = tempfile_in(dir, path)?;
    let result = (|| -> Result<()> {
        tmp.1.write_all(bytes)?;
        tmp.1.sync_all()?;
        fs::rename(&tmp.0, path)?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp.0);
    }
    result
}

/// A fresh file next to `target`, named after it, that no one else is using.
pub(crate) fn tempfile_in(dir: &Path, target: &Path) -> Result<(std::path::PathBuf, File)> {
    let stem = target
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "frontdesk".into());
    for _ in 0..16 {
        let name = format!(".{stem}.{}.tmp", ulid::Ulid::new());
        let p = dir.join(name);
        match fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(crate::error::Error::Io(
        "could not create a temporary file".into(),
    ))
}

pub(crate) fn sync_dir(dir: &Path) {
    // Directory fsync makes the rename itself durable; not every platform allows it.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
