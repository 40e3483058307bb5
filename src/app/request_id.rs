//! The id of a request that came without `x-request-id`: a random (version 4) UUID, as
//! tower-http's `MakeRequestUuid` makes, drawn from the thread's own generator instead of a
//! system call per request (`getrandom` was about 1% of a cached answer's time).

use axum::http::{HeaderValue, Request};
use rand::Rng;
use tower_http::request_id::{MakeRequestId, RequestId};
use uuid::fmt::Hyphenated;
use uuid::Builder;

/// Makes a new random UUID per request, in lower-case hyphenated form.
#[derive(Debug, Clone, Copy, Default)]
pub struct MakeRandomRequestId;

impl MakeRequestId for MakeRandomRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let uuid = Builder::from_random_bytes(rand::thread_rng().gen()).into_uuid();
        let mut text = [0; Hyphenated::LENGTH];
        let text = uuid.hyphenated().encode_lower(&mut text);
        HeaderValue::from_str(text).ok().map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use axum::http::Request;
    use tower_http::request_id::MakeRequestId;
    use uuid::{Uuid, Variant, Version};

    use super::MakeRandomRequestId;

    #[test]
    fn each_id_is_a_new_version_4_uuid_in_lower_case() {
        let request = Request::new(());
        let mut make = MakeRandomRequestId;
        let ids: HashSet<String> = (0..1_000)
            .map(|_| {
                let id = make.make_request_id(&request).unwrap();
                let text = id.header_value().to_str().unwrap().to_owned();
                let uuid = Uuid::parse_str(&text).unwrap();
                assert_eq!(uuid.get_version(), Some(Version::Random), "{text}");
                assert_eq!(uuid.get_variant(), Variant::RFC4122, "{text}");
                assert_eq!(
                    text,
                    uuid.hyphenated().to_string(),
                    "lower case, hyphenated"
                );
                text
            })
            .collect();
        assert_eq!(ids.len(), 1_000, "no id repeats");
    }
}
