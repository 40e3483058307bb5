/// Batch queries: lookups, creation, the paginated list.
pub mod batches;
/// Loading, replacing and reading whole datasets (fixtures), and the status catalogues.
pub mod dataset;
/// Task queries: the list filters, sorting, single lookups.
pub mod tasks;
/// Workspace queries: the organization's workspaces and its default.
pub mod workspaces;
