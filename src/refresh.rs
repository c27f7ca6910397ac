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
//! once to the full interval for bad credentials); a provider's
//! `Retry-After` may ask for longer, up to [`MAX_BACKOFF_FLOOR`] or the
//! refresh interval, whichever is larger.
//!
//! A panic while fetching (a bug: no input should cause one) is caught and
//! recorded as that endpoint's failure; the other endpoints, the locks and
//! the server are untouched.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use arc_swap::{ArcSwap, ArcSwapOption};
use futures_util::FutureExt as _;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::exposition::Snapshot;
use crate::period::Bounds;
use crate::providers::{Endpoint, ProviderError};

const FIRST_FAILURE_BACKOFF: Duration = Duration::from_secs(10);

/// The longest back-off is this or the refresh interval, whichever is
/// larger, whatever `Retry-After` asks for: an endpoint is never frozen for
/// longer by one header.
pub const MAX_BACKOFF_FLOOR: Duration = Duration::from_secs(3600);

/// How long to wait after the `failures`-th failure in a row, `err`, of an
/// endpoint refreshed every `interval`.
pub fn backoff(failures: u32, err: &ProviderError, interval: Duration) -> Duration {
    let own = if err.is_auth() {
        interval
    } else {
        FIRST_FAILURE_BACKOFF
            .saturating_mul(1 << failures.saturating_sub(1).min(16))
            .min(interval)
    };
    // The provider's own `Retry-After` wins when it asks for longer.
    own.max(err.retry_after().unwrap_or_default())
        .min(interval.max(MAX_BACKOFF_FLOOR))
}

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
    /// Serving data fetched by the endpoint this one replaced in a reload,
    /// until its own first fetch: withdrawn if that fetch is refused the
    /// credentials (they may be another account's now).
    inherited: AtomicBool,
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
        self.status_lock().clone()
    }

    /// The status, also after a panic elsewhere: every update leaves it
    /// whole, so a poisoned lock holds nothing half-written.
    fn status_lock(&self) -> MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
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
            && SystemTime::from(served.bounds.end)
                .checked_add(schedule.settle_time)
                .is_some_and(|at| served.fetched_at >= at);
        let stale_at = served.fetched_at.checked_add(schedule.refresh_interval);
        settled || stale_at.is_none_or(|at| now < at)
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
        self.inherited.store(false, Ordering::Release);
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
        let mut status = self.status_lock();
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

    /// Records a failed fetch; true when it withdrew inherited data.
    fn record_failure(&self, err: &ProviderError, now: SystemTime) -> bool {
        let interval = self.endpoint.schedule().refresh_interval;
        let mut status = self.status_lock();
        status.consecutive_failures = status.consecutive_failures.saturating_add(1);
        let backoff = backoff(status.consecutive_failures, err, interval);
        status.up = false;
        status.attempted = true;
        status.last_error = Some(err.to_string());
        status.retry_at = Some(now.checked_add(backoff).unwrap_or(now));
        let repeated = status.consecutive_failures > 1;
        drop(status);
        let withdrawn = err.is_auth() && self.inherited.swap(false, Ordering::AcqRel);
        if withdrawn {
            self.served.store(None);
        }
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
        withdrawn
    }

    fn backing_off(&self, now: SystemTime) -> bool {
        let status = self.status_lock();
        status.retry_at.is_some_and(|at| now < at)
    }

    /// Stops serving data whose period is over; true when it did. A
    /// back-off from the old period does not delay the new one's fetch.
    fn drop_if_ended(&self, now: SystemTime) -> bool {
        self.withdraw_if_ended(self.served(), now)
    }

    /// Withdraws `seen`, this target's data as loaded a moment ago, if its
    /// period is over and it is still what is served: a snapshot stored in
    /// between (a fetch of the new period) stays.
    fn withdraw_if_ended(&self, seen: Option<Arc<Served>>, now: SystemTime) -> bool {
        if !seen.as_ref().is_some_and(|s| ended(s, now)) {
            return false;
        }
        let before = self.served.compare_and_swap(&seen, None);
        let ended_now = same(&before, &seen);
        if ended_now {
            let mut status = self.status_lock();
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
    bounds_ended(&served.bounds, now)
}

/// Whether data fetched for `bounds` is no longer its period's at `now`.
fn bounds_ended(bounds: &Bounds, now: SystemTime) -> bool {
    bounds
        .valid_until
        .is_some_and(|until| now >= SystemTime::from(until))
}

/// Whether two loads of a served slot are the same snapshot.
fn same(a: &Option<Arc<Served>>, b: &Option<Arc<Served>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// A refresh of `e` that panicked, as its failure. The panic's message
/// goes to the log only (signatures removed): it was not written to be
/// shown, and the landing page shows the failure.
fn panicked(e: &dyn Endpoint, payload: &(dyn std::any::Any + Send)) -> ProviderError {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(provider = e.provider(), account = e.account(), endpoint = e.name(),
        period = %e.schedule().period, panic = %crate::providers::redact::redact(&message, &[]),
        "refresh panicked (a bug; please report it)");
    ProviderError::Internal
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
    /// Set once every endpoint has been attempted: readiness is about
    /// start-up, and a reload that adds endpoints does not take it back.
    was_ready: AtomicBool,
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
            was_ready: AtomicBool::new(false),
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

    /// Ready once every endpoint has been fetched once, or failed once;
    /// from then on, also across reloads.
    pub fn ready(&self) -> bool {
        if self.was_ready.load(Ordering::Acquire) {
            return true;
        }
        let ready = self.targets().iter().all(|t| t.status().attempted);
        if ready {
            self.was_ready.store(true, Ordering::Release);
        }
        ready
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
            self.spawn_refresh(target.clone(), false);
        }
    }

    /// Withdraws the data of periods that have ended. Called by each
    /// scrape and again right before rendering, so that no ended period's
    /// data is ever rendered under the current label.
    pub fn withdraw_ended(&self) {
        let now = self.clock.now();
        for target in self.targets().iter() {
            if target.drop_if_ended(now) {
                self.generation.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    /// Called by each scrape before it renders: withdraws data of ended
    /// periods and refreshes what is stale, in the background.
    pub fn on_scrape(self: &Arc<Self>) {
        self.withdraw_ended();
        let now = self.clock.now();
        for target in self.targets().iter() {
            if target.fresh(now) {
                self.observer.hit();
                continue;
            }
            self.observer.miss();
            if !target.backing_off(now) && target.flight.try_lock().is_ok() {
                self.spawn_refresh(target.clone(), false);
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
        let outcome = AssertUnwindSafe(self.refresh_in_flight(target, force))
            .catch_unwind()
            .await
            .unwrap_or_else(|payload| {
                let err = panicked(target.endpoint.as_ref(), payload.as_ref());
                self.record_failure(target, &err);
                Err(Arc::new(err))
            });
        self.fetched.notify_waiters();
        outcome
    }

    /// [`Refresher::refresh`] once its flight is held.
    async fn refresh_in_flight(
        &self,
        target: &Target,
        force: bool,
    ) -> Result<Arc<Snapshot>, Arc<ProviderError>> {
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
        match self.fetch(target).await {
            Ok(served) => {
                let snapshot = served.snapshot.clone();
                target.record_success(served);
                self.generation.fetch_add(1, Ordering::AcqRel);
                Ok(snapshot)
            }
            Err(err) => {
                self.record_failure(target, &err);
                Err(Arc::new(err))
            }
        }
    }

    fn record_failure(&self, target: &Target, err: &ProviderError) {
        if target.record_failure(err, self.clock.now()) {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Fetches the target's current period. A fetch that ends after its
    /// period did (started at 23:59:59 on the 31st) is not the new period's
    /// data: it is fetched once more for the period now current.
    async fn fetch(&self, target: &Target) -> Result<Served, ProviderError> {
        let schedule = target.endpoint.schedule();
        let mut tries = 0;
        loop {
            tries += 1;
            let now = self.clock.now();
            let bounds = schedule.period.bounds(now, schedule.billing_day);
            let snapshot = target.endpoint.fetch(bounds).await?;
            if !bounds_ended(&bounds, self.clock.now()) {
                return Ok(Served {
                    snapshot: Arc::new(snapshot),
                    bounds,
                    fetched_at: now,
                });
            }
            if tries >= 2 {
                return Err(ProviderError::NotReady(format!(
                    "period {} ended while it was fetched, twice",
                    schedule.period
                )));
            }
        }
    }

    /// Refreshes `target` in the background: when it is stale, or at
    /// once when `force`d.
    fn spawn_refresh(self: &Arc<Self>, target: Arc<Target>, force: bool) {
        let this = self.clone();
        tokio::spawn(async move {
            // The outcome is recorded on the target; nothing else to do here.
            let _ = this.refresh(&target, force).await;
        });
    }

    /// Serves `endpoints` from now on. For an endpoint whose provider,
    /// account, name and period were served before, `carry` says what of
    /// the old one stays: everything (its data, status and schedule; no new
    /// fetch), its data and status until the new endpoint's first fetch
    /// succeeds (fetching now), or nothing (its data would be wrong:
    /// fetching now, serving nothing until then). Removed endpoints are
    /// dropped with their series.
    pub fn reconfigure(
        self: &Arc<Self>,
        endpoints: Vec<Arc<dyn Endpoint>>,
        carry: impl Fn(&dyn Endpoint) -> Carry,
    ) -> Reconfigured {
        // Latched before new endpoints join, which have not been fetched.
        self.ready();
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
        let mut fetch = Vec::new();
        let targets: Vec<Arc<Target>> = endpoints
            .into_iter()
            .map(|endpoint| {
                let wanted = key(endpoint.as_ref());
                let before = old.iter().find(|t| key(t.endpoint.as_ref()) == wanted);
                let target = match before.map(|t| (t, carry(endpoint.as_ref()))) {
                    Some((target, Carry::Everything)) => {
                        outcome.kept += 1;
                        return target.clone();
                    }
                    Some((target, Carry::Data)) => {
                        outcome.refetched += 1;
                        Arc::new(Target::inheriting(endpoint, target))
                    }
                    Some((_, Carry::Nothing)) | None => {
                        outcome.started += 1;
                        Arc::new(Target::new(endpoint))
                    }
                };
                fetch.push(target.clone());
                target
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
        for target in fetch {
            self.spawn_refresh(target, true);
        }
        outcome
    }
}

/// What a reload keeps of an endpoint that was served before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carry {
    /// Nothing it is fetched with changed: keep it as it is.
    Everything,
    /// How it is fetched changed (credentials, URL, intervals, paging), not
    /// what its data means: serve the old data until the new fetch lands.
    Data,
    /// What its data means changed (apps, URL filter, cardinality, billing
    /// day): the old data would be wrong.
    Nothing,
}

/// What a [`Refresher::reconfigure`] did, in endpoints.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reconfigured {
    /// Kept with their data and schedule: nothing about them changed.
    pub kept: usize,
    /// Fetch parameters changed: fetching now, serving the old data until then.
    pub refetched: usize,
    /// New, or changed so that their old data would be wrong: fetching now.
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
            inherited: AtomicBool::new(false),
        }
    }

    /// A target for `endpoint` that serves `old`'s data and status until
    /// its own first fetch; no back-off of the old one carries over.
    fn inheriting(endpoint: Arc<dyn Endpoint>, old: &Target) -> Target {
        let mut status = old.status();
        status.retry_at = None;
        status.consecutive_failures = 0;
        Target {
            endpoint,
            served: ArcSwapOption::new(old.served()),
            status: Mutex::new(status),
            flight: tokio::sync::Mutex::new(()),
            inherited: AtomicBool::new(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::atomic::AtomicUsize;

    use time::macros::datetime;

    use super::*;
    use crate::clock::ManualClock;
    use crate::exposition::SnapshotBuilder;
    use crate::providers::BoxFuture;
    use crate::simulator::faults::FnEndpoint;

    const INTERVAL: Duration = Duration::from_secs(300);

    /// What one fetch of a [`fake`] does.
    enum Fetch {
        Succeed,
        Fail(ProviderError),
        Panic,
        /// Moves the clock by this much, then succeeds.
        Take(Duration),
    }

    /// An endpoint's script, one entry per fetch (and success once done),
    /// and how many fetches it saw.
    struct Script {
        steps: Mutex<VecDeque<Fetch>>,
        calls: AtomicUsize,
    }

    impl Script {
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    /// An endpoint of `account` that does what `steps` say.
    fn fake(
        account: &str,
        clock: &Arc<ManualClock>,
        steps: Vec<Fetch>,
    ) -> (Arc<dyn Endpoint>, Arc<Script>) {
        let script = Arc::new(Script {
            steps: Mutex::new(steps.into()),
            calls: AtomicUsize::new(0),
        });
        let (clock, seen, name) = (clock.clone(), script.clone(), account.to_string());
        let fetch = move |_| -> BoxFuture<'static, Result<Snapshot, ProviderError>> {
            seen.calls.fetch_add(1, Ordering::SeqCst);
            let next = seen.steps.lock().unwrap().pop_front();
            let (clock, name) = (clock.clone(), name.clone());
            Box::pin(async move {
                match next.unwrap_or(Fetch::Succeed) {
                    Fetch::Succeed => {}
                    Fetch::Fail(err) => return Err(err),
                    Fetch::Panic => panic!("a bug in a provider"),
                    Fetch::Take(time) => clock.advance(time),
                }
                Ok(SnapshotBuilder::new(&name).finish())
            })
        };
        let endpoint = FnEndpoint::new(account, INTERVAL, Arc::new(fetch));
        (Arc::new(endpoint), script)
    }

    struct Ignore;

    impl CacheObserver for Ignore {
        fn hit(&self) {}
        fn miss(&self) {}
    }

    fn clock_at(at: time::OffsetDateTime) -> Arc<ManualClock> {
        Arc::new(ManualClock::new(at.into()))
    }

    fn refresher(clock: &Arc<ManualClock>, endpoints: Vec<Arc<dyn Endpoint>>) -> Arc<Refresher> {
        Refresher::new(endpoints, Arc::new(Ignore), clock.clone())
    }

    fn rate_limited(retry_after: Duration) -> ProviderError {
        ProviderError::RateLimited {
            status: 429,
            message: "slow down".into(),
            retry_after: Some(retry_after),
        }
    }

    #[test]
    fn backoff_honours_retry_after_up_to_an_hour_or_the_interval() {
        let hour = MAX_BACKOFF_FLOOR;
        let year = Duration::from_secs(31_536_000);
        assert_eq!(backoff(1, &rate_limited(year), INTERVAL), hour);
        let six_hours = 6 * hour;
        assert_eq!(backoff(1, &rate_limited(year), six_hours), six_hours);
        assert_eq!(
            backoff(1, &rate_limited(Duration::from_secs(u64::MAX)), INTERVAL),
            hour
        );
        assert_eq!(
            backoff(1, &rate_limited(Duration::from_secs(90)), INTERVAL),
            Duration::from_secs(90)
        );
        let http = ProviderError::Http("reset".into());
        assert_eq!(backoff(1, &http, INTERVAL), FIRST_FAILURE_BACKOFF);
        assert_eq!(backoff(u32::MAX, &http, INTERVAL), INTERVAL);
    }

    /// `Retry-After: 10000000000000000000` once panicked adding it to the
    /// clock, poisoning the status lock; `31536000` froze the endpoint for
    /// a year. Now the endpoint retries within the hour and recovers.
    #[tokio::test]
    async fn any_retry_after_is_survived_and_retried_within_the_hour() {
        for secs in [10_000_000_000_000_000_000, 31_536_000] {
            let clock = clock_at(datetime!(2026-12-02 10:00 UTC));
            let (fake, script) = fake(
                "a",
                &clock,
                vec![Fetch::Fail(rate_limited(Duration::from_secs(secs)))],
            );
            let refresher = refresher(&clock, vec![fake]);
            assert!(refresher.refresh_now(0).await.is_err());
            let target = refresher.targets()[0].clone();
            let status = target.status();
            assert!(!status.up);
            let wait = status
                .retry_at()
                .unwrap()
                .duration_since(clock.now())
                .unwrap();
            assert_eq!(wait, MAX_BACKOFF_FLOOR, "Retry-After: {secs}");
            clock.advance(MAX_BACKOFF_FLOOR);
            assert!(!target.backing_off(clock.now()));
            assert!(refresher.refresh(&target, false).await.is_ok());
            assert!(target.status().up);
            assert_eq!(script.calls(), 2);
        }
    }

    /// The decision for a panic: contained to the fetch, recorded as that
    /// endpoint's failure (with back-off), retried later; nothing else
    /// notices, and no lock is left poisoned.
    #[tokio::test]
    async fn a_panicking_fetch_fails_only_its_endpoint() {
        let clock = clock_at(datetime!(2026-12-02 10:00 UTC));
        let (buggy, _) = fake("buggy", &clock, vec![Fetch::Panic]);
        let (fine, _) = fake("fine", &clock, vec![]);
        let refresher = refresher(&clock, vec![buggy, fine]);
        let err = refresher.refresh_now(0).await.unwrap_err();
        assert!(err.to_string().starts_with("internal error"), "{err}");
        assert!(!err.to_string().contains("a bug in a provider"), "{err}");
        assert!(refresher.refresh_now(1).await.is_ok());
        let targets = refresher.targets();
        let status = targets[0].status();
        assert!(status.attempted && !status.up);
        assert!(status.last_error.unwrap().starts_with("internal error"));
        assert!(targets[0].backing_off(clock.now()));
        assert!(targets[1].status().up);
        assert!(refresher.ready());
        clock.advance(FIRST_FAILURE_BACKOFF);
        assert!(refresher.refresh(&targets[0], false).await.is_ok());
        assert!(targets[0].status().up);
    }

    /// A month fetch that starts at 23:59:59 on the 30th and ends in the
    /// new month is November's data: it is not served as December's; the
    /// endpoint fetches again for December.
    #[tokio::test]
    async fn a_fetch_that_outlives_its_period_is_fetched_again_for_the_new_one() {
        let clock = clock_at(datetime!(2026-11-30 23:59:59 UTC));
        let (slow, script) = fake("a", &clock, vec![Fetch::Take(Duration::from_secs(2))]);
        let refresher = refresher(&clock, vec![slow]);
        refresher.refresh_now(0).await.unwrap();
        let served = refresher.targets()[0].served().unwrap();
        assert_eq!(served.bounds.start, datetime!(2026-12-01 00:00 UTC));
        assert_eq!(script.calls(), 2);
    }

    /// Withdrawing is a compare-and-swap: a snapshot of the new period
    /// stored between the check and the withdrawal stays.
    #[tokio::test]
    async fn withdrawing_ended_data_keeps_a_snapshot_stored_meanwhile() {
        let clock = clock_at(datetime!(2026-11-30 23:00 UTC));
        let (endpoint, _) = fake("a", &clock, vec![]);
        let refresher = refresher(&clock, vec![endpoint]);
        refresher.refresh_now(0).await.unwrap();
        let target = refresher.targets()[0].clone();
        let november = target.served();
        clock.set(datetime!(2026-12-01 00:00:05 UTC).into());
        // The new month's fetch lands after the scrape looked.
        refresher.refresh(&target, true).await.unwrap();
        let december = target.served().unwrap();
        assert!(!target.withdraw_if_ended(november, clock.now()));
        assert!(Arc::ptr_eq(&target.served().unwrap(), &december));
        // What is served now is withdrawn once it has ended, as before.
        clock.set(datetime!(2027-01-01 00:00 UTC).into());
        assert!(target.drop_if_ended(clock.now()));
        assert!(target.served().is_none());
    }

    /// Data carried over a reload is withdrawn when the new endpoint's
    /// credentials are refused: they may belong to another account now.
    #[tokio::test]
    async fn carried_data_goes_when_the_new_credentials_are_refused() {
        let clock = clock_at(datetime!(2026-12-02 10:00 UTC));
        let (old, _) = fake("a", &clock, vec![]);
        let refresher = refresher(&clock, vec![old]);
        refresher.refresh_now(0).await.unwrap();
        let refused = ProviderError::Auth {
            status: 401,
            message: "invalid key".into(),
        };
        let (new, _) = fake("a", &clock, vec![Fetch::Fail(refused)]);
        refresher.reconfigure(vec![new], |_| Carry::Data);
        let target = refresher.targets()[0].clone();
        assert!(target.served().is_some());
        let generation = refresher.generation();
        assert!(refresher.refresh_now(0).await.is_err());
        assert!(target.served().is_none());
        assert!(refresher.generation() > generation);
    }

    /// A reload keeps what is still right: everything when nothing the
    /// endpoint is fetched with changed, the data (even while the new
    /// fetch fails) when only how it is fetched changed, nothing when the
    /// data's meaning changed. Readiness stays.
    #[tokio::test]
    async fn reconfigure_carries_what_is_still_right() {
        let clock = clock_at(datetime!(2026-12-02 10:00 UTC));
        let old: Vec<_> = ["same", "fetch", "data"]
            .into_iter()
            .map(|account| fake(account, &clock, vec![]).0)
            .collect();
        let refresher = refresher(&clock, old.clone());
        for i in 0..old.len() {
            refresher.refresh_now(i).await.unwrap();
        }
        let before = refresher.targets();
        let outage = || Fetch::Fail(ProviderError::Http("down".into()));
        let (same, same_script) = fake("same", &clock, vec![]);
        let mut endpoints = vec![same];
        for account in ["fetch", "data", "added"] {
            endpoints.push(fake(account, &clock, vec![outage(), outage()]).0);
        }
        let outcome = refresher.reconfigure(endpoints, |e| match e.account() {
            "same" => Carry::Everything,
            "fetch" => Carry::Data,
            _ => Carry::Nothing,
        });
        assert_eq!(
            outcome,
            Reconfigured {
                kept: 1,
                refetched: 1,
                started: 2,
                removed: 0
            }
        );
        let after = refresher.targets();
        assert!(Arc::ptr_eq(&after[0], &before[0]));
        let carried = after[1].served().unwrap();
        assert!(Arc::ptr_eq(&carried, &before[1].served().unwrap()));
        assert!(after[1].status().up);
        assert!(after[2].served().is_none());
        assert!(refresher.ready(), "a reload does not take readiness back");
        for i in 1..after.len() {
            assert!(refresher.refresh_now(i).await.is_err());
        }
        // The new fetch failed: the old data is still served.
        assert!(Arc::ptr_eq(&after[1].served().unwrap(), &carried));
        assert!(!after[1].status().up);
        assert_eq!(same_script.calls(), 0);
        clock.advance(FIRST_FAILURE_BACKOFF);
        // Its first success replaces it.
        assert!(refresher.refresh_now(1).await.is_err());
        assert!(refresher.refresh_now(1).await.is_ok());
        assert!(!Arc::ptr_eq(&after[1].served().unwrap(), &carried));
    }
}
