//! When endpoints are fetched: at start-up, then on demand by scrapes, at
//! most once per refresh interval, with concurrent refreshes coalesced, and
//! never serving a period that has ended.
//!
//! Every target keeps its last good snapshot together with the period
//! bounds it was fetched for. A scrape finds each target fresh (a hit) or
//! stale (a miss, which starts one background refresh unless one is running
//! or the target is backing off); the scrape itself never waits. Freshness
//! is decided by the shared [`Clock`]: a snapshot is stale after its
//! refresh interval, and is dropped outright once its period is over (a
//! `month` fetched at 23:59:40 on the 31st is not January's data), so its
//! series vanish until the new period's first fetch lands. Closed periods
//! refresh on their own slower interval and not at all once settled.
//! Failures back off (doubling from 10 s up to the refresh interval; at
//! once to the full interval for bad credentials).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use arc_swap::{ArcSwap, ArcSwapOption};
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::exposition::Snapshot;
use crate::period::Bounds;
use crate::providers::{Endpoint, ProviderError};

const FIRST_FAILURE_BACKOFF: Duration = Duration::from_secs(10);

/// What the self-metrics and `/-/ready` need to know about one endpoint.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Whether the last fetch succeeded.
    pub up: bool,
    /// Whether a fetch has finished at all, with success or failure.
    pub attempted: bool,
    pub last_success: Option<SystemTime>,
    /// The last failure's message (secrets already removed by the
    /// provider), until the next success.
    pub last_error: Option<String>,
    consecutive_failures: u32,
    retry_at: Option<SystemTime>,
}

impl Status {
    /// When a failed endpoint may be tried again.
    pub fn retry_at(&self) -> Option<SystemTime> {
        self.retry_at
    }
}

/// A snapshot and what it covers.
#[derive(Debug)]
pub struct Served {
    pub snapshot: Arc<Snapshot>,
    pub bounds: Bounds,
    pub fetched_at: SystemTime,
}

/// One endpoint and what is known of it.
pub struct Target {
    pub endpoint: Arc<dyn Endpoint>,
    served: ArcSwapOption<Served>,
    status: Mutex<Status>,
    /// Held while a fetch runs: later callers wait, then find it fresh.
    flight: tokio::sync::Mutex<()>,
}

impl Target {
    /// The data being served, if any.
    pub fn served(&self) -> Option<Arc<Served>> {
        self.served.load_full()
    }

    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.served().map(|s| s.snapshot.clone())
    }

    pub fn status(&self) -> Status {
        self.status.lock().expect("status lock").clone()
    }

    /// Whether the served data needs no refresh at `now`.
    fn fresh(&self, now: SystemTime) -> bool {
        let Some(served) = self.served() else {
            return false;
        };
        if ended(&served, now) {
            return false;
        }
        let schedule = self.endpoint.schedule();
        let settled = schedule.period.is_previous()
            && served.fetched_at >= SystemTime::from(served.bounds.end) + schedule.settle_time;
        settled || now < served.fetched_at + schedule.refresh_interval
    }

    fn record_success(&self, served: Served) {
        let e = self.endpoint.as_ref();
        tracing::debug!(
            provider = e.provider(),
            account = e.account(),
            endpoint = e.name(),
            period = %e.schedule().period,
            series = served.snapshot.series(),
            "refreshed"
        );
        let fetched_at = served.fetched_at;
        let dropped = served.snapshot.dropped();
        let previous = self.served.swap(Some(Arc::new(served)));
        // Say once when cardinality controls start folding series.
        if dropped > 0 && previous.is_none_or(|p| p.snapshot.dropped() == 0) {
            tracing::info!(
                provider = e.provider(),
                account = e.account(),
                endpoint = e.name(),
                period = %e.schedule().period,
                dropped,
                "cardinality controls fold series into __other__ (see max_series, include, exclude, aggregate_only)"
            );
        }
        let mut status = self.status.lock().expect("status lock");
        if status.consecutive_failures > 0 {
            tracing::info!(
                provider = e.provider(),
                account = e.account(),
                endpoint = e.name(),
                period = %e.schedule().period,
                "refresh recovered"
            );
        }
        status.up = true;
        status.attempted = true;
        status.last_success = Some(fetched_at);
        status.last_error = None;
        status.consecutive_failures = 0;
        status.retry_at = None;
    }

    fn record_failure(&self, err: &ProviderError, now: SystemTime) {
        let interval = self.endpoint.schedule().refresh_interval;
        let mut status = self.status.lock().expect("status lock");
        status.consecutive_failures = status.consecutive_failures.saturating_add(1);
        let backoff = if err.is_auth() {
            interval
        } else {
            FIRST_FAILURE_BACKOFF
                .saturating_mul(1 << (status.consecutive_failures - 1).min(16))
                .min(interval)
        };
        // The provider's own `Retry-After` wins when it asks for longer.
        let backoff = backoff.max(err.retry_after().unwrap_or_default());
        status.up = false;
        status.attempted = true;
        status.last_error = Some(err.to_string());
        status.retry_at = Some(now + backoff);
        let repeated = status.consecutive_failures > 1;
        drop(status);
        let e = self.endpoint.as_ref();
        let period = e.schedule().period;
        // Say it loudly once; repeats of a persisting failure go to debug.
        if repeated {
            tracing::debug!(provider = e.provider(), account = e.account(), endpoint = e.name(),
                period = %period, error = %err, retry_in = ?backoff,
                "refresh still failing; serving the last good data");
        } else {
            tracing::error!(provider = e.provider(), account = e.account(), endpoint = e.name(),
                period = %period, error = %err, retry_in = ?backoff,
                "refresh failed; serving the last good data");
        }
    }

    fn backing_off(&self, now: SystemTime) -> bool {
        let status = self.status.lock().expect("status lock");
        status.retry_at.is_some_and(|at| now < at)
    }

    /// Stops serving data whose period is over; true when it did. A
    /// back-off from the old period does not delay the new one's fetch.
    fn drop_if_ended(&self, now: SystemTime) -> bool {
        let ended_now = self.served().is_some_and(|s| ended(&s, now));
        if ended_now {
            self.served.store(None);
            let mut status = self.status.lock().expect("status lock");
            status.retry_at = None;
            drop(status);
            let e = self.endpoint.as_ref();
            tracing::info!(
                provider = e.provider(),
                account = e.account(),
                endpoint = e.name(),
                period = %e.schedule().period,
                "period ended; data withdrawn until the first fetch of the new period"
            );
        }
        ended_now
    }
}

