//! Instance slots are reused between calls (the pooling allocator keeps
//! their memory warm), but a call never sees what an earlier call left in
//! memory: one call writes a secret pattern across 8 MiB of linear memory,
//! the next call in the same slot scans all of its memory and finds none.

mod common;

use common::{Hostile, TestEngine, title};

const ID: &str = "bex.hostile";

fn count(t: &TestEngine, command: &str) -> usize {
    title(&t.search(ID, command).unwrap()).parse().unwrap()
}

#[test]
fn a_reused_slot_holds_nothing_of_the_previous_call() {
    // One slot, so every call reuses it.
    let t = TestEngine::new(|c| c.max_instances(1));
    Hostile::default().install(&t.engine);
    let secret = "bex-secret-7f3a9c";
    // The scan does find the pattern where it is.
    assert!(count(&t, &format!("mem-both:{secret}")) > 1000);
    for round in 0..3 {
        let written = count(&t, &format!("mem-write:{secret}"));
        assert!(written >= 8 << 19, "wrote {written} bytes");
        assert_eq!(
            count(&t, &format!("mem-scan:{secret}")),
            0,
            "round {round}: the previous call's memory leaked into this one"
        );
    }
}

#[test]
fn a_slot_freed_on_one_thread_is_free_for_the_next_call_on_any() {
    // Execution permits admit as many calls as there are slots, so a call
    // holding one must always find a slot: freed slots may not wait in a
    // per-thread queue (wasmtime's decommit batching) while another
    // thread's call finds the pool full.
    let t = TestEngine::new(|c| c.max_instances(2));
    Hostile::default().install(&t.engine);
    std::thread::scope(|s| {
        let calls: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    (0..150)
                        .filter_map(|_| t.search(ID, "ok:").err())
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for c in calls {
            let errors = c.join().unwrap();
            assert!(
                errors.is_empty(),
                "{} calls failed, e.g. {}",
                errors.len(),
                errors[0]
            );
        }
    });
}
