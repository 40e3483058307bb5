//! The processing lifecycle: which status a task moves to next, after how long, and the
//! seeded draws that decide how its pre-processing ends and how many pages it has.
//!
//! A task created through Create Task, or restarted through Reprocess Task, goes
//! `QueuedForPreProcessing` (30) → `PreProcessingInProgress` (31) → `PreProcessingSuccessful`
//! (34) → `ToReview` (3), or from 31 into one of the failures (32, 33, 35). Review is the
//! human step: `ToReview` → `InReview` (4) → review finished, which archives the task into
//! Task History (`Deleted`, 20, the one documented history status). The automatic reviewer,
//! when on, plays that person after a delay.
//!
//! Every draw depends only on the seed, the task id and its restart count, never on the
//! order in which tasks are processed, so the same `--seed` gives the same outcomes.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const TO_REVIEW: i64 = 3;
pub const IN_REVIEW: i64 = 4;
pub const DELETING: i64 = 19;
pub const DELETED: i64 = 20;
pub const QUEUED: i64 = 30;
pub const IN_PROGRESS: i64 = 31;
pub const FAILED: i64 = 32;
pub const DOWNLOAD_FAILED: i64 = 33;
pub const SUCCESSFUL: i64 = 34;
pub const GET_PAGES_FAILED: i64 = 35;

/// Where a finished review sends a task: Task History, shown as `Deleted` (20).
pub const ARCHIVED: i64 = DELETED;

/// The ways pre-processing can fail, in the order the draw picks them.
pub const FAILURES: [i64; 3] = [FAILED, DOWNLOAD_FAILED, GET_PAGES_FAILED];

/// How the lifecycle runs: `--lifecycle`, the step durations, the failure share, the
/// automatic reviewer and the seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifecycleSettings {
    /// `--lifecycle on`: created and reprocessed tasks move by themselves.
    pub enabled: bool,
    /// Seconds in `QueuedForPreProcessing` before pre-processing starts.
    pub queued_seconds: i64,
    /// Seconds in `PreProcessingInProgress` before it succeeds or fails.
    pub processing_seconds: i64,
    /// Seconds in `PreProcessingSuccessful` before the task is ready for review.
    pub handoff_seconds: i64,
    /// The share of pre-processing runs that fail, from 0 to 1.
    pub failure_rate: f64,
    /// Seconds the automatic reviewer takes for each review step (`None`: no automatic
    /// reviewer, people review through the control plane).
    pub auto_review_seconds: Option<i64>,
    /// The seed of every random choice.
    pub seed: u64,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            queued_seconds: 3,
            processing_seconds: 8,
            handoff_seconds: 2,
            failure_rate: 0.1,
            auto_review_seconds: None,
            seed: 42,
        }
    }
}

/// A step that falls due later: the status it moves to and after how many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextStep {
    pub status: i64,
    pub after_seconds: i64,
}

impl LifecycleSettings {
    /// The step that follows `status` by itself, if any. `planned_outcome` is what this run
    /// of pre-processing ends in (drawn when it started).
    pub fn next_step(&self, status: i64, planned_outcome: i64) -> Option<NextStep> {
        if !self.enabled {
            return None;
        }
        let (status, after_seconds) = match status {
            QUEUED => (IN_PROGRESS, self.queued_seconds),
            IN_PROGRESS => (planned_outcome, self.processing_seconds),
            SUCCESSFUL => (TO_REVIEW, self.handoff_seconds),
            TO_REVIEW => (IN_REVIEW, self.auto_review_seconds?),
            IN_REVIEW => (ARCHIVED, self.auto_review_seconds?),
            _ => return None,
        };
        Some(NextStep {
            status,
            after_seconds,
        })
    }

    /// The step after the queue for a run that starts at `at`: its status and due time
    /// (`None` when the lifecycle is off). It is pre-processing whatever the run's outcome,
    /// so a new task's run can be scheduled before the task exists (its outcome is drawn when
    /// pre-processing starts, from the same seed, task and restarts).
    pub fn after_queue(&self, at: i64) -> Option<(i64, i64)> {
        self.next_step(QUEUED, SUCCESSFUL)
            .map(|step| (step.status, at.saturating_add(step.after_seconds)))
    }

