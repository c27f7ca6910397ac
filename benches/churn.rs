//! Churn benchmark (issue 22): what gzip scrapes of a large account cost
//! while small accounts beside it keep changing. One ScaleEngine account
//! with 1,000,000 URLs and ten small Wowza accounts, served by the
//! in-process simulator to the real exporter binary in its own process,
//! scraped as Prometheus does (its `Accept` header, gzip, one scrape every
//! 2 s on a fixed schedule) in two phases, each with its own exporter:
//! (a) nothing changes (every endpoint refreshed once an hour), then
//! (b) every Wowza endpoint is refreshed every 1.5 s, so that each scrape
//! finds new Wowza data (the simulator's values accrue with time). Prints
//! per phase the median and p90 scrape time and the exporter's CPU time per
//! scrape (from `/proc/<pid>/stat`), and the ratios (b)/(a).
//!
//! Every timed body is decoded and checked afterwards (every per-URL series
//! with the exact totals, every Wowza account, `# EOF`), and the share of
//! phase (b) scrapes that found new Wowza data is printed: a fast broken
//! body, or a phase where nothing changed, cannot pass for a result.
//!
//! Environment: `VUE_CHURN_URLS` (default 1000000), `VUE_CHURN_SECONDS`
//! per phase (default 60), `VUE_CHURN_SCRAPE_MS` (default 2000),
//! `VUE_CHURN_REFRESH` (phase (b)'s Wowza refresh interval, default 1500ms).
//! Run: `cargo bench --bench churn`.

mod common;

use std::io::Read as _;
use std::time::{Duration, Instant};

use video_usage_exporter::simulator::scaleengine::huge_account;
use video_usage_exporter::simulator::{wowza, Simulator};

use common::{env_u64, percentile, start_exporter, Child};

/// Prometheus 3's `Accept` header for a scrape.
const ACCEPT: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

const WOWZA_ACCOUNTS: usize = 10;

const WOWZA_RESOURCES: [&str; 6] = [
    "transcoder_time",
    "transcoder_network",
    "stream_source_network",
    "stream_target_network",
    "peak_recording",
    "viewer_data",
];

/// CPU time (user + system) the process `pid` has used so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = procfs::process::Process::new(pid as i32)
        .and_then(|p| p.stat())
        .expect("/proc/<pid>/stat of the exporter");
    Duration::from_secs_f64((stat.utime + stat.stime) as f64 / procfs::ticks_per_second() as f64)
}

/// What every body must hold.
struct Expect {
    scaleengine: common::Expect,
}

impl Expect {
    /// Panics unless `text` is a whole OpenMetrics exposition of the
    /// ScaleEngine account and of every Wowza account; returns the Wowza
    /// samples, to tell whether they changed from one body to the next.
    fn check(&self, text: &[u8]) -> Vec<String> {
        let text = std::str::from_utf8(text).expect("the body is UTF-8");
        assert!(text.ends_with("\n# EOF\n"), "an OpenMetrics body");
        let mut wowza = Vec::new();
        self.scaleengine.check(text, |line| {
            if line.starts_with("wowza_cloud_") {
                wowza.push(line.to_string());
            }
        });
        for i in 0..WOWZA_ACCOUNTS {
            let account = format!("account=\"churn-{i}\"");
            let windows = wowza
                .iter()
                .filter(|l| l.starts_with("wowza_cloud_usage_window_end_timestamp_seconds{"))
                .filter(|l| l.contains(&account))
                .count();
            assert_eq!(
                windows,
                WOWZA_RESOURCES.len(),
                "every resource of {account}"
            );
        }
        wowza
    }
}

/// One phase's exporter: the Wowza accounts refreshed every `refresh`.
async fn start_churn(sim: &Simulator, refresh: &str, dir: &std::path::Path) -> (Child, String) {
    let mut yaml = format!(
        "scaleengine:\n  - account: main\n    api_url: {}\n    api_key: bench-key\n    api_secret: bench-secret\n    cdn_id: 1\n    apps: [huge]\n    periods: [month]\n    refresh_interval: 1h\nwowza:\n",
        sim.scaleengine_url()
    );
    let account = wowza::demo_account();
    let intervals = WOWZA_RESOURCES
        .map(|r| format!("{r}: {refresh}"))
        .join(", ");
    for i in 0..WOWZA_ACCOUNTS {
        yaml.push_str(&format!(
            "  - account: churn-{i}\n    api_url: {}\n    api_key: {}\n    access_key: {}\n    periods: [month]\n    refresh_intervals: {{{intervals}}}\n",
            sim.wowza_url(),
            account.api_key,
            account.access_key,
        ));
    }
    let config = dir.join(format!("churn-{refresh}.yml"));
    std::fs::write(&config, yaml).unwrap();
    let (exporter, port) = start_exporter(&config).await;
    (exporter, format!("http://127.0.0.1:{port}/metrics"))
}