/// Whether `served` belongs to a period that is over at `now`.
fn ended(served: &Served, now: SystemTime) -> bool {
    served
        .bounds
        .valid_until
        .is_some_and(|until| now >= SystemTime::from(until))
}

/// Counts cache lookups; implemented by the self-metrics.
pub trait CacheObserver: Send + Sync {
    fn hit(&self);
    fn miss(&self);
}

pub struct Refresher {
    /// Replaced as a whole by a config reload.
    targets: ArcSwap<Vec<Arc<Target>>>,
    clock: Arc<dyn Clock>,
    observer: Arc<dyn CacheObserver>,
    /// Bumped whenever any target's served data changes.
    generation: AtomicU64,
    /// Woken whenever a fetch finishes, for [`Refresher::wait_ready`].
    fetched: Notify,
    /// When [`Refresher::start`] ran.
    started: OnceLock<tokio::time::Instant>,
}

impl Refresher {
    pub fn new(
        endpoints: Vec<Arc<dyn Endpoint>>,
        observer: Arc<dyn CacheObserver>,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        let targets = endpoints
            .into_iter()
            .map(|e| Arc::new(Target::new(e)))
            .collect();
        Arc::new(Refresher {
            targets: ArcSwap::from_pointee(targets),
            clock,
            observer,
            generation: AtomicU64::new(0),
            fetched: Notify::new(),
            started: OnceLock::new(),
        })
    }

