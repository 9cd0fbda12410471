//! Hostile scripts: each stops with its typed error within its limit, and
//! the sandbox works for the next script.

use std::time::{Duration, Instant};

use bex_engine::CancelToken;
use bex_engine::js::{JsConfig, JsError, JsOptions, Sandbox};

fn limited(ms: u64) -> JsOptions {
    JsOptions {
        timeout_ms: Some(ms),
        ..JsOptions::default()
    }
}

/// Runs `src` with a 1 s limit; checks the error kind, the time it
/// took, and that the next evaluation and call work.
fn hostile(s: &mut Sandbox, src: &str, kind: &str) -> JsError {
    let started = Instant::now();
    let e = s.eval_with(src, None, &limited(1000)).unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind(), kind, "{src}: {e:?}");
    assert!(took < Duration::from_secs(10), "{src} took {took:?}");
    assert_eq!(s.eval("1 + 1", None).unwrap(), "2", "after {src}");
    assert_eq!(s.call("id", "(x) => x", "[7]").unwrap(), "7", "after {src}");
    e
}

#[test]
fn runaway_scripts_stop_with_typed_errors() {
    let mut s = Sandbox::new(JsConfig::default());
    let e = hostile(&mut s, "while (1) {}", "timeout");
    assert!(e.detail().contains("1000 ms"), "{e:?}");
    hostile(
        &mut s,
        "try { while (1) {} } catch (e) { 'caught' }",
        "timeout",
    );
    hostile(
        &mut s,
        "function f() { Promise.resolve().then(f) } f(); new Promise(() => {})",
        "timeout",
    );
    hostile(&mut s, "(async () => { for (;;) await null })()", "timeout");
    hostile(
        &mut s,
        "setInterval(() => {}, 0); new Promise(() => {})",
        "timeout",
    );
    hostile(&mut s, "'x'.repeat(2 ** 28).length", "out-of-memory");
    hostile(
        &mut s,
        "const a = []; for (;;) a.push(new Array(1000).fill(1))",
        "out-of-memory",
    );
    let e = hostile(
        &mut s,
        "function r() { return r() + 1 } r()",
        "out-of-memory",
    );
    assert!(e.detail().contains("stack"), "{e:?}");
    hostile(
        &mut s,
        "let p = {}; for (let i = 0; i < 100000; i++) p = new Proxy(p, {}); p.x",
        "out-of-memory",
    );
    hostile(
        &mut s,
        "let p = {}; for (let i = 0; i < 10000000; i++) p = new Proxy(p, {}); p.x",
        "out-of-memory",
    );
    // Built-in array methods that walk a huge `length` without polling the
    // interrupt handler are refused up front.
    for src in [
        "Array.prototype.join.call({length: 2 ** 53 - 1}, '')",
        "[].reverse.call({length: 2 ** 53 - 1})",
        "Array.prototype.indexOf.call({length: 2 ** 53 - 1}, 1)",
        "new Array(2 ** 32 - 1).join('')",
        "Array.prototype.copyWithin.call({length: 2 ** 53 - 1}, 0, 1)",
    ] {
        let e = hostile(&mut s, src, "exception");
        assert!(e.detail().starts_with("RangeError"), "{src}: {e:?}");
    }
    // Ordinary arrays are unaffected.
    assert_eq!(
        s.eval(
            "[3, 1, 2].sort().join('-') + [...'ab'].reverse().join('')",
            None
        )
        .unwrap(),
        r#""1-2-3ba""#
    );
    // One PBKDF2 iteration over a huge salt for a long key is stopped too.
    hostile(
        &mut s,
        "crypto.subtle.importKey('raw', new Uint8Array(8), 'PBKDF2', false, ['deriveBits']).then((k) => crypto.subtle.deriveBits({name: 'PBKDF2', hash: 'SHA-1', salt: new Uint8Array(8 << 20), iterations: 1}, k, 8 << 20))",
        "timeout",
    );
    // Jobs a failed script leaves queued never run in the next evaluation.
    hostile(
        &mut s,
        "Promise.resolve().then(() => { for (;;) {} }); throw new Error('left a job')",
        "exception",
    );
    // A function that loops is stopped the same way.
    let e = s
        .call_with("spin", "() => { for (;;) {} }", "[]", &limited(200))
        .unwrap_err();
    assert_eq!(e.kind(), "timeout");
    assert_eq!(s.call("spin", "() => 'fixed'", "[]").unwrap(), r#""fixed""#);
}

#[test]
fn memory_the_rust_side_keeps_counts_against_the_limit() {
    // A small heap, and a generous time limit: the heap must end these.
    let mut s = Sandbox::new(JsConfig::default().memory_bytes(2 << 20));
    for src in [
        "const t = 'a'.repeat(1 << 18), e = new TextEncoder(), k = []; for (;;) k.push(e.encode(t))",
        "const u = 'https://a.example/?' + 'x'.repeat(1 << 18), k = []; for (;;) k.push(new URL(u))",
        "(async () => { const k = []; for (;;) k.push(await crypto.subtle.importKey('raw', new Uint8Array(1 << 18), {name: 'HMAC', hash: 'SHA-256'}, false, ['sign'])) })()",
    ] {
        let e = s.eval_with(src, None, &limited(30_000)).unwrap_err();
        assert_eq!(e.kind(), "out-of-memory", "{src}: {e:?}");
        assert_eq!(s.eval("1 + 1", None).unwrap(), "2", "after {src}");
    }
}

#[test]
fn limits_are_clamped_to_the_configured_ceilings() {
    let config = JsConfig::default()
        .max_timeout(Duration::from_millis(200))
        .memory_bytes(8 << 20);
    let mut s = Sandbox::new(config);
    let started = Instant::now();
    let options = JsOptions {
        timeout_ms: Some(60_000),
        memory_limit_bytes: Some(1 << 30),
        ..JsOptions::default()
    };
    let e = s.eval_with("while (1) {}", None, &options).unwrap_err();
    assert_eq!(e.kind(), "timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
    // 16 MiB does not fit the 8 MiB ceiling even when asked for 1 GiB.
    let e = s
        .eval_with("'x'.repeat(16 << 20).length", None, &options)
        .unwrap_err();
    assert_eq!(e.kind(), "out-of-memory");
    // A lower limit than the ceiling applies to that evaluation only.
    let small = JsOptions {
        memory_limit_bytes: Some(2 << 20),
        ..JsOptions::default()
    };
    let e = s
        .eval_with("'x'.repeat(4 << 20).length", None, &small)
        .unwrap_err();
    assert_eq!(e.kind(), "out-of-memory");
    // 0 is not "no limit" (as it would be to QuickJS): it is the 1 MiB floor.
    let zero = JsOptions {
        memory_limit_bytes: Some(0),
        ..JsOptions::default()
    };
    let e = s
        .eval_with("'x'.repeat(4 << 20).length", None, &zero)
        .unwrap_err();
    assert_eq!(e.kind(), "out-of-memory");
    assert_eq!(
        s.eval("'x'.repeat(4 << 20).length", None).unwrap(),
        "4194304"
    );
}

#[test]
fn a_cancel_stops_a_running_script() {
    let token = CancelToken::new();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let cancel = token.clone();
    // Cancels once the script is about to start (a cancel before the start
    // would be seen at the first check too; either way it must stop).
    let watcher = std::thread::spawn(move || {
        started_rx.recv().unwrap();
        cancel.cancel();
    });
    let mut s = Sandbox::new(JsConfig::default());
    let options = JsOptions {
        timeout_ms: Some(10_000),
        cancel: Some(token),
        ..JsOptions::default()
    };
    started_tx.send(()).unwrap();
    let started = Instant::now();
    let e = s.eval_with("while (1) {}", None, &options).unwrap_err();
    watcher.join().unwrap();
    assert_eq!(e.kind(), "cancelled", "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(s.eval("'alive'", None).unwrap(), r#""alive""#);
}

#[test]
fn turned_off_means_unsupported() {
    let mut s = Sandbox::new(JsConfig::default().enabled(false));
    assert_eq!(s.eval("1", None).unwrap_err().kind(), "unsupported");
}

#[test]
fn runtimes_dropped_at_every_memory_limit_free_cleanly() {
    // QuickJS asserts at runtime teardown that nothing leaked: a leak on an
    // out-of-memory path would abort the process here. Each limit runs
    // out somewhere else in the script, and the poisoned runtime is
    // dropped and replaced before the next evaluation.
    let mut s = Sandbox::new(JsConfig::default());
    let src = "const m = new Map(), a = []; let p = Promise.resolve(); for (let i = 0; ; i++) { a.push({i, s: 'v' + i, f: () => i}); m.set(i, [i]); p = p.then(() => i); if (i % 100 === 0) a.push(new Uint8Array(4096), new URL('https://a.example/' + i), structuredClone({i})) }";
    let mut oom = 0;
    for step in 0..24u64 {
        let options = JsOptions {
            memory_limit_bytes: Some((1 << 20) + step * (96 << 10)),
            timeout_ms: Some(20_000),
            ..JsOptions::default()
        };
        let e = s.eval_with(src, None, &options).unwrap_err();
        if e.kind() == "out-of-memory" {
            oom += 1;
        }
        assert_eq!(
            s.eval("'ok'", None).unwrap(),
            r#""ok""#,
            "after step {step}: {e:?}"
        );
    }
    assert_eq!(oom, 24, "every limit ends in out-of-memory");
}
