//! video-usage-exporter: provider usage APIs in, Prometheus gauges out.
//!
//! Data flows one way: a provider's [`providers::Endpoint`] fetches a
//! [`providers::Snapshot`]; the [`refresh::Refresher`] decides when, caches
//! and keeps the last good one; [`metrics::Exposition`] renders them; the
//! [`server`] serves the result.

pub mod config;
pub mod metrics;
pub mod providers;
pub mod refresh;
pub mod server;
pub mod simulator;

use std::sync::Arc;

use config::Config;
use metrics::{CacheMetrics, Exposition, UpstreamMetrics};
use providers::http::{Limits, Upstream};
use refresh::Refresher;
use server::AppState;

/// Wires providers, refresher and exposition for `config`. Nothing is
/// fetched until [`Refresher::start`] or a scrape.
pub fn assemble(config: &Config, telemetry_path: &str) -> Result<Arc<AppState>, reqwest::Error> {
    let upstream_metrics = UpstreamMetrics::default();
    let cache_metrics = CacheMetrics::default();
    let limits = Limits {
        timeout: config.timeout,
        max_body_bytes: config.max_response_bytes,
        ..Limits::default()
    };
    let upstream = Arc::new(Upstream::new(Arc::new(upstream_metrics.clone()), limits)?);
    let refresher = Refresher::new(
        providers::endpoints(config, &upstream),
        Arc::new(cache_metrics.clone()),
    );
    Ok(Arc::new(AppState {
        exposition: Exposition::new(upstream_metrics, cache_metrics, refresher.clone()),
        refresher,
        telemetry_path: telemetry_path.to_string(),
    }))
}
