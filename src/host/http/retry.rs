//! A `429 Too Many Requests` the server asks to retry soon (`Retry-After`)
//! is retried by the host, inside the call's deadline, so a plugin (kit or
//! not) does not fail a call the source would have served a moment later.
//! The guest cannot wait itself: the contract has no sleep, and a WASI
//! sleep would start wasmtime-wasi's hidden runtime.
//!
//! The wait is bounded three ways: at most [`MAX_RETRIES`] retries of one
//! request, at most [`MAX_WAIT`] each, and only when the retry still has
//! [`MIN_LEFT_AFTER_WAIT`] before the deadline. Otherwise the 429 goes to
//! the plugin as it came. Each retry is a request like any other: it takes a
//! rate token and a connection slot. A cancel ends the wait within one
//! [`POLL`].

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cancel::{CancelToken, Cancelled, POLL};

/// Retries of one request after a 429.
pub(crate) const MAX_RETRIES: u32 = 2;
/// The longest `Retry-After` the host waits for; a longer one goes to the
/// plugin (an interactive call should not hang on it).
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(10);
/// Time the retried request needs before the deadline, after the wait.
pub(crate) const MIN_LEFT_AFTER_WAIT: Duration = Duration::from_millis(500);

/// How long to wait before retrying a response with `status` and
/// `headers`, or `None` to hand it to the plugin.
pub(crate) fn wait_for(
    status: u16,
    headers: &[(String, String)],
    retries: u32,
    deadline: Instant,
) -> Option<Duration> {
    if status != 429 || retries >= MAX_RETRIES {
        return None;
    }
    let value = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))?
        .1
        .trim();
    let wait = retry_after(value, SystemTime::now())?;
    let left = deadline.saturating_duration_since(Instant::now());
    (wait <= MAX_WAIT && wait + MIN_LEFT_AFTER_WAIT <= left).then_some(wait)
}

/// Waits `wait`, or less if the call is cancelled.
pub(crate) fn pause(wait: Duration) -> Result<(), Cancelled> {
    let until = Instant::now() + wait;
    loop {
        if CancelToken::current_cancelled() {
            return Err(Cancelled);
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(POLL));
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date
/// (IMF-fixdate) measured from `now` (a date in the past is no wait).
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = UNIX_EPOCH + Duration::from_secs(imf_fixdate(value)?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Seconds since the epoch of `Sun, 06 Nov 1994 08:49:37 GMT`.
fn imf_fixdate(value: &str) -> Option<u64> {
    let mut parts = value.split(' ');
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: u64 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let year: u64 = parts.next()?.parse().ok()?;
    let mut time = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (time.next()??, time.next()??, time.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() || time.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || year < 1970 || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (Howard Hinnant's algorithm, for years from 1970).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &str) -> Vec<(String, String)> {
        vec![("Retry-After".into(), v.into())]
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(imf_fixdate("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            imf_fixdate("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(1_835_438_400)
        );
        for bad in [
            "",
            "-1",
            "3.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Foo 1994 08:49:37 GMT",
        ] {
            assert_eq!(retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn a_cancel_ends_the_wait() {
        let token = CancelToken::new();
        let _entered = token.enter();
        token.cancel();
        let started = Instant::now();
        assert!(pause(Duration::from_secs(10)).is_err());
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(_entered);
    }

    #[test]
    fn only_a_near_enough_429_is_waited_for() {
        let far = Instant::now() + Duration::from_secs(30);
        assert_eq!(wait_for(429, &h("1"), 0, far), Some(Duration::from_secs(1)));
        assert_eq!(wait_for(503, &h("1"), 0, far), None, "only 429");
        assert_eq!(wait_for(429, &[], 0, far), None, "no Retry-After");
        assert_eq!(
            wait_for(429, &h("1"), MAX_RETRIES, far),
            None,
            "retries used up"
        );
        assert_eq!(
            wait_for(429, &h("11"), 0, far),
            None,
            "longer than MAX_WAIT"
        );
        let near = Instant::now() + Duration::from_millis(1200);
        assert_eq!(wait_for(429, &h("1"), 0, near), None, "past the deadline");
    }
}
