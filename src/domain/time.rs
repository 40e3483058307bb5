//! The API's date-time formats.
//!
//! Queries: the documentation sends `2022-03-16T16:59:55Z`. sdemu also accepts any RFC 3339
//! offset, fractional seconds, a date-time without offset (read as UTC) and a bare date
//! (midnight UTC). Responses: tasks use whole seconds with `Z`; batches use seven fractional
//! digits (.NET ticks), exactly as the documentation's examples show.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};
use serde::{Serialize, Serializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// What a rejected date is said to be expected as, in problem bodies.
pub const DATE_EXPECTATION: &str =
    "an RFC 3339 date-time (for example 2022-03-16T16:59:55Z) or a date (2022-03-16), in the years 0001 to 9999";

/// 100-nanosecond ticks per second, the resolution of .NET's `DateTime`.
const TICKS_PER_SECOND: i64 = 10_000_000;

/// Parses a date-time in any of the accepted forms, within the range of .NET's `DateTime`
/// (years 0001 to 9999), so that every accepted instant fits in ticks (`to_ticks`).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    parse_any_year(text).filter(|instant| (1..=9999).contains(&instant.year()))
}

fn parse_any_year(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
}

/// The first whole second at or after `instant`: the stored value a `>=` bound compares with.
pub fn ceil_to_second(instant: DateTime<Utc>) -> i64 {
    let seconds = instant.timestamp();
    if instant.nanosecond() > 0 {
        seconds + 1
    } else {
        seconds
    }
}

/// The last whole second at or before `instant`: the stored value a `<=` bound compares with.
pub fn floor_to_second(instant: DateTime<Utc>) -> i64 {
    instant.timestamp()
}

/// The instant in 100-nanosecond ticks since the Unix epoch. Instants beyond the range of
/// `i64` ticks (about ±29,000 years) saturate, which keeps their order, so a query bound of
/// year -262143 or +262143 filters as "no bound" / "nothing" instead of overflowing.
pub fn to_ticks(instant: DateTime<Utc>) -> i64 {
    instant
        .timestamp()
        .saturating_mul(TICKS_PER_SECOND)
        .saturating_add(i64::from(instant.nanosecond() / 100))
}

pub fn from_ticks(ticks: i64) -> Option<DateTime<Utc>> {
    let seconds = ticks.div_euclid(TICKS_PER_SECOND);
    let nanos = (ticks.rem_euclid(TICKS_PER_SECOND) * 100) as u32;
    DateTime::from_timestamp(seconds, nanos)
}

/// A task time: stored as Unix seconds, written as `2022-03-28T14:28:56Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskTime(pub i64);

impl TaskTime {
    pub fn to_wire(self) -> String {
        DateTime::from_timestamp(self.0, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

impl Serialize for TaskTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.to_wire_digits() {
            Some(digits) => serializer.serialize_str(wire_digits_text(&digits)),
            None => serializer.serialize_str(&self.to_wire()),
        }
    }
}

impl TaskTime {
    /// What [`to_wire`](Self::to_wire) writes, for the years 0 to 9999, written digit by
    /// digit without allocating: every stored task object has two, and chrono's formatting
    /// was a tenth of the instructions of writing one (loading a large fixture). Other
    /// years (chrono writes them with a sign) take `to_wire`.
    fn to_wire_digits(self) -> Option<[u8; 20]> {
        let instant = DateTime::from_timestamp(self.0, 0).unwrap_or_default();
        let year = u32::try_from(instant.year())
            .ok()
            .filter(|year| *year <= 9999)?;
        let mut out = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, value: u32, width: usize| {
            let mut rest = value;
            for place in (at..at + width).rev() {
                // A decimal digit: always below 10.
                out[place] = b'0' + u8::try_from(rest % 10).unwrap_or(0);
                rest /= 10;
            }
        };
        put(0, year, 4);
        put(5, instant.month(), 2);
        put(8, instant.day(), 2);
        put(11, instant.hour(), 2);
        put(14, instant.minute(), 2);
        put(17, instant.second(), 2);
        Some(out)
    }
}

/// The text of [`TaskTime::to_wire_digits`]: ASCII digits and separators only.
fn wire_digits_text(digits: &[u8; 20]) -> &str {
    std::str::from_utf8(digits).unwrap_or_default()
}

impl PartialSchema for TaskTime {
    fn schema() -> RefOr<Schema> {
        wire_time_schema("UTC, whole seconds.", "2022-03-28T14:28:56Z")
    }
}

impl ToSchema for TaskTime {}

/// How a time is written on the wire: an RFC 3339 date-time string.
fn wire_time_schema(description: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .description(Some(description))
        .examples([example])
        .into()
}

/// A batch time: stored as ticks, written as `2023-08-08T08:55:29.7831583Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BatchTime(pub i64);

impl BatchTime {
    pub fn to_wire(self) -> String {
        let instant = from_ticks(self.0).unwrap_or_default();
        format!(
            "{}.{:07}Z",
            instant.format("%Y-%m-%dT%H:%M:%S"),
            self.0.rem_euclid(TICKS_PER_SECOND)
        )
    }
}

impl Serialize for BatchTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_wire())
    }
}

