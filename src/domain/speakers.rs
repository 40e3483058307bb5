//! Transcript speakers: the wire types of the Speakers pages (`ExternalWorkspaceSpeakers`,
//! `ExternalTaskSpeakerModel`) and their rules: required fields and lengths, one
//! `speakerId` per list, at most one default speaker, a task's speakers defaulting to its
//! workspace's, and which workspaces hold transcripts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::limits::{
    MAX_SPEAKERS, MAX_SPEAKER_AFFIX_CHARS, MAX_SPEAKER_ID_CHARS, MAX_SPEAKER_NAME_CHARS,
};

/// One speaker of a workspace (an item of `ExternalWorkspaceSpeakers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSpeaker {
    /// The speaker's id, unique in the list (the documentation's example is a GUID).
    #[schema(examples("90edf137-ea2a-4b59-bf51-45446299d47e"))]
    pub speaker_id: String,
    pub speaker_name: String,
    /// `null` when not set.
    pub speaker_prefix: Option<String>,
    /// `null` when not set.
    pub speaker_suffix: Option<String>,
}

/// One speaker of a task (`ExternalTaskSpeakerModel`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskSpeaker {
    /// The speaker's id, unique in the task's list.
    #[schema(examples("90edf137-ea2a-4b59-bf51-45446299d47e"))]
    pub speaker_id: String,
    pub speaker_name: String,
    /// `null` when not set.
    pub speaker_prefix: Option<String>,
    /// `null` when not set.
    pub speaker_suffix: Option<String>,
    /// At most one speaker of a task is the default one.
    pub is_default: bool,
}

impl TaskSpeaker {
    /// A workspace speaker as a task's speaker (never the default one).
    pub fn from_workspace(speaker: WorkspaceSpeaker) -> Self {
        Self {
            speaker_id: speaker.speaker_id,
            speaker_name: speaker.speaker_name,
            speaker_prefix: speaker.speaker_prefix,
            speaker_suffix: speaker.speaker_suffix,
            is_default: false,
        }
    }
}

/// A workspace's speakers: the body of Put Workspace Speakers and of sdemu's answer to both
/// workspace speaker operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSpeakers {
    pub speakers: Vec<WorkspaceSpeaker>,
}

/// A task's speakers, in the `{"speakers": [...]}` wrapping of the documentation's POST
/// example: what every task speaker operation answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskSpeakers {
    pub speakers: Vec<TaskSpeaker>,
}

/// A speaker as a client sends it (`ExternalTaskSpeakerModel`; a workspace's speakers
/// ignore `isDefault`). A missing or blank required field is a 400 problem naming it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SpeakerInput)]
pub struct SpeakerInput {
    /// Required, not blank, unique in the list.
    #[schema(required = true, nullable = false, min_length = 1, max_length = 64)]
    pub speaker_id: Option<String>,
    /// Required, not blank.
    #[schema(required = true, nullable = false, min_length = 1, max_length = 256)]
    pub speaker_name: Option<String>,
    /// Blank counts as absent.
    #[schema(max_length = 64)]
    pub speaker_prefix: Option<String>,
    /// Blank counts as absent.
    #[schema(max_length = 64)]
    pub speaker_suffix: Option<String>,
    /// Task speakers only (ignored for a workspace); `false` when absent.
    #[schema(nullable = false)]
    pub is_default: Option<bool>,
}

/// Speakers as a client sends them in a `{"speakers": [...]}` body
/// (`ExternalWorkspaceSpeakers`, and the Post Task Speaker example).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SpeakersInput)]
pub struct SpeakersInput {
    /// Required: the list (it may be empty for Put Workspace Speakers).
    #[schema(required = true, nullable = false, max_items = 100)]
    pub speakers: Option<Vec<SpeakerInput>>,
}

