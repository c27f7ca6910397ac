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

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{
    ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, HOST, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use futures_util::FutureExt as _;
use http_body::{Frame, SizeHint};
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;

use crate::app::AppState;
use crate::metrics::Format;
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
fn router(state: Arc<AppState>, web: Arc<Web>, enable_lifecycle: bool) -> Router {
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

type Service = TowerToHyperService<Router>;

/// One accepted connection and what serving it needs.
struct Connection {
    http: http1::Builder,
    service: Service,
    watcher: Watcher,
    limits: Limits,
}

/// What a client whose certificate rustls refused needs to hear.
const CLIENT_CERT_HINT: &str = "a client certificate must be an end-entity certificate \
    (basicConstraints CA:FALSE, extendedKeyUsage clientAuth) issued by a CA in client_ca_file";

impl Connection {
    async fn run(self, tcp: TcpStream, peer: SocketAddr, tls: Option<tokio_rustls::TlsAcceptor>) {
        let Some(tls) = tls else {
            return self.serve(tcp).await;
        };
        match tokio::time::timeout(self.limits.read_header_timeout, tls.accept(tcp)).await {
            Ok(Ok(stream)) => self.serve(stream).await,
            // Scanners and plain-HTTP clients end here too: debug, not more.
            Ok(Err(err)) => {
                let refused = err
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<rustls::Error>());
                let hint = matches!(refused, Some(rustls::Error::InvalidCertificate(_)))
                    .then_some(CLIENT_CERT_HINT);
                tracing::debug!(%peer, error = %err, hint, "TLS handshake failed");
            }
            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
        }
    }

    async fn serve<I: AsyncRead + AsyncWrite + Unpin + Send + 'static>(self, io: I) {
        let bodies = OpenBodies::default();
        let io = WriteTimeout::new(
            io,
            WRITE_TIMEOUT,
            self.limits.response_timeout,
            bodies.clone(),
        );
        let io = TokioIo::new(io);
        let service = self.service;
        let service = hyper::service::service_fn(move |request| {
            let open = bodies.open();
            let response = service.call(request);
            async move {
                let response = response.await?;
                Ok::<_, Infallible>(response.map(|body| Body::new(Counted { body, _open: open })))
            }
        });
        let connection = self.http.serve_connection(io, service);
        if let Err(err) = self.watcher.watch(connection).await {
            tracing::debug!(error = %err, "connection closed with an error");
        }
    }
}

/// How many response bodies of one connection are still being produced:
/// once none is and the writes are flushed, a response was written whole.
#[derive(Clone, Default)]
struct OpenBodies(Arc<AtomicUsize>);

impl OpenBodies {
    fn open(&self) -> OpenBody {
        self.0.fetch_add(1, Ordering::AcqRel);
        OpenBody(self.0.clone())
    }

    fn none_open(&self) -> bool {
        self.0.load(Ordering::Acquire) == 0
    }
}

/// One of [`OpenBodies`], until dropped.
struct OpenBody(Arc<AtomicUsize>);

impl Drop for OpenBody {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body, counted among its connection's [`OpenBodies`].
struct Counted {
    body: Body,
    _open: OpenBody,
}

impl http_body::Body for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A connection whose writes fail once the peer has taken no bytes for
/// [`WRITE_TIMEOUT`], so that a client that stops reading frees its slot;
/// or once one response has taken longer than the response timeout, so
/// that a client that reads ever so slowly frees it (and the body) too.
struct WriteTimeout<T> {
    io: T,
    stall_limit: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
    response_limit: Duration,
    /// Started by a response's first write, ended once it is flushed whole.
    response: Option<Pin<Box<Sleep>>>,
    bodies: OpenBodies,
}

impl<T: AsyncWrite + Unpin> WriteTimeout<T> {
    fn new(io: T, stall_limit: Duration, response_limit: Duration, bodies: OpenBodies) -> Self {
        WriteTimeout {
            io,
            stall_limit,
            stalled: None,
            response_limit,
            response: None,
            bodies,
        }
    }

