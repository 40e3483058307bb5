//! The task lists' filter and order: the predicate (bound parameters only), the index
//! ranges a list is read in, and the `ORDER BY` of a sort key.

use sqlx::{QueryBuilder, Sqlite};

use super::TaskRow;
use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::store::{Listing, OrderBy};

/// The filters of the task list endpoints. Values of one field are alternatives (OR);
/// different fields all apply (AND); an empty list does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TaskFilter {
    pub tenant_id: i64,
    /// Inclusive lower bound on `createdOn`, in Unix seconds.
    pub created_from: Option<i64>,
    /// Inclusive upper bound on `createdOn`, in Unix seconds.
    pub created_to: Option<i64>,
    pub task_statuses: Vec<i64>,
    pub integration_statuses: Vec<i64>,
    pub workspace_ids: Vec<i64>,
    pub external_integration_statuses: Vec<String>,
}

impl Listing for TaskFilter {
    type Row = TaskRow;
    const SELECT: &'static str = task_select!();
    /// Without the catalogue joins: they are inner joins on foreign keys, which never drop
    /// a task, so counting without them gives the same number for less work.
    const COUNT: &'static str = "SELECT COUNT(*) FROM tasks t";

    /// ` WHERE ...` over `tasks t`, the organization first.
    fn push_predicate(&self, query: &mut QueryBuilder<'_, Sqlite>) {
        self.push_range_predicate(query, Range::default());
    }
}

/// The most index ranges one list is read in (see [`TaskFilter::ranges`]). A compound
/// SELECT of SQLite takes at most 500 arms; past this many, the values are tested with `IN`
/// on one range instead.
const MOST_RANGES: usize = 16;

/// One index range of a list: the workspace, task status and integration status it is
/// pinned to (`None`: the filter's values, if any, are tested with `IN`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Range {
    workspace_id: Option<i64>,
    task_status: Option<i64>,
    integration_status: Option<i64>,
}

/// The distinct values of a repeatable filter, in order (`workspaceId=1&workspaceId=1` names
/// one workspace).
fn distinct(values: &[i64]) -> Vec<i64> {
    let mut values = values.to_vec();
    values.sort_unstable();
    values.dedup();
    values
}

impl TaskFilter {
    /// ` WHERE ...` over `tasks t` for the tasks of `range`: the organization first, then the
    /// dates, then each filter (an equality where `range` pins it).
    fn push_range_predicate(&self, query: &mut QueryBuilder<'_, Sqlite>, range: Range) {
        query
            .push(" WHERE t.tenant_id = ")
            .push_bind(self.tenant_id);
        crate::store::push_range(query, "t.created_on", self.created_from, self.created_to);
        let pinned_or_any_of = |query: &mut QueryBuilder<'_, Sqlite>, column, pin, values| match pin
        {
            Some(value) => {
                query
                    .push(" AND ")
                    .push(column)
                    .push(" = ")
                    .push_bind(value);
            }
            None => crate::store::push_any_of(query, column, values),
        };
        pinned_or_any_of(
            query,
            "t.task_status",
            range.task_status,
            &self.task_statuses,
        );
        pinned_or_any_of(
            query,
            "t.integration_status",
            range.integration_status,
            &self.integration_statuses,
        );
        pinned_or_any_of(
            query,
            "t.workspace_id",
            range.workspace_id,
            &self.workspace_ids,
        );
        crate::store::push_any_of(
            query,
            "t.external_integration_status",
            &self.external_integration_statuses,
        );
    }

