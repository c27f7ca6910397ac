//! Billing periods end to end, on a moved clock shared by the exporter and
//! the simulators: rollover at month and day ends, previous-period finals,
//! their slower cadence and settling. No test sleeps: the clock is moved,
//! and outcomes are polled for.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::*;
use time::macros::datetime;
use time::OffsetDateTime;
use video_usage_exporter::clock::ManualClock;
use video_usage_exporter::simulator::scaleengine::Row;
use video_usage_exporter::simulator::{wowza, Accrual, Simulator};

const ALL_PERIODS: &str = "[month, day, previous_month, previous_day]";

/// An app whose month and day rows are known exactly, accruing over the
/// period by the simulator's clock.
fn accruing_account() -> video_usage_exporter::simulator::scaleengine::Account {
    let month = (0..50)
        .map(|i| Row::new(format!("vod/{i}.mp4"), 1_000_000_000 + i, 100 + i))
        .collect();
    let day = (0..50)
        .map(|i| Row::new(format!("vod/{i}.mp4"), 10_000_000 + i, 10 + i))
        .collect();
    let mut account = account(vec![app(1, "vod", month, day)]);
    account.accrual = Accrual::Steady;
    account
}

/// The rows above summed (0 + 1 + ... + 49 = 1225).
const MONTH_TOTAL: u64 = 50 * 1_000_000_000 + 1225;
const DAY_TOTAL: u64 = 50 * 10_000_000 + 1225;

struct Setup {
    clock: Arc<ManualClock>,
    sim: Simulator,
    exporter: Exporter,
}

async fn setup(at: OffsetDateTime, se_periods: &str, wowza_periods: &str) -> Setup {
    let clock = Arc::new(ManualClock::new(at.into()));
    let mut wsc = wowza::demo_account();
    wsc.accrual = Accrual::Steady;
    let sim = Simulator::start_with_clock(accruing_account(), wsc.clone(), clock.clone())
        .await
        .unwrap();
    let yaml = format!(
        "{}    apps: [vod]\n    periods: {se_periods}\nwowza:\n  - account: w\n    api_url: {}\n    api_key: {}\n    access_key: {}\n    viewer_data: false\n    periods: {wowza_periods}\n",
        scaleengine_config(&sim, ""),
        sim.wowza_url(),
        wsc.api_key,
        wsc.access_key,
    );
    let exporter = start_exporter_with_clock(&yaml, clock.clone()).await;
    wait_ready(&exporter).await;
    Setup {
        clock,
        sim,
        exporter,
    }
}

async fn wait_ready(exporter: &Exporter) {
    let state = exporter.state.clone();
    eventually(Duration::from_secs(30), || {
        let state = state.clone();
        async move { state.refresher.ready() }
    })
    .await;
}

/// The ScaleEngine app total of `period` in a scrape, if served.
fn app_bytes(text: &str, period: &str) -> Option<u64> {
    let key = format!("scaleengine_app_bytes{{account=\"main\",period=\"{period}\",app=\"vod\"}}");
    samples(text, "scaleengine_app_bytes{")
        .get(&key)
        .map(|v| v.parse().unwrap())
}

fn period_gauge(text: &str, name: &str, provider: &str, period: &str) -> Option<i64> {
    let key = format!(
        "video_usage_period_{name}_timestamp_seconds{{provider=\"{provider}\",account=\"{}\",period=\"{period}\"}}",
        if provider == "wowza" { "w" } else { "main" }
    );
    samples(text, "video_usage_period_")
        .get(&key)
        .map(|v| v.parse().unwrap())
}

fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// Scrapes until `check` holds (each scrape may start refreshes).
async fn scrape_until(exporter: &Exporter, check: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let text = scrape(exporter.addr).await;
        if check(&text) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not within 30 s; last scrape:\n{text}"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn month_end_withdraws_the_old_month_and_serves_the_new_one_and_its_final() {
    let s = setup(
        datetime!(2026-11-30 23:59:40 UTC),
        ALL_PERIODS,
        "[month, previous_month]",
    )
    .await;
    let before = scrape(s.exporter.addr).await;
    let old_month = app_bytes(&before, "month").expect("November is served");
    assert!(old_month > MONTH_TOTAL * 99 / 100 && old_month < MONTH_TOTAL);
    assert_eq!(
        period_gauge(&before, "start", "scaleengine", "month"),
        Some(unix(datetime!(2026-11-01 00:00 UTC)))
    );
    assert_eq!(
        period_gauge(&before, "end", "wowza", "month"),
        Some(unix(datetime!(2026-12-01 00:00 UTC)))
    );

    s.clock.advance(Duration::from_secs(21));
    // The first scrape after midnight serves no November under
    // period="month": either nothing yet, or December's first fetch (which
    // that scrape started, and which may land before it renders).
    let after = scrape(s.exporter.addr).await;
    let december = unix(datetime!(2026-12-01 00:00 UTC));
    if app_bytes(&after, "month").is_some() {
        assert_eq!(
            period_gauge(&after, "start", "scaleengine", "month"),
            Some(december)
        );
        assert!(app_bytes(&after, "month").unwrap() < MONTH_TOTAL / 1000);
    }
    if after.contains("wowza_cloud_transcoder_used_seconds{account=\"w\",period=\"month\"") {
        assert_eq!(
            period_gauge(&after, "start", "wowza", "month"),
            Some(december)
        );
    }

    // The new month's first fetch lands, and the closed month is final.
    let text = scrape_until(&s.exporter, |t| {
        app_bytes(t, "month").is_some()
            && app_bytes(t, "previous_month") == Some(MONTH_TOTAL)
            && period_gauge(t, "start", "wowza", "month")
                == Some(unix(datetime!(2026-12-01 00:00 UTC)))
            && period_gauge(t, "start", "wowza", "previous_month")
                == Some(unix(datetime!(2026-11-01 00:00 UTC)))
    })
    .await;
    assert!(app_bytes(&text, "month").unwrap() < MONTH_TOTAL / 1000);
    assert_eq!(
        period_gauge(&text, "end", "scaleengine", "previous_month"),
        Some(unix(datetime!(2026-12-01 00:00 UTC)))
    );

    // ScaleEngine was asked for December and for November.
    let calls = s.sim.scaleengine.calls();
    let asked = |year, month, day: bool| {
        calls
            .iter()
            .any(|c| c.year == year && c.month == month && c.day.is_some() == day)
    };
    assert!(
        asked(2026, 12, false) && asked(2026, 11, false),
        "{calls:?}"
    );
    assert!(asked(2026, 12, true) && asked(2026, 11, true), "{calls:?}");
    // Wowza for the new window and for the whole previous one.
    let windows: Vec<(String, String)> = s
        .sim
        .wowza
        .calls()
        .iter()
        .map(|c| (c.query["from"].clone(), c.query["to"].clone()))
        .collect();
    assert!(windows.contains(&("2026-12-01 00:00:00".into(), "2026-12-01 00:00:01".into())));
    assert!(windows.contains(&("2026-11-01 00:00:00".into(), "2026-11-30 23:59:59".into())));
}

