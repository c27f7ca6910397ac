//! Live reload: SIGHUP and `POST /-/reload` re-read the config file.
//!
//! A file that does not load is rejected with its error logged, and the
//! running configuration keeps serving. A good one replaces the endpoints;
//! an account whose configuration (secrets included) and the global
//! settings its endpoints use are unchanged keeps its targets, so its cached
//! data stays and it is not fetched again. Removed accounts' series go.
//! `timeout` and `max_response_bytes` apply to the shared HTTP client and
//! take effect at the next restart.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::clock::Clock;
use crate::config::Config;
use crate::providers::http::Upstream;
use crate::providers::{self, Context};
use crate::refresh::Reconfigured;
use crate::server::AppState;

/// Where the running configuration came from, and what reloading needs.
pub struct Reloader {
    path: PathBuf,
    /// `--shard.count`, `--shard.index`.
    shard: (u32, u32),
    current: Mutex<Config>,
    upstream: Arc<Upstream>,
    clock: Arc<dyn Clock>,
}

impl Reloader {
    pub(crate) fn new(
        path: PathBuf,
        shard: (u32, u32),
        current: Config,
        upstream: Arc<Upstream>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Reloader {
            path,
            shard,
            current: Mutex::new(current),
            upstream,
            clock,
        }
    }

    /// Re-reads the file and applies it, or keeps the running config.
    pub fn reload(&self, state: &AppState) -> Result<Reconfigured, String> {
        let metrics = state.exposition.reload_metrics();
        let loaded = Config::load(&self.path).map(|c| c.shard(self.shard.0, self.shard.1));
        let new = match loaded {
            Ok(new) => new,
            Err(err) => {
                metrics.failed();
                tracing::error!(error = %err, "config reload failed; the running configuration stays");
                return Err(err.to_string());
            }
        };
        let mut current = self.current.lock().expect("config lock");
        let (before, after) = (fingerprints(&current), fingerprints(&new));
        let context = Context {
            config: &new,
            upstream: &self.upstream,
            clock: &self.clock,
        };
        state
            .exposition
            .set_configured(crate::billing::configured_gauges(&new));
        let outcome = state
            .refresher
            .reconfigure(providers::endpoints(&context), |e| {
                let key = (e.provider(), e.account().to_string());
                before.get(&key).is_some_and(|b| after.get(&key) == Some(b))
            });
        *current = new;
        metrics.succeeded(self.clock.now());
        tracing::info!(
            kept = outcome.kept,
            started = outcome.started,
            removed = outcome.removed,
            "config reloaded"
        );
        Ok(outcome)
    }
}

/// Per provider and account, a digest of everything its endpoints are
/// built from.
fn fingerprints(config: &Config) -> HashMap<(&'static str, String), [u8; 32]> {
    config
        .fingerprints()
        .into_iter()
        .map(|(provider, account, digest)| ((provider, account), digest))
        .collect()
}
