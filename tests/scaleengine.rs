//! ScaleEngine end to end: exporter + simulator over real HTTP.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::Read as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::*;
use video_usage_exporter::clock::ManualClock;
use video_usage_exporter::simulator::scaleengine::{Fault, Row};
use video_usage_exporter::simulator::{wowza, Simulator};

/// 2,600 URLs with `/`, non-ASCII, quotes and values above 2^32, plus
/// duplicate rows spread across pages.
fn big_app() -> Vec<Row> {
    let mut rows = Vec::new();
    for i in 0..2600u64 {
        let url = match i % 5 {
            0 => format!("sestore/jb/video_{i}.mp4"),
            1 => format!("live/café-{i}"),
            2 => format!("直播/频道/{i}"),
            3 => format!("odd \"quoted\" \\ name {i}"),
            _ => format!("stream{i}"),
        };
        rows.push(Row::new(url.clone(), 4_294_967_296 + i * 1_000_003, i));
        if i % 9 == 0 {
            rows.push(Row::new(url, 17 + i, 1));
        }
    }
    rows
}

fn expected(rows: &[Row]) -> BTreeMap<String, (u64, u64)> {
    let mut totals = BTreeMap::new();
    for r in rows {
        let e = totals.entry(r.video_url.clone()).or_insert((0, 0));
        e.0 += r.bytes;
        e.1 += r.requests;
    }
    totals
}

fn series(name: &str, app: &str, url: &str, period: &str) -> String {
    format!(
        "{name}{{account=\"main\",period=\"{period}\",app=\"{app}\",video_url=\"{}\"}}",
        escape(url)
    )
}

#[tokio::test]
async fn every_url_across_pages_appears_with_exact_values() {
    let month = big_app();
    let day: Vec<Row> = month
        .iter()
        .take(1500)
        .map(|r| Row::new(r.video_url.clone(), r.bytes / 7, r.requests))
        .collect();
    let sim = start_scaleengine(account(vec![app(
        12,
        "vod-library",
        month.clone(),
        day.clone(),
    )]))
    .await;
    // 700 is not a divisor of anything here, and the fake caps pages at 1000.
    let exporter = start_exporter(&scaleengine_config(
        &sim,
        "    apps: [vod-library]\n    page_size: 700\n",
    ))
    .await;
    let text = scrape(exporter.addr).await;

    for (period, rows) in [("month", &month), ("day", &day)] {
        let want = expected(rows);
        assert!(want.len() >= 1300, "{period}: {} URLs", want.len());
        let bytes = samples(&text, "scaleengine_video_bytes{");
        let requests = samples(&text, "scaleengine_video_requests{");
        for (url, (b, r)) in &want {
            assert_eq!(
                bytes.get(&series(
                    "scaleengine_video_bytes",
                    "vod-library",
                    url,
                    period
                )),
                Some(&b.to_string()),
                "{url} {period}"
            );
            assert_eq!(
                requests.get(&series(
                    "scaleengine_video_requests",
                    "vod-library",
                    url,
                    period
                )),
                Some(&r.to_string()),
                "{url} {period}"
            );
        }
        let period_series = bytes
            .keys()
            .filter(|k| k.contains(&format!(",period=\"{period}\",")))
            .count();
        assert_eq!(period_series, want.len(), "no extra series for {period}");
        let total: u64 = want.values().map(|v| v.0).sum();
        let app_bytes = samples(&text, "scaleengine_app_bytes{");
        assert_eq!(
            app_bytes.get(&format!(
                "scaleengine_app_bytes{{account=\"main\",period=\"{period}\",app=\"vod-library\"}}"
            )),
            Some(&total.to_string())
        );
    }

    assert_eq!(expected(&month).len(), 2600);

    // Every page fetched exactly once: offsets 0, 700, 1400, ... per period.
    let calls = sim.scaleengine.calls();
    let mut seen = HashMap::new();
    for c in &calls {
        *seen.entry(c.clone()).or_insert(0) += 1;
    }
    assert!(
        seen.values().all(|&n| n == 1),
        "a page was fetched twice: {calls:?}"
    );
    let month_rows = month.len() as u64;
    let month_pages = calls.iter().filter(|c| c.day.is_none()).count() as u64;
    assert_eq!(month_pages, month_rows.div_ceil(700));
}