/// Which of a scrape's ScaleEngine periods are served.
fn served(text: &str) -> Vec<&'static str> {
    ["month", "day", "previous_month", "previous_day"]
        .into_iter()
        .filter(|p| app_bytes(text, p).is_some())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn boundaries_withdraw_exactly_the_periods_that_ended() {
    // (clock, periods that end one second later, then the starts of
    // month, day, previous_month and previous_day)
    for (at, ending, starts) in [
        (
            datetime!(2026-12-31 23:59:59 UTC),
            vec!["month", "day", "previous_month", "previous_day"],
            [
                datetime!(2027-01-01 00:00 UTC),
                datetime!(2027-01-01 00:00 UTC),
                datetime!(2026-12-01 00:00 UTC),
                datetime!(2026-12-31 00:00 UTC),
            ],
        ),
        // Leap year: February 28 -> 29 is a day boundary only.
        (
            datetime!(2028-02-28 23:59:59 UTC),
            vec!["day", "previous_day"],
            [
                datetime!(2028-02-01 00:00 UTC),
                datetime!(2028-02-29 00:00 UTC),
                datetime!(2028-01-01 00:00 UTC),
                datetime!(2028-02-28 00:00 UTC),
            ],
        ),
        // February 29 -> March 1.
        (
            datetime!(2028-02-29 23:59:59 UTC),
            vec!["month", "day", "previous_month", "previous_day"],
            [
                datetime!(2028-03-01 00:00 UTC),
                datetime!(2028-03-01 00:00 UTC),
                datetime!(2028-02-01 00:00 UTC),
                datetime!(2028-02-29 00:00 UTC),
            ],
        ),
        // Within a day nothing ends.
        (
            datetime!(2026-11-24 12:00 UTC),
            vec![],
            [
                datetime!(2026-11-01 00:00 UTC),
                datetime!(2026-11-24 00:00 UTC),
                datetime!(2026-10-01 00:00 UTC),
                datetime!(2026-11-23 00:00 UTC),
            ],
        ),
    ] {
        let periods = ["month", "day", "previous_month", "previous_day"];
        let s = setup(at, ALL_PERIODS, "[month]").await;
        let before = scrape(s.exporter.addr).await;
        assert_eq!(served(&before).len(), 4, "{at}");
        assert_eq!(app_bytes(&before, "previous_day"), Some(DAY_TOTAL), "{at}");
        s.clock.advance(Duration::from_secs(1));
        // Right after the boundary, whatever is served is of the new
        // periods: an ended period is withdrawn, not served until its
        // refresh lands; the others stay as they were.
        let after = scrape(s.exporter.addr).await;
        for (period, start) in periods.iter().zip(starts) {
            let value = app_bytes(&after, period);
            if ending.contains(period) {
                if value.is_some() {
                    assert_eq!(
                        period_gauge(&after, "start", "scaleengine", period),
                        Some(unix(start)),
                        "{at}: {period} of the ended period served"
                    );
                }
            } else {
                assert_eq!(value, app_bytes(&before, period), "{at}: {period} kept");
            }
        }
        let text = scrape_until(&s.exporter, |t| {
            periods.iter().zip(starts).all(|(period, start)| {
                period_gauge(t, "start", "scaleengine", period) == Some(unix(start))
            })
        })
        .await;
        assert_eq!(served(&text).len(), 4, "{at}");
        assert_eq!(app_bytes(&text, "previous_day"), Some(DAY_TOTAL), "{at}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn closed_periods_refresh_slowly_then_never_once_settled() {
    let s = setup(
        datetime!(2026-12-01 06:00 UTC),
        "[previous_month]",
        "[previous_month]",
    )
    .await;
    let previous_calls = || {
        s.sim
            .scaleengine
            .calls()
            .iter()
            .filter(|c| c.command == "video.usage" && c.month == 11)
            .count()
    };
    assert_eq!(previous_calls(), 1);
    // Within the 6 h cadence: served from memory.
    s.clock.advance(Duration::from_secs(5 * 3600));
    scrape(s.exporter.addr).await;
    assert_eq!(previous_calls(), 1);
    // After it: refreshed once.
    s.clock.advance(Duration::from_secs(3600));
    scrape_until(&s.exporter, |_| previous_calls() == 2).await;
    // 72 h after the month's end: the last, final fetch ...
    s.clock
        .set(SystemTime::from(datetime!(2026-12-04 00:00:01 UTC)));
    scrape_until(&s.exporter, |_| previous_calls() == 3).await;
    // ... and never again, until December itself is the previous month.
    for _ in 0..4 {
        s.clock.advance(Duration::from_secs(7 * 3600));
        scrape(s.exporter.addr).await;
    }
    let settled = s.exporter.state.refresher.targets()[0].served().unwrap();
    assert_eq!(previous_calls(), 3);
    assert_eq!(
        settled.fetched_at,
        SystemTime::from(datetime!(2026-12-04 00:00:01 UTC))
    );
    s.clock
        .set(SystemTime::from(datetime!(2027-01-01 00:00:01 UTC)));
    scrape_until(&s.exporter, |t| {
        period_gauge(t, "start", "scaleengine", "previous_month")
            == Some(unix(datetime!(2026-12-01 00:00 UTC)))
    })
    .await;
    assert!(s.sim.scaleengine.calls().iter().any(|c| c.month == 12));
}
