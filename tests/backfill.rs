//! `backfill` end to end, as the README's path goes: the real binary on a
//! clock moved to 2024-04-02 (`faketime`) backfills three months (January
//! to March 2024, a leap day and two month ends) from the simulators in
//! their daily-history mode; `promtool tsdb create-blocks-from openmetrics`
//! turns the file into blocks; a real Prometheus serves them. Its HTTP API
//! must answer, at chosen seconds, what the simulators' APIs answer for
//! those days and months, and a dashboard's query must have data over the
//! whole range.
//!
//! Needs `faketime`, `promtool`, `prometheus` and `script` (the progress
//! bar needs a terminal; skipped without them,
//! except under CI).

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Map, Value};
use time::macros::datetime;
use time::OffsetDateTime;

use common::process::{start_prometheus, temp_dir, Running, BIN};
use video_usage_exporter::clock::ManualClock;
use video_usage_exporter::providers::scaleengine::sign::signed_json;
use video_usage_exporter::simulator::{scaleengine, wowza, Simulator};

/// Whether `tools` are installed; under CI they must be.
fn have(tools: &[&str]) -> bool {
    let missing: Vec<_> = tools
        .iter()
        .filter(|tool| {
            Command::new(tool)
                .arg("--version")
                .output()
                .map_or(true, |o| !o.status.success() && **tool != "faketime")
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must provide {missing:?} (apt-get install prometheus faketime)"
    );
    eprintln!("{missing:?} not installed; skipping");
    false
}

/// The simulators' own answers, asked for over HTTP as any client would.
struct Providers {
    sim: Simulator,
    clock: Arc<ManualClock>,
    scaleengine: scaleengine::Account,
    wowza: wowza::Account,
    http: reqwest::Client,
}

impl Providers {
    /// The simulators in their daily-history mode (`urls` ScaleEngine
    /// URLs), on a clock fixed at `moved`.
    async fn start(moved: OffsetDateTime, urls: u64) -> Providers {
        let clock = Arc::new(ManualClock::new(SystemTime::from(moved)));
        let (scaleengine, wowza) = (scaleengine::history_account(urls), wowza::history_account());
        let sim = Simulator::start_with_clock(scaleengine.clone(), wowza.clone(), clock.clone())
            .await
            .unwrap();
        Providers {
            sim,
            clock,
            scaleengine,
            wowza,
            http: reqwest::Client::new(),
        }
    }

    /// A config of one account of each (`se` and `wsc`), with the key
    /// lines `scaleengine` and `wowza` (each ending in a newline) added.
    fn yaml(&self, scaleengine: &str, wowza: &str) -> String {
        let indent = |keys: &str| {
            keys.lines()
                .map(|line| format!("    {line}\n"))
                .collect::<String>()
        };
        format!(
            "scaleengine:\n  - account: se\n    api_url: {}\n    api_key: {}\n    api_secret: {}\n    cdn_id: {}\n{}wowza:\n  - account: wsc\n    api_url: {}\n    api_key: {}\n    access_key: {}\n{}",
            self.sim.scaleengine_url(),
            self.scaleengine.api_key,
            self.scaleengine.api_secret,
            self.scaleengine.cdn_id,
            indent(scaleengine),
            self.sim.wowza_url(),
            self.wowza.api_key,
            self.wowza.access_key,
            indent(wowza),
        )
    }

    /// [`Providers::yaml`], parsed.
    fn config(&self, scaleengine: &str, wowza: &str) -> video_usage_exporter::config::Config {
        video_usage_exporter::config::Config::parse(&self.yaml(scaleengine, wowza), "t.yml")
            .unwrap()
    }

    /// An app's `video.usage` bytes for a month, or a day of it: the sum
    /// of every row the API lists.
    async fn scaleengine_bytes(&self, app: &str, year: i32, month: u8, day: Option<u8>) -> u64 {
        // The simulator's clock is fixed at the moved time.
        let timestamp = u64::try_from(MOVED.unix_timestamp()).unwrap();
        let mut request = Map::new();
        request.insert("api_key".into(), self.scaleengine.api_key.clone().into());
        request.insert("cdn_id".into(), self.scaleengine.cdn_id.into());
        request.insert("command".into(), "video.usage".into());
        request.insert("timestamp".into(), timestamp.into());
        request.insert("app".into(), app.into());
        request.insert("year".into(), year.into());
        request.insert("month".into(), month.into());
        if let Some(day) = day {
            request.insert("day".into(), day.into());
        }
        request.insert("limit".into(), 1000.into());
        request.insert("offset".into(), 0.into());
        let body = signed_json(request, &self.scaleengine.api_secret);
        let answer = json(
            self.http
                .post(self.sim.scaleengine_url())
                .form(&[("json", body.as_str())]),
        )
        .await;
        let rows = answer["usage"].as_array().expect("usage rows");
        assert!(rows.len() < 1000, "one page");
        rows.iter()
            .map(|row| match &row["bytes_total"] {
                Value::String(s) => s.parse::<u64>().unwrap(),
                other => other.as_u64().unwrap(),
            })
            .sum()
    }

    /// The sum of `bytes_used` over the stream targets, for `from`..`to`.
    async fn wowza_target_bytes(&self, from: OffsetDateTime, to: OffsetDateTime) -> u64 {
        let format =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        let answer = json(
            self.http
                .get(format!(
                    "{}/usage/network/stream_targets",
                    self.sim.wowza_url()
                ))
                .query(&[
                    ("from", from.format(&format).unwrap()),
                    ("to", to.format(&format).unwrap()),
                ])
                .header("wsc-api-key", &self.wowza.api_key)
                .header("wsc-access-key", &self.wowza.access_key),
        )
        .await;
        answer["stream_targets"]
            .as_array()
            .expect("stream targets")
            .iter()
            .map(|t| t["bytes_used"].as_u64().unwrap())
            .sum()
    }
}

/// The JSON answer to `request`.
async fn json(request: reqwest::RequestBuilder) -> Value {
    let text = request.send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Where the clocks are: the second day of April 2024.
const MOVED: OffsetDateTime = datetime!(2024-04-02 06:00 UTC);

/// A real Prometheus on a data directory of backfilled blocks.
struct Prometheus {
    _process: Running,
    port: u16,
}

impl Prometheus {
    fn start(dir: &Path, data: &Path) -> Prometheus {
        let (process, port) = start_prometheus(
            dir,
            "global:\n  scrape_interval: 1m\n",
            data,
            // The blocks are from 2024: older than the default 15 days.
            &["--storage.tsdb.retention.time=100y"],
        );
        Prometheus {
            _process: process,
            port,
        }
    }

    async fn api(&self, path: &str, params: &[(&str, String)]) -> Value {
        let url = format!("http://127.0.0.1:{}/api/v1/{path}", self.port);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answer = reqwest::Client::new().get(&url).query(params).send().await;
            if let Ok(answer) = answer {
                if answer.status() == 200 {
                    return serde_json::from_str(&answer.text().await.unwrap()).unwrap();
                }
            }
            assert!(Instant::now() < deadline, "Prometheus never answered {url}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The value of a one-series instant query at `at`.
    async fn value(&self, query: &str, at: OffsetDateTime) -> u64 {
        let answer = self
            .api(
                "query",
                &[
                    ("query", query.to_string()),
                    ("time", at.unix_timestamp().to_string()),
                ],
            )
            .await;
        let result = answer["data"]["result"].as_array().unwrap();
        assert_eq!(result.len(), 1, "{query} at {at}: {answer}");
        result[0]["value"][1].as_str().unwrap().parse().unwrap()
    }
}

#[test]
fn three_months_backfilled_serve_the_providers_numbers_from_a_real_prometheus() {
    if !have(&["faketime", "promtool", "prometheus", "script"]) {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    let providers = runtime.block_on(Providers::start(MOVED, 30));
    let dir = temp_dir("backfill-e2e");
    let config = dir.join("config.yml");
    let yaml = providers.yaml(
        "periods: [month, day, previous_month]\nmax_series: 8\nexclude: [\"file-00000[0-3]\\\\.mp4\"]\nquotas: {egress_bytes: {month: 1TB}}\n",
        "periods: [month, day, previous_month]\n",
    );
    std::fs::write(&config, yaml).unwrap();

    // The binary on the moved clock, in its own process group with faketime.
    let output = dir.join("history.om");
    // Under `script`, standard error is a terminal, so the progress bar
    // is drawn.
    let command = format!(
        "faketime '2024-04-02 06:00:00' {BIN} backfill --config.file={} --from=2024-01-01 --to=2024-04-01 --output={}",
        config.display(),
        output.display()
    );
    let mut backfill = Command::new("script");
    backfill.args(["-qefc", &command, "/dev/null"]);
    let done = runtime.block_on(async {
        tokio::task::spawn_blocking(move || backfill.output().unwrap())
            .await
            .unwrap()
    });
    let terminal = String::from_utf8_lossy(&done.stdout);
    assert!(done.status.success(), "backfill failed: {terminal}");
    assert!(
        terminal.contains("backfill: 91 steps written"),
        "{terminal}"
    );
    assert!(
        terminal.contains("/91 steps, ") && terminal.contains(" upstream calls, ETA "),
        "a progress bar: {terminal}"
    );
    let text = std::fs::read_to_string(&output).unwrap();
    assert!(text.ends_with("\n# EOF\n"));
    assert!(!Path::new(&format!("{}.progress", output.display())).exists());

    let data = dir.join("data");
    let blocks = Command::new("promtool")
        .args([
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=4374h",
        ])
        .arg(&output)
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        blocks.status.success(),
        "promtool: {}",
        String::from_utf8_lossy(&blocks.stderr)
    );
    let prometheus = Prometheus::start(&dir, &data);

    runtime.block_on(async {
        let app = "history-1";
        let se_day = |period: &str| {
            format!("scaleengine_app_bytes{{account=\"se\",app=\"{app}\",period=\"{period}\"}}")
        };
        // The capped per-URL series still sum to the app's total.
        let urls = |period: &str| {
            format!(
                "sum(scaleengine_video_bytes{{account=\"se\",app=\"{app}\",period=\"{period}\"}})"
            )
        };
        let leap_day = datetime!(2024-02-29 23:59:59 UTC);
        let day = providers.scaleengine_bytes(app, 2024, 2, Some(29)).await;
        assert_eq!(
            prometheus.value(&se_day("day"), leap_day).await,
            day,
            "leap day"
        );
        assert_eq!(prometheus.value(&urls("day"), leap_day).await, day);
        let february = providers.scaleengine_bytes(app, 2024, 2, None).await;
        assert_eq!(prometheus.value(&se_day("month"), leap_day).await, february);
        assert_eq!(prometheus.value(&urls("month"), leap_day).await, february);
        let february_first = datetime!(2024-02-01 23:59:59 UTC);
        let (first, january) = (
            providers.scaleengine_bytes(app, 2024, 2, Some(1)).await,
            providers.scaleengine_bytes(app, 2024, 1, None).await,
        );
        assert_eq!(
            prometheus.value(&se_day("month"), february_first).await,
            first
        );
        assert_eq!(
            prometheus
                .value(&se_day("previous_month"), february_first)
                .await,
            january,
            "January, closed"
        );
        let march_first = datetime!(2024-03-01 23:59:59 UTC);
        let first = providers.scaleengine_bytes(app, 2024, 3, Some(1)).await;
        assert_eq!(prometheus.value(&se_day("month"), march_first).await, first);
        assert_eq!(
            prometheus
                .value(&se_day("previous_month"), march_first)
                .await,
            february,
            "February, closed"
        );
        let mid_january = datetime!(2024-01-17 23:59:59 UTC);
        let mut january_to_date = 0;
        for d in 1..=17 {
            january_to_date += providers.scaleengine_bytes(app, 2024, 1, Some(d)).await;
        }
        assert_eq!(
            prometheus.value(&se_day("month"), mid_january).await,
            january_to_date
        );
        assert_ne!(
            prometheus.value(&se_day("day"), mid_january).await,
            prometheus
                .value(&se_day("day"), datetime!(2024-01-16 23:59:59 UTC))
                .await,
            "days differ: no day stands in for another"
        );

        let wowza = |period: &str| {
            format!(
                "sum(wowza_cloud_stream_target_used_bytes{{account=\"wsc\",period=\"{period}\"}})"
            )
        };
        // Wowza: month to date, a leap day, a closed February.
        let mid_march = datetime!(2024-03-15 23:59:59 UTC);
        for (period, at, from, to) in [
            (
                "month",
                mid_march,
                datetime!(2024-03-01 0:00 UTC),
                mid_march,
            ),
            ("day", leap_day, datetime!(2024-02-29 0:00 UTC), leap_day),
            ("month", leap_day, datetime!(2024-02-01 0:00 UTC), leap_day),
            (
                "previous_month",
                mid_march,
                datetime!(2024-02-01 0:00 UTC),
                leap_day,
            ),
        ] {
            assert_eq!(
                prometheus.value(&wowza(period), at).await,
                providers.wowza_target_bytes(from, to).await,
                "wowza {period} at {at}"
            );
        }

        // A dashboard's panel over the whole range: a point every day.
        let dashboard: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/dashboards/video-usage-scaleengine.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let expr = dashboard["panels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| std::iter::once(p).chain(p["panels"].as_array().into_iter().flatten()))
            .find(|p| p["title"] == "Requests per app, month to date")
            .expect("the panel")["targets"][0]["expr"]
            .as_str()
            .unwrap()
            .replace("$account", ".*")
            .replace("$app", ".*");
        let range = prometheus
            .api(
                "query_range",
                &[
                    ("query", expr.clone()),
                    (
                        "start",
                        datetime!(2024-01-01 23:59:59 UTC)
                            .unix_timestamp()
                            .to_string(),
                    ),
                    (
                        "end",
                        datetime!(2024-03-31 23:59:59 UTC)
                            .unix_timestamp()
                            .to_string(),
                    ),
                    ("step", "86400".into()),
                ],
            )
            .await;
        let series = range["data"]["result"].as_array().unwrap();
        assert_eq!(series.len(), 3, "one series per app: {range}");
        for s in series {
            assert_eq!(
                s["values"].as_array().unwrap().len(),
                91,
                "{expr}: a point a day"
            );
        }
    });
}

struct Quiet;

impl video_usage_exporter::backfill::Progress for Quiet {
    fn start(&self, _: u64, _: u64) {}
    fn step(&self, _: u64) {}
}

/// Hourly steps: Wowza, which takes any window, has a sample every hour;
/// ScaleEngine, which knows whole days, one at each day's end. A Wowza API
/// that answers 429 with `Retry-After` first is waited for, as the exporter
/// does, and the run completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hourly_steps_sample_wowza_every_hour_and_scaleengine_at_each_days_end() {
    use video_usage_exporter::backfill::{run, Range};
    let moved = datetime!(2024-03-03 06:00 UTC);
    let providers = Providers::start(moved, 6).await;
    providers.sim.wowza.throttle_first(1, 1);
    let config = providers.config(
        "periods: [month, day]\n",
        "periods: [day]\nviewer_data: false\n",
    );
    let clock = providers.clock.clone();
    let range = Range::new(
        datetime!(2024-03-01 0:00 UTC),
        datetime!(2024-03-03 0:00 UTC),
        Duration::from_secs(3600),
        SystemTime::from(moved),
    )
    .unwrap();
    let dir = temp_dir("backfill-hourly");
    let output = dir.join("hourly.om");
    let summary = run(&config, range, Some(&output), clock, &Quiet)
        .await
        .unwrap();
    assert_eq!(summary.steps, 48);
    let text = std::fs::read_to_string(&output).unwrap();
    let stamps = |prefix: &str| -> std::collections::BTreeSet<i64> {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .map(|l| l.rsplit_once(' ').unwrap().1.parse().unwrap())
            .collect()
    };
    let days_end: std::collections::BTreeSet<i64> = [
        datetime!(2024-03-01 23:59:59 UTC),
        datetime!(2024-03-02 23:59:59 UTC),
    ]
    .iter()
    .map(|t| t.unix_timestamp())
    .collect();
    assert_eq!(stamps("scaleengine_app_bytes{"), days_end);
    let hours = stamps("wowza_cloud_stream_target_used_bytes{");
    assert_eq!(hours.len(), 48);
    assert!(hours
        .iter()
        .all(|t| (t - datetime!(2024-03-01 0:59:59 UTC).unix_timestamp()) % 3600 == 0));
    // The hour's day so far grows within a day and starts again at midnight.
    let target = "wowza_cloud_stream_target_used_bytes{account=\"wsc\",period=\"day\",stream_target_id=\"MZLfHjLH\",stream_target_name=\"My Other Stream Target\"";
    let values: Vec<u64> = text
        .lines()
        .filter(|l| l.starts_with(target))
        .map(|l| l.rsplit(' ').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(values.len(), 48);
    assert!(values[..24].windows(2).all(|w| w[0] < w[1]), "{values:?}");
    assert!(values[24] < values[23], "a new day: {values:?}");
    let throttled = providers
        .sim
        .wowza
        .calls()
        .iter()
        .filter(|c| c.status == 429)
        .count();
    assert!(throttled > 0, "the throttle was met");
}

/// Turns the ScaleEngine API's answers into failures after `after` steps.
struct FailAfter<'a> {
    sim: &'a Simulator,
    after: u64,
    steps: std::sync::atomic::AtomicU64,
}

impl video_usage_exporter::backfill::Progress for FailAfter<'_> {
    fn start(&self, _: u64, _: u64) {}
    fn step(&self, _: u64) {
        let done = self.steps.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if done == self.after {
            self.sim
                .scaleengine
                .set_failure(Some("Service unavailable"));
        }
    }
}

/// A run that fails at its third step keeps the two steps it wrote; the
/// same command then resumes after them, and the file is byte for byte
/// what an uninterrupted run writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_backfill_resumes_to_the_same_file() {
    use video_usage_exporter::backfill::{run, Range};
    let moved = datetime!(2024-03-10 06:00 UTC);
    let providers = Providers::start(moved, 9).await;
    let config = providers.config(
        "periods: [month, day, previous_month]\nmax_series: 4\n",
        "periods: [month]\n",
    );
    let (clock, sim) = (providers.clock.clone(), &providers.sim);
    let range = Range::new(
        datetime!(2024-02-27 0:00 UTC),
        datetime!(2024-03-03 0:00 UTC),
        Duration::from_secs(86_400),
        SystemTime::from(moved),
    )
    .unwrap();
    let dir = temp_dir("backfill-resume");
    let (whole, resumed) = (dir.join("whole.om"), dir.join("resumed.om"));
    run(&config, range, Some(&whole), clock.clone(), &Quiet)
        .await
        .unwrap();

    let failing = FailAfter {
        sim,
        after: 2,
        steps: Default::default(),
    };
    let error = run(&config, range, Some(&resumed), clock.clone(), &failing)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("scaleengine account `se`") && error.contains("2024-02-29T23:59:59Z"),
        "{error}"
    );
    let progress = std::fs::read_to_string(dir.join("resumed.om.progress")).unwrap();
    assert!(progress.contains("steps_done=2\n"), "{progress}");

    sim.scaleengine.set_failure(None);
    let summary = run(&config, range, Some(&resumed), clock, &Quiet)
        .await
        .unwrap();
    assert_eq!((summary.resumed, summary.steps), (2, 3));
    assert_eq!(
        std::fs::read(&resumed).unwrap(),
        std::fs::read(&whole).unwrap(),
        "resumed = uninterrupted"
    );
}