#[tokio::test]
async fn seed_example_duplicates_are_summed_into_one_series() {
    let rows = vec![
        Row::new("sestore/jb/my_video.mp4", 5_106_077, 1),
        Row::new("sestore/jb/my_video.mp4", 2_875_558, 1),
    ];
    let sim = start_scaleengine(account(vec![app(1, "demo-origin", rows.clone(), rows)])).await;
    let exporter = start_exporter(&scaleengine_config(
        &sim,
        "    apps: [demo-origin]\n    periods: [month]\n",
    ))
    .await;
    let text = scrape(exporter.addr).await;
    let bytes = samples(&text, "scaleengine_video_bytes{");
    assert_eq!(bytes.len(), 1, "{bytes:?}");
    assert_eq!(
        bytes.get(&series(
            "scaleengine_video_bytes",
            "demo-origin",
            "sestore/jb/my_video.mp4",
            "month"
        )),
        Some(&"7981635".to_string())
    );
    let requests = samples(&text, "scaleengine_video_requests{");
    assert_eq!(requests.values().next(), Some(&"2".to_string()));
}

#[tokio::test]
async fn url_filters_with_slashes_and_non_ascii_are_signed_correctly() {
    let wanted = [
        "sestore/jb/my_video.mp4",
        "live/café",
        "直播/频道",
        "emoji 😀/x",
    ];
    let mut rows: Vec<Row> = wanted
        .iter()
        .enumerate()
        .map(|(i, u)| Row::new(*u, 1000 + i as u64, 1))
        .collect();
    rows.push(Row::new("not/asked/for", 5, 5));
    let sim = start_scaleengine(account(vec![app(3, "démo/app", rows.clone(), rows)])).await;
    let urls = wanted
        .iter()
        .map(|u| format!("\"{u}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let exporter = start_exporter(&scaleengine_config(
        &sim,
        &format!("    apps: [\"démo/app\"]\n    urls: [{urls}]\n"),
    ))
    .await;
    let text = scrape(exporter.addr).await;
    assert!(text.contains("video_usage_exporter_up{provider=\"scaleengine\",account=\"main\",endpoint=\"video.usage\",period=\"month\"} 1"), "{text}");
    for (i, u) in wanted.iter().enumerate() {
        for period in ["month", "day"] {
            let s = series("scaleengine_video_bytes", "démo/app", u, period);
            assert!(text.contains(&format!("{s} {}\n", 1000 + i)), "missing {s}");
        }
    }
    assert!(!text.contains("not/asked/for"));
}

#[tokio::test]
async fn apps_are_listed_with_getapps_when_omitted() {
    let sim = start_scaleengine(account(vec![
        app(1, "one", vec![Row::new("a", 1, 1)], vec![]),
        app(2, "two", vec![Row::new("b", 2, 2)], vec![]),
    ]))
    .await;
    let exporter = start_exporter(&scaleengine_config(&sim, "    periods: [month]\n")).await;
    let text = scrape(exporter.addr).await;
    assert!(
        text.contains("scaleengine_app_bytes{account=\"main\",period=\"month\",app=\"one\"} 1\n")
    );
    assert!(
        text.contains("scaleengine_app_bytes{account=\"main\",period=\"month\",app=\"two\"} 2\n")
    );
    let calls = sim.scaleengine.calls();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.command == "video.getapps")
            .count(),
        1
    );
}

