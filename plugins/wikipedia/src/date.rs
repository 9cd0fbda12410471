//! Calendar days (the featured feed is one per UTC day, and a day is the
//! page cursor) and the feed's ISO 8601 timestamps.

use bex_pdk::{Error, PluginError, clock};

const MS_PER_DAY: i64 = 86_400_000;

/// A UTC calendar day. Fields in this order so the derived ordering is
/// chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    year: i32,
    month: u32,
    day: u32,
}

/// The first day the featured feed serves ("Earliest year supported is
/// 2016", https://www.mediawiki.org/wiki/Wikifeeds): no cursor goes past it.
pub const EARLIEST: Day = Day {
    year: 2016,
    month: 1,
    day: 1,
};

impl Day {
    /// The UTC day of `ms` since the epoch.
    pub fn from_ms(ms: u64) -> Day {
        let (year, month, day) = clock::utc_date(ms);
        Day { year, month, day }
    }

    /// A `YYYY-MM-DD` cursor (as [`cursor`](Self::cursor) writes it); a real
    /// date from 1970 on, else `invalid-input`.
    pub fn parse(cursor: &str) -> Result<Day, PluginError> {
        let bad =
            || Error::invalid_input(format!("bad page cursor {cursor:?} (expected YYYY-MM-DD)"));
        let b = cursor.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return Err(bad());
        }
        let day = Day {
            year: cursor[0..4].parse().map_err(|_| bad())?,
            month: cursor[5..7].parse().map_err(|_| bad())?,
            day: cursor[8..10].parse().map_err(|_| bad())?,
        };
        // A date that does not survive the round trip (2025-02-30, month 13)
        // is not a date.
        if day.year < 1970 || !(1..=12).contains(&day.month) || day.round_trip() != Some(day) {
            return Err(bad());
        }
        Ok(day)
    }

    /// The day before.
    pub fn previous(self) -> Day {
        Day::from_days(self.days() - 1)
    }

    /// `YYYY-MM-DD`, the page cursor.
    pub fn cursor(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `YYYY/MM/DD`, as the feed's url wants it (zero-padded).
    pub fn path(self) -> String {
        format!("{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }

    /// Days since 1970-01-01 (Howard Hinnant's days-from-civil).
    fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn from_days(days: i64) -> Day {
        Day::from_ms((days.max(0) * MS_PER_DAY) as u64)
    }

    fn round_trip(self) -> Option<Day> {
        let days = self.days();
        (days >= 0).then(|| Day::from_days(days))
    }
}

/// Milliseconds since the epoch of an ISO 8601 UTC timestamp as the REST
/// API writes them (`2025-11-28T21:14:03Z`, optionally with fractional
/// seconds); `None` for anything else.
pub fn timestamp_ms(s: &str) -> Option<u64> {
    let (date, time) = s.split_once('T')?;
    let day = Day::parse(date).ok()?;
    let time = time.strip_suffix('Z')?;
    let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut parts = hms
        .split(':')
        .map(|p| p.parse::<u64>().ok().filter(|_| p.len() == 2));
    let (h, m, sec) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let millis = match fraction {
        "" => 0,
        f if f.bytes().all(|c| c.is_ascii_digit()) => {
            format!("{f:0<3}")[..3].parse::<u64>().ok()?
        }
        _ => return None,
    };
    let days = u64::try_from(day.days()).ok()?;
    Some(days * MS_PER_DAY as u64 + ((h * 60 + m) * 60 + sec) * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_step_back() {
        let d = Day::parse("2025-11-29").unwrap();
        assert_eq!(d.cursor(), "2025-11-29");
        assert_eq!(d.path(), "2025/11/29");
        assert_eq!(d.previous().cursor(), "2025-11-28");
        assert_eq!(
            Day::parse("2024-03-01").unwrap().previous().cursor(),
            "2024-02-29"
        );
        assert_eq!(
            Day::parse("2025-01-01").unwrap().previous().cursor(),
            "2024-12-31"
        );
        assert_eq!(Day::from_ms(1_764_417_600_000), d);
        assert!(EARLIEST.previous() < EARLIEST);
    }

    #[test]
    fn bad_cursors_are_invalid_input() {
        for bad in [
            "",
            "2",
            "2025-11-9",
            "2025/11/29",
            "2025-02-30",
            "2025-13-01",
            "1969-12-31",
            "+025-11-29",
        ] {
            assert!(
                matches!(Day::parse(bad), Err(PluginError::InvalidInput(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn timestamps_to_epoch_milliseconds() {
        assert_eq!(
            timestamp_ms("2025-11-29T12:00:00Z"),
            Some(1_764_417_600_000)
        );
        assert_eq!(timestamp_ms("1970-01-01T00:00:01.5Z"), Some(1_500));
        assert_eq!(timestamp_ms("2025-11-29"), None);
        assert_eq!(timestamp_ms("2025-11-29T12:00:00+01:00"), None);
        assert_eq!(timestamp_ms("2025-11-29T24:00:00Z"), None);
    }
}
