//! video-usage-exporter: provider usage APIs in, Prometheus gauges out.
//!
//! Data flows one way: a provider's [`providers::Endpoint`] fetches a
//! [`exposition::Snapshot`]; the [`refresh::Refresher`] decides when, caches
//! and keeps the last good one; [`metrics::Exposition`] renders them; the
//! [`server`] serves the result, from the state [`app`] assembles.
//!
//! Modules form layers and import only from the layers below them (the
//! README's "Code layout"; `tests/layers.rs` checks it): leaves (`clock`,
//! `values`), then `cardinality` and `period`, `exposition`, `billing`, the
//! providers, `config`, `refresh`, `metrics`, `app`, and `server` on top.

pub mod app;
pub mod backfill;
pub mod billing;
pub mod cardinality;
pub mod clock;
pub mod config;
pub mod deflate;
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