    /// `op` on the inner writer, unless the response in progress is past
    /// its deadline; a write (`start`) starts one when none is in progress.
    fn write<R>(
        &mut self,
        cx: &mut Context<'_>,
        start: bool,
        op: impl FnOnce(Pin<&mut T>, &mut Context<'_>) -> Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        if start && self.response.is_none() {
            self.response = Some(Box::pin(tokio::time::sleep(self.response_limit)));
        }
        if let Some(deadline) = &mut self.response {
            if deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the response took longer than the response timeout",
                )));
            }
        }
        self.progress(cx, op)
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
                let limit = self.stall_limit;
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
        self.write(cx, true, |io, cx| io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.write(cx, true, |io, cx| io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    /// hyper flushes its own buffer first, and flushes us only once that
    /// is empty: a flush with no body open ends the response.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = self.write(cx, false, |io, cx| io.poll_flush(cx));
        if matches!(flushed, Poll::Ready(Ok(()))) && self.bodies.none_open() {
            self.response = None;
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.write(cx, false, |io, cx| io.poll_shutdown(cx))
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

/// `/-/reload` without `--web.enable-lifecycle`: Prometheus's answer.
async fn lifecycle_disabled() -> Response {
    (StatusCode::FORBIDDEN, "Lifecycle API is not enabled.\n").into_response()
}

/// `POST /-/reload`, as Prometheus has it: 200 when the file was applied,
/// 500 when it was not (the running config stays). The reason goes to the
/// log only: it names files, and may quote what a `${VAR}` expanded to.
async fn reload(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
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

    /// One connection served with `limits`: `/` answers `body`, `/small`
    /// a few bytes. Returns the client's end.
    async fn connection(limits: Limits, body: Vec<Bytes>) -> (TcpStream, GracefulShutdown) {
        let router = Router::new()
            .route(
                "/",
                get(move || {
                    let body = body.clone();
                    async move { Body::new(Chunks::new(body)) }
                }),
            )
            .route("/small", get(|| async { "small\n" }));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (tcp, _) = listener.accept().await.unwrap();
        let graceful = GracefulShutdown::new();
        let connection = Connection {
            http: http1::Builder::new(),
            service: TowerToHyperService::new(router),
            watcher: graceful.watcher(),
            limits,
        };
        tokio::spawn(connection.serve(tcp));
        (client, graceful)
    }

    /// A client that keeps reading, but slowly, is cut off at the response
    /// deadline, so it cannot keep a large rendering alive; quick responses
    /// on a connection that lives longer than the deadline are not.
    #[tokio::test]
    async fn a_slow_reader_is_cut_off_at_the_response_deadline() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let limits = Limits {
            response_timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        // 1 GiB of body from one shared MiB.
        let chunk = Bytes::from(vec![b'x'; 1 << 20]);
        let (mut client, _graceful) = connection(limits, vec![chunk; 1024]).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut buf = vec![0u8; 1 << 16];

        for _ in 0..2 {
            client
                .write_all(b"GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            let mut answer = Vec::new();
            while !answer.ends_with(b"small\n") {
                let n = tokio::time::timeout_at(deadline, client.read(&mut buf))
                    .await
                    .expect("an answer")
                    .unwrap();
                assert!(n > 0, "closed: {}", String::from_utf8_lossy(&answer));
                answer.extend_from_slice(&buf[..n]);
            }
            // Idle past the deadline: it ran for that response only.
            tokio::time::sleep(limits.response_timeout * 2).await;
        }

        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut received = 0usize;
        let mut paced = tokio::time::interval(Duration::from_millis(10));
        loop {
            paced.tick().await;
            let read = tokio::time::timeout_at(deadline, client.read(&mut buf)).await;
            assert!(
                tokio::time::Instant::now() < deadline,
                "the connection is still open"
            );
            match read.unwrap() {
                Ok(0) | Err(_) => break,
                Ok(n) => received += n,
            }
        }
        assert!(received < 1 << 30, "the whole body was sent");
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

    /// A peer that reads nothing: writes fail after the limit instead of
    /// waiting forever.
    #[tokio::test]
    async fn writes_to_a_client_that_reads_nothing_time_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _peer = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (tcp, _) = listener.accept().await.unwrap();
        let mut io = WriteTimeout::new(
            tcp,
            Duration::from_millis(100),
            Duration::from_secs(3600),
            OpenBodies::default(),
        );
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
