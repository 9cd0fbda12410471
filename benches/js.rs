//! 5. The host's JavaScript, side by side in one run:
//!    - `call-js-fn` on a registered function vs. `eval-js` of the same
//!      source every time (through the same sandbox; target >= 10x);
//!    - `call-js-fn` from a plugin (through the engine, on a lane worker
//!      whose runtime is warm) vs. a bare rquickjs call of the same
//!      function in a warm context, JSON in and out (target <= 1.5x).

use std::path::Path;
use std::sync::mpsc;
use std::time::Instant;

use bex_engine::js::{JsConfig, Sandbox};
use bex_engine::{CallOptions, Engine, EngineConfig, Request};
use rquickjs::function::Rest;
use rquickjs::{Context, Function, Runtime, Value};

use crate::{percentile, us};

/// A signature-cipher-like deobfuscation step: what plugins use JS for.
const CIPHER: &str = "function (sig, ops) { let a = sig.split(''); for (const [op, n] of ops) { if (op === 'r') a.reverse(); else if (op === 's') a.splice(0, n); else { const i = n % a.length; const c = a[0]; a[0] = a[i]; a[i] = c; } } return a.join(''); }";
const ARGS: &str = r#"["AOq0QJ8wRQIhAJlmrDQ2z5H4qkDoMlVn3xcvmFhTnq5wU0qA8S8Jm5bIAiA3xT7ktCXu8aZc4Dk1_Hyq0QvPX0m6iW2xQyDCk3R8vQ==", [["r",0],["w",13],["s",3],["w",51],["r",0],["w",7],["s",2]]]"#;
const ROUNDS: usize = 300;
/// Function calls per plugin call (the plugin loops).
const PER_CALL: usize = 500;

pub fn run(dir: &Path, hostile: &[u8]) {
    sandbox_call_vs_eval();
    plugin_vs_bare(dir, hostile);
}

fn sandbox_call_vs_eval() {
    let mut sandbox = Sandbox::new(JsConfig::default());
    let eval_source = format!("({CIPHER}).apply(null, input)");
    let want = sandbox.call("cipher", CIPHER, ARGS).unwrap();
    assert_eq!(sandbox.eval(&eval_source, Some(ARGS)).unwrap(), want);
    let (mut call, mut eval) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let t = Instant::now();
        sandbox.call("cipher", CIPHER, ARGS).unwrap();
        call.push(t.elapsed());
        let t = Instant::now();
        sandbox.eval(&eval_source, Some(ARGS)).unwrap();
        eval.push(t.elapsed());
    }
    let (c50, e50) = (percentile(&mut call, 0.5), percentile(&mut eval, 0.5));
    println!(
        "JavaScript: a registered function vs. eval of the same source ({ROUNDS} each, interleaved, p50):"
    );
    println!("  call-js-fn           {:>9.1} us", us(c50));
    println!("  eval-js              {:>9.1} us", us(e50));
    println!(
        "  ratio eval/call      {:>9.1}x   (target >= 10x)",
        e50.as_secs_f64() / c50.as_secs_f64()
    );
}

fn plugin_vs_bare(dir: &Path, hostile: &[u8]) {
    let data = dir.join("js-data");
    let engine = Engine::open(EngineConfig::new(&data).allow_unsigned_packages(true)).unwrap();
    let manifest = crate::HOSTILE;
    engine
        .install(&bex_engine::pack(manifest, hostile.to_vec()).unwrap(), true)
        .unwrap();
    let us_ = '\u{1f}';
    let query = format!("js-repeat:{PER_CALL}{us_}cipher{us_}{CIPHER}{us_}{ARGS}");
    let plugin_call = || {
        let (tx, rx) = mpsc::channel();
        engine
            .submit(
                "bex.hostile",
                Request::Search {
                    query: query.clone(),
                    filters: serde_json::json!({}),
                    page: None,
                },
                CallOptions::default(),
                move |_, r| tx.send(r).unwrap(),
            )
            .unwrap();
        rx.recv().unwrap().unwrap()
    };

    let rt = Runtime::new().unwrap();
    rt.set_memory_limit(32 << 20);
    let context = Context::full(&rt).unwrap();
    let bare_calls = |n: usize| -> String {
        context.with(|ctx| {
            let f: Function = ctx.eval(format!("({CIPHER})")).unwrap();
            let mut last = String::new();
            for _ in 0..n {
                let args = ctx.json_parse(ARGS).unwrap();
                let args: Vec<Value> = args
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.unwrap())
                    .collect();
                let out: Value = f.call((Rest(args),)).unwrap();
                last = ctx
                    .json_stringify(out)
                    .unwrap()
                    .unwrap()
                    .to_string()
                    .unwrap();
            }
            last
        })
    };
    let want = bare_calls(1);
    let got = plugin_call();
    assert!(got.contains(&want.replace('"', "\\\"")), "{got} vs {want}");
    // Warm every User worker's runtime.
    for _ in 0..8 {
        plugin_call();
    }
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS / 10 {
        let t = Instant::now();
        plugin_call();
        ours.push(t.elapsed() / PER_CALL as u32);
        let t = Instant::now();
        bare_calls(PER_CALL);
        bare.push(t.elapsed() / PER_CALL as u32);
    }
    let (o50, o99) = (percentile(&mut ours, 0.5), percentile(&mut ours, 0.99));
    let (b50, b99) = (percentile(&mut bare, 0.5), percentile(&mut bare, 0.99));
    println!(
        "JavaScript: call-js-fn from a plugin vs. bare rquickjs, per function call ({PER_CALL} calls per round, {} rounds):",
        ROUNDS / 10
    );
    println!("                        p50 (us)   p99 (us)");
    println!("  plugin call-js-fn    {:>9.2}  {:>9.2}", us(o50), us(o99));
    println!("  bare rquickjs        {:>9.2}  {:>9.2}", us(b50), us(b99));
    println!(
        "  ratio plugin/bare    {:>9.2}x {:>9.2}x   (target <= 1.5x at p50)",
        o50.as_secs_f64() / b50.as_secs_f64(),
        o99.as_secs_f64() / b99.as_secs_f64()
    );
}