impl PartialSchema for BatchTime {
    fn schema() -> RefOr<Schema> {
        wire_time_schema(
            "UTC, seven fractional digits (.NET ticks).",
            "2023-08-08T08:55:29.7831583Z",
        )
    }
}

impl ToSchema for BatchTime {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_times_written_digit_by_digit_are_what_chrono_writes() {
        let mut instants = vec![
            0,
            -1,
            951_782_400, // 2000-02-29
            1_648_477_736,
            253_402_300_799, // 9999-12-31T23:59:59Z, the last year written by digits
            253_402_300_800, // +10000: chrono's sign
            -62_167_219_200, // 0000-01-01
            -62_167_219_201, // -0001: chrono's sign
            i64::MAX,
            i64::MIN,
        ];
        // A deterministic walk through four centuries, in uneven steps.
        let mut at = -2_208_988_800_i64; // 1900
        while at < 4_102_444_800 {
            instants.push(at);
            at += 7_777_777;
        }
        for seconds in instants {
            let time = TaskTime(seconds);
            let written = serde_json::to_string(&time).unwrap();
            assert_eq!(written, format!("\"{}\"", time.to_wire()), "{seconds}");
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn accepts_every_documented_form_and_reads_missing_offsets_as_utc() {
        let expected = utc("2022-03-16T16:59:55Z");
        for text in [
            "2022-03-16T16:59:55Z",
            "2022-03-16T16:59:55.000Z",
            "2022-03-16T17:59:55+01:00",
            "2022-03-16T16:59:55",
            "2022-03-16t16:59:55z",
        ] {
            assert_eq!(parse_instant(text), Some(expected), "{text}");
        }
        assert_eq!(
            parse_instant("2022-03-16"),
            Some(utc("2022-03-16T00:00:00Z"))
        );
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        for text in [
            "",
            "yesterday",
            "2022-13-01",
            "16/03/2022",
            "1647449995",
            // Outside .NET's DateTime (and beyond what ticks can hold in an i64).
            "+99999-01-01T00:00:00Z",
            "99999-01-01T00:00:00",
            "10000-01-01",
            "-0001-01-01T00:00:00Z",
            "0000-12-31",
        ] {
            assert_eq!(parse_instant(text), None, "{text}");
        }
    }

    #[test]
    fn fractional_bounds_round_towards_the_inside_of_the_range() {
        let instant = utc("2022-03-16T16:59:55.5Z");
        assert_eq!(ceil_to_second(instant), instant.timestamp() + 1);
        assert_eq!(floor_to_second(instant), instant.timestamp());
    }

    #[test]
    fn writes_tasks_in_whole_seconds_and_batches_with_seven_digits() {
        let instant = utc("2023-08-08T08:55:29.7831583Z");
        assert_eq!(
            TaskTime(instant.timestamp()).to_wire(),
            "2023-08-08T08:55:29Z"
        );
        assert_eq!(
            BatchTime(to_ticks(instant)).to_wire(),
            "2023-08-08T08:55:29.7831583Z"
        );
        assert_eq!(from_ticks(to_ticks(instant)), Some(instant));
    }

    #[test]
    fn ticks_saturate_at_the_ends_of_the_calendar() {
        assert_eq!(to_ticks(DateTime::<Utc>::MIN_UTC), i64::MIN);
        assert_eq!(to_ticks(DateTime::<Utc>::MAX_UTC), i64::MAX);
        // Such dates never reach `to_ticks` from input: they are not read at all.
        assert_eq!(parse_instant("+99999-01-01T00:00:00"), None);
    }
}
