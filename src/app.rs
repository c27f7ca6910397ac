//! The running application: its state ([`AppState`]: the refresher and
//! the exposition the server reads), how it is assembled from a
//! configuration, and live reload.
//!
//! Live reload: SIGHUP and `POST /-/reload` re-read the config file.
//!
//! A file that does not load is rejected with its error logged, and the
//! running configuration keeps serving. A good one replaces the endpoints,
//! and never withdraws data that is still right: an account whose fetch
//! parameters are unchanged (only quotas or prices changed, say) keeps its
//! endpoints, data and schedule; one whose fetch parameters changed
//! (credentials, URL, intervals, paging, `timeout`) keeps serving its old
//! data until its first new fetch succeeds; only a change of what the data
//! means (apps, URLs, cardinality controls, billing day) withdraws it.
//! Removed accounts' series go. A changed `timeout` or `max_response_bytes`
//! builds a new HTTP client for the new endpoints.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use crate::billing;
use crate::clock::Clock;
use crate::config::{Config, ConfigError, Fingerprint};
use crate::metrics::{CacheMetrics, Exposition, UpstreamMetrics};
use crate::providers::http::{Observer, Upstream};
use crate::refresh::{Carry, Reconfigured, Refresher};

/// What the server serves from.
pub struct AppState {
    pub refresher: Arc<Refresher>,
    pub exposition: Exposition,
    pub telemetry_path: String,
    /// Set when the configuration came from a file that can be re-read.
    pub reloader: Option<Reloader>,
}

impl AppState {
    /// Re-reads the configuration file (SIGHUP, `POST /-/reload`); the
    /// outcome is logged.
    pub fn reload(&self) -> Result<Reconfigured, String> {
        match &self.reloader {
            Some(reloader) => reloader.reload(self),
            None => {
                let reason =
                    "nothing to reload: the configuration did not come from a file (--demo)";
                tracing::warn!("{reason}");
                Err(reason.into())
            }
        }
    }
}

/// Where a configuration was read from, so that it can be read again
/// (SIGHUP, `POST /-/reload`).
pub struct Source {
    pub path: std::path::PathBuf,
    /// `--shard.count`, `--shard.index`.
    pub shard: (u32, u32),
}

/// Wires providers, refresher and exposition for `config`, all reading
/// time from `clock`. Nothing is fetched until [`Refresher::start`] or a
/// scrape. With a `source`, the state can reload it.
pub fn assemble(
    config: &Config,
    telemetry_path: &str,
    clock: Arc<dyn Clock>,
) -> Result<Arc<AppState>, reqwest::Error> {
    assemble_from(config, None, telemetry_path, clock)
}

/// [`assemble`] for a configuration read from `source`, reloadable.
pub fn assemble_from(
    config: &Config,
    source: Option<Source>,
    telemetry_path: &str,
    clock: Arc<dyn Clock>,
) -> Result<Arc<AppState>, reqwest::Error> {
    let upstream_metrics = UpstreamMetrics::new(config.timeout);
    let cache_metrics = CacheMetrics::default();
    let observer: Arc<dyn Observer> = Arc::new(upstream_metrics.clone());
    let upstream = Arc::new(Upstream::new(observer.clone(), config.upstream_limits())?);
    let refresher = Refresher::new(
        config.endpoints(&config.context(&upstream, &clock)),
        Arc::new(cache_metrics.clone()),
        clock.clone(),
    );
    let reloader = source.map(|source| {
        Reloader::new(
            source.path,
            source.shard,
            config.clone(),
            upstream.clone(),
            observer,
            clock.clone(),
        )
    });
    Ok(Arc::new(AppState {
        exposition: Exposition::new(
            upstream_metrics,
            cache_metrics,
            refresher.clone(),
            billing::configured_gauges(config.billing()),
        ),
        refresher,
        telemetry_path: telemetry_path.to_string(),
        reloader,
    }))
}

/// Where the running configuration came from, and what reloading needs.
pub struct Reloader {
    path: PathBuf,
    /// `--shard.count`, `--shard.index`.
    shard: (u32, u32),
    /// Held for a whole reload, the file's reading included: of two
    /// reloads racing, the one that reads the file later applies it later.
    running: Arc<Mutex<Running>>,
    /// Reads the file: [`Config::load`] (tests watch it).
    load: Box<Load>,
    /// Receives the upstream calls of a client built anew.
    observer: Arc<dyn Observer>,
    clock: Arc<dyn Clock>,
}

