//! The exposition: provider snapshots plus the exporter's own metrics.
//!
//! Provider data arrives pre-rendered in snapshots; what is left at scrape
//! time is grouping each family's samples from every snapshot under one
//! HELP/TYPE header. That body is kept and reused until a snapshot changes,
//! so a scrape of a large account copies bytes and does no formatting.
//! Self-metrics are ordinary prometheus-client metrics plus one collector
//! that reads the refresh state. prometheus-client writes OpenMetrics; for a
//! scraper that did not ask for it we rewrite that small part into the
//! classic text format (counters are named `_total` there, and there is no
//! `# EOF`), since provider gauges are identical in both.

use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::providers::http::{CallLabels, Observer};
use crate::providers::GaugeFamily;
use crate::refresh::{CacheObserver, Refresher};

/// The exposition format a scraper negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/openmetrics-text; version=1.0.0`
    OpenMetrics,
    /// `text/plain; version=0.0.4`
    Text,
}

impl Format {
    /// OpenMetrics when the `Accept` header lists it, else the text format.
    pub fn negotiate(accept: Option<&str>) -> Format {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Text,
        }
    }

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
}

/// Upstream request counts and durations; the providers' [`Observer`].
#[derive(Clone)]
pub struct UpstreamMetrics {
    requests: Family<RequestLabels, Counter>,
    duration: Family<EndpointLabels, Histogram>,
}

impl Default for UpstreamMetrics {
    fn default() -> Self {
        UpstreamMetrics {
            requests: Family::default(),
            duration: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.05, 2.0, 10))
            }),
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

/// `up` and the last success time of every endpoint, read at scrape time.
struct StatusCollector(Arc<Refresher>);

impl std::fmt::Debug for StatusCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("StatusCollector")
    }
}

impl Collector for StatusCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let statuses: Vec<_> = self
            .0
            .targets()
            .iter()
            .map(|t| {
                let e = &t.endpoint;
                let labels = EndpointLabels {
                    provider: e.provider().to_string(),
                    account: e.account().to_string(),
                    endpoint: e.name().to_string(),
                };
                (labels, t.status())
            })
            .collect();
        let mut up = encoder.encode_descriptor(
            "video_usage_exporter_up",
            "1 when the endpoint's last refresh succeeded, 0 when it failed.",
            None,
            MetricType::Gauge,
        )?;
        for (labels, status) in &statuses {
            ConstGauge::new(i64::from(status.up)).encode(up.encode_family(labels)?)?;
        }
        let mut last = encoder.encode_descriptor(
            "video_usage_exporter_last_success_timestamp_seconds",
            "Unix time of the endpoint's last successful refresh.",
            None,
            MetricType::Gauge,
        )?;
        for (labels, status) in &statuses {
            if let Some(at) = status.last_success {
                let secs = at
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs_f64();
                ConstGauge::new(secs).encode(last.encode_family(labels)?)?;
            }
        }
        Ok(())
    }
}

/// Renders `/metrics` bodies as lists of shared byte chunks.
pub struct Exposition {
    registry: Registry,
    refresher: Arc<Refresher>,
    /// The provider part of the body, rebuilt when a snapshot changes.
    providers: Mutex<Arc<ProviderPart>>,
}

/// The provider data of one generation of snapshots: the snapshots' own
/// chunks under one header per family, and, once a scraper asks for gzip,
/// their deflate stream.
struct ProviderPart {
    generation: Option<u64>,
    chunks: Vec<Bytes>,
    deflated: OnceLock<Deflated>,
}

/// Raw deflate ending in a sync flush (not final), and the CRC-32 of its
/// input: a gzip body is this, then the self-metrics deflated on their own.
struct Deflated {
    data: Bytes,
    crc: Crc,
}

