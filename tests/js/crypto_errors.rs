//! Error cases of `crypto.subtle`, getRandomValues, randomUUID, the stop
//! check in PBKDF2, and what the polyfill leaves reachable from scripts.

use std::time::{Duration, Instant};

use bex_engine::js::{JsConfig, JsOptions, Sandbox};

use crate::crypto_common::{PRELUDE, js, js_err};

/// Asserts that `src` rejects (or throws) with the error named `name`.
fn rejects(src: &str, name: &str) {
    let e = js_err(src);
    assert!(e.starts_with(&format!("{name}: ")), "{src}\n=> {e}");
}

const HMAC_KEY: &str = "S.importKey('raw', rep(1, 32), { name: 'HMAC', hash: 'SHA-256' }";

#[test]
fn usages_and_algorithm_mismatch_are_invalid_access() {
    rejects(
        &format!("{HMAC_KEY}, false, ['verify']).then((k) => S.sign('HMAC', k, str('x')))"),
        "InvalidAccessError",
    );
    rejects(
        &format!(
            "{HMAC_KEY}, false, ['sign']).then((k) => S.verify('HMAC', k, new Uint8Array(32), str('x')))"
        ),
        "InvalidAccessError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(16), 'AES-CBC', false, ['encrypt'])
           .then((k) => S.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, k, str('x')))",
        "InvalidAccessError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt'])
           .then((k) => S.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, k, new Uint8Array(16)))",
        "InvalidAccessError",
    );
    rejects(
        "S.importKey('raw', str('pw'), 'PBKDF2', false, ['deriveKey'])
           .then((k) => S.deriveBits({ name: 'PBKDF2', salt: str('s'), iterations: 1, hash: 'SHA-1' }, k, 128))",
        "InvalidAccessError",
    );
    rejects(
        &format!(
            "{HMAC_KEY}, false, ['sign']).then((k) => S.deriveBits({{ name: 'PBKDF2', salt: str('s'), iterations: 1, hash: 'SHA-1' }}, k, 128))"
        ),
        "InvalidAccessError",
    );
}

#[test]
fn export_rules() {
    rejects(
        &format!("{HMAC_KEY}, false, ['sign']).then((k) => S.exportKey('raw', k))"),
        "InvalidAccessError",
    );
    rejects(
        &format!("{HMAC_KEY}, true, ['sign']).then((k) => S.exportKey('jwk', k))"),
        "NotSupportedError",
    );
    rejects(
        &format!("{HMAC_KEY}, true, ['sign']).then((k) => S.exportKey('pem', k))"),
        "TypeError",
    );
    rejects(
        "S.importKey('raw', str('pw'), 'PBKDF2', false, ['deriveBits']).then((k) => S.exportKey('raw', k))",
        "NotSupportedError",
    );
    rejects("S.exportKey('raw', {})", "TypeError");
}

#[test]
fn import_errors() {
    rejects(
        "S.importKey('raw', str('pw'), 'PBKDF2', true, ['deriveBits'])",
        "SyntaxError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(16), 'AES-CBC', false, ['sign'])",
        "SyntaxError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(16), 'AES-CBC', false, [])",
        "SyntaxError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(16), 'AES-CBC', false, ['bogus'])",
        "TypeError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(16), 'AES-CBC', false, 'encrypt')",
        "TypeError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(15), 'AES-CTR', false, ['encrypt'])",
        "DataError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(0), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign'])",
        "DataError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(4), { name: 'HMAC', hash: 'SHA-1', length: 24 }, false, ['sign'])",
        "DataError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(4), { name: 'HMAC' }, false, ['sign'])",
        "TypeError",
    );
    rejects(
        "S.importKey('raw', new Uint8Array(4), { name: 'HMAC', hash: 'MD5' }, false, ['sign'])",
        "NotSupportedError",
    );
    rejects(
        "S.importKey('spki', new Uint8Array(16), 'AES-GCM', false, ['encrypt'])",
        "NotSupportedError",
    );
    rejects(
        "S.importKey('jwk', { kty: 'oct' }, 'AES-GCM', false, ['encrypt'])",
        "NotSupportedError",
    );
    rejects(
        "S.importKey('raw', { length: 16 }, 'AES-GCM', false, ['encrypt'])",
        "TypeError",
    );
    let length = js(
        "S.importKey('raw', new Uint8Array(4), { name: 'HMAC', hash: 'SHA-1', length: 27 }, false, ['sign']).then((k) => String(k.algorithm.length))",
    );
    assert_eq!(length, "27");
}

