//! Integration tests: every test drives the real router (`sdemu::app::build_router`), one
//! module per API resource or control-plane concern, sharing `helpers`.

mod helpers;

mod batches;
mod bearer;
mod bounds;
mod cached_answers;
mod clock;
mod compression;
mod connections;
mod control_plane_guard;
mod create_task;
mod demo;
mod emulator_control;
mod emulator_dashboard;
mod emulator_data;
mod emulator_faults;
mod emulator_journal;
mod emulator_tasks;
mod export_data;
mod export_fixtures;
mod fast_path;
mod file_links;
mod fixtures;
mod fuzz;
mod isolation;
mod lifecycle;
mod openapi;
mod paginated;
mod readme;
mod reset;
mod service;
mod socket;
mod speaker_exports;
mod speakers;
mod streamed_list;
mod task_api_edges;
mod task_list;
mod task_status;
mod token;
mod users;
mod webhook_fixtures;
mod webhook_seeds;
mod webhook_worker;
mod webhooks;
mod workspaces;
