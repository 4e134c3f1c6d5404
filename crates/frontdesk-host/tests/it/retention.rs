//! The running host applies the clinic's retention periods by itself: nobody has to press a
//! button for old data to be forgotten, and the audit log says the job ran (counts only).

use std::time::{Duration, Instant};

use frontdesk_core::*;

fn ok(clinic: &Clinic, req: Request) -> Response {
    let op = Principal::Operator {
        workstation: "test".into(),
    };
    clinic.handle(&op, req).unwrap()
}

fn retention_runs(clinic: &Clinic) -> Vec<AuditRecord> {
    let Response::AuditRecords(records) = ok(
        clinic,
        Request::AuditList {
            filter: AuditFilter {
                action: Some("privacy.retention".into()),
                ..Default::default()
            },
            before_seq: None,
            limit: None,
        },
    ) else {
        panic!("not audit records")
    };
    records
}

#[test]
fn the_host_runs_the_retention_job_on_its_own_and_only_once_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let clinic = crate::support::clinic(dir.path());
    let Response::PrivacySettings(before) = ok(&clinic, Request::PrivacySettingsGet) else {
        panic!()
    };
    assert_eq!(before.last_retention_at, None);
    assert!(retention_runs(&clinic).is_empty());

    let host = frontdesk_host::Host::start(clinic.clone(), None, None).unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    while retention_runs(&clinic).is_empty() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    let runs = retention_runs(&clinic);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].actor_kind, "system");
    assert_eq!(runs[0].workstation, "scheduler");
    let detail = runs[0].detail.as_deref().unwrap_or_default();
    assert!(
        detail.starts_with("transcripts=0 messages=0 ips=0"),
        "{detail}"
    );
    let Response::PrivacySettings(after) = ok(&clinic, Request::PrivacySettingsGet) else {
        panic!()
    };
    assert!(after.last_retention_at.is_some());

    // A restart the same day does not run it again.
    drop(host);
    let _host = frontdesk_host::Host::start(clinic.clone(), None, None).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(retention_runs(&clinic).len(), 1);
}
