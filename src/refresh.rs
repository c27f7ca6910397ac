//! When endpoints are fetched: at start-up, then on demand by scrapes, at
//! most once per refresh interval, with concurrent refreshes coalesced.
//!
//! A moka cache maps each endpoint to its latest snapshot with a per-entry
//! time to live of the endpoint's refresh interval. A scrape that finds the
//! entry fresh is a hit; a miss starts one background refresh through
//! `try_get_with`, which runs a single fetch however many callers ask at
//! once. The scrape itself never waits: it serves the last good snapshot,
//! kept apart from the cache so that expiry or a failed fetch never loses it.
//! Failures back off (doubling from 10 s up to the refresh interval; at once
//! to the full interval for bad credentials) so a broken endpoint is not
//! called on every scrape.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwapOption;
use moka::future::Cache;
use moka::Expiry;
use tokio::sync::Notify;

use crate::providers::{Endpoint, ProviderError, Snapshot};

const FIRST_FAILURE_BACKOFF: Duration = Duration::from_secs(10);

/// What the self-metrics and `/-/ready` need to know about one endpoint.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Whether the last fetch succeeded.
    pub up: bool,
    /// Whether a fetch has finished at all, with success or failure.
    pub attempted: bool,
    pub last_success: Option<SystemTime>,
    consecutive_failures: u32,
    retry_at: Option<Instant>,
}

/// One endpoint and what is known of it.
pub struct Target {
    pub endpoint: Arc<dyn Endpoint>,
    snapshot: ArcSwapOption<Snapshot>,
    status: Mutex<Status>,
}

impl Target {
    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.load_full()
    }

    pub fn status(&self) -> Status {
        self.status.lock().expect("status lock").clone()
    }

    fn record_success(&self, snapshot: Arc<Snapshot>) {
        let e = self.endpoint.as_ref();
        tracing::debug!(
            provider = e.provider(),
            account = e.account(),
            endpoint = e.name(),
            series = snapshot.series(),
            "refreshed"
        );
        self.snapshot.store(Some(snapshot));
        let mut status = self.status.lock().expect("status lock");
        if status.consecutive_failures > 0 {
            tracing::info!(
                provider = e.provider(),
                account = e.account(),
                endpoint = e.name(),
                "refresh recovered"
            );
        }
        status.up = true;
        status.attempted = true;
        status.last_success = Some(SystemTime::now());
        status.consecutive_failures = 0;
        status.retry_at = None;
    }

    fn record_failure(&self, err: &ProviderError) {
        let interval = self.endpoint.refresh_interval();
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
        status.retry_at = Some(Instant::now() + backoff);
        let repeated = status.consecutive_failures > 1;
        drop(status);
        let e = self.endpoint.as_ref();
        // Say it loudly once; repeats of a persisting failure go to debug.
        if repeated {
            tracing::debug!(provider = e.provider(), account = e.account(), endpoint = e.name(),
                error = %err, retry_in = ?backoff, "refresh still failing; serving the last good data");
        } else {
            tracing::error!(provider = e.provider(), account = e.account(), endpoint = e.name(),
                error = %err, retry_in = ?backoff, "refresh failed; serving the last good data");
        }
    }

    fn backing_off(&self) -> bool {
        let status = self.status.lock().expect("status lock");
        status.retry_at.is_some_and(|at| Instant::now() < at)
    }
}

/// Counts cache lookups; implemented by the self-metrics.
pub trait CacheObserver: Send + Sync {
    fn hit(&self);
    fn miss(&self);
}

struct IntervalExpiry(Vec<Duration>);

impl Expiry<usize, Arc<Snapshot>> for IntervalExpiry {
    fn expire_after_create(
        &self,
        key: &usize,
        _value: &Arc<Snapshot>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(self.0[*key])
    }
}

pub struct Refresher {
    targets: Vec<Arc<Target>>,
    cache: Cache<usize, Arc<Snapshot>>,
    observer: Arc<dyn CacheObserver>,
    /// Bumped whenever any target's snapshot changes.
    generation: AtomicU64,
    /// Woken whenever a fetch finishes, for [`Refresher::wait_ready`].
    fetched: Notify,
    /// When [`Refresher::start`] ran.
    started: OnceLock<tokio::time::Instant>,
}

impl Refresher {
    pub fn new(endpoints: Vec<Arc<dyn Endpoint>>, observer: Arc<dyn CacheObserver>) -> Arc<Self> {
        let intervals = endpoints.iter().map(|e| e.refresh_interval()).collect();
        let cache = Cache::builder()
            .max_capacity(endpoints.len() as u64 + 1)
            .expire_after(IntervalExpiry(intervals))
            .build();
        let targets = endpoints
            .into_iter()
            .map(|endpoint| {
                Arc::new(Target {
                    endpoint,
                    snapshot: ArcSwapOption::empty(),
                    status: Mutex::new(Status::default()),
                })
            })
            .collect();
        Arc::new(Refresher {
            targets,
            cache,
            observer,
            generation: AtomicU64::new(0),
            fetched: Notify::new(),
            started: OnceLock::new(),
        })
    }

    pub fn targets(&self) -> &[Arc<Target>] {
        &self.targets
    }

    /// Changes whenever a snapshot is replaced.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Ready once every endpoint has been fetched once, or failed once.
    pub fn ready(&self) -> bool {
        self.targets.iter().all(|t| t.status().attempted)
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
        for index in 0..self.targets.len() {
            self.spawn_refresh(index);
        }
    }

    /// Called by each scrape: refreshes what is stale, in the background.
    pub async fn on_scrape(self: &Arc<Self>) {
        for index in 0..self.targets.len() {
            if self.cache.get(&index).await.is_some() {
                self.observer.hit();
                continue;
            }
            self.observer.miss();
            if !self.targets[index].backing_off() {
                self.spawn_refresh(index);
            }
        }
    }

    /// Fetches endpoint `index` now, fresh or not, and waits for the outcome.
    pub async fn refresh_now(
        self: &Arc<Self>,
        index: usize,
    ) -> Result<Arc<Snapshot>, Arc<ProviderError>> {
        self.cache.invalidate(&index).await;
        self.refresh(index).await
    }

    /// Refreshes endpoint `index` unless fresh, coalescing with any refresh
    /// of it already running, and waits for the outcome.
    async fn refresh(self: &Arc<Self>, index: usize) -> Result<Arc<Snapshot>, Arc<ProviderError>> {
        let target = self.targets[index].clone();
        let this = self.clone();
        self.cache
            .try_get_with(index, async move {
                let result = target.endpoint.fetch().await.map(Arc::new);
                match &result {
                    Ok(snapshot) => {
                        target.record_success(snapshot.clone());
                        this.generation.fetch_add(1, Ordering::AcqRel);
                    }
                    Err(err) => target.record_failure(err),
                }
                this.fetched.notify_waiters();
                result
            })
            .await
    }

    fn spawn_refresh(self: &Arc<Self>, index: usize) {
        let this = self.clone();
        tokio::spawn(async move {
            // The outcome is recorded on the target; nothing else to do here.
            let _ = this.refresh(index).await;
        });
    }
}
