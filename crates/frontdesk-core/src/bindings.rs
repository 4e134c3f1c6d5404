//! The desk UI's TypeScript types are generated from these Rust types, never written by hand.
//! This test regenerates them and fails when `ui/desk/src/bindings/` is out of date; run it
//! with `FRONTDESK_WRITE_BINDINGS=1` to write them:
//! `FRONTDESK_WRITE_BINDINGS=1 cargo test -p frontdesk-core --features ts --lib bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/desk/src/bindings")
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".ts") {
                files.insert(name, std::fs::read_to_string(e.path()).unwrap());
            }
        }
    }
    files
}

fn export(dir: &Path) {
    // Every integer the UI sees fits a JavaScript number (ids are strings, counts are small).
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    crate::Request::export_all(&cfg).unwrap();
    crate::Response::export_all(&cfg).unwrap();
    crate::ErrorBody::export_all(&cfg).unwrap();
    crate::LoginRequest::export_all(&cfg).unwrap();
    crate::Session::export_all(&cfg).unwrap();
    crate::NewClinic::export_all(&cfg).unwrap();
    crate::Permission::export_all(&cfg).unwrap();
}

#[test]
fn bindings_are_current() {
    let fresh = tempfile::tempdir().unwrap();
    export(fresh.path());
    let generated = read_dir(fresh.path());
    assert!(
        generated.contains_key("Request.ts"),
        "{:?}",
        generated.keys()
    );
    if std::env::var_os("FRONTDESK_WRITE_BINDINGS").is_some() {
        let dir = committed_dir();
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &generated {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let committed = read_dir(&committed_dir());
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        generated.keys().collect::<Vec<_>>(),
        "ui/desk/src/bindings is out of date: run with FRONTDESK_WRITE_BINDINGS=1"
    );
    for (name, text) in &generated {
        assert_eq!(
            &committed[name], text,
            "{name} is out of date: run with FRONTDESK_WRITE_BINDINGS=1"
        );
    }
}
