//! The one clock that the refresher, the providers and the simulators
//! share, so that period boundaries and back-offs are tested by moving it,
//! never by sleeping.
//!
//! Only wall-clock *decisions* go through it (which period is current, is a
//! snapshot stale, what timestamp to sign); timeouts and benchmarks measure
//! elapsed time with `Instant` as usual.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The current time, as the exporter sees it.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> SystemTime;
}

/// The system's clock (moved by `faketime` in end-to-end checks).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to: for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    pub fn new(at: SystemTime) -> Self {
        ManualClock(Mutex::new(at))
    }

    pub fn set(&self, at: SystemTime) {
        *self.0.lock().expect("clock lock") = at;
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock lock") += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().expect("clock lock")
    }
}
