//! Integration tests: every test drives the real router (`sdemu::app::build_router`), one
//! module per API resource, sharing `helpers`.

mod helpers;

mod emulator_data;
mod emulator_faults;
mod emulator_journal;
mod fixtures;
mod socket;
mod task_list;
