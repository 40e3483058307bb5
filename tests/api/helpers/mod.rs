//! What the API tests share:
//! - `app`: `TestApp` (a fresh emulator per test on a manual clock) and `ServedApp` (the real
//!   router over a real socket), and start-up options;
//! - `requests`: request builders that read like API calls, and `TestResponse`;
//! - `assertions`: assertions on responses, each naming the request and table case;
//! - `fixtures`: the shared fixture documents, their clients, the documentation's example;
//! - `openapi`: reading the generated OpenAPI description;
//! - `people`: the speakers and users endpoints and their fixture;
//! - `webhooks`: a webhook receiver on a local port and the webhook tests' shared steps.

mod app;
mod assertions;
mod fixtures;
mod openapi;
mod people;
mod requests;
mod webhooks;

pub use app::{config, default_config, start_up_error, ServedApp, TestApp};
pub use assertions::{assert_page_envelope, invalid_token, JSON_UTF8, UNKNOWN_TOKEN};
pub use fixtures::{
    ACME, CONTOSO, DEMO, DOC_EXAMPLE_QUERY, DOC_EXAMPLE_TASK_IDS, EVERYTHING, OTHER, SMALL_FIXTURE,
    TWO_ORGANIZATIONS,
};
pub use openapi::{
    described_operations, description, operation, parameter, response, schema, METHODS,
};
pub use people::{PEOPLE, TASK_SPEAKERS, WORKSPACE_SPEAKERS};
pub use requests::{basic, ids, TestResponse, FORM, STATUS_LIST};
pub use webhooks::{
    add_webhook, deliveries, first_delivery, frozen, receiver, silent_receiver_review,
    task_to_review, Answer,
};
