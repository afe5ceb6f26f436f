//! Stored moments as text: dates and times in UTC, for pages, exports and file names.
//!
//! The zone is always UTC and named; local time zones are left out on purpose (the server may
//! not share the browser's zone).

use tonus_store::Timestamp;

/// `2026-11-24 07:10 UTC`.
pub fn datetime(ts: Timestamp) -> String {
    let secs = ts.0.div_euclid(1000);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 3600, (rem % 3600) / 60)
}

/// `2026-11-24`.
pub fn date(ts: Timestamp) -> String {
    let (y, m, d) = civil_from_days(ts.0.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-11-24T07:10:33Z`, for files other programs read.
pub fn iso8601(ts: Timestamp) -> String {
    let secs = ts.0.div_euclid(1000);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_in_utc() {
        assert_eq!(datetime(Timestamp(0)), "1970-01-01 00:00 UTC");
        assert_eq!(datetime(Timestamp(1_795_000_000_000)), "2026-11-18 11:06 UTC");
        assert_eq!(date(Timestamp(951_782_400_000)), "2000-02-29");
        assert_eq!(iso8601(Timestamp(1_795_000_000_000)), "2026-11-18T11:06:40Z");
        assert_eq!(date(Timestamp(-1)), "1969-12-31");
    }
}
