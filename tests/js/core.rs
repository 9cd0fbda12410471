//! Evaluation, results, errors and registered functions.

use bex_engine::js::{ConsoleLevel, JsConfig, JsError, Sandbox};

fn sandbox() -> Sandbox {
    Sandbox::new(JsConfig::default())
}

fn eval(src: &str) -> String {
    sandbox()
        .eval(src, None)
        .unwrap_or_else(|e| panic!("{src}: {e:?}"))
}

#[test]
fn results_follow_the_documented_encoding() {
    assert_eq!(
        eval("({a: [1, 'x', null], b: true})"),
        r#"{"a":[1,"x",null],"b":true}"#
    );
    // Values JSON cannot hold at the top are null.
    for src in ["undefined", "(function () {})", "Symbol('s')", "void 0"] {
        assert_eq!(eval(src), "null", "{src}");
    }
    // Inside objects and arrays, JSON.stringify's rules.
    assert_eq!(
        eval("({u: undefined, f() {}, n: NaN, i: -Infinity})"),
        r#"{"n":null,"i":null}"#
    );
    assert_eq!(eval("[undefined, () => 1, NaN]"), "[null,null,null]");
    // BigInt as a decimal string, anywhere.
    assert_eq!(eval("2n ** 70n"), r#""1180591620717411303424""#);
    assert_eq!(eval("({big: 10n})"), r#"{"big":"10"}"#);
    // toJSON is honoured; a Date is its ISO string.
    assert_eq!(eval("new Date(0)"), r#""1970-01-01T00:00:00.000Z""#);
    // Strings are escaped JSON, lone surrogates included.
    assert_eq!(eval(r#"'a"b\n\ud800'"#), r#""a\"b\n\ud800""#);
}

#[test]
fn a_promise_result_is_awaited() {
    assert_eq!(eval("Promise.resolve(41).then((x) => x + 1)"), "42");
    assert_eq!(
        eval("(async () => { await null; return [1, 2]; })()"),
        "[1,2]"
    );
    assert_eq!(
        eval("new Promise((resolve) => setTimeout(() => resolve('late'), 5000))"),
        r#""late""#
    );
    let e = sandbox()
        .eval("Promise.reject(new TypeError('no'))", None)
        .unwrap_err();
    assert!(
        matches!(&e, JsError::Exception { message, .. } if message == "TypeError: no"),
        "{e:?}"
    );
    let e = sandbox().eval("new Promise(() => {})", None).unwrap_err();
    assert!(
        matches!(&e, JsError::Exception { message, .. } if message.contains("never settles")),
        "{e:?}"
    );
}

#[test]
fn input_is_parsed_as_json_never_spliced() {
    let mut s = sandbox();
    assert_eq!(s.eval("input.a + 1", Some(r#"{"a": 41}"#)).unwrap(), "42");
    // Code in the input stays a string.
    let hostile = r#""); globalThis.pwned = true; (""#;
    let input = serde_json::to_string(hostile).unwrap();
    assert_eq!(s.eval("typeof input", Some(&input)).unwrap(), r#""string""#);
    assert_eq!(s.eval("input", Some(&input)).unwrap(), input);
    assert_eq!(
        s.eval("typeof globalThis.pwned", Some(&input)).unwrap(),
        r#""undefined""#
    );
    // Not JSON at all.
    for bad in ["{a: 1}", "1; globalThis.x = 1", "", "[1,"] {
        let e = s.eval("input", Some(bad)).unwrap_err();
        assert!(matches!(e, JsError::InvalidInput(_)), "{bad}: {e:?}");
    }
    // No input: `input` is undefined.
    assert_eq!(s.eval("typeof input", None).unwrap(), r#""undefined""#);
}

#[test]
fn each_eval_starts_from_fresh_globals() {
    let mut s = sandbox();
    s.eval("globalThis.leftover = 1; Array.prototype.evil = 1", None)
        .unwrap();
    assert_eq!(
        s.eval("typeof leftover + ' ' + typeof [].evil", None)
            .unwrap(),
        r#""undefined undefined""#
    );
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let e = sandbox()
        .eval("let a = 1;\nlet b = (;\n", None)
        .unwrap_err();
    match e {
        JsError::Syntax { line, column, .. } => {
            assert_eq!(line, 2);
            assert!(column >= 9, "column {column}");
        }
        other => panic!("{other:?}"),
    }
    // A SyntaxError thrown while running is an exception.
    let e = sandbox().eval("JSON.parse('{')", None).unwrap_err();
    assert!(
        matches!(&e, JsError::Exception { message, .. } if message.starts_with("SyntaxError")),
        "{e:?}"
    );
}

#[test]
fn exceptions_carry_message_and_stack() {
    let e = sandbox()
        .eval("function inner() { throw new RangeError('deep') }\nfunction outer() { inner() }\nouter()", None)
        .unwrap_err();
    match &e {
        JsError::Exception { message, stack } => {
            assert_eq!(message, "RangeError: deep");
            assert!(
                stack.contains("inner") && stack.contains("outer"),
                "{stack}"
            );
            assert!(stack.contains("eval.js:1"), "{stack}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.detail().contains("at inner"), "{}", e.detail());
    let e = sandbox().eval("throw {code: 7}", None).unwrap_err();
    assert!(
        matches!(&e, JsError::Exception { message, .. } if message == r#"uncaught {"code":7}"#),
        "{e:?}"
    );
    let e = sandbox().eval("throw null", None).unwrap_err();
    assert!(
        matches!(&e, JsError::Exception { message, .. } if message == "uncaught null"),
        "{e:?}"
    );
}

#[test]
fn functions_compile_once_and_recompile_when_the_source_changes() {
    let mut s = sandbox();
    let counter = "(function () { globalThis.n = (globalThis.n || 0) + 1; return globalThis.n; })";
    assert_eq!(s.call("count", counter, "[]").unwrap(), "1");
    assert_eq!(s.call("count", counter, "[]").unwrap(), "2");
    // The same name with another source is a new function.
    let add = "function (a, b) { return a + b }";
    assert_eq!(s.call("count", add, "[2, 3]").unwrap(), "5");
    assert!(s.clear("count"));
    assert!(!s.clear("count"));
    assert!(!s.clear("never"));
    // Arguments are parsed, never evaluated.
    let echo = "(x) => typeof x";
    assert_eq!(
        s.call("echo", echo, r#"["globalThis.y = 1"]"#).unwrap(),
        r#""string""#
    );
    for bad in ["globalThis.y = 1", "{}", "1", "[1,", r#""[]""#] {
        let e = s.call("echo", echo, bad).unwrap_err();
        assert!(matches!(e, JsError::InvalidInput(_)), "{bad}: {e:?}");
    }
    let e = s.call("num", "42", "[]").unwrap_err();
    assert!(
        matches!(&e, JsError::InvalidInput(m) if m.contains("not") && m.contains("function")),
        "{e:?}"
    );
    let e = s.call("bad", "function (", "[]").unwrap_err();
    assert!(matches!(e, JsError::Syntax { line: 1, .. }), "{e:?}");
    // Async functions are awaited.
    assert_eq!(s.call("later", "async (x) => x * 2", "[21]").unwrap(), "42");
}

#[test]
fn console_lines_are_captured_bounded() {
    let mut s = sandbox();
    s.eval("console.log('hello', {a: 1}, [1, 2]); console.warn('careful'); console.error(new Error('bad'))", None)
        .unwrap();
    let (lines, dropped) = s.take_console();
    assert_eq!(dropped, 0);
    assert_eq!(lines[0].text, r#"hello {"a":1} [1, 2]"#);
    assert_eq!(lines[0].level, ConsoleLevel::Info);
    assert_eq!(lines[1].level, ConsoleLevel::Warn);
    assert_eq!(lines[2].level, ConsoleLevel::Error);
    assert!(lines[2].text.starts_with("Error: bad"), "{}", lines[2].text);
    s.eval("for (let i = 0; i < 10000; i++) console.log(i)", None)
        .unwrap();
    let (lines, dropped) = s.take_console();
    assert_eq!(lines.len(), bex_engine::js::MAX_CONSOLE_LINES);
    assert_eq!(dropped, 10000 - lines.len() as u64);
}

#[test]
fn an_exception_in_a_timer_is_reported_and_the_script_goes_on() {
    // As browsers: the error goes to the console, later timers still run,
    // and the result stands.
    let mut s = sandbox();
    let out = s
        .eval(
            "setTimeout(() => { throw new TypeError('stray'); }, 0);\n\
             setInterval(() => { throw 'again'; }, 5);\n\
             new Promise((resolve) => setTimeout(() => resolve('still here'), 12))",
            None,
        )
        .unwrap();
    assert_eq!(out, r#""still here""#);
    let (lines, _) = s.take_console();
    let errors: Vec<&str> = lines
        .iter()
        .filter(|l| l.level == ConsoleLevel::Error)
        .map(|l| l.text.as_str())
        .collect();
    assert!(
        errors[0].starts_with("Uncaught TypeError: stray"),
        "{errors:?}"
    );
    // The interval threw at 5 and 10, and ran no more once the result settled.
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[1].contains("again"), "{errors:?}");
}

#[test]
fn timer_delays_wrap_as_a_webidl_long() {
    // 2**32 ms is 0 (and 2**31 negative, so 0), not seven weeks: these run
    // before a 1 ms timer, in the order they were set.
    assert_eq!(
        eval(
            "const log = [];\n\
             setTimeout(() => log.push('one ms'), 1);\n\
             setTimeout(() => log.push('2**32'), 2 ** 32);\n\
             setTimeout(() => log.push('2**31'), 2 ** 31);\n\
             setTimeout(() => log.push('-5'), -5);\n\
             new Promise((resolve) => setTimeout(() => resolve(log), 2))"
        ),
        r#"["2**32","2**31","-5","one ms"]"#
    );
}

#[test]
fn timers_run_in_web_order_on_virtual_time() {
    let src = r#"
        const log = [];
        setTimeout(() => log.push('t100'), 100);
        setTimeout(() => log.push('t0-a'), 0);
        const cancelled = setTimeout(() => log.push('never'), 1);
        setTimeout(() => { log.push('t0-b'); Promise.resolve().then(() => log.push('micro-in-t0-b')); }, 0);
        Promise.resolve().then(() => log.push('micro'));
        queueMicrotask(() => log.push('queued'));
        clearTimeout(cancelled);
        let ticks = 0;
        const iv = setInterval(() => { log.push('iv' + (++ticks)); if (ticks === 3) clearInterval(iv); }, 40);
        log.push('sync');
        const started = Date.now();
        new Promise((resolve) => setTimeout(() => resolve({ log, waited: Date.now() - started }), 3600000));
    "#;
    let out: serde_json::Value = serde_json::from_str(&eval(src)).unwrap();
    assert_eq!(
        out["log"],
        serde_json::json!([
            "sync",
            "micro",
            "queued",
            "t0-a",
            "t0-b",
            "micro-in-t0-b",
            "iv1",
            "iv2",
            "t100",
            "iv3"
        ])
    );
    // An hour of timers took no real time.
    assert!(out["waited"].as_u64().unwrap() < 5_000, "{out}");
}

#[test]
fn the_web_globals_are_there() {
    let src = r#"[
        typeof TextEncoder, typeof TextDecoder, typeof atob, typeof btoa, typeof URL,
        typeof URLSearchParams, typeof crypto, typeof performance.now, typeof structuredClone,
        typeof navigator.userAgent, location.href, typeof queueMicrotask, typeof console.log,
        typeof setTimeout, typeof setInterval, typeof clearTimeout, typeof clearInterval,
        self === globalThis, typeof DOMException,
        typeof require, typeof process, typeof std, typeof os, typeof window, typeof document
    ]"#;
    let out: Vec<serde_json::Value> = serde_json::from_str(&eval(src)).unwrap();
    let f = serde_json::json!("function");
    for (i, v) in out[..6].iter().enumerate() {
        assert_eq!(v, &f, "global {i}");
    }
    assert_eq!(out[6], "object");
    assert_eq!(out[10], "about:blank");
    assert_eq!(out[17], true);
    for v in &out[19..] {
        assert_eq!(v, "undefined");
    }
    // No host helper leaks onto the global object.
    let names =
        eval("Reflect.ownKeys(globalThis).map(String).filter((n) => /native|bex|__/i.test(n))");
    assert_eq!(names, "[]");
}

#[test]
fn structured_clone_transfers_keeps_resizable_buffers_and_refuses_what_it_cannot_clone() {
    assert_eq!(
        eval(
            "const b = new ArrayBuffer(4, { maxByteLength: 16 });\n\
             new Uint8Array(b).set([1, 2, 3, 4]);\n\
             const view = new Uint8Array(b, 1, 2);\n\
             const c = structuredClone({ b, view }, { transfer: [b] });\n\
             [b.detached, c.b.byteLength, c.b.resizable, c.b.maxByteLength,\n\
              Array.from(c.view), c.view.buffer === c.b]"
        ),
        "[true,4,true,16,[2,3],true]"
    );
    for (src, what) in [
        (
            "structuredClone(1, { transfer: [new Uint8Array(2)] })",
            "a view",
        ),
        (
            "const b = new ArrayBuffer(1); structuredClone(b, { transfer: [b, b] })",
            "twice",
        ),
        (
            "const b = new ArrayBuffer(1); b.transfer(); structuredClone(b)",
            "detached",
        ),
        (
            "const b = new ArrayBuffer(8, { maxByteLength: 8 }); const d = new DataView(b, 4, 4); b.resize(2); structuredClone(d)",
            "out of bounds",
        ),
    ] {
        let e = sandbox().eval(src, None).unwrap_err();
        assert!(
            matches!(&e, JsError::Exception { message, .. } if message.starts_with("DataCloneError")),
            "{what}: {e:?}"
        );
    }
}

#[test]
fn structured_clone_copies_deeply_and_refuses_functions() {
    let src = r#"
        const a = { d: new Date(5), m: new Map([[1, { x: 1 }]]), s: new Set([1]), b: new Uint8Array([1, 2]), r: /x/g };
        a.self = a;
        const c = structuredClone(a);
        [c !== a, c.self === c, c.d.getTime(), c.m.get(1).x, c.m.get(1) !== a.m.get(1), c.s.has(1), Array.from(c.b), c.r.flags]
    "#;
    assert_eq!(eval(src), r#"[true,true,5,1,true,true,[1,2],"g"]"#);
    let e = sandbox()
        .eval("structuredClone({ f() {} })", None)
        .unwrap_err();
    assert!(
        matches!(&e, JsError::Exception { message, .. } if message.starts_with("DataCloneError")),
        "{e:?}"
    );
}

/// Dean Edwards' packer output, as player pages ship it: it runs unmodified
/// (`eval` of the unpacked source), and a plugin can also unpack it without
/// running it by swapping `eval` for a function that returns its argument.
const PACKED: &str = r#"eval(function(p,a,c,k,e,d){e=function(c){return c.toString(36)};if(!''.replace(/^/,String)){while(c--){d[c.toString(a)]=k[c]||c.toString(a)}k=[function(e){return d[e]}];e=function(){return'\\w+'};c=1};while(c--){if(k[c]){p=p.replace(new RegExp('\\b'+e(c)+'\\b','g'),k[c])}}return p}('3 0={1:"2://4.5/6.7"};',8,8,'config|file|https|var|cdn|example|movie|mp4'.split('|'),0,{}))"#;

#[test]
fn packed_player_scripts_run_unmodified() {
    // Classic scripts are sloppy-mode code, as on a web page.
    assert_eq!(
        eval("(function () { return this === globalThis })()"),
        "true"
    );
    assert_eq!(eval("with ({a: 2}) { a * 21 }"), "42");
    assert_eq!(
        eval(&format!("{PACKED};\nconfig.file")),
        r#""https://cdn.example/movie.mp4""#
    );
    let unpack = "function (packed) { let source = null; const run = new Function('eval', packed); run((s) => { source = s; }); return source; }";
    let out = sandbox()
        .call("unpack", unpack, &serde_json::to_string(&[PACKED]).unwrap())
        .unwrap();
    assert_eq!(
        out,
        r#""var config={file:\"https://cdn.example/movie.mp4\"};""#
    );
}
