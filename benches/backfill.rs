//! Backfill benchmark: one ScaleEngine account (1,000 URLs in three apps)
//! and one Wowza account (the seed's resources), served by the in-process
//! simulators in their daily-history mode, backfilled by the real binary
//! in its own process for the last month and for the last twelve months
//! (to midnight today, UTC, one step a day). Prints the wall time and the
//! backfill's peak resident memory for each, and the binary's summary.
//! Each file is checked: it ends in `# EOF`, has the expected steps, and
//! its last month-to-date total of an app is the simulator's. The year is
//! then turned into blocks by `promtool tsdb create-blocks-from openmetrics`
//! and served by a real Prometheus, which must answer that total (when
//! `promtool` and `prometheus` are installed); the time promtool takes is
//! printed too.
//!
//! Environment: `VUE_BENCH_URLS` (default 1000).
//! Run: `cargo bench --bench backfill`.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use time::{Month, OffsetDateTime};
use video_usage_exporter::simulator::scaleengine::{daily_usage, history_account};
use video_usage_exporter::simulator::{wowza, Simulator};

use common::{env_u64, peak_rss_kib, BIN};

/// `date` moved back by `months` calendar months (day 1 stays day 1).
fn months_before(date: time::Date, months: u8) -> time::Date {
    let mut month = date.month();
    let mut year = date.year();
    for _ in 0..months {
        month = month.previous();
        if month == Month::December {
            year -= 1;
        }
    }
    time::Date::from_calendar_date(year, month, date.day()).expect("day 1 exists")
}

/// Blocks from `output`, a Prometheus on them, and `series` at `stamp`
/// from its API, which must be `expected`.
fn serve_with_prometheus(dir: &Path, output: &Path, series: &str, stamp: i64, expected: u64) {
    let installed = |tool: &str| Command::new(tool).arg("--version").output().is_ok();
    if !installed("promtool") || !installed("prometheus") {
        println!("  (promtool or prometheus not installed: the year was not served)");
        return;
    }
    let data = dir.join("data");
    let started = Instant::now();
    // The largest block promtool makes for a year (2 h × 3^7 = 182 days):
    // it reads the whole file once per block.
    let blocks = Command::new("promtool")
        .args([
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=4374h",
        ])
        .arg(output)
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        blocks.status.success(),
        "{}",
        String::from_utf8_lossy(&blocks.stderr)
    );
    let promtool = started.elapsed();
    std::fs::write(
        dir.join("prometheus.yml"),
        "global:\n  scrape_interval: 1m\n",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut prometheus = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg("--storage.tsdb.retention.time=100y")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let query = series.trim_end();
    let url = format!("http://127.0.0.1:{port}/api/v1/query");
    let deadline = Instant::now() + Duration::from_secs(120);
    let answer = loop {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let body = runtime.block_on(async {
            let response = reqwest::Client::new()
                .get(&url)
                .query(&[("query", query.to_string()), ("time", stamp.to_string())])
                .send()
                .await
                .ok()?;
            response.text().await.ok()
        });
        if let Some(body) = body.filter(|b| b.contains("\"result\":[{")) {
            break body;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus never served the year"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = prometheus.kill();
    let _ = prometheus.wait();
    assert!(
        answer.contains(&format!("\"{expected}\"]")),
        "Prometheus: {answer}, expected {expected}"
    );
    println!(
        "  the year in a real Prometheus: promtool made its blocks in {:.1} s; the last month's total is served",
        promtool.as_secs_f64()
    );
}

fn main() {
    let urls = env_u64("VUE_BENCH_URLS").unwrap_or(1000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let se = history_account(urls);
    let sim = runtime
        .block_on(Simulator::start(se.clone(), wowza::history_account()))
        .unwrap();
    let wsc = wowza::history_account();
    let dir = std::env::temp_dir().join(format!("vue-bench-backfill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.yml");
    std::fs::write(
        &config,
        format!(
            "scaleengine:\n  - account: se\n    api_url: {}\n    api_key: {}\n    api_secret: {}\n    cdn_id: {}\n    periods: [month, day, previous_month]\nwowza:\n  - account: wsc\n    api_url: {}\n    api_key: {}\n    access_key: {}\n    periods: [month, day, previous_month]\n",
            sim.scaleengine_url(),
            se.api_key,
            se.api_secret,
            se.cdn_id,
            sim.wowza_url(),
            wsc.api_key,
            wsc.access_key,
        ),
    )
    .unwrap();
    let today = OffsetDateTime::now_utc().date();
    let to = today.replace_day(1).unwrap();
    println!("backfill of {urls} ScaleEngine URLs and one Wowza account, one step a day, to {to}");
    for months in [1u8, 12] {
        let from = months_before(to, months);
        let output = dir.join(format!("{months}.om"));
        let _ = std::fs::remove_file(&output);
        let started = Instant::now();
        let mut child = Command::new(BIN)
            .args([
                "backfill",
                &format!("--config.file={}", config.display()),
                &format!("--from={from}"),
                &format!("--to={to}"),
                &format!("--output={}", output.display()),
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut peak = 0;
        let status = loop {
            if let Some(rss) = peak_rss_kib(child.id()) {
                peak = peak.max(rss);
            }
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let elapsed = started.elapsed();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(status.success(), "backfill failed: {stderr}");
        let steps = (to - from).whole_days();
        assert!(
            stderr.contains(&format!("backfill: {steps} steps written")),
            "{stderr}"
        );
        let text = std::fs::read_to_string(&output).unwrap();
        assert!(text.ends_with("\n# EOF\n"));
        // The last step's month so far of app 1: the month before `to`.
        let last = to.previous_day().unwrap();
        let stamp = last
            .with_hms(23, 59, 59)
            .unwrap()
            .assume_utc()
            .unix_timestamp();
        let series = "scaleengine_app_bytes{account=\"se\",period=\"month\",app=\"history-1\"} ";
        let served: u64 = text
            .lines()
            .filter_map(|l| l.strip_prefix(series))
            .filter_map(|rest| rest.strip_suffix(&format!(" {stamp}")))
            .map(|v| v.parse().unwrap())
            .next()
            .expect("the last step's month of history-1");
        let expected: u64 = se.apps[0]
            .day
            .iter()
            .map(|row| {
                daily_usage(
                    row.bytes,
                    u64::try_from(last.year()).unwrap(),
                    u64::from(u8::from(last.month())),
                    None,
                    std::time::SystemTime::now(),
                )
            })
            .sum();
        assert_eq!(served, expected, "the simulator's month");
        println!(
            "  {months:>2} month(s), {steps} steps: {:.1} s, peak RSS {:.1} MiB, {:.1} MiB written; {}",
            elapsed.as_secs_f64(),
            peak as f64 / 1024.0,
            text.len() as f64 / f64::from(1 << 20),
            stderr.trim()
        );
        if months == 12 {
            serve_with_prometheus(&dir, &output, series, stamp, served);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
