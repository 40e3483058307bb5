//! Start-up: open the database, apply migrations, validate the fixtures and the start-up
//! fault rules, and build the `AppState` that `app::build_router` serves. A bad fixture or
//! fault file stops start-up with every problem listed and nothing loaded.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::clock::{Clock, ClockMode, EmulatorClock};
use crate::config::StartClock;
use crate::config::{AdminToken, Config};
use crate::domain::auth;
use crate::domain::faults::{self, FaultRule};
use crate::domain::fixture::{self, Catalogues, Dataset, FixtureErrors};
use crate::domain::journal::Journal;
use crate::outbox::{Outbox, QUEUE_CAPACITY};
use crate::response::cache::Caches;
use crate::state::{AppState, AuthSettings, Emulator, SharedState};
use crate::store::dataset::{StartupTasks, TaskIndexes};
use crate::store::writer::WriteGate;
use crate::{db, store, webhooks};

mod stream;

use self::stream::StreamSource;

/// The built-in demo data set, compiled into the binary so that `sdemu` needs no files.
pub const BUILTIN_FIXTURE: &str = include_str!("../../fixtures/demo.json");

/// How much of a fixture file is read at a time, when it is read as it comes.
const FILE_BUFFER: usize = 256 * 1024;

/// A fixture file up to this size is read whole and parsed from memory when the database
/// is in memory: parsing text in memory is much cheaper than through a reader (start-up
/// with a 100,000-task file, 37 MB, took ~17% less time), and costs no higher peak there,
/// where the loaded database and the start-up data set outweigh the text. Into a database
/// file, the text would be the peak (+43% at 100,000 tasks): a file is read as it comes.
const READ_WHOLE_IN_MEMORY_UP_TO: u64 = 64 * 1024 * 1024;

/// Where the start-up data comes from.
#[derive(Debug, Clone)]
pub enum FixtureSource {
    /// The demo data set compiled into the binary.
    Builtin,
    /// A fixture file given with `--fixtures`.
    File(PathBuf),
    /// Fixture text held in memory (tests), with a name for error messages.
    Inline { name: String, text: String },
}

impl FixtureSource {
    pub fn from_config(config: &Config) -> Self {
        config
            .fixtures
            .clone()
            .map_or(Self::Builtin, FixtureSource::File)
    }

    /// The source as the fast path reads it (`stream.rs`); the built-in demo data set is
    /// small, and always loaded whole.
    fn streamable(&self) -> Option<StreamSource> {
        match self {
            Self::Builtin => None,
            Self::File(path) => Some(StreamSource::File(path.clone())),
            Self::Inline { text, .. } => Some(StreamSource::Text(text.clone())),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Builtin => "the built-in demo data set".into(),
            Self::File(path) => format!("fixture file {}", path.display()),
            Self::Inline { name, .. } => format!("fixture {name}"),
        }
    }

    /// Reads and validates the fixtures. A file larger than `read_whole_up_to` bytes is read
    /// as it comes, never held whole.
    fn load(
        &self,
        catalogues: &Catalogues,
        webhook_allow_public: bool,
        read_whole_up_to: u64,
    ) -> anyhow::Result<Result<Dataset, FixtureErrors>> {
        Ok(match self {
            Self::Builtin => fixture::load(BUILTIN_FIXTURE, catalogues, webhook_allow_public),
            Self::File(path) => load_file(path, read_whole_up_to, catalogues, webhook_allow_public)
                .with_context(|| format!("cannot read fixture file {}", path.display()))?,
            Self::Inline { text, .. } => fixture::load(text, catalogues, webhook_allow_public),
        })
    }
}

