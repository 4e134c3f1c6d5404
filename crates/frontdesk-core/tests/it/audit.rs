//! The audit log: every door request leaves a record, and tampering is found at its record.

use frontdesk_core::*;

use crate::support::*;

#[test]
fn reads_writes_and_refusals_are_all_recorded_with_who_what_where() {
    let f = new_clinic();
    let (clin, who) = f.staff_session("nurse", Role::Clinician);
    let c = f.add_client(&operator(), client("Audited Person")).client;
    f.clinic
        .handle(&who, Request::ClientGet { id: c.id.clone() })
        .unwrap();
    let _ = f.clinic.handle(
        &who,
        Request::ClientCreate {
            id: None,
            fields: client("Not Allowed"),
        },
    );
    let records = f.audit();
    let read = records.iter().find(|r| r.action == "client.get").unwrap();
    assert_eq!(read.actor_id.as_deref(), Some(clin.id.as_str()));
    assert_eq!(read.target_kind.as_deref(), Some("client"));
    assert_eq!(read.target_id.as_deref(), Some(c.id.as_str()));
    assert_eq!(read.workstation, "desk-2");
    assert_eq!(read.outcome, "ok");
    let denied = records
        .iter()
        .find(|r| r.action == "client.create" && r.outcome == "denied");
    assert!(denied.is_some());
    let create = records
        .iter()
        .find(|r| r.action == "client.create" && r.outcome == "ok")
        .unwrap();
    assert_eq!(create.actor_kind, "operator");
    assert_eq!(create.target_id.as_deref(), Some(c.id.as_str()));
    // No personal data in the log.
    for r in &records {
        let line = format!("{r:?}");
        assert!(
            !line.contains("Audited Person") && !line.contains("Not Allowed"),
            "{line}"
        );
    }
}

#[test]
fn the_log_refuses_updates_and_deletes() {
    let f = new_clinic();
    let raw = f.raw_connection();
    let e = raw
        .execute("UPDATE audit SET action = 'x' WHERE seq = 1", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = raw.execute("DELETE FROM audit", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

fn verify(f: &Fixture) -> VerifyReport {
    match f.clinic.handle(&operator(), Request::AuditVerify).unwrap() {
        Response::AuditReport(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn tampering_with_one_record_is_found_at_exactly_that_record() {
    let f = new_clinic();
    for i in 0..10 {
        f.add_client(&operator(), client(&format!("Chain {i}")));
    }
    let clean = verify(&f);
    assert_eq!(clean.first_broken, None);
    assert!(clean.records >= 11);

    let raw = f.raw_connection();
    raw.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .unwrap();
    // Change who did record 6.
    raw.execute(
        "UPDATE audit SET workstation = 'elsewhere' WHERE seq = 6",
        [],
    )
    .unwrap();
    let r = verify(&f);
    assert_eq!(r.first_broken.as_ref().map(|b| b.seq), Some(6), "{r:?}");
    assert_eq!(r.records, 5);

    // Put it back: the chain holds again.
    let ws: String = raw
        .query_row("SELECT workstation FROM audit WHERE seq = 5", [], |r| {
            r.get(0)
        })
        .unwrap();
    raw.execute("UPDATE audit SET workstation = ?1 WHERE seq = 6", [ws])
        .unwrap();
    assert_eq!(verify(&f).first_broken, None);

    // A forged record with a recomputed-looking hash breaks the next link instead.
    raw.execute("UPDATE audit SET hash = zeroblob(32) WHERE seq = 8", [])
        .unwrap();
    assert_eq!(verify(&f).first_broken.map(|b| b.seq), Some(8));
    let h: Vec<u8> = raw
        .query_row("SELECT prev_hash FROM audit WHERE seq = 9", [], |r| {
            r.get(0)
        })
        .unwrap();
    raw.execute("UPDATE audit SET hash = ?1 WHERE seq = 8", [h])
        .unwrap();
    assert_eq!(verify(&f).first_broken, None);

    // A deleted record is found where the gap is.
    raw.execute("DELETE FROM audit WHERE seq = 4", []).unwrap();
    let r = verify(&f);
    assert_eq!(r.first_broken.as_ref().map(|b| b.seq), Some(5), "{r:?}");
    assert!(r.first_broken.unwrap().reason.contains("missing"));
}
