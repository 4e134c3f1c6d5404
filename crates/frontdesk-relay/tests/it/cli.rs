//! The command line: what it refuses, what it prints, and serving HTTPS with the operator's
//! certificate.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use frontdesk_proto::crypto::Body;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{run_cli, site_add, RelayProc, TestDesk, TestVisitor, BIN};

/// Runs the relay to completion, or kills it after `limit` (a `serve` that should have refused
/// to start would otherwise run forever). Returns (exit code, stdout, stderr).
fn run_limited(
    dir: &std::path::Path,
    args: &[&str],
    limit: Duration,
) -> (Option<i32>, String, String) {
    let mut child = Command::new(BIN)
        .arg("--data")
        .arg(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "frontdesk-relay {args:?} kept running; stdout: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_line_refuses_what_it_cannot_do_safely() {
    let dir = tempfile::tempdir().unwrap();
    let limit = Duration::from_secs(10);

    for name in ["", "   ", &"x".repeat(201)] {
        let (code, _, err) = run_limited(dir.path(), &["site", "add", name], limit);
        assert_eq!(code, Some(2), "site add {name:?}");
        assert!(
            err.contains("a site name must be 1 to 200 characters"),
            "a clear message: {err}"
        );
    }

    // A good one prints the id, the token (once) and the snippet, and is listed.
    let out = run_cli(dir.path(), &["site", "add", "  Sunrise Clinic "]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let (site, token) = site_add(dir.path(), "Second Clinic");
    assert!(frontdesk_proto::ids::is_site_id(&site), "{site}");
    assert!(token.starts_with("fds_") && token.len() == 47, "{token}");
    assert!(text.contains("Site \"Sunrise Clinic\" added."), "{text}");
    assert!(text.contains("/widget.js\" data-site=\""), "{text}");
    let out = run_cli(dir.path(), &["site", "list"]);
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(
        list.contains(&format!("{site}\tSecond Clinic\twaiting for its desk")),
        "{list}"
    );
    assert!(list.contains("Sunrise Clinic"), "{list}");
    assert!(!list.contains(&token), "the token is never shown again");

    // Plain HTTP on a public address: refused, with the way out named.
    let (code, out, err) = run_limited(dir.path(), &["serve", "--listen", "0.0.0.0:0"], limit);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(!out.contains("listening"), "{out}");
    assert!(
        err.contains("--tls-cert")
            && err.contains("--tls-key")
            && err.contains("--allow-plain-http"),
        "a clear message: {err}"
    );
    let (code, _, err) = run_limited(dir.path(), &["serve"], limit);
    assert_eq!(code, Some(2));
    assert!(err.contains("--listen"), "{err}");
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let (code, _, err) = run_limited(
        dir.path(),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            missing,
            "--tls-key",
            missing,
        ],
        limit,
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("could not load the TLS certificate"), "{err}");
}

#[tokio::test]
async fn serves_https_and_wss_with_the_operators_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert = certs.path().join("cert.pem");
    let key = certs.path().join("key.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();

    // With TLS, a public address is allowed.
    let mut relay = RelayProc::start_on(
        "0.0.0.0:0",
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ck.cert.der().clone()).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    relay.client_tls = Some(Arc::new(client));

    let health = relay.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["ok"], true);
    assert_eq!(relay.config().await.code(), "relay.site_not_ready");

    // A whole exchange over wss.
    let mut desk = TestDesk::hello(&relay).await;
    let mut v = TestVisitor::new(&desk.key.public_b64());
    let (m, ack) = v.start(&relay, "over TLS").await;
    assert_eq!(ack["t"], "ack", "{ack}");
    let started = desk.event_for(&m).await;
    assert_eq!(started["event"]["ip"], "127.0.0.1");
    assert_eq!(desk.open(&started).text, "over TLS");
    let reply = Body {
        text: "received".into(),
        ..Body::default()
    };
    let (_, stored) = desk.reply(&v.conversation, &reply).await;
    assert_eq!(stored["t"], "stored");
    let msg = v.next_where("the reply", |f| f["t"] == "msg").await;
    assert_eq!(v.open(&msg), reply);
    assert_eq!(relay.config().await.json()["online"], true);

    // A client that doesn't trust the certificate gets no connection.
    let url = relay.ws_url(&relay.visitor_path());
    assert!(tokio_tungstenite::connect_async(url).await.is_err());

    // And the port does not speak plain HTTP.
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", relay.port))
        .await
        .unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![];
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    assert!(
        !String::from_utf8_lossy(&buf).contains("\"ok\":true"),
        "plain HTTP was served on the TLS port"
    );
}

#[tokio::test]
async fn relay_toml_in_the_data_directory_configures_serve_and_a_typo_is_refused() {
    let mut relay = RelayProc::start(&[]);
    std::fs::write(relay.dir.path().join("relay.toml"), "max_text = 300\n").unwrap();
    relay.restart();
    let _desk = TestDesk::hello(&relay).await;
    let config = relay.get(&format!("/v1/sites/{}/config", relay.site)).await;
    let v: serde_json::Value = serde_json::from_slice(&config.body).unwrap();
    assert_eq!(v["max_text"], 300, "the file's limit is the relay's");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relay.toml"), "max_txt = 300\n").unwrap();
    let (code, _, err) = run_limited(
        dir.path(),
        &["serve", "--listen", "127.0.0.1:0"],
        Duration::from_secs(10),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("relay.toml") && err.contains("max_txt"),
        "{err}"
    );
}
