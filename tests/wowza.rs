//! Wowza Streaming Cloud end to end: exporter + simulator over real HTTP.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use common::*;
use video_usage_exporter::clock::ManualClock;
use video_usage_exporter::simulator::wowza::Account;
use video_usage_exporter::simulator::{Accrual, Simulator};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Distinct rows per billing mode and transcoder type; one transcoder
/// appears in two of them, ids are strings or numbers, counts strings too.
fn transcoder_table(unit: &str) -> BTreeMap<(String, String), Value> {
    let used = format!("{unit}_used");
    let billed = format!("{unit}_billed");
    let mut table = BTreeMap::new();
    let mut n = 0u64;
    for mode in ["pay_as_you_go", "twentyfour_seven"] {
        for kind in ["transcoded", "passthrough"] {
            n += 1;
            let rows = json!([
                {"id": format!("tc{n}"), "name": format!("Transcoder {n} / {mode}"), "deleted": n.is_multiple_of(2),
                 used.clone(): 53_446_778_562u64 * n, billed.clone(): (53_446_778_562u64 * n).to_string()},
                {"id": 1000 + n, "name": "Shared", "deleted": false, used.clone(): n, billed.clone(): n},
            ]);
            table.insert(
                (mode.to_string(), kind.to_string()),
                json!({ "transcoders": rows }),
            );
        }
    }
    table
}

fn test_account() -> Account {
    let viewer = fixture("wowza_viewer_data_seed.json");
    let mut viewer2 = viewer.clone();
    viewer2["stream_target"]["countries"] = json!([
        {"US": {"name": "United States of America", "total_unique_viewers": 11, "seconds_total_viewing_time": 1100}},
        {"...": "..."},
        {"CA": {"name": "Canada", "total_unique_viewers": "7", "seconds_total_viewing_time": 70.5}}
    ]);
    Account {
        api_key: "wsc-key".into(),
        access_key: "wsc-access".into(),
        token: "header.payload.signature".into(),
        time_transcoders: transcoder_table("seconds"),
        network_transcoders: transcoder_table("bytes"),
        stream_sources: fixture("wowza_network_stream_sources.json"),
        stream_targets: fixture("wowza_network_stream_targets_spec.json"),
        peak_recording: fixture("wowza_peak_recording.json"),
        // p3NBkd4L: the seed's viewer data; MZLfHjLH: with real countries.
        viewer_data: [
            ("p3NBkd4L".to_string(), viewer),
            ("MZLfHjLH".to_string(), viewer2),
        ]
        .into_iter()
        .collect(),
        accrual: Accrual::Off,
    }
}

async fn start(wowza: Account) -> Simulator {
    Simulator::start(account(vec![]), wowza).await.unwrap()
}

fn wowza_config(sim: &Simulator, accounts: &[(&str, &str)]) -> String {
    let mut yaml = String::from("wowza:\n");
    for (name, auth) in accounts {
        yaml.push_str(&format!(
            "  - account: {name}\n    api_url: {}\n    periods: [month]\n{auth}",
            sim.wowza_url()
        ));
    }
    yaml
}

const KEYS: &str = "    api_key: wsc-key\n    access_key: wsc-access\n";

fn up(text: &str, account: &str, endpoint: &str) -> Option<String> {
    samples(text, "video_usage_exporter_up{")
        .get(&format!(
            "video_usage_exporter_up{{provider=\"wowza\",account=\"{account}\",endpoint=\"{endpoint}\",period=\"month\"}}"
        ))
        .cloned()
}

const RESOURCES: [&str; 6] = [
    "usage/time/transcoders",
    "usage/network/transcoders",
    "usage/network/stream_sources",
    "usage/network/stream_targets",
    "usage/storage/peak_recording",
    "usage/viewer_data/stream_targets",
];

