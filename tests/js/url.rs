//! URL and URLSearchParams against the WHATWG URL Standard.

use crate::support::run;

/// Runs `src`, expecting a result.
fn ok(src: &str) -> String {
    run(src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// Runs `src`, expecting a thrown error.
fn err(src: &str) -> String {
    run(src).expect_err(src)
}

/// `new URL(input, base).href`, unquoted.
fn href(input: &str, base: Option<&str>) -> String {
    let src = match base {
        Some(base) => format!("new URL({input:?}, {base:?}).href"),
        None => format!("new URL({input:?}).href"),
    };
    let json = ok(&src);
    json.trim_matches('"').to_owned()
}

/// The JSON of `expr` evaluated after `let u = new URL(url)` and `steps`.
fn after(url: &str, steps: &str, expr: &str) -> String {
    ok(&format!("let u = new URL({url:?}); {steps}; {expr}"))
}

#[test]
fn rfc3986_reference_resolution() {
    let base = Some("http://a/b/c/d;p?q");
    let cases = [
        ("g:h", "g:h"),
        ("g", "http://a/b/c/g"),
        ("./g", "http://a/b/c/g"),
        ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"),
        ("//g", "http://g/"),
        ("?y", "http://a/b/c/d;p?y"),
        ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"),
        ("g#s", "http://a/b/c/g#s"),
        ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"),
        ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"),
        (".", "http://a/b/c/"),
        ("./", "http://a/b/c/"),
        ("..", "http://a/b/"),
        ("../g", "http://a/b/g"),
        ("../..", "http://a/"),
        ("../../g", "http://a/g"),
        ("../../../g", "http://a/g"),
        ("../../../../g", "http://a/g"),
        ("/./g", "http://a/g"),
        ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."),
        (".g", "http://a/b/c/.g"),
        ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"),
        ("./g/.", "http://a/b/c/g/"),
        ("g/./h", "http://a/b/c/g/h"),
        ("g/../h", "http://a/b/c/h"),
        ("g;x=1/../y", "http://a/b/c/y"),
        ("g?y/../x", "http://a/b/c/g?y/../x"),
        ("g#s/../x", "http://a/b/c/g#s/../x"),
        // WHATWG differences from RFC 3986: same special scheme is relative,
        // backslash is a separator, %2e is a dot segment.
        ("http:g", "http://a/b/c/g"),
        ("\\g", "http://a/g"),
        ("%2e%2E/g", "http://a/b/g"),
    ];
    for (input, expected) in cases {
        assert_eq!(href(input, base), expected, "{input}");
    }
}

#[test]
fn components() {
    let src = "const u = new URL('https://us%20er:pa:ss@Example.COM:8443/p/a/t/h?query=1#frag');
               [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port,
                u.pathname, u.search, u.hash, String(u), u.toJSON(), JSON.stringify({u})]";
    let expected = r##"["https://us%20er:pa%3Ass@example.com:8443/p/a/t/h?query=1#frag","https://example.com:8443","https:","us%20er","pa%3Ass","example.com:8443","example.com","8443","/p/a/t/h","?query=1","#frag","https://us%20er:pa%3Ass@example.com:8443/p/a/t/h?query=1#frag","https://us%20er:pa%3Ass@example.com:8443/p/a/t/h?query=1#frag","{\"u\":\"https://us%20er:pa%3Ass@example.com:8443/p/a/t/h?query=1#frag\"}"]"##;
    assert_eq!(ok(src), expected);
    assert_eq!(ok("new URL('data:text/plain,hi').origin"), r#""null""#);
    assert_eq!(
        ok("new URL('blob:https://a.com:1/x').origin"),
        r#""https://a.com:1""#
    );
    assert_eq!(
        ok("const u = new URL('mailto:a@b'); [u.pathname, u.host]"),
        r#"["a@b",""]"#
    );
}

#[test]
fn ipv6_hosts() {
    assert_eq!(
        ok("const u = new URL('http://[::1]:8080/'); [u.host, u.hostname, u.port, u.href]"),
        r#"["[::1]:8080","[::1]","8080","http://[::1]:8080/"]"#
    );
    let cases = [
        ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"),
        (
            "http://[2001:DB8:0:0:1:0:0:1]/",
            "http://[2001:db8::1:0:0:1]/",
        ),
        ("http://[1:0:0:2:0:0:0:3]/", "http://[1:0:0:2::3]/"),
        ("http://[1:0:2:3:4:5:6:7]/", "http://[1:0:2:3:4:5:6:7]/"),
        ("http://[::ffff:192.168.0.1]/", "http://[::ffff:c0a8:1]/"),
        ("http://[::]/", "http://[::]/"),
    ];
    for (input, expected) in cases {
        assert_eq!(href(input, None), expected, "{input}");
    }
    for bad in [
        "http://[::1/",
        "http://[1:2:3:4:5:6:7:8:9]/",
        "http://[::1::2]/",
        "http://[g::1]/",
    ] {
        assert!(
            err(&format!("new URL({bad:?})")).starts_with("TypeError"),
            "{bad}"
        );
    }
}

#[test]
fn ipv4_hosts() {
    let cases = [
        ("http://0x7f.1/", "http://127.0.0.1/"),
        ("http://127.1/", "http://127.0.0.1/"),
        ("http://2130706433/", "http://127.0.0.1/"),
        ("http://0177.0.0.1/", "http://127.0.0.1/"),
        ("http://192.168.257/", "http://192.168.1.1/"),
        ("http://0xC0.0250.1.1/", "http://192.168.1.1/"),
        ("http://1.2.3.4./", "http://1.2.3.4/"),
    ];
    for (input, expected) in cases {
        assert_eq!(href(input, None), expected, "{input}");
    }
    for bad in [
        "http://256.256.256.256/",
        "http://1.2.3.4.5/",
        "http://4294967296/",
        "http://1.2.3.09/",
    ] {
        assert!(
            err(&format!("new URL({bad:?})")).starts_with("TypeError"),
            "{bad}"
        );
    }
}

#[test]
fn percent_encoding() {
    let cases = [
        ("http://h/a b/ü/%41", "http://h/a%20b/%C3%BC/%41"),
        (
            "http://h/?q=a b&ü='\"<>",
            "http://h/?q=a%20b&%C3%BC=%27%22%3C%3E",
        ),
        ("foo://h/?'", "foo://h/?'"),
        ("http://h/#f g\"ü`<>", "http://h/#f%20g%22%C3%BC%60%3C%3E"),
        ("http://us er:p@ss@h/", "http://us%20er:p%40ss@h/"),
        ("http://h/\u{7f}\u{0}x", "http://h/%7F%00x"),
        ("http://h/x\u{0}\u{1f} ", "http://h/x"),
        ("http://h/\u{1F600}", "http://h/%F0%9F%98%80"),
        ("http://h/a\tb\nc", "http://h/abc"),
        ("  http://h/  ", "http://h/"),
    ];
    for (input, expected) in cases {
        assert_eq!(href(input, None), expected, "{input:?}");
    }
    // A lone surrogate is a USVString's U+FFFD.
    assert_eq!(
        ok("new URL('http://h/\\uD800').pathname"),
        r#""/%EF%BF%BD""#
    );
}

#[test]
fn idna_and_host_normalisation() {
    let cases = [
        ("http://münchen.de/", "http://xn--mnchen-3ya.de/"),
        ("http://MÜNCHEN.DE/", "http://xn--mnchen-3ya.de/"),
        ("http://xn--mnchen-3ya.de/", "http://xn--mnchen-3ya.de/"),
        ("http://EXAMPLE.com/", "http://example.com/"),
        ("http://ｅｘａｍｐｌｅ.com/", "http://example.com/"),
        ("http://ex%41mple.com/", "http://example.com/"),
        ("http://日本.jp/", "http://xn--wgv71a.jp/"),
        ("foo://MÜNCHEN.de/", "foo://M%C3%9CNCHEN.de/"),
    ];
    for (input, expected) in cases {
        assert_eq!(href(input, None), expected, "{input}");
    }
}

#[test]
fn default_ports_are_dropped() {
    let cases = [
        ("http://h:80/", "http://h/"),
        ("https://h:443/", "https://h/"),
        ("ws://h:80/", "ws://h/"),
        ("wss://h:443/", "wss://h/"),
        ("ftp://h:21/", "ftp://h/"),
        ("http://h:443/", "http://h:443/"),
        ("http://h:0080/", "http://h/"),
        ("foo://h:80/", "foo://h:80/"),
    ];
    for (input, expected) in cases {
        assert_eq!(href(input, None), expected, "{input}");
    }
}

#[test]
fn invalid_urls() {
    let bad = [
        "",
        "x",
        "//x",
        "http://",
        "http:// /",
        "http://a b/",
        "http://a<b/",
        "http://h:65536/",
        "http://h:8o/",
        "https://300.1.1.1/",
        "http://[www.example.com]/",
        "http://%zz/",
    ];
    for input in bad {
        let e = err(&format!("new URL({input:?})"));
        assert!(e.starts_with("TypeError: Invalid URL"), "{input}: {e}");
    }
    assert!(err("new URL('g', 'not a base')").starts_with("TypeError"));
    assert!(err("new URL()").starts_with("TypeError"));
    assert!(err("URL('http://a/')").starts_with("TypeError"));
}

#[test]
fn can_parse_and_parse() {
    assert_eq!(
        ok(
            "[URL.canParse('http://a/'), URL.canParse('x'), URL.canParse('x', 'http://a/'),
             URL.canParse('http://a/', 'bad'), URL.canParse('x', undefined)]"
        ),
        "[true,false,true,false,false]"
    );
    assert_eq!(ok("URL.parse('x')"), "null");
    assert_eq!(ok("URL.parse('http://a/', 'bad')"), "null");
    assert_eq!(
        ok(
            "const u = URL.parse('../y?z=1', 'http://a/b/c'); [u instanceof URL, u.href, u.searchParams.get('z')]"
        ),
        r#"[true,"http://a/y?z=1","1"]"#
    );
    assert!(err("URL.parse()").starts_with("TypeError"));
}

#[test]
fn protocol_setter() {
    assert_eq!(
        after("http://h/", "u.protocol = 'https'", "u.href"),
        r#""https://h/""#
    );
    assert_eq!(
        after("http://h/", "u.protocol = 'ftp:ignored'", "u.href"),
        r#""ftp://h/""#
    );
    assert_eq!(
        after("http://h:443/", "u.protocol = 'https'", "u.href"),
        r#""https://h/""#
    );
    // Special and non-special schemes do not switch; nor do invalid ones.
    assert_eq!(
        after("http://h/", "u.protocol = 'foo'", "u.href"),
        r#""http://h/""#
    );
    assert_eq!(
        after("foo://h/", "u.protocol = 'http'", "u.href"),
        r#""foo://h/""#
    );
    assert_eq!(
        after("http://h/", "u.protocol = '1x'", "u.href"),
        r#""http://h/""#
    );
}

#[test]
fn host_and_port_setters() {
    assert_eq!(
        after(
            "http://h:1/p",
            "u.host = 'Example.com:8080'",
            "[u.href, u.hostname, u.port]"
        ),
        r#"["http://example.com:8080/p","example.com","8080"]"#
    );
    assert_eq!(
        after("http://h:1/", "u.host = 'a b'", "u.href"),
        r#""http://h:1/""#
    );
    assert_eq!(
        after("http://h:1/", "u.hostname = 'x.org'", "u.href"),
        r#""http://x.org:1/""#
    );
    assert_eq!(
        after("http://h:1/", "u.hostname = 'x.org:2'", "u.href"),
        r#""http://h:1/""#
    );
    assert_eq!(
        after("http://h/", "u.host = 'münchen.de'", "u.host"),
        r#""xn--mnchen-3ya.de""#
    );
    let port = |value: &str| after("http://h:1/", &format!("u.port = {value:?}"), "u.port");
    assert_eq!(port("8080"), r#""8080""#);
    assert_eq!(port("80"), r#""""#);
    assert_eq!(port(""), r#""""#);
    assert_eq!(port("65535"), r#""65535""#);
    assert_eq!(port("65536"), r#""1""#);
    assert_eq!(port("99999"), r#""1""#);
    assert_eq!(port("abc"), r#""1""#);
    assert_eq!(port("81abc"), r#""81""#);
    assert_eq!(
        after("http://h/", "u.port = 8080", "u.href"),
        r#""http://h:8080/""#
    );
    assert_eq!(
        after("file:///x", "u.port = 8080", "u.href"),
        r#""file:///x""#
    );
}

#[test]
fn credential_setters() {
    assert_eq!(
        after(
            "http://h/",
            "u.username = 'us er'; u.password = 'p@ss'",
            "u.href"
        ),
        r#""http://us%20er:p%40ss@h/""#
    );
    assert_eq!(
        after("http://a:b@h/", "u.password = ''", "u.href"),
        r#""http://a@h/""#
    );
    assert_eq!(
        after("file:///x", "u.username = 'a'", "u.href"),
        r#""file:///x""#
    );
}

#[test]
fn path_search_and_hash_setters() {
    assert_eq!(
        after("http://h/x", "u.pathname = 'a b'", "u.href"),
        r#""http://h/a%20b""#
    );
    assert_eq!(
        after("http://h/x", "u.pathname = '/a/../b/./c'", "u.pathname"),
        r#""/b/c""#
    );
    assert_eq!(
        after("http://h/x", "u.pathname = '?#'", "u.href"),
        r#""http://h/%3F%23""#
    );
    assert_eq!(
        after("mailto:a", "u.pathname = 'b'", "u.href"),
        r#""mailto:a""#
    );
    assert_eq!(
        after("http://h/x", "u.search = 'a=1 2'", "[u.search, u.href]"),
        r#"["?a=1%202","http://h/x?a=1%202"]"#
    );
    assert_eq!(
        after("http://h/x", "u.search = '??a'", "u.search"),
        r#""??a""#
    );
    assert_eq!(
        after("http://h/x?a#f", "u.search = ''", "u.href"),
        r#""http://h/x#f""#
    );
    assert_eq!(
        after("http://h/x", "u.search = '?'", "[u.search, u.href]"),
        r#"["","http://h/x?"]"#
    );
    assert_eq!(
        after("http://h/x?q", "u.hash = 'a b'", "[u.hash, u.href]"),
        r##"["#a%20b","http://h/x?q#a%20b"]"##
    );
    assert_eq!(
        after("http://h/x#f", "u.hash = ''", "u.href"),
        r#""http://h/x""#
    );
    assert_eq!(
        after("http://h/x", "u.hash = '##'", "u.hash"),
        r###""##""###
    );
}

#[test]
fn href_setter() {
    assert_eq!(
        after(
            "http://h/",
            "u.href = 'https://x.org/y?z#w'",
            "[u.host, u.pathname, u.search, u.hash]"
        ),
        r##"["x.org","/y","?z","#w"]"##
    );
    assert_eq!(
        ok(
            "const u = new URL('http://h/'); try { u.href = 'relative' } catch (e) { [e.name, u.href] }"
        ),
        r#"["TypeError","http://h/"]"#
    );
}

#[test]
fn search_params_stay_in_sync() {
    let src = "const u = new URL('http://h/p?a=1&b=2#f'); const sp = u.searchParams;
               const out = [sp === u.searchParams, sp.get('a')];
               sp.append('c', 'x y'); out.push(u.href);
               sp.delete('a'); sp.set('b', '3'); out.push(u.search);
               u.search = '?n=1&n=2'; out.push(sp.getAll('n'), sp === u.searchParams);
               u.href = 'http://h/?m=ü'; out.push(sp.get('m'), sp.size);
               sp.delete('m'); out.push(u.href);
               u.hash = 'g'; u.pathname = '/q'; out.push([...sp].length, u.href);
               out";
    let expected = r#"[true,"1","http://h/p?a=1&b=2&c=x+y#f","?b=3&c=x+y",["1","2"],true,"ü",1,"http://h/","0","http://h/q#g"]"#;
    assert_eq!(
        ok(src).replace("\"0\"", "0"),
        expected.replace("\"0\"", "0")
    );
    // Removing the last pair of an opaque-path URL strips trailing spaces.
    assert_eq!(
        ok("const u = new URL('data:space    ?test'); u.searchParams.delete('test'); u.href"),
        r#""data:space""#
    );
    assert_eq!(
        ok("const u = new URL('http://h/?a=b%20c+d'); u.searchParams.sort(); u.search"),
        r#""?a=b+c+d""#
    );
}

#[test]
fn interface_shape() {
    assert_eq!(ok("Object.keys(new URL('http://a/'))"), "[]");
    assert_eq!(
        ok("Object.prototype.toString.call(new URL('http://a/'))"),
        r#""[object URL]""#
    );
    assert_eq!(ok("Object.keys(URL)"), r#"["parse","canParse"]"#);
    assert!(ok("Object.keys(URLSearchParams.prototype)").contains("\"size\""));
    assert!(
        err("Object.getOwnPropertyDescriptor(URL.prototype, 'href').get.call({})")
            .starts_with("TypeError")
    );
    assert_eq!(
        ok(
            "class My extends URL {}; const m = new My('http://a/b'); [m instanceof My, m.pathname]"
        ),
        r#"[true,"/b"]"#
    );
}
