//! Demo mode's rules: when a new demo task is due, which workspace it goes to, whether it
//! opens or joins a batch, and what it is called. Every draw depends only on `--seed` and
//! the slot's index (how many slots the generator has counted), never on the wall clock or
//! the order of requests, so the same seed gives the same demo tasks run after run.
//!
//! The generator fills *slots*: the `k`-th slot after the last one filled falls at
//! `last + k * interval`, and every slot at or before the emulator's `now` is due. A task is
//! created at its slot's time, whatever the time it is created at.

mod names;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub use names::{DemoBatch, DemoDocument};

/// `--demo`, `--demo-interval`, `--demo-max-tasks` and `--seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSettings {
    /// `--demo`: new tasks appear by themselves.
    pub enabled: bool,
    /// Seconds between two demo tasks.
    pub interval_seconds: i64,
    /// The most tasks the default organization holds once demo mode has added one; the
    /// oldest are removed first.
    pub max_tasks: i64,
    /// The seed of every draw.
    pub seed: u64,
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            interval_seconds: 15,
            max_tasks: 5_000,
            seed: 42,
        }
    }
}

/// One slot to fill: its index (the generator's counter) and its time (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub index: i64,
    pub at: i64,
}

/// What falls due between the last slot filled and now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSlots {
    /// The slots to fill, oldest first.
    pub slots: Vec<Slot>,
    /// The generator's state afterwards: the time of the last slot due...
    pub last_slot_at: i64,
    /// ...and the number of slots counted (filled or skipped).
    pub counter: i64,
}

impl DemoSettings {
    /// Every `BATCH_EVERY`-th demo task opens a new batch...
    pub const BATCH_EVERY: i64 = 20;
    /// ...and it and the tasks after it, `BATCH_SIZE` in all, are uploaded into that batch.
    pub const BATCH_SIZE: i64 = 6;

    /// The first slot after `last_slot_at` (Unix seconds).
    pub fn next_slot_at(&self, last_slot_at: i64) -> i64 {
        last_slot_at.saturating_add(self.interval_seconds)
    }

    /// Every slot due by `now` after the last one filled. When more are due than the cap
    /// keeps, only the newest `max_tasks` are filled: the older ones would be removed as soon
    /// as they were created. They are still counted, so each slot keeps its own draws.
    pub fn due_slots(&self, last_slot_at: i64, counter: i64, now: i64) -> DueSlots {
        let interval = self.interval_seconds.max(1);
        let due = if now > last_slot_at {
            (now - last_slot_at) / interval
        } else {
            0
        };
        let kept = due.min(self.max_tasks.max(0));
        let skipped = due - kept;
        let slots = (0..kept)
            .map(|j| Slot {
                index: counter + skipped + j,
                at: last_slot_at + (skipped + j + 1) * interval,
            })
            .collect();
        DueSlots {
            slots,
            last_slot_at: last_slot_at + due * interval,
            counter: counter + due,
        }
    }

    /// The batch run a slot belongs to: `Some(cycle)` for the first `BATCH_SIZE` slots of
    /// every `BATCH_EVERY`, `None` for a task uploaded on its own.
    pub fn batch_cycle(index: i64) -> Option<i64> {
        (index.rem_euclid(Self::BATCH_EVERY) < Self::BATCH_SIZE)
            .then(|| index.div_euclid(Self::BATCH_EVERY))
    }

    /// The workspace a task uploaded on its own goes to (an index into `kinds`, the kinds of
    /// the demo workspaces in order), weighted by how busy such a workspace is.
    pub fn workspace_for_task(&self, index: i64, kinds: &[WorkspaceKind]) -> Option<usize> {
        pick_weighted(&mut self.generator(index, 1), kinds)
    }

    /// The workspace the batch of `cycle` is created in.
    pub fn workspace_for_batch(&self, cycle: i64, kinds: &[WorkspaceKind]) -> Option<usize> {
        pick_weighted(&mut self.generator(cycle, 2), kinds)
    }

    /// The document of the task of slot `index`, created at `at` in a workspace of `kind`.
    pub fn document(&self, index: i64, at: i64, kind: WorkspaceKind) -> DemoDocument {
        names::document(&mut self.generator(index, 3), index, at, kind)
    }

    /// The name and description of the batch of `cycle`, created at `at`.
    pub fn batch(&self, cycle: i64, at: i64, kind: WorkspaceKind) -> DemoBatch {
        names::batch(&mut self.generator(cycle, 4), cycle, at, kind)
    }

    /// A generator for one draw of one slot (or batch cycle): independent of every other,
    /// and of the lifecycle's draws (which mix the task id, not the slot).
    fn generator(&self, index: i64, draw: u64) -> StdRng {
        const DEMO: u64 = 0xD3E0_5EED_0000_0000;
        let mix = (index as u64)
            .wrapping_mul(0xA076_1D64_78BD_642F)
            .wrapping_add(draw.wrapping_mul(0xE703_7ED1_A0B4_28DB))
            .wrapping_add(DEMO);
        StdRng::seed_from_u64(self.seed ^ mix)
    }
}

