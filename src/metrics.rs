//! The exposition: provider snapshots plus the exporter's own metrics.
//!
//! Provider data arrives pre-rendered in snapshots; what is left at scrape
//! time is grouping each family's samples from every snapshot under one
//! HELP/TYPE header. That body is kept and reused until a snapshot changes,
//! so a scrape of a large account copies bytes and does no formatting. For
//! gzip each piece keeps its own compressed segment ([`crate::deflate`]):
//! a change compresses the changed snapshot's pieces again, not the body.
//! Self-metrics are ordinary prometheus-client metrics plus one collector
//! that reads the refresh state. prometheus-client writes OpenMetrics; for a
//! scraper that did not ask for it we rewrite that small part into the
//! classic text format (counters are named `_total` there, and there is no
//! `# EOF`), since provider gauges are identical in both.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use bytes::Bytes;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::exposition::Snapshot;
use crate::exposition::{GaugeFamily, Samples};
use crate::providers::http::{CallLabels, Observer};
use crate::providers::Endpoint;
use crate::refresh::{self, CacheObserver, Refresher, Served};

/// The exposition format a scraper negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/openmetrics-text; version=1.0.0`
    OpenMetrics,
    /// `text/plain; version=0.0.4`
    Text,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct EndpointLabels {
    provider: String,
    account: String,
    endpoint: String,
}

impl From<&CallLabels> for EndpointLabels {
    fn from(c: &CallLabels) -> Self {
        EndpointLabels {
            provider: c.provider.to_string(),
            account: c.account.clone(),
            endpoint: c.endpoint.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    provider: String,
    account: String,
    endpoint: String,
    code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CacheLabels {
    result: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
    revision: &'static str,
    rustc: &'static str,
}

/// Upstream request counts and durations; the providers' [`Observer`].
#[derive(Clone)]
pub struct UpstreamMetrics {
    requests: Family<RequestLabels, Counter>,
    duration: Family<EndpointLabels, Histogram, Buckets>,
}

/// Builds histograms with the same bucket bounds.
#[derive(Clone)]
struct Buckets(Arc<[f64]>);

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(self.0.iter().copied())
    }
}

/// Upper bounds from 50 ms, doubling, up to the first at or above
/// `timeout`: a request that timed out still lands in a finite bucket.
fn duration_buckets(timeout: Duration) -> Vec<f64> {
    let mut buckets = vec![0.05];
    while buckets[buckets.len() - 1] < timeout.as_secs_f64() {
        buckets.push(buckets[buckets.len() - 1] * 2.0);
    }
    buckets
}

impl UpstreamMetrics {
    /// For upstream calls bounded by `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let buckets = duration_buckets(timeout);
        UpstreamMetrics {
            requests: Family::default(),
            duration: Family::new_with_constructor(Buckets(buckets.into())),
        }
    }
}

impl Observer for UpstreamMetrics {
    fn observe(&self, call: &CallLabels, code: &str, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                provider: call.provider.to_string(),
                account: call.account.clone(),
                endpoint: call.endpoint.clone(),
                code: code.to_string(),
            })
            .inc();
        self.duration
            .get_or_create(&call.into())
            .observe(elapsed.as_secs_f64());
    }
}

/// Cache lookups made by scrapes; the refresher's [`CacheObserver`].
#[derive(Clone, Default)]
pub struct CacheMetrics {
    requests: Family<CacheLabels, Counter>,
}

impl CacheObserver for CacheMetrics {
    fn hit(&self) {
        self.requests
            .get_or_create(&CacheLabels { result: "hit" })
            .inc();
    }

    fn miss(&self) {
        self.requests
            .get_or_create(&CacheLabels { result: "miss" })
            .inc();
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TargetLabels {
    provider: String,
    account: String,
    endpoint: String,
    period: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PeriodLabels {
    provider: String,
    account: String,
    period: String,
}

/// What the status gauges say of one endpoint: its last outcome and the
/// data it serves.
pub struct EndpointState {
    pub endpoint: Arc<dyn Endpoint>,
    pub status: refresh::Status,
    pub served: Option<Arc<Served>>,
}

/// Per endpoint `up`, last success and cadence, and per provider, account
/// and period the bounds of the served data: of the refresher's targets,
/// read at scrape time, or of given states (`backfill`).
enum StatusCollector {
    Live(Arc<Refresher>),
    Given(Vec<EndpointState>),
}

impl std::fmt::Debug for StatusCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("StatusCollector")
    }
}

/// The status gauges of `states` in OpenMetrics text, without `# EOF`:
/// what `/metrics` would say of endpoints in these states.
pub fn status_text(states: Vec<EndpointState>) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(StatusCollector::Given(states)));
    let mut text = String::new();
    prometheus_client::encoding::text::encode_registry(&mut text, &registry)
        .expect("writing to a String cannot fail");
    text
}

