//! The Task Status List's body in chunks, for answers too large to build whole (see
//! `--stream-threshold`): the same bytes as [`json::list`](crate::store::tasks::json::list), read a chunk
//! of tasks at a time so that memory stays bounded by the chunk, not by the answer.
//!
//! What the answer holds when the data changes while it is sent: [`open`](crate::store::tasks::stream::open) reads the ids of
//! the matching tasks, in answer order, in one statement (a consistent read at the moment
//! of the request, about 7 bytes a task). Each chunk then reads the objects of its ids by
//! primary key in a statement of its own, with the request's filter applied again. So a
//! task is never sent twice, the order is the order at the request, and a task created
//! after the request is not in the answer; an object is as it was when its chunk was read,
//! and a task that no longer matches the filter by then (its status changed, a reset or
//! the demo's cap removed it) is left out. No transaction stays open between chunks: with
//! the in-memory database (one shared cache, where a reader's table locks stop writers) a
//! slow client never holds up a writer for longer than one chunk's statement.

use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::json::{from, OBJECT};
use super::TaskFilter;
use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::store::Listing;

/// The most tasks one chunk reads (about 400 KB of JSON): small enough that the memory an
/// answer adds stays a few megabytes whatever its size, large enough that a chunk's
/// statement costs much more than its round trip to SQLite's thread.
pub const MAX_CHUNK_TASKS: u32 = 1_000;

/// A Task Status List body being read a chunk at a time: [`ChunkedList::next_piece`] gives
/// `[` and the first chunk's objects, then `,` and each next chunk's objects, then `]`.
pub struct ChunkedList {
    pool: SqlitePool,
    filter: TaskFilter,
    /// The ids of the matching tasks in answer order, `,`-separated.
    ids: String,
    /// Where the ids not read yet start in `ids`.
    next: usize,
    /// Tasks a chunk reads.
    chunk_tasks: usize,
    /// Whether an object has been given (`[` is sent; the next chunk starts with `,`).
    started: bool,
    /// Whether `]` has been given.
    finished: bool,
}

/// The ids of every task matching `filter` in `sort` order, read in one statement, and the
/// chunked reader of their objects, `chunk_tasks` at a time (at most [`MAX_CHUNK_TASKS`]).
pub async fn open(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
    chunk_tasks: u32,
) -> sqlx::Result<ChunkedList> {
    // group_concat over an ordered subquery: one row, in the subquery's order (see
    // `json::joined` for why that order holds).
    let mut query = QueryBuilder::<Sqlite>::new("SELECT group_concat(object, ',') FROM (");
    super::push_ordered(&mut query, "t.task_id", from(sort), filter, sort);
    query.push(")");
    let ids: Option<String> = query.build_query_scalar().fetch_one(pool).await?;
    Ok(ChunkedList {
        pool: pool.clone(),
        filter: filter.clone(),
        ids: ids.unwrap_or_default(),
        next: 0,
        chunk_tasks: chunk_tasks.clamp(1, MAX_CHUNK_TASKS) as usize,
        started: false,
        finished: false,
    })
}

impl ChunkedList {
    /// The next bytes of the body, `None` once `]` has been given.
    pub async fn next_piece(&mut self) -> sqlx::Result<Option<Vec<u8>>> {
        if self.finished {
            return Ok(None);
        }
        while let Some(ids) = self.take_chunk() {
            // Every task of a chunk may be gone by now: then nothing is sent for it.
            if let Some(objects) = self.objects(&ids).await? {
                let mut piece = Vec::with_capacity(objects.len() + 1);
                piece.push(if self.started { b',' } else { b'[' });
                piece.extend_from_slice(objects.as_bytes());
                self.started = true;
                return Ok(Some(piece));
            }
        }
        self.finished = true;
        Ok(Some(if self.started {
            b"]".to_vec()
        } else {
            b"[]".to_vec()
        }))
    }

    /// The next `chunk_tasks` ids as a JSON array, `None` when every id has been taken.
    fn take_chunk(&mut self) -> Option<String> {
        let rest = &self.ids[self.next..];
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .match_indices(',')
            .nth(self.chunk_tasks - 1)
            .map_or(rest.len(), |(at, _)| at);
        let chunk = format!("[{}]", &rest[..end]);
        self.next = (self.next + end + 1).min(self.ids.len());
        Some(chunk)
    }

    /// The objects of the tasks `ids` (a JSON array) names that still match the filter, in
    /// the array's order, `,`-separated; `None` when none does.
    async fn objects(&self, ids: &str) -> sqlx::Result<Option<String>> {
        // CROSS JOIN keeps the ids the outer loop (SQLite never reorders it), so each task
        // is one primary-key lookup.
        let mut query =
            QueryBuilder::<Sqlite>::new("SELECT group_concat(object, ',') FROM (SELECT ");
        query
            .push(OBJECT)
            .push(" AS object FROM json_each(")
            .push_bind(ids.to_owned())
            .push(") AS chunk CROSS JOIN tasks t ON t.task_id = chunk.value");
        self.filter.push_predicate(&mut query);
        query.push(" ORDER BY chunk.key)");
        query.build_query_scalar().fetch_one(&self.pool).await
    }
}
