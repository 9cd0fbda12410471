//! Host patterns from `network.hosts`: an exact name (`api.tvmaze.com`) or a
//! wildcard over subdomains (`*.tvmaze.com`), optionally with a port
//! (`api.example.com:8443`). A pattern without a port allows only 80 and 443.

use std::fmt;

/// The ports a pattern without a port allows: http's and https's defaults.
pub const DEFAULT_PORTS: [u16; 2] = [80, 443];

/// One validated entry of `network.hosts`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostPattern {
    names: Names,
    port: Option<u16>,
}

/// Which host names a pattern matches.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Names {
    /// Exactly this host name.
    Exact(String),
    /// `*.domain`: any name ending in `.domain` (not `domain` itself).
    Subdomains(String),
}

impl HostPattern {
    /// Parses and validates a pattern; the error says what is wrong.
    pub fn parse(pattern: &str) -> Result<HostPattern, String> {
        if pattern == "*" {
            return Err(
                "a bare \"*\" would allow every host; list the hosts the plugin needs".into(),
            );
        }
        if pattern.contains("://") || pattern.contains('/') {
            return Err(format!(
                "\"{pattern}\" must be a host name only, without scheme or path"
            ));
        }
        if pattern.starts_with('[') || pattern.matches(':').count() > 1 {
            return Err(format!(
                "\"{pattern}\" is not a host name: IP addresses are not allowed, and one ':' may only come before a port"
            ));
        }
        let (host, port) = match pattern.split_once(':') {
            Some((host, port)) => {
                let port = parse_port(port).map_err(|why| format!("\"{pattern}\": {why}"))?;
                (host, Some(port))
            }
            None => (pattern, None),
        };
        let (wildcard, name) = match host.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, host),
        };
        if name.contains('*') {
            return Err(format!(
                "\"{pattern}\": \"*\" is only allowed as the whole first label (\"*.example.com\")"
            ));
        }
        check_dns_name(name).map_err(|why| format!("\"{pattern}\": {why}"))?;
        if is_ipv4_literal(name) {
            return Err(format!(
                "\"{pattern}\" is an IP address; plugins may only name hosts"
            ));
        }
        let labels = name.split('.').count();
        if name == "localhost" || name.ends_with(".localhost") {
            return Err(format!("\"{pattern}\" names the local machine"));
        }
        if labels < 2 {
            return Err(format!(
                "\"{pattern}\" is a single-label name; use a fully qualified host name"
            ));
        }
        let names = if wildcard {
            Names::Subdomains(name.to_string())
        } else {
            Names::Exact(name.to_string())
        };
        Ok(HostPattern { names, port })
    }

    /// Whether `host` (a lower-case host name, no port) on `port` matches:
    /// the name, and the pattern's port, or 80 or 443 if it names none.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        let port_ok = match self.port {
            Some(p) => p == port,
            None => DEFAULT_PORTS.contains(&port),
        };
        port_ok && self.matches_name(host)
    }

    /// Whether `host` matches, whatever the port.
    pub fn matches_name(&self, host: &str) -> bool {
        match &self.names {
            Names::Exact(name) => host == name,
            Names::Subdomains(domain) => host
                .strip_suffix(domain.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        }
    }

    /// The port the pattern names, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.names {
            Names::Exact(name) => f.write_str(name)?,
            Names::Subdomains(domain) => write!(f, "*.{domain}")?,
        }
        match self.port {
            Some(p) => write!(f, ":{p}"),
            None => Ok(()),
        }
    }
}

/// A pattern's port: decimal digits, 1 to 65535.
fn parse_port(text: &str) -> Result<u16, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "the port \"{text}\" must be a number from 1 to 65535"
        ));
    }
    match text.parse::<u32>() {
        Ok(p @ 1..=65535) => Ok(p as u16),
        _ => Err(format!("port {text} is out of range; use 1 to 65535")),
    }
}

