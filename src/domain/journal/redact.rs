//! What one journal entry keeps of a request: clipped text, a bounded set of headers, and
//! credentials redacted, in headers and in the query string.

use serde_json::{Map, Value};

pub const REDACTED: &str = "[redacted]";

/// The most bytes the journal keeps of one header value, of the query string and of the
/// path, so that an entry stays small whatever a client sends and the journal's memory is
/// bounded by its entry limit.
pub const MAX_RECORDED_BYTES: usize = 2_048;

/// `text`, or its first `MAX_RECORDED_BYTES` bytes (on a character boundary) followed by a
/// note of how much was left out.
pub fn clipped(text: &str) -> String {
    clipped_to(text, MAX_RECORDED_BYTES)
}

/// `text`, or its first `max` bytes (on a character boundary) and a note of the rest.
fn clipped_to(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[{} more bytes]", &text[..end], text.len() - end)
}

/// The longest header name the journal keeps; longer names are clipped.
pub const MAX_HEADER_NAME_BYTES: usize = 128;

/// The most headers one entry keeps (values of a repeated header count one each).
pub const MAX_HEADERS: usize = 64;

/// The most bytes of header names and values one entry keeps.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Headers as one entry keeps them, and how many were left out.
#[derive(Debug, Default)]
pub struct RecordedHeaders {
    pub map: Map<String, Value>,
    pub omitted: usize,
}

/// Whether a header or query parameter named `name` (lower case) carries a credential:
/// the well-known ones, and any whose name says so.
fn is_secret_name(name: &str) -> bool {
    const EXACT: [&str; 8] = [
        "cookie",
        "set-cookie",
        "code",
        "key",
        "sig",
        "signature",
        "client_assertion",
        "assertion",
    ];
    const PARTS: [&str; 9] = [
        "token",
        "secret",
        "password",
        "passwd",
        "apikey",
        "api-key",
        "api_key",
        "session",
        "credential",
    ];
    EXACT.contains(&name) || PARTS.iter().any(|part| name.contains(part))
}

/// The headers of a request as the journal keeps them: names in lower case and clipped,
/// repeated headers joined with `, `, credentials redacted, long values clipped, at most
/// [`MAX_HEADERS`] values and [`MAX_HEADER_BYTES`] in all (the rest counted as omitted).
/// `headers` yields a `(name, value)` pair per value, the values of one name next to each
/// other.
pub fn redacted_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> RecordedHeaders {
    let mut recorded = RecordedHeaders::default();
    let mut kept_values = 0;
    let mut kept_bytes = 0;
    for (name, value) in headers {
        let name = clipped_to(&name.to_ascii_lowercase(), MAX_HEADER_NAME_BYTES);
        let kept = if name == "authorization" || name == "proxy-authorization" {
            match String::from_utf8_lossy(value).split_once(' ') {
                Some((scheme, _)) => format!("{} {REDACTED}", clipped_to(scheme, 32)),
                None => REDACTED.to_owned(),
            }
        } else if is_secret_name(&name) {
            REDACTED.to_owned()
        } else {
            clipped(&String::from_utf8_lossy(value))
        };
        let size = name.len() + kept.len();
        if kept_values == MAX_HEADERS || kept_bytes + size > MAX_HEADER_BYTES {
            recorded.omitted += 1;
            continue;
        }
        kept_values += 1;
        kept_bytes += size;
        match recorded.map.get_mut(&name) {
            Some(Value::String(joined)) => {
                joined.push_str(", ");
                joined.push_str(&kept);
            }
            _ => {
                recorded.map.insert(name, Value::String(kept));
            }
        }
    }
    recorded
}

