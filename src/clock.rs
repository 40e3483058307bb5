//! The clock every time-dependent rule reads: the system clock in production, a manual
//! clock in tests, injected through `AppState` so that no test needs to sleep.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// Where sdemu reads the current time. Handlers never call `Utc::now()` directly, so tests
/// can move time forward (token expiry, creation times) without sleeping.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock, used by the running server.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; shared between a test and the app it drives.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().expect("clock lock poisoned");
        *now += by;
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().expect("clock lock poisoned") = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock poisoned")
    }
}

/// How the emulator's clock relates to the real one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// The real time (the base clock).
    Real,
    /// Stopped at an instant: time moves only when advanced.
    Frozen(DateTime<Utc>),
    /// The real time shifted by a fixed amount (which may be negative).
    Offset(Duration),
}

/// Why the clock refused a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The change would put the clock before an event already applied.
    #[error("the clock cannot go back to {requested}: an event was already applied at {applied}")]
    BeforeAppliedEvent {
        requested: DateTime<Utc>,
        applied: DateTime<Utc>,
    },
    /// Time only moves forward when advanced.
    #[error("the clock only advances by a positive duration")]
    NegativeAdvance,
    /// The instant cannot be represented.
    #[error("the clock cannot be moved that far")]
    OutOfRange,
}

#[derive(Debug, Clone, Copy)]
struct ClockSettings {
    mode: ClockMode,
    /// The latest instant at which anything was applied by the clock's reading (a lifecycle
    /// step, a created task): the clock never goes back before it.
    applied_until: Option<DateTime<Utc>>,
}

/// The one clock of the emulator: real, frozen or offset, advanced on request. Every rule
/// that reads the time reads it here (task and batch times, lifecycle steps, token expiry,
/// the journal, uptime). The base clock is the system clock in production and a
/// `ManualClock` in tests.
pub struct EmulatorClock {
    base: Arc<dyn Clock>,
    initial: ClockMode,
    settings: Mutex<ClockSettings>,
}

impl EmulatorClock {
    pub fn new(base: Arc<dyn Clock>, initial: ClockMode) -> Self {
        Self {
            base,
            initial,
            settings: Mutex::new(ClockSettings {
                mode: initial,
                applied_until: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockSettings> {
        self.settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn reading(&self, mode: ClockMode) -> DateTime<Utc> {
        match mode {
            ClockMode::Real => self.base.now(),
            ClockMode::Frozen(at) => at,
            ClockMode::Offset(by) => self.base.now() + by,
        }
    }

    /// The emulator's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.reading(self.lock().mode)
    }

    pub fn mode(&self) -> ClockMode {
        self.lock().mode
    }

    /// The latest instant something was applied at, if any.
    pub fn applied_until(&self) -> Option<DateTime<Utc>> {
        self.lock().applied_until
    }

    /// Records that something was applied at `at`: the clock will not go back before it.
    pub fn mark_applied(&self, at: DateTime<Utc>) {
        let mut settings = self.lock();
        if settings.applied_until.is_none_or(|until| at > until) {
            settings.applied_until = Some(at);
        }
    }

    /// Switches to `mode`, unless the clock would then read earlier than an applied event.
    pub fn set(&self, mode: ClockMode) -> Result<DateTime<Utc>, ClockError> {
        let mut settings = self.lock();
        let now = self.reading(mode);
        if let Some(applied) = settings.applied_until.filter(|applied| now < *applied) {
            return Err(ClockError::BeforeAppliedEvent {
                requested: now,
                applied,
            });
        }
        settings.mode = mode;
        Ok(now)
    }

    /// Moves the clock forward by `by`: a frozen clock stays frozen at the later instant, a
    /// real or offset one becomes offset by `by` more. Returns the new reading.
    pub fn advance(&self, by: Duration) -> Result<DateTime<Utc>, ClockError> {
        if by < Duration::zero() {
            return Err(ClockError::NegativeAdvance);
        }
        let mut settings = self.lock();
        settings.mode = match settings.mode {
            ClockMode::Frozen(at) => {
                ClockMode::Frozen(at.checked_add_signed(by).ok_or(ClockError::OutOfRange)?)
            }
            ClockMode::Real => ClockMode::Offset(by),
            ClockMode::Offset(offset) => {
                ClockMode::Offset(offset.checked_add(&by).ok_or(ClockError::OutOfRange)?)
            }
        };
        Ok(self.reading(settings.mode))
    }

    /// Back to the mode sdemu started with, and nothing applied yet (reset).
    pub fn reset(&self) {
        *self.lock() = ClockSettings {
            mode: self.initial,
            applied_until: None,
        };
    }
}

impl Clock for EmulatorClock {
    fn now(&self) -> DateTime<Utc> {
        EmulatorClock::now(self)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
    }

    fn clock() -> (ManualClock, EmulatorClock) {
        let base = ManualClock::new(start());
        let clock = EmulatorClock::new(Arc::new(base.clone()), ClockMode::Real);
        (base, clock)
    }

    #[test]
    fn a_real_clock_follows_its_base_and_an_offset_one_is_shifted() {
        let (base, clock) = clock();
        base.advance(Duration::seconds(5));
        assert_eq!(clock.now(), start() + Duration::seconds(5));
        clock.set(ClockMode::Offset(Duration::hours(-1))).unwrap();
        assert_eq!(
            clock.now(),
            start() + Duration::seconds(5) - Duration::hours(1)
        );
    }

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let (base, clock) = clock();
        clock.set(ClockMode::Frozen(start())).unwrap();
        base.advance(Duration::hours(3));
        assert_eq!(clock.now(), start());
        assert_eq!(
            clock.advance(Duration::seconds(90)).unwrap(),
            start() + Duration::seconds(90)
        );
        assert_eq!(
            clock.mode(),
            ClockMode::Frozen(start() + Duration::seconds(90))
        );
    }

    #[test]
    fn advancing_a_real_clock_turns_it_into_an_offset_one() {
        let (_base, clock) = clock();
        clock.advance(Duration::seconds(60)).unwrap();
        assert_eq!(clock.mode(), ClockMode::Offset(Duration::seconds(60)));
        clock.advance(Duration::seconds(30)).unwrap();
        assert_eq!(clock.now(), start() + Duration::seconds(90));
        assert_eq!(
            clock.advance(Duration::seconds(-1)),
            Err(ClockError::NegativeAdvance)
        );
    }

    #[test]
    fn the_clock_never_goes_back_before_an_applied_event() {
        let (_base, clock) = clock();
        clock.mark_applied(start() + Duration::seconds(10));
        clock.mark_applied(start());
        let refused = clock.set(ClockMode::Frozen(start() + Duration::seconds(9)));
        assert_eq!(
            refused,
            Err(ClockError::BeforeAppliedEvent {
                requested: start() + Duration::seconds(9),
                applied: start() + Duration::seconds(10),
            })
        );
        assert_eq!(clock.mode(), ClockMode::Real);
        clock
            .set(ClockMode::Frozen(start() + Duration::seconds(10)))
            .unwrap();
        clock.reset();
        assert_eq!(clock.mode(), ClockMode::Real);
        assert_eq!(clock.applied_until(), None);
    }
}
