//! URLs a plugin may fetch: http or https, a host name, no userinfo.

use ureq::http::Uri;

/// A validated request URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    /// `http` or `https`.
    pub https: bool,
    /// Lower-case host, without a trailing dot, IPv6 literals bracketed.
    pub host: String,
    /// Explicit port, if any.
    pub port: Option<u16>,
    /// Path and query, starting with `/`.
    pub path_and_query: String,
}

impl Url {
    /// Parses and checks a URL; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Url, String> {
        let text = text.split('#').next().unwrap_or("");
        if let Some(other) = scheme(text)
            .filter(|s| !s.eq_ignore_ascii_case("http") && !s.eq_ignore_ascii_case("https"))
        {
            return Err(format!(
                "scheme \"{}\" is not allowed; use http or https",
                other.to_ascii_lowercase()
            ));
        }
        if !text.contains("://") {
            return Err(format!(
                "\"{}\" is not an absolute url (it needs http:// or https://)",
                shorten(text)
            ));
        }
        let uri: Uri = text
            .parse()
            .map_err(|e| format!("\"{}\" is not a valid url: {e}", shorten(text)))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(other) => {
                return Err(format!(
                    "scheme \"{other}\" is not allowed; use http or https"
                ));
            }
            None => return Err(format!("\"{}\" is not an absolute url", shorten(text))),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| format!("\"{}\" has no host", shorten(text)))?;
        if authority.as_str().contains('@') {
            return Err("urls with user names or passwords are not allowed; send an Authorization header instead".into());
        }
        let mut host = authority.host().to_ascii_lowercase();
        if host.ends_with('.') {
            host.pop();
        }
        if host.is_empty() {
            return Err(format!("\"{}\" has no host", shorten(text)));
        }
        Ok(Url {
            https,
            host,
            port: authority.port_u16(),
            path_and_query: uri
                .path_and_query()
                .map_or_else(|| "/".to_string(), |p| p.as_str().to_string()),
        })
    }

    /// The URL as sent.
    pub fn as_string(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        match self.port {
            Some(p) => format!("{scheme}://{}:{p}{}", self.host, self.path_and_query),
            None => format!("{scheme}://{}{}", self.host, self.path_and_query),
        }
    }

    /// The port connected to: the explicit one, else 80 or 443 by scheme.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(if self.https { 443 } else { 80 })
    }

    /// Scheme, host and port: what decides whether credentials may follow
    /// a redirect.
    pub fn origin(&self) -> (bool, &str, u16) {
        (self.https, &self.host, self.effective_port())
    }

    /// Whether a redirect from this URL to `next` may be followed: never
    /// from https to http, where the plugin's headers (an `X-Api-Key`, say)
    /// and the response would cross the network in the clear.
    pub fn check_redirect(&self, next: &Url) -> Result<(), String> {
        if self.https && !next.https {
            return Err(format!(
                "refused a redirect from https to http ({} to {}); the server must redirect to https",
                shorten(&self.as_string()),
                shorten(&next.as_string())
            ));
        }
        Ok(())
    }

    /// Resolves a redirect's `Location` against this URL (RFC 3986, as
    /// browsers do) and checks the result like any request URL.
    pub fn join(&self, location: &str) -> Result<Url, String> {
        let base = ::url::Url::parse(&self.as_string())
            .map_err(|e| format!("\"{}\" is not a valid url: {e}", self.as_string()))?;
        let joined = base
            .join(location.trim())
            .map_err(|e| format!("location \"{}\" is not a valid url: {e}", shorten(location)))?;
        Url::parse(joined.as_str())
    }
}

/// The scheme of an absolute url (RFC 3986: a letter, then letters,
/// digits, `+`, `-` or `.`, then `:`), so that `javascript:` and `data:`
/// urls are named as such; `host:8080/...` has none.
fn scheme(text: &str) -> Option<&str> {
    let (scheme, rest) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next()?.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let port = rest.starts_with(|c: char| c.is_ascii_digit());
    (valid && !port).then_some(scheme)
}

