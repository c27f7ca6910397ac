//! `/`: the operator's page, like Prometheus's targets page: every
//! endpoint's state, data age, last error, series and next refresh, the
//! configured accounts and the shipped dashboards.
//!
//! Endpoint and account names and upstream error texts come from outside:
//! everything printed goes through `html_escape`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::response::Html;

use crate::app::AppState;

/// The shipped Grafana dashboards, for the landing page.
const DASHBOARDS: [&str; 4] = [
    "video-usage-overview.json: both providers, spend, quota use, projection",
    "video-usage-scaleengine.json: ScaleEngine per app and stream",
    "video-usage-wowza.json: Wowza transcoders, network, storage, viewers",
    "video-usage-exporter.json: exporter health",
];

/// An operator's view, like Prometheus's targets page: every endpoint's
/// state, data age, last error (secrets removed), series and next refresh,
/// and the configured accounts (never a secret).
pub(super) async fn landing(State(state): State<Arc<AppState>>) -> Html<String> {
    let now = state.refresher.clock().now();
    let ago = |at: SystemTime| match now.duration_since(at) {
        Ok(age) => format!(
            "{} ago",
            humantime::format_duration(Duration::from_secs(age.as_secs()))
        ),
        Err(_) => "just now".into(),
    };
    let within = |at: SystemTime| match at.duration_since(now) {
        Ok(wait) if wait.as_secs() > 0 => {
            format!(
                "in {}",
                humantime::format_duration(Duration::from_secs(wait.as_secs()))
            )
        }
        _ => "at the next scrape".into(),
    };
    let mut rows = String::new();
    let mut accounts: Vec<(&'static str, String)> = Vec::new();
    let targets = state.refresher.targets();
    for t in targets.iter() {
        let e = &t.endpoint;
        let schedule = e.schedule();
        let status = t.status();
        let served = t.served();
        let health = match (status.attempted, status.up) {
            (false, _) => "pending",
            (true, true) => "up",
            (true, false) => "down",
        };
        let next = match (status.retry_at(), &served) {
            (Some(retry), _) => within(retry),
            (None, Some(s)) => within(s.fetched_at + schedule.refresh_interval),
            (None, None) => "now".into(),
        };
        rows.push_str(&format!(
            "<tr class=\"{health}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{health}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            html_escape(e.provider()),
            html_escape(e.account()),
            html_escape(e.name()),
            html_escape(&schedule.period.label()),
            status.last_success.map_or("never".into(), ago),
            served.as_ref().map_or("-".into(), |s| s.snapshot.series().to_string()),
            html_escape(&next),
            html_escape(status.last_error.as_deref().unwrap_or("")),
        ));
        let account = (e.provider(), e.account().to_string());
        if !accounts.contains(&account) {
            accounts.push(account);
        }
    }
    let accounts: String = accounts
        .iter()
        .map(|(provider, account)| {
            format!(
                "<li>{} <code>{}</code></li>",
                html_escape(provider),
                html_escape(account)
            )
        })
        .collect();
    let dashboards: String = DASHBOARDS
        .iter()
        .map(|d| format!("<li>{}</li>", html_escape(d)))
        .collect();
    Html(format!(
        "<!DOCTYPE html>\n<html><head><title>video-usage-exporter</title>\n\
         <style>body{{font-family:sans-serif}} td,th{{padding:2px 8px;text-align:left}} tr.down{{background:#fdd}} tr.pending{{background:#ffd}}</style></head><body>\n\
         <h1>video-usage-exporter {version}</h1>\n\
         <p><a href=\"{path}\">Metrics</a> · <a href=\"/-/healthy\">Health</a> · <a href=\"/-/ready\">Readiness</a></p>\n\
         <h2>Endpoints</h2>\n\
         <table><tr><th>provider</th><th>account</th><th>endpoint</th><th>period</th><th>state</th><th>last success</th><th>series</th><th>next refresh</th><th>last error</th></tr>\n{rows}</table>\n\
         <h2>Accounts</h2>\n<ul>{accounts}</ul>\n\
         <h2>Grafana dashboards</h2>\n<p>Shipped in <code>dashboards/</code>: import them in Grafana.</p>\n<ul>{dashboards}</ul>\n\
         </body></html>\n",
        version = env!("CARGO_PKG_VERSION"),
        path = html_escape(&state.telemetry_path),
    ))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
