//! Live reload: a good file replaces the accounts, keeping unchanged ones'
//! data without fetching them again; a bad file changes nothing.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use video_usage_exporter::clock::SystemClock;
use video_usage_exporter::config::Config;
use video_usage_exporter::simulator::scaleengine::{Fault, Row};
use video_usage_exporter::simulator::Simulator;

fn account_yaml(sim: &Simulator, name: &str, app: &str, secret: &str) -> String {
    format!(
        "  - account: {name}\n    api_url: {}\n    api_key: {KEY}\n    api_secret: {secret}\n    cdn_id: 158\n    apps: [{app}]\n    periods: [month]\n",
        sim.scaleengine_url()
    )
}

async fn reload(addr: std::net::SocketAddr) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/-/reload"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn calls_for(sim: &Simulator, app: &str) -> usize {
    sim.scaleengine
        .calls()
        .iter()
        .filter(|c| c.app == app)
        .count()
}

fn has_account(text: &str, account: &str) -> bool {
    text.contains(&format!("scaleengine_app_bytes{{account=\"{account}\""))
}

/// Serves the config file at `path`, reloadable over HTTP.
async fn serve_reloadable(path: &std::path::Path) -> std::net::SocketAddr {
    let config = Config::load(path).unwrap();
    let source = video_usage_exporter::Source {
        path: path.to_path_buf(),
        shard: (1, 0),
    };
    let state = video_usage_exporter::assemble_from(
        &config,
        Some(source),
        "/metrics",
        Arc::new(SystemClock),
    )
    .unwrap();
    serve_with_lifecycle(state).await.addr
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_keeps_unchanged_accounts_and_rejects_bad_files() {
    let sim = start_scaleengine(account(vec![
        app(1, "one", vec![Row::new("x", 1, 1)], vec![]),
        app(2, "two", vec![Row::new("y", 2, 1)], vec![]),
        app(3, "three", vec![Row::new("z", 3, 1)], vec![]),
    ]))
    .await;
    let dir = process::temp_dir("reload");
    let path = dir.join("config.yml");
    let write = |accounts: &[String]| {
        std::fs::write(&path, format!("scaleengine:\n{}", accounts.concat())).unwrap();
    };
    write(&[
        account_yaml(&sim, "a", "one", SECRET),
        account_yaml(&sim, "b", "two", SECRET),
    ]);
    let addr = serve_reloadable(&path).await;
    let text = scrape(addr).await;
    assert!(has_account(&text, "a") && has_account(&text, "b"));
    let fetched_a = calls_for(&sim, "one");

    // `a` unchanged, `b` removed, `c` added.
    write(&[
        account_yaml(&sim, "a", "one", SECRET),
        account_yaml(&sim, "c", "three", SECRET),
    ]);
    let (status, body) = reload(addr).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        "Reloaded: 1 endpoints kept, 0 refetched, 1 started, 1 removed\n"
    );
    eventually(Duration::from_secs(30), || async {
        has_account(&scrape(addr).await, "c")
    })
    .await;
    let text = scrape(addr).await;
    assert!(has_account(&text, "a"), "kept data served");
    assert!(
        !has_account(&text, "b"),
        "removed account's series are gone"
    );
    assert_eq!(
        calls_for(&sim, "one"),
        fetched_a,
        "unchanged account not fetched again"
    );
    assert!(text.contains("video_usage_exporter_config_last_reload_successful 1\n"));

    // A bad file: an error that names no file (the reason is logged), and
    // everything keeps serving as it was.
    std::fs::write(&path, "scaleengine:\n  - account: a\n    appz: [x]\n").unwrap();
    let (status, body) = reload(addr).await;
    assert_eq!(status, 500);
    assert!(
        body.starts_with("reload failed") && !body.contains("config.yml"),
        "{body}"
    );
    let text = scrape(addr).await;
    assert!(has_account(&text, "a") && has_account(&text, "c"));
    assert!(text.contains("video_usage_exporter_config_last_reload_successful 0\n"));

    // Another page size changes how `a` is fetched, not what its data
    // means: fetched again at once, and while that fails the old data stays.
    sim.scaleengine.inject(
        Fault::Http {
            status: 400,
            retry_after: None,
        },
        1,
    );
    write(&[
        account_yaml(&sim, "a", "one", SECRET) + "    page_size: 500\n",
        account_yaml(&sim, "c", "three", SECRET),
    ]);
    let (status, body) = reload(addr).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        "Reloaded: 1 endpoints kept, 1 refetched, 0 started, 0 removed\n"
    );
    let a_down = "video_usage_exporter_up{provider=\"scaleengine\",account=\"a\",endpoint=\"video.usage\",period=\"month\"} 0\n";
    eventually(Duration::from_secs(30), || async {
        scrape(addr).await.contains(a_down)
    })
    .await;
    assert!(
        has_account(&scrape(addr).await, "a"),
        "old data still served"
    );

    // A changed secret is fetched with at once too; refused, it may be
    // another account's: the old data goes.
    write(&[
        account_yaml(&sim, "a", "one", "another-secret"),
        account_yaml(&sim, "c", "three", SECRET),
    ]);
    let (status, body) = reload(addr).await;
    assert_eq!(
        body,
        "Reloaded: 1 endpoints kept, 1 refetched, 0 started, 0 removed\n"
    );
    assert_eq!(status, 200);
    eventually(Duration::from_secs(30), || async {
        !has_account(&scrape(addr).await, "a")
    })
    .await;
    assert!(has_account(&scrape(addr).await, "c"));
}