/// One gzip scrape as Prometheus makes it: the compressed body and the
/// time to its last byte.
async fn scrape(client: &reqwest::Client, url: &str) -> (Vec<u8>, Duration) {
    let t = Instant::now();
    let mut response = client
        .get(url)
        .header("Accept", ACCEPT)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
    }
    let elapsed = t.elapsed();
    assert!(response.status().is_success());
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("content-encoding"), "gzip");
    assert!(header("content-type").starts_with("application/openmetrics-text"));
    (body, elapsed)
}

/// A phase's figures.
struct Phase {
    median: Duration,
    p90: Duration,
    cpu_per_scrape: Duration,
}

/// Scrapes `url` every `every` for `seconds`, then checks every body.
async fn phase(
    name: &str,
    pid: u32,
    url: &str,
    seconds: u64,
    every: Duration,
    expect: &Expect,
) -> Phase {
    let client = reqwest::Client::new();
    // The first gzip scrape compresses everything; Prometheus pays it once.
    scrape(&client, url).await;
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    let cpu_before = cpu_time(pid);
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut times = Vec::new();
    let mut bodies = Vec::new();
    while Instant::now() < until {
        let (body, elapsed) = scrape(&client, url).await;
        times.push(elapsed);
        bodies.push(body);
        ticks.tick().await;
    }
    let cpu = cpu_time(pid) - cpu_before;
    // Checked after the phase, so that the checks cost the scrapes nothing.
    let mut changed = 0;
    let mut previous = None;
    let mut size = 0;
    for body in &bodies {
        size = body.len();
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut text)
            .expect("the gzip body decodes");
        let wowza = expect.check(&text);
        if previous.is_some_and(|p| p != wowza) {
            changed += 1;
        }
        previous = Some(wowza);
    }
    let figures = Phase {
        median: percentile(&times, 50),
        p90: percentile(&times, 90),
        cpu_per_scrape: cpu / times.len() as u32,
    };
    println!(
        "{name}: {} gzip scrapes of {:.1} MiB, {changed} of the {} after the first found new Wowza data; scrape median {:.1?}, p90 {:.1?}; exporter CPU {:.1?} per scrape",
        times.len(),
        size as f64 / 1048576.0,
        times.len() - 1,
        figures.median,
        figures.p90,
        figures.cpu_per_scrape,
    );
    figures
}

#[tokio::main]
async fn main() {
    let urls = env_u64("VUE_CHURN_URLS").unwrap_or(1_000_000);
    let seconds = env_u64("VUE_CHURN_SECONDS").unwrap_or(60);
    let every = Duration::from_millis(env_u64("VUE_CHURN_SCRAPE_MS").unwrap_or(2000));
    let refresh = std::env::var("VUE_CHURN_REFRESH").unwrap_or_else(|_| "1500ms".into());
    let account = huge_account(urls, "bench-key", "bench-secret");
    let expect = Expect {
        scaleengine: common::Expect {
            url_series: urls,
            bytes_total: account.apps[0].month.iter().map(|r| r.bytes).sum(),
        },
    };
    let sim = Simulator::start(account, wowza::demo_account())
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("vue-churn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "{urls} URLs and {WOWZA_ACCOUNTS} Wowza accounts; a gzip scrape every {every:?} for {seconds} s per phase; every body checked"
    );
    let (exporter, url) = start_churn(&sim, "1h", &dir).await;
    let still = phase(
        "(a) no changes",
        exporter.0.id(),
        &url,
        seconds,
        every,
        &expect,
    )
    .await;
    drop(exporter);
    let (exporter, url) = start_churn(&sim, &refresh, &dir).await;
    let name = format!("(b) Wowza refreshed every {refresh}");
    let churn = phase(&name, exporter.0.id(), &url, seconds, every, &expect).await;
    drop(exporter);
    let ratio = |b: Duration, a: Duration| b.as_secs_f64() / a.as_secs_f64();
    println!(
        "(b)/(a): median scrape {:.2}x, p90 {:.2}x, CPU per scrape {:.2}x",
        ratio(churn.median, still.median),
        ratio(churn.p90, still.p90),
        ratio(churn.cpu_per_scrape, still.cpu_per_scrape),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
