//! What sdemu "recognised" in a document: a transcript (speakers and timed paragraphs) and
//! the entities of a text document. The real service's content comes from its OCR and
//! speech recognition; sdemu makes up plausible content, the same for a task id every time,
//! so payloads and files are reproducible. A fixture may replace it with a captured payload.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::domain::speakers::TaskSpeaker;

/// One speaker of a transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Speaker {
    /// A GUID, as in the documentation's speaker example (made up), or the `speakerId` of
    /// the task's speakers (Task Speakers, or its workspace's).
    pub speaker_id: String,
    pub speaker_name: String,
    /// The task speaker's `speakerPrefix`; absent when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker_prefix: Option<String>,
    /// The task speaker's `speakerSuffix`; absent when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker_suffix: Option<String>,
}

/// One paragraph of a transcript: who spoke, when (whole seconds from the start), and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Paragraph {
    pub speaker_id: String,
    pub start_time: i64,
    pub end_time: i64,
    pub text: String,
    /// Reviewer annotations; sdemu makes none.
    #[schema(value_type = Vec<Object>)]
    pub annotations: Vec<Value>,
}

/// A task's transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    pub speakers: Vec<Speaker>,
    pub paragraphs: Vec<Paragraph>,
}

impl Transcript {
    /// The length of the recording: the end of the last paragraph.
    pub fn total_time_in_seconds(&self) -> i64 {
        self.paragraphs.last().map_or(0, |last| last.end_time)
    }