#[test]
fn unknown_algorithms_and_bad_data() {
    rejects("S.digest('MD5', new Uint8Array(1))", "NotSupportedError");
    rejects(
        "S.digest('\u{17f}ha-256', new Uint8Array(1))",
        "NotSupportedError",
    );
    rejects("S.digest({}, new Uint8Array(1))", "TypeError");
    rejects("S.digest('SHA-256', 'abc')", "TypeError");
    rejects("S.digest('SHA-256', [1, 2])", "TypeError");
    rejects("S.digest('SHA-256')", "TypeError");
    rejects(
        "S.importKey('raw', new Uint8Array(16), 'RSA-OAEP', false, ['encrypt'])",
        "NotSupportedError",
    );
    rejects(
        "S.generateKey({ name: 'AES-GCM', length: 100 }, false, ['encrypt'])",
        "OperationError",
    );
    rejects(
        &format!("{HMAC_KEY}, false, ['sign']).then((k) => S.sign('HMAC', k, 42))"),
        "TypeError",
    );
    rejects("S.sign('HMAC', {}, new Uint8Array(1))", "TypeError");
    // Errors reject; nothing throws synchronously.
    let sync = js(
        "let r; try { r = S.digest('MD5', 1) instanceof Promise; } catch { r = 'threw'; } r.catch?.(() => {}); String(r)",
    );
    assert_eq!(sync, "true");
}

#[test]
fn pbkdf2_parameter_errors() {
    let base = "S.importKey('raw', str('pw'), 'PBKDF2', false, ['deriveBits', 'deriveKey'])";
    let bits = |params: &str, length: &str| {
        format!(
            "{base}.then((k) => S.deriveBits({{ name: 'PBKDF2', salt: str('s'), hash: 'SHA-256', {params} }}, k{length}))"
        )
    };
    rejects(&bits("iterations: 0", ", 256"), "OperationError");
    rejects(&bits("iterations: 1", ", 100"), "OperationError");
    rejects(&bits("iterations: 1", ""), "OperationError");
    rejects(&bits("iterations: -1", ", 256"), "TypeError");
    rejects(
        &bits("iterations: 1, hash: 'SHA-3'", ", 256"),
        "NotSupportedError",
    );
    rejects(
        &bits("iterations: 1, salt: undefined", ", 256"),
        "TypeError",
    );
    rejects(&bits("iterations: 1", ", 2 ** 31"), "OperationError");
    let empty = js(&format!(
        "{}.then((b) => String(b.byteLength))",
        bits("iterations: 1", ", 0")
    ));
    assert_eq!(empty, "0");
    rejects(
        &format!(
            "{base}.then((k) => S.deriveKey({{ name: 'PBKDF2', salt: str('s'), hash: 'SHA-256', iterations: 1 }}, k, {{ name: 'AES-GCM', length: 100 }}, false, ['encrypt']))"
        ),
        "OperationError",
    );
    rejects(
        &format!(
            "{base}.then((k) => S.deriveKey({{ name: 'PBKDF2', salt: str('s'), hash: 'SHA-256', iterations: 1 }}, k, {{ name: 'AES-GCM', length: 128 }}, false, ['sign']))"
        ),
        "SyntaxError",
    );
}

#[test]
fn pbkdf2_honours_stop() {
    let src = "S.importKey('raw', str('pw'), 'PBKDF2', false, ['deriveBits'])
      .then((k) => S.deriveBits({ name: 'PBKDF2', salt: str('s'), hash: 'SHA-256', iterations: ITER }, k, 256))
      .then((b) => new Uint8Array(b).length)";
    // 2^31 iterations would take hours: the evaluation's limit stops the
    // native loop, and the sandbox stays healthy.
    let mut sandbox = Sandbox::new(JsConfig::default());
    let options = JsOptions {
        timeout_ms: Some(300),
        ..JsOptions::default()
    };
    let started = Instant::now();
    let e = sandbox
        .eval_with(
            &format!("{PRELUDE}\n{}", src.replace("ITER", "2 ** 31")),
            None,
            &options,
        )
        .unwrap_err();
    assert_eq!(e.kind(), "timeout", "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        js(&src.replace("ITER", "10000").replace(
            "new Uint8Array(b).length",
            "String(new Uint8Array(b).length)"
        )),
        "32"
    );
}

