//! The one parser of the `Authorization` header (RFC 9110 §11.6.2), shared by bearer
//! authentication of the API, the admin token of the control plane and HTTP Basic client
//! authentication at the token endpoint. Each caller decides what a missing, repeated or
//! foreign-scheme header means for it.

use axum::http::{header, HeaderMap};

/// What the `Authorization` header holds, as far as one scheme is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization<'a> {
    /// No `Authorization` header.
    Absent,
    /// More than one `Authorization` header: never usable.
    Repeated,
    /// One header with another scheme than the one asked for.
    OtherScheme,
    /// The scheme asked for, with the credentials after it, spaces trimmed (empty when
    /// there are none); `None` when they are not UTF-8.
    Credentials(Option<&'a str>),
}

/// Reads the `Authorization` header for `scheme` (matched case-insensitively).
pub fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Authorization<'a> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Authorization::Absent;
    };
    if values.next().is_some() {
        return Authorization::Repeated;
    }
    let bytes = value.as_bytes();
    let scheme_end = bytes.iter().position(|&b| b == b' ').unwrap_or(bytes.len());
    if !bytes[..scheme_end].eq_ignore_ascii_case(scheme.as_bytes()) {
        return Authorization::OtherScheme;
    }
    Authorization::Credentials(
        std::str::from_utf8(&bytes[scheme_end..])
            .ok()
            .map(|rest| rest.trim_matches(' ')),
    )
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                header::AUTHORIZATION,
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        headers
    }

    #[test]
    fn the_scheme_matches_in_any_case_and_the_credentials_are_trimmed() {
        let sent = headers(&[b"bEaReR  abc "]);
        assert_eq!(
            authorization(&sent, "Bearer"),
            Authorization::Credentials(Some("abc"))
        );
        assert_eq!(authorization(&sent, "Basic"), Authorization::OtherScheme);
    }

    #[test]
    fn absent_repeated_empty_and_non_utf8_headers_are_told_apart() {
        assert_eq!(
            authorization(&headers(&[]), "Bearer"),
            Authorization::Absent
        );
        assert_eq!(
            authorization(&headers(&[b"Bearer a", b"Bearer b"]), "Bearer"),
            Authorization::Repeated
        );
        assert_eq!(
            authorization(&headers(&[b"Bearer"]), "Bearer"),
            Authorization::Credentials(Some(""))
        );
        assert_eq!(
            authorization(&headers(&[b"Bearer \xff"]), "Bearer"),
            Authorization::Credentials(None)
        );
    }
}
