//! Shared helpers of the crypto tests: a JS prelude, runners that return
//! the result string.
#![allow(dead_code)]

use crate::support::run;

/// Helpers every test source starts with.
pub const PRELUDE: &str = r#"
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (h) => new Uint8Array((h.match(/../g) || []).map((x) => parseInt(x, 16)));
const str = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const rep = (byte, n) => new Uint8Array(n).fill(byte);
const S = crypto.subtle;
"#;

/// Runs `body` after the prelude; its (promised) result must be a string
/// without quotes or escapes.
pub fn js(body: &str) -> String {
    let json = run(&format!("{PRELUDE}\n{body}")).unwrap_or_else(|e| panic!("{e}\n{body}"));
    json.trim_matches('"').to_string()
}

/// `js` whose result is a comma-separated list.
pub fn js_list(body: &str) -> Vec<String> {
    js(body).split(',').map(str::to_string).collect()
}

/// The rejection ("Name: message") of `body` after the prelude.
pub fn js_err(body: &str) -> String {
    match run(&format!("{PRELUDE}\n{body}")) {
        Ok(v) => panic!("expected an error, got {v}\n{body}"),
        Err(e) => e,
    }
}
