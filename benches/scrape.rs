//! Scale benchmark: one ScaleEngine account with 100,000 URLs (200,000
//! series for the month period), refreshed through the simulator, then
//! scraped. Prints the refresh time, the peak resident memory, and the time
//! per scrape, plain and gzip. Run: `cargo bench --bench scrape`.

use std::time::{Duration, Instant};

use video_usage_exporter::config::Config;
use video_usage_exporter::simulator::scaleengine::{Account, App, Row};
use video_usage_exporter::simulator::{wowza, Simulator};

const URLS: u64 = 100_000;
const SCRAPES: u32 = 20;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let rows = (0..URLS)
        .map(|i| {
            Row::new(
                format!("sestore/library/folder-{}/video_{i}.mp4", i % 97),
                4_294_967_296 + i * 7919,
                i % 1000,
            )
        })
        .collect();
    let account = Account {
        api_key: "bench-key".into(),
        api_secret: "bench-secret".into(),
        cdn_id: 1,
        apps: vec![App {
            id: 1,
            name: "vod".into(),
            month: rows,
            day: Vec::new(),
        }],
        growth_per_second: 0.0,
    };
    let sim = Simulator::start(account, wowza::demo_account())
        .await
        .unwrap();
    let rss_sim = peak_rss_mib();
    let yaml = format!(
        "scaleengine:\n  - account: bench\n    api_url: {}\n    api_key: bench-key\n    api_secret: bench-secret\n    cdn_id: 1\n    apps: [vod]\n    periods: [month]\n",
        sim.scaleengine_url()
    );
    let config = Config::parse(&yaml, "bench.yml").unwrap();
    let state = video_usage_exporter::assemble(&config, "/metrics").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(video_usage_exporter::server::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));

    let started = Instant::now();
    state.refresher.start();
    state.refresher.wait_ready(Duration::from_secs(600)).await;
    let refresh = started.elapsed();
    assert!(state.refresher.targets()[0].status().up, "refresh failed");

    let client = reqwest::Client::new();
    let mut sizes = (0, 0);
    let mut times = Vec::new();
    for gzip in [false, true] {
        let t = Instant::now();
        for _ in 0..SCRAPES {
            let mut req = client.get(format!("http://{addr}/metrics"));
            if gzip {
                req = req.header("Accept-Encoding", "gzip");
            }
            let body = req.send().await.unwrap().bytes().await.unwrap();
            if gzip {
                sizes.1 = body.len()
            } else {
                sizes.0 = body.len()
            }
        }
        times.push(t.elapsed() / SCRAPES);
    }
    let series = state.refresher.targets()[0].snapshot().unwrap().series();
    println!("series: {series}");
    println!("refresh (100 pages of 1000 rows, via loopback HTTP): {refresh:.2?}");
    println!(
        "scrape, text format: {:.2?} for {:.1} MiB",
        times[0],
        sizes.0 as f64 / 1048576.0
    );
    println!(
        "scrape, gzip: {:.2?} for {:.1} MiB",
        times[1],
        sizes.1 as f64 / 1048576.0
    );
    println!(
        "peak RSS: {:.0} MiB (of which the simulator's data: {:.0} MiB)",
        peak_rss_mib(),
        rss_sim
    );
}
