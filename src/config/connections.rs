//! The options that limit connections: time limits and the cap on open connections.

use clap::Args;

/// The longest any connection time limit may be: an hour.
pub const MAX_CONNECTION_SECONDS: u64 = 3_600;

/// How sdemu treats connections, shown under their own heading in `--help`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connections")]
pub struct ConnectionOptions {
    /// Seconds a client has to send a request's head (request line and headers), from its
    /// first byte; then the connection is closed. From 1 to 3600.
    #[arg(
        long,
        env = "SDEMU_HEADER_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 10,
        value_parser = seconds()
    )]
    pub header_timeout: u64,

    /// Seconds a client has to send a request's whole body, from the end of its head; then
    /// the request is answered 408 and the connection closed. From 1 to 3600.
    #[arg(
        long,
        env = "SDEMU_BODY_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 30,
        value_parser = seconds()
    )]
    pub body_timeout: u64,

    /// Seconds a connection may wait for its first or next request (keep-alive) before it is
    /// closed. From 1 to 3600.
    #[arg(
        long,
        env = "SDEMU_IDLE_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 60,
        value_parser = seconds()
    )]
    pub idle_timeout: u64,

    /// The most connections open at once; further clients wait to be accepted until one
    /// closes. Keep it below the process's open-file limit (`ulimit -n`).
    #[arg(
        long,
        env = "SDEMU_MAX_CONNECTIONS",
        value_name = "N",
        default_value_t = 256,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65_536)
    )]
    pub max_connections: usize,
}

fn seconds() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(1..=MAX_CONNECTION_SECONDS)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::config::Config;

    #[test]
    fn the_connection_limits_have_their_documented_defaults_and_ranges() {
        let config = Config::try_parse_from(["sdemu"]).unwrap();
        let limits = &config.connections;
        assert_eq!(
            (
                limits.header_timeout,
                limits.body_timeout,
                limits.idle_timeout
            ),
            (10, 30, 60)
        );
        assert_eq!(limits.max_connections, 256);
        for bad in [
            ["--header-timeout", "0"],
            ["--body-timeout", "3601"],
            ["--idle-timeout", "x"],
            ["--max-connections", "0"],
        ] {
            assert!(
                Config::try_parse_from(["sdemu", bad[0], bad[1]]).is_err(),
                "{bad:?}"
            );
        }
    }
}