fn deleted(row: &Value) -> &'static str {
    match row["deleted"].as_bool() {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn every_value_of_every_resource_appears_exactly() {
    let account = test_account();
    let sim = start(account.clone()).await;
    let exporter = start_exporter(&wowza_config(&sim, &[("main", KEYS)])).await;
    let text = scrape(exporter.addr).await;
    for r in RESOURCES {
        assert_eq!(up(&text, "main", r).as_deref(), Some("1"), "{r}\n{text}");
    }
    let all = samples(&text, "wowza_cloud_");

    // Transcoders: labelled by the query that returned them.
    for (table, used, billed, unit) in [
        (
            &account.time_transcoders,
            "wowza_cloud_transcoder_used_seconds",
            "wowza_cloud_transcoder_billed_seconds",
            "seconds",
        ),
        (
            &account.network_transcoders,
            "wowza_cloud_transcoder_egress_used_bytes",
            "wowza_cloud_transcoder_egress_billed_bytes",
            "bytes",
        ),
    ] {
        let mut count = 0;
        for ((mode, kind), body) in table {
            for row in body["transcoders"].as_array().unwrap() {
                let labels = format!(
                    "{{account=\"main\",period=\"month\",transcoder_id=\"{}\",transcoder_name=\"{}\",deleted=\"{}\",billing_mode=\"{mode}\",transcoder_type=\"{kind}\"}}",
                    text_of(&row["id"]), row["name"].as_str().unwrap(), deleted(row)
                );
                assert_eq!(
                    all.get(&format!("{used}{labels}")),
                    Some(&text_of(&row[format!("{unit}_used")])),
                    "{used}{labels}"
                );
                assert_eq!(
                    all.get(&format!("{billed}{labels}")),
                    Some(&text_of(&row[format!("{unit}_billed")])),
                    "{billed}{labels}"
                );
                count += 1;
            }
        }
        assert_eq!(
            all.keys()
                .filter(|k| k.starts_with(&format!("{used}{{")))
                .count(),
            count
        );
    }

    // Stream sources: the seed's example.
    for row in account.stream_sources["stream_sources"].as_array().unwrap() {
        let labels =
            format!(
            "{{account=\"main\",period=\"month\",stream_source_id=\"{}\",stream_source_name=\"{}\",deleted=\"{}\"}}",
            text_of(&row["id"]), row["name"].as_str().unwrap(), deleted(row)
        );
        assert_eq!(
            all.get(&format!("wowza_cloud_stream_source_used_bytes{labels}")),
            Some(&text_of(&row["bytes_used"]))
        );
        assert_eq!(
            all.get(&format!("wowza_cloud_stream_source_billed_bytes{labels}")),
            Some(&text_of(&row["bytes_billed"]))
        );
    }

    // Stream targets: totals, and per protocol and zone; -1 billed is absent.
    let mut zones = 0;
    for row in account.stream_targets["stream_targets"].as_array().unwrap() {
        let base = format!(
            "account=\"main\",period=\"month\",stream_target_id=\"{}\",stream_target_name=\"{}\",deleted=\"{}\"",
            text_of(&row["id"]),
            row["name"].as_str().unwrap(),
            deleted(row)
        );
        assert_eq!(
            all.get(&format!("wowza_cloud_stream_target_used_bytes{{{base}}}")),
            Some(&text_of(&row["bytes_used"]))
        );
        assert_eq!(
            all.get(&format!("wowza_cloud_stream_target_billed_bytes{{{base}}}")),
            Some(&text_of(&row["bytes_billed"]))
        );
        for (protocol, p) in row["protocols"].as_object().unwrap() {
            for (zone, z) in p["zones"].as_object().unwrap() {
                let labels = format!("{{{base},protocol=\"{protocol}\",zone=\"{zone}\"}}");
                assert_eq!(
                    all.get(&format!(
                        "wowza_cloud_stream_target_zone_used_bytes{labels}"
                    )),
                    Some(&text_of(&z["bytes_used"]))
                );
                let billed = all.get(&format!(
                    "wowza_cloud_stream_target_zone_billed_bytes{labels}"
                ));
                if z["bytes_billed"] == json!(-1) {
                    assert_eq!(billed, None);
                } else {
                    assert_eq!(billed, Some(&text_of(&z["bytes_billed"])));
                }
                zones += 1;
            }
        }
    }
    assert_eq!(
        all.keys()
            .filter(|k| k.starts_with("wowza_cloud_stream_target_zone_used_bytes{"))
            .count(),
        zones
    );

    // Peak recording storage.
    assert_eq!(
        all.get("wowza_cloud_peak_recording_storage_bytes{account=\"main\",period=\"month\"}"),
        Some(&text_of(
            &account.peak_recording["peak_recording"]["bytes_total"]
        ))
    );

    // Viewer data: the seed's totals, protocols and renditions...
    let p3 =
        "account=\"main\",period=\"month\",stream_target_id=\"p3NBkd4L\",stream_target_name=\"My Stream Target\"";
    for (series, value) in [
        (
            format!("wowza_cloud_stream_target_unique_viewers{{{p3}}}"),
            "17058",
        ),
        (
            format!("wowza_cloud_stream_target_viewing_seconds{{{p3}}}"),
            "44925498",
        ),
        (
            format!(
                "wowza_cloud_stream_target_unique_viewers_by_protocol{{{p3},protocol=\"hds\"}}"
            ),
            "6693",
        ),
        (
            format!(
                "wowza_cloud_stream_target_viewing_seconds_by_protocol{{{p3},protocol=\"hds\"}}"
            ),
            "24695388",
        ),
        (
            format!(
                "wowza_cloud_stream_target_unique_viewers_by_protocol{{{p3},protocol=\"hls\"}}"
            ),
            "11397",
        ),
        (
            format!(
                "wowza_cloud_stream_target_viewing_seconds_by_protocol{{{p3},protocol=\"hls\"}}"
            ),
            "20230110",
        ),
        (
            format!(
                "wowza_cloud_stream_target_unique_viewers_by_protocol{{{p3},protocol=\"rtmp\"}}"
            ),
            "0",
        ),
        (
            format!(
                "wowza_cloud_stream_target_unique_viewers_by_rendition{{{p3},rendition=\"448\"}}"
            ),
            "12453",
        ),
        (
            format!(
                "wowza_cloud_stream_target_viewing_seconds_by_rendition{{{p3},rendition=\"448\"}}"
            ),
            "4823964",
        ),
    ] {
        assert_eq!(
            all.get(&series).map(String::as_str),
            Some(value),
            "{series}"
        );
    }
    // ... placeholders give no series ...
    assert!(!all
        .keys()
        .any(|k| k.contains("p3NBkd4L") && k.contains("country=")));
    assert!(!all.keys().any(|k| k.contains("rendition=\"640\"")));
    // ... and countries where they have numbers (strings and fractions too).
    let mz = "account=\"main\",period=\"month\",stream_target_id=\"MZLfHjLH\",stream_target_name=\"My Wowza Ultra Low Latency Stream Target\"";
    for (series, value) in [
        (
            format!("wowza_cloud_stream_target_unique_viewers_by_country{{{mz},country=\"US\"}}"),
            "11",
        ),
        (
            format!("wowza_cloud_stream_target_viewing_seconds_by_country{{{mz},country=\"US\"}}"),
            "1100",
        ),
        (
            format!("wowza_cloud_stream_target_unique_viewers_by_country{{{mz},country=\"CA\"}}"),
            "7",
        ),
        (
            format!("wowza_cloud_stream_target_viewing_seconds_by_country{{{mz},country=\"CA\"}}"),
            "70.5",
        ),
    ] {
        assert_eq!(
            all.get(&series).map(String::as_str),
            Some(value),
            "{series}"
        );
    }

    // The data lag is visible: each resource's window ends at the query time.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    for r in RESOURCES {
        let end: f64 = all[&format!(
            "wowza_cloud_usage_window_end_timestamp_seconds{{account=\"main\",period=\"month\",resource=\"{r}\"}}"
        )]
            .parse()
            .unwrap();
        assert!((now - end).abs() < 60.0, "{r}: {end}");
    }
}