#[tokio::test]
async fn failure_status_sets_up_to_zero_and_keeps_the_last_good_data() {
    let sim = start_scaleengine(account(vec![app(
        1,
        "a",
        vec![Row::new("x", 42, 1)],
        vec![],
    )]))
    .await;
    let exporter = start_exporter(&scaleengine_config(
        &sim,
        "    apps: [a]\n    periods: [month]\n",
    ))
    .await;
    let before = scrape(exporter.addr).await;
    assert!(
        before.contains("scaleengine_app_bytes{account=\"main\",period=\"month\",app=\"a\"} 42\n")
    );

    sim.scaleengine.set_failure(Some("Maintenance window"));
    let err = exporter.state.refresher.refresh_now(0).await.unwrap_err();
    assert!(err.to_string().contains("Maintenance window"), "{err}");
    let after = scrape(exporter.addr).await;
    assert!(after.contains("video_usage_exporter_up{provider=\"scaleengine\",account=\"main\",endpoint=\"video.usage\",period=\"month\"} 0\n"));
    assert!(
        after.contains("scaleengine_app_bytes{account=\"main\",period=\"month\",app=\"a\"} 42\n"),
        "last good data kept"
    );

    sim.scaleengine.set_failure(None);
    exporter.state.refresher.refresh_now(0).await.unwrap();
    let recovered = scrape(exporter.addr).await;
    assert!(recovered.contains("video_usage_exporter_up{provider=\"scaleengine\",account=\"main\",endpoint=\"video.usage\",period=\"month\"} 1\n"));
}

#[tokio::test]
async fn wrong_secret_is_reported_without_leaking_it() {
    let sim = start_scaleengine(account(vec![app(
        1,
        "a",
        vec![Row::new("x", 1, 1)],
        vec![],
    )]))
    .await;
    let yaml = scaleengine_config(&sim, "    apps: [a]\n").replace(SECRET, "wrong-secret-value");
    let exporter = start_exporter(&yaml).await;
    let text = scrape(exporter.addr).await;
    assert!(text.contains("video_usage_exporter_up{provider=\"scaleengine\",account=\"main\",endpoint=\"video.usage\",period=\"month\"} 0\n"));
    assert!(!text.contains("scaleengine_video_bytes{"));
    assert!(!text.contains("wrong-secret-value") && !text.contains(KEY));
    let err = exporter.state.refresher.refresh_now(0).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "API refused the credentials: Invalid signature (check the account's keys and secret)"
    );
    let landing = get(exporter.addr, "/", &[]).await.text().await.unwrap();
    assert!(
        landing.contains("down")
            && !landing.contains("wrong-secret-value")
            && !landing.contains(KEY)
    );
}

