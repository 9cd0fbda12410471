use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};

use super::*;
use crate::error::ErrorCode;

fn sizes(workers: usize, capacity: usize) -> [LaneSize; 3] {
    [LaneSize { workers, capacity }; 3]
}

type Done = (u64, Result<String, ErrorCode>);

fn collector() -> (Sender<Done>, Receiver<Done>) {
    unbounded()
}

fn callback(tx: &Sender<Done>) -> Callback {
    let tx = tx.clone();
    Box::new(move |id, r| {
        let _ = tx.send((id, r.map_err(|e| e.code())));
    })
}

/// Work that waits until released (or cancelled), then returns "done".
fn gated(release: &Receiver<()>) -> Work {
    let release = release.clone();
    Box::new(move |token| {
        loop {
            if token.is_cancelled() {
                return Err(SchedulerError::Cancelled { id: 0 }.into());
            }
            if release.recv_timeout(Duration::from_millis(5)).is_ok() {
                return Ok("done".into());
            }
        }
    })
}

/// Submits gated work on the User lane and waits until a worker runs it.
fn occupy(s: &Scheduler, release: &Receiver<()>, tx: &Sender<Done>) -> u64 {
    let id = s.submit(Lane::User, gated(release), callback(tx)).unwrap();
    while s.stats()[Lane::User as usize].in_flight == 0 {
        std::thread::yield_now();
    }
    id
}

fn ok(text: &'static str) -> Work {
    Box::new(move |_| Ok(text.to_string()))
}

#[test]
fn every_request_gets_its_outcome_exactly_once() {
    let s = Scheduler::start(sizes(2, 64), WorkerHooks::default()).unwrap();
    let (tx, rx) = collector();
    let mut ids = Vec::new();
    for i in 0..60 {
        let lane = Lane::ALL[i % 3];
        ids.push(s.submit(lane, ok("x"), callback(&tx)).unwrap());
    }
    let mut seen: Vec<u64> = (0..60).map(|_| rx.recv().unwrap().0).collect();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids);
    assert!(ids.iter().all(|&id| id != 0));
    s.shutdown();
    assert!(rx.try_recv().is_err(), "no second callback");
}

#[test]
fn shutdown_cancels_queued_work_delivers_everything_and_joins_every_thread() {
    let s = Scheduler::start(sizes(1, 100), WorkerHooks::default()).unwrap();
    let (_release_tx, release) = bounded::<()>(0);
    let (tx, rx) = collector();
    let witness = Arc::new(());
    let mut accepted = 0;
    for _ in 0..30 {
        let w = witness.clone();
        let gate = gated(&release);
        let work: Work = Box::new(move |t| {
            let _w = w;
            gate(t)
        });
        s.submit(Lane::User, work, callback(&tx)).unwrap();
        accepted += 1;
    }
    s.shutdown();
    let outcomes: Vec<Done> = rx.try_iter().collect();
    assert_eq!(
        outcomes.len(),
        accepted,
        "every callback before shutdown returns"
    );
    assert!(
        outcomes
            .iter()
            .all(|(_, r)| *r == Err(ErrorCode::Cancelled))
    );
    assert_eq!(Arc::strong_count(&witness), 1, "all work dropped");
    assert_eq!(
        Arc::strong_count(&s.shared),
        1,
        "every worker and the notifier thread ended"
    );
    let refused = s.submit(Lane::User, ok("late"), callback(&tx));
    assert_eq!(refused.unwrap_err().code(), ErrorCode::NotReady);
}

#[test]
fn a_panicking_job_fails_alone_and_the_worker_lives_on() {
    let s = Scheduler::start(sizes(1, 8), WorkerHooks::default()).unwrap();
    let (tx, rx) = collector();
    let boom: Work = Box::new(|_| panic!("job exploded"));
    let a = s.submit(Lane::User, boom, callback(&tx)).unwrap();
    let b = s.submit(Lane::User, ok("fine"), callback(&tx)).unwrap();
    let first = rx.recv().unwrap();
    let second = rx.recv().unwrap();
    assert_eq!(first, (a, Err(ErrorCode::Internal)));
    assert_eq!(second, (b, Ok("fine".into())));
}

#[test]
fn a_full_lane_refuses_at_once_with_busy() {
    let s = Scheduler::start(sizes(1, 2), WorkerHooks::default()).unwrap();
    let (release_tx, release) = bounded::<()>(0);
    let (tx, rx) = collector();
    // One running, two queued: the lane is full.
    let running = occupy(&s, &release, &tx);
    s.submit(Lane::User, ok("q1"), callback(&tx)).unwrap();
    s.submit(Lane::User, ok("q2"), callback(&tx)).unwrap();
    let started = Instant::now();
    let err = s.submit(Lane::User, ok("q3"), callback(&tx)).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "never blocks"
    );
    assert_eq!(err.code(), ErrorCode::Busy);
    assert_eq!(s.stats()[Lane::User as usize].rejected, 1);
    // Other lanes are unaffected.
    let other = s.submit(Lane::Background, ok("bg"), callback(&tx)).unwrap();
    assert_eq!(rx.recv().unwrap(), (other, Ok("bg".into())));
    release_tx.send(()).unwrap();
    assert_eq!(rx.recv().unwrap(), (running, Ok("done".into())));
}