type Load = dyn Fn(&std::path::Path) -> Result<Config, ConfigError> + Send + Sync;

/// The configuration being served and the client its endpoints call with.
struct Running {
    config: Config,
    upstream: Arc<Upstream>,
}

impl Reloader {
    pub(crate) fn new(
        path: PathBuf,
        shard: (u32, u32),
        current: Config,
        upstream: Arc<Upstream>,
        observer: Arc<dyn Observer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Reloader {
            path,
            shard,
            running: Arc::new(Mutex::new(Running {
                config: current,
                upstream,
            })),
            load: Box::new(Config::load),
            observer,
            clock,
        }
    }

    /// Re-reads the file and applies it, or keeps the running config. The
    /// error says why in words safe to show anyone; the log has the detail
    /// (file, line, key), never a secret.
    pub fn reload(&self, state: &AppState) -> Result<Reconfigured, String> {
        let metrics = state.exposition.reload_metrics();
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let loaded = (self.load)(&self.path).map(|c| c.shard(self.shard.0, self.shard.1));
        let new = match loaded {
            Ok(new) => new,
            Err(err) => {
                metrics.failed();
                tracing::error!(error = %err, "config reload failed; the running configuration stays");
                return Err("the configuration file is not valid".into());
            }
        };
        let limits = new.upstream_limits();
        if limits != running.config.upstream_limits() {
            match Upstream::new(self.observer.clone(), limits) {
                Ok(upstream) => running.upstream = Arc::new(upstream),
                Err(err) => {
                    metrics.failed();
                    tracing::error!(error = %err, "config reload failed: cannot build the HTTP client; the running configuration stays");
                    return Err("cannot build the HTTP client".into());
                }
            }
        }
        let (before, after) = (running.config.fingerprints(), new.fingerprints());
        let context = new.context(&running.upstream, &self.clock);
        state
            .exposition
            .set_configured(billing::configured_gauges(new.billing()));
        let outcome = state.refresher.reconfigure(new.endpoints(&context), |e| {
            let key = (e.provider(), e.account().to_string());
            carry(before.get(&key), after.get(&key))
        });
        running.config = new;
        metrics.succeeded(self.clock.now());
        tracing::info!(
            kept = outcome.kept,
            refetched = outcome.refetched,
            started = outcome.started,
            removed = outcome.removed,
            "config reloaded"
        );
        Ok(outcome)
    }
}

/// What an account's endpoints keep, from its fingerprints before and after.
fn carry(before: Option<&Fingerprint>, after: Option<&Fingerprint>) -> Carry {
    match (before, after) {
        (Some(b), Some(a)) if b == a => Carry::Everything,
        (Some(b), Some(a)) if b.data == a.data => Carry::Data,
        _ => Carry::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::clock::SystemClock;
    use crate::providers::http::{CallLabels, Limits};

    struct Ignore;

    impl Observer for Ignore {
        fn observe(&self, _: &CallLabels, _: &str, _: std::time::Duration) {}
    }

    /// SIGHUP and `POST /-/reload` racing during an edit could apply the
    /// older file last: each read the file before taking the lock. Now the
    /// file is read only while the reload lock is held.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_file_is_read_under_the_reload_lock() {
        let dir = std::env::temp_dir().join(format!("vue-reload-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.yml");
        let file = |account: &str| {
            let text = format!("wowza:\n  - account: {account}\n    api_url: http://127.0.0.1:9/api/v1\n    api_key: k\n    access_key: a\n");
            std::fs::write(&path, text).unwrap();
        };
        file("first");
        let config = Config::load(&path).unwrap();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let state = assemble(&config, "/metrics", clock.clone()).unwrap();
        let observer: Arc<dyn Observer> = Arc::new(Ignore);
        let upstream = Arc::new(Upstream::new(observer.clone(), Limits::default()).unwrap());
        let mut reloader = Reloader::new(path.clone(), (1, 0), config, upstream, observer, clock);
        let (running, reads) = (reloader.running.clone(), Arc::new(AtomicUsize::new(0)));
        let counted = reads.clone();
        reloader.load = Box::new(move |path| {
            assert!(
                running.try_lock().is_err(),
                "the file is read while the reload lock is held"
            );
            counted.fetch_add(1, Ordering::SeqCst);
            Config::load(path)
        });
        for account in ["second", "third"] {
            file(account);
            reloader.reload(&state).unwrap();
            let applied = reloader.running.lock().unwrap().config.wowza[0]
                .account
                .clone();
            assert_eq!(applied, account);
        }
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }
}
