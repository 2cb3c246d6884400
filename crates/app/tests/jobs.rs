//! The job runner with leases, on SQLite and PostgreSQL: two application instances (two
//! nodes, each with its own connection pool) on one database run a periodic job once per
//! period, and a node that stops mid-job loses the job to the other when its lease runs out.

use fengqiao_app::jobs::{Job, Outcome, Runner};
use fengqiao_app::{App, Settings};
use fengqiao_store::testing::TestDb;
use fengqiao_store::{Crypto, Store, StoreOptions, contract_tests};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const MINUTE: i64 = 60_000;

async fn second_node(db: &TestDb) -> App {
    let store = Store::connect(&db.url, Crypto::new(&db.key), &StoreOptions::default()).await.expect("second node");
    App::new(store, Settings::default())
}

fn counting(runs: &Arc<AtomicUsize>) -> Job {
    let runs = runs.clone();
    Job::new("count", Duration::from_secs(60), Duration::from_secs(120), move |_app| {
        let runs = runs.clone();
        async move {
            let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(format!("run {n}"))
        }
    })
}

fn ran(outcomes: &[(&str, Outcome)]) -> usize {
    outcomes.iter().filter(|(_, o)| matches!(o, Outcome::Ran(_))).count()
}

async fn once_per_period_across_nodes(db: &TestDb) {
    let runs = Arc::new(AtomicUsize::new(0));
    let a = Runner::new(App::new(db.store.clone(), Settings::default()), "node-a", vec![counting(&runs)]);
    let b = Runner::new(second_node(db).await, "node-b", vec![counting(&runs)]);
    let t0 = 29_000_000 * MINUTE; // the start of a period

    // Both nodes tick at once in the same period: exactly one runs the job.
    let (ra, rb) = tokio::join!(a.tick(t0 + 1_000), b.tick(t0 + 2_000));
    assert_eq!(ran(&ra) + ran(&rb), 1, "{ra:?} {rb:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // Later ticks in the same period, on either node, do nothing.
    for t in [t0 + 10_000, t0 + 30_000, t0 + 59_999] {
        assert_eq!(ran(&a.tick(t).await) + ran(&b.tick(t).await), 0);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // The next period runs once more, whichever node comes first.
    let (ra, rb) = tokio::join!(b.tick(t0 + MINUTE), a.tick(t0 + MINUTE + 5));
    assert_eq!(ran(&ra) + ran(&rb), 1);
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    let leases = db.store.job_leases().await.unwrap();
    assert_eq!(leases.len(), 1);
    assert_eq!(leases[0].runs, 2);
    assert_eq!(leases[0].done_period, (t0 + MINUTE) / MINUTE);
    assert_eq!(leases[0].expires_at, 0, "released after the run");
}

async fn a_stopped_node_loses_its_lease(db: &TestDb) {
    let runs = Arc::new(AtomicUsize::new(0));
    let t0 = 29_000_010 * MINUTE;
    // Node A takes the job and hangs in it; then the node stops (its task is dropped).
    let started = Arc::new(tokio::sync::Notify::new());
    let hang = {
        let started = started.clone();
        Job::new("count", Duration::from_secs(60), Duration::from_secs(120), move |_app| {
            let started = started.clone();
            async move {
                started.notify_one();
                std::future::pending::<()>().await;
                Ok(String::new())
            }
        })
    };
    let a = Runner::new(App::new(db.store.clone(), Settings::default()), "node-a", vec![hang]);
    let node_a = tokio::spawn(async move { a.tick(t0).await });
    started.notified().await;
    node_a.abort();
    let _ = node_a.await;
    let lease = db.store.job_leases().await.unwrap().remove(0);
    assert_eq!(lease.holder, "node-a");
    assert_eq!(lease.expires_at, t0 + 2 * MINUTE);

    // Node B cannot take it while A's lease lasts, even in later periods...
    let b = Runner::new(second_node(db).await, "node-b", vec![counting(&runs)]);
    assert_eq!(b.tick(t0 + 30_000).await[0].1, Outcome::Skipped);
    assert_eq!(b.tick(t0 + 2 * MINUTE - 1).await[0].1, Outcome::Skipped);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    // ...and runs it once the lease has run out.
    assert_eq!(b.tick(t0 + 2 * MINUTE).await[0].1, Outcome::Ran("run 1".into()));
    assert_eq!(b.tick(t0 + 2 * MINUTE + 1).await[0].1, Outcome::Skipped);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

async fn a_failed_run_is_retried(db: &TestDb) {
    let tries = Arc::new(AtomicUsize::new(0));
    let flaky = {
        let tries = tries.clone();
        Job::new("flaky", Duration::from_secs(60), Duration::from_secs(120), move |_app| {
            let tries = tries.clone();
            async move {
                if tries.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(fengqiao_app::Error::Internal(anyhow::anyhow!("the first try fails")))
                } else {
                    Ok("done".into())
                }
            }
        })
    };
    let r = Runner::new(App::new(db.store.clone(), Settings::default()), "node-a", vec![flaky]);
    let t0 = 29_000_020 * MINUTE;
    assert!(matches!(r.tick(t0).await[0].1, Outcome::Failed(_)));
    let lease = db.store.job_leases().await.unwrap().remove(0);
    assert_eq!(lease.last_error.as_deref(), Some("internal error: the first try fails"));
    assert_eq!(r.tick(t0 + 1_000).await[0].1, Outcome::Ran("done".into()));
    assert_eq!(r.tick(t0 + 2_000).await[0].1, Outcome::Skipped);
    assert_eq!(db.store.job_leases().await.unwrap()[0].last_error, None);
}

contract_tests!(once_per_period_across_nodes, a_stopped_node_loses_its_lease, a_failed_run_is_retried);