    /// The change that moves a task to `to_status` at `at`: its side effects (the start of
    /// pre-processing, the page count) and the step after it.
    pub fn change_to(
        &self,
        task_id: i64,
        restart_count: i64,
        planned_outcome: Option<i64>,
        document_url: Option<&str>,
        to_status: i64,
        at: i64,
    ) -> StepChange {
        // A run's outcome is drawn when it starts (or, for a task forced straight into
        // pre-processing, when it is first needed).
        let planned_outcome = match to_status {
            QUEUED => Some(self.draw_outcome(task_id, restart_count)),
            IN_PROGRESS => {
                Some(planned_outcome.unwrap_or_else(|| self.draw_outcome(task_id, restart_count)))
            }
            _ => planned_outcome,
        };
        let next = self
            .next_step(to_status, planned_outcome.unwrap_or(SUCCESSFUL))
            .map(|step| (step.status, at.saturating_add(step.after_seconds)));
        StepChange {
            task_id,
            to_status,
            at,
            next,
            planned_outcome,
            starts_pre_processing: to_status == IN_PROGRESS,
            total_pages: (to_status == SUCCESSFUL)
                .then(|| self.draw_pages(task_id, restart_count, document_url.unwrap_or_default())),
        }
    }

    /// How a run of pre-processing ends: `PreProcessingSuccessful`, or one of the failures
    /// for a `failure_rate` share of runs.
    pub fn draw_outcome(&self, task_id: i64, restart_count: i64) -> i64 {
        let mut rng = self.generator(task_id, restart_count, 1);
        if rng.gen::<f64>() < self.failure_rate {
            FAILURES[rng.gen_range(0..FAILURES.len())]
        } else {
            SUCCESSFUL
        }
    }

    /// The page count pre-processing finds: one for an image, one to twelve (drawn) for any
    /// other document.
    pub fn draw_pages(&self, task_id: i64, restart_count: i64, document_url: &str) -> i64 {
        if DocumentKind::of(document_url) == DocumentKind::Image {
            return 1;
        }
        self.generator(task_id, restart_count, 2).gen_range(1..=12)
    }

    /// A generator for one draw of one run of one task: independent of every other.
    fn generator(&self, task_id: i64, restart_count: i64, draw: u64) -> StdRng {
        let mix = (task_id as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add((restart_count as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
            .wrapping_add(draw.wrapping_mul(0x1656_67B1_9E37_79F9));
        StdRng::seed_from_u64(self.seed ^ mix)
    }
}

/// What a step changes on the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepChange {
    pub task_id: i64,
    pub to_status: i64,
    /// Unix seconds the change happened at.
    pub at: i64,
    /// The step after this one, if any: (status, Unix seconds).
    pub next: Option<(i64, i64)>,
    /// How the current pre-processing run ends.
    pub planned_outcome: Option<i64>,
    /// Set `preProcessingStartedOn` to `at` (entering 31).
    pub starts_pre_processing: bool,
    /// The page count found (entering 34).
    pub total_pages: Option<i64>,
}

/// The file extension of a document URL's last path segment, lower case.
pub fn extension_of(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    path.rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, extension)| extension.to_ascii_lowercase())
}

/// What a document is, from its URL's file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Image,
    Other,
}

impl DocumentKind {
    pub fn of(url: &str) -> Self {
        match extension_of(url).as_deref() {
            Some("jpg" | "jpeg" | "png" | "gif" | "bmp" | "tif" | "tiff" | "webp" | "heic") => {
                Self::Image
            }
            _ => Self::Other,
        }
    }
}