    /// The endpoints being served now.
    pub fn targets(&self) -> Arc<Vec<Arc<Target>>> {
        self.targets.load_full()
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Changes whenever served data is replaced or withdrawn.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Ready once every endpoint has been fetched once, or failed once.
    pub fn ready(&self) -> bool {
        self.targets().iter().all(|t| t.status().attempted)
    }

    /// Waits until [`Refresher::ready`], but no later than `max` after
    /// start-up. Scrapes use it so that the first ones carry data, not
    /// nothing; later scrapes never wait.
    pub async fn wait_ready(&self, max: Duration) {
        let Some(started) = self.started.get() else {
            return;
        };
        let deadline = *started + max;
        loop {
            let fetched = self.fetched.notified();
            if self.ready() {
                return;
            }
            if tokio::time::timeout_at(deadline, fetched).await.is_err() {
                return;
            }
        }
    }

    /// Starts the first fetch of every endpoint.
    pub fn start(self: &Arc<Self>) {
        let _ = self.started.set(tokio::time::Instant::now());
        for target in self.targets().iter() {
            self.spawn_refresh(target.clone());
        }
    }

    /// Called by each scrape before it renders: withdraws data of ended
    /// periods and refreshes what is stale, in the background.
    pub fn on_scrape(self: &Arc<Self>) {
        let now = self.clock.now();
        for target in self.targets().iter() {
            if target.drop_if_ended(now) {
                self.generation.fetch_add(1, Ordering::AcqRel);
            }
            if target.fresh(now) {
                self.observer.hit();
                continue;
            }
            self.observer.miss();
            if !target.backing_off(now) && target.flight.try_lock().is_ok() {
                self.spawn_refresh(target.clone());
            }
        }
    }

    /// Fetches endpoint `index` now, fresh or not, and waits for the outcome.
    pub async fn refresh_now(
        self: &Arc<Self>,
        index: usize,
    ) -> Result<Arc<Snapshot>, Arc<ProviderError>> {
        let target = self.targets()[index].clone();
        self.refresh(&target, true).await
    }

    /// Refreshes endpoint `index` unless `force` is false and it is fresh;
    /// a caller that finds a fetch running waits for it and takes its
    /// result instead of fetching again.
    async fn refresh(
        self: &Arc<Self>,
        target: &Target,
        force: bool,
    ) -> Result<Arc<Snapshot>, Arc<ProviderError>> {
        let _flight = target.flight.lock().await;
        if !force {
            let now = self.clock.now();
            if target.fresh(now) {
                if let Some(snapshot) = target.snapshot() {
                    return Ok(snapshot);
                }
            }
            // The fetch this caller waited for failed: no second try now.
            if target.backing_off(now) {
                return Err(Arc::new(ProviderError::NotReady(
                    "backing off after a failed fetch".into(),
                )));
            }
        }
        let schedule = target.endpoint.schedule();
        let now = self.clock.now();
        let bounds = schedule.period.bounds(now, schedule.billing_day);
        let result = target.endpoint.fetch(bounds).await.map(Arc::new);
        let outcome = match result {
            Ok(snapshot) => {
                target.record_success(Served {
                    snapshot: snapshot.clone(),
                    bounds,
                    fetched_at: now,
                });
                self.generation.fetch_add(1, Ordering::AcqRel);
                Ok(snapshot)
            }
            Err(err) => {
                target.record_failure(&err, self.clock.now());
                Err(Arc::new(err))
            }
        };
        self.fetched.notify_waiters();
        outcome
    }

    fn spawn_refresh(self: &Arc<Self>, target: Arc<Target>) {
        let this = self.clone();
        tokio::spawn(async move {
            // The outcome is recorded on the target; nothing else to do here.
            let _ = this.refresh(&target, false).await;
        });
    }

    /// Serves `endpoints` from now on. An endpoint whose provider, account,
    /// name and period were served before, and whose account `unchanged`
    /// says is configured as before, keeps its target: its data, status and
    /// schedule, with no new fetch. The others start fetching now; removed
    /// ones are dropped with their series.
    pub fn reconfigure(
        self: &Arc<Self>,
        endpoints: Vec<Arc<dyn Endpoint>>,
        unchanged: impl Fn(&dyn Endpoint) -> bool,
    ) -> Reconfigured {
        let old = self.targets();
        let key = |e: &dyn Endpoint| {
            (
                e.provider(),
                e.account().to_string(),
                e.name().to_string(),
                e.schedule().period.label(),
            )
        };
        let mut outcome = Reconfigured::default();
        let mut fresh = Vec::new();
        let targets: Vec<Arc<Target>> = endpoints
            .into_iter()
            .map(|endpoint| {
                let wanted = key(endpoint.as_ref());
                let kept = old
                    .iter()
                    .find(|t| key(t.endpoint.as_ref()) == wanted && unchanged(t.endpoint.as_ref()));
                match kept {
                    Some(target) => {
                        outcome.kept += 1;
                        target.clone()
                    }
                    None => {
                        outcome.started += 1;
                        let target = Arc::new(Target::new(endpoint));
                        fresh.push(target.clone());
                        target
                    }
                }
            })
            .collect();
        outcome.removed = old
            .iter()
            .filter(|t| {
                let gone = key(t.endpoint.as_ref());
                !targets.iter().any(|n| key(n.endpoint.as_ref()) == gone)
            })
            .count();
        self.targets.store(Arc::new(targets));
        self.generation.fetch_add(1, Ordering::AcqRel);
        for target in fresh {
            self.spawn_refresh(target);
        }
        outcome
    }
}

/// What a [`Refresher::reconfigure`] did, in endpoints.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reconfigured {
    /// Kept with their data: nothing about them changed.
    pub kept: usize,
    /// New or changed: fetching now.
    pub started: usize,
    /// No longer configured at all: gone with their series.
    pub removed: usize,
}

impl Target {
    fn new(endpoint: Arc<dyn Endpoint>) -> Target {
        Target {
            endpoint,
            served: ArcSwapOption::empty(),
            status: Mutex::new(Status::default()),
            flight: tokio::sync::Mutex::new(()),
        }
    }
}
