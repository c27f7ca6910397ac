//! The HTTP server: `/metrics` (or the configured path), `/`, `/-/healthy`
//! and `/-/ready`. It never calls a provider: a scrape only nudges the
//! refresher and renders what is in memory.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write as _;
use tokio::net::TcpListener;

use crate::metrics::{Exposition, Format};
use crate::refresh::Refresher;

pub struct AppState {
    pub refresher: Arc<Refresher>,
    pub exposition: Exposition,
    pub telemetry_path: String,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(&state.telemetry_path, get(metrics))
        .route("/", get(landing))
        .route("/-/healthy", get(|| async { "Healthy\n" }))
        .route("/-/ready", get(ready))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// How long a scrape may wait for the very first fetches after start-up.
const FIRST_SCRAPE_WAIT: Duration = Duration::from_secs(5);

async fn metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    state.refresher.wait_ready(FIRST_SCRAPE_WAIT).await;
    state.refresher.on_scrape().await;
    let format = Format::negotiate(headers.get(ACCEPT).and_then(|v| v.to_str().ok()));
    let gzip = accepts_gzip(headers.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok()));
    let rendered = tokio::task::spawn_blocking(move || {
        let body = state.exposition.render(format);
        if gzip {
            let mut encoder =
                GzEncoder::new(Vec::with_capacity(body.len() / 8), Compression::fast());
            encoder.write_all(body.as_bytes())?;
            encoder.finish()
        } else {
            Ok(body.into_bytes())
        }
    })
    .await;
    match rendered {
        Ok(Ok(body)) => {
            let mut response = (
                [
                    (CONTENT_TYPE, format.content_type()),
                    (VARY, "Accept, Accept-Encoding"),
                ],
                body,
            )
                .into_response();
            if gzip {
                response
                    .headers_mut()
                    .insert(CONTENT_ENCODING, "gzip".parse().expect("static header"));
            }
            response
        }
        Ok(Err(err)) => {
            tracing::error!(error = %err, "cannot compress the exposition");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot compress the exposition\n",
            )
                .into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "rendering the exposition failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "rendering the exposition failed\n",
            )
                .into_response()
        }
    }
}

/// Whether `Accept-Encoding` allows gzip (listed, and not with `q=0`).
fn accepts_gzip(header: Option<&str>) -> bool {
    header.is_some_and(|h| {
        h.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
    })
}

async fn ready(State(state): State<Arc<AppState>>) -> Response {
    if state.refresher.ready() {
        (StatusCode::OK, "Ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "Not ready: waiting for the first fetch of every provider endpoint\n",
        )
            .into_response()
    }
}

async fn landing(State(state): State<Arc<AppState>>) -> Html<String> {
    let mut rows = String::new();
    for t in state.refresher.targets() {
        let e = &t.endpoint;
        let status = t.status();
        let health = match (status.attempted, status.up) {
            (false, _) => "pending",
            (true, true) => "up",
            (true, false) => "down",
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            html_escape(e.provider()),
            html_escape(e.account()),
            html_escape(e.name()),
            health
        ));
    }
    Html(format!(
        "<!DOCTYPE html>\n<html><head><title>video-usage-exporter</title></head><body>\n\
         <h1>video-usage-exporter {version}</h1>\n\
         <p><a href=\"{path}\">Metrics</a> · <a href=\"/-/healthy\">Health</a> · <a href=\"/-/ready\">Readiness</a></p>\n\
         <table border=\"1\"><tr><th>provider</th><th>account</th><th>endpoint</th><th>state</th></tr>\n{rows}</table>\n\
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_used_only_when_accepted() {
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(None));
    }
}