/// Quotas, prices and the global `timeout` are not what the data means: a
/// reload that changes only them never withdraws a series, not even for
/// one scrape, and `/-/ready` stays 200. Quotas alone fetch nothing;
/// another timeout fetches again with the new client. Another app does
/// change what the data means: its old series go.
#[tokio::test(flavor = "multi_thread")]
async fn reloads_never_withdraw_data_that_is_still_right() {
    let sim = start_scaleengine(account(vec![
        app(1, "one", vec![Row::new("x", 1, 1)], vec![]),
        app(2, "two", vec![Row::new("y", 2, 1)], vec![]),
    ]))
    .await;
    let dir = process::temp_dir("reload-keeps");
    let path = dir.join("config.yml");
    let write = |head: &str, app: &str, quota: &str| {
        let account = account_yaml(&sim, "a", app, SECRET)
            + &format!("    quotas: {{egress_bytes: {{month: {quota}}}}}\n");
        std::fs::write(&path, format!("{head}scaleengine:\n{account}")).unwrap();
    };
    write("", "one", "1TB");
    let addr = serve_reloadable(&path).await;
    let x = "video_url=\"x\"";
    assert!(scrape(addr).await.contains(x));
    let calls = calls_for(&sim, "one");
    let ready = || async {
        let url = format!("http://{addr}/-/ready");
        reqwest::get(url).await.unwrap().status().as_u16()
    };

    write("", "one", "2TB");
    let (status, body) = reload(addr).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        "Reloaded: 1 endpoints kept, 0 refetched, 0 started, 0 removed\n"
    );
    let text = scrape(addr).await;
    assert!(text.contains(x), "quota-only reload kept the data");
    assert!(text.contains("video_usage_quota_bytes{provider=\"scaleengine\",account=\"a\",resource=\"egress\",period=\"month\"} 2000000000000\n"));
    assert_eq!(ready().await, 200);
    assert_eq!(calls_for(&sim, "one"), calls, "nothing fetched");

    write("timeout: 7s\n", "one", "2TB");
    let (status, body) = reload(addr).await;
    assert_eq!(
        body,
        "Reloaded: 0 endpoints kept, 1 refetched, 0 started, 0 removed\n"
    );
    assert_eq!(status, 200);
    assert!(scrape(addr).await.contains(x), "no gap while refetching");
    assert_eq!(ready().await, 200);
    eventually(Duration::from_secs(30), || async {
        calls_for(&sim, "one") > calls
    })
    .await;
    assert!(scrape(addr).await.contains(x));

    write("timeout: 7s\n", "two", "2TB");
    let (status, body) = reload(addr).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        "Reloaded: 0 endpoints kept, 0 refetched, 1 started, 0 removed\n"
    );
    assert!(
        !scrape(addr).await.contains(x),
        "another app's data is not a's"
    );
    eventually(Duration::from_secs(30), || async {
        scrape(addr).await.contains("video_url=\"y\"")
    })
    .await;
    assert_eq!(ready().await, 200);
}
