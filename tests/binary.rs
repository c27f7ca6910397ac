//! The real binary: `--demo`, `check-config`, SIGTERM, and a real
//! Prometheus (and promtool) scraping it.
//!
//! The Prometheus test needs `prometheus` and `promtool` on PATH. Without
//! them it is skipped locally, but fails when `CI` is set, so CI cannot pass
//! it by accident.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_video-usage-exporter");

/// Kills the child process when dropped, so a failing test leaves nothing.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A blocking GET: (status, body), or `None` when nothing answered.
fn get(url: &str) -> Option<(u16, String)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .ok()?;
        let status = response.status().as_u16();
        Some((status, response.text().await.ok()?))
    })
}

fn wait_for(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start_demo() -> (Running, u16) {
    let port = free_port();
    let child = Command::new(BIN)
        .args(["--demo", &format!("--web.listen-address=127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running(child);
    wait_for("exporter listening", Duration::from_secs(30), || {
        get(&format!("http://127.0.0.1:{port}/-/healthy")).is_some_and(|(s, _)| s == 200)
    });
    (running, port)
}

#[test]
fn demo_serves_both_providers_at_once_and_stops_on_sigterm() {
    let (mut running, port) = start_demo();
    let (status, body) = get(&format!("http://127.0.0.1:{port}/metrics")).unwrap();
    assert_eq!(status, 200);
    assert!(
        body.contains("scaleengine_video_bytes{account=\"demo\""),
        "{body}"
    );
    assert!(body.contains("scaleengine_app_bytes{account=\"demo\""));
    assert!(body.contains("wowza_cloud_transcoder_used_seconds{account=\"demo\""));
    assert!(body.contains("wowza_cloud_stream_target_unique_viewers_by_country{account=\"demo\""));
    assert!(body.contains("wowza_cloud_peak_recording_storage_bytes{account=\"demo-jwt\"}"));
    let down: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with("video_usage_exporter_up{") && l.ends_with(" 0"))
        .collect();
    assert!(down.is_empty(), "demo endpoints down: {down:?}");
    let landing = get(&format!("http://127.0.0.1:{port}/")).unwrap().1;
    assert!(landing.contains("href=\"/metrics\""));

    let pid = running.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = running.0.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status}");
            break;
        }
        assert!(Instant::now() < deadline, "no exit within 10s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vue-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn check_config(path: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(["check-config", &format!("--config.file={}", path.display())])
        .output()
        .unwrap()
}

#[test]
fn check_config_accepts_good_files_and_names_line_and_key_of_bad_ones() {
    let dir = temp_dir("check-config");
    let good = dir.join("good.yml");
    std::fs::write(
        &good,
        "scaleengine:\n  - account: main\n    api_key: ${VUE_TEST_KEY}\n    api_secret: s\n    cdn_id: 158\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["check-config", &format!("--config.file={}", good.display())])
        .env("VUE_TEST_KEY", "k")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/config.yml");
    let out = Command::new(BIN)
        .args(["check-config", &format!("--config.file={example}")])
        .envs([
            ("SCALEENGINE_API_KEY", "k"),
            ("SCALEENGINE_API_SECRET", "s"),
            ("WSC_API_KEY", "k"),
            ("WSC_ACCESS_KEY", "a"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "examples/config.yml: {out:?}");

    let bad = dir.join("bad.yml");
    std::fs::write(
        &bad,
        "refresh_interval: 5m\nscaleengine:\n  - account: main\n    api_key: k\n    api_secret: s\n    cdn_id: 158\n    appz: [x]\n",
    )
    .unwrap();
    let out = check_config(&bad);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yml"), "{err}");
    assert!(err.contains("unknown field `appz`"), "{err}");
    assert!(err.contains("line 7"), "{err}");

    let out = check_config(&dir.join("missing.yml"));
    assert!(!out.status.success());
}

#[test]
fn real_prometheus_scrapes_the_exporter() {
    let have = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("prometheus") || !have("promtool") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide prometheus and promtool (apt-get install prometheus)"
        );
        eprintln!("prometheus/promtool not installed; skipping");
        return;
    }
    let (_exporter, port) = start_demo();

    // promtool lints the text format a plain scrape gets.
    let body = get(&format!("http://127.0.0.1:{port}/metrics")).unwrap().1;
    let mut lint = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    lint.stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let lint = lint.wait_with_output().unwrap();
    assert!(
        lint.status.success() && lint.stdout.is_empty() && lint.stderr.is_empty(),
        "promtool check metrics: {lint:?}"
    );

    // A real Prometheus scrapes it (negotiating OpenMetrics) and stores it.
    let dir = temp_dir("prometheus");
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: video-usage\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .unwrap();
    let prom_port = free_port();
    let _prometheus = Running(
        Command::new("prometheus")
            .args([
                &format!("--config.file={}", config.display()),
                &format!("--storage.tsdb.path={}", dir.join("data").display()),
                &format!("--web.listen-address=127.0.0.1:{prom_port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let query = |q: &str| {
        get(&format!(
            "http://127.0.0.1:{prom_port}/api/v1/query?query={q}"
        ))
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b)
        .unwrap_or_default()
    };
    wait_for(
        "Prometheus stores scaleengine_app_bytes",
        Duration::from_secs(60),
        || query("count(scaleengine_app_bytes)").contains("\"value\""),
    );
    let up = query("up%7Bjob%3D%22video-usage%22%7D");
    assert!(up.contains("\"1\"]"), "scrape health: {up}");
    let exporter_up = query("video_usage_exporter_up");
    assert!(exporter_up.contains("\"1\"]"), "{exporter_up}");
    // Prometheus counts samples it dropped as duplicates in its own metrics.
    let own = get(&format!("http://127.0.0.1:{prom_port}/metrics"))
        .unwrap()
        .1;
    assert!(
        own.contains("\nprometheus_target_scrapes_sample_duplicate_timestamp_total 0\n"),
        "Prometheus saw duplicate samples"
    );
}