/// A query parameter's name and, for an enum, its allowed values.
type Parameter = (String, Option<Vec<String>>);

/// The query parameters each path declares in Wowza's OpenAPI document.
fn openapi_parameters() -> Vec<(String, Vec<Parameter>)> {
    let spec = fixture("wowza-streaming-cloud-api-v1.openapi.json");
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/usage/") {
            continue;
        }
        let params = item["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| {
                let allowed = p["schema"]["enum"]
                    .as_array()
                    .map(|e| e.iter().map(|v| v.as_str().unwrap().to_string()).collect());
                (p["name"].as_str().unwrap().to_string(), allowed)
            })
            .collect();
        out.push((path.clone(), params));
    }
    out
}

fn matches_template(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (
        template.trim_start_matches('/').split('/').collect(),
        path.split('/').collect(),
    );
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
}

#[tokio::test]
async fn requests_validate_against_the_openapi_document() {
    let sim = start(test_account()).await;
    let exporter = start_exporter(&wowza_config(
        &sim,
        &[
            ("main", KEYS),
            ("jwt", "    token: header.payload.signature\n"),
        ],
    ))
    .await;
    scrape(exporter.addr).await;
    let spec = openapi_parameters();
    assert_eq!(spec.len(), 6);
    let calls = sim.wowza.calls();
    assert!(
        calls.len() >= 2 * (4 + 4 + 1 + 1 + 1 + 2),
        "{}",
        calls.len()
    );
    for call in &calls {
        assert_eq!(call.status, 200, "{call:?}");
        let (_, params) = spec
            .iter()
            .find(|(t, _)| matches_template(t, &call.path))
            .unwrap_or_else(|| panic!("no spec path for {}", call.path));
        for (name, value) in &call.query {
            let (_, allowed) = params
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("{name} not declared for {}", call.path));
            if let Some(allowed) = allowed {
                assert!(allowed.contains(value), "{name}={value}");
            }
        }
        for date in ["from", "to"] {
            let v = &call.query[date];
            assert!(v.len() == 19 && v.as_bytes()[10] == b' ', "{date}={v}");
        }
        assert!(
            call.raw_query.contains("%20") && !call.raw_query.contains('+'),
            "{}",
            call.raw_query
        );
    }
}

