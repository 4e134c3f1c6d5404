// The relay serves the widget and the demo page from its own binary, so one file is the whole
// deployment. The widget is built by `make widget` (ui/widget, Vite) before cargo runs.
use std::path::PathBuf;

fn main() {
    // FRONTDESK_WIDGET_DIR points elsewhere for a relay built apart from this repository.
    println!("cargo:rerun-if-env-changed=FRONTDESK_WIDGET_DIR");
    let root = match std::env::var_os("FRONTDESK_WIDGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../ui/widget"),
    };
    let widget = root.join("dist/widget.js");
    let demo = root.join("demo/index.html");
    for f in [&widget, &demo] {
        println!("cargo:rerun-if-changed={}", f.display());
        if !f.exists() {
            panic!(
                "{} is missing: build the widget first (`make widget`, or `npm ci && npx vite build` in ui/widget)",
                f.display()
            );
        }
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::copy(&widget, out.join("widget.js")).unwrap();
    std::fs::copy(&demo, out.join("demo.html")).unwrap();
}
