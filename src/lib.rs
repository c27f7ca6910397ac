//! video-usage-exporter: provider usage APIs in, Prometheus gauges out.
//!
//! Data flows one way: a provider's [`providers::Endpoint`] fetches a
//! [`exposition::Snapshot`]; the [`refresh::Refresher`] decides when, caches
//! and keeps the last good one; [`metrics::Exposition`] renders them; the
//! [`server`] serves the result.

pub mod app;
pub mod billing;
pub mod cardinality;
pub mod clock;
pub mod config;
pub mod exposition;
pub mod metrics;
pub mod period;
pub mod process;
pub mod providers;
pub mod refresh;
pub mod server;
pub mod simulator;
pub mod values;
pub mod web;

pub use app::{assemble, assemble_from, Source};