fn check_dns_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty host name".into());
    }
    if name.len() > 253 {
        return Err("host name longer than 253 characters".into());
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("host names must be lower case".into());
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err("empty label (leading, trailing or double dot)".into());
        }
        if label.len() > 63 {
            return Err(format!("label \"{label}\" is longer than 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "label \"{label}\" may only hold a-z, 0-9 and '-' (use punycode for IDNs)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label \"{label}\" starts or ends with '-'"));
        }
    }
    Ok(())
}

/// Dotted decimal, and the shorthand forms (`127.1`, `2130706433`) that
/// resolvers also accept as addresses.
fn is_ipv4_literal(name: &str) -> bool {
    name.split('.').all(|l| {
        !l.is_empty()
            && (l.bytes().all(|b| b.is_ascii_digit())
                || (l.starts_with("0x")
                    && l.len() > 2
                    && l[2..].bytes().all(|b| b.is_ascii_hexdigit())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_and_wildcards() {
        for (text, names, port) in [
            (
                "api.tvmaze.com",
                Names::Exact("api.tvmaze.com".into()),
                None,
            ),
            (
                "*.archive.org",
                Names::Subdomains("archive.org".into()),
                None,
            ),
            (
                "api.example.com:8443",
                Names::Exact("api.example.com".into()),
                Some(8443),
            ),
            (
                "*.example.com:1",
                Names::Subdomains("example.com".into()),
                Some(1),
            ),
            (
                "a.example.com:65535",
                Names::Exact("a.example.com".into()),
                Some(65535),
            ),
        ] {
            let p = HostPattern::parse(text).unwrap();
            assert_eq!(p, HostPattern { names, port }, "{text}");
            assert_eq!(p.to_string(), text);
        }
    }

    #[test]
    fn refuses_what_would_widen_the_sandbox() {
        for bad in [
            "*",
            "*.com",
            "localhost",
            "api.localhost",
            "127.0.0.1",
            "10.1",
            "0x7f.1",
            "[::1]",
            "::1",
            "example.com:",
            "example.com:0",
            "example.com:65536",
            "example.com:99999999999",
            "example.com:http",
            "example.com:+80",
            "example.com:80:80",
            "*:80",
            "https://example.com",
            "example.com/path",
            "a.*.example.com",
            "Example.com",
            "exa_mple.com",
            "-a.example.com",
            "a..example.com",
            "example.com.",
            "",
            "intranet",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn wildcard_matches_subdomains_only() {
        let p = HostPattern::parse("*.archive.org").unwrap();
        assert!(p.matches("ia800.archive.org", 443));
        assert!(p.matches("a.b.archive.org", 80));
        assert!(!p.matches("archive.org", 443));
        assert!(!p.matches("evilarchive.org", 443));
        assert!(!p.matches("archive.org.evil.com", 443));
        let e = HostPattern::parse("api.tvmaze.com").unwrap();
        assert!(e.matches("api.tvmaze.com", 443));
        assert!(!e.matches("x.api.tvmaze.com", 443));
        assert_eq!(p.to_string(), "*.archive.org");
    }

    #[test]
    fn ports_are_80_and_443_unless_the_pattern_names_one() {
        let any = HostPattern::parse("api.example.com").unwrap();
        assert!(any.matches("api.example.com", 80));
        assert!(any.matches("api.example.com", 443));
        for port in [22, 6379, 8080, 8443, 0, 65535] {
            assert!(!any.matches("api.example.com", port), "{port}");
        }
        let one = HostPattern::parse("api.example.com:8443").unwrap();
        assert!(one.matches("api.example.com", 8443));
        assert!(!one.matches("api.example.com", 443));
        assert!(!one.matches("api.example.com", 80));
        assert!(!one.matches("other.example.com", 8443));
        assert!(one.matches_name("api.example.com"));
        let wild = HostPattern::parse("*.example.com:8443").unwrap();
        assert!(wild.matches("a.example.com", 8443));
        assert!(!wild.matches("a.example.com", 443));
        let e = HostPattern::parse("api.example.com:0").unwrap_err();
        assert!(
            e.contains("out of range") && e.contains("1 to 65535"),
            "{e}"
        );
        let e = HostPattern::parse("api.example.com:ssh").unwrap_err();
        assert!(e.contains("must be a number"), "{e}");
    }
}
