//! Exactly once, in order, whatever dies: the relay killed with SIGKILL in the middle of a
//! 1,000-message exchange, the desk killed the same way, and a desk that was off while 500
//! messages arrived.

use std::time::Duration;

use crate::support::{expected, Stack, Visitor};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn assert_exactly_once_in_order(got: &[String], want: &[String]) {
    let dupes = got.len() as isize - want.len() as isize;
    assert_eq!(
        got.len(),
        want.len(),
        "{dupes} messages too many (or negative: missing)"
    );
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "message {i} is out of place");
    }
}

#[test]
fn relay_killed_mid_exchange_loses_and_doubles_nothing() {
    let stack = Stack::new();
    let mut relay = Some(stack.relay());
    let _desk = stack.desk();
    let msgs = expected("m", 1000);
    let mut v = Visitor::new(stack.port, &stack.site);
    rt().block_on(async {
        v.start("first").await;
        for (i, m) in msgs.iter().enumerate() {
            v.send(m).await;
            if i == 400 {
                // Let some acknowledgements come back, then pull the plug.
                v.pump(200, Duration::from_secs(10)).await;
                relay.take().unwrap().kill9();
                relay = Some(stack.relay());
            }
        }
        v.pump(1001, Duration::from_secs(60)).await;
    });
    assert_eq!(
        v.acked.len(),
        1001,
        "every message was acknowledged in the end"
    );
    let mut want = vec!["first".to_owned()];
    want.extend(msgs);
    let got = stack.wait_for_texts(&v.conversation, want.len(), Duration::from_secs(60));
    assert_exactly_once_in_order(&got, &want);
}

#[test]
fn desk_killed_mid_exchange_resumes_from_its_cursor() {
    let stack = Stack::new();
    let _relay = stack.relay();
    let mut desk = Some(stack.desk());
    let msgs = expected("d", 1000);
    let mut v = Visitor::new(stack.port, &stack.site);
    rt().block_on(async {
        v.start("first").await;
        for (i, m) in msgs.iter().enumerate() {
            v.send(m).await;
            if i == 500 {
                v.pump(300, Duration::from_secs(10)).await;
                desk.take().unwrap().kill9();
            }
        }
        v.pump(1001, Duration::from_secs(60)).await;
    });
    desk = Some(stack.desk());
    let mut want = vec!["first".to_owned()];
    want.extend(msgs);
    let got = stack.wait_for_texts(&v.conversation, want.len(), Duration::from_secs(60));
    drop(desk);
    assert_exactly_once_in_order(&got, &want);
}

#[test]
fn a_desk_that_was_off_gets_all_500_messages_when_it_comes_back() {
    let stack = Stack::new();
    let _relay = stack.relay();
    // The desk publishes the site config once, then goes off for the night.
    let desk = stack.desk();
    stack.wait_for_config();
    desk.kill9();
    let msgs = expected("night", 500);
    let mut v = Visitor::new(stack.port, &stack.site);
    rt().block_on(async {
        v.start("first").await;
        for m in &msgs {
            v.send(m).await;
        }
        v.pump(501, Duration::from_secs(60)).await;
    });
    assert_eq!(
        v.acked.len(),
        501,
        "the relay acknowledged all while the desk was off"
    );
    assert!(stack.desk_texts(&v.conversation).is_empty());
    let _desk = stack.desk();
    let mut want = vec!["first".to_owned()];
    want.extend(msgs);
    let got = stack.wait_for_texts(&v.conversation, want.len(), Duration::from_secs(60));
    assert_exactly_once_in_order(&got, &want);
}