fn unix_seconds(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

/// One gauge family: its descriptor, then a sample per label set.
fn gauges<'a, L, N>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (&'a L, N)>,
) -> Result<(), std::fmt::Error>
where
    L: EncodeLabelSet + 'a,
    ConstGauge<N>: EncodeMetric,
{
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in samples {
        ConstGauge::new(value).encode(family.encode_family(labels)?)?;
    }
    Ok(())
}

impl Collector for StatusCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let live;
        let states = match self {
            StatusCollector::Live(refresher) => {
                live = refresher
                    .targets()
                    .iter()
                    .map(|t| EndpointState {
                        endpoint: t.endpoint.clone(),
                        status: t.status(),
                        served: t.served(),
                    })
                    .collect::<Vec<_>>();
                &live
            }
            StatusCollector::Given(states) => states,
        };
        let targets: Vec<_> = states
            .iter()
            .map(|state| {
                let e = &state.endpoint;
                let schedule = e.schedule();
                let labels = TargetLabels {
                    provider: e.provider().to_string(),
                    account: e.account().to_string(),
                    endpoint: e.name().to_string(),
                    period: schedule.period.label(),
                };
                (labels, schedule, &state.status, state.served.clone())
            })
            .collect();
        gauges(
            &mut encoder,
            "video_usage_exporter_up",
            "1 when the endpoint's last refresh succeeded, 0 when it failed; absent before its first attempt.",
            targets
                .iter()
                .filter(|(_, _, status, _)| status.attempted)
                .map(|(labels, _, status, _)| (labels, i64::from(status.up))),
        )?;
        gauges(
            &mut encoder,
            "video_usage_exporter_last_success_timestamp_seconds",
            "Unix time of the start of the endpoint's last successful refresh.",
            targets.iter().filter_map(|(labels, _, status, _)| {
                Some((labels, unix_seconds(status.last_success?)))
            }),
        )?;
        gauges(
            &mut encoder,
            "video_usage_exporter_refresh_interval_seconds",
            "The least time between two refreshes of the endpoint (closed periods: their slower cadence).",
            targets
                .iter()
                .map(|(labels, schedule, _, _)| (labels, schedule.refresh_interval.as_secs_f64())),
        )?;
        let served = || {
            targets
                .iter()
                .filter_map(|(labels, _, _, served)| Some((labels, served.as_ref()?)))
        };
        gauges(
            &mut encoder,
            "video_usage_exporter_series",
            "Provider series the endpoint's served data exports.",
            served().map(|(labels, s)| (labels, s.snapshot.series() as i64)),
        )?;
        gauges(
            &mut encoder,
            "video_usage_exporter_series_dropped",
            "Series that max_series, include/exclude or aggregate_only folded into `__other__` rows in the served data.",
            served().map(|(labels, s)| (labels, s.snapshot.dropped() as i64)),
        )?;
        // One start and end per provider, account and period: its endpoints
        // share the period, and the most recent fetch says where it is.
        let mut bounds: Vec<(PeriodLabels, &Served)> = Vec::new();
        for (labels, _, _, served) in &targets {
            let Some(served) = served else { continue };
            let key = PeriodLabels {
                provider: labels.provider.clone(),
                account: labels.account.clone(),
                period: labels.period.clone(),
            };
            match bounds.iter_mut().find(|(k, _)| *k == key) {
                Some((_, seen)) if seen.fetched_at < served.fetched_at => *seen = served,
                Some(_) => {}
                None => bounds.push((key, served)),
            }
        }
        gauges(
            &mut encoder,
            "video_usage_period_start_timestamp_seconds",
            "Start of the period the served usage data covers (Unix time).",
            bounds
                .iter()
                .map(|(labels, served)| (labels, served.bounds.start.unix_timestamp())),
        )?;
        gauges(
            &mut encoder,
            "video_usage_period_end_timestamp_seconds",
            "End (exclusive) of the period the served usage data covers: the next boundary for a period in progress, the query time for a rolling window.",
            bounds
                .iter()
                .map(|(labels, served)| (labels, served.bounds.end.unix_timestamp())),
        )?;
        Ok(())
    }
}

