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
