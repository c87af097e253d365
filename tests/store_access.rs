//! API tokens and sign-in sessions in both stores, written once and run
//! against SQLite and PostgreSQL, as tests/store_conformance.rs does for
//! the rest of the `Store` trait.

mod common;

use breachd::audit::NewAudit;
use breachd::auth::Role;
use breachd::store::*;
use chrono::{DateTime, Duration, Utc};
use common::postgres::PgTestDb;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;

async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("access.db").display());
    let store = connect(&url).await.expect("SQLite opens");
    store.migrate().await.expect("SQLite migrates");
    test(store).await;
}

async fn run_postgres<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    PgTestDb::run(name, |url| async move {
        let store = connect(&url).await.expect("PostgreSQL opens");
        store.migrate().await.expect("PostgreSQL migrates");
        test(store).await;
    })
    .await;
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run_postgres(concat!("access::", stringify!($name)), super::$name).await;
                }
            )*
        }
    };
}

both!(
    tokens_are_unique_by_name_and_revoked_with_their_sessions,
    sessions_end_idle_expired_or_deleted,
    a_sign_in_under_way_is_taken_once,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test instants are valid")
        .with_timezone(&Utc)
}

fn audit(action: &str, now: DateTime<Utc>) -> NewAudit {
    NewAudit::new(now, "test", action, None, None, json!({}))
}

fn token(name: &str, sha256: &str, now: DateTime<Utc>) -> TokenRecord {
    TokenRecord {
        name: name.into(),
        role: Role::Reporter,
        sha256: sha256.into(),
        created_at: now,
        created_by: "test".into(),
        revoked_at: None,
    }
}

fn session(id: &str, subject: &str, provider: &str, now: DateTime<Utc>) -> SessionRecord {
    SessionRecord {
        id: id.into(),
        secret_sha256: format!("secret-of-{id}"),
        subject: subject.into(),
        role: Role::Viewer,
        provider: provider.into(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + Duration::hours(12),
        user_agent: "Firefox".into(),
    }
}

async fn tokens_are_unique_by_name_and_revoked_with_their_sessions(store: Arc<dyn Store>) {
    let now = at("2026-04-20T16:00:00Z");
    let created = store
        .create_token(&token("secops", "aa", now), &audit("token_created", now))
        .await
        .unwrap();
    assert_eq!(created, TokenCreated::Created);
    let again = store
        .create_token(&token("secops", "bb", now), &audit("token_created", now))
        .await
        .unwrap();
    assert_eq!(again, TokenCreated::NameTaken);
    assert_eq!(
        store.active_token("aa").await.unwrap().unwrap().name,
        "secops"
    );
    assert!(store.active_token("bb").await.unwrap().is_none());

    let idle_since = now - Duration::hours(2);
    store
        .create_session(
            &session("s1", "secops", "token", now),
            idle_since,
            &audit("signed_in", now),
        )
        .await
        .unwrap();
    store
        .create_session(
            &session("s2", "secops", "district", now),
            idle_since,
            &audit("signed_in", now),
        )
        .await
        .unwrap();
    let later = now + Duration::minutes(5);
    assert!(store
        .revoke_token("secops", later, &audit("token_revoked", later))
        .await
        .unwrap());
    assert!(
        !store
            .revoke_token("secops", later, &audit("token_revoked", later))
            .await
            .unwrap(),
        "a revoked token is not revoked twice"
    );
    assert!(store.active_token("aa").await.unwrap().is_none());
    let listed = store.tokens().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].revoked_at, Some(later));
    let left: Vec<String> = store
        .sessions(later, later - Duration::hours(2))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, ["s2"], "only the token's own sign-ins end with it");
    let again = store
        .create_token(
            &token("secops", "cc", later),
            &audit("token_created", later),
        )
        .await
        .unwrap();
    assert_eq!(again, TokenCreated::NameTaken, "names are not reused");

    // Every change was audited, in order.
    let actions: Vec<String> = store
        .audit_entries(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["token_created", "signed_in", "signed_in", "token_revoked"]
    );
}

async fn sessions_end_idle_expired_or_deleted(store: Arc<dyn Store>) {
    let now = at("2026-04-20T16:00:00Z");
    let idle = Duration::hours(2);
    for (id, subject) in [
        ("a", "pat@district.org"),
        ("b", "pat@district.org"),
        ("c", "lee@district.org"),
    ] {
        store
            .create_session(
                &session(id, subject, "district", now),
                now - idle,
                &audit("signed_in", now),
            )
            .await
            .unwrap();
    }
    let found = store
        .current_session("secret-of-a", now, now - idle)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.subject, "pat@district.org");
    assert_eq!(found.user_agent, "Firefox");

    // "a" is used at 17:30; at 18:15 "b" and "c" have been idle too long.
    let used = now + Duration::minutes(90);
    store.touch_session("a", used).await.unwrap();
    store.touch_session("a", now).await.unwrap(); // never moves back
    let then = now + Duration::minutes(135);
    assert!(store
        .current_session("secret-of-a", then, then - idle)
        .await
        .unwrap()
        .is_some());
    assert!(store
        .current_session("secret-of-b", then, then - idle)
        .await
        .unwrap()
        .is_none());
    // At the absolute end even a used session is over.
    let end = now + Duration::hours(12);
    store
        .touch_session("a", end - Duration::minutes(1))
        .await
        .unwrap();
    assert!(store
        .current_session("secret-of-a", end, end - idle)
        .await
        .unwrap()
        .is_none());

    // A new session clears the ended ones; ending by handle and by person.
    store
        .create_session(
            &session("d", "pat@district.org", "district", then),
            then - idle,
            &audit("signed_in", then),
        )
        .await
        .unwrap();
    let current: Vec<String> = store
        .sessions(then, then - idle)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(
        current,
        ["a", "d"],
        "most recently used first; b and c are gone"
    );
    let ended = store
        .end_session("d", &audit("session_revoked", then))
        .await
        .unwrap();
    assert_eq!(ended.map(|s| s.id).as_deref(), Some("d"));
    assert!(store
        .end_session("d", &audit("session_revoked", then))
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .end_subject_sessions("pat@district.org", &audit("sessions_ended", then))
            .await
            .unwrap(),
        1
    );
    assert!(store.sessions(then, then - idle).await.unwrap().is_empty());
}

async fn a_sign_in_under_way_is_taken_once(store: Arc<dyn Store>) {
    let now = at("2026-04-20T16:00:00Z");
    let attempt = |state: &str, created_at| SignInAttempt {
        state_sha256: state.into(),
        provider: "district".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        browser_sha256: "b".into(),
        next: "/rules".into(),
        created_at,
    };
    store
        .begin_sign_in(
            &attempt("old", now - Duration::minutes(20)),
            now - Duration::hours(1),
        )
        .await
        .unwrap();
    store
        .begin_sign_in(&attempt("new", now), now - Duration::minutes(10))
        .await
        .unwrap();
    assert!(
        store.take_sign_in("old").await.unwrap().is_none(),
        "a stale one was cleared"
    );
    let taken = store.take_sign_in("new").await.unwrap().unwrap();
    assert_eq!(taken, attempt("new", now));
    assert!(
        store.take_sign_in("new").await.unwrap().is_none(),
        "used once"
    );
}
