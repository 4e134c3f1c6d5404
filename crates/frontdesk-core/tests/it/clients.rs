//! Client records: validation, history, duplicates, and edits that collide.

use frontdesk_core::*;

use crate::support::*;

fn card(f: &Fixture, id: &str) -> Client {
    match f
        .clinic
        .handle(&operator(), Request::ClientGet { id: id.into() })
        .unwrap()
    {
        Response::Client(c) => c,
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_input_is_refused_by_field_and_changes_nothing() {
    let f = new_clinic();
    let before = count_clients(&f);
    let cases: Vec<(ClientFields, &str, &str)> = vec![
        (client("   "), "full_name", "validation.required"),
        (
            client(&"x".repeat(MAX_NAME + 1)),
            "full_name",
            "validation.too_long",
        ),
        (
            ClientFields {
                email: Some("not-an-email".into()),
                ..client("A")
            },
            "email",
            "validation.email",
        ),
        (
            ClientFields {
                email: Some("a@b".into()),
                ..client("A")
            },
            "email",
            "validation.email",
        ),
        (
            ClientFields {
                phones: vec!["12".into()],
                ..client("A")
            },
            "phones",
            "validation.phone",
        ),
        (
            ClientFields {
                phones: vec!["call me maybe".into()],
                ..client("A")
            },
            "phones",
            "validation.phone",
        ),
        (
            ClientFields {
                phones: vec!["+855 12 345 678".into(); 6],
                ..client("A")
            },
            "phones",
            "validation.too_many",
        ),
        (
            ClientFields {
                notes: "n".repeat(MAX_NOTES + 1),
                ..client("A")
            },
            "notes",
            "validation.too_long",
        ),
        (
            ClientFields {
                date_of_birth: chrono::NaiveDate::from_ymd_opt(2090, 1, 1),
                ..client("A")
            },
            "date_of_birth",
            "validation.date_in_future",
        ),
        (
            ClientFields {
                preferred_language: Some("Khmer!".into()),
                ..client("A")
            },
            "preferred_language",
            "validation.language",
        ),
        (
            ClientFields {
                account_manager_id: Some("01NOTASTAFF".into()),
                ..client("A")
            },
            "account_manager_id",
            "validation.unknown_staff",
        ),
        (
            client("Name\u{0007}Bell"),
            "full_name",
            "validation.control_chars",
        ),
    ];
    for (fields, field, code) in cases {
        let err = f
            .clinic
            .handle(&operator(), Request::ClientCreate { id: None, fields })
            .err()
            .unwrap();
        assert_eq!(err.code(), code);
        assert_eq!(err.body().field.as_deref(), Some(field));
    }
    assert_eq!(count_clients(&f), before);
}

#[test]
fn phones_in_local_and_native_digits_are_stored_in_e164() {
    let f = new_clinic();
    let saved = f.add_client(
        &operator(),
        ClientFields {
            phones: vec!["012 345 678".into(), "០៩៧ ៧៧៧ ៨៨៨៨".into()],
            ..client("Local Digits")
        },
    );
    assert_eq!(saved.client.fields.phones.len(), 2);
    assert_eq!(search_all(&f.clinic, "+855 12 345 678").len(), 1);
    assert_eq!(search_all(&f.clinic, "097 777").len(), 1);
}

#[test]
fn every_change_keeps_history_with_author_and_old_value() {
    let f = new_clinic();
    let (nurse, who) = f.staff_session("nurse", Role::Clinician);
    let c = f
        .add_client(
            &operator(),
            ClientFields {
                notes: "first".into(),
                ..client("History Person")
            },
        )
        .client;
    let mut fields = c.fields.clone();
    fields.notes = "second".into();
    fields.email = Some("h.person@example.com".into());
    let Response::ClientSaved(s) = f
        .clinic
        .handle(
            &who,
            Request::ClientUpdate {
                id: c.id.clone(),
                expected_version: 1,
                fields: fields.clone(),
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(s.client.version, 2);
    assert_eq!(s.client.updated_by, nurse.id);
    // Saving the same values again is not a change.
    f.clinic
        .handle(
            &who,
            Request::ClientUpdate {
                id: c.id.clone(),
                expected_version: 2,
                fields,
            },
        )
        .unwrap();
    let Response::ClientHistory(h) = f
        .clinic
        .handle(&who, Request::ClientHistory { id: c.id.clone() })
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].actor, "operator");
    assert_eq!(h[0].changes["full_name"]["to"], "History Person");
    assert_eq!(h[1].actor, nurse.id);
    assert_eq!(h[1].changes["notes"]["from"], "first");
    assert_eq!(h[1].changes["notes"]["to"], "second");
    assert_eq!(h[1].changes["email"]["to"], "h.person@example.com");
    assert!(h[1].changes.get("full_name").is_none());
}

#[test]
fn a_stale_edit_is_refused_and_keeps_the_newer_one() {
    let f = new_clinic();
    let c = f.add_client(&operator(), client("Contested")).client;
    let mut a = c.fields.clone();
    a.notes = "from desk A".into();
    let mut b = c.fields.clone();
    b.notes = "from desk B".into();
    f.clinic
        .handle(
            &operator(),
            Request::ClientUpdate {
                id: c.id.clone(),
                expected_version: 1,
                fields: a,
            },
        )
        .unwrap();
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::ClientUpdate {
                id: c.id.clone(),
                expected_version: 1,
                fields: b,
            },
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), "record.conflict");
    assert_eq!(card(&f, &c.id).fields.notes, "from desk A");
}

