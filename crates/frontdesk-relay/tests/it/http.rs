//! The HTTP surface: health, the widget file, site config and its `online` flag.

use std::time::Duration;

use frontdesk_proto::wire::{DeskIn, SiteConfig};

use crate::support::{
    http_get, recv_within, site_config, Recv, RelayProc, TestDesk, TestVisitor, WAIT,
};

/// `online` as the config endpoint shows it, polled until it equals `want` (the relay notices a
/// closed desk socket asynchronously).
async fn wait_online(relay: &RelayProc, want: bool) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let r = relay.config().await;
        assert_eq!(r.status, 200, "{}", r.text());
        if r.json()["online"] == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "config never showed online={want}: {}",
            r.text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn health_widget_and_site_config() {
    let relay = RelayProc::start(&[]);

    let health = relay.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["ok"], true);
    assert_eq!(health.json()["version"], env!("CARGO_PKG_VERSION"));

    // The widget: the bytes the build embedded (build.rs copies ui/widget/dist/widget.js, or
    // $FRONTDESK_WIDGET_DIR's, into OUT_DIR), as JavaScript.
    let built = std::fs::read(concat!(env!("OUT_DIR"), "/widget.js")).unwrap();
    assert!(!built.is_empty());
    let widget = relay.get("/widget.js").await;
    assert_eq!(widget.status, 200);
    let ctype = widget.header("content-type").unwrap_or_default();
    assert!(
        ctype.starts_with("text/javascript") || ctype.starts_with("application/javascript"),
        "content type {ctype}"
    );
    assert_eq!(widget.header("cache-control"), Some("public, max-age=300"));
    assert!(widget.body == built, "/widget.js is not the built widget");

    // No desk yet: the site exists but is not ready. Challenges already work.
    let r = relay.config().await;
    assert_eq!((r.status, r.code().as_str()), (404, "relay.site_not_ready"));
    let r = relay
        .get(&format!("/v1/sites/{}/challenge", relay.site))
        .await;
    assert_eq!(r.status, 200);
    for field in ["algorithm", "challenge", "salt", "signature", "maxnumber"] {
        assert!(!r.json()[field].is_null(), "challenge lacks {field}");
    }
    assert_eq!(r.json()["maxnumber"], 1000);

    // Unknown sites, well-formed or not, for both public endpoints.
    for path in [
        "/v1/sites/aaaaaaaaaaaaaaaa/config",
        "/v1/sites/aaaaaaaaaaaaaaaa/challenge",
        "/v1/sites/NOT-A-SITE/config",
    ] {
        let r = relay.get(path).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (404, "relay.unknown_site"),
            "{path}"
        );
    }

    // The desk says hello: the config is served, with CORS for any page, and it is online.
    let mut desk = TestDesk::hello(&relay).await;
    let r = http_get(
        relay.port,
        &format!("/v1/sites/{}/config", relay.site),
        &[("Origin", "https://clinic.example")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let c = r.json();
    assert_eq!(c["site"], relay.site.as_str());
    assert_eq!(c["online"], true);
    assert_eq!(c["clinic"], "Test Clinic");
    assert_eq!(c["desk_key"], desk.key.public_b64().as_str());
    assert_eq!(c["staff"][0]["name"], "Dara");
    assert_eq!(c["pow"], true);
    assert_eq!(c["max_text"], 4096);

    // A visitor bound to a conversation hears about the desk coming and going.
    let mut visitor = TestVisitor::new(&desk.key.public_b64());
    let (_, ack) = visitor.start(&relay, "hello").await;
    assert_eq!(ack["t"], "ack");

    // Connected but nobody logged in: offline. (And a desk can't raise the relay's text
    // limit.)
    let key = desk.key.clone();
    desk.send(&DeskIn::Config {
        config: SiteConfig {
            max_text: 9999,
            ..site_config(&key, false)
        },
    })
    .await;
    desk.sync().await;
    wait_online(&relay, false).await;
    assert_eq!(relay.config().await.json()["max_text"], 4096);
    desk.send(&DeskIn::Config {
        config: site_config(&key, true),
    })
    .await;
    desk.sync().await;
    wait_online(&relay, true).await;

    // The desk goes away: offline, the config stays published, the visitor is told.
    drop(desk);
    wait_online(&relay, false).await;
    let presence = visitor
        .next_where("presence", |f| f["t"] == "presence")
        .await;
    assert_eq!(presence["online"], false);

    // It comes back (hello without a config: the stored one is used): online again.
    let _desk = TestDesk::connect(&relay, key, 0, None).await.unwrap();
    wait_online(&relay, true).await;
    let presence = visitor
        .next_where("presence", |f| f["t"] == "presence")
        .await;
    assert_eq!(presence["online"], true);
    assert!(matches!(
        recv_within(visitor.ws(), Duration::from_millis(200)).await,
        Recv::Quiet
    ));
}
