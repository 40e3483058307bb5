//! What one journal entry keeps of a request: clipped text, a bounded set of headers, and
//! credentials redacted, in headers and in the query string.

use std::borrow::Cow;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

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
#[derive(Debug)]
pub struct RecordedHeaders {
    /// The kept headers as a JSON object's text (`{"name":"value",...}`, in the order
    /// received), written once here so that recording an entry builds no map.
    pub text: Box<RawValue>,
    pub omitted: usize,
}

impl Default for RecordedHeaders {
    fn default() -> Self {
        Self {
            text: HeaderObject(&[]).text(),
            omitted: 0,
        }
    }
}

/// Words that make any header or query parameter whose name holds one a credential.
const CREDENTIAL_WORDS: [&str; 9] = [
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
    let bytes = name.as_bytes();
    // Names are short: trying each part where its first byte is found costs less than
    // setting up a substring searcher per part.
    EXACT.contains(&name)
        || (0..bytes.len()).any(|start| {
            CREDENTIAL_WORDS.iter().any(|part| {
                part.as_bytes()[0] == bytes[start] && bytes[start..].starts_with(part.as_bytes())
            })
        })
}

/// The headers of a request as the journal keeps them: names in lower case and clipped,
/// repeated headers joined with `, `, credentials redacted, long values clipped, at most
/// [`MAX_HEADERS`] values and [`MAX_HEADER_BYTES`] in all (the rest counted as omitted).
/// `headers` yields a `(name, value)` pair per value, the values of one name next to each
/// other.
pub fn redacted_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> RecordedHeaders {
    let mut kept: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::new();
    let mut omitted = 0;
    let mut kept_values = 0;
    let mut kept_bytes = 0;
    for (name, value) in headers {
        let name = clipped_cow(lower_case(name), MAX_HEADER_NAME_BYTES);
        let value = if name == "authorization" || name == "proxy-authorization" {
            match String::from_utf8_lossy(value).split_once(' ') {
                Some((scheme, _)) => Cow::Owned(format!("{} {REDACTED}", clipped_to(scheme, 32))),
                None => Cow::Borrowed(REDACTED),
            }
        } else if is_secret_name(&name) {
            Cow::Borrowed(REDACTED)
        } else {
            clipped_cow(String::from_utf8_lossy(value), MAX_RECORDED_BYTES)
        };
        let size = name.len() + value.len();
        if kept_values == MAX_HEADERS || kept_bytes + size > MAX_HEADER_BYTES {
            omitted += 1;
            continue;
        }
        kept_values += 1;
        kept_bytes += size;
        // Values of one name come together, but two long names may clip to the same one.
        match kept.iter_mut().rev().find(|(earlier, _)| *earlier == name) {
            Some((_, joined)) => {
                let joined = joined.to_mut();
                joined.push_str(", ");
                joined.push_str(&value);
            }
            None => kept.push((name, value)),
        }
    }
    RecordedHeaders {
        text: HeaderObject(&kept).text(),
        omitted,
    }
}

/// `name` in lower case, borrowed when it already is (header names always are).
fn lower_case(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// [`clipped_to`] that borrows `text` when it is short enough.
fn clipped_cow(text: Cow<'_, str>, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        text
    } else {
        Cow::Owned(clipped_to(&text, max))
    }
}

/// Kept headers, serialized as one JSON object of strings (serde's escaping).
struct HeaderObject<'h, 'a>(&'h [(Cow<'a, str>, Cow<'a, str>)]);

impl HeaderObject<'_, '_> {
    /// The object's text. Writing strings cannot fail; should it ever, the entry keeps `{}`
    /// rather than lose the request.
    fn text(&self) -> Box<RawValue> {
        serde_json::value::to_raw_value(self)
            .unwrap_or_else(|_| RawValue::from_string("{}".to_owned()).expect("{} is JSON"))
    }
}

impl Serialize for HeaderObject<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (name, value)))
    }
}

/// The raw query string as the journal keeps it: the value of every parameter whose name
/// says it carries a credential (`client_secret`, `access_token`, `api_key`, ...) replaced
/// by `[redacted]`, the rest as sent; then clipped.
pub fn redacted_query(raw: &str) -> String {
    let carries_credential = |pair: &str| {
        pair.split_once('=')
            .is_some_and(|(name, _)| is_secret_name(&lower_case(&form_decoded_name(name))))
    };
    // Most queries carry none: then the text is kept as sent, without taking it apart.
    if !raw.split('&').any(carries_credential) {
        return clipped(raw);
    }
    let pairs: Vec<Cow<'_, str>> = raw
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if carries_credential(pair) => Cow::Owned(format!("{name}={REDACTED}")),
            _ => Cow::Borrowed(pair),
        })
        .collect();
    clipped(&pairs.join("&"))
}

