//! Soak: 10,000 refreshes of a churning ScaleEngine account (2,000 URLs, 50
//! of them replaced by new ones on every refresh), through the real client,
//! simulator and exposition in this process. Checks after every refresh
//! that URLs which left the account left `/metrics` too, and that memory
//! stays flat: resident memory after 10,000 refreshes may not exceed that
//! after the first 1,000 by more than 1 MiB.
//! Run: `cargo bench --bench soak`.

use std::sync::Arc;
use std::time::Instant;

use video_usage_exporter::clock::SystemClock;
use video_usage_exporter::config::Config;
use video_usage_exporter::metrics::Format;
use video_usage_exporter::simulator::scaleengine::{Account, App, Row};
use video_usage_exporter::simulator::{wowza, Accrual, Simulator};

const URLS: u64 = 2_000;
const STRIDE: u64 = 50;
const REFRESHES: u64 = 10_000;

/// Resident memory of this process now, in KiB, from /proc.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse().ok())
        })
        .expect("/proc/self/status has VmRSS")
}

#[tokio::main]
async fn main() {
    let month = (0..URLS)
        .map(|i| Row::new("template", 1_000_000 + i, 1))
        .collect();
    let account = Account {
        api_key: "soak-key".into(),
        api_secret: "soak-secret".into(),
        cdn_id: 1,
        apps: vec![App {
            id: 1,
            name: "vod".into(),
            month,
            day: Vec::new(),
        }],
        accrual: Accrual::Off,
        sliding: Some(STRIDE),
    };
    let sim = Simulator::start(account, wowza::demo_account())
        .await
        .unwrap();
    let yaml = format!(
        "scaleengine:\n  - account: soak\n    api_url: {}\n    api_key: soak-key\n    api_secret: soak-secret\n    cdn_id: 1\n    apps: [vod]\n    periods: [month]\n",
        sim.scaleengine_url()
    );
    let config = Config::parse(&yaml, "soak.yml").unwrap();
    let state = video_usage_exporter::assemble(&config, "/metrics", Arc::new(SystemClock)).unwrap();
    let started = Instant::now();
    let mut samples = Vec::new();
    for refresh in 1..=REFRESHES {
        state
            .refresher
            .refresh_now(0)
            .await
            .expect("refresh succeeds");
        // The simulator logs every request for the tests; not ours to measure.
        sim.scaleengine.clear_log();
        let body = state.exposition.render(Format::Text, refresh % 2 == 0);
        if refresh % 2 == 1 {
            let text = String::from_utf8(body.concat()).unwrap();
            // This refresh served slide/(refresh*STRIDE) .. +URLS; the ones
            // just below left the account and must have left the output.
            let first = refresh * STRIDE;
            let series = |n: u64| format!("video_url=\"slide/{n}\"}}");
            assert!(
                text.contains(&series(first)),
                "refresh {refresh}: newest window missing"
            );
            assert!(text.contains(&series(first + URLS - 1)));
            assert!(
                !text.contains(&series(first - 1)),
                "refresh {refresh}: a vanished URL is still exported"
            );
            let count = text
                .lines()
                .filter(|l| l.starts_with("scaleengine_video_bytes{"))
                .count();
            assert_eq!(count as u64, URLS, "refresh {refresh}");
        }
        if refresh % 1_000 == 0 {
            samples.push((refresh, rss_kib()));
        }
    }
    let elapsed = started.elapsed();
    println!("{REFRESHES} refreshes of {URLS} URLs ({STRIDE} replaced each time) in {elapsed:.1?}");
    println!("resident memory after every 1,000 refreshes (MiB):");
    for (refresh, kib) in &samples {
        println!("  {refresh:>6}: {:.1}", *kib as f64 / 1024.0);
    }
    let baseline = samples[0].1;
    let last = samples[samples.len() - 1].1;
    assert!(
        last <= baseline + 1024,
        "memory grew from {baseline} KiB to {last} KiB"
    );
    println!(
        "memory flat: {:.1} MiB -> {:.1} MiB",
        baseline as f64 / 1024.0,
        last as f64 / 1024.0
    );
}
