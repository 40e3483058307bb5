//! Start-up's optimistic load of a fixture file or text into the empty database, its tasks
//! inserted as they are read: the document is read and checked on a blocking thread
//! (`domain/fixture/stream.rs`), which hands the tasks over in batches through a bounded
//! channel, and they go into the start-up transaction here (`store/dataset/stream.rs`)
//! while the next are read. No task is held longer than its batch, and on two cores reading
//! and inserting overlap.
//!
//! Anything else than a good document read to its end (a problem, a document that cannot
//! be read this way, a failed insert) rolls the transaction back: the caller then loads the
//! fixture the usual way, which lists every problem as it always has.

use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::domain::auth::{self, ClientCredentials};
use crate::domain::fixture::stream::{stream_reader, Streamed, TaskSink};
use crate::domain::fixture::{Catalogues, Dataset, Task};
use crate::store::dataset::{StartupLoad, TaskIndexes};

/// Tasks per batch handed from the reading thread to the inserting side.
const TASKS_PER_BATCH: usize = 2048;

/// Batches read and waiting to be inserted, at most: with the one being read and the one
/// being inserted, this bounds the tasks held at once.
const BATCHES_WAITING: usize = 2;

/// What can be read this way.
pub(super) enum StreamSource {
    File(PathBuf),
    Text(String),
}

/// What the fast path loaded.
pub(super) struct Loaded {
    /// The start-up data set without its tasks: they are in the database only, where a
    /// reset finds them.
    pub dataset: Dataset,
    /// How many tasks were loaded.
    pub tasks: usize,
}

/// What the reading thread sends.
enum Event {
    /// The sections the tasks refer to, `--client` organizations added: before any task.
    Parents(Box<Dataset>),
    Tasks(Vec<Task>),
}

/// Sends the checked sections and tasks to the inserting side, waiting while the channel
/// is full; stops when that side is gone (an insert failed).
struct ChannelSink {
    sender: mpsc::Sender<Event>,
    clients: Vec<ClientCredentials>,
}

impl TaskSink for ChannelSink {
    fn parents(&mut self, parents: &mut Dataset) -> bool {
        // A client that clashes is reported by the usual load.
        auth::add_clients(parents, &self.clients).is_ok()
            && self
                .sender
                .blocking_send(Event::Parents(Box::new(parents.clone())))
                .is_ok()
    }

    fn tasks(&mut self, tasks: Vec<Task>) -> bool {
        self.sender.blocking_send(Event::Tasks(tasks)).is_ok()
    }
}

/// Loads `source` into the empty database `db` as it is read. `None`: nothing was loaded
/// (the document has a problem, cannot be read this way, or an insert failed), and the
/// caller loads it the usual way.
pub(super) async fn load(
    db: &sqlx::SqlitePool,
    source: StreamSource,
    catalogues: Catalogues,
    clients: Vec<ClientCredentials>,
    webhook_allow_public: bool,
    indexes: TaskIndexes,
) -> Option<Loaded> {
    let (sender, mut receiver) = mpsc::channel(BATCHES_WAITING);
    let reading = tokio::task::spawn_blocking(move || {
        let mut sink = ChannelSink { sender, clients };
        let read = |reader: &mut dyn std::io::Read, sink: &mut ChannelSink| {
            stream_reader(
                reader,
                &catalogues,
                webhook_allow_public,
                TASKS_PER_BATCH,
                sink,
            )
        };
        match source {
            StreamSource::File(path) => {
                // A file that cannot be opened is reported by the usual load. It is read in
                // large chunks by the reader itself, with no buffer in between.
                let mut file = std::fs::File::open(path).ok()?;
                read(&mut file, &mut sink)
            }
            StreamSource::Text(text) => read(&mut text.as_bytes(), &mut sink),
        }
    });
    let mut load = match StartupLoad::begin(db, indexes).await {
        Ok(load) => load,
        Err(error) => {
            tracing::debug!(%error, "cannot begin loading the fixtures as they are read");
            // The reading thread stops at its first send.
            drop(receiver);
            let _ = reading.await;
            return None;
        }
    };
    let inserted = insert_as_they_come(&mut load, &mut receiver).await;
    // The reading thread stops at its next send if the inserting stopped first.
    drop(receiver);
    let streamed: Option<Streamed> = reading.await.ok().flatten();
    let finished = match (inserted, streamed) {
        (Ok(()), Some(streamed)) => load
            .finish(&streamed.dataset, streamed.batches_implied)
            .await
            .map(|()| Some(streamed)),
        (Err(error), _) => {
            tracing::debug!(%error, "loading the fixtures as they are read failed");
            load.abandon().await.map(|()| None)
        }
        (Ok(()), None) => load.abandon().await.map(|()| None),
    };
    match finished {
        Ok(streamed) => streamed.map(|streamed| Loaded {
            dataset: streamed.dataset,
            tasks: streamed.tasks,
        }),
        Err(error) => {
            tracing::debug!(%error, "loading the fixtures as they are read failed");
            None
        }
    }
}

/// Inserts what the reading thread sends, until it is done; each batch of tasks is dropped
/// once inserted.
async fn insert_as_they_come(
    load: &mut StartupLoad,
    receiver: &mut mpsc::Receiver<Event>,
) -> sqlx::Result<()> {
    while let Some(event) = receiver.recv().await {
        match event {
            Event::Parents(parents) => load.insert_parents(&parents).await?,
            Event::Tasks(tasks) => load.insert_tasks(&tasks).await?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