#[tokio::test]
async fn concurrent_scrapes_never_fetch_a_page_twice() {
    let rows: Vec<Row> = (0..2500)
        .map(|i| Row::new(format!("v/{i}"), i, 1))
        .collect();
    let sim = start_scaleengine(account(vec![app(1, "a", rows.clone(), rows)])).await;
    let exporter = start_exporter(&scaleengine_config(&sim, "    apps: [a]\n")).await;
    let scrapes: Vec<_> = (0..50)
        .map(|_| tokio::spawn(scrape(exporter.addr)))
        .collect();
    for s in scrapes {
        assert!(s.await.unwrap().contains("scaleengine_app_bytes{"));
    }
    let calls = sim.scaleengine.calls();
    // 3 pages per period, 2 periods: each fetched once.
    assert_eq!(calls.len(), 6, "{calls:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_data_is_refreshed_once_however_many_scrape_at_once() {
    let (clock, sim, exporter) = on_manual_clock(
        account(vec![app(1, "a", vec![Row::new("x", 1, 1)], vec![])]),
        "    apps: [a]\n    periods: [month]\n    refresh_interval: 1m\n",
    )
    .await;
    scrape(exporter.addr).await;
    assert_eq!(sim.scaleengine.calls().len(), 1);
    // Within the interval every scrape is served from memory.
    clock.advance(Duration::from_secs(59));
    scrape(exporter.addr).await;
    assert_eq!(sim.scaleengine.calls().len(), 1);
    // Past it, 50 scrapers find the data stale at once: one fetch.
    clock.advance(Duration::from_secs(2));
    let scrapes: Vec<_> = (0..50)
        .map(|_| tokio::spawn(scrape(exporter.addr)))
        .collect();
    for s in scrapes {
        s.await.unwrap();
    }
    eventually(Duration::from_secs(10), || async {
        sim.scaleengine.calls().len() >= 2
    })
    .await;
    // Refreshes queued behind that fetch find the data fresh; the clock
    // does not move, so nothing can make another call.
    scrape(exporter.addr).await;
    assert_eq!(sim.scaleengine.calls().len(), 2);
    let text = scrape(exporter.addr).await;
    assert!(text.contains("video_usage_exporter_cache_requests_total{result=\"hit\"}"));
    assert!(text.contains("video_usage_exporter_cache_requests_total{result=\"miss\"}"));
}

#[tokio::test]
async fn gzip_and_openmetrics_are_negotiated() {
    let sim = start_scaleengine(account(vec![app(
        1,
        "a",
        vec![Row::new("x", 1, 1)],
        vec![],
    )]))
    .await;
    let exporter = start_exporter(&scaleengine_config(&sim, "    apps: [a]\n")).await;
    let plain = scrape(exporter.addr).await;
    assert!(!plain.contains("# EOF"));
    let om = get(
        exporter.addr,
        "/metrics",
        &[("Accept", "application/openmetrics-text;version=1.0.0")],
    )
    .await;
    assert!(om.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let om = om.text().await.unwrap();
    assert!(om.ends_with("# EOF\n"));
    assert!(om.contains("# TYPE video_usage_exporter_upstream_requests counter\n"));

    // Twice: the second reuses the cached compressed provider data.
    for _ in 0..2 {
        for accept in ["text/plain", "application/openmetrics-text;version=1.0.0"] {
            let plain = get(exporter.addr, "/metrics", &[("Accept", accept)])
                .await
                .text()
                .await
                .unwrap();
            let gz = get(
                exporter.addr,
                "/metrics",
                &[("Accept", accept), ("Accept-Encoding", "gzip")],
            )
            .await;
            assert_eq!(gz.headers()["content-encoding"], "gzip");
            let bytes = gz.bytes().await.unwrap();
            let mut text = String::new();
            // A single-member decoder that checks the CRC and length.
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .unwrap();
            let stable = |body: &str| -> Vec<String> {
                body.lines()
                    // Self-metrics change between two scrapes.
                    .filter(|l| !l.contains("video_usage_exporter_") && !l.contains("process_"))
                    .map(str::to_string)
                    .collect()
            };
            assert_eq!(stable(&text), stable(&plain));
            assert!(text.contains(
                "scaleengine_app_bytes{account=\"main\",period=\"month\",app=\"a\"} 1\n"
            ));
            assert!(text.contains("video_usage_exporter_up{"));
        }
    }

    assert_eq!(get(exporter.addr, "/-/healthy", &[]).await.status(), 200);
    assert_eq!(get(exporter.addr, "/-/ready", &[]).await.status(), 200);
    assert_eq!(get(exporter.addr, "/nope", &[]).await.status(), 404);
}

/// A simulator and exporter on one manual clock, the exporter ready.
async fn on_manual_clock(
    account: video_usage_exporter::simulator::scaleengine::Account,
    extra: &str,
) -> (Arc<ManualClock>, Simulator, Exporter) {
    on_manual_clock_with(account, |sim| scaleengine_config(sim, extra)).await
}

/// [`on_manual_clock`] with the whole config made by `yaml`.
async fn on_manual_clock_with(
    account: video_usage_exporter::simulator::scaleengine::Account,
    yaml: impl FnOnce(&Simulator) -> String,
) -> (Arc<ManualClock>, Simulator, Exporter) {
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let sim = Simulator::start_with_clock(account, wowza::demo_account(), clock.clone())
        .await
        .unwrap();
    let exporter = start_exporter_with_clock(&yaml(&sim), clock.clone()).await;
    (clock, sim, exporter)
}

#[tokio::test(flavor = "multi_thread")]
async fn each_retry_is_signed_anew_so_a_long_wait_leaves_no_stale_timestamp() {
    let (clock, sim, exporter) = on_manual_clock(
        account(vec![app(1, "a", vec![Row::new("x", 7, 1)], vec![])]),
        "    apps: [a]\n    periods: [month]\n",
    )
    .await;
    sim.scaleengine.inject(
        Fault::Http {
            status: 503,
            retry_after: Some(1),
        },
        1,
    );
    let before = sim.scaleengine.timestamps().len();
    let refresher = exporter.state.refresher.clone();
    let fetch = tokio::spawn(async move { refresher.refresh_now(0).await });
    // The first attempt is refused; while the client waits out Retry-After,
    // more time passes than the API's timestamp window (300 s) allows.
    eventually(Duration::from_secs(10), || async {
        sim.scaleengine.timestamps().len() > before
    })
    .await;
    clock.advance(Duration::from_secs(400));
    fetch
        .await
        .unwrap()
        .expect("the retry carries a fresh timestamp");
    let stamps = sim.scaleengine.timestamps();
    let (refused, retried) = (stamps[before], stamps[before + 1]);
    assert!(retried >= refused + 400, "{refused} then {retried}");
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_credentials_wait_a_full_interval_not_seconds() {
    let (clock, sim, exporter) = on_manual_clock_with(
        account(vec![app(1, "a", vec![Row::new("x", 1, 1)], vec![])]),
        |sim| {
            scaleengine_config(sim, "    apps: [a]\n    periods: [month]\n")
                .replace(SECRET, "wrong-secret-value")
        },
    )
    .await;
    let attempts = sim.scaleengine.timestamps().len();
    assert_eq!(attempts, 1, "HTTP 200 with status failure is not retried");
    // A generic failure would be retried after 10 s; bad credentials wait
    // the refresh interval (5m).
    clock.advance(Duration::from_secs(60));
    scrape(exporter.addr).await;
    scrape(exporter.addr).await;
    assert_eq!(sim.scaleengine.timestamps().len(), attempts);
    clock.advance(Duration::from_secs(250));
    eventually(Duration::from_secs(10), || async {
        scrape(exporter.addr).await;
        sim.scaleengine.timestamps().len() > attempts
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn inconsistent_pages_restart_once_then_fail_without_double_counting() {
    let rows: Vec<Row> = (0..2500)
        .map(|i| Row::new(format!("v/{i}"), 1000 + i, 1))
        .collect();
    let total: u64 = rows.iter().map(|r| r.bytes).sum();
    let (_clock, sim, exporter) = on_manual_clock(
        account(vec![app(1, "a", rows, vec![])]),
        // One page at a time, so that the injected faults hit known pages.
        "    apps: [a]\n    periods: [month]\n    concurrency: 1\n",
    )
    .await;
    let app_bytes = "scaleengine_app_bytes{account=\"main\",period=\"month\",app=\"a\"}";
    for fault in [Fault::CountChange, Fault::RepeatPage] {
        // Once: the fetch starts over and the totals are exact.
        sim.scaleengine.inject(fault, 1);
        let calls = sim.scaleengine.calls().len();
        exporter.state.refresher.refresh_now(0).await.unwrap();
        let pages: Vec<u64> = sim.scaleengine.calls()[calls..]
            .iter()
            .map(|c| c.offset)
            .collect();
        assert_eq!(pages, [0, 1000, 0, 1000, 2000], "{fault:?}");
        let text = scrape(exporter.addr).await;
        assert_eq!(
            samples(&text, app_bytes).get(app_bytes),
            Some(&total.to_string())
        );
        // Twice: an error, and the last good data stays, not a mix.
        sim.scaleengine.inject(fault, 2);
        let Err(err) = exporter.state.refresher.refresh_now(0).await else {
            panic!("{fault:?} twice: the fetch must fail");
        };
        assert!(err.to_string().contains("inconsistent twice"), "{err}");
        let text = scrape(exporter.addr).await;
        assert_eq!(
            samples(&text, app_bytes).get(app_bytes),
            Some(&total.to_string())
        );
        assert!(text.contains("video_usage_exporter_up{provider=\"scaleengine\",account=\"main\",endpoint=\"video.usage\",period=\"month\"} 0\n"));
        exporter.state.refresher.refresh_now(0).await.unwrap();
    }
}

/// Log lines written while a test runs on the current thread.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether every `signature` in `text` is followed by `<redacted>`.
fn signatures_redacted(text: &str) -> bool {
    text.match_indices("signature").all(|(at, key)| {
        text[at + key.len()..]
            .trim_start_matches(['"', ':', '=', ' ', '\\'])
            .starts_with("<redacted>")
    })
}

// Current-thread runtime: the log capture below sees every task's events.
#[tokio::test]
async fn an_upstream_echoing_the_request_leaks_no_secret_anywhere() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let sim = start_scaleengine(account(vec![app(
        1,
        "a",
        vec![Row::new("x", 1, 1)],
        vec![],
    )]))
    .await;
    // Every attempt (4 per fetch) answers 500 with the signed request.
    sim.scaleengine.inject(
        Fault::Http {
            status: 500,
            retry_after: Some(0),
        },
        8,
    );
    let exporter = start_exporter(&scaleengine_config(
        &sim,
        "    apps: [a]\n    periods: [month]\n",
    ))
    .await;
    let err = exporter.state.refresher.refresh_now(0).await.unwrap_err();
    let metrics = scrape(exporter.addr).await;
    let landing = get(exporter.addr, "/", &[]).await.text().await.unwrap();
    // The page shows the last error, HTML-escaped: read it as text.
    let landing = landing
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(
        landing.contains("request was json="),
        "the page shows the error"
    );
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(err.to_string().contains("request was json="), "{err}");
    assert!(logs.contains("request was json="), "the failure was logged");
    for (place, text) in [
        ("error", err.to_string()),
        ("logs", logs),
        ("metrics", metrics),
        ("landing page", landing),
    ] {
        assert!(!text.contains(KEY), "{place} leaks the api key:\n{text}");
        assert!(!text.contains(SECRET), "{place} leaks the secret");
        assert!(
            signatures_redacted(&text),
            "{place} leaks a signature:\n{text}"
        );
    }
}

#[tokio::test]
async fn byte_counts_above_2_pow_53_pass_through_exactly() {
    let huge = (1u64 << 60) + 3;
    let sim = start_scaleengine(account(vec![app(
        1,
        "a",
        vec![Row::new("big", huge, (1 << 53) + 1), Row::new("big", 2, 0)],
        vec![],
    )]))
    .await;
    let exporter = start_exporter(&scaleengine_config(
        &sim,
        "    apps: [a]\n    periods: [month]\n",
    ))
    .await;
    let text = scrape(exporter.addr).await;
    let s = series("scaleengine_video_bytes", "a", "big", "month");
    assert!(text.contains(&format!("{s} {}\n", huge + 2)), "{text}");
    let r = series("scaleengine_video_requests", "a", "big", "month");
    assert!(text.contains(&format!("{r} {}\n", (1u64 << 53) + 1)));
}

/// Sum of the values of the series of `family` in `text`.
fn family_sum(text: &str, family: &str) -> u64 {
    samples(text, &format!("{family}{{"))
        .values()
        .map(|v| v.parse::<u64>().unwrap())
        .sum()
}

#[tokio::test]
async fn caps_and_filters_keep_totals_exact() {
    let rows: Vec<Row> = (0..2600)
        .map(|i| Row::new(format!("vod/{i}.mp4"), 1_000 + i * 7, 1 + i % 5))
        .chain((0..40).map(|i| Row::new(format!("live/{i}"), 50_000 + i, 3)))
        .collect();
    let bytes: u64 = rows.iter().map(|r| r.bytes).sum();
    let requests: u64 = rows.iter().map(|r| r.requests).sum();
    let sim = start_scaleengine(account(vec![app(1, "a", rows, vec![])])).await;
    for (keys, urls, dropped) in [
        ("    max_series: 100\n", 101, 2 * 2540),
        ("    exclude: ['^live/']\n", 2601, 2 * 40),
        (
            "    include: ['^live/']\n    max_series: 10\n",
            11,
            2 * 2630,
        ),
        ("    aggregate_only: true\n", 1, 2 * 2640),
    ] {
        let exporter = start_exporter(&scaleengine_config(
            &sim,
            &format!("    apps: [a]\n    periods: [month]\n{keys}"),
        ))
        .await;
        let text = scrape(exporter.addr).await;
        let video = samples(&text, "scaleengine_video_bytes{");
        assert_eq!(video.len(), urls, "{keys}");
        assert_eq!(
            family_sum(&text, "scaleengine_video_bytes"),
            bytes,
            "{keys}"
        );
        assert_eq!(
            family_sum(&text, "scaleengine_video_requests"),
            requests,
            "{keys}"
        );
        assert_eq!(family_sum(&text, "scaleengine_app_bytes"), bytes, "{keys}");
        assert!(text.contains("video_url=\"__other__\""), "{keys}");
        let metric = format!(
            "video_usage_exporter_series_dropped{{provider=\"scaleengine\",account=\"main\",endpoint=\"video.usage\",period=\"month\"}} {dropped}\n"
        );
        assert!(text.contains(&metric), "{keys}: {metric}");
    }
    // The largest rows are the ones kept.
    let exporter = start_exporter(&scaleengine_config(
        &sim,
        "    apps: [a]\n    periods: [month]\n    max_series: 40\n",
    ))
    .await;
    let text = scrape(exporter.addr).await;
    for i in 0..40 {
        assert!(text.contains(&series(
            "scaleengine_video_bytes",
            "a",
            &format!("live/{i}"),
            "month"
        )));
    }
}

/// Starts an exporter on `sim` with `extra` account keys; its first scrape.
async fn first_scrape(sim: &Simulator, extra: &str) -> String {
    let exporter = start_exporter(&scaleengine_config(sim, extra)).await;
    scrape(exporter.addr).await
}

#[tokio::test]
async fn concurrency_bounds_pages_in_flight_and_held_together() {
    let rows = |prefix: &str| -> Vec<Row> {
        (0..60)
            .map(|i| Row::new(format!("{prefix}/{i}"), 100 + i, 1))
            .collect()
    };
    let sim = start_scaleengine(account(vec![
        app(1, "a", rows("a"), vec![]),
        app(2, "b", rows("b"), vec![]),
    ]))
    .await;
    // The second page of `a` is slow: the pages of `a` after it must wait,
    // parsed, until it comes, while `b` would page on beside them.
    sim.scaleengine
        .slow_page("a", 10, Duration::from_millis(300));
    let text = first_scrape(
        &sim,
        "    apps: [a, b]\n    periods: [month]\n    page_size: 10\n    concurrency: 2\n",
    )
    .await;
    for app in ["a", "b"] {
        let bytes: u64 = rows(app).iter().map(|r| r.bytes).sum();
        assert!(
            text.contains(&format!(
                "scaleengine_app_bytes{{account=\"main\",period=\"month\",app=\"{app}\"}} {bytes}\n"
            )),
            "{app}: {text}"
        );
    }
    let most = sim.scaleengine.most_pages_outstanding();
    assert!(
        most <= 2,
        "{most} pages in flight or parsed and held at once; concurrency is 2"
    );
}

#[tokio::test]
async fn without_count_a_server_capped_page_does_not_end_the_pages() {
    let exact: Vec<Row> = (0..2000)
        .map(|i| Row::new(format!("exact/{i}"), 10 + i, 1))
        .collect();
    let sim = start_scaleengine(account(vec![
        app(1, "a", big_app(), vec![]),
        app(2, "b", exact.clone(), vec![]),
    ]))
    .await;
    sim.scaleengine.omit_count(true);
    // The fake caps pages at 1000 rows, below the 5000 asked for.
    let text = first_scrape(
        &sim,
        "    apps: [a, b]\n    periods: [month]\n    page_size: 5000\n",
    )
    .await;
    let bytes = samples(&text, "scaleengine_video_bytes{");
    for (app, rows) in [("a", big_app()), ("b", exact)] {
        for (url, (b, _)) in expected(&rows) {
            assert_eq!(
                bytes.get(&series("scaleengine_video_bytes", app, &url, "month")),
                Some(&b.to_string()),
                "{app} {url}"
            );
        }
        let offsets: Vec<u64> = sim
            .scaleengine
            .calls()
            .iter()
            .filter(|c| c.app == app)
            .map(|c| c.offset)
            .collect();
        // `a` ends on a short page, `b` (a whole number of pages) on an empty one.
        assert_eq!(offsets, [0, 1000, 2000], "{app}");
    }
}

/// `max_pages` counts pages of rows: the empty page that ends a whole
/// number of them without `count` does not count, and one page more is
/// still an error.
#[tokio::test]
async fn without_count_max_pages_counts_pages_of_rows() {
    let rows = |n: u64| -> Vec<Row> {
        (0..n)
            .map(|i| Row::new(format!("v/{i}"), 1 + i, 1))
            .collect()
    };
    for (n, max_pages, up) in [(3, 1, "1"), (1000, 1, "1"), (2000, 2, "1"), (2001, 2, "0")] {
        let sim = start_scaleengine(account(vec![app(1, "a", rows(n), vec![])])).await;
        sim.scaleengine.omit_count(true);
        let text = first_scrape(
            &sim,
            &format!("    apps: [a]\n    periods: [month]\n    max_pages: {max_pages}\n"),
        )
        .await;
        let state = format!("video_usage_exporter_up{{provider=\"scaleengine\",account=\"main\",endpoint=\"video.usage\",period=\"month\"}} {up}\n");
        assert!(
            text.contains(&state),
            "{n} rows, max_pages {max_pages}:\n{text}"
        );
        if up == "1" {
            let bytes = samples(&text, "scaleengine_video_bytes{");
            assert_eq!(bytes.len() as u64, n, "{n} rows");
        }
    }
}

#[tokio::test]
async fn an_app_listed_by_name_and_by_id_is_fetched_and_counted_once() {
    let apps = vec![
        app(12, "demo-origin", vec![Row::new("v.mp4", 700, 7)], vec![]),
        app(13, "other", vec![Row::new("w.mp4", 30, 3)], vec![]),
    ];
    let sim = start_scaleengine(account(apps)).await;
    // The README's example lists one app twice: by name, then by id.
    let text = first_scrape(
        &sim,
        "    apps: [demo-origin, 12, 13]\n    periods: [month]\n",
    )
    .await;
    let expected = [("13", "30"), ("demo-origin", "700")].map(|(app, bytes)| {
        let series =
            format!("scaleengine_app_bytes{{account=\"main\",period=\"month\",app=\"{app}\"}}");
        (series, bytes.to_string())
    });
    assert_eq!(
        samples(&text, "scaleengine_app_bytes{"),
        BTreeMap::from(expected)
    );
    assert_eq!(family_sum(&text, "scaleengine_video_bytes"), 730);
    let calls = sim.scaleengine.calls();
    let usage_calls = calls.iter().filter(|c| c.command == "video.usage").count();
    assert_eq!(usage_calls, 2, "{calls:?}");
}

#[tokio::test]
async fn filtered_and_capped_rows_count_each_dropped_series_once() {
    // The seed's example URL comes in two rows; another URL in three.
    let rows = vec![
        Row::new("sestore/jb/my_video.mp4", 5_106_077, 1),
        Row::new("sestore/jb/other.mp4", 10, 1),
        Row::new("sestore/jb/my_video.mp4", 2_875_558, 1),
        Row::new("live/kept", 900_000_000, 5),
        Row::new("sestore/jb/other.mp4", 20, 1),
        Row::new("sestore/jb/other.mp4", 30, 1),
    ];
    let sim = start_scaleengine(account(vec![app(1, "a", rows, vec![])])).await;
    // Both fold the same two URLs: two series in each of two families.
    for keys in ["    exclude: ['^sestore/']\n", "    max_series: 1\n"] {
        let text = first_scrape(
            &sim,
            &format!("    apps: [a]\n    periods: [month]\n{keys}"),
        )
        .await;
        assert!(
            text.contains("video_usage_exporter_series_dropped{provider=\"scaleengine\",account=\"main\",endpoint=\"video.usage\",period=\"month\"} 4\n"),
            "{keys}: {text}"
        );
    }
}
