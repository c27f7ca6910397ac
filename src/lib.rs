//! video-usage-exporter: provider usage APIs in, Prometheus gauges out.
//!
//! Data flows one way: a provider's [`providers::Endpoint`] fetches a
//! [`exposition::Snapshot`]; the [`refresh::Refresher`] decides when, caches
//! and keeps the last good one; [`metrics::Exposition`] renders them; the
//! [`server`] serves the result.

pub mod billing;
pub mod clock;
pub mod config;
pub mod exposition;
pub mod metrics;
pub mod period;
pub mod providers;
pub mod refresh;
pub mod server;
pub mod simulator;
pub mod web;

use std::sync::Arc;

use clock::Clock;
use config::Config;
use metrics::{CacheMetrics, Exposition, UpstreamMetrics};
use providers::http::{Limits, Upstream};
use refresh::Refresher;
use server::AppState;

/// Wires providers, refresher and exposition for `config`, all reading
/// time from `clock`. Nothing is fetched until [`Refresher::start`] or a
/// scrape.
pub fn assemble(
    config: &Config,
    telemetry_path: &str,
    clock: Arc<dyn Clock>,
) -> Result<Arc<AppState>, reqwest::Error> {
    let upstream_metrics = UpstreamMetrics::new(config.timeout);
    let cache_metrics = CacheMetrics::default();
    let limits = Limits {
        timeout: config.timeout,
        max_body_bytes: config.max_response_bytes,
        ..Limits::default()
    };
    let upstream = Arc::new(Upstream::new(Arc::new(upstream_metrics.clone()), limits)?);
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
    Ok(Arc::new(AppState {
        exposition: Exposition::new(
            upstream_metrics,
            cache_metrics,
            refresher.clone(),
            billing::configured_gauges(config),
        ),
        refresher,
        telemetry_path: telemetry_path.to_string(),
    }))
}