/// `..._config_last_reload_successful` and its timestamp, as Prometheus
/// exports for itself.
#[derive(Clone, Default)]
pub struct ReloadMetrics {
    successful: Gauge,
    last_success: Gauge<f64, AtomicU64>,
}

impl ReloadMetrics {
    pub fn succeeded(&self, at: SystemTime) {
        self.successful.set(1);
        self.last_success.set(unix_seconds(at));
    }

    pub fn failed(&self) {
        self.successful.set(0);
    }
}

/// Renders `/metrics` bodies as lists of shared byte chunks.
pub struct Exposition {
    registry: Registry,
    refresher: Arc<Refresher>,
    /// Gauges from the configuration (quotas, prices), replaced on reload.
    configured: ArcSwap<Vec<Arc<Snapshot>>>,
    reload: ReloadMetrics,
    /// The provider part of the body, rebuilt when a snapshot changes.
    providers: Mutex<Arc<ProviderPart>>,
}

/// The provider data of one generation of snapshots: the snapshots' own
/// samples under one header per family. Each piece keeps its own deflate
/// segment, so a new generation compresses only its new pieces.
#[derive(Default)]
struct ProviderPart {
    generation: Option<u64>,
    pieces: Vec<Samples>,
    /// Each family's header, kept from generation to generation.
    headers: Vec<Header>,
}

/// A family's `# HELP` and `# TYPE` lines.
type Header = (&'static GaugeFamily, Samples);

impl Exposition {
    pub fn new(
        upstream: UpstreamMetrics,
        cache: CacheMetrics,
        refresher: Arc<Refresher>,
        configured: Vec<Snapshot>,
    ) -> Self {
        let mut registry = Registry::default();
        let build: Family<BuildLabels, Gauge> = Family::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
                revision: env!("VUE_GIT_REVISION"),
                rustc: env!("VUE_RUSTC_VERSION"),
            })
            .set(1);
        registry.register(
            "video_usage_exporter_build_info",
            "The exporter's version, the git revision and the rustc version it was built from; value 1",
            build,
        );
        registry.register(
            "video_usage_exporter_upstream_requests",
            "HTTP requests to provider APIs, by response code (`error`: no response)",
            upstream.requests,
        );
        registry.register(
            "video_usage_exporter_upstream_request_duration_seconds",
            "Duration of HTTP requests to provider APIs",
            upstream.duration,
        );
        registry.register(
            "video_usage_exporter_cache_requests",
            "Scrape-time lookups of endpoint data in the refresh cache: `hit` fresh, `miss` stale (a refresh is started)",
            cache.requests,
        );
        let reload = ReloadMetrics::default();
        registry.register(
            "video_usage_exporter_config_last_reload_successful",
            "1 when the last configuration (re)load succeeded, 0 when it failed",
            reload.successful.clone(),
        );
        registry.register(
            "video_usage_exporter_config_last_reload_success_timestamp_seconds",
            "Unix time of the last successful configuration (re)load",
            reload.last_success.clone(),
        );
        reload.succeeded(refresher.clock().now());
        registry.register_collector(Box::new(StatusCollector::Live(refresher.clone())));
        registry.register_collector(Box::new(crate::process::ProcessCollector));
        Exposition {
            registry,
            refresher,
            configured: ArcSwap::from_pointee(configured.into_iter().map(Arc::new).collect()),
            reload,
            providers: Mutex::new(Arc::default()),
        }
    }

    /// A full body in `format`, gzip-compressed when `gzip`, as chunks to
    /// send in order. Provider data is shared, not copied; with gzip only
    /// the self-metrics and the pieces of snapshots that no scrape has
    /// compressed yet are compressed.
    pub fn render(&self, format: Format, gzip: bool) -> Vec<Bytes> {
        let providers = self.provider_part();
        let mut own = String::new();
        prometheus_client::encoding::text::encode_registry(&mut own, &self.registry)
            .expect("writing to a String cannot fail");
        let own = match format {
            Format::OpenMetrics => {
                own.push_str("# EOF\n");
                own
            }
            Format::Text => {
                let mut text = String::with_capacity(own.len());
                to_text_format(&own, &mut text);
                text
            }
        };
        if !gzip {
            let mut chunks: Vec<Bytes> = providers.pieces.iter().map(Samples::text).collect();
            chunks.push(Bytes::from(own));
            return chunks;
        }
        let mut deflater = crate::deflate::Deflater::default();
        let segments: Vec<_> = providers
            .pieces
            .iter()
            .map(|piece| piece.segment(&mut deflater))
            .collect();
        deflater.gzip_body(segments, own.as_bytes())
    }

    /// Replaces the gauges from the configuration (a reload); served from
    /// the next change of the refresher's generation.
    pub fn set_configured(&self, configured: Vec<Snapshot>) {
        self.configured
            .store(Arc::new(configured.into_iter().map(Arc::new).collect()));
    }

    /// The configuration reload gauges.
    pub fn reload_metrics(&self) -> &ReloadMetrics {
        &self.reload
    }

    fn provider_part(&self) -> Arc<ProviderPart> {
        // A period may have ended since the scrape began.
        self.refresher.withdraw_ended();
        let generation = self.refresher.generation();
        // Only ever replaced whole: after a panic elsewhere it is still whole.
        let mut cached = self
            .providers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if cached.generation != Some(generation) {
            let snapshots: Vec<_> = self
                .refresher
                .targets()
                .iter()
                .filter_map(|t| t.snapshot())
                .chain(self.configured.load().iter().cloned())
                .collect();
            let (pieces, headers) = group_families(&snapshots, &cached.headers);
            *cached = Arc::new(ProviderPart {
                generation: Some(generation),
                pieces,
                headers,
            });
        }
        cached.clone()
    }
}

