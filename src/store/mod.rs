//! The SQL of each resource. Dynamic filters are built with bound parameters only.

use sqlx::{QueryBuilder, Sqlite};

/// Batch queries: lookups, creation, the paginated list.
pub mod batches;
/// Loading, replacing and reading whole datasets (fixtures), and the status catalogues.
pub mod dataset;
/// The lifecycle: due steps, applying them, the transition history.
pub mod lifecycle;
/// Organizations: client credentials and the default organization.
pub mod organizations;
/// Task queries: the list filters, sorting, single lookups.
pub mod tasks;
/// Access tokens, stored by hash, purged when expired.
pub mod tokens;
/// Workspace queries: the organization's workspaces and its default.
pub mod workspaces;

/// Whether the database answers a trivial query (readiness).
pub async fn database_answers(pool: &sqlx::SqlitePool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}

/// ` AND column IN (?, ?, ...)`, or nothing for an empty list.
pub(crate) fn push_any_of<'args, T>(
    query: &mut QueryBuilder<'args, Sqlite>,
    column: &'static str,
    values: &[T],
) where
    T: 'args + Clone + Send + sqlx::Encode<'args, Sqlite> + sqlx::Type<Sqlite>,
{
    if values.is_empty() {
        return;
    }
    query.push(" AND ").push(column).push(" IN (");
    let mut separated = query.separated(", ");
    for value in values {
        separated.push_bind(value.clone());
    }
    separated.push_unseparated(")");
}

/// ` AND column >= from AND column <= to`, each bound only when given (both inclusive).
pub(crate) fn push_range(
    query: &mut QueryBuilder<'_, Sqlite>,
    column: &'static str,
    from: Option<i64>,
    to: Option<i64>,
) {
    if let Some(from) = from {
        query
            .push(" AND ")
            .push(column)
            .push(" >= ")
            .push_bind(from);
    }
    if let Some(to) = to {
        query.push(" AND ").push(column).push(" <= ").push_bind(to);
    }
}

/// ` ORDER BY expression ASC|DESC, id ASC`: the id breaks ties so that the order is total
/// (and is left out when it is the sort expression itself).
pub(crate) fn push_order_by(
    query: &mut QueryBuilder<'_, Sqlite>,
    expression: &'static str,
    descending: bool,
    id_column: &'static str,
) {
    query
        .push(" ORDER BY ")
        .push(expression)
        .push(if descending { " DESC" } else { " ASC" });
    if expression != id_column {
        query.push(", ").push(id_column).push(" ASC");
    }
}

/// ` LIMIT ? OFFSET ?`.
pub(crate) fn push_page(query: &mut QueryBuilder<'_, Sqlite>, limit: i64, offset: i64) {
    query
        .push(" LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
}
