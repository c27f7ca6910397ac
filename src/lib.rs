//! video-usage-exporter: provider usage APIs in, Prometheus gauges out.
//!
//! Data flows one way: a provider's [`providers::Endpoint`] fetches a
//! [`exposition::Snapshot`]; the [`refresh::Refresher`] decides when, caches
//! and keeps the last good one; [`metrics::Exposition`] renders them; the
//! [`server`] serves the result.

pub mod billing;
pub mod clock;
pub mod config;
pub mod deflate;
pub mod exposition;
pub mod metrics;
pub mod period;
pub mod process;
pub mod providers;
pub mod refresh;
pub mod reload;
pub mod server;
pub mod simulator;
pub mod web;

use std::sync::Arc;

use clock::Clock;
use config::Config;
use metrics::{CacheMetrics, Exposition, UpstreamMetrics};
use providers::http::{Observer, Upstream};
use refresh::Refresher;
use server::AppState;

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
    let context = providers::Context {
        config,
        upstream: &upstream,
        clock: &clock,
    };
    let refresher = Refresher::new(
        providers::endpoints(&context),
        Arc::new(cache_metrics.clone()),
        clock.clone(),
    );
    let reloader = source.map(|source| {
        reload::Reloader::new(
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
            billing::configured_gauges(config),
        ),
        refresher,
        telemetry_path: telemetry_path.to_string(),
        reloader,
    }))
}
