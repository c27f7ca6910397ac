//! The HTTP server: `/metrics` (or the configured path), `/`, `/-/healthy`
//! and `/-/ready`. It never calls a provider: a scrape only nudges the
//! refresher and renders what is in memory.
//!
//! Connections are served by hyper directly rather than `axum::serve`, for
//! the limits a monitoring target needs against slow or odd clients: a cap
//! on open connections, a deadline for request headers (slowloris) that
//! also closes idle keep-alive connections, a header size limit (431), a
//! deadline for clients that stop reading the response, and TLS from the
//! web config ([`crate::web`]).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;

use crate::metrics::{Exposition, Format};
use crate::refresh::{Reconfigured, Refresher};
use crate::reload::Reloader;
use crate::web::{self, Web};

pub struct AppState {
    pub refresher: Arc<Refresher>,
    pub exposition: Exposition,
    pub telemetry_path: String,
    /// Set when the configuration came from a file that can be re-read.
    pub reloader: Option<Reloader>,
}

impl AppState {
    /// Re-reads the configuration file (SIGHUP, `POST /-/reload`).
    pub fn reload(&self) -> Result<Reconfigured, String> {
        match &self.reloader {
            Some(reloader) => reloader.reload(self),
            None => {
                Err("nothing to reload: the configuration did not come from a file (--demo)".into())
            }
        }
    }
}

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
/// [`OWN_PATHS`].
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
fn router(state: Arc<AppState>, web: Arc<Web>) -> Router {
    Router::new()
        .route(&state.telemetry_path, get(metrics))
        .route("/", get(landing))
        .route("/-/healthy", get(|| async { "Healthy\n" }))
        .route("/-/ready", get(ready))
        .route("/-/reload", post(reload).put(reload))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(web, web::guard))
}

/// What one client may hold of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; further ones wait to be accepted.
    pub max_connections: usize,
    /// For the TLS handshake and for each request's headers, counted from
    /// when the server starts waiting for them: so it is also how long an
    /// idle keep-alive connection stays open.
    pub read_header_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 512,
            read_header_timeout: Duration::from_secs(10),
        }
    }
}

/// Request line and headers larger than this get 431.
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// A client that takes no response bytes for this long is disconnected.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Plain HTTP with the default [`Limits`], until `shutdown` resolves; then
/// in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    serve_with(
        listener,
        state,
        Arc::new(Web::plain()),
        Limits::default(),
        shutdown,
    )
    .await
}

