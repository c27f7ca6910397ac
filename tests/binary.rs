//! The real binary: `--demo`, `check-config`, SIGTERM, and a real
//! Prometheus (and promtool) scraping it.
//!
//! The Prometheus test needs `prometheus` and `promtool` on PATH. Without
//! them it is skipped locally, but fails when `CI` is set, so CI cannot pass
//! it by accident.

mod common;

use common::process::{free_port, start_prometheus, temp_dir, Running, BIN};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use video_usage_exporter::simulator::scaleengine::huge_account;
use video_usage_exporter::simulator::{wowza, Simulator};

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

/// The binary serving `config` on a free port (not waited for).
fn start_with_config(config: &Path) -> (Running, u16) {
    let port = free_port();
    let child = Command::new(BIN)
        .args([
            &format!("--config.file={}", config.display()),
            &format!("--web.listen-address=127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Running(child), port)
}

fn start_demo() -> (Running, u16) {
    start_demo_with(Command::new(BIN))
}

/// `command` (the binary, or a wrapper that runs it) in `--demo` mode.
fn start_demo_with(mut command: Command) -> (Running, u16) {
    let port = free_port();
    let child = command
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
    assert!(body.contains(
        "wowza_cloud_peak_recording_storage_bytes{account=\"demo-jwt\",period=\"month\"}"
    ));
    let down: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with("video_usage_exporter_up{") && l.ends_with(" 0"))
        .collect();
    assert!(down.is_empty(), "demo endpoints down: {down:?}");
    let landing = get(&format!("http://127.0.0.1:{port}/")).unwrap().1;
    assert!(landing.contains("href=\"/metrics\""));
    // An operator's page: per endpoint state, data age, series, next refresh.
    assert!(
        landing.contains("<td>usage/time/transcoders</td><td>previous_month</td><td>up</td>"),
        "{landing}"
    );
    assert!(
        landing.contains(" ago</td>") && landing.contains("<li>wowza <code>demo-jwt</code></li>")
    );
    assert!(landing.contains("video-usage-overview.json"));
    assert!(!landing.contains("demo-secret-not-a-real-one"));
    // `--version` and build_info say the same.
    let version = Command::new(BIN).arg("--version").output().unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    let info = body
        .lines()
        .find(|l| l.starts_with("video_usage_exporter_build_info{"))
        .unwrap();
    for part in info.split(['{', '}', ',']).filter(|p| p.contains('=')) {
        let value = part.split_once('=').unwrap().1.trim_matches('"');
        assert!(version.contains(value), "{version} lacks {part}");
    }
    assert!(info.contains("rustc=\""), "{info}");

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
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .ends_with(": valid (1 scaleengine and 0 wowza account(s))\n"),
        "{out:?}"
    );

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

/// Whether prometheus and promtool are installed; fails under CI when not.
fn have_prometheus() -> bool {
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
        return false;
    }
    true
}

/// A real Prometheus scraping the exporter on `port` every `interval`.
struct Prometheus {
    _process: Running,
    port: u16,
}

impl Prometheus {
    fn start(name: &str, port: u16, interval: &str) -> Prometheus {
        let dir = temp_dir(name);
        let config = format!(
            "global:\n  scrape_interval: {interval}\n  scrape_timeout: {interval}\nscrape_configs:\n  - job_name: video-usage\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        );
        let (process, port) = start_prometheus(&dir, &config, &dir.join("data"), &[]);
        Prometheus {
            _process: process,
            port,
        }
    }

    /// The API's answer to an instant query (URL-encoded), or "".
    fn query(&self, q: &str) -> String {
        get(&format!(
            "http://127.0.0.1:{}/api/v1/query?query={q}",
            self.port
        ))
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b)
        .unwrap_or_default()
    }

    /// The single value of an instant query's result, when there is one.
    fn value(&self, q: &str) -> Option<f64> {
        let body = self.query(q);
        let (_, rest) = body.split_once("\"value\":[")?;
        let (_, value) = rest.split_once(",\"")?;
        value.split('"').next()?.parse().ok()
    }
}

#[test]
fn real_prometheus_scrapes_the_exporter() {
    if !have_prometheus() {
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
    let prometheus = Prometheus::start("prometheus", port, "1s");
    wait_for(
        "Prometheus stores scaleengine_app_bytes",
        Duration::from_secs(60),
        || {
            prometheus
                .query("count(scaleengine_app_bytes)")
                .contains("\"value\"")
        },
    );
    let up = prometheus.query("up%7Bjob%3D%22video-usage%22%7D");
    assert!(up.contains("\"1\"]"), "scrape health: {up}");
    let exporter_up = prometheus.query("video_usage_exporter_up");
    assert!(exporter_up.contains("\"1\"]"), "{exporter_up}");
    // Prometheus counts samples it dropped as duplicates in its own metrics.
    let own = get(&format!("http://127.0.0.1:{}/metrics", prometheus.port))
        .unwrap()
        .1;
    assert!(
        own.contains("\nprometheus_target_scrapes_sample_duplicate_timestamp_total 0\n"),
        "Prometheus saw duplicate samples"
    );
}

/// Issue 16: Prometheus (which always asks for gzip) could not scrape this
/// account: the gzip body was corrupt for this data.
#[test]
fn real_prometheus_scrapes_a_100k_url_account_with_gzip() {
    if !have_prometheus() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = huge_account(100_000, "huge-key", "huge-secret");
    let sim = runtime
        .block_on(Simulator::start(account, wowza::demo_account()))
        .unwrap();
    let dir = temp_dir("huge");
    let config = dir.join("huge.yml");
    std::fs::write(
        &config,
        format!(
            "scaleengine:\n  - account: main\n    api_url: {}\n    api_key: huge-key\n    api_secret: huge-secret\n    cdn_id: 1\n    apps: [huge]\n    periods: [month]\n",
            sim.scaleengine_url()
        ),
    )
    .unwrap();
    let (_exporter, port) = start_with_config(&config);
    wait_for("exporter ready", Duration::from_secs(120), || {
        get(&format!("http://127.0.0.1:{port}/-/ready")).is_some_and(|(s, _)| s == 200)
    });

    let prometheus = Prometheus::start("prometheus-huge", port, "5s");
    let job = "%7Bjob%3D%22video-usage%22%7D";
    wait_for(
        "Prometheus scrapes the 100k-URL account",
        Duration::from_secs(120),
        || prometheus.value(&format!("up{job}")).is_some(),
    );
    assert_eq!(prometheus.value(&format!("up{job}")), Some(1.0));
    let samples = prometheus
        .value(&format!("scrape_samples_scraped{job}"))
        .unwrap();
    assert!(samples >= 200_000.0, "scrape_samples_scraped {samples}");
    assert_eq!(
        prometheus.value("count(scaleengine_video_bytes)"),
        Some(100_000.0)
    );
    // The body Prometheus got is valid gzip (checked by the gzip command).
    let gzip = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .header("Accept", "application/openmetrics-text;version=1.0.0")
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    let mut check = Command::new("gzip")
        .arg("-t")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    check.stdin.take().unwrap().write_all(&gzip).unwrap();
    let check = check.wait_with_output().unwrap();
    assert!(check.status.success(), "gzip -t: {check:?}");

    drop(runtime);
}

/// A scrape's body and the exporter's own time (its `Date` header).
fn scrape_dated(port: u16) -> (String, SystemTime) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        let date = response.headers()["date"].to_str().unwrap().to_string();
        let date = httpdate::parse_http_date(&date).unwrap();
        (response.text().await.unwrap(), date)
    })
}

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Issue 11: the real binary and its demo simulators on a clock 20 s
/// before a month ends (`faketime`, as a user would check it).
#[test]
fn month_end_on_a_moved_clock_serves_no_old_month_as_new() {
    if Command::new("faketime").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide faketime (apt-get install faketime)"
        );
        eprintln!("faketime not installed; skipping");
        return;
    }
    let mut command = Command::new("faketime");
    command.args(["2026-11-30 23:59:35", BIN]);
    // faketime runs the exporter as its own child: a group ends both.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let (_exporter, port) = start_demo_with(command);
    let boundary = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_083_200); // 2026-12-01
    let november = 1_793_491_200.0; // 2026-11-01
    let start = |provider: &str, period: &str| {
        format!("video_usage_period_start_timestamp_seconds{{provider=\"{provider}\",account=\"demo\",period=\"{period}\"}}")
    };
    let month_bytes = "scaleengine_app_bytes{account=\"demo\",period=\"month\",app=\"demo-vod\"}";
    let previous_bytes =
        "scaleengine_app_bytes{account=\"demo\",period=\"previous_month\",app=\"demo-vod\"}";
    let mut last_november = None;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        assert!(Instant::now() < deadline, "the new month never arrived");
        let (text, at) = scrape_dated(port);
        if at < boundary {
            if value(&text, &start("scaleengine", "month")) == Some(november) {
                last_november = value(&text, month_bytes);
            }
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        // After midnight, whatever `month` holds is December's.
        for provider in ["scaleengine", "wowza"] {
            if let Some(s) = value(&text, &start(provider, "month")) {
                assert_eq!(s, 1_796_083_200.0, "{provider}: November served as month");
            }
        }
        let wowza_month =
            text.contains("wowza_cloud_transcoder_used_seconds{account=\"demo\",period=\"month\"");
        let done = value(&text, month_bytes).is_some()
            && wowza_month
            && value(&text, &start("wowza", "previous_month")) == Some(november)
            && value(&text, &start("scaleengine", "previous_month")) == Some(november);
        if done {
            let november_to_date = last_november.expect("November was served before midnight");
            let final_november = value(&text, previous_bytes).unwrap();
            assert!(value(&text, month_bytes).unwrap() < november_to_date / 1000.0);
            assert!(
                final_november >= november_to_date,
                "{final_november} < {november_to_date}"
            );
            // Wowza was asked for the new window and for the closed one.
            let window = |edge: &str, period: &str| {
                value(&text, &format!("wowza_cloud_usage_window_{edge}_timestamp_seconds{{account=\"demo\",period=\"{period}\",resource=\"usage/time/transcoders\"}}"))
            };
            assert_eq!(window("start", "month"), Some(1_796_083_200.0));
            assert_eq!(window("start", "previous_month"), Some(november));
            assert_eq!(window("end", "previous_month"), Some(1_796_083_199.0));
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// SIGHUP re-reads the config file, as for Prometheus.
#[test]
fn sighup_reloads_the_config_file() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(Simulator::start(
            huge_account(10, "hup-key", "hup-secret"),
            wowza::demo_account(),
        ))
        .unwrap();
    let account = |name: &str| {
        format!(
            "  - account: {name}\n    api_url: {}\n    api_key: hup-key\n    api_secret: hup-secret\n    cdn_id: 1\n    apps: [huge]\n    periods: [month]\n",
            sim.scaleengine_url()
        )
    };
    let dir = temp_dir("sighup");
    let config = dir.join("config.yml");
    std::fs::write(&config, format!("scaleengine:\n{}", account("first"))).unwrap();
    let (exporter, port) = start_with_config(&config);
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    let serves = |name: &str| {
        get(&metrics).is_some_and(|(_, body)| {
            body.contains(&format!("scaleengine_app_bytes{{account=\"{name}\""))
        })
    };
    wait_for("the first account", Duration::from_secs(30), || {
        serves("first")
    });
    std::fs::write(
        &config,
        format!("scaleengine:\n{}{}", account("first"), account("second")),
    )
    .unwrap();
    assert!(Command::new("kill")
        .args(["-HUP", &exporter.0.id().to_string()])
        .status()
        .unwrap()
        .success());
    wait_for(
        "the second account after SIGHUP",
        Duration::from_secs(30),
        || serves("second") && serves("first"),
    );
}
