//! The `sort` query parameter. The documentation says only "name of property to sort result
//! values" with `createdOn` as the default; sdemu accepts any property of the returned object,
//! case-insensitively, ascending unless written `-name` or `name desc` (`name asc` is also
//! accepted). The store breaks ties by id so that the order is total.

/// A set of sortable properties: the wire names and the value each maps to.
pub trait SortKey: Copy + 'static {
    /// Every sortable property, by its wire name, in the order they are listed to users.
    const ALL: &'static [(&'static str, Self)];
    const DEFAULT: Self;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortOrder<K> {
    pub key: K,
    pub descending: bool,
}

impl<K: SortKey> Default for SortOrder<K> {
    fn default() -> Self {
        Self {
            key: K::DEFAULT,
            descending: false,
        }
    }
}

impl<K: SortKey> SortOrder<K> {
    /// Reads a `sort` value; `None` (absent or empty) gives the default order.
    pub fn parse(raw: Option<&str>) -> Result<Self, SortError> {
        let Some(raw) = raw.map(str::trim).filter(|raw| !raw.is_empty()) else {
            return Ok(Self::default());
        };
        let (name, descending) = if let Some(name) = raw.strip_prefix('-') {
            (name, true)
        } else {
            match raw.split_whitespace().collect::<Vec<_>>().as_slice() {
                [name] => (*name, false),
                [name, direction] if direction.eq_ignore_ascii_case("asc") => (*name, false),
                [name, direction] if direction.eq_ignore_ascii_case("desc") => (*name, true),
                _ => return Err(unknown_sort::<K>(raw)),
            }
        };
        K::ALL
            .iter()
            .find(|(wire, _)| wire.eq_ignore_ascii_case(name.trim()))
            .map(|&(_, key)| Self { key, descending })
            .ok_or_else(|| unknown_sort::<K>(raw))
    }
}

fn unknown_sort<K: SortKey>(raw: &str) -> SortError {
    SortError {
        value: raw.to_owned(),
        allowed: K::ALL.iter().map(|(wire, _)| *wire).collect(),
    }
}

/// A `sort` value that names no sortable property or has a direction sdemu cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the sort value '{value}' is not a sortable property; use one of: {}",
    allowed.join(", ")
)]
pub struct SortError {
    /// The value as the client sent it (trimmed).
    pub value: String,
    /// Every sortable property, by its wire name.
    pub allowed: Vec<&'static str>,
}

/// The properties of a task object, for `sort` on the task list endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskSortKey {
    TaskId,
    WorkspaceId,
    BatchId,
    TaskNumber,
    ExternalId,
    DisplayName,
    Description,
    CreatedOn,
    TaskStatus,
    IntegrationStatus,
    TaskStatusText,
    IntegrationStatusText,
    TotalPages,
    RestartCount,
    PreProcessingStartedOn,
}

impl SortKey for TaskSortKey {
    const ALL: &'static [(&'static str, Self)] = &[
        ("taskId", Self::TaskId),
        ("workspaceId", Self::WorkspaceId),
        ("batchId", Self::BatchId),
        ("taskNumber", Self::TaskNumber),
        ("externalId", Self::ExternalId),
        ("displayName", Self::DisplayName),
        ("description", Self::Description),
        ("createdOn", Self::CreatedOn),
        ("taskStatus", Self::TaskStatus),
        ("integrationStatus", Self::IntegrationStatus),
        ("taskStatusText", Self::TaskStatusText),
        ("integrationStatusText", Self::IntegrationStatusText),
        ("totalPages", Self::TotalPages),
        ("restartCount", Self::RestartCount),
        ("preProcessingStartedOn", Self::PreProcessingStartedOn),
    ];
    const DEFAULT: Self = Self::CreatedOn;
}

/// The properties of a batch object, for `sort` on Get Batch Paginated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchSortKey {
    BatchId,
    WorkspaceId,
    DisplayName,
    Description,
    CreatedOn,
    TotalTasks,
    TotalTasksInHistory,
}

impl SortKey for BatchSortKey {
    const ALL: &'static [(&'static str, Self)] = &[
        ("batchId", Self::BatchId),
        ("workspaceId", Self::WorkspaceId),
        ("displayName", Self::DisplayName),
        ("description", Self::Description),
        ("createdOn", Self::CreatedOn),
        ("totalTasks", Self::TotalTasks),
        ("totalTasksInHistory", Self::TotalTasksInHistory),
    ];
    const DEFAULT: Self = Self::CreatedOn;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<SortOrder<TaskSortKey>, SortError> {
        SortOrder::parse(Some(raw))
    }

    #[test]
    fn reads_every_direction_syntax_case_insensitively() {
        let descending = SortOrder {
            key: TaskSortKey::TotalPages,
            descending: true,
        };
        assert_eq!(parse("-totalPages").unwrap(), descending);
        assert_eq!(parse("TOTALPAGES desc").unwrap(), descending);
        assert_eq!(parse("totalpages DESC").unwrap(), descending);
        assert!(!parse("totalPages asc").unwrap().descending);
        assert!(!parse("totalPages").unwrap().descending);
        assert_eq!(
            SortOrder::<TaskSortKey>::parse(None).unwrap(),
            SortOrder::default()
        );
    }

    #[test]
    fn refuses_unknown_properties_and_directions() {
        for raw in ["colour", "createdOn sideways", "createdOn desc extra", "-"] {
            assert!(parse(raw).is_err(), "{raw}");
        }
    }
}