/// Reads and validates a fixture file: whole when it is at most `read_whole_up_to` bytes,
/// else as it comes. Both ways give the same dataset and the same problems.
fn load_file(
    path: &std::path::Path,
    read_whole_up_to: u64,
    catalogues: &Catalogues,
    webhook_allow_public: bool,
) -> std::io::Result<Result<Dataset, FixtureErrors>> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() <= read_whole_up_to {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes)?;
        // Text that is not UTF-8 is left to the reader, which says where the document
        // stops being JSON, as a file read as it comes always did.
        return Ok(match String::from_utf8(bytes) {
            Ok(text) => fixture::load(&text, catalogues, webhook_allow_public),
            Err(not_text) => {
                fixture::load_reader(not_text.as_bytes(), catalogues, webhook_allow_public)
            }
        });
    }
    let reader = std::io::BufReader::with_capacity(FILE_BUFFER, file);
    Ok(fixture::load_reader(
        reader,
        catalogues,
        webhook_allow_public,
    ))
}

/// The control plane's safe default: when `--host` is not a loopback address and neither
/// `--admin-token` nor `--open-control-plane` is given, a new random admin token is put in
/// `config` and returned, for `main` to print (it is never logged).
pub fn generate_admin_token(config: &mut Config) -> anyhow::Result<Option<AdminToken>> {
    if config.admin_token.is_some()
        || config.open_control_plane
        || !config.listens_beyond_loopback()
    {
        return Ok(None);
    }
    let token: AdminToken = auth::new_token()?
        .parse()
        .map_err(|error: &str| anyhow::anyhow!(error))?;
    config.admin_token = Some(token.clone());
    Ok(Some(token))
}

/// Opens the database, applies migrations, validates the fixtures and, when the database is
/// empty, loads them. A bad fixture stops start-up with every problem listed and nothing
/// loaded.
pub async fn open(
    config: &Config,
    clock: Arc<dyn Clock>,
    fixtures: FixtureSource,
) -> anyhow::Result<AppState> {
    let started_at = clock.now();
    // The base clock (the system clock, or a test's manual clock) under the emulator's own.
    let initial = match config.clock {
        StartClock::Real => ClockMode::Real,
        StartClock::Frozen => ClockMode::Frozen(started_at),
    };
    let clock = Arc::new(EmulatorClock::new(clock, initial));
    let startup_faults = match &config.faults {
        Some(path) => load_fault_file(path)?,
        None => Vec::new(),
    };
    let (db, data_version, (dataset, startup_tasks)) = match config.database.as_deref() {
        // A new file is filled beside its place and moved there once loaded.
        Some(path) if !path.exists() => {
            db::new_file::build(path, |db| async move {
                load_startup_data(&db, config, &fixtures).await
            })
            .await?
        }
        path => {
            let (db, data_version) = db::open_versioned(path).await?;
            let loaded = load_startup_data(&db, config, &fixtures).await?;
            (db, data_version, loaded)
        }
    };
    let emulator = Emulator::new(
        started_at,
        config.admin_token.clone(),
        Journal::new(config.journal_limit, config.journal_bytes),
        faults::Faults::new(config.fault_seed, startup_faults),
    );
    // A database file keeps the history of a previous run: its clock may not go back
    // before what that run applied.
    if let Some(at) = store::lifecycle::latest_transition(&db)
        .await?
        .and_then(|at| chrono::DateTime::from_timestamp(at, 0))
    {
        clock.mark_applied(at);
    }
    // Demo mode's generator starts now: a database file that had one keeps its counter,
    // but the time sdemu was stopped creates no task.
    if config.demo.enabled {
        store::demo::resume(&db, clock.now().timestamp()).await?;
    }
    // Migrations are applied and the fixtures loaded: /_emulator/ready may say so.
    emulator.set_ready();
    let (outbox, deliveries) = Outbox::new(QUEUE_CAPACITY);
    let mut writes = WriteGate::new(db::open_writer(&db, &data_version).await?)
        .context("cannot start the writers' thread")?;
    if config.database.is_some() {
        writes = writes.checkpointing(db::open_checkpointer(&db).await?, data_version.clone());
    }
    let state = AppState::new(SharedState {
        db,
        config: Arc::new(config.clone()),
        clock,
        lifecycle: config.lifecycle_settings(),
        demo: config.demo_settings(),
        startup_dataset: Arc::new(dataset),
        startup_tasks,
        auth: AuthSettings::from_config(config),
        emulator: Arc::new(emulator),
        caches: Arc::new(Caches::new(data_version)),
        outbox: Arc::new(outbox),
        writes,
    });
    // The delivery worker lives as long as the runtime: exports queued by any caller are
    // delivered by it, at most `MAX_CONCURRENT_DELIVERIES` at a time.
    tokio::spawn(webhooks::run_worker(state.clone(), deliveries));
    Ok(state)
}

