//! The standard `process_*` metrics of every Prometheus client library
//! (CPU, memory, file descriptors, start time), read from `/proc` at
//! scrape time, so that dashboards and alerts written for any exporter
//! (memory, fd exhaustion, restarts) work here too.
//!
//! Off Linux, or when `/proc` cannot be read, the metrics are left out
//! rather than reported as zero.

use procfs::process::{LimitValue, Process};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;

/// Reads this process's figures for each scrape.
#[derive(Debug, Default)]
pub struct ProcessCollector;

/// What client_golang reports for an unlimited limit (2^64 - 1, as f64).
const UNLIMITED: f64 = u64::MAX as f64;

/// One scrape's figures; each is absent when it could not be read.
#[derive(Debug, Default, PartialEq)]
struct Figures {
    cpu_seconds: Option<f64>,
    resident_bytes: Option<f64>,
    virtual_bytes: Option<f64>,
    virtual_max_bytes: Option<f64>,
    open_fds: Option<f64>,
    max_fds: Option<f64>,
    start_time_seconds: Option<f64>,
}

fn limit(value: LimitValue) -> f64 {
    match value {
        LimitValue::Value(n) => n as f64,
        LimitValue::Unlimited => UNLIMITED,
    }
}

impl Figures {
    fn read() -> Figures {
        let Ok(me) = Process::myself() else {
            return Figures::default();
        };
        let mut figures = Figures::default();
        if let Ok(stat) = me.stat() {
            let ticks = procfs::ticks_per_second() as f64;
            figures.cpu_seconds = Some((stat.utime + stat.stime) as f64 / ticks);
            figures.resident_bytes = Some((stat.rss * procfs::page_size()) as f64);
            figures.virtual_bytes = Some(stat.vsize as f64);
            figures.start_time_seconds = procfs::boot_time_secs()
                .ok()
                .map(|boot| boot as f64 + stat.starttime as f64 / ticks);
        }
        if let Ok(limits) = me.limits() {
            figures.max_fds = Some(limit(limits.max_open_files.soft_limit));
            figures.virtual_max_bytes = Some(limit(limits.max_address_space.soft_limit));
        }
        figures.open_fds = me.fd_count().ok().map(|n| n as f64);
        figures
    }
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let f = Figures::read();
        if let Some(seconds) = f.cpu_seconds {
            let family = encoder.encode_descriptor(
                "process_cpu_seconds",
                "Total user and system CPU time spent in seconds.",
                None,
                MetricType::Counter,
            )?;
            ConstCounter::new(seconds).encode(family)?;
        }
        for (name, help, value) in [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                f.resident_bytes,
            ),
            (
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
                f.virtual_bytes,
            ),
            (
                "process_virtual_memory_max_bytes",
                "Maximum amount of virtual memory available in bytes.",
                f.virtual_max_bytes,
            ),
            (
                "process_open_fds",
                "Number of open file descriptors.",
                f.open_fds,
            ),
            (
                "process_max_fds",
                "Maximum number of open file descriptors.",
                f.max_fds,
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.",
                f.start_time_seconds,
            ),
        ] {
            if let Some(value) = value {
                let family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
                ConstGauge::new(value).encode(family)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figures agree with what the process knows of itself.
    #[test]
    fn figures_describe_this_process() {
        let f = Figures::read();
        let resident = f.resident_bytes.expect("Linux has /proc");
        assert!(resident > 1e6, "{resident} bytes resident");
        assert!(f.virtual_bytes.unwrap() >= resident);
        let file = std::fs::File::open("/proc/self/status").unwrap();
        let open = Figures::read().open_fds.unwrap();
        assert!(open >= 4.0, "stdin, stdout, stderr and {file:?}");
        assert!(f.max_fds.unwrap() >= open);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let started = f.start_time_seconds.unwrap();
        assert!(started <= now + 1.0 && started > now - 86_400.0 * 30.0);
        assert!(f.cpu_seconds.unwrap() >= 0.0);
    }
}