#[test]
fn get_random_values() {
    rejects(
        "crypto.getRandomValues(new Float64Array(4))",
        "TypeMismatchError",
    );
    rejects(
        "crypto.getRandomValues(new Float32Array(4))",
        "TypeMismatchError",
    );
    rejects(
        "crypto.getRandomValues(new DataView(new ArrayBuffer(4)))",
        "TypeMismatchError",
    );
    rejects(
        "crypto.getRandomValues(new Uint8Array(65537))",
        "QuotaExceededError",
    );
    rejects(
        "crypto.getRandomValues(new Uint32Array(16385))",
        "QuotaExceededError",
    );
    rejects("crypto.getRandomValues([1, 2])", "TypeError");
    rejects(
        "crypto.getRandomValues.call({}, new Uint8Array(1))",
        "TypeError",
    );
    let got = js(
        r#"const big = new Uint8Array(65536); const same = crypto.getRandomValues(big) === big;
      const all = new Uint8Array(64);
      const view = new Uint16Array(all.buffer, 16, 16);
      crypto.getRandomValues(view);
      const outside = all.subarray(0, 16).every((x) => x === 0) && all.subarray(48).every((x) => x === 0);
      const inside = all.subarray(16, 48).some((x) => x !== 0);
      const big64 = crypto.getRandomValues(new BigUint64Array(2))[0] !== crypto.getRandomValues(new BigUint64Array(2))[0];
      String([same, outside, inside, big.some((x) => x !== 0), big64])"#,
    );
    assert_eq!(got, "true,true,true,true,true");
}

#[test]
fn random_uuid() {
    let got = js(
        r#"const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
      const seen = new Set();
      let ok = true;
      for (let i = 0; i < 1000; i++) { const u = crypto.randomUUID(); ok = ok && re.test(u); seen.add(u); }
      String([ok, seen.size])"#,
    );
    assert_eq!(got, "true,1000");
}

#[test]
fn only_crypto_is_global_and_keys_hide_their_bytes() {
    let got = js(r#"(async () => {
      const before = ['natives', 'CryptoKey', 'SubtleCrypto', 'Crypto'].filter((n) => n in globalThis);
      const k = await S.importKey('raw', rep(7, 16), 'AES-GCM', false, ['encrypt']);
      const own = Reflect.ownKeys(k).length + Reflect.ownKeys(Object.getPrototypeOf(k)).filter((p) => typeof p === 'string' && !['type', 'extractable', 'algorithm', 'usages', 'constructor'].includes(p)).length;
      let ctor = 'no';
      try { new k.constructor(); } catch (e) { ctor = e.name; }
      try { new crypto.subtle.constructor(); } catch (e) { ctor += e.name; }
      k.algorithm.name = 'AES-CBC';
      k.usages.push('decrypt');
      const still = await S.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, k, new Uint8Array(1)).then(() => 'ok');
      const blocked = await S.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, k, new Uint8Array(17)).catch((e) => e.name);
      return [before.length, own, ctor, still, blocked, crypto.subtle === crypto.subtle, String(crypto.subtle)].join(',');
    })()"#);
    assert_eq!(
        got,
        "0,0,TypeErrorTypeError,ok,InvalidAccessError,true,[object SubtleCrypto]"
    );
}

#[test]
fn the_algorithm_is_normalized_before_the_data_is_read() {
    // The current spec reads the data after normalizing the algorithm: a
    // name getter that changes the bytes changes what is digested, signed
    // and encrypted (WPT's "algorithm getter mutates data" cases).
    let out = js(r#"(async () => {
        const data = new Uint8Array([1, 2, 3]);
        const alg = { get name() { data[0] = 9; return 'SHA-256'; } };
        const a = hex(await S.digest(alg, data));
        const b = hex(await S.digest('SHA-256', new Uint8Array([9, 2, 3])));
        const key = await S.importKey('raw', rep(7, 32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
        const msg = new Uint8Array([1]);
        const hmac = { get name() { msg[0] = 2; return 'HMAC'; } };
        const s1 = hex(await S.sign(hmac, key, msg));
        const s2 = hex(await S.sign('HMAC', key, new Uint8Array([2])));
        return (a === b) + ' ' + (s1 === s2);
    })()"#);
    assert_eq!(out, "true true");
    // A data argument of the wrong type is still a TypeError before any
    // algorithm is looked at.
    let e = js_err("S.digest('NO-SUCH-HASH', 'not bytes')");
    assert!(e.starts_with("TypeError"), "{e}");
}