/// Whether Reprocess Task may restart a task in `status`. A deleted task (or one being
/// deleted) is in Task History and cannot be restarted; any other, even one still being
/// processed, restarts from the queue: the operation exists for tasks stuck in a status.
pub fn can_reprocess(status: i64) -> bool {
    !matches!(status, DELETING | DELETED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_successful_run_goes_through_every_pre_processing_step_to_review() {
        let settings = LifecycleSettings::default();
        let mut status = QUEUED;
        let mut path = vec![status];
        while let Some(step) = settings.next_step(status, SUCCESSFUL) {
            status = step.status;
            path.push(status);
        }
        assert_eq!(path, [QUEUED, IN_PROGRESS, SUCCESSFUL, TO_REVIEW]);
    }

    #[test]
    fn the_automatic_reviewer_takes_a_task_from_review_to_history() {
        let settings = LifecycleSettings {
            auto_review_seconds: Some(20),
            ..LifecycleSettings::default()
        };
        assert_eq!(
            settings.next_step(TO_REVIEW, SUCCESSFUL),
            Some(NextStep {
                status: IN_REVIEW,
                after_seconds: 20
            })
        );
        assert_eq!(
            settings.next_step(IN_REVIEW, SUCCESSFUL).unwrap().status,
            ARCHIVED
        );
        assert_eq!(settings.next_step(ARCHIVED, SUCCESSFUL), None);
    }

    #[test]
    fn nothing_moves_with_the_lifecycle_off_or_after_a_failure() {
        let off = LifecycleSettings {
            enabled: false,
            ..LifecycleSettings::default()
        };
        assert_eq!(off.next_step(QUEUED, SUCCESSFUL), None);
        let on = LifecycleSettings::default();
        for failure in FAILURES {
            assert_eq!(on.next_step(failure, SUCCESSFUL), None);
        }
    }

    #[test]
    fn draws_depend_only_on_the_seed_the_task_and_its_restart() {
        let settings = LifecycleSettings {
            failure_rate: 0.5,
            ..LifecycleSettings::default()
        };
        let first: Vec<i64> = (1..200).map(|id| settings.draw_outcome(id, 0)).collect();
        let again: Vec<i64> = (1..200)
            .rev()
            .map(|id| settings.draw_outcome(id, 0))
            .collect();
        assert_eq!(first, again.into_iter().rev().collect::<Vec<_>>());
        let failures = first.iter().filter(|s| **s != SUCCESSFUL).count();
        assert!((60..140).contains(&failures), "{failures} of 199 failed");
        for failure in FAILURES {
            assert!(first.contains(&failure), "{failure} never drawn");
        }
        let other_seed = LifecycleSettings {
            seed: 7,
            ..settings
        };
        let differs =
            (1..200).any(|id| other_seed.draw_outcome(id, 0) != settings.draw_outcome(id, 0));
        assert!(differs);
    }

    #[test]
    fn failure_rates_of_zero_and_one_are_exact() {
        let never = LifecycleSettings {
            failure_rate: 0.0,
            ..LifecycleSettings::default()
        };
        let always = LifecycleSettings {
            failure_rate: 1.0,
            ..LifecycleSettings::default()
        };
        for id in 1..100 {
            assert_eq!(never.draw_outcome(id, 0), SUCCESSFUL);
            assert_ne!(always.draw_outcome(id, 0), SUCCESSFUL);
        }
    }

    #[test]
    fn images_have_one_page_and_other_documents_one_to_twelve() {
        let settings = LifecycleSettings::default();
        assert_eq!(
            settings.draw_pages(1, 0, "https://x.test/scan.JPG?sig=1"),
            1
        );
        for id in 1..50 {
            let pages = settings.draw_pages(id, 0, "https://x.test/invoice.pdf");
            assert!((1..=12).contains(&pages));
        }
    }

    #[test]
    fn a_change_carries_its_side_effects_and_schedules_the_step_after_it() {
        let settings = LifecycleSettings {
            failure_rate: 0.0,
            ..LifecycleSettings::default()
        };
        let queued = settings.change_to(7, 0, None, Some("https://x.test/a.pdf"), QUEUED, 100);
        assert_eq!(queued.next, Some((IN_PROGRESS, 103)));
        assert_eq!(queued.planned_outcome, Some(SUCCESSFUL));
        assert!(!queued.starts_pre_processing);
        let started = settings.change_to(7, 0, queued.planned_outcome, None, IN_PROGRESS, 103);
        assert!(started.starts_pre_processing);
        assert_eq!(started.next, Some((SUCCESSFUL, 111)));
        assert_eq!(started.total_pages, None);
        let done = settings.change_to(
            7,
            0,
            started.planned_outcome,
            Some("x.png"),
            SUCCESSFUL,
            111,
        );
        assert_eq!(done.total_pages, Some(1));
        assert_eq!(done.next, Some((TO_REVIEW, 113)));
    }

    #[test]
    fn deleted_tasks_cannot_be_reprocessed_and_others_can() {
        assert!(!can_reprocess(DELETED));
        assert!(!can_reprocess(DELETING));
        for status in [
            QUEUED,
            IN_PROGRESS,
            FAILED,
            SUCCESSFUL,
            TO_REVIEW,
            IN_REVIEW,
        ] {
            assert!(can_reprocess(status));
        }
    }
}
