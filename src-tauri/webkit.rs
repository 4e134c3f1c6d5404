//! How the desk window's web engine runs on Linux (WebKitGTK).

/// The desk draws forms and lists, with no animation, so WebKitGTK's accelerated compositing
/// buys nothing here, and without a GPU it costs about 150 MiB and a third of every
/// keystroke's time (BENCHMARKS.md). It stays off unless `FRONTDESK_WEBKIT_COMPOSITING=1`,
/// or unless the user already chose with WebKit's own `WEBKIT_DISABLE_COMPOSITING_MODE`.
///
/// Must run first thing in `main`, before any thread exists: it sets an environment variable.
pub fn tune() {
    #[cfg(target_os = "linux")]
    {
        let chosen = std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_some();
        let wanted = std::env::var("FRONTDESK_WEBKIT_COMPOSITING").as_deref() == Ok("1");
        if !chosen && !wanted {
            std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        }
    }
}
