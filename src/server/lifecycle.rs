//! `/-/reload`, Prometheus's lifecycle API: 403 unless
//! `--web.enable-lifecycle`, else the config file applied again (off the
//! async threads), with the reason for a failure in the log only.
//!
//! A browser sends a cross-origin `text/plain` POST without a CORS
//! preflight, so any page an operator opens could reload the exporter:
//! such requests are refused, while clients that are no browser (curl,
//! configmap-reload) pass.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

/// `/-/reload` without `--web.enable-lifecycle`: Prometheus's answer.
pub(super) async fn lifecycle_disabled() -> Response {
    (StatusCode::FORBIDDEN, "Lifecycle API is not enabled.\n").into_response()
}

/// `POST /-/reload`, as Prometheus has it: 200 when the file was applied,
/// 500 when it was not (the running config stays). The reason goes to the
/// log only: it names files, and may quote what a `${VAR}` expanded to.
pub(super) async fn reload(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if cross_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-origin request refused\n").into_response();
    }
    let outcome = tokio::task::spawn_blocking(move || state.reload()).await;
    match outcome {
        Ok(Ok(done)) => (
            StatusCode::OK,
            format!(
                "Reloaded: {} endpoints kept, {} refetched, {} started, {} removed\n",
                done.kept, done.refetched, done.started, done.removed
            ),
        )
            .into_response(),
        Ok(Err(_logged)) => reload_failed(),
        Err(err) => {
            tracing::error!(error = %err, "config reload failed");
            reload_failed()
        }
    }
}

fn reload_failed() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "reload failed; the running configuration stays (see the exporter's log)\n",
    )
        .into_response()
}

/// Whether a browser sent this from another origin, as Go's
/// `http.CrossOriginProtection` decides: `Sec-Fetch-Site` other than
/// `same-origin` or `none` (typed by the user), or without it, an `Origin`
/// that is not the `Host`. Clients that send neither are not browsers
/// (curl, configmap-reload).
fn cross_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site != "same-origin" && site != "none";
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return false;
    };
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, host)| host);
    let host = headers.get(HOST).and_then(|host| host.to_str().ok());
    match (origin_host, host) {
        (Some(origin), Some(host)) => !origin.eq_ignore_ascii_case(host),
        _ => true,
    }
}
