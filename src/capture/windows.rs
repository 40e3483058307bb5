//! The time windows a date range is read in, so that a large account never needs one huge
//! Task Status List request.

use chrono::{DateTime, Duration, Utc};

/// `[from, to]` cut into windows of `days` days, in order. Both bounds of the API's range are
/// inclusive, so consecutive windows share their boundary instant: a task created exactly
/// then comes back twice and is kept once (by its id). A range whose end is before its start
/// has no window.
pub fn windows(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    days: u32,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let step = Duration::days(i64::from(days.max(1)));
    let mut windows = Vec::new();
    let mut start = from;
    while start <= to {
        let end = (start + step).min(to);
        windows.push((start, end));
        if end == to {
            break;
        }
        start = end;
    }
    windows
}

/// An instant as the query string carries it: RFC 3339 in UTC, whole seconds when it has no
/// fraction.
pub fn query_instant(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().into()
    }

    #[test]
    fn a_range_is_cut_into_windows_sharing_their_boundaries() {
        let cut = windows(at("2022-01-01T00:00:00Z"), at("2022-03-15T00:00:00Z"), 30);
        let shown: Vec<(String, String)> = cut
            .into_iter()
            .map(|(a, b)| (query_instant(a), query_instant(b)))
            .collect();
        assert_eq!(
            shown,
            [
                ("2022-01-01T00:00:00Z", "2022-01-31T00:00:00Z"),
                ("2022-01-31T00:00:00Z", "2022-03-02T00:00:00Z"),
                ("2022-03-02T00:00:00Z", "2022-03-15T00:00:00Z"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
    }

    #[test]
    fn a_short_or_empty_range_has_one_or_no_window() {
        let instant = at("2022-01-01T00:00:00Z");
        assert_eq!(windows(instant, instant, 30), [(instant, instant)]);
        assert!(windows(instant, at("2021-12-31T00:00:00Z"), 30).is_empty());
    }
}
