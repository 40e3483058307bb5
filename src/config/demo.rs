//! Demo mode's options: new tasks that appear and move by themselves, for front-end demos.

use clap::Args;

use super::whole_number;
use crate::domain::demo::DemoSettings;

/// The longest `--demo-interval`: a day.
pub const MAX_DEMO_INTERVAL_SECONDS: u32 = 86_400;

/// The largest `--demo-max-tasks`.
pub const MAX_DEMO_TASKS: u32 = 1_000_000;

/// Demo mode's options, shown under their own heading in `--help`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Demo mode")]
pub struct DemoOptions {
    /// Demo mode, for front-end demos: new tasks appear in the default organization's
    /// workspaces every --demo-interval seconds (now and then in a new batch), move through
    /// the lifecycle and are reviewed by the automatic reviewer (--auto-review defaults to 20).
    #[arg(long = "demo", env = "SDEMU_DEMO")]
    pub enabled: bool,

    /// With --demo: seconds between two new demo tasks, from 1 to 86400.
    #[arg(
        long = "demo-interval",
        env = "SDEMU_DEMO_INTERVAL",
        value_name = "SECONDS",
        default_value_t = 15,
        value_parser = whole_number(1, MAX_DEMO_INTERVAL_SECONDS)
    )]
    pub interval: u32,

    /// With --demo: the most tasks the default organization holds (fixture tasks included);
    /// when a new demo task would exceed it, the oldest tasks are removed first.
    #[arg(
        long = "demo-max-tasks",
        env = "SDEMU_DEMO_MAX_TASKS",
        value_name = "N",
        default_value_t = 5_000,
        value_parser = whole_number(1, MAX_DEMO_TASKS)
    )]
    pub max_tasks: u32,
}

impl DemoOptions {
    /// Demo mode's settings from the options.
    pub fn settings(&self, seed: u64) -> DemoSettings {
        DemoSettings {
            enabled: self.enabled,
            interval_seconds: i64::from(self.interval),
            max_tasks: i64::from(self.max_tasks),
            seed,
        }
    }
}
