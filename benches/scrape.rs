//! Scale benchmark. By default: one ScaleEngine account with 100,000 URLs
//! (200,000 series for the month period; the account of issue 16), served
//! by the in-process simulator to the real exporter binary in its own
//! process, then scraped. Prints the time to the first full scrape, the
//! time per scrape (plain and gzip) and the exporter's peak resident
//! memory. Every timed body is checked afterwards (gzip decoded; every
//! series there), so a fast broken response can never be reported.
//!
//! Environment: `VUE_BENCH_URLS` (default 100000), `VUE_BENCH_MAX_SERIES`
//! (the account's `max_series`), `VUE_BENCH_SCRAPES` (default 20),
//! `VUE_BENCH_DUMP=<file>` (write one checked text body there), and
//! `VUE_BENCH_TARGET=<url>`: measure that server instead (nginx or another
//! exporter serving the same series), with the same client and checks;
//! `VUE_BENCH_LOAD_SECONDS=<n>`: then 50 concurrent scrapers for n seconds,
//! counting the upstream calls they cause.
//! `benches/compare.sh` runs them all side by side.
//! Run: `cargo bench --bench scrape`.

mod common;

use std::io::Read as _;
use std::time::{Duration, Instant};

use video_usage_exporter::simulator::scaleengine::huge_account;
use video_usage_exporter::simulator::{wowza, Simulator};

use common::{env_u64, peak_rss_kib, percentile, start_exporter, Expect};

/// Peak resident memory of process `pid`, in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    peak_rss_kib(pid).map_or(f64::NAN, |kb| kb as f64 / 1024.0)
}

fn median(times: &[Duration]) -> Duration {
    percentile(times, 50)
}

/// Scrapes `url` `scrapes` times each way, checks every body, prints the
/// figures; returns one checked text body.
async fn measure(url: &str, scrapes: u32, expect: &Expect) -> Vec<u8> {
    let client = reqwest::Client::new();
    let mut sizes = (0, 0);
    let mut times: Vec<Vec<Duration>> = Vec::new();
    let mut text_body = Vec::new();
    // One body buffer, reused from scrape to scrape as Prometheus's scrape
    // loop reuses its buffers: the figures are the server's and the
    // network's, not the client's page faults.
    let mut buffer = Vec::new();
    for gzip in [false, true] {
        let mut each = Vec::new();
        let mut bodies = Vec::with_capacity(scrapes as usize);
        for _ in 0..scrapes {
            let t = Instant::now();
            let mut req = client.get(url);
            if gzip {
                req = req.header("Accept-Encoding", "gzip");
            }
            let mut response = req.send().await.unwrap();
            let encoding = response.headers().get("content-encoding").cloned();
            buffer.clear();
            while let Some(chunk) = response.chunk().await.unwrap() {
                buffer.extend_from_slice(&chunk);
            }
            each.push(t.elapsed());
            assert_eq!(encoding.is_some(), gzip, "Content-Encoding as asked");
            bodies.push(buffer.clone());
        }
        times.push(each);
        // Checked after timing, so that the check costs the scrapes nothing.
        for body in bodies {
            let text = if gzip {
                sizes.1 = body.len();
                let mut text = Vec::new();
                flate2::read::GzDecoder::new(&body[..])
                    .read_to_end(&mut text)
                    .expect("the gzip body decodes");
                text
            } else {
                sizes.0 = body.len();
                body
            };
            expect.check(
                std::str::from_utf8(&text).expect("the body is UTF-8"),
                |_| {},
            );
            text_body = text;
        }
    }
    println!(
        "scrape, text format: first {:.2?}, then median {:.2?}, for {:.1} MiB",
        times[0][0],
        median(&times[0][1..]),
        sizes.0 as f64 / 1048576.0
    );
    println!(
        "scrape, gzip: first {:.2?}, then median {:.2?}, for {:.1} MiB",
        times[1][0],
        median(&times[1][1..]),
        sizes.1 as f64 / 1048576.0
    );
    text_body
}

