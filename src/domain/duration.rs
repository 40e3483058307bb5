//! Durations as the control plane reads them: a number of seconds (`90`, `-3600`, `1.5`) or
//! an ISO 8601 duration (`PT90S`, `P1DT2H`, `PT0.5S`), optionally with a leading `-`.
//! Years and months are refused: their length depends on the date they start from.

use chrono::Duration;
use serde_json::Value;

/// The longest duration sdemu reads: 100 years, far beyond any test's needs, well inside
/// what the clock can represent.
pub const MAX_DURATION_SECONDS: i64 = 100 * 366 * 86_400;

/// Reads a duration from JSON (a number of seconds, or a string); the error says why not.
pub fn parse_duration(value: &Value) -> Result<Duration, String> {
    match value {
        Value::Number(number) => {
            let seconds = number
                .as_f64()
                .ok_or_else(|| "is not a number of seconds".to_owned())?;
            from_seconds(seconds)
        }
        Value::String(text) => parse_duration_text(text),
        _ => Err("must be a number of seconds or an ISO 8601 duration such as PT90S".into()),
    }
}

/// Reads a duration from text: seconds (`90`) or ISO 8601 (`PT90S`, `-PT1H`).
pub fn parse_duration_text(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return from_seconds(seconds);
    }
    let (negative, iso) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let well_formed = iso.starts_with('P')
        && iso.len() > 1
        && iso
            .chars()
            .all(|c| c.is_ascii_digit() || "PYMWDTHS.,".contains(c));
    let parsed = well_formed
        .then(|| iso8601::duration(iso).ok())
        .flatten()
        .ok_or_else(|| {
            format!(
                "'{text}' is neither a number of seconds nor an ISO 8601 duration such as PT90S"
            )
        })?;
    let milliseconds = match parsed {
        iso8601::Duration::Weeks(weeks) => i64::from(weeks) * 7 * 86_400_000,
        iso8601::Duration::YMDHMS {
            year,
            month,
            day,
            hour,
            minute,
            second,
            millisecond,
        } => {
            if year != 0 || month != 0 {
                return Err(format!(
                    "'{text}' has years or months, whose length depends on the date; use days (P30D)"
                ));
            }
            ((i64::from(day) * 24 + i64::from(hour)) * 60 + i64::from(minute)) * 60_000
                + i64::from(second) * 1_000
                + i64::from(millisecond)
        }
    };
    let milliseconds = if negative {
        -milliseconds
    } else {
        milliseconds
    };
    from_seconds(milliseconds as f64 / 1_000.0)
}

fn from_seconds(seconds: f64) -> Result<Duration, String> {
    if !seconds.is_finite() || seconds.abs() > MAX_DURATION_SECONDS as f64 {
        return Err(format!(
            "must be at most {MAX_DURATION_SECONDS} seconds (100 years) either way"
        ));
    }
    Ok(Duration::milliseconds((seconds * 1_000.0).round() as i64))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn seconds_and_iso_8601_durations_are_read() {
        for (value, seconds) in [
            (json!(90), 90),
            (json!(-3600), -3600),
            (json!("90"), 90),
            (json!("PT90S"), 90),
            (json!("PT1M30S"), 90),
            (json!("P1DT1H"), 90_000),
            (json!("P2W"), 1_209_600),
            (json!("-PT1H"), -3600),
        ] {
            assert_eq!(
                parse_duration(&value),
                Ok(Duration::seconds(seconds)),
                "{value}"
            );
        }
        assert_eq!(
            parse_duration(&json!(1.5)),
            Ok(Duration::milliseconds(1500))
        );
    }

    #[test]
    fn ambiguous_malformed_and_huge_durations_are_refused() {
        for value in [
            json!("P1M"),
            json!("P1Y"),
            json!("90 seconds"),
            json!("PT90Sx"),
            json!("P"),
            json!(""),
            json!(true),
            json!(null),
            json!(1e12),
        ] {
            assert!(parse_duration(&value).is_err(), "{value}");
        }
    }
}