/// Validates the fixtures and, when `db` is empty, loads them: the start-up data set, and
/// where a reset finds its tasks.
async fn load_startup_data(
    db: &sqlx::SqlitePool,
    config: &Config,
    fixtures: &FixtureSource,
) -> anyhow::Result<(Dataset, StartupTasks)> {
    let catalogues = store::dataset::builtin_catalogues(db).await?;
    let (read_whole_up_to, task_indexes) = match config.database {
        None => (READ_WHOLE_IN_MEMORY_UP_TO, TaskIndexes::AfterTheTasks),
        Some(_) => (0, TaskIndexes::AsTasksGoIn),
    };
    let empty = store::dataset::is_empty(db).await?;
    // Into an empty database, a fixture file or text is first loaded as it is read.
    let streamed = match fixtures.streamable() {
        Some(source) if empty => {
            stream::load(
                db,
                source,
                catalogues.clone(),
                config.clients.clone(),
                config.webhook_allow_public,
                task_indexes,
            )
            .await
        }
        _ => None,
    };
    match streamed {
        Some(loaded) => {
            tracing::info!(
                tasks = loaded.tasks,
                webhooks = loaded.dataset.webhooks.len(),
                source = %fixtures.describe(),
                "fixtures loaded as they were read"
            );
            let startup_tasks = StartupTasks::InDatabase {
                count: loaded.tasks,
            };
            Ok((loaded.dataset, startup_tasks))
        }
        None => {
            let loading = WholeLoad {
                config,
                fixtures,
                catalogues: &catalogues,
                read_whole_up_to,
                task_indexes,
            };
            loading.load(db, empty).await
        }
    }
}

/// The usual load: the whole fixture read and checked, then loaded into an empty database
/// in one transaction. A bad fixture stops start-up with every problem listed.
struct WholeLoad<'a> {
    config: &'a Config,
    fixtures: &'a FixtureSource,
    catalogues: &'a Catalogues,
    read_whole_up_to: u64,
    task_indexes: TaskIndexes,
}

impl WholeLoad<'_> {
    /// Checks the fixtures and, when the database is `empty`, loads them: the start-up data
    /// set, and where a reset finds its tasks.
    async fn load(
        self,
        db: &sqlx::SqlitePool,
        empty: bool,
    ) -> anyhow::Result<(Dataset, StartupTasks)> {
        let Self {
            config, fixtures, ..
        } = self;
        let mut dataset = fixtures
            .load(
                self.catalogues,
                config.webhook_allow_public,
                self.read_whole_up_to,
            )?
            .map_err(|errors| anyhow::anyhow!("{} is not valid: {errors}", fixtures.describe()))?;
        auth::add_clients(&mut dataset, &config.clients)
            .map_err(|error| anyhow::anyhow!("{error} in {}", fixtures.describe()))?;
        let mut startup_tasks = StartupTasks::InMemory;
        if empty {
            store::dataset::load_startup(db, &dataset, self.task_indexes)
                .await
                .with_context(|| format!("cannot load {}", fixtures.describe()))?;
            tracing::info!(
                tasks = dataset.tasks.len(),
                webhooks = dataset.webhooks.len(),
                source = %fixtures.describe(),
                "fixtures loaded"
            );
            // Loaded: a reset finds the tasks in the database (unchanged ones where they
            // are, changed ones saved before their first change: `store/dataset/reset.rs`),
            // so they are not held in memory for as long as sdemu runs (10,000 tasks were
            // ~4.5 MB, a million ~450 MB).
            startup_tasks = StartupTasks::InDatabase {
                count: dataset.tasks.len(),
            };
            dataset.tasks = Vec::new();
        } else {
            tracing::info!("the database already holds data; fixtures not loaded");
            store::dataset::forget_startup_match(db).await?;
            for client in &config.clients {
                if store::organizations::find_by_client_id(db, &client.client_id)
                    .await?
                    .is_none()
                {
                    tracing::warn!(
                        client_id = %client.client_id,
                        "--client is not in the existing database (it was seeded without it); \
                         start with a new database file to add it"
                    );
                }
            }
        }
        Ok((dataset, startup_tasks))
    }
}

