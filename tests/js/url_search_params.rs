//! URLSearchParams against the WHATWG URL Standard (its sync with `URL`
//! is in tests/url.rs).

use crate::support::run;

/// Runs `src`, expecting a result.
fn ok(src: &str) -> String {
    run(src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// Runs `src`, expecting a thrown error.
fn err(src: &str) -> String {
    run(src).expect_err(src)
}

#[test]
fn search_params_parsing() {
    let list = |init: &str| ok(&format!("[...new URLSearchParams({init})]"));
    assert_eq!(list("'?a=1&b=2'"), r#"[["a","1"],["b","2"]]"#);
    assert_eq!(list("'a=1&b=2'"), r#"[["a","1"],["b","2"]]"#);
    assert_eq!(list("'??a=1'"), r#"[["?a","1"]]"#);
    assert_eq!(list("'a=b+c%20d%2B'"), r#"[["a","b c d+"]]"#);
    assert_eq!(
        list("'&&a=1&&=&b&=x&c=='"),
        r#"[["a","1"],["",""],["b",""],["","x"],["c","="]]"#
    );
    assert_eq!(
        list("'%C3%BC=%F0%9F%98%80&%zz=%'"),
        r#"[["ü","😀"],["%zz","%"]]"#
    );
    assert_eq!(list("'%FF=%C3'"), r#"[["�","�"]]"#);
    assert_eq!(list("''"), "[]");
    assert_eq!(list(""), "[]");
    assert_eq!(list("null"), r#"[["null",""]]"#);
    assert_eq!(
        list("[['a', 1], ['a', 2], new Set(['b', 'c'])]"),
        r#"[["a","1"],["a","2"],["b","c"]]"#
    );
    assert_eq!(list("{b: 1, a: '2 3'}"), r#"[["b","1"],["a","2 3"]]"#);
    assert_eq!(
        list("new URLSearchParams('x=1&y=2')"),
        r#"[["x","1"],["y","2"]]"#
    );
    assert_eq!(
        list("Object.create({inherited: 1}, {own: {value: 2, enumerable: true}})"),
        r#"[["own","2"]]"#
    );
    for bad in [
        "[['a']]",
        "[['a', 'b', 'c']]",
        "['ab']",
        "{[Symbol.iterator]: 5}",
        "{[Symbol()]: 1}",
    ] {
        assert!(
            err(&format!("new URLSearchParams({bad})")).starts_with("TypeError"),
            "{bad}"
        );
    }
}

#[test]
fn search_params_serialisation() {
    let ser = |init: &str| ok(&format!("new URLSearchParams({init}).toString()"));
    assert_eq!(ser("[['a b', 'c+d']]"), r#""a+b=c%2Bd""#);
    assert_eq!(ser("[['ü', '😀']]"), r#""%C3%BC=%F0%9F%98%80""#);
    assert_eq!(
        ser("[['k', \"*-._~!'()&=%/?#\"]]"),
        r#""k=*-._%7E%21%27%28%29%26%3D%25%2F%3F%23""#
    );
    assert_eq!(ser("[['', '']]"), r#""=""#);
    assert_eq!(
        ser("[['\\uD800', '\\uDC00x']]"),
        r#""%EF%BF%BD=%EF%BF%BDx""#
    );
    assert_eq!(ser("'a=1&&b=2'"), r#""a=1&b=2""#);
    assert_eq!(ok("String(new URLSearchParams('x=%20'))"), r#""x=+""#);
}

#[test]
fn search_params_methods() {
    let src = "const p = new URLSearchParams('a=1&b=2&a=3&c=4');
               const out = [p.size, p.get('a'), p.get('z'), p.getAll('a'), p.getAll('z'), p.has('b'),
                            p.has('a', '3'), p.has('a', '9'), p.has('z')];
               p.set('a', '9'); out.push(p.toString());
               p.set('d', '5'); out.push(p.toString());
               p.append('b', '6'); p.delete('b', '2'); out.push(p.toString());
               p.delete('b'); out.push(p.toString(), p.size);
               out";
    assert_eq!(
        ok(src),
        r#"[4,"1",null,["1","3"],[],true,true,false,false,"a=9&b=2&c=4","a=9&b=2&c=4&d=5","a=9&c=4&d=5&b=6","a=9&c=4&d=5",3]"#
    );
    assert_eq!(
        ok("const p = new URLSearchParams('a=1&b=2'); p.delete('a', undefined); p.toString()"),
        r#""b=2""#
    );
    assert!(err("new URLSearchParams().append('a')").starts_with("TypeError"));
    assert!(err("new URLSearchParams().get()").starts_with("TypeError"));
    assert!(err("URLSearchParams.prototype.get.call({}, 'a')").starts_with("TypeError"));
}

#[test]
fn sort_is_stable_by_code_units() {
    assert_eq!(
        ok("const p = new URLSearchParams('z=1&a=1&z=2&b=0&a=2&z=3&a=3'); p.sort(); p.toString()"),
        r#""a=1&a=2&a=3&b=0&z=1&z=2&z=3""#
    );
    // UTF-16 order: U+1F308 (surrogates D83C DF08) sorts before U+FB03.
    assert_eq!(
        ok("const p = new URLSearchParams('ﬃ&🌈'); p.sort(); [...p.keys()]"),
        r#"["🌈","ﬃ"]"#
    );
    let src = "const names = []; for (let i = 0; i < 200; i++) names.push([String.fromCharCode(97 + i % 3), String(i)]);
               const p = new URLSearchParams(names); p.sort();
               const v = [...p].map(([n, v]) => n + ':' + v);
               const want = names.slice().sort((x, y) => x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1]).map(([n, v]) => n + ':' + v);
               v.join() === want.join()";
    assert_eq!(ok(src), "true");
}

#[test]
fn iteration() {
    let src = "const p = new URLSearchParams('a=1&b=2');
               const seen = []; p.forEach(function (v, k, self) { seen.push([k, v, self === p, this.t]) }, {t: 7});
               [seen, [...p.keys()], [...p.values()], [...p.entries()], [...p],
                p[Symbol.iterator] === p.entries, Object.prototype.toString.call(p.keys())]";
    assert_eq!(
        ok(src),
        r#"[[["a","1",true,7],["b","2",true,7]],["a","b"],["1","2"],[["a","1"],["b","2"]],[["a","1"],["b","2"]],true,"[object URLSearchParams Iterator]"]"#
    );
    // Iterators are live over the list, by index.
    let src = "const p = new URLSearchParams('a=1&b=2&c=3'); const out = [];
               for (const [k] of p) { out.push(k); if (k === 'a') p.delete('b'); if (k === 'c') p.append('d', 4) }
               out";
    assert_eq!(ok(src), r#"["a","c","d"]"#);
    assert_eq!(
        ok("const it = new URLSearchParams('a=1').keys(); [it.next(), it.next()]"),
        r#"[{"value":"a","done":false},{"done":true}]"#
    );
}