fn shorten(s: &str) -> String {
    if s.len() <= 200 {
        return s.to_string();
    }
    let mut cut = 200;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &s[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalizes() {
        let u = Url::parse("https://API.Example.org./a/b?q=1#frag").unwrap();
        assert!(u.https);
        assert_eq!(u.host, "api.example.org");
        assert_eq!(u.path_and_query, "/a/b?q=1");
        assert_eq!(u.as_string(), "https://api.example.org/a/b?q=1");
        let p = Url::parse("http://h.example:8080").unwrap();
        assert_eq!((p.port, p.path_and_query.as_str()), (Some(8080), "/"));
    }

    #[test]
    fn refuses_what_the_sandbox_forbids() {
        for bad in [
            "ftp://example.org/",
            "socks5://127.0.0.1:9/",
            "file:///etc/passwd",
            "https://user:pw@example.org/",
            "https://user@example.org/",
            "/relative",
            "not a url",
            "https:///nohost",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad} accepted");
        }
        assert!(
            Url::parse("https://user:pw@example.org/")
                .unwrap_err()
                .contains("Authorization")
        );
        for (bad, scheme) in [
            ("javascript:alert(1)", "javascript"),
            ("data:text/plain,x", "data"),
            ("FILE:///etc/passwd", "file"),
            ("view-source:https://example.org/", "view-source"),
        ] {
            let e = Url::parse(bad).unwrap_err();
            assert!(e.contains(&format!("scheme \"{scheme}\"")), "{bad}: {e}");
        }
        let e = Url::parse("example.org:8080/x").unwrap_err();
        assert!(e.contains("not an absolute url"), "{e}");
        assert!(Url::parse("HTTPS://example.org/").is_ok());
    }

    #[test]
    fn a_url_in_a_relative_locations_query_is_not_its_target() {
        let base = Url::parse("https://a.example/dir/page").unwrap();
        let j = |l: &str| base.join(l).unwrap().as_string();
        assert_eq!(
            j("/next?to=https://evil.example/"),
            "https://a.example/next?to=https://evil.example/"
        );
        assert_eq!(
            j("next?u=http://evil.example"),
            "https://a.example/dir/next?u=http://evil.example"
        );
        assert_eq!(j("../up"), "https://a.example/up");
        assert!(base.join("https://user:pw@b.example/").is_err());
        assert!(base.join("javascript:alert(1)").is_err());
    }

    #[test]
    fn redirects_may_not_downgrade_to_http() {
        let u = |s: &str| Url::parse(s).unwrap();
        let e = u("https://a.example/x")
            .check_redirect(&u("http://a.example/y"))
            .unwrap_err();
        assert!(e.contains("https to http"), "{e}");
        assert!(
            u("https://a.example/")
                .check_redirect(&u("http://b.example/"))
                .is_err()
        );
        for (from, to) in [
            ("http://a.example/", "https://a.example/"),
            ("http://a.example/", "http://b.example/"),
            ("https://a.example/", "https://b.example:8443/"),
        ] {
            assert_eq!(u(from).check_redirect(&u(to)), Ok(()), "{from} -> {to}");
        }
    }

    #[test]
    fn joins_redirect_locations() {
        let base = Url::parse("https://a.example/dir/page?x=1").unwrap();
        let j = |l: &str| base.join(l).unwrap().as_string();
        assert_eq!(j("https://b.example/x"), "https://b.example/x");
        assert_eq!(j("//c.example/y"), "https://c.example/y");
        assert_eq!(j("/root"), "https://a.example/root");
        assert_eq!(j("next"), "https://a.example/dir/next");
        assert_eq!(j("?y=2"), "https://a.example/dir/page?y=2");
        assert!(base.join("ftp://x.example/").is_err());
    }
}
