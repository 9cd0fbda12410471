//! Host patterns from `network.hosts`: an exact name (`api.tvmaze.com`) or a
//! wildcard over subdomains (`*.tvmaze.com`).

use std::fmt;

/// One validated entry of `network.hosts`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HostPattern {
    /// Matches exactly this host name.
    Exact(String),
    /// `*.domain`: matches any name ending in `.domain` (not `domain` itself).
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
        if pattern.contains(':') || pattern.starts_with('[') {
            return Err(format!(
                "\"{pattern}\" looks like an IP address or has a port; use a host name without port"
            ));
        }
        let (wildcard, name) = match pattern.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, pattern),
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
        Ok(if wildcard {
            HostPattern::Subdomains(name.to_string())
        } else {
            HostPattern::Exact(name.to_string())
        })
    }

    /// Whether `host` (a lower-case host name, no port) matches.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(name) => host == name,
            HostPattern::Subdomains(domain) => host
                .strip_suffix(domain.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Exact(name) => f.write_str(name),
            HostPattern::Subdomains(domain) => write!(f, "*.{domain}"),
        }
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
        assert_eq!(
            HostPattern::parse("api.tvmaze.com"),
            Ok(HostPattern::Exact("api.tvmaze.com".into()))
        );
        assert_eq!(
            HostPattern::parse("*.archive.org"),
            Ok(HostPattern::Subdomains("archive.org".into()))
        );
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
            "example.com:8080",
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
        assert!(p.matches("ia800.archive.org"));
        assert!(p.matches("a.b.archive.org"));
        assert!(!p.matches("archive.org"));
        assert!(!p.matches("evilarchive.org"));
        assert!(!p.matches("archive.org.evil.com"));
        let e = HostPattern::parse("api.tvmaze.com").unwrap();
        assert!(e.matches("api.tvmaze.com"));
        assert!(!e.matches("x.api.tvmaze.com"));
        assert_eq!(p.to_string(), "*.archive.org");
    }
}
