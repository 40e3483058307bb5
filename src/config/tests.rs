//! The configuration's own rules: parsing, defaults, limits, hidden secrets.

use super::*;

#[test]
fn a_client_option_splits_at_the_first_colon() {
    let client = parse_client("acme:s3:cret").unwrap();
    assert_eq!(client.client_id, "acme");
    assert_eq!(client.client_secret, "s3:cret");
    assert!(parse_client("acme").is_err());
    assert!(parse_client(":secret").is_err());
    assert!(parse_client("acme:").is_err());
}

#[test]
fn debug_output_hides_every_secret() {
    let config = Config::try_parse_from([
        "sdemu",
        "--admin-token",
        "admin-SECRET",
        "--client",
        "ci:client-SECRET",
    ])
    .unwrap();
    let printed = format!("{config:?}");
    assert!(!printed.contains("SECRET"), "{printed}");
    assert_eq!(config.admin_token.unwrap().expose(), "admin-SECRET");
}

#[test]
fn the_lifecycle_options_have_the_documented_defaults_and_limits() {
    let config = Config::try_parse_from(["sdemu"]).unwrap();
    assert_eq!(config.lifecycle_settings(), LifecycleSettings::default());
    assert!(Config::try_parse_from(["sdemu", "--failure-rate", "1.5"]).is_err());
    assert!(Config::try_parse_from(["sdemu", "--failure-rate", "x"]).is_err());
    assert!(Config::try_parse_from(["sdemu", "--queued-seconds", "86401"]).is_err());
    let custom = Config::try_parse_from([
        "sdemu",
        "--lifecycle",
        "off",
        "--failure-rate",
        "0",
        "--auto-review",
        "5",
    ])
    .unwrap()
    .lifecycle_settings();
    assert!(!custom.enabled);
    assert_eq!(custom.failure_rate, 0.0);
    assert_eq!(custom.auto_review_seconds, Some(5));
}

#[test]
fn demo_mode_is_off_by_default_and_turns_the_automatic_reviewer_on() {
    let plain = Config::try_parse_from(["sdemu"]).unwrap();
    assert_eq!(plain.demo_settings(), DemoSettings::default());
    assert_eq!(plain.lifecycle_settings().auto_review_seconds, None);
    let demo = Config::try_parse_from(["sdemu", "--demo", "--seed", "7"]).unwrap();
    assert!(demo.demo_settings().enabled);
    assert_eq!(demo.demo_settings().seed, 7);
    assert_eq!(demo.lifecycle_settings().auto_review_seconds, Some(20));
    let chosen = Config::try_parse_from(["sdemu", "--demo", "--auto-review", "0"]).unwrap();
    assert_eq!(chosen.lifecycle_settings().auto_review_seconds, Some(0));
    for bad in [
        ["--demo-interval", "0"],
        ["--demo-interval", "86401"],
        ["--demo-max-tasks", "0"],
    ] {
        assert!(
            Config::try_parse_from(["sdemu", bad[0], bad[1]]).is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn an_empty_admin_token_is_refused() {
    assert!(Config::try_parse_from(["sdemu", "--admin-token", ""]).is_err());
}
