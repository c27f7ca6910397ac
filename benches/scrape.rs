//! Scale benchmark: one ScaleEngine account with 100,000 URLs (200,000
//! series for the month period), served by the in-process simulator to the
//! real exporter binary in its own process, then scraped. Prints the time
//! to the first full scrape, the time per scrape (plain and gzip), and the
//! exporter process's peak resident memory. Every timed body is checked:
//! gzip bodies are decoded, and each body must hold all 200,000 series, so a
//! fast broken response can never be reported. The account is the one of
//! issue 16, whose gzip bodies used to be corrupt.
//! Run: `cargo bench --bench scrape`.

use std::io::Read as _;
use std::time::{Duration, Instant};

use video_usage_exporter::simulator::scaleengine::huge_account;
use video_usage_exporter::simulator::{wowza, Simulator};

const URLS: u64 = 100_000;
const SCRAPES: u32 = 20;

/// Peak resident memory of process `pid`, from /proc.
fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Panics unless `text` is a whole exposition of the account: every URL's
/// two series and the app totals, ending with the self-metrics.
fn check_body(text: &[u8]) {
    let text = std::str::from_utf8(text).expect("the body is UTF-8");
    let count = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count() as u64;
    assert_eq!(count("scaleengine_video_bytes{"), URLS);
    assert_eq!(count("scaleengine_video_requests{"), URLS);
    assert_eq!(count("scaleengine_app_bytes{"), 1);
    assert!(text.contains("video_usage_exporter_up{"));
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// Kills the exporter when the benchmark ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() {
    let account = huge_account(URLS, "bench-key", "bench-secret");
    let sim = Simulator::start(account, wowza::demo_account())
        .await
        .unwrap();
    let yaml = format!(
        "scaleengine:\n  - account: main\n    api_url: {}\n    api_key: bench-key\n    api_secret: bench-secret\n    cdn_id: 1\n    apps: [huge]\n    periods: [month]\n",
        sim.scaleengine_url()
    );
    let dir = std::env::temp_dir().join(format!("vue-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("bench.yml");
    std::fs::write(&config, yaml).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let exporter = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_video-usage-exporter"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let up = "video_usage_exporter_up{provider=\"scaleengine\",account=\"main\",endpoint=\"video.usage\"} 1";
    loop {
        let body = match client.get(&url).send().await {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if body.contains(up) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no data after 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let first = started.elapsed();
    let mut sizes = (0, 0);
    let mut times: Vec<Vec<Duration>> = Vec::new();
    let mut bodies = Vec::with_capacity(SCRAPES as usize);
    for gzip in [false, true] {
        let mut each = Vec::new();
        for _ in 0..SCRAPES {
            let t = Instant::now();
            let mut req = client.get(&url);
            if gzip {
                req = req.header("Accept-Encoding", "gzip");
            }
            let body = req.send().await.unwrap().bytes().await.unwrap();
            each.push(t.elapsed());
            bodies.push(body);
        }
        times.push(each);
        // Checked after timing, so that the check costs the scrapes nothing.
        for body in bodies.drain(..) {
            let size = body.len();
            let text = if gzip {
                sizes.1 = size;
                let mut text = Vec::new();
                flate2::read::GzDecoder::new(&body[..])
                    .read_to_end(&mut text)
                    .expect("the gzip body decodes");
                text
            } else {
                sizes.0 = size;
                body.to_vec()
            };
            check_body(&text);
        }
    }
    println!("URLs: {URLS} (200,000 series), one period; every body checked");
    println!("start-up to first full scrape (100 pages of 1000 rows over loopback): {first:.2?}");
    println!(
        "scrape, text format: median {:.2?} for {:.1} MiB",
        median(&times[0]),
        sizes.0 as f64 / 1048576.0
    );
    println!(
        "scrape, gzip: first after a refresh {:.2?} (compresses the provider data), then median {:.2?}, for {:.1} MiB",
        times[1][0],
        median(&times[1][1..]),
        sizes.1 as f64 / 1048576.0
    );
    println!(
        "exporter peak RSS: {:.0} MiB",
        peak_rss_mib(exporter.0.id())
    );
}