fn pick_weighted(rng: &mut StdRng, kinds: &[WorkspaceKind]) -> Option<usize> {
    let total: u32 = kinds.iter().map(|kind| kind.weight()).sum();
    if total == 0 {
        return None;
    }
    let mut drawn = rng.gen_range(0..total);
    kinds.iter().position(|kind| {
        if drawn < kind.weight() {
            true
        } else {
            drawn -= kind.weight();
            false
        }
    })
}

/// What a workspace holds, guessed from its name and template name; it decides what its
/// demo tasks are called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceKind {
    Invoices,
    Receipts,
    Transcripts,
    Contracts,
    Identity,
    Documents,
}

impl WorkspaceKind {
    pub fn of(workspace_name: &str, template_name: Option<&str>) -> Self {
        let text = format!("{workspace_name} {}", template_name.unwrap_or_default()).to_lowercase();
        let has = |words: &[&str]| words.iter().any(|word| text.contains(word));
        if has(&["invoice"]) {
            Self::Invoices
        } else if has(&["receipt", "expense"]) {
            Self::Receipts
        } else if has(&["transcript", "meeting", "audio"]) {
            Self::Transcripts
        } else if has(&["contract", "anonymi", "legal"]) {
            Self::Contracts
        } else if has(&["identi", "kyc", "passport"]) {
            Self::Identity
        } else {
            Self::Documents
        }
    }

    /// How busy such a workspace is, relative to the others (the demo data set's shares).
    fn weight(self) -> u32 {
        match self {
            Self::Invoices => 36,
            Self::Receipts => 21,
            Self::Transcripts => 14,
            Self::Contracts => 15,
            Self::Identity => 11,
            Self::Documents => 20,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> DemoSettings {
        DemoSettings {
            enabled: true,
            ..DemoSettings::default()
        }
    }

    #[test]
    fn every_slot_up_to_now_is_due_at_its_own_time() {
        let due = settings().due_slots(1_000, 7, 1_000 + 600);
        assert_eq!(due.slots.len(), 40);
        assert_eq!(
            due.slots[0],
            Slot {
                index: 7,
                at: 1_015
            }
        );
        assert_eq!(
            due.slots[39],
            Slot {
                index: 46,
                at: 1_600
            }
        );
        assert_eq!((due.last_slot_at, due.counter), (1_600, 47));
        let none = settings().due_slots(1_000, 7, 1_014);
        assert!(none.slots.is_empty());
        assert_eq!((none.last_slot_at, none.counter), (1_000, 7));
        let partial = settings().due_slots(1_000, 0, 1_044);
        assert_eq!(partial.slots.len(), 2);
        assert_eq!(partial.last_slot_at, 1_030, "the next slot stays at 1045");
    }

    #[test]
    fn slots_beyond_the_cap_are_counted_but_not_filled() {
        let capped = DemoSettings {
            max_tasks: 3,
            ..settings()
        };
        let due = capped.due_slots(0, 100, 150);
        assert_eq!(
            due.slots,
            [
                Slot {
                    index: 107,
                    at: 120
                },
                Slot {
                    index: 108,
                    at: 135
                },
                Slot {
                    index: 109,
                    at: 150
                }
            ]
        );
        assert_eq!((due.last_slot_at, due.counter), (150, 110));
    }

    #[test]
    fn the_first_tasks_of_every_twenty_go_into_one_batch() {
        let cycles: Vec<Option<i64>> = (0..22).map(DemoSettings::batch_cycle).collect();
        assert_eq!(&cycles[..6], [Some(0); 6]);
        assert_eq!(&cycles[6..20], [None; 14]);
        assert_eq!(&cycles[20..], [Some(1); 2]);
    }

    #[test]
    fn workspaces_are_recognised_by_their_names() {
        let kinds = [
            (
                "Invoices",
                Some("Invoices (Universal)"),
                WorkspaceKind::Invoices,
            ),
            ("Receipts", None, WorkspaceKind::Receipts),
            ("Meeting transcripts", None, WorkspaceKind::Transcripts),
            ("Contract anonymization", None, WorkspaceKind::Contracts),
            ("Identity documents", None, WorkspaceKind::Identity),
            ("Mailroom", None, WorkspaceKind::Documents),
            (
                "Inbox",
                Some("Document Anonymization"),
                WorkspaceKind::Contracts,
            ),
        ];
        for (name, template, kind) in kinds {
            assert_eq!(WorkspaceKind::of(name, template), kind, "{name}");
        }
    }

    #[test]
    fn workspaces_are_drawn_by_weight_and_reproducibly() {
        let kinds = [
            WorkspaceKind::Invoices,
            WorkspaceKind::Receipts,
            WorkspaceKind::Transcripts,
        ];
        let drawn: Vec<usize> = (0..300)
            .map(|i| settings().workspace_for_task(i, &kinds).unwrap())
            .collect();
        let again: Vec<usize> = (0..300)
            .map(|i| settings().workspace_for_task(i, &kinds).unwrap())
            .collect();
        assert_eq!(drawn, again);
        let invoices = drawn.iter().filter(|w| **w == 0).count();
        assert!((120..220).contains(&invoices), "{invoices} of 300");
        assert!(drawn.contains(&2));
        assert_eq!(settings().workspace_for_task(0, &[]), None);
        let other_seed = DemoSettings {
            seed: 7,
            ..settings()
        };
        assert!((0..50).any(|i| other_seed.workspace_for_task(i, &kinds)
            != settings().workspace_for_task(i, &kinds)));
    }
}
