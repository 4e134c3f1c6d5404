fn main() {
    // Declaring the app's one command generates its permission (`allow-rpc`), so the
    // capability in tauri.conf.json can grant exactly that and nothing more.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["rpc"])),
    )
    .expect("tauri-build failed");
}
