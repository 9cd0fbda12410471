//! Time from the host (`clock` interface). In replay (`--replay`), the
//! wall clock reads the time the fixtures were recorded at, so a plugin
//! whose urls carry today's date replays the same way every day
//! (docs/recording.md).

/// Milliseconds since the Unix epoch (UTC).
pub fn now_ms() -> u64 {
    crate::bindings::bex::plugin::clock::now_ms()
}

/// A monotonic clock in nanoseconds, for measuring durations.
pub fn monotonic_ns() -> u64 {
    crate::bindings::bex::plugin::clock::monotonic()
}

/// The UTC calendar date (year, month 1-12, day 1-31) of `ms` since the epoch.
pub fn utc_date(ms: u64) -> (i32, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm.
    let days = (ms / 86_400_000) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::utc_date;

    #[test]
    fn dates_from_epoch_milliseconds() {
        assert_eq!(utc_date(0), (1970, 1, 1));
        assert_eq!(utc_date(951_782_400_000), (2000, 2, 29));
        assert_eq!(utc_date(1_764_374_400_000), (2025, 11, 29));
        assert_eq!(utc_date(1_764_460_799_999), (2025, 11, 29));
    }
}
