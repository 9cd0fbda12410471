//! TextEncoder and TextDecoder against the WHATWG Encoding Standard.

use crate::support::run;

/// Runs `src`, expecting a result.
fn ok(src: &str) -> String {
    run(src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// Runs `src`, expecting a thrown error.
fn err(src: &str) -> String {
    run(src).expect_err(src)
}

/// The decoded code points of `bytes` (decoder options `opts`), as
/// hexadecimal numbers joined by spaces.
fn decode(bytes: &str, opts: &str) -> String {
    let json = ok(&format!(
        "[...new TextDecoder('utf-8', {opts}).decode(new Uint8Array([{bytes}]))]\
         .map(c => c.codePointAt(0).toString(16)).join(' ')"
    ));
    json.trim_matches('"').to_owned()
}

#[test]
fn encoder_basics() {
    assert_eq!(ok("new TextEncoder().encoding"), r#""utf-8""#);
    assert_eq!(
        ok("new TextEncoder().encode() instanceof Uint8Array"),
        "true"
    );
    assert_eq!(ok("new TextEncoder().encode().length"), "0");
    assert_eq!(
        ok("Array.from(new TextEncoder().encode('aé€'))"),
        "[97,195,169,226,130,172]"
    );
    assert_eq!(
        ok("Array.from(new TextEncoder().encode(null))"),
        "[110,117,108,108]"
    );
}

#[test]
fn emoji_round_trip() {
    assert_eq!(
        ok("Array.from(new TextEncoder().encode('😀'))"),
        "[240,159,152,128]"
    );
    assert_eq!(
        ok("new TextDecoder().decode(new Uint8Array([240,159,152,128])) === '😀'"),
        "true"
    );
}

#[test]
fn cjk_round_trip() {
    let src = "const s = '日本語のテキスト'; const b = new TextEncoder().encode(s);
               [b.length, Array.from(b.slice(0, 3)), new TextDecoder().decode(b) === s]";
    assert_eq!(ok(src), "[24,[230,151,165],true]");
}

#[test]
fn lone_surrogates_encode_as_replacement() {
    assert_eq!(
        ok("Array.from(new TextEncoder().encode('\\uD800'))"),
        "[239,191,189]"
    );
    assert_eq!(
        ok("Array.from(new TextEncoder().encode('a\\uDC00b'))"),
        "[97,239,191,189,98]"
    );
    assert_eq!(
        ok("Array.from(new TextEncoder().encode('\\uDE00\\uD83D'))"),
        "[239,191,189,239,191,189]"
    );
}

#[test]
fn encode_into() {
    let src = "const d = new Uint8Array(5); const r = new TextEncoder().encodeInto('a😀b', d);
               [r.read, r.written, Array.from(d)]";
    assert_eq!(ok(src), "[3,5,[97,240,159,152,128]]");
    // A buffer too small for the emoji: the surrogate pair is not split.
    let src = "const d = new Uint8Array(4); const r = new TextEncoder().encodeInto('a😀', d);
               [r.read, r.written, Array.from(d)]";
    assert_eq!(ok(src), "[1,1,[97,0,0,0]]");
    let src = "const d = new Uint8Array(8).subarray(2, 5); const r = new TextEncoder().encodeInto('éé', d);
               [r.read, r.written, Array.from(d.buffer.constructor === ArrayBuffer ? new Uint8Array(d.buffer) : [])]";
    assert_eq!(ok(src), "[1,2,[0,0,195,169,0,0,0,0]]");
    let src = "const d = new Uint8Array(3); const r = new TextEncoder().encodeInto('\\uD800x', d); [r.read, r.written]";
    assert_eq!(ok(src), "[1,3]");
    assert!(err("new TextEncoder().encodeInto('a', [])").starts_with("TypeError"));
}

#[test]
fn labels() {
    for label in [
        "utf-8",
        "utf8",
        "UTF-8",
        " unicode-1-1-utf-8\n",
        "Unicode-1-1-UTF-8",
    ] {
        assert_eq!(
            ok(&format!("new TextDecoder({label:?}).encoding")),
            r#""utf-8""#,
            "{label}"
        );
    }
    assert_eq!(ok("new TextDecoder().encoding"), r#""utf-8""#);
    assert_eq!(ok("new TextDecoder(undefined).encoding"), r#""utf-8""#);
    assert!(err("new TextDecoder('utf-9')").starts_with("RangeError"));
    assert!(err("new TextDecoder('replacement')").starts_with("RangeError"));
    assert!(err("new TextDecoder('iso-2022-kr')").starts_with("RangeError"));
    assert!(err("new TextDecoder('utf-8', 5)").starts_with("TypeError"));
    assert!(err("TextDecoder('utf-8')").starts_with("TypeError"));
    let src =
        "const d = new TextDecoder('utf-8', {fatal: 1, ignoreBOM: 'yes'}); [d.fatal, d.ignoreBOM]";
    assert_eq!(ok(src), "[true,true]");
    assert_eq!(
        ok("const d = new TextDecoder(); [d.fatal, d.ignoreBOM]"),
        "[false,false]"
    );
}

#[test]
fn other_encodings() {
    assert_eq!(
        ok("new TextDecoder('latin1').encoding"),
        r#""windows-1252""#
    );
    assert_eq!(
        ok("new TextDecoder('latin1').decode(new Uint8Array([0x63, 0x61, 0x66, 0xE9, 0x80]))"),
        r#""café€""#
    );
    assert_eq!(ok("new TextDecoder('utf-16le').encoding"), r#""utf-16le""#);
    assert_eq!(
        ok(
            "new TextDecoder('utf-16le').decode(new Uint8Array([0xFF, 0xFE, 0x61, 0, 0x3D, 0xD8, 0, 0xDE]))"
        ),
        r#""a😀""#
    );
}

#[test]
fn overlong_and_invalid_sequences() {
    // Overlong forms: every byte is its own maximal subpart.
    assert_eq!(decode("0xC0, 0x80", "{}"), "fffd fffd");
    assert_eq!(decode("0xE0, 0x80, 0x80", "{}"), "fffd fffd fffd");
    assert_eq!(
        decode("0xF0, 0x80, 0x80, 0x80", "{}"),
        "fffd fffd fffd fffd"
    );
    // Encoded surrogate.
    assert_eq!(decode("0xED, 0xA0, 0x80", "{}"), "fffd fffd fffd");
    // Beyond U+10FFFF; stray continuation bytes; invalid bytes.
    assert_eq!(
        decode("0xF4, 0x90, 0x80, 0x80", "{}"),
        "fffd fffd fffd fffd"
    );
    assert_eq!(decode("0x80, 0x41, 0xBF", "{}"), "fffd 41 fffd");
    assert_eq!(decode("0xFE, 0xFF", "{}"), "fffd fffd");
    // Truncated sequences: the valid prefix is one maximal subpart.
    assert_eq!(decode("0xE2, 0x82", "{}"), "fffd");
    assert_eq!(decode("0xF0, 0x9F, 0x98, 0x41", "{}"), "fffd 41");
    assert_eq!(decode("0xE2, 0x82, 0xE2, 0x82, 0xAC", "{}"), "fffd 20ac");
    assert_eq!(decode("0x61, 0xF0, 0x9F", "{}"), "61 fffd");
}

#[test]
fn bom() {
    assert_eq!(decode("0xEF, 0xBB, 0xBF, 0x41", "{}"), "41");
    assert_eq!(
        decode("0xEF, 0xBB, 0xBF, 0x41", "{ignoreBOM: true}"),
        "feff 41"
    );
    // Only one leading BOM is removed.
    assert_eq!(decode("0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF", "{}"), "feff");
    assert_eq!(decode("0x41, 0xEF, 0xBB, 0xBF", "{}"), "41 feff");
    // The BOM is removed at the start of each stream, split or not.
    let src = "const d = new TextDecoder(); const b = new Uint8Array([0xEF, 0xBB, 0xBF, 0x41]);
               [d.decode(b), d.decode(b), d.decode(b.subarray(0, 2), {stream: true}) + d.decode(b.subarray(2))]";
    assert_eq!(ok(src), r#"["A","A","A"]"#);
}

#[test]
fn fatal() {
    for bytes in ["0xC0, 0x80", "0xED, 0xA0, 0x80", "0xE2, 0x82", "0xFF"] {
        let src =
            format!("new TextDecoder('utf-8', {{fatal: true}}).decode(new Uint8Array([{bytes}]))");
        assert!(err(&src).starts_with("TypeError"), "{bytes}");
    }
    assert_eq!(decode("0xE2, 0x82, 0xAC", "{fatal: true}"), "20ac");
    // After an error the decoder starts over.
    let src = "const d = new TextDecoder('utf-8', {fatal: true}); let e;
               try { d.decode(new Uint8Array([0xF0, 0x9F]), {stream: true}); d.decode(new Uint8Array([0x41])) }
               catch (x) { e = x.name } [e, d.decode(new Uint8Array([0x42]))]";
    assert_eq!(ok(src), r#"["TypeError","B"]"#);
}

#[test]
fn streaming() {
    let src = "const d = new TextDecoder(); const b = [0xF0, 0x9F, 0x98, 0x80];
               const parts = b.map(x => d.decode(new Uint8Array([x]), {stream: true}));
               [parts, d.decode(), parts.join('') === '😀']";
    assert_eq!(ok(src), r#"[["","","","😀"],"",true]"#);
    // An incomplete sequence at the end of a stream is one U+FFFD.
    let src =
        "const d = new TextDecoder(); d.decode(new Uint8Array([0x61, 0xF0, 0x9F]), {stream: true})
               + '|' + d.decode()";
    assert_eq!(ok(src), r#""a|�""#);
    let src = "const d = new TextDecoder('utf-8', {fatal: true});
               d.decode(new Uint8Array([0xF0, 0x9F]), {stream: true}); d.decode()";
    assert!(err(src).starts_with("TypeError"));
}

#[test]
fn buffer_sources() {
    let setup = "const buf = new Uint8Array([0x78, 0x41, 0x42, 0xC3, 0xA9, 0x79]).buffer;";
    let cases = [
        ("buf", r#""xABéy""#),
        ("new Uint8Array(buf, 1, 4)", r#""ABé""#),
        ("new DataView(buf, 3, 2)", r#""é""#),
        ("new Int8Array(buf, 1, 2)", r#""AB""#),
        ("new Uint16Array(buf, 2, 1)", r#""B\ufffd""#),
        ("new Uint8Array(0)", r#""""#),
        ("undefined", r#""""#),
    ];
    for (input, expected) in cases {
        let got = ok(&format!("{setup} new TextDecoder().decode({input})"));
        let expected = expected.replace("\\ufffd", "\u{fffd}");
        assert_eq!(got, expected, "{input}");
    }
    // A detached buffer, or a view of one, has no bytes.
    let src = "const b = new Uint8Array([65]).buffer; const v = new Uint8Array(b); b.transfer();
               [new TextDecoder().decode(b), new TextDecoder().decode(v)]";
    assert_eq!(ok(src), r#"["",""]"#);
    assert_eq!(
        ok("new TextDecoder().decode(new SharedArrayBuffer(1))"),
        r#""\u0000""#
    );
    assert!(err("new TextDecoder().decode('abc')").starts_with("TypeError"));
    assert!(err("new TextDecoder().decode([65])").starts_with("TypeError"));
}

#[test]
fn large_input() {
    let src = "const s = 'héllo wörld 😀 '.repeat(20000); const b = new TextEncoder().encode(s);
               [b.length, new TextDecoder().decode(b) === s]";
    assert_eq!(ok(src), "[380000,true]");
}

#[test]
fn interface_shape() {
    assert_eq!(
        ok(
            "Object.prototype.toString.call(new TextDecoder()) + Object.prototype.toString.call(new TextEncoder())"
        ),
        r#""[object TextDecoder][object TextEncoder]""#
    );
    assert_eq!(
        ok("Object.keys(TextDecoder.prototype)"),
        r#"["encoding","fatal","ignoreBOM","decode"]"#
    );
    assert!(err("TextEncoder.prototype.encode.call({}, 'a')").starts_with("TypeError"));
    assert!(err("TextDecoder.prototype.decode.call({})").starts_with("TypeError"));
}
