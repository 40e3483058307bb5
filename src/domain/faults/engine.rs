//! The rules in force: which rule a request matches, whether its schedule lets it fire
//! (`nth`, `times`, `probability` drawn from a generator seeded per rule), what it does, and
//! how many requests each rule matched and fired on.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::ToSchema;

use super::rules::{path_matches, CannedResponse, Delay, FaultRule, RequestMatch, MAX_RULES};

impl RequestMatch {
    /// Whether a request matches: `method` in any case, `path` exactly or by prefix, and
    /// every query parameter of the rule present with its value, as `has_query` (name in any
    /// case, value exact) says.
    fn matches(&self, method: &str, path: &str, has_query: &impl Fn(&str, &str) -> bool) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path_matches(&self.path, path)
            && self
                .query
                .iter()
                .all(|(name, value)| has_query(name, value))
    }
}

impl Delay {
    fn draw(&self, rng: &mut StdRng) -> Duration {
        let ms = match (self.ms, self.min_ms, self.max_ms) {
            (Some(ms), _, _) => ms,
            (None, Some(min), Some(max)) if min < max => rng.gen_range(min..=max),
            (None, Some(min), _) => min,
            (None, None, _) => 0,
        };
        Duration::from_millis(ms)
    }
}

/// What a rule did when it fired, as the journal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultMark {
    /// The rule's position in the list.
    pub rule: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// `respond`, `drop` or `delay` (a delay before the real answer).
    #[schema(schema_with = action_schema)]
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub delay_ms: Option<u64>,
}

fn action_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["respond", "drop", "delay"]))
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Pass,
    Respond(CannedResponse),
    Drop,
}

/// The fault chosen for one request.
pub struct Injected {
    pub delay: Option<Duration>,
    pub outcome: Outcome,
    pub mark: FaultMark,
}

/// How many requests a rule matched and how many times it fired.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct RuleStats {
    pub matched: u64,
    pub fired: u64,
}

struct Active {
    rule: FaultRule,
    rng: StdRng,
    stats: RuleStats,
}

pub struct Faults {
    seed: u64,
    startup: Vec<FaultRule>,
    active: Mutex<Vec<Active>>,
}

impl Faults {
    /// The rules given at start-up (`--faults`), which reset restores.
    pub fn new(seed: u64, startup: Vec<FaultRule>) -> Self {
        let faults = Self {
            seed,
            startup,
            active: Mutex::new(Vec::new()),
        };
        faults.restore();
        faults
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Active>> {
        self.active
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn activate(&self, index: usize, rule: FaultRule) -> Active {
        // Each rule has its own generator, so its draws do not depend on other rules.
        let stream = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Active {
            rule,
            rng: StdRng::seed_from_u64(self.seed ^ stream),
            stats: RuleStats {
                matched: 0,
                fired: 0,
            },
        }
    }

    /// Replaces every rule; counters and generators start afresh.
    pub fn replace(&self, rules: Vec<FaultRule>) {
        let active = rules
            .into_iter()
            .enumerate()
            .map(|(index, rule)| self.activate(index, rule))
            .collect();
        *self.lock() = active;
    }

    /// Adds a rule at the end, unless the list is full; the others keep their counters.
    pub fn append(&self, rule: FaultRule) -> bool {
        let mut active = self.lock();
        if active.len() >= MAX_RULES {
            return false;
        }
        let index = active.len();
        let added = self.activate(index, rule);
        active.push(added);
        true
    }

    /// Back to the start-up rules, counters and generators afresh.
    pub fn restore(&self) {
        self.replace(self.startup.clone());
    }

    pub fn snapshot(&self) -> (Vec<FaultRule>, Vec<RuleStats>) {
        self.lock()
            .iter()
            .map(|active| (active.rule.clone(), active.stats))
            .unzip()
    }

    /// Counts the request against every rule it matches and returns the fault of the first
    /// rule that fires, if any. `has_query(name, value)` says whether the request's query
    /// string has parameter `name` (in any case) with exactly `value`.
    pub fn decide(
        &self,
        method: &str,
        path: &str,
        has_query: impl Fn(&str, &str) -> bool,
    ) -> Option<Injected> {
        let mut active = self.lock();
        let mut chosen = None;
        for (index, entry) in active.iter_mut().enumerate() {
            if !entry.rule.matcher.matches(method, path, &has_query) {
                continue;
            }
            entry.stats.matched += 1;
            if chosen.is_some() {
                continue;
            }
            let rule = &entry.rule;
            if rule.nth.is_some_and(|nth| entry.stats.matched != nth)
                || rule.times.is_some_and(|times| entry.stats.fired >= times)
            {
                continue;
            }
            if let Some(probability) = rule.probability {
                if entry.rng.gen::<f64>() >= probability {
                    continue;
                }
            }
            entry.stats.fired += 1;
            let delay = rule.delay.as_ref().map(|delay| delay.draw(&mut entry.rng));
            let (outcome, action) = if rule.drop {
                (Outcome::Drop, "drop")
            } else if let Some(respond) = &rule.respond {
                (Outcome::Respond(respond.clone()), "respond")
            } else {
                (Outcome::Pass, "delay")
            };
            chosen = Some(Injected {
                delay,
                outcome,
                mark: FaultMark {
                    rule: index,
                    name: rule.name.clone(),
                    action,
                    delay_ms: delay.map(|d| d.as_millis() as u64),
                },
            });
        }
        chosen
    }
}
