//! The HTTP server: `/metrics` (or the configured path), `/`, `/-/healthy`
//! and `/-/ready`. It never calls a provider: a scrape only nudges the
//! refresher and renders what is in memory.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
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
    state.refresher.on_scrape();
    let format = Format::negotiate(headers.get(ACCEPT).and_then(|v| v.to_str().ok()));
    let gzip = accepts_gzip(headers.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok()));
    // Rendering may compress megabytes after a refresh: off the async threads.
    let rendered = tokio::task::spawn_blocking(move || state.exposition.render(format, gzip)).await;
    let chunks = match rendered {
        Ok(chunks) => chunks,
        Err(err) => {
            tracing::error!(error = %err, "rendering the exposition failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "rendering the exposition failed\n",
            )
                .into_response();
        }
    };
    let mut response = Response::new(Body::new(Chunks::new(chunks)));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(VARY, HeaderValue::from_static("Accept, Accept-Encoding"));
    if gzip {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// A response body sent as the given chunks, in order, without copying.
struct Chunks {
    chunks: VecDeque<Bytes>,
    remaining: u64,
}

impl Chunks {
    fn new(chunks: Vec<Bytes>) -> Self {
        let remaining = chunks.iter().map(|c| c.len() as u64).sum();
        Chunks {
            chunks: chunks.into_iter().filter(|c| !c.is_empty()).collect(),
            remaining,
        }
    }
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = self.chunks.pop_front();
        if let Some(chunk) = &next {
            self.remaining -= chunk.len() as u64;
        }
        Poll::Ready(next.map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
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
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            html_escape(e.provider()),
            html_escape(e.account()),
            html_escape(e.name()),
            html_escape(&e.schedule().period.label()),
            health
        ));
    }
    Html(format!(
        "<!DOCTYPE html>\n<html><head><title>video-usage-exporter</title></head><body>\n\
         <h1>video-usage-exporter {version}</h1>\n\
         <p><a href=\"{path}\">Metrics</a> · <a href=\"/-/healthy\">Health</a> · <a href=\"/-/ready\">Readiness</a></p>\n\
         <table border=\"1\"><tr><th>provider</th><th>account</th><th>endpoint</th><th>period</th><th>state</th></tr>\n{rows}</table>\n\
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