/// Serves until `shutdown` resolves, then stops accepting and lets
/// in-flight requests finish. TLS and basic auth as `web` says, which is
/// re-read while serving.
pub async fn serve_with(
    listener: TcpListener,
    state: Arc<AppState>,
    web: Arc<Web>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    check_telemetry_path(&state.telemetry_path)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let service = TowerToHyperService::new(router(state, web.clone()));
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
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
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
            handshake_timeout: limits.read_header_timeout,
        };
        let tls = web.tls_acceptor();
        tokio::spawn(async move {
            let _slot = slot;
            connection.run(tcp, tls).await;
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

type Service = TowerToHyperService<Router>;

/// One accepted connection and what serving it needs.
struct Connection {
    http: http1::Builder,
    service: Service,
    watcher: Watcher,
    handshake_timeout: Duration,
}

impl Connection {
    async fn run(self, tcp: TcpStream, tls: Option<tokio_rustls::TlsAcceptor>) {
        let Some(tls) = tls else {
            return self.serve(tcp).await;
        };
        match tokio::time::timeout(self.handshake_timeout, tls.accept(tcp)).await {
            Ok(Ok(stream)) => self.serve(stream).await,
            // Scanners and plain-HTTP clients end here: not worth more.
            Ok(Err(err)) => tracing::debug!(error = %err, "TLS handshake failed"),
            Err(_) => tracing::debug!("TLS handshake timed out"),
        }
    }

    async fn serve<I: AsyncRead + AsyncWrite + Unpin + Send + 'static>(self, io: I) {
        let io = TokioIo::new(WriteTimeout::new(io, WRITE_TIMEOUT));
        let connection = self.http.serve_connection(io, self.service);
        if let Err(err) = self.watcher.watch(connection).await {
            tracing::debug!(error = %err, "connection closed with an error");
        }
    }
}

/// A connection whose writes fail once the peer has taken no bytes for
/// `limit`, so that a client that stops reading frees its slot.
struct WriteTimeout<T> {
    io: T,
    limit: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<T: AsyncWrite + Unpin> WriteTimeout<T> {
    fn new(io: T, limit: Duration) -> Self {
        WriteTimeout {
            io,
            limit,
            stalled: None,
        }
    }

    /// `op` on the inner writer; while it is pending, the stall clock runs.
    fn progress<R>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(Pin<&mut T>, &mut Context<'_>) -> Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match op(Pin::new(&mut self.io), cx) {
            Poll::Ready(result) => {
                self.stalled = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let limit = self.limit;
                let stalled = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match stalled.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client took no response bytes",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteTimeout<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.progress(cx, |io, cx| io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.progress(cx, |io, cx| io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.progress(cx, |io, cx| io.poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.progress(cx, |io, cx| io.poll_shutdown(cx))
    }
}

/// How long a scrape may wait for the very first fetches after start-up.
const FIRST_SCRAPE_WAIT: Duration = Duration::from_secs(5);

async fn metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    state.refresher.wait_ready(FIRST_SCRAPE_WAIT).await;
    state.refresher.on_scrape();
    let format = negotiate_format(headers.get(ACCEPT).and_then(|v| v.to_str().ok()));
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

/// The items of an `Accept`-style header (media ranges or codings) with
/// their weights; an item with a malformed `q` counts as refused.
fn weighted(header: &str) -> impl Iterator<Item = (&str, f32)> {
    header.split(',').filter_map(|item| {
        let mut parts = item.split(';').map(str::trim);
        let value = parts.next().filter(|v| !v.is_empty())?;
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, q)| q.trim().parse::<f32>().ok())
            .filter(|q| (0.0..=1.0).contains(q))
            .unwrap_or(0.0);
        Some((value, q))
    })
}

/// The format the scraper prefers, as client_golang picks it: the listed
/// types by falling weight, the first of OpenMetrics or `text/plain` wins;
/// types refused with `q=0` do not count; the text format by default.
pub fn negotiate_format(accept: Option<&str>) -> Format {
    let mut ranges: Vec<(&str, f32)> = accept
        .map(|a| weighted(a).filter(|(_, q)| *q > 0.0).collect())
        .unwrap_or_default();
    ranges.sort_by(|a, b| b.1.total_cmp(&a.1)); // stable: ties keep their order
    for (range, _) in ranges {
        if range.eq_ignore_ascii_case("application/openmetrics-text") {
            return Format::OpenMetrics;
        }
        if range.eq_ignore_ascii_case("text/plain") {
            return Format::Text;
        }
    }
    Format::Text
}

/// Whether `Accept-Encoding` allows gzip: listed (or `*` when gzip itself
/// is not) with a weight above zero.
fn accepts_gzip(header: Option<&str>) -> bool {
    let (mut gzip, mut any) = (None, None);
    for (coding, q) in header.into_iter().flat_map(weighted) {
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(q);
        } else if coding == "*" {
            any = Some(q);
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

/// `POST /-/reload`, as Prometheus has it: 200 when the file was applied,
/// 500 with the reason when it was not (the running config stays).
async fn reload(State(state): State<Arc<AppState>>) -> Response {
    let outcome = tokio::task::spawn_blocking(move || state.reload()).await;
    match outcome {
        Ok(Ok(done)) => (
            StatusCode::OK,
            format!(
                "Reloaded: {} endpoints kept, {} started, {} removed\n",
                done.kept, done.started, done.removed
            ),
        )
            .into_response(),
        Ok(Err(err)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{err}\n")).into_response(),
        Err(err) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("reload failed: {err}\n"),
        )
            .into_response(),
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
async fn landing(State(state): State<Arc<AppState>>) -> Html<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_used_only_when_accepted() {
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(accepts_gzip(Some("x-gzip")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("gzip;q=0.000")));
        assert!(!accepts_gzip(Some("gzip; Q=0")));
        assert!(!accepts_gzip(Some("gzip;q=0, *")));
        assert!(!accepts_gzip(Some("*;q=0")));
        assert!(!accepts_gzip(Some("gzip;q=nonsense")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(None));
    }

    #[test]
    fn format_negotiation_follows_weights_and_honours_q0() {
        let om = Format::OpenMetrics;
        let text = Format::Text;
        for (accept, want) in [
            // What Prometheus sends.
            ("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2", om),
            ("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", om),
            ("application/openmetrics-text", om),
            ("application/openmetrics-text;q=0, text/plain", text),
            ("application/openmetrics-text; q=0.0", text),
            ("text/plain;q=0.9, application/openmetrics-text;q=0.5", text),
            ("text/plain;q=0.5, application/openmetrics-text", om),
            ("text/plain, application/openmetrics-text", text),
            ("*/*", text),
            ("text/plain", text),
            ("", text),
        ] {
            assert_eq!(negotiate_format(Some(accept)), want, "{accept}");
        }
        assert_eq!(negotiate_format(None), text);
    }

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

    /// A peer that reads nothing: writes fail after the limit instead of
    /// waiting forever.
    #[tokio::test]
    async fn writes_to_a_client_that_reads_nothing_time_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _peer = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (tcp, _) = listener.accept().await.unwrap();
        let mut io = WriteTimeout::new(tcp, Duration::from_millis(100));
        let chunk = vec![0u8; 1 << 16];
        let mut written = 0usize;
        let err = loop {
            // Far more than any socket buffer holds.
            assert!(
                written < 1 << 30,
                "1 GiB written to a peer that reads nothing"
            );
            match std::future::poll_fn(|cx| Pin::new(&mut io).poll_write(cx, &chunk)).await {
                Ok(n) => written += n,
                Err(err) => break err,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
