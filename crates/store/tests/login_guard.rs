//! The login limiter's records on both backends: counters that restart after a quiet spell,
//! are shared by a second connection pool (another server process), and usual origins.

mod common;

use common::TestStore;
use tonus_store::*;

fn keys(list: &[&str]) -> Vec<String> {
    list.iter().map(|k| (*k).to_owned()).collect()
}

async fn counters_are_shared_and_restart(t: TestStore) {
    let store = t.store.clone();
    let second = t.reopen().await;
    let t0 = Timestamp(1_000_000);
    let both = keys(&["account:a", "address:x"]);
    for i in 0..3 {
        let after = store.record_login_failure(&both, t0.plus_seconds(i), t0.plus_seconds(i - 3600)).await.unwrap();
        assert!(after.iter().all(|c| c.failures == i + 1), "{after:?}");
    }
    // The second pool sees and adds to the same counters.
    let seen = second.login_failures(&both, t0).await.unwrap();
    assert_eq!(seen.iter().map(|c| (c.key.as_str(), c.failures)).collect::<Vec<_>>(), [("account:a", 3), ("address:x", 3)]);
    let after = second.record_login_failure(&keys(&["account:a"]), t0.plus_seconds(10), t0.plus_seconds(10 - 3600)).await.unwrap();
    assert_eq!((after[0].failures, after[0].first_failed_at, after[0].last_failed_at), (4, t0, t0.plus_seconds(10)));
    // A counter older than `since` is not reported; an hour later the run starts again at one.
    assert!(store.login_failures(&both, t0.plus_seconds(11)).await.unwrap().is_empty());
    let later = t0.plus_seconds(10 + 3601);
    let after = store.record_login_failure(&keys(&["account:a"]), later, later.plus_seconds(-3600)).await.unwrap();
    assert_eq!((after[0].failures, after[0].first_failed_at), (1, later));
    // Clearing one key leaves the other.
    store.clear_login_failures("account:a").await.unwrap();
    let left = store.login_failures(&both, t0).await.unwrap();
    assert_eq!(left.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(), ["address:x"]);
    // Keys are bounded: typed text never reaches the table.
    let long = "x".repeat(MAX_LOGIN_KEY_LEN + 1);
    assert!(matches!(store.record_login_failure(&[long], t0, t0).await, Err(StoreError::Invalid(_))));
    // Pruning removes stale counters.
    assert_eq!(store.prune_login_records(t0.plus_seconds(2), Timestamp(0)).await.unwrap(), 0);
    assert_eq!(store.prune_login_records(t0.plus_seconds(3), Timestamp(0)).await.unwrap(), 1);
    assert!(store.login_failures(&both, Timestamp(0)).await.unwrap().is_empty());
}

async fn usual_origins_are_remembered_per_account(t: TestStore) {
    let store = t.store.clone();
    let user = store
        .create_user(NewUser {
            login: "ann".into(),
            display_name: "Ann".into(),
            role: Role::Practitioner,
            password_hash: "h".into(),
            must_change_password: false,
        })
        .await
        .unwrap();
    let other = UserId::new();
    let t0 = Timestamp(5_000_000);
    let origins = keys(&["address:x", "device:d"]);
    assert!(!store.is_login_origin(user.id, &origins, Timestamp(0)).await.unwrap());
    store.remember_login_origin(user.id, "device:d", t0).await.unwrap();
    assert!(store.is_login_origin(user.id, &origins, t0).await.unwrap());
    assert!(!store.is_login_origin(user.id, &origins, t0.plus_seconds(1)).await.unwrap(), "too old");
    assert!(!store.is_login_origin(other, &origins, Timestamp(0)).await.unwrap(), "another account's origin");
    // Remembering again moves the time on; pruning drops what is older.
    store.remember_login_origin(user.id, "device:d", t0.plus_seconds(100)).await.unwrap();
    assert_eq!(store.prune_login_records(Timestamp(0), t0.plus_seconds(50)).await.unwrap(), 0);
    assert_eq!(store.prune_login_records(Timestamp(0), t0.plus_seconds(101)).await.unwrap(), 1);
    assert!(!store.is_login_origin(user.id, &origins, Timestamp(0)).await.unwrap());
}

async fn audit_lines_are_bounded_and_pruned_oldest_first(t: TestStore) {
    let store = t.store.clone();
    let line = |record_id: &str, detail: &str| NewAuditEntry {
        actor: None,
        action: "login_failed".into(),
        record_kind: "user".into(),
        record_id: record_id.into(),
        detail: detail.into(),
    };
    assert!(matches!(store.record_audit(line(&"x".repeat(MAX_AUDIT_RECORD_ID + 1), "")).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.record_audit(line("id", &"x".repeat(MAX_AUDIT_DETAIL + 1))).await, Err(StoreError::Invalid(_))));
    store.record_audit_batch((0..7).map(|i| line(&format!("r{i}"), "")).collect()).await.unwrap();
    let future = Timestamp::now().plus_seconds(60);
    let first = store.audit_before(future, None, 4).await.unwrap();
    let rest = store.audit_before(future, first.last().map(|l| l.id), 4).await.unwrap();
    assert_eq!((first.len(), rest.len()), (4, 3));
    assert!(store.audit_before(Timestamp(0), None, 10).await.unwrap().is_empty());
    assert_eq!(store.delete_audit_before(future).await.unwrap(), 7);
    assert!(store.recent_audit(10).await.unwrap().is_empty());
}

on_both_backends!(
    counters_are_shared_and_restart,
    usual_origins_are_remembered_per_account,
    audit_lines_are_bounded_and_pruned_oldest_first
);