impl Exposition {
    pub fn new(upstream: UpstreamMetrics, cache: CacheMetrics, refresher: Arc<Refresher>) -> Self {
        let mut registry = Registry::default();
        let build: Family<BuildLabels, Gauge> = Family::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
                revision: env!("VUE_GIT_REVISION"),
            })
            .set(1);
        registry.register(
            "video_usage_exporter_build_info",
            "The exporter's version and the git revision it was built from; value 1",
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
        registry.register_collector(Box::new(StatusCollector(refresher.clone())));
        Exposition {
            registry,
            refresher,
            providers: Mutex::new(Arc::new(ProviderPart {
                generation: None,
                chunks: Vec::new(),
                deflated: OnceLock::new(),
            })),
        }
    }

    /// A full body in `format`, gzip-compressed when `gzip`, as chunks to
    /// send in order. Provider data is shared, not copied; with gzip only
    /// the self-metrics are compressed per scrape.
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
            let mut chunks = providers.chunks.clone();
            chunks.push(Bytes::from(own));
            return chunks;
        }
        let deflated = providers
            .deflated
            .get_or_init(|| deflate(&providers.chunks));
        let mut own_crc = Crc::new();
        own_crc.update(own.as_bytes());
        let mut crc = Crc::new();
        crc.combine(&deflated.crc);
        crc.combine(&own_crc);
        let mut tail = DeflateEncoder::new(Vec::new(), Compression::fast());
        tail.write_all(own.as_bytes())
            .and_then(|()| tail.try_finish())
            .expect("compressing into memory cannot fail");
        let mut trailer = Vec::with_capacity(8);
        trailer.extend_from_slice(&crc.sum().to_le_bytes());
        trailer.extend_from_slice(&crc.amount().to_le_bytes());
        vec![
            Bytes::from_static(&GZIP_HEADER),
            deflated.data.clone(),
            Bytes::from(std::mem::take(tail.get_mut())),
            Bytes::from(trailer),
        ]
    }

    fn provider_part(&self) -> Arc<ProviderPart> {
        let generation = self.refresher.generation();
        let mut cached = self.providers.lock().expect("exposition lock");
        if cached.generation != Some(generation) {
            let snapshots: Vec<_> = self
                .refresher
                .targets()
                .iter()
                .filter_map(|t| t.snapshot())
                .collect();
            *cached = Arc::new(ProviderPart {
                generation: Some(generation),
                chunks: group_families(&snapshots),
                deflated: OnceLock::new(),
            });
        }
        cached.clone()
    }
}

/// A gzip member header: deflate, no name or time, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

fn deflate(chunks: &[Bytes]) -> Deflated {
    let mut crc = Crc::new();
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::fast());
    for chunk in chunks {
        crc.update(chunk);
        encoder
            .write_all(chunk)
            .expect("compressing into memory cannot fail");
    }
    // A sync flush ends on a byte boundary without a final block, so
    // another deflate stream may follow it.
    encoder
        .flush()
        .expect("compressing into memory cannot fail");
    Deflated {
        data: Bytes::from(std::mem::take(encoder.get_mut())),
        crc,
    }
}

/// Each family once: its header, then the samples of every snapshot.
fn group_families(snapshots: &[Arc<crate::providers::Snapshot>]) -> Vec<Bytes> {
    let mut order: Vec<&'static GaugeFamily> = Vec::new();
    for s in snapshots {
        for f in s.families() {
            if !order.iter().any(|o| std::ptr::eq(*o, f.family)) {
                order.push(f.family);
            }
        }
    }
    let mut chunks = Vec::new();
    for family in order {
        chunks.push(Bytes::from(format!(
            "# HELP {0} {1}\n# TYPE {0} gauge\n",
            family.name, family.help
        )));
        for s in snapshots {
            for f in s
                .families()
                .iter()
                .filter(|f| std::ptr::eq(f.family, family))
            {
                chunks.push(f.text.clone());
            }
        }
    }
    chunks
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
    fn negotiation_prefers_openmetrics_only_when_asked() {
        assert_eq!(
            Format::negotiate(Some(
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
            )),
            Format::OpenMetrics
        );
        assert_eq!(Format::negotiate(Some("text/plain")), Format::Text);
        assert_eq!(Format::negotiate(None), Format::Text);
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
}