#[tokio::test]
async fn no_call_repeats_within_its_refresh_interval() {
    let sim = start(test_account()).await;
    let exporter = start_exporter(&wowza_config(&sim, &[("main", KEYS)])).await;
    let scrapes: Vec<_> = (0..40)
        .map(|_| tokio::spawn(scrape(exporter.addr)))
        .collect();
    for s in scrapes {
        s.await.unwrap();
    }
    let mut seen: HashMap<(String, Vec<(String, String)>), u32> = HashMap::new();
    for call in sim.wowza.calls() {
        let query: Vec<_> = call
            .query
            .into_iter()
            .filter(|(k, _)| k != "from" && k != "to")
            .collect();
        *seen.entry((call.path, query)).or_default() += 1;
    }
    // 4 + 4 transcoder queries, sources, targets, peak, 2 viewer targets.
    assert_eq!(seen.len(), 13, "{seen:?}");
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
}

#[tokio::test]
async fn rate_limited_resources_deliver_within_seconds() {
    // A frozen clock: back-offs between refreshes never end, so data that
    // arrives came from retries inside the first fetch, after Retry-After.
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let sim = Simulator::start_with_clock(account(vec![]), test_account(), clock.clone())
        .await
        .unwrap();
    sim.wowza.throttle_first(2, 1);
    let exporter =
        start_exporter_with_clock(&wowza_config(&sim, &[("main", KEYS)]), clock.clone()).await;
    let text = scrape(exporter.addr).await;
    for r in RESOURCES {
        assert_eq!(up(&text, "main", r).as_deref(), Some("1"), "{r}");
    }
    assert!(text.contains(
        "wowza_cloud_peak_recording_storage_bytes{account=\"main\",period=\"month\"} 15130718193\n"
    ));
    let throttled = sim.wowza.calls().iter().filter(|c| c.status == 429).count();
    // Two 429s per path: 5 resource paths and 2 viewer-data paths.
    assert_eq!(throttled, 14);
    assert!(text.contains("video_usage_exporter_upstream_requests_total{provider=\"wowza\",account=\"main\",endpoint=\"usage/storage/peak_recording\",code=\"429\"} 2\n"));
}

/// One header once took the exporter down: `Retry-After:
/// 10000000000000000000` overflowed the clock inside the status lock, and
/// every scrape after it got an empty reply; `31536000` froze the endpoint
/// for a year. Now each is a failure backed off for at most an hour, the
/// exporter serves throughout, and the retry an hour later recovers.
/// (Viewer data is off: its per-target paths would each be throttled once
/// more on that retry.)
#[tokio::test]
async fn an_absurd_retry_after_is_capped_and_the_exporter_keeps_serving() {
    let resources = &RESOURCES[..5];
    let keys = format!("{KEYS}    viewer_data: false\n");
    for retry_after in [10_000_000_000_000_000_000, 31_536_000] {
        let clock = Arc::new(ManualClock::new(SystemTime::now()));
        let sim = Simulator::start_with_clock(account(vec![]), test_account(), clock.clone())
            .await
            .unwrap();
        sim.wowza.throttle_first(1, retry_after);
        let config = wowza_config(&sim, &[("main", &keys)]);
        let exporter = start_exporter_with_clock(&config, clock.clone()).await;
        let text = scrape(exporter.addr).await;
        for r in resources {
            assert_eq!(up(&text, "main", r).as_deref(), Some("0"), "{r}");
        }
        assert!(scrape(exporter.addr)
            .await
            .contains("video_usage_exporter_up"));
        clock.advance(Duration::from_secs(3600));
        eventually(Duration::from_secs(30), || async {
            let text = scrape(exporter.addr).await;
            resources
                .iter()
                .all(|r| up(&text, "main", r).as_deref() == Some("1"))
        })
        .await;
        let text = scrape(exporter.addr).await;
        assert!(text.contains(
            "wowza_cloud_peak_recording_storage_bytes{account=\"main\",period=\"month\"}"
        ));
    }
}

