//! The HTTP server: `/metrics` (or the configured path), `/`, `/-/healthy`
//! and `/-/ready`. It never calls a provider: a scrape only nudges the
//! refresher and renders what is in memory.
//!
//! Connections are served by hyper directly rather than `axum::serve`, for
//! the limits a monitoring target needs against slow or odd clients: a cap
//! on open connections, a deadline for request headers (slowloris) that
//! also closes idle keep-alive connections, a header size limit (431), a
//! deadline for clients that stop reading the response and one for the
//! whole response (a client reading a byte a minute would otherwise keep
//! an old rendering of hundreds of MiB alive), and TLS from the web config
//! ([`crate::web`]).
//!
//! `/-/reload` is Prometheus's lifecycle API: off unless enabled, and then
//! refused to a browser's cross-origin request, which needs no preflight
//! when it is a "simple" `text/plain` POST.
//!
//! Here: the options and limits, and the accept loop ([`serve_with`]). The
//! routes are `routes` (the router, health, readiness, the telemetry path
//! check), `scrape` (`/metrics`: format negotiation, gzip), `lifecycle`
//! (`/-/reload`) and `landing` (`/`); the connection layer is `connection`
//! (the TLS handshake, one connection served by hyper) and `write_timeout`
//! (the write deadlines for clients that stop or slow down reading).

mod connection;
mod landing;
mod lifecycle;
mod routes;
mod scrape;
mod write_timeout;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::TokioTimer;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::app::AppState;
use crate::web::Web;
use connection::Connection;
use routes::router;

pub use routes::{check_telemetry_path, TelemetryPathError};
pub use scrape::negotiate_format;

/// What one client may hold of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; further ones wait to be accepted.
    pub max_connections: usize,
    /// For the TLS handshake and for each request's headers, counted from
    /// when the server starts waiting for them: so it is also how long an
    /// idle keep-alive connection stays open.
    pub read_header_timeout: Duration,
    /// For writing one response, from its first byte to its last.
    pub response_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 512,
            read_header_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(5 * 60),
        }
    }
}

/// How the server runs, as Prometheus's `web.Options`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub limits: Limits,
    /// `--web.enable-lifecycle`: serve `POST /-/reload` (SIGHUP reloads
    /// either way).
    pub enable_lifecycle: bool,
}

/// Request line and headers larger than this get 431.
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// A client that takes no response bytes for this long is disconnected.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Serves until `shutdown` resolves, then stops accepting and lets
/// in-flight requests finish. TLS and basic auth as `web` says, which is
/// re-read while serving.
pub async fn serve_with(
    listener: TcpListener,
    state: Arc<AppState>,
    web: Arc<Web>,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    check_telemetry_path(&state.telemetry_path)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let limits = options.limits;
    let service = TowerToHyperService::new(router(state, web.clone(), options.enable_lifecycle));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.read_header_timeout)
        .max_header_size(MAX_HEADER_BYTES);
    let watch = tokio::spawn(web.clone().watch());
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_error(err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = Connection {
            http: http.clone(),
            service: service.clone(),
            watcher: graceful.watcher(),
            limits,
        };
        let tls = web.tls_acceptor();
        tokio::spawn(async move {
            let _slot = slot;
            connection.run(tcp, peer, tls).await;
        });
    }
    drop(listener);
    watch.abort();
    graceful.shutdown().await;
    Ok(())
}

/// Errors of the listener, not of one connection, may repeat at once (no
/// file descriptors left): pause before the next accept.
async fn accept_error(err: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