#[test]
fn same_phone_or_email_is_flagged_as_a_probable_duplicate() {
    let f = new_clinic();
    let first = f
        .add_client(
            &operator(),
            ClientFields {
                phones: vec!["+855 12 345 678".into()],
                email: Some("Dara@Example.com".into()),
                ..client("សុខ ដារ៉ា")
            },
        )
        .client;
    let by_phone = f.add_client(
        &operator(),
        ClientFields {
            phones: vec!["012 345 678".into()],
            ..client("Sok Dara")
        },
    );
    assert_eq!(by_phone.possible_duplicates.len(), 1);
    assert_eq!(by_phone.possible_duplicates[0].id, first.id);
    let by_email = f.add_client(
        &operator(),
        ClientFields {
            email: Some("dara@example.com".into()),
            ..client("D. Sok")
        },
    );
    assert_eq!(
        by_email
            .possible_duplicates
            .iter()
            .map(|d| d.id.clone())
            .collect::<Vec<_>>(),
        vec![first.id.clone()]
    );
    let other = f.add_client(
        &operator(),
        ClientFields {
            phones: vec!["+855 12 999 888".into()],
            ..client("Someone Else")
        },
    );
    assert!(other.possible_duplicates.is_empty());
    let rec = f
        .audit()
        .into_iter()
        .find(|r| r.action == "client.create")
        .unwrap();
    assert_eq!(rec.detail, None);
}

#[test]
fn a_retried_create_with_the_same_id_adds_nobody_new() {
    let f = new_clinic();
    let id = ulid::Ulid::new().to_string();
    let fields = ClientFields {
        phones: vec!["+855 12 345 678".into()],
        ..client("Retried Person")
    };
    let create = |fields: ClientFields| {
        f.clinic.handle(
            &operator(),
            Request::ClientCreate {
                id: Some(id.clone()),
                fields,
            },
        )
    };
    let Response::ClientSaved(first) = create(fields.clone()).unwrap() else {
        panic!()
    };
    assert_eq!(first.client.id, id);
    // The same request again (say the answer was lost on the way): the same client, once.
    let Response::ClientSaved(again) = create(fields.clone()).unwrap() else {
        panic!()
    };
    assert_eq!(again.client, first.client);
    assert_eq!(count_clients(&f), 1);
    assert_eq!(search_all(&f.clinic, "Retried").len(), 1);
    // The same id with other data is not silently merged.
    let err = create(client("Somebody Else")).err().unwrap();
    assert_eq!(err.code(), "record.conflict");
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::ClientCreate {
                id: Some("not-a-ulid".into()),
                fields,
            },
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), "validation.id");
    assert_eq!(count_clients(&f), 1);
}

#[test]
fn listeners_hear_of_committed_changes_only() {
    let f = new_clinic();
    let (_, who) = f.staff_session("desk", Role::Receptionist);
    let events = f.clinic.subscribe();
    let saved = f.add_client(&who, client("Sok Dara"));
    assert_eq!(
        events.try_recv().unwrap(),
        Event::ClientChanged {
            id: saved.client.id.clone(),
            version: saved.client.version
        }
    );
    // A refused or failed request tells nobody anything.
    let bad = f.clinic.handle(
        &who,
        Request::ClientCreate {
            id: None,
            fields: client(""),
        },
    );
    assert!(bad.is_err());
    f.clinic
        .handle(
            &who,
            Request::ClientGet {
                id: saved.client.id.clone(),
            },
        )
        .unwrap();
    assert!(events.try_recv().is_err());
    // A listener that went away does not stop the others.
    drop(f.clinic.subscribe());
    let mut fields = saved.client.fields.clone();
    fields.notes = "prefers mornings".into();
    f.clinic
        .handle(
            &who,
            Request::ClientUpdate {
                id: saved.client.id.clone(),
                expected_version: saved.client.version,
                fields,
            },
        )
        .unwrap();
    assert!(matches!(
        events.try_recv().unwrap(),
        Event::ClientChanged { version: 2, .. }
    ));
}
