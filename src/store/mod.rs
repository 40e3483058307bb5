/// Batch queries: lookups, creation, the paginated list.
pub mod batches;
/// Loading, replacing and reading whole datasets (fixtures), and the status catalogues.
pub mod dataset;
/// Organizations: client credentials and the default organization.
pub mod organizations;
/// Task queries: the list filters, sorting, single lookups.
pub mod tasks;
/// Access tokens, stored by hash, purged when expired.
pub mod tokens;
/// Workspace queries: the organization's workspaces and its default.
pub mod workspaces;