/// Reads the start-up fault rules (`--faults`); a bad file stops start-up with every problem
/// listed.
fn load_fault_file(path: &std::path::Path) -> anyhow::Result<Vec<FaultRule>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read fault rules file {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("fault rules file {} is not valid JSON", path.display()))?;
    faults::parse_rules(value).map_err(|problems| {
        let list: Vec<String> = problems
            .iter()
            .map(|problem| format!("\n  - {problem}"))
            .collect();
        anyhow::anyhow!(
            "fault rules file {} is not valid: {} problem(s):{}",
            path.display(),
            problems.len(),
            list.concat()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn catalogues() -> Catalogues {
        let pool = db::open(None).await.unwrap();
        store::dataset::builtin_catalogues(&pool).await.unwrap()
    }

    /// `text` in a file, loaded read whole and read as it comes.
    async fn both_ways(
        text: &[u8],
    ) -> (
        Result<Dataset, FixtureErrors>,
        Result<Dataset, FixtureErrors>,
    ) {
        let catalogues = catalogues().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fixture.json");
        std::fs::write(&path, text).unwrap();
        let whole = load_file(&path, u64::MAX, &catalogues, false).unwrap();
        let as_it_comes = load_file(&path, 0, &catalogues, false).unwrap();
        (whole, as_it_comes)
    }

    #[tokio::test]
    async fn a_fixture_file_read_whole_gives_the_dataset_it_gives_read_as_it_comes() {
        let (whole, as_it_comes) = both_ways(BUILTIN_FIXTURE.as_bytes()).await;
        let whole = whole.unwrap();
        assert!(!whole.tasks.is_empty());
        assert_eq!(whole, as_it_comes.unwrap());
    }

    #[tokio::test]
    async fn a_bad_fixture_file_has_the_same_problems_read_whole_or_as_it_comes() {
        let bad_items = br#"{"tasks": [
            {"taskId": 1, "workspaceId": 1, "displayName": "a.pdf", "createdOn": "yesterday",
             "taskStatus": 3, "integrationStatus": 1},
            {"taskId": 1, "workspaceId": 1, "displayName": 7},
            {"taskId": 2, "batchId": 5, "workspaceId": 1, "displayName": "b.pdf",
             "createdOn": "2025-01-01T00:00:00Z", "taskStatus": 999, "integrationStatus": 1}],
            "batches": [{"batchId": 5, "workspaceId": 1, "displayName": "later"}],
            "colours": []}"#;
        let truncated = &BUILTIN_FIXTURE.as_bytes()[..BUILTIN_FIXTURE.len() / 2];
        let mut not_utf8 = BUILTIN_FIXTURE.as_bytes().to_vec();
        not_utf8[BUILTIN_FIXTURE.len() / 2] = 0xff;
        for text in [&bad_items[..], truncated, &not_utf8] {
            let (whole, as_it_comes) = both_ways(text).await;
            let whole = whole.unwrap_err().to_string();
            assert!(!whole.is_empty());
            assert_eq!(whole, as_it_comes.unwrap_err().to_string());
        }
    }
}