#[tokio::test]
async fn bearer_tokens_work_and_bad_keys_fail_alone_without_retry_loops() {
    let sim = start(test_account()).await;
    let exporter = start_exporter(&wowza_config(
        &sim,
        &[
            ("keys", KEYS),
            ("jwt", "    token: header.payload.signature\n"),
            ("bad", "    api_key: wsc-key\n    access_key: stolen\n"),
        ],
    ))
    .await;
    let text = scrape(exporter.addr).await;
    for r in RESOURCES {
        assert_eq!(up(&text, "keys", r).as_deref(), Some("1"), "keys {r}");
        assert_eq!(up(&text, "jwt", r).as_deref(), Some("1"), "jwt {r}");
    }
    for r in &RESOURCES[..5] {
        assert_eq!(up(&text, "bad", r).as_deref(), Some("0"), "bad {r}");
    }
    assert!(text.contains(
        "wowza_cloud_peak_recording_storage_bytes{account=\"jwt\",period=\"month\"} 15130718193\n"
    ));
    assert!(!text.contains("wowza_cloud_peak_recording_storage_bytes{account=\"bad\""));
    assert!(
        !text.contains("stolen")
            && !text.contains("wsc-access")
            && !text.contains("header.payload")
    );

    // More scrapes do not call again with the bad keys: 401 waits a full interval.
    let unauthorized = || sim.wowza.calls().iter().filter(|c| c.status == 401).count();
    let before = unauthorized();
    assert_eq!(before, 5, "one call per resource, no retries");
    for _ in 0..10 {
        scrape(exporter.addr).await;
    }
    assert_eq!(unauthorized(), before);
    let index = exporter
        .state
        .refresher
        .targets()
        .iter()
        .position(|t| t.endpoint.account() == "bad")
        .unwrap();
    let err = exporter
        .state
        .refresher
        .refresh_now(index)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 401 unauthorized: ERR-401-InvalidAccessKey: Invalid access key. (check the account's credentials)"
    );
}

#[tokio::test]
async fn a_malformed_resource_fails_alone() {
    let mut account = test_account();
    account.stream_sources = json!({"stream_sources": [{"id": "x", "bytes_used": {"oops": 1}}]});
    account.peak_recording = json!({"peak_recording": {"bytes_total": "unknown"}});
    let sim = start(account).await;
    let exporter = start_exporter(&wowza_config(&sim, &[("main", KEYS)])).await;
    let text = scrape(exporter.addr).await;
    assert_eq!(
        up(&text, "main", "usage/network/stream_sources").as_deref(),
        Some("0")
    );
    assert_eq!(
        up(&text, "main", "usage/storage/peak_recording").as_deref(),
        Some("0")
    );
    for r in [
        "usage/time/transcoders",
        "usage/network/transcoders",
        "usage/network/stream_targets",
        "usage/viewer_data/stream_targets",
    ] {
        assert_eq!(up(&text, "main", r).as_deref(), Some("1"), "{r}");
    }
    assert!(!text.contains("wowza_cloud_stream_source_used_bytes{"));
}

#[tokio::test]
async fn stream_targets_without_viewer_data_are_skipped() {
    let mut account = test_account();
    account.viewer_data.remove("MZLfHjLH");
    let sim = start(account).await;
    let exporter = start_exporter(&wowza_config(&sim, &[("main", KEYS)])).await;
    let text = scrape(exporter.addr).await;
    assert_eq!(
        up(&text, "main", "usage/viewer_data/stream_targets").as_deref(),
        Some("1")
    );
    assert!(text.contains("stream_target_id=\"p3NBkd4L\""));
    assert!(!text.contains(
        "wowza_cloud_stream_target_unique_viewers{account=\"main\",period=\"month\",stream_target_id=\"MZLfHjLH\""
    ));
    assert!(sim.wowza.calls().iter().any(|c| c.status == 404));
}

