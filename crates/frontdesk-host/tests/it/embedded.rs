//! The relay inside the desk: it pairs the clinic with itself, and when its address is taken
//! the desk still starts, saying why the relay is missing.

use crate::support::clinic;

fn options(dir: &std::path::Path, listen: std::net::SocketAddr) -> frontdesk_host::RelayOptions {
    frontdesk_host::RelayOptions {
        listen,
        data: dir.join("relay"),
        tls: None,
        allow_plain_http: false,
        settings: frontdesk_relay::Settings::default(),
    }
}

#[test]
fn the_built_in_relay_pairs_the_clinic_and_a_taken_address_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let host = frontdesk_host::Host::start(
        c.clone(),
        Some(options(dir.path(), "127.0.0.1:0".parse().unwrap())),
        None,
    )
    .unwrap();
    let relay = host.relay().expect("the relay runs");
    let link = c.relay_link().unwrap().expect("paired with itself");
    assert_eq!(link.url, relay.url);
    let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while host.status().state != frontdesk_host::LinkState::Connected
        && std::time::Instant::now() < end
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(host.status().state, frontdesk_host::LinkState::Connected);

    // A second desk on the same address: no relay of its own, but it starts and says why.
    let other = tempfile::tempdir().unwrap();
    let second = frontdesk_host::Host::start(
        clinic(other.path()),
        Some(options(other.path(), relay.addr)),
        None,
    )
    .unwrap();
    assert!(second.relay().is_none());
    assert_eq!(
        second.status().last_error.as_deref(),
        Some("host.relay_failed")
    );
}
