//! Fault injection: rules that make the emulated API answer badly on purpose, so that a
//! client's retry, timeout and error handling can be tested.
//!
//! ```json
//! {"rules": [
//!   {"name": "busy", "match": {"method": "GET", "path": "/api/*", "query": {"workspaceId": "2"}},
//!    "respond": {"status": 503, "headers": {"Retry-After": "5"}, "body": {"error": "busy"}},
//!    "delay": {"minMs": 10, "maxMs": 50}, "nth": 2, "times": 1, "probability": 0.5}
//! ]}
//! ```
//!
//! A rule matches a request by method (any when absent, any case), path (exact, or a prefix
//! when it ends with `*`) and query parameters (names in any case, values exact). Its action
//! is `respond` (a canned status, headers and body), `delay` (fixed `ms` or random
//! `minMs`..=`maxMs`, before a canned response or before the real answer), or `drop` (close
//! the connection without an answer). Its schedule: only the `nth` matching request, at most
//! `times` times, with `probability` (drawn from a generator seeded by `--fault-seed` and the
//! rule's position, so a run is reproducible).
//!
//! Every rule counts every request it matches; the first rule in the list that fires is the
//! one applied.
//!
//! | Module | Its job |
//! | --- | --- |
//! | [`rules`](crate::domain::faults::rules) | the rules as users write them, read and validated |
//! | [`engine`](crate::domain::faults::engine) | the rules in force: matching, schedule, seeded randomness, counters |
//!
//! Nothing here knows HTTP types: the control plane's handlers and middleware
//! (`emulator::faults`, `emulator::intercept`) turn requests and canned responses into them.

pub mod engine;
pub mod rules;

pub use self::engine::{FaultMark, Faults, Injected, Outcome, RuleStats};
pub use self::rules::{
    parse_rule, parse_rules, path_matches, CannedResponse, Delay, FaultRule, RequestMatch,
    MAX_DELAY_MS, MAX_RULES,
};
