//! A small per-plugin response cache for GET requests, honouring
//! `Cache-Control: max-age` and the request's `cache-mode`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Most entries per plugin.
const MAX_ENTRIES: usize = 64;
/// Most body bytes per plugin.
const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Largest single body cached.
const MAX_ENTRY_BYTES: usize = 1024 * 1024;

/// A cached response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cached {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub final_url: String,
}

struct Entry {
    url: String,
    response: Cached,
    expires: Instant,
}

/// Oldest-first eviction within an entry and a byte budget.
#[derive(Default)]
pub(crate) struct ResponseCache {
    entries: VecDeque<Entry>,
    bytes: usize,
}

impl ResponseCache {
    /// The cached response for `url`: only a fresh one, unless
    /// `allow_stale`.
    pub fn get(&self, url: &str, allow_stale: bool) -> Option<Cached> {
        let now = Instant::now();
        self.entries
            .iter()
            .find(|e| e.url == url && (allow_stale || e.expires > now))
            .map(|e| e.response.clone())
    }

    /// Stores `response` for `fresh_for`, replacing any entry for `url`.
    pub fn put(&mut self, url: &str, response: Cached, fresh_for: Duration) {
        if response.body.len() > MAX_ENTRY_BYTES {
            return;
        }
        self.remove(url);
        self.bytes += response.body.len();
        self.entries.push_back(Entry {
            url: url.to_string(),
            response,
            expires: Instant::now() + fresh_for,
        });
        while self.entries.len() > MAX_ENTRIES || self.bytes > MAX_BYTES {
            let Some(old) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= old.response.body.len();
        }
    }

    fn remove(&mut self, url: &str) {
        if let Some(i) = self.entries.iter().position(|e| e.url == url) {
            let old = self.entries.remove(i).expect("index is valid");
            self.bytes -= old.response.body.len();
        }
    }
}

/// How long a response may be served from cache, from its Cache-Control
/// header; `None` if it must not be stored.
pub(crate) fn freshness(headers: &[(String, String)]) -> Option<Duration> {
    let cc = headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("cache-control"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",");
    let mut max_age = None;
    for directive in cc.split(',').map(str::trim) {
        if directive == "no-store" {
            return None;
        }
        if directive == "no-cache" {
            max_age = Some(0);
        }
        if let Some(v) = directive.strip_prefix("max-age=") {
            max_age = max_age.or(v.trim_matches('"').parse::<u64>().ok());
        }
    }
    max_age.map(|s| Duration::from_secs(s.min(24 * 3600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(n: usize) -> Cached {
        Cached {
            status: 200,
            headers: vec![],
            body: vec![1; n],
            final_url: "u".into(),
        }
    }

    fn h(v: &str) -> Vec<(String, String)> {
        vec![("Cache-Control".into(), v.into())]
    }

    #[test]
    fn freshness_follows_cache_control() {
        assert_eq!(
            freshness(&h("public, max-age=60")),
            Some(Duration::from_secs(60))
        );
        assert_eq!(freshness(&h("max-age=60, no-store")), None);
        assert_eq!(freshness(&h("no-cache")), Some(Duration::ZERO));
        assert_eq!(freshness(&[]), None);
        assert_eq!(freshness(&h("max-age=abc")), None);
    }

    #[test]
    fn fresh_and_stale_lookups() {
        let mut c = ResponseCache::default();
        c.put("a", resp(1), Duration::from_secs(60));
        c.put("b", resp(1), Duration::ZERO);
        assert!(c.get("a", false).is_some());
        assert!(c.get("b", false).is_none(), "stale");
        assert!(c.get("b", true).is_some(), "force-cache serves stale");
        assert!(c.get("c", true).is_none());
    }

    #[test]
    fn eviction_keeps_within_budgets() {
        let mut c = ResponseCache::default();
        for i in 0..MAX_ENTRIES + 5 {
            c.put(&format!("u{i}"), resp(10), Duration::from_secs(60));
        }
        assert_eq!(c.entries.len(), MAX_ENTRIES);
        assert!(c.get("u0", true).is_none());
        c.put("big", resp(MAX_ENTRY_BYTES + 1), Duration::from_secs(60));
        assert!(c.get("big", true).is_none());
        for i in 0..8 {
            c.put(
                &format!("m{i}"),
                resp(MAX_ENTRY_BYTES),
                Duration::from_secs(60),
            );
        }
        assert!(c.bytes <= MAX_BYTES);
    }
}