/// The raw query string as the journal keeps it: the value of every parameter whose name
/// says it carries a credential (`client_secret`, `access_token`, `api_key`, ...) replaced
/// by `[redacted]`, the rest as sent; then clipped.
pub fn redacted_query(raw: &str) -> String {
    let pairs: Vec<String> = raw
        .split('&')
        .map(|pair| {
            let (name, _) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded: String = form_decoded_name(name);
            if pair.contains('=') && is_secret_name(&decoded.to_ascii_lowercase()) {
                format!("{name}={REDACTED}")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    clipped(&pairs.join("&"))
}

/// A query parameter's name as a form decoder reads it (`+` a space, `%XX` a byte), so
/// that `client%5Fsecret` is recognised too.
fn form_decoded_name(name: &str) -> String {
    fn hex(digit: u8) -> Option<u8> {
        char::from(digit)
            .to_digit(16)
            .and_then(|value| u8::try_from(value).ok())
    }
    let bytes = name.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = match bytes.get(index..index + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match (bytes[index], escaped) {
            (_, Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                index += 1;
            }
            (byte, None) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_kept_in_order_with_repeats_joined_and_credentials_redacted() {
        let long = "x".repeat(MAX_RECORDED_BYTES + 3);
        let headers = [
            ("Accept", b"application/json".as_slice()),
            ("x-trace", b"one".as_slice()),
            ("x-trace", b"two".as_slice()),
            ("authorization", b"Bearer secret-token".as_slice()),
            ("proxy-authorization", b"opaque".as_slice()),
            ("cookie", b"session=1".as_slice()),
            ("x-long", long.as_bytes()),
        ];
        let recorded = redacted_headers(headers);
        assert_eq!(recorded.omitted, 0);
        let kept: Vec<(&str, &str)> = recorded
            .map
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str().unwrap()))
            .collect();
        let clipped_long = format!("{}…[3 more bytes]", "x".repeat(MAX_RECORDED_BYTES));
        assert_eq!(
            kept,
            [
                ("accept", "application/json"),
                ("x-trace", "one, two"),
                ("authorization", "Bearer [redacted]"),
                ("proxy-authorization", "[redacted]"),
                ("cookie", "[redacted]"),
                ("x-long", clipped_long.as_str()),
            ]
        );
    }

    #[test]
    fn known_credential_headers_are_redacted_and_long_names_clipped() {
        let long_name = "x-".to_owned() + &"n".repeat(500);
        let headers = [
            ("X-Api-Key", b"k-123".as_slice()),
            ("x-auth-token", b"t-123".as_slice()),
            ("x-client-secret", b"s-123".as_slice()),
            ("set-cookie", b"a=1".as_slice()),
            (long_name.as_str(), b"v".as_slice()),
        ];
        let recorded = redacted_headers(headers);
        for name in ["x-api-key", "x-auth-token", "x-client-secret", "set-cookie"] {
            assert_eq!(recorded.map[name], REDACTED, "{name}");
        }
        let clipped_name = recorded
            .map
            .keys()
            .find(|name| name.starts_with("x-nnn"))
            .unwrap();
        assert!(
            clipped_name.len() < MAX_HEADER_NAME_BYTES + 32,
            "{clipped_name}"
        );
    }

    #[test]
    fn an_entry_keeps_at_most_64_headers_and_16_kib_of_them() {
        let names: Vec<String> = (0..100).map(|n| format!("x-h{n}")).collect();
        let many = redacted_headers(names.iter().map(|name| (name.as_str(), b"1".as_slice())));
        assert_eq!((many.map.len(), many.omitted), (MAX_HEADERS, 36));
        let big = "v".repeat(MAX_RECORDED_BYTES);
        let large = redacted_headers(names.iter().map(|name| (name.as_str(), big.as_bytes())));
        let kept: usize = large
            .map
            .iter()
            .map(|(name, value)| name.len() + value.as_str().unwrap().len())
            .sum();
        assert!(kept <= MAX_HEADER_BYTES, "{kept}");
        assert_eq!(large.map.len() + large.omitted, 100);
    }

    #[test]
    fn credentials_in_the_query_string_are_redacted() {
        assert_eq!(
            redacted_query("client_id=a&client_secret=s3&access_token=t&x=1&API_KEY=k&flag"),
            "client_id=a&client_secret=[redacted]&access_token=[redacted]&x=1&API_KEY=[redacted]&flag"
        );
        assert_eq!(
            redacted_query("client%5Fsecret=s&pass+word=p&%E2%82=1"),
            "client%5Fsecret=[redacted]&pass+word=p&%E2%82=1"
        );
    }
}