/// Why speakers a client sent cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeakerError {
    /// A field is missing, blank, too long or the list too long; the reason completes
    /// "The field '...' ...".
    Field { field: String, reason: String },
    /// Two speakers of one list have the same `speakerId`.
    Duplicate { field: String, speaker_id: String },
    /// More than one speaker of a task would be the default one.
    SeveralDefaults { speaker_ids: Vec<String> },
    /// No speaker of the task has this id.
    Unknown { speaker_id: String },
}

fn field_error(field: &str, reason: impl Into<String>) -> SpeakerError {
    SpeakerError::Field {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// A required text field: present, not blank, not longer than `max` characters.
fn required(value: Option<String>, field: &str, max: usize) -> Result<String, SpeakerError> {
    let value = value
        .filter(|text| !text.trim().is_empty())
        .ok_or_else(|| field_error(field, "is required and must not be blank"))?;
    if value.chars().count() > max {
        return Err(field_error(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value)
}

/// An optional text field: blank counts as absent.
fn optional(
    value: Option<String>,
    field: &str,
    max: usize,
) -> Result<Option<String>, SpeakerError> {
    let value = value.filter(|text| !text.trim().is_empty());
    if value
        .as_ref()
        .is_some_and(|text| text.chars().count() > max)
    {
        return Err(field_error(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value)
}

/// Checks one speaker; `at` is where it is in the body (`""` for a bare speaker object,
/// `"speakers[2]."` in a list), for the problem's field name.
pub fn check_speaker(input: SpeakerInput, at: &str) -> Result<TaskSpeaker, SpeakerError> {
    Ok(TaskSpeaker {
        speaker_id: required(
            input.speaker_id,
            &format!("{at}speakerId"),
            MAX_SPEAKER_ID_CHARS,
        )?,
        speaker_name: required(
            input.speaker_name,
            &format!("{at}speakerName"),
            MAX_SPEAKER_NAME_CHARS,
        )?,
        speaker_prefix: optional(
            input.speaker_prefix,
            &format!("{at}speakerPrefix"),
            MAX_SPEAKER_AFFIX_CHARS,
        )?,
        speaker_suffix: optional(
            input.speaker_suffix,
            &format!("{at}speakerSuffix"),
            MAX_SPEAKER_AFFIX_CHARS,
        )?,
        is_default: input.is_default.unwrap_or(false),
    })
}

/// Checks a `{"speakers": [...]}` body: the list is required, at most [`MAX_SPEAKERS`]
/// long, each speaker checked, no `speakerId` twice.
pub fn check_list(input: SpeakersInput) -> Result<Vec<TaskSpeaker>, SpeakerError> {
    let inputs = input
        .speakers
        .ok_or_else(|| field_error("speakers", "is required (a list, which may be empty)"))?;
    if inputs.len() > MAX_SPEAKERS {
        return Err(field_error(
            "speakers",
            format!("must list at most {MAX_SPEAKERS} speakers"),
        ));
    }
    let speakers = inputs
        .into_iter()
        .enumerate()
        .map(|(index, speaker)| check_speaker(speaker, &format!("speakers[{index}].")))
        .collect::<Result<Vec<_>, _>>()?;
    check_unique(&speakers, |index| format!("speakers[{index}].speakerId"))?;
    Ok(speakers)
}

/// No `speakerId` twice in `speakers`; `field` names the second one's position.
fn check_unique(
    speakers: &[TaskSpeaker],
    field: impl Fn(usize) -> String,
) -> Result<(), SpeakerError> {
    for (index, speaker) in speakers.iter().enumerate() {
        if speakers[..index]
            .iter()
            .any(|earlier| earlier.speaker_id == speaker.speaker_id)
        {
            return Err(SpeakerError::Duplicate {
                field: field(index),
                speaker_id: speaker.speaker_id.clone(),
            });
        }
    }
    Ok(())
}

/// At most one default speaker in a task's list.
pub fn check_defaults(speakers: &[TaskSpeaker]) -> Result<(), SpeakerError> {
    let defaults: Vec<String> = speakers
        .iter()
        .filter(|speaker| speaker.is_default)
        .map(|speaker| speaker.speaker_id.clone())
        .collect();
    if defaults.len() > 1 {
        return Err(SpeakerError::SeveralDefaults {
            speaker_ids: defaults,
        });
    }
    Ok(())
}

/// The task's list with `added` appended: none may have a `speakerId` the task has; the
/// result has at most one default speaker and at most [`MAX_SPEAKERS`] speakers.
pub fn add(
    mut current: Vec<TaskSpeaker>,
    added: Vec<TaskSpeaker>,
    field: impl Fn(usize) -> String,
) -> Result<Vec<TaskSpeaker>, SpeakerError> {
    for (index, speaker) in added.iter().enumerate() {
        if current
            .iter()
            .any(|held| held.speaker_id == speaker.speaker_id)
        {
            return Err(SpeakerError::Duplicate {
                field: field(index),
                speaker_id: speaker.speaker_id.clone(),
            });
        }
    }
    current.extend(added);
    if current.len() > MAX_SPEAKERS {
        return Err(field_error(
            "speakers",
            format!("would give the task more than {MAX_SPEAKERS} speakers"),
        ));
    }
    check_defaults(&current)?;
    Ok(current)
}

/// The task's list with each of `changed` replacing the speaker of the same `speakerId`
/// (which must be there); the result has at most one default speaker.
pub fn update(
    mut current: Vec<TaskSpeaker>,
    changed: Vec<TaskSpeaker>,
) -> Result<Vec<TaskSpeaker>, SpeakerError> {
    for speaker in changed {
        let held = current
            .iter_mut()
            .find(|held| held.speaker_id == speaker.speaker_id)
            .ok_or_else(|| SpeakerError::Unknown {
                speaker_id: speaker.speaker_id.clone(),
            })?;
        *held = speaker;
    }
    check_defaults(&current)?;
    Ok(current)
}

/// The task's list without the speaker `speaker_id` (which must be there).
pub fn remove(
    mut current: Vec<TaskSpeaker>,
    speaker_id: &str,
) -> Result<Vec<TaskSpeaker>, SpeakerError> {
    let at = current
        .iter()
        .position(|held| held.speaker_id == speaker_id)
        .ok_or_else(|| SpeakerError::Unknown {
            speaker_id: speaker_id.to_owned(),
        })?;
    current.remove(at);
    Ok(current)
}

/// A task's speakers: its own list when it has one, else its workspace's (none of them the
/// default speaker).
pub fn effective(
    own: Option<Vec<TaskSpeaker>>,
    workspace: Vec<WorkspaceSpeaker>,
) -> Vec<TaskSpeaker> {
    own.unwrap_or_else(|| {
        workspace
            .into_iter()
            .map(TaskSpeaker::from_workspace)
            .collect()
    })
}

/// The workspace template whose workspaces hold transcripts: the name the documentation's
/// workspace page lists ("Transcripts"), compared without case. The numeric workspace,
/// template and task types are not documented, so sdemu goes by the template name.
pub const TRANSCRIPTS_TEMPLATE: &str = "Transcripts";

/// Whether a workspace with this `workspaceTemplateName` holds transcripts.
pub fn is_transcripts_workspace(template_name: Option<&str>) -> bool {
    template_name.is_some_and(|name| name.trim().eq_ignore_ascii_case(TRANSCRIPTS_TEMPLATE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speaker(id: &str, is_default: bool) -> TaskSpeaker {
        TaskSpeaker {
            speaker_id: id.to_owned(),
            speaker_name: format!("Speaker {id}"),
            speaker_prefix: None,
            speaker_suffix: None,
            is_default,
        }
    }

    fn input(id: Option<&str>, name: Option<&str>) -> SpeakerInput {
        SpeakerInput {
            speaker_id: id.map(str::to_owned),
            speaker_name: name.map(str::to_owned),
            ..SpeakerInput::default()
        }
    }

    #[test]
    fn a_speaker_needs_an_id_and_a_name_and_blank_affixes_are_absent() {
        let field = |result: Result<TaskSpeaker, SpeakerError>| match result {
            Err(SpeakerError::Field { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(check_speaker(input(None, Some("A")), "")),
            "speakerId"
        );
        assert_eq!(
            field(check_speaker(input(Some("1"), Some(" ")), "speakers[3].")),
            "speakers[3].speakerName"
        );
        let long = "x".repeat(MAX_SPEAKER_ID_CHARS + 1);
        assert_eq!(
            field(check_speaker(input(Some(&long), Some("A")), "")),
            "speakerId"
        );
        let mut blank = input(Some("1"), Some("A"));
        blank.speaker_prefix = Some("  ".into());
        assert_eq!(check_speaker(blank, "").unwrap().speaker_prefix, None);
    }

    #[test]
    fn a_list_names_its_second_speaker_with_an_id_already_listed() {
        let list = SpeakersInput {
            speakers: Some(vec![
                input(Some("a"), Some("A")),
                input(Some("a"), Some("B")),
            ]),
        };
        assert_eq!(
            check_list(list),
            Err(SpeakerError::Duplicate {
                field: "speakers[1].speakerId".into(),
                speaker_id: "a".into()
            })
        );
        assert!(matches!(
            check_list(SpeakersInput { speakers: None }),
            Err(SpeakerError::Field { .. })
        ));
    }

    #[test]
    fn adding_refuses_a_held_id_and_a_second_default() {
        let current = vec![speaker("a", true)];
        assert!(matches!(
            add(current.clone(), vec![speaker("a", false)], |_| "speakerId"
                .into()),
            Err(SpeakerError::Duplicate { .. })
        ));
        assert_eq!(
            add(current.clone(), vec![speaker("b", true)], |_| String::new()),
            Err(SpeakerError::SeveralDefaults {
                speaker_ids: vec!["a".into(), "b".into()]
            })
        );
        assert_eq!(
            add(current, vec![speaker("b", false)], |_| String::new())
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn updating_and_removing_name_an_unknown_speaker() {
        let current = vec![speaker("a", true), speaker("b", false)];
        assert_eq!(
            update(current.clone(), vec![speaker("c", false)]),
            Err(SpeakerError::Unknown {
                speaker_id: "c".into()
            })
        );
        // Moving the default in one request is allowed; two defaults are not.
        let moved = update(
            current.clone(),
            vec![speaker("a", false), speaker("b", true)],
        );
        assert!(moved.unwrap()[1].is_default);
        assert!(update(current.clone(), vec![speaker("b", true)]).is_err());
        assert_eq!(
            remove(current.clone(), "b").unwrap(),
            vec![speaker("a", true)]
        );
        assert!(remove(current, "z").is_err());
    }

    #[test]
    fn a_task_without_its_own_list_has_its_workspace_speakers_none_default() {
        let workspace = vec![WorkspaceSpeaker {
            speaker_id: "w".into(),
            speaker_name: "W".into(),
            speaker_prefix: Some("Dr.".into()),
            speaker_suffix: None,
        }];
        let speakers = effective(None, workspace.clone());
        assert_eq!(speakers.len(), 1);
        assert!(!speakers[0].is_default);
        assert_eq!(speakers[0].speaker_prefix.as_deref(), Some("Dr."));
        assert!(effective(Some(Vec::new()), workspace).is_empty());
    }

    #[test]
    fn a_transcripts_workspace_is_known_by_its_template_name() {
        assert!(is_transcripts_workspace(Some("Transcripts")));
        assert!(is_transcripts_workspace(Some(" transcripts ")));
        assert!(!is_transcripts_workspace(Some("Receipts")));
        assert!(!is_transcripts_workspace(None));
    }
}