/// A query parameter's name as a form decoder reads it (`+` a space, `%XX` a byte), so
/// that `client%5Fsecret` is recognised too.
fn form_decoded_name(name: &str) -> Cow<'_, str> {
    if !name.bytes().any(|byte| byte == b'%' || byte == b'+') {
        return Cow::Borrowed(name);
    }
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
    Cow::Owned(String::from_utf8_lossy(&decoded).into_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value};

    use super::*;

    /// The kept headers, read back from the entry's text (in their order).
    fn kept(recorded: &RecordedHeaders) -> Map<String, Value> {
        serde_json::from_str(recorded.text.get()).unwrap()
    }

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
        let map = kept(&recorded);
        let kept: Vec<(&str, &str)> = map
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
        let recorded = kept(&redacted_headers(headers));
        for name in ["x-api-key", "x-auth-token", "x-client-secret", "set-cookie"] {
            assert_eq!(recorded[name], REDACTED, "{name}");
        }
        let clipped_name = recorded
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
        assert_eq!((kept(&many).len(), many.omitted), (MAX_HEADERS, 36));
        let big = "v".repeat(MAX_RECORDED_BYTES);
        let large = redacted_headers(names.iter().map(|name| (name.as_str(), big.as_bytes())));
        let large_kept = kept(&large);
        let bytes: usize = large_kept
            .iter()
            .map(|(name, value)| name.len() + value.as_str().unwrap().len())
            .sum();
        assert!(bytes <= MAX_HEADER_BYTES, "{bytes}");
        assert_eq!(large_kept.len() + large.omitted, 100);
        // Values of one name count one each, joined or not.
        let repeated = redacted_headers((0..70).map(|_| ("x-same", b"1".as_slice())));
        assert_eq!(repeated.omitted, 70 - MAX_HEADERS);
        assert_eq!(kept(&repeated)["x-same"], vec!["1"; MAX_HEADERS].join(", "));
    }

    #[test]
    fn the_headers_text_is_exact_json_escaped_with_names_clipped_alike_joined() {
        let long_a = "x-".to_owned() + &"n".repeat(200) + "a";
        let long_b = "X-".to_owned() + &"N".repeat(200) + "b";
        let headers = [
            ("x-quote", b"say \"hi\" \\ \t end".as_slice()),
            ("x-bytes", b"caf\xc3\xa9 \xff".as_slice()),
            (long_a.as_str(), b"first".as_slice()),
            ("x-between", b"2".as_slice()),
            (long_b.as_str(), b"second".as_slice()),
        ];
        let recorded = redacted_headers(headers);
        let clipped = "x-".to_owned() + &"n".repeat(MAX_HEADER_NAME_BYTES - 2);
        let clipped = format!("{clipped}…[{} more bytes]", 203 - MAX_HEADER_NAME_BYTES);
        // The name clipped alike gathers both values; text is escaped as JSON; bytes that
        // are not UTF-8 become U+FFFD.
        let expected = format!(
            r#"{{"x-quote":"say \"hi\" \\ \t end","x-bytes":"café {}","{clipped}":"first, second","x-between":"2"}}"#,
            char::REPLACEMENT_CHARACTER
        );
        assert_eq!(recorded.text.get(), expected);
        assert_eq!(
            RecordedHeaders::default().text.get(),
            "{}",
            "no headers: an empty object"
        );
    }

    #[test]
    fn a_credential_word_anywhere_in_a_name_marks_it_secret() {
        for part in CREDENTIAL_WORDS {
            for name in [
                part.to_owned(),
                format!("x-{part}"),
                format!("{part}-id"),
                format!("my{part}s"),
            ] {
                assert!(is_secret_name(&name), "{name}");
            }
            assert!(!is_secret_name(&part[..part.len() - 1]), "{part} cut short");
        }
        for exact in ["cookie", "code", "key", "sig", "assertion"] {
            assert!(is_secret_name(exact), "{exact}");
        }
        for plain in [
            "",
            "accept",
            "x-keys",
            "codes",
            "host",
            "tokn",
            "x-request-id",
        ] {
            assert!(!is_secret_name(plain), "{plain}");
        }
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
        assert_eq!(
            redacted_query("Client%5FSecret=s&x=%41+b&flag&=&a=="),
            "Client%5FSecret=[redacted]&x=%41+b&flag&=&a==",
        );
        for untouched in ["x=%41+b&flag&=&a==", "sort=name&startDate=2022-01-01", ""] {
            assert_eq!(redacted_query(untouched), untouched);
        }
    }
}
