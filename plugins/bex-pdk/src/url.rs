//! Absolute urls from the relative ones a page holds (`href="/wiki/x"`,
//! `src="../img.jpg"`, `//cdn.example/a`), as a browser resolves them
//! (RFC 3986 §5.2, with the WHATWG's whitespace and backslash handling).
//!
//! ```text
//! let url = bex_pdk::url::join("https://example.org/films/list?page=2", "../a b.webm");
//! assert_eq!(url.as_deref(), Some("https://example.org/a%20b.webm"));
//! ```

/// `reference` resolved against `base` (an absolute http or https url).
/// `None` when the result is not an http or https url (`javascript:`,
/// `mailto:`, `data:`, an empty or broken base). Spaces, quotes, angle
/// brackets, controls and non-ASCII characters come back percent-encoded.
pub fn join(base: &str, reference: &str) -> Option<String> {
    let reference = clean(reference);
    let base = Parts::of(base.trim())?;
    if !matches!(base.scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return None;
    }
    let r = Parts::of_reference(&reference);
    let (scheme, authority, path, query) = if let Some(scheme) = r.scheme_opt {
        (
            scheme.to_ascii_lowercase(),
            r.authority?,
            dots(r.path),
            r.query,
        )
    } else if let Some(authority) = r.authority {
        (
            base.scheme.to_ascii_lowercase(),
            authority,
            dots(r.path),
            r.query,
        )
    } else if r.path.is_empty() {
        let query = r.query.or(base.query);
        (
            base.scheme.to_ascii_lowercase(),
            base.authority?,
            base.path.to_string(),
            query,
        )
    } else if r.path.starts_with('/') {
        (
            base.scheme.to_ascii_lowercase(),
            base.authority?,
            dots(r.path),
            r.query,
        )
    } else {
        let authority = base.authority?;
        let merged = match base.path.rfind('/') {
            Some(i) => format!("{}{}", &base.path[..=i], r.path),
            None => format!("/{}", r.path),
        };
        (
            base.scheme.to_ascii_lowercase(),
            authority,
            dots(&merged),
            r.query,
        )
    };
    if !matches!(scheme.as_str(), "http" | "https") || authority.is_empty() {
        return None;
    }
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        path
    };
    let mut out = format!("{scheme}://{authority}{path}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = r.fragment {
        out.push('#');
        out.push_str(f);
    }
    Some(encode(&out))
}

/// As an attribute value reaches a browser's url parser: leading and
/// trailing whitespace gone, tabs and newlines inside removed, `\` as `/`.
fn clean(reference: &str) -> String {
    reference
        .trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control())
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect()
}

/// The five parts of RFC 3986 §3, borrowed.
struct Parts<'a> {
    scheme: &'a str,
    scheme_opt: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

impl<'a> Parts<'a> {
    fn of(url: &'a str) -> Option<Parts<'a>> {
        let parts = Parts::of_reference(url);
        parts.scheme_opt.map(|scheme| Parts { scheme, ..parts })
    }

    fn of_reference(s: &'a str) -> Parts<'a> {
        let (s, fragment) = match s.split_once('#') {
            Some((a, f)) => (a, Some(f)),
            None => (s, None),
        };
        let (s, query) = match s.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (s, None),
        };
        let scheme_opt = s.find(':').map(|i| &s[..i]).filter(|scheme| {
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        let rest = scheme_opt.map_or(s, |scheme| &s[scheme.len() + 1..]);
        let (authority, path) = match rest.strip_prefix("//") {
            Some(r) => {
                let end = r.find('/').unwrap_or(r.len());
                (Some(&r[..end]), &r[end..])
            }
            None => (None, rest),
        };
        Parts {
            scheme: scheme_opt.unwrap_or(""),
            scheme_opt,
            authority,
            path,
            query,
            fragment,
        }
    }
}

/// RFC 3986 §5.2.4: `.` and `..` segments removed.
fn dots(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." | ".." if i == last => {
                if *segment == ".." && out.len() > 1 {
                    out.pop();
                }
                out.push("");
            }
            "." => {}
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if path.starts_with('/') && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Percent-encodes what may not stand in a url as it is.
fn encode(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '`' | '{' | '}' | '|' | '^') {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn rfc_3986_examples() {
        // RFC 3986 §5.4.1 and §5.4.2, over an http base.
        let base = "http://a/b/c/d;p?q";
        let cases = [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("g#s", "http://a/b/c/g#s"),
            (";x", "http://a/b/c/;x"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            ("..g", "http://a/b/c/..g"),
            ("./../g", "http://a/b/g"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("g;x=1/../y", "http://a/b/c/y"),
            ("g?y/./x", "http://a/b/c/g?y/./x"),
            ("g#s/../x", "http://a/b/c/g#s/../x"),
            ("https://other.org/x/../y", "https://other.org/y"),
        ];
        for (reference, want) in cases {
            assert_eq!(
                join(base, reference).as_deref(),
                Some(want),
                "{reference:?}"
            );
        }
    }

    #[test]
    fn what_a_page_holds() {
        let page = "https://commons.example.org/wiki/Category:Films?from=N";
        let j = |r| join(page, r);
        assert_eq!(
            j(" /wiki/File:A b.webm\n").as_deref(),
            Some("https://commons.example.org/wiki/File:A%20b.webm")
        );
        assert_eq!(
            j("//upload.example.org/f/Café.webm").as_deref(),
            Some("https://upload.example.org/f/Caf%C3%A9.webm")
        );
        assert_eq!(
            j("\\wiki\\x").as_deref(),
            Some("https://commons.example.org/wiki/x")
        );
        assert_eq!(
            j("HTTP://Example.org").as_deref(),
            Some("http://Example.org/")
        );
        for refused in [
            "javascript:alert(1)",
            "mailto:a@b",
            "data:text/html,x",
            "ftp://x/y",
        ] {
            assert_eq!(j(refused), None, "{refused}");
        }
        assert_eq!(join("/relative/base", "x"), None);
        assert_eq!(join("file:///etc/passwd", "x"), None);
    }
}
