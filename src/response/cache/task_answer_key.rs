//! What the response cache keeps a task read's answer under: the endpoint and its parsed
//! question, or the query string exactly as sent, each with the organization; and about
//! how much memory a key takes, counted in the cache's budget.

use crate::domain::page::PageRequest;
use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::store::tasks::{TaskFilter, TaskRef};

/// What a task read answer is kept under: the endpoint and its parsed query, the
/// organization included (the filter and the `Status` key carry it). Compared as values,
/// so that no text is written to look an answer up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TaskAnswerKey {
    /// The Task Status List.
    List(TaskFilter, SortOrder<TaskSortKey>),
    /// The Task Status List Paginated.
    Page(TaskFilter, SortOrder<TaskSortKey>, PageRequest),
    /// Task Status, by organization and the task asked for.
    Status(i64, TaskRef),
    /// An endpoint's answer to an organization's query string exactly as sent: a repeated
    /// request is answered without parsing its query (an alias of one of the above).
    Spelled(SpelledQuery),
}

/// A query string exactly as sent, to an endpoint, by an organization.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpelledQuery {
    pub endpoint: TaskEndpoint,
    pub tenant_id: i64,
    pub query: String,
}

/// The task read endpoints whose answers are cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskEndpoint {
    List,
    Page,
    Status,
}

impl TaskAnswerKey {
    /// About what the key takes in memory, counted in the cache's budget with its answer, so
    /// that many small answers under long keys cannot outgrow it.
    pub fn bytes(&self) -> usize {
        /// The entry itself: the key's inline part, the map's slot, the answer's handle.
        const ENTRY: usize = 128;
        let filter = |filter: &TaskFilter| {
            8 * (filter.task_statuses.len()
                + filter.integration_statuses.len()
                + filter.workspace_ids.len())
                + filter
                    .external_integration_statuses
                    .iter()
                    .map(|status| 24 + status.len())
                    .sum::<usize>()
        };
        ENTRY
            + match self {
                Self::List(f, _) | Self::Page(f, _, _) => filter(f),
                Self::Status(_, task) => task.external_id.as_ref().map_or(0, String::len),
                Self::Spelled(spelled) => spelled.query.len(),
            }
    }
}
