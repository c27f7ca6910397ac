//! What the benches share: the real exporter binary started on 127.0.0.1
//! and waited for, a process's memory from /proc, sample values, settings
//! from the environment.

#![allow(dead_code)] // each bench uses a different part

use std::path::Path;
use std::time::{Duration, Instant};

/// The exporter binary under measurement.
pub const BIN: &str = env!("CARGO_BIN_EXE_video-usage-exporter");

/// A whole number from the environment variable `name`, if set.
pub fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().expect("a whole number"))
}

/// Peak resident memory of process `pid` so far (`VmHWM`), in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The value of a sample line (a float's whole part).
pub fn value(line: &str) -> u64 {
    let text = line.rsplit_once(' ').expect("a sample line").1;
    text.parse()
        .or_else(|_| text.parse::<f64>().map(|v| v as u64))
        .expect("a number")
}

/// What a body must hold of the one-app ScaleEngine account the scrape
/// benches serve (`huge_account`).
pub struct Expect {
    /// Per-URL series of each family (URLs, or `max_series` + 1).
    pub url_series: u64,
    pub bytes_total: u64,
}

impl Expect {
    /// Panics unless `text` holds every per-URL series of the account and
    /// its exact totals; hands every other line to `other`.
    pub fn check(&self, text: &str, mut other: impl FnMut(&str)) {
        let (mut bytes_series, mut requests_series, mut bytes_sum) = (0, 0, 0u64);
        let mut app_bytes = None;
        for line in text.lines() {
            if line.starts_with("scaleengine_video_bytes{") {
                bytes_series += 1;
                bytes_sum += value(line);
            } else if line.starts_with("scaleengine_video_requests{") {
                requests_series += 1;
            } else if line.starts_with("scaleengine_app_bytes{") {
                app_bytes = Some(value(line));
            } else {
                other(line);
            }
        }
        assert_eq!(bytes_series, self.url_series, "per-URL byte series");
        assert_eq!(requests_series, self.url_series, "per-URL request series");
        assert_eq!(bytes_sum, self.bytes_total, "sum over the URLs");
        assert_eq!(app_bytes, Some(self.bytes_total), "app total");
    }
}

/// The `p`th percentile of `times` (50: the median).
pub fn percentile(times: &[Duration], p: usize) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// Kills the exporter when the benchmark ends, however it ends.
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the exporter on `config` at a free port of 127.0.0.1 and waits,
/// at most 10 minutes, until `/-/ready`; panics with the config if it
/// exits. Returns it and its port.
pub async fn start_exporter(config: &Path) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut exporter = Child(
        std::process::Command::new(BIN)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let ready = format!("http://127.0.0.1:{port}/-/ready");
    let started = Instant::now();
    loop {
        if let Some(exit) = exporter.0.try_wait().unwrap() {
            panic!(
                "the exporter exited ({exit}); config:\n{}",
                std::fs::read_to_string(config).unwrap()
            );
        }
        let status = client.get(&ready).send().await.map(|r| r.status().as_u16());
        if status.is_ok_and(|s| s == 200) {
            return (exporter, port);
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "no data after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