#[tokio::test]
async fn byte_counts_above_2_pow_53_pass_through_exactly() {
    let huge = (1u64 << 62) + 1;
    let mut wowza = test_account();
    wowza.peak_recording = json!({"peak_recording": {"bytes_total": huge}});
    wowza.stream_sources["stream_sources"][0]["bytes_used"] = json!((1u64 << 53) + 1);
    let sim = start(wowza).await;
    let exporter = start_exporter(&wowza_config(&sim, &[("main", KEYS)])).await;
    let text = scrape(exporter.addr).await;
    assert!(text.contains(&format!(
        "wowza_cloud_peak_recording_storage_bytes{{account=\"main\",period=\"month\"}} {huge}\n"
    )));
    assert!(
        text.lines()
            .any(|l| l.starts_with("wowza_cloud_stream_source_used_bytes{")
                && l.ends_with(&format!(" {}", (1u64 << 53) + 1))),
        "{text}"
    );
}

#[tokio::test]
async fn caps_and_filters_apply_to_stream_targets_with_exact_sums() {
    let sim = start(test_account()).await;
    let plain = start_exporter(&wowza_config(&sim, &[("main", KEYS)])).await;
    let full = scrape(plain.addr).await;
    let sum = |text: &str, family: &str| -> f64 {
        samples(text, &format!("{family}{{"))
            .values()
            .map(|v| v.parse::<f64>().unwrap())
            .sum()
    };
    for keys in [
        "    max_series: 1\n",
        "    exclude: ['Ultra']\n",
        "    aggregate_only: true\n",
    ] {
        let capped =
            start_exporter(&wowza_config(&sim, &[("main", &format!("{KEYS}{keys}"))])).await;
        let text = scrape(capped.addr).await;
        assert!(text.contains("stream_target_id=\"__other__\""), "{keys}");
        for family in [
            "wowza_cloud_stream_target_used_bytes",
            "wowza_cloud_stream_target_zone_used_bytes",
            "wowza_cloud_stream_target_unique_viewers",
            "wowza_cloud_stream_target_viewing_seconds_by_country",
            "wowza_cloud_transcoder_used_seconds",
        ] {
            assert_eq!(sum(&text, family), sum(&full, family), "{keys} {family}");
        }
    }
}

#[tokio::test]
async fn viewer_data_calls_are_bounded_per_account_across_periods() {
    let sim = start(test_account()).await;
    // Slow answers make the viewer-data calls of the four periods overlap.
    sim.wowza.slow_viewer_data(Duration::from_millis(300));
    let yaml = wowza_config(&sim, &[("main", KEYS)]).replace(
        "periods: [month]",
        "periods: [month, day, previous_month, 7d]",
    );
    let exporter = start_exporter(&yaml).await;
    let text = scrape(exporter.addr).await;
    for period in ["month", "day", "previous_month", "7d"] {
        assert!(text.contains(&format!(
            "wowza_cloud_stream_target_unique_viewers{{account=\"main\",period=\"{period}\",stream_target_id=\"p3NBkd4L\""
        )), "{period}: {text}");
    }
    let viewer_calls = sim
        .wowza
        .calls()
        .iter()
        .filter(|c| c.path.starts_with("usage/viewer_data/"))
        .count();
    assert_eq!(viewer_calls, 8, "2 stream targets in 4 periods");
    let most = sim.wowza.most_viewer_calls_in_flight();
    assert!(
        most <= 4,
        "{most} viewer-data calls in flight at once; the bound is 4 per account"
    );
}

#[tokio::test]
async fn a_stream_target_listed_twice_is_one_dropped_series() {
    let once = test_account();
    let mut twice = test_account();
    let targets = twice.stream_targets["stream_targets"]
        .as_array_mut()
        .unwrap();
    // The row named "My Wowza Ultra Low Latency Stream Target", again.
    targets.push(targets[1].clone());
    let mut dropped = Vec::new();
    for account in [once, twice] {
        let sim = start(account).await;
        let keys = format!("{KEYS}    exclude: ['Ultra']\n");
        let exporter = start_exporter(&wowza_config(&sim, &[("main", &keys)])).await;
        let text = scrape(exporter.addr).await;
        dropped.push(
            samples(&text, "video_usage_exporter_series_dropped{")
                .remove("video_usage_exporter_series_dropped{provider=\"wowza\",account=\"main\",endpoint=\"usage/network/stream_targets\",period=\"month\"}"),
        );
    }
    assert!(dropped[0].is_some(), "the excluded target is dropped");
    assert_eq!(dropped[0], dropped[1], "listed once, then twice");
}
