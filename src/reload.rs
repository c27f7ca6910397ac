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

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use crate::clock::Clock;
use crate::config::{Config, Fingerprint};
use crate::providers::http::{Observer, Upstream};
use crate::providers::{self, Context};
use crate::refresh::{Carry, Reconfigured};
use crate::server::AppState;

/// Where the running configuration came from, and what reloading needs.
pub struct Reloader {
    path: PathBuf,
    /// `--shard.count`, `--shard.index`.
    shard: (u32, u32),
    /// Held for a whole reload, the file's reading included: of two
    /// reloads racing, the one that reads the file later applies it later.
    running: Mutex<Running>,
    /// Receives the upstream calls of a client built anew.
    observer: Arc<dyn Observer>,
    clock: Arc<dyn Clock>,
}

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
            running: Mutex::new(Running {
                config: current,
                upstream,
            }),
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
        let loaded = Config::load(&self.path).map(|c| c.shard(self.shard.0, self.shard.1));
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
        let (before, after) = (fingerprints(&running.config), fingerprints(&new));
        let context = Context {
            config: &new,
            upstream: &running.upstream,
            clock: &self.clock,
        };
        state
            .exposition
            .set_configured(crate::billing::configured_gauges(&new));
        let outcome = state
            .refresher
            .reconfigure(providers::endpoints(&context), |e| {
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

/// Per provider and account, its fingerprint.
fn fingerprints(config: &Config) -> HashMap<(&'static str, String), Fingerprint> {
    config
        .fingerprints()
        .into_iter()
        .map(|(provider, account, print)| ((provider, account), print))
        .collect()
}
