//! atob and btoa against the HTML Standard (forgiving-base64).

use crate::support::run;

/// Runs `src`, expecting a result.
fn ok(src: &str) -> String {
    run(src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// `atob(input)` as JSON, or the thrown error as "Name: message".
fn atob(input: &str) -> Result<String, String> {
    run(&format!("atob({input:?})"))
}

/// Asserts that `src` throws an "InvalidCharacterError" DOMException.
fn assert_invalid(src: &str) {
    let check = format!(
        "try {{ {src}; 'no error' }} catch (e) {{ [e instanceof DOMException, e.name, e.code] }}"
    );
    assert_eq!(ok(&check), r#"[true,"InvalidCharacterError",5]"#, "{src}");
}

#[test]
fn round_trip_all_bytes() {
    let src = "let s = ''; for (let i = 0; i < 256; i++) s += String.fromCharCode(i);
               const b = btoa(s); [b.length, b.slice(0, 8), b.slice(-8), atob(b) === s]";
    assert_eq!(ok(src), r#"[344,"AAECAwQF","/P3+/w==",true]"#);
}

#[test]
fn known_values() {
    assert_eq!(
        ok("[btoa(''), btoa('f'), btoa('fo'), btoa('foo'), btoa('foob')]"),
        r#"["","Zg==","Zm8=","Zm9v","Zm9vYg=="]"#
    );
    assert_eq!(ok("btoa('\\xff\\xfe')"), r#""//4=""#);
    assert_eq!(ok("btoa(123)"), r#""MTIz""#);
    assert_eq!(ok("atob('Zm9vYg==') + atob('Zm9v')"), r#""foobfoo""#);
    assert_eq!(ok("atob('//4=') === '\\xff\\xfe'"), "true");
    assert_eq!(atob("").unwrap(), r#""""#);
}

#[test]
fn whitespace_is_ignored() {
    assert_eq!(atob(" Zm9v\tYg==\n").unwrap(), r#""foob""#);
    assert_eq!(atob("Z m 9 v\r\nY g = =").unwrap(), r#""foob""#);
    assert_eq!(atob("Zm9v\u{c}").unwrap(), r#""foo""#);
    // Only ASCII whitespace: not vertical tab, not NBSP.
    assert_invalid("atob('Zm9v\\v')");
    assert_invalid("atob('Zm9v\\u00a0')");
}

#[test]
fn padding_may_be_missing() {
    assert_eq!(atob("Zg").unwrap(), r#""f""#);
    assert_eq!(atob("Zm8").unwrap(), r#""fo""#);
    assert_eq!(atob("Zm9vYg").unwrap(), r#""foob""#);
    assert_eq!(atob("Zm8=").unwrap(), r#""fo""#);
    // Nonzero trailing bits are discarded.
    assert_eq!(atob("Zh==").unwrap(), r#""f""#);
    assert_eq!(atob("Zm9=").unwrap(), r#""fo""#);
}

#[test]
fn bad_length() {
    for input in ["Z", "Zm9vY", "Zm9vY===", "A", "ab=c="] {
        assert_invalid(&format!("atob({input:?})"));
    }
}

#[test]
fn bad_padding_and_characters() {
    let inputs = [
        "Zg=",
        "Zg===",
        "Zm8==",
        "Z===",
        "Zg=\\u003d=",
        "=Zm9v",
        "Zm=9v",
        "Zm9v=Yg=",
        "Zm9v-_",
        "Zm9v*",
        "Zm9v\\u00e9",
        "Zm9v\\uD800",
    ];
    for input in inputs {
        assert_invalid(&format!("atob('{input}')"));
    }
    assert_invalid("atob(undefined)");
    assert_eq!(
        ok("Array.from(atob(null), c => c.charCodeAt(0))"),
        "[158,233,101]"
    );
}

#[test]
fn btoa_rejects_non_latin1() {
    assert_invalid("btoa('\\u0100')");
    assert_invalid("btoa('abc\\u20ac')");
    assert_invalid("btoa('😀')");
    assert_invalid("btoa('\\uD800')");
    assert_eq!(
        ok("try { btoa('\\u0100') } catch (e) { e.message.length > 0 }"),
        "true"
    );
}

#[test]
fn arity_and_shape() {
    assert!(run("atob()").unwrap_err().starts_with("TypeError"));
    assert!(run("btoa()").unwrap_err().starts_with("TypeError"));
    assert_eq!(
        ok("[atob.name, atob.length, btoa.name, btoa.length]"),
        r#"["atob",1,"btoa",1]"#
    );
    assert!(run("new atob('')").unwrap_err().starts_with("TypeError"));
}