/// Concurrent scrapers, as many Prometheus servers (gzip, as they ask),
/// for `seconds`: the upstream calls they cause must be one per page per
/// refresh, however many scrape.
async fn load(sim: &Simulator, metrics: &str, seconds: u64, pages: u64) {
    const SCRAPERS: usize = 50;
    sim.scaleengine.clear_log();
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut scrapers = tokio::task::JoinSet::new();
    for _ in 0..SCRAPERS {
        let url = metrics.to_string();
        scrapers.spawn(async move {
            let client = reqwest::Client::new();
            let mut times = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                let response = client
                    .get(&url)
                    .header("Accept-Encoding", "gzip")
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success());
                response.bytes().await.unwrap();
                times.push(t.elapsed());
            }
            times
        });
    }
    let mut times = Vec::new();
    while let Some(each) = scrapers.join_next().await {
        times.extend(each.unwrap());
    }
    // A refresh the last scrapes started may still be paging: let it end.
    let counted = || {
        let calls = sim.scaleengine.calls();
        let refreshes = calls.iter().filter(|c| c.offset == 0).count() as u64;
        let usage = calls.iter().filter(|c| c.command == "video.usage").count() as u64;
        (usage, refreshes)
    };
    let settling = Instant::now();
    let (usage, refreshes) = loop {
        let (usage, refreshes) = counted();
        if usage == refreshes * pages || settling.elapsed() > Duration::from_secs(60) {
            break (usage, refreshes);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    times.sort();
    println!(
        "{SCRAPERS} concurrent gzip scrapers for {seconds} s: {} scrapes (median {:.2?}, p99 {:.2?}); upstream: {usage} video.usage calls = {refreshes} refreshes x {pages} pages",
        times.len(),
        times[times.len() / 2],
        times[times.len() * 99 / 100],
    );
    assert_eq!(usage, refreshes * pages, "one call per page per refresh");
}

#[tokio::main]
async fn main() {
    let urls = env_u64("VUE_BENCH_URLS").unwrap_or(100_000);
    let max_series = env_u64("VUE_BENCH_MAX_SERIES");
    let scrapes = env_u64("VUE_BENCH_SCRAPES").unwrap_or(20) as u32;
    let account = huge_account(urls, "bench-key", "bench-secret");
    let expect = Expect {
        url_series: max_series.map_or(urls, |m| (m + 1).min(urls)),
        bytes_total: account.apps[0].month.iter().map(|r| r.bytes).sum(),
    };
    if let Ok(target) = std::env::var("VUE_BENCH_TARGET") {
        println!("target {target}: {urls} URLs");
        measure(&target, scrapes, &expect).await;
        return;
    }
    let sim = Simulator::start(account, wowza::demo_account())
        .await
        .unwrap();
    let yaml = format!(
        "scaleengine:\n  - account: main\n    api_url: {}\n    api_key: bench-key\n    api_secret: bench-secret\n    cdn_id: 1\n    apps: [huge]\n    periods: [month]\n    refresh_interval: 5s\n{}",
        sim.scaleengine_url(),
        max_series.map_or(String::new(), |m| format!("    max_series: {m}\n"))
    );
    let dir = std::env::temp_dir().join(format!("vue-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("bench.yml");
    std::fs::write(&config, yaml).unwrap();
    let started = Instant::now();
    let (exporter, port) = start_exporter(&config).await;
    let client = reqwest::Client::new();
    let first = started.elapsed();
    println!(
        "URLs: {urls}, max_series: {}, one period; every body checked",
        max_series.map_or("none".into(), |m| m.to_string())
    );
    println!(
        "start-up to data ready ({} pages of up to 1000 rows over loopback): {first:.2?}",
        urls.div_ceil(1000)
    );
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    let body = measure(&metrics, scrapes, &expect).await;
    println!(
        "exporter peak RSS, first refresh and scrapes: {:.0} MiB",
        peak_rss_mib(exporter.0.id())
    );
    // A refresh while the old data is served: both are in memory at the
    // swap. Scrapes start it once the data is 5 s old.
    let last_success = || async {
        let text = client
            .get(&metrics)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find(|l| l.starts_with("video_usage_exporter_last_success_timestamp_seconds{"))
            .map(str::to_string)
    };
    let before = last_success().await;
    let waiting = Instant::now();
    while last_success().await == before {
        assert!(
            waiting.elapsed() < Duration::from_secs(600),
            "no second refresh"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    measure(&metrics, 2, &expect).await;
    println!(
        "exporter peak RSS, with a refresh while serving: {:.0} MiB",
        peak_rss_mib(exporter.0.id())
    );
    if let Some(seconds) = env_u64("VUE_BENCH_LOAD_SECONDS") {
        load(&sim, &metrics, seconds, urls.div_ceil(1000)).await;
    }
    if let Ok(path) = std::env::var("VUE_BENCH_DUMP") {
        std::fs::write(path, body).unwrap();
    }
}