/// Each family once: its header (the one in `headers` when it is there),
/// then the samples of every snapshot; and the headers used.
pub(crate) fn group_families(
    snapshots: &[Arc<Snapshot>],
    headers: &[Header],
) -> (Vec<Samples>, Vec<Header>) {
    let mut order: Vec<&'static GaugeFamily> = Vec::new();
    for s in snapshots {
        for f in s.families() {
            if !order.iter().any(|o| std::ptr::eq(*o, f.family)) {
                order.push(f.family);
            }
        }
    }
    let mut chunks = Vec::new();
    let mut used = Vec::with_capacity(order.len());
    for family in order {
        let header = headers
            .iter()
            .find(|(f, _)| std::ptr::eq(*f, family))
            .map_or_else(
                || {
                    Samples::from(Bytes::from(format!(
                        "# HELP {0} {1}\n# TYPE {0} gauge\n",
                        family.name, family.help
                    )))
                },
                |(_, header)| header.clone(),
            );
        chunks.push(header.clone());
        used.push((family, header));
        for s in snapshots {
            for f in s
                .families()
                .iter()
                .filter(|f| std::ptr::eq(f.family, family))
            {
                chunks.push(f.samples.clone());
            }
        }
    }
    (chunks, used)
}

/// Rewrites prometheus-client's OpenMetrics output into text format 0.0.4.
fn to_text_format(openmetrics: &str, out: &mut String) {
    let counters: Vec<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    for line in openmetrics.lines() {
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        let header = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match header {
            Some((prefix, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                out.push_str(prefix);
                out.push_str(name);
                if counters.contains(&name) {
                    out.push_str("_total");
                }
                out.push(' ');
                out.push_str(tail);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_buckets_cover_the_timeout() {
        let buckets = duration_buckets(Duration::from_secs(30));
        assert_eq!(buckets.first(), Some(&0.05));
        assert_eq!(buckets.last(), Some(&51.2));
        assert!(buckets[buckets.len() - 2] < 30.0);
        assert_eq!(duration_buckets(Duration::from_millis(50)), [0.05]);
        assert_eq!(
            duration_buckets(Duration::from_secs(120)).last(),
            Some(&204.8)
        );
    }

    #[test]
    fn counters_are_renamed_for_the_text_format() {
        let om = "# HELP x_requests Reqs.\n# TYPE x_requests counter\nx_requests_total{a=\"1\"} 2\n# HELP g G.\n# TYPE g gauge\ng 1\n# EOF\n";
        let mut out = String::new();
        to_text_format(om, &mut out);
        assert_eq!(
            out,
            "# HELP x_requests_total Reqs.\n# TYPE x_requests_total counter\nx_requests_total{a=\"1\"} 2\n# HELP g G.\n# TYPE g gauge\ng 1\n"
        );
    }

    use crate::cardinality::Cardinality;
    use crate::exposition::{Rows, SnapshotBuilder};
    use crate::providers::scaleengine::metrics::{
        APP_BYTES, APP_REQUESTS, VIDEOS, VIDEO_BYTES, VIDEO_REQUESTS,
    };
    use proptest::prelude::*;
    use std::collections::HashSet;
    use std::io::{Read as _, Write as _};
    use std::process::{Command, Stdio};

    /// One generation's bodies: `snapshots` followed by `own`, with the
    /// family headers of the generation before kept.
    struct Bodies {
        headers: Vec<Header>,
        /// The gzip body's chunks, as a scrape sends them.
        gzip: Vec<Bytes>,
        text: Vec<u8>,
    }

    fn render(snapshots: &[Arc<Snapshot>], headers: &[Header], own: &[u8]) -> Bodies {
        let (pieces, headers) = group_families(snapshots, headers);
        // Compressed first: tables not rendered yet stream into the compressor.
        let mut deflater = crate::deflate::Deflater::default();
        let segments: Vec<_> = pieces.iter().map(|p| p.segment(&mut deflater)).collect();
        let gzip = deflater.gzip_body(segments, own);
        let mut text = pieces
            .iter()
            .map(Samples::text)
            .collect::<Vec<_>>()
            .concat();
        text.extend_from_slice(own);
        Bodies {
            headers,
            gzip,
            text,
        }
    }

    /// The text body of `snapshots` followed by `own`, and the gzip body.
    fn bodies(snapshots: &[Arc<Snapshot>], own: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let bodies = render(snapshots, &[], own);
        (bodies.text, bodies.gzip.concat())
    }

    fn flate2_gunzip(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .expect("flate2 decodes the body");
        out
    }

    /// The `gzip` command, an implementation independent of ours.
    fn gzip_command_gunzip(body: &[u8]) -> Vec<u8> {
        let mut child = Command::new("gzip")
            .arg("-dc")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the gzip command is installed");
        let mut stdin = child.stdin.take().unwrap();
        let body = body.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&body));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "gzip -dc: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn assert_same(what: &str, decoded: &[u8], text: &[u8]) {
        assert!(
            decoded == text,
            "{what}: decoded {} bytes, text is {} bytes, first difference at {:?}",
            decoded.len(),
            text.len(),
            decoded.iter().zip(text).position(|(a, b)| a != b)
        );
    }

    /// The account of issue 16: one app `huge`, `n` URLs, as the
    /// ScaleEngine endpoint builds it.
    fn huge_account(n: u64) -> Arc<Snapshot> {
        let mut b = SnapshotBuilder::usage("main", "month", &Cardinality::default());
        let (mut bytes, mut requests) = (0, 0);
        let mut rows = Rows::new(&VIDEOS);
        for i in 0..n {
            let url = format!("live/channel-{i:06}/playlist.m3u8");
            let values = [
                Some((5_000_000 + 13 * i).into()),
                Some((10 + i % 97).into()),
            ];
            rows.add(&[&url], values);
            bytes += 5_000_000 + 13 * i;
            requests += 10 + i % 97;
        }
        let mut table = b.table(&VIDEOS);
        table.rows(&["huge"], rows);
        table.finish();
        let labels = [("app", "huge")];
        b.gauge(&APP_BYTES, &labels, bytes);
        b.gauge(&APP_REQUESTS, &labels, requests);
        Arc::new(b.finish())
    }

    #[test]
    fn gzip_bodies_of_large_accounts_decode_to_the_text_body() {
        // 100,000 and 200,000 URLs made the sync flush stop early (issue 16).
        for n in [1_000, 99_000, 100_000, 101_000, 200_000, 1_000_000] {
            let (text, gzip) = bodies(&[huge_account(n)], b"# HELP own x\nown 1\n");
            assert_same(&format!("flate2, {n} URLs"), &flate2_gunzip(&gzip), &text);
            assert_same(
                &format!("gzip -dc, {n} URLs"),
                &gzip_command_gunzip(&gzip),
                &text,
            );
        }
    }

    /// A snapshot of random sample lines, up to several megabytes, built
    /// from a seed so that large inputs are cheap to describe.
    fn random_snapshot() -> impl Strategy<Value = Arc<Snapshot>> {
        (any::<u64>(), 0usize..60_000, 1usize..200).prop_map(|(seed, lines, alphabet)| {
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut b = SnapshotBuilder::new("acct");
            // Half the snapshots hold a table: rendered in chunks when deflated.
            let mut rows = rng.bool().then(|| Rows::new(&VIDEOS));
            for i in 0..lines {
                let len = rng.usize(0..120);
                let url: String = (0..len)
                    .map(|_| char::from_u32(32 + rng.u32(0..alphabet as u32)).unwrap_or('x'))
                    .collect();
                if let Some(rows) = &mut rows {
                    let values = [
                        Some(rng.u64(..1 << 40).into()),
                        Some(rng.u64(..1 << 40).into()),
                    ];
                    rows.add(&[&url], values);
                    continue;
                }
                let family = if rng.bool() {
                    &VIDEO_BYTES
                } else {
                    &VIDEO_REQUESTS
                };
                let id = i.to_string();
                b.gauge(family, &[("video_url", &url), ("i", &id)], rng.u64(..));
            }
            if let Some(rows) = rows {
                let mut table = b.table(&VIDEOS);
                table.rows(&["app"], rows);
                table.finish();
            }
            Arc::new(b.finish())
        })
    }

    fn random_snapshots() -> impl Strategy<Value = Vec<Arc<Snapshot>>> {
        proptest::collection::vec(random_snapshot(), 0..4)
    }

    /// Where the chunks of a body are in memory: equal for a shared chunk.
    fn addresses(chunks: &[Bytes]) -> HashSet<*const u8> {
        chunks.iter().map(|c| c.as_ptr()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn gzip_body_decodes_to_the_text_body(
            snapshots in random_snapshots(),
            own in proptest::collection::vec(any::<u8>(), 0..5_000),
        ) {
            let (text, gzip) = bodies(&snapshots, &own);
            assert_same("flate2", &flate2_gunzip(&gzip), &text);
            assert_same("gzip -dc", &gzip_command_gunzip(&gzip), &text);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        #[test]
        fn a_new_generation_compresses_only_the_replaced_snapshots(
            before in random_snapshots(),
            replaced in proptest::collection::vec(any::<bool>(), 4),
            replacements in proptest::collection::vec(random_snapshot(), 4),
            own in proptest::collection::vec(any::<u8>(), 0..5_000),
        ) {
            let first = render(&before, &[], &own);
            let after: Vec<Arc<Snapshot>> = before
                .iter()
                .zip(replaced.iter().zip(&replacements))
                .map(|(kept, (replaced, new))| {
                    if *replaced { new.clone() } else { kept.clone() }
                })
                .collect();
            let second = render(&after, &first.headers, &own);
            for (what, bodies) in [("first", &first), ("second", &second)] {
                let gzip = bodies.gzip.concat();
                assert_same(&format!("{what}, flate2"), &flate2_gunzip(&gzip), &bodies.text);
                let decoded = gzip_command_gunzip(&gzip);
                assert_same(&format!("{what}, gzip -dc"), &decoded, &bodies.text);
            }
            // Both bodies are alive: a chunk at the same address is the same
            // one. A segment not compressed yet would be a new one.
            let mut deflater = crate::deflate::Deflater::default();
            let sent_first = addresses(&first.gzip);
            let sent_second = addresses(&second.gzip);
            for (snapshot, replaced) in after.iter().zip(&replaced) {
                for f in snapshot.families() {
                    let at = f.samples.segment(&mut deflater).data().as_ptr();
                    prop_assert!(sent_second.contains(&at), "a piece of the second body");
                    prop_assert_eq!(sent_first.contains(&at), !replaced, "reused unless replaced");
                }
            }
            for (family, header) in &second.headers {
                let at = header.segment(&mut deflater).data().as_ptr();
                let before = first.headers.iter().any(|(f, _)| std::ptr::eq(*f, *family));
                prop_assert!(sent_second.contains(&at));
                prop_assert_eq!(sent_first.contains(&at), before, "a family's header is reused");
            }
        }
    }
}