    /// How a transcript document names the speaker: prefix, name and suffix, those set
    /// (`Dr. Bruno Costa PhD`).
    pub fn speaker_label(&self, speaker_id: &str) -> String {
        let Some(speaker) = self.speakers.iter().find(|s| s.speaker_id == speaker_id) else {
            return String::new();
        };
        [
            speaker.speaker_prefix.as_deref(),
            Some(speaker.speaker_name.as_str()),
            speaker.speaker_suffix.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    }

    pub fn speaker_name(&self, speaker_id: &str) -> &str {
        self.speakers
            .iter()
            .find(|speaker| speaker.speaker_id == speaker_id)
            .map_or("", |speaker| speaker.speaker_name.as_str())
    }
}

const SENTENCES: [&str; 12] = [
    "Good morning, everyone, and thank you for joining.",
    "Let us start with the figures from last quarter.",
    "The delivery dates slipped by about two weeks.",
    "We agreed to review the contract before the end of the month.",
    "Can you send the updated invoice to the finance team?",
    "The customer asked for a summary of the changes.",
    "I will follow up with the supplier this afternoon.",
    "Our main risk is the migration of the old archive.",
    "The new process cut the review time in half.",
    "Let us record that as an action for next week.",
    "Does anyone have questions before we move on?",
    "Thank you, that covers everything on the agenda.",
];

const NAMES: [&str; 6] = [
    "Ana Sousa",
    "Bruno Costa",
    "Carla Mendes",
    "David Ferreira",
    "Elisa Rocha",
    "Filipe Lopes",
];

fn generator(task_id: i64, purpose: u64) -> StdRng {
    StdRng::seed_from_u64((task_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ purpose)
}

/// A GUID-shaped id that depends only on `task_id` and `index`.
fn guid(task_id: i64, index: u64) -> String {
    let mut rng = generator(task_id, 0x5EED ^ index);
    let bytes: [u8; 16] = rng.gen();
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// The transcript sdemu makes up for `task_id`: two or three speakers, four to nine
/// paragraphs of a meeting, each 6 to 40 seconds long.
pub fn transcript(task_id: i64) -> Transcript {
    let mut rng = generator(task_id, 1);
    let first_name = rng.gen_range(0..NAMES.len());
    let speakers: Vec<Speaker> = (0..rng.gen_range(2..=3u64))
        .map(|index| Speaker {
            speaker_id: guid(task_id, index),
            speaker_name: NAMES[(first_name + index as usize) % NAMES.len()].to_owned(),
            speaker_prefix: None,
            speaker_suffix: None,
        })
        .collect();
    let mut time = 0;
    let mut speaker_index = 0;
    let paragraphs = (0..rng.gen_range(4..=9))
        .map(|index| {
            let length = rng.gen_range(6..=40);
            // Mostly a new speaker; sometimes the same one goes on.
            if index > 0 && rng.gen_bool(0.7) {
                speaker_index = (speaker_index + 1) % speakers.len();
            }
            let speaker = &speakers[speaker_index];
            let paragraph = Paragraph {
                speaker_id: speaker.speaker_id.clone(),
                start_time: time,
                end_time: time + length,
                text: SENTENCES[rng.gen_range(0..SENTENCES.len())].to_owned(),
                annotations: Vec::new(),
            };
            time += length + rng.gen_range(0..=2);
            paragraph
        })
        .collect();
    Transcript {
        speakers,
        paragraphs,
    }
}

/// The transcript of `task_id` spoken by the task's speakers (Task Speakers, or its
/// workspace's): the made-up paragraphs, the made-up speakers replaced in turn by the
/// task's (the first by the first, ...; when the task has fewer, round again), and every
/// speaker of the task listed. Without speakers, the made-up transcript.
pub fn transcript_with(task_id: i64, speakers: &[TaskSpeaker]) -> Transcript {
    let mut transcript = transcript(task_id);
    if speakers.is_empty() {
        return transcript;
    }
    let made_up: Vec<String> = transcript
        .speakers
        .iter()
        .map(|speaker| speaker.speaker_id.clone())
        .collect();
    for paragraph in &mut transcript.paragraphs {
        if let Some(index) = made_up.iter().position(|id| *id == paragraph.speaker_id) {
            paragraph.speaker_id = speakers[index % speakers.len()].speaker_id.clone();
        }
    }
    transcript.speakers = speakers
        .iter()
        .map(|speaker| Speaker {
            speaker_id: speaker.speaker_id.clone(),
            speaker_name: speaker.speaker_name.clone(),
            speaker_prefix: speaker.speaker_prefix.clone(),
            speaker_suffix: speaker.speaker_suffix.clone(),
        })
        .collect();
    transcript
}

/// Entity categories a text document's review yields, by how a page usually reads.
const CATEGORIES: [(&str, &str); 8] = [
    ("DocumentNumber", "Header"),
    ("DocumentDate", "Header"),
    ("SupplierName", "Supplier"),
    ("SupplierTaxId", "Supplier"),
    ("CustomerName", "Customer"),
    ("TotalAmount", "Totals"),
    ("TaxAmount", "Totals"),
    ("Currency", "Totals"),
];

/// The recognised content of a text document: one chunk per page (at most 12), each with
/// one to four entities in the documented shape (`type, category, groupName, pageNumber,
/// chunkNumber, customFormValues, qrCode`). sdemu's invention: the documentation gives the
/// fields, not their values.
pub fn chunks(task_id: i64, total_pages: i64) -> Vec<Value> {
    let mut rng = generator(task_id, 2);
    (1..=total_pages.clamp(1, 12))
        .map(|page| {
            let entities: Vec<Value> = (0..rng.gen_range(1..=4))
                .map(|_| {
                    let (category, group) = CATEGORIES[rng.gen_range(0..CATEGORIES.len())];
                    json!({
                        "type": "Text",
                        "category": category,
                        "groupName": group,
                        "pageNumber": page,
                        "chunkNumber": page,
                        "customFormValues": null,
                        "qrCode": null,
                    })
                })
                .collect();
            json!({ "entities": entities })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_always_gets_the_same_transcript_and_others_another() {
        assert_eq!(transcript(42), transcript(42));
        assert_ne!(transcript(42), transcript(43));
    }

    #[test]
    fn paragraphs_follow_each_other_and_name_known_speakers() {
        let transcript = transcript(7);
        assert!((2..=3).contains(&transcript.speakers.len()));
        let mut previous_end = 0;
        for paragraph in &transcript.paragraphs {
            assert!(paragraph.start_time >= previous_end);
            assert!(paragraph.end_time > paragraph.start_time);
            assert!(!transcript.speaker_name(&paragraph.speaker_id).is_empty());
            previous_end = paragraph.end_time;
        }
        assert_eq!(transcript.total_time_in_seconds(), previous_end);
        assert_eq!(transcript.speakers[0].speaker_id.len(), 36);
    }

    #[test]
    fn the_task_speakers_replace_the_made_up_ones_in_turn() {
        let speaker = |id: &str| TaskSpeaker {
            speaker_id: id.to_owned(),
            speaker_name: format!("Name {id}"),
            speaker_prefix: Some("Dr.".to_owned()),
            speaker_suffix: None,
            is_default: false,
        };
        assert_eq!(transcript_with(7, &[]), transcript(7));
        let only = transcript_with(7, &[speaker("only")]);
        assert_eq!(only.speakers.len(), 1);
        assert_eq!(only.speakers[0].speaker_prefix.as_deref(), Some("Dr."));
        assert!(only.paragraphs.iter().all(|p| p.speaker_id == "only"));
        let many: Vec<TaskSpeaker> = ["a", "b", "c", "d"].map(speaker).to_vec();
        let four = transcript_with(7, &many);
        assert_eq!(four.speakers.len(), 4);
        assert!(four
            .paragraphs
            .iter()
            .all(|p| !four.speaker_name(&p.speaker_id).is_empty()));
        assert_eq!(four.speaker_label("a"), "Dr. Name a");
        assert_eq!(transcript(7).speaker_label("unknown"), "");
    }

    #[test]
    fn a_chunk_per_page_with_entities_on_that_page() {
        let chunks = chunks(3, 2);
        assert_eq!(chunks.len(), 2);
        for (index, chunk) in chunks.iter().enumerate() {
            for entity in chunk["entities"].as_array().unwrap() {
                assert_eq!(entity["pageNumber"], index as i64 + 1);
            }
        }
        assert_eq!(super::chunks(3, 500).len(), 12);
    }
}
