//! Routing under a burst: 200 visitors start chats at the same moment through a real relay
//! process, and the desk (a real SQLCipher clinic with its host in this process) gives each
//! chat exactly one responsible person.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use frontdesk_core::*;

use crate::support::{Stack, Visitor, PASSPHRASE};

const CHATS: usize = 200;

#[test]
fn two_hundred_chats_arriving_at_once_are_each_assigned_exactly_once() {
    let stack = Stack::new();
    let _relay = stack.relay_with(&["--new-conversations-per-ip-per-minute", "100000"]);
    let clinic =
        Arc::new(Clinic::open_as_operator(&stack.db, PASSPHRASE, Options::default()).unwrap());
    let operator = Principal::Operator {
        workstation: "routing-test".into(),
    };
    let mut staff = vec![];
    for n in 0..4 {
        let login = format!("desk{n}");
        let mut fields = StaffFields::new(&login, Role::Receptionist);
        fields.chat_capacity = 50;
        fields.working_hours = Shift::around_the_clock();
        let Response::StaffSaved { staff: s, .. } = clinic
            .handle(
                &operator,
                Request::StaffCreate(NewStaff {
                    login: login.clone(),
                    password: Secret::new("routing-test-password"),
                    fields,
                }),
            )
            .unwrap()
        else {
            panic!("expected StaffSaved")
        };
        clinic
            .login(&LoginRequest {
                login,
                password: Secret::new("routing-test-password"),
                totp_code: None,
                workstation: format!("pc-{n}"),
            })
            .unwrap();
        staff.push(s.id);
    }
    let events = clinic.subscribe();
    let _host = frontdesk_host::Host::start(clinic.clone(), None, None).unwrap();
    stack.wait_for_config();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let conversations: Vec<String> = rt.block_on(async {
        let tasks: Vec<_> = (0..CHATS)
            .map(|i| {
                let mut v = Visitor::new(stack.port, &stack.site);
                tokio::spawn(async move {
                    v.start(&format!("Hello from visitor {i}")).await;
                    v.conversation
                })
            })
            .collect();
        let mut out = vec![];
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });

    // Every assignment the desk announced, until all chats have one (or time runs out).
    let mut per_task: HashMap<String, (String, usize)> = HashMap::new();
    let end = Instant::now() + Duration::from_secs(60);
    while per_task.len() < CHATS && Instant::now() < end {
        if let Ok(Event::TaskAssigned {
            task_id,
            assignee_id,
            ..
        }) = events.recv_timeout(Duration::from_millis(200))
        {
            per_task.entry(task_id).or_insert((assignee_id, 0)).1 += 1;
        }
    }
    // A little longer, to catch a second assignment of any of them.
    let quiet = Instant::now() + Duration::from_secs(1);
    while Instant::now() < quiet {
        if let Ok(Event::TaskAssigned { task_id, .. }) =
            events.recv_timeout(Duration::from_millis(100))
        {
            per_task.entry(task_id).or_default().1 += 1;
        }
    }
    assert_eq!(per_task.len(), CHATS, "every chat was assigned");
    assert!(
        per_task.values().all(|(_, n)| *n == 1),
        "no chat was assigned twice"
    );

    let Response::Tasks(all) = clinic
        .handle(
            &operator,
            Request::TaskList {
                scope: TaskScope::Team,
                include_closed: true,
                limit: Some(1000),
            },
        )
        .unwrap()
    else {
        panic!("expected tasks")
    };
    assert_eq!(all.len(), CHATS, "one task per chat, no more");
    let mut by_conversation: HashMap<String, usize> = HashMap::new();
    for t in &all {
        *by_conversation
            .entry(t.conversation_id.clone().unwrap())
            .or_default() += 1;
        assert!(t.assignee_id.is_some(), "nothing left in the queue");
    }
    for c in &conversations {
        assert_eq!(by_conversation.get(c), Some(&1), "conversation {c}");
    }
    // Least loaded spread the burst evenly over the four.
    let mut load: HashMap<&str, usize> = HashMap::new();
    for t in &all {
        *load.entry(t.assignee_id.as_deref().unwrap()).or_default() += 1;
    }
    for s in &staff {
        assert_eq!(load.get(s.as_str()), Some(&(CHATS / 4)));
    }
}
