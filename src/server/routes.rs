//! The router: which path goes to which handler, behind the web config's
//! guard (basic auth, headers) and a catcher for panicking handlers; and
//! the check that a `--web.telemetry-path` can be served.
//!
//! The telemetry path becomes a route, so it must pass
//! [`check_telemetry_path`] first: axum would read `/{x}` or `/*` as a
//! pattern, and panics on a path that clashes with one of the server's own.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use futures_util::FutureExt as _;

use super::landing::landing;
use super::lifecycle::{lifecycle_disabled, reload};
use super::scrape::metrics;
use crate::app::AppState;
use crate::web::{self, Web};

/// The paths the server serves itself; the telemetry path must be another.
const OWN_PATHS: [&str; 4] = ["/", "/-/healthy", "/-/ready", "/-/reload"];

/// Why a `--web.telemetry-path` cannot be served.
#[derive(Debug, thiserror::Error)]
#[error("--web.telemetry-path `{path}`: {reason}")]
pub struct TelemetryPathError {
    path: String,
    reason: &'static str,
}

/// Accepts `/metrics`-like paths: a `/` and then letters, digits and
/// `-._~/` (nothing the router would read as a pattern), not one of
/// `OWN_PATHS`.
pub fn check_telemetry_path(path: &str) -> Result<(), TelemetryPathError> {
    let reason = if !path.starts_with('/') {
        Some("must start with /")
    } else if OWN_PATHS.contains(&path) {
        Some("is taken by the server itself (/, /-/healthy, /-/ready)")
    } else if !path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~/".contains(&b))
    {
        Some("may only contain letters, digits and -._~/")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(TelemetryPathError {
            path: path.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// The routes, behind the web config's basic auth and headers. The
/// telemetry path must have passed [`check_telemetry_path`].
pub(super) fn router(state: Arc<AppState>, web: Arc<Web>, enable_lifecycle: bool) -> Router {
    let reload = if enable_lifecycle {
        post(reload).put(reload)
    } else {
        post(lifecycle_disabled).put(lifecycle_disabled)
    };
    Router::new()
        .route(&state.telemetry_path, get(metrics))
        .route("/", get(landing))
        .route("/-/healthy", get(|| async { "Healthy\n" }))
        .route("/-/ready", get(ready))
        .route("/-/reload", reload)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(web, web::guard))
        .layer(axum::middleware::from_fn(contain_panics))
}

/// A handler that panics (a bug: no request should cause one) answers 500
/// and is logged; the connection, the other requests and the server go on.
async fn contain_panics(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!("a request handler panicked (a bug; please report it)");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
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

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;

    #[test]
    fn telemetry_paths_that_clash_or_are_not_paths_are_refused() {
        assert!(check_telemetry_path("/metrics").is_ok());
        assert!(check_telemetry_path("/exporter/metrics").is_ok());
        for bad in [
            "/",
            "/-/healthy",
            "/-/ready",
            "metrics",
            "",
            "/{x}",
            "/*",
            "/a:b",
        ] {
            let err = check_telemetry_path(bad).unwrap_err().to_string();
            assert!(err.starts_with("--web.telemetry-path"), "{err}");
        }
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_the_server_goes_on() {
        let app = Router::new()
            .route("/bug", get(|| async { panic!("a bug") as &str }))
            .route("/fine", get(|| async { "fine" }))
            .layer(axum::middleware::from_fn(contain_panics));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = reqwest::Client::new();
        for _ in 0..2 {
            let bug = client
                .get(format!("http://{addr}/bug"))
                .send()
                .await
                .unwrap();
            assert_eq!(bug.status(), 500);
            let fine = client
                .get(format!("http://{addr}/fine"))
                .send()
                .await
                .unwrap();
            assert_eq!(fine.text().await.unwrap(), "fine");
        }
    }
}
