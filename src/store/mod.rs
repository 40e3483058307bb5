/// Loading, replacing and reading whole datasets (fixtures), and the status catalogues.
pub mod dataset;
/// Task queries: the list filters, sorting, single lookups.
pub mod tasks;