#[test]
fn cancel_reports_queued_running_and_unknown() {
    let s = Scheduler::start(sizes(1, 8), WorkerHooks::default()).unwrap();
    let (_release_tx, release) = bounded::<()>(0);
    let (tx, rx) = collector();
    let running = occupy(&s, &release, &tx);
    let entered = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let e = entered.clone();
    let queued_work: Work = Box::new(move |_| {
        e.store(true, Ordering::SeqCst);
        Ok("should not run".into())
    });
    let queued = s.submit(Lane::User, queued_work, callback(&tx)).unwrap();
    assert_eq!(s.cancel(queued), CancelOutcome::Queued);
    // Delivered while the only worker is still busy.
    assert_eq!(rx.recv().unwrap(), (queued, Err(ErrorCode::Cancelled)));
    assert_eq!(
        s.cancel(queued),
        CancelOutcome::NotFound,
        "twice is harmless"
    );
    assert_eq!(s.cancel(running), CancelOutcome::Running);
    assert_eq!(rx.recv().unwrap(), (running, Err(ErrorCode::Cancelled)));
    assert_eq!(s.cancel(987_654), CancelOutcome::NotFound);
    s.shutdown();
    assert!(
        !entered.load(Ordering::SeqCst),
        "a cancelled queued job never runs"
    );
    assert!(rx.try_recv().is_err());
}

#[test]
fn a_background_flood_does_not_delay_a_user_request() {
    let s = Scheduler::start(sizes(2, 64), WorkerHooks::default()).unwrap();
    let (_release_tx, release) = bounded::<()>(0);
    let (tx, rx) = collector();
    for _ in 0..40 {
        s.submit(Lane::Background, gated(&release), callback(&tx))
            .unwrap();
    }
    let user = s.submit(Lane::User, ok("user"), callback(&tx)).unwrap();
    // The flood never finishes on its own: only the user request can
    // arrive.
    let got = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(got, (user, Ok("user".into())));
    s.shutdown();
    assert_eq!(rx.try_iter().count(), 40);
}

#[test]
fn callbacks_may_submit_and_cancel_on_the_same_scheduler() {
    let s = Arc::new(Scheduler::start(sizes(1, 8), WorkerHooks::default()).unwrap());
    let (tx, rx) = collector();
    let inner = s.clone();
    let tx2 = tx.clone();
    let chained: Callback = Box::new(move |_, _| {
        assert!(inner.on_own_thread());
        let next = inner
            .submit(Lane::User, ok("second"), callback(&tx2))
            .unwrap();
        inner.cancel(next + 1000);
    });
    s.submit(Lane::User, ok("first"), chained).unwrap();
    assert_eq!(rx.recv().unwrap().1, Ok("second".into()));
    assert!(!s.on_own_thread());
}

#[test]
fn cancelled_queued_requests_free_their_place_in_the_lane_at_once() {
    let s = Scheduler::start(sizes(1, 2), WorkerHooks::default()).unwrap();
    let (_release_tx, release) = bounded::<()>(0);
    let (tx, rx) = collector();
    occupy(&s, &release, &tx);
    // The worker stays busy: the queue can only drain through cancels.
    for round in 0..5 {
        let a = s.submit(Lane::User, ok("a"), callback(&tx)).unwrap();
        let b = s.submit(Lane::User, ok("b"), callback(&tx)).unwrap();
        let full = s.submit(Lane::User, ok("c"), callback(&tx));
        assert_eq!(full.unwrap_err().code(), ErrorCode::Busy, "round {round}");
        assert_eq!(s.cancel(a), CancelOutcome::Queued);
        assert_eq!(s.cancel(b), CancelOutcome::Queued);
        assert_eq!(rx.recv().unwrap().1, Err(ErrorCode::Cancelled));
        assert_eq!(rx.recv().unwrap().1, Err(ErrorCode::Cancelled));
    }
    assert_eq!(s.stats()[Lane::User as usize].rejected, 5);
}

static PANICKED_AFTER_JOB: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// An `after_job` hook that panics the first two times it runs.
fn panicking_after_job() {
    if PANICKED_AFTER_JOB.fetch_add(1, Ordering::SeqCst) < 2 {
        panic!("after_job hook panicked");
    }
}

#[test]
fn a_panicking_worker_hook_costs_no_worker_and_no_callback() {
    let hooks = WorkerHooks {
        after_job: panicking_after_job,
        ..WorkerHooks::default()
    };
    // One worker per lane: if the hook killed it, the lane would stop.
    let s = Scheduler::start(sizes(1, 64), hooks).unwrap();
    let (tx, rx) = collector();
    for _ in 0..10 {
        s.submit(Lane::User, ok("x"), callback(&tx)).unwrap();
    }
    for n in 0..10 {
        let (_, r) = rx
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("callback {n} never came"));
        assert_eq!(r, Ok("x".to_string()));
    }
    assert!(PANICKED_AFTER_JOB.load(Ordering::SeqCst) >= 2);
}

#[test]
fn a_job_dropped_undelivered_still_calls_back_once() {
    let (tx, rx) = collector();
    let job = Job::new(7, Lane::User, ok("never"), callback(&tx));
    drop(job);
    let (id, r) = rx
        .recv_timeout(Duration::from_secs(1))
        .expect("delivered on drop");
    assert_eq!(id, 7);
    assert_eq!(r, Err(ErrorCode::Internal));
    assert!(rx.try_recv().is_err(), "exactly once");
    // A delivered job does not deliver again when dropped.
    let job = Job::new(8, Lane::User, ok("x"), callback(&tx));
    assert!(job.deliver(Ok("x".into())));
    drop(job);
    assert_eq!(rx.try_recv().unwrap().0, 8);
    assert!(rx.try_recv().is_err(), "exactly once");
}