    /// The index ranges a list is read in: one per combination of the values of the first of
    /// these that the filter names, each an index of the schema with `created_on` next:
    /// workspace and status, workspace, status, integration status.
    ///
    /// Without stored statistics SQLite's planner guesses, and for `workspace_id IN (1, 2)`
    /// it read the date index (in the list's order) and tested each task's workspace, so
    /// the tasks it read grew with the tasks of the other workspaces. One equality per range
    /// makes each range an index search on the filter's columns and the date range, already
    /// in the default order; the ranges are merged (`push_ordered`).
    fn ranges(&self) -> Vec<Range> {
        let workspaces = distinct(&self.workspace_ids);
        let statuses = distinct(&self.task_statuses);
        let integrations = distinct(&self.integration_statuses);
        let shapes: [(&[i64], &[i64], &[i64]); 4] = [
            (&workspaces, &statuses, &[]),
            (&workspaces, &[], &[]),
            (&[], &statuses, &[]),
            (&[], &[], &integrations),
        ];
        for (workspaces, statuses, integrations) in shapes {
            let named = [workspaces, statuses, integrations]
                .into_iter()
                .filter(|values| !values.is_empty());
            let (count, product) = named.fold((0, 1), |(count, product), values| {
                (count + 1, product * values.len())
            });
            if count == 0 || product > MOST_RANGES {
                continue;
            }
            let options = |values: &[i64]| -> Vec<Option<i64>> {
                if values.is_empty() {
                    vec![None]
                } else {
                    values.iter().copied().map(Some).collect()
                }
            };
            let mut ranges = Vec::with_capacity(product);
            for workspace_id in options(workspaces) {
                for task_status in options(statuses) {
                    for integration_status in options(integrations) {
                        ranges.push(Range {
                            workspace_id,
                            task_status,
                            integration_status,
                        });
                    }
                }
            }
            return ranges;
        }
        vec![Range::default()]
    }
}

/// `SELECT <object> AS object FROM ... WHERE ... ORDER BY ...`: the tasks `filter` matches,
/// as `object` (an SQL expression over `tasks t`), in `sort` order, for a caller to wrap
/// (the JSON list joins the objects) and to add a `LIMIT` to. `from` is ` FROM tasks t ...`.
///
/// When the filter names several values (see [`TaskFilter::ranges`]), it is one `SELECT`
/// per range joined by `UNION ALL` and ordered as a whole: SQLite then merges the ranges
/// (its plan says `MERGE (UNION ALL)`), each read from its index in order, without sorting
/// the answer again. The extra columns `sort_key` and `sort_id` are what the merge compares.
pub(super) fn push_ordered(
    query: &mut QueryBuilder<'_, Sqlite>,
    object: &str,
    from: &str,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
) {
    let order = order(sort);
    let ranges = filter.ranges();
    if let [range] = ranges.as_slice() {
        query
            .push("SELECT ")
            .push(object)
            .push(" AS object")
            .push(from);
        filter.push_range_predicate(query, *range);
        order.push(query);
        return;
    }
    for (index, range) in ranges.iter().enumerate() {
        if index > 0 {
            query.push(" UNION ALL ");
        }
        query
            .push("SELECT ")
            .push(object)
            .push(" AS object, ")
            .push(order.expression)
            .push(" AS sort_key, ")
            .push(order.id_column)
            .push(" AS sort_id")
            .push(from);
        filter.push_range_predicate(query, *range);
    }
    OrderBy {
        expression: "sort_key",
        descending: order.descending,
        id_column: if order.expression == order.id_column {
            "sort_key"
        } else {
            "sort_id"
        },
    }
    .push(query);
}

/// The order of a task list: by `sort`, ties broken by `taskId`. Never-reprocessed tasks sort
/// as 0 restarts.
///
/// Every key but `createdOn` is written with a unary `+`, which orders the same values the
/// same way but is no column, so SQLite cannot take the order from an index: it reads the
/// filter's date range and sorts what it found. Otherwise, to skip that sort, it read
/// `tasks_by_workspace_number` in `taskNumber` order through every task of the workspace,
/// or could read the whole table in `taskId` order. `createdOn` is the order of the
/// filter indexes themselves.
pub(super) fn order(sort: SortOrder<TaskSortKey>) -> OrderBy {
    let expression = match sort.key {
        TaskSortKey::TaskId => "+t.task_id",
        TaskSortKey::WorkspaceId => "+t.workspace_id",
        TaskSortKey::BatchId => "+t.batch_id",
        TaskSortKey::TaskNumber => "+t.task_number",
        TaskSortKey::ExternalId => "+t.external_id",
        TaskSortKey::DisplayName => "+t.display_name",
        TaskSortKey::Description => "+t.description",
        TaskSortKey::CreatedOn => "t.created_on",
        TaskSortKey::TaskStatus => "+t.task_status",
        TaskSortKey::IntegrationStatus => "+t.integration_status",
        TaskSortKey::TaskStatusText => "+ts.name",
        TaskSortKey::IntegrationStatusText => "+ist.name",
        TaskSortKey::TotalPages => "+t.total_pages",
        TaskSortKey::RestartCount => "COALESCE(t.restart_count, 0)",
        TaskSortKey::PreProcessingStartedOn => "+t.pre_processing_started_on",
    };
    OrderBy {
        expression,
        descending: sort.descending,
        id_column: "t.task_id",
    }
}
