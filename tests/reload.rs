//! Live reload: a good file replaces the accounts, keeping unchanged ones'
//! data without fetching them again; a bad file changes nothing.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use video_usage_exporter::clock::SystemClock;
use video_usage_exporter::config::Config;
use video_usage_exporter::simulator::scaleengine::Row;
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
    let config = Config::load(&path).unwrap();
    let source = video_usage_exporter::Source {
        path: path.clone(),
        shard: (1, 0),
    };
    let state = video_usage_exporter::assemble_from(
        &config,
        Some(source),
        "/metrics",
        Arc::new(SystemClock),
    )
    .unwrap();
    let addr = serve_with_lifecycle(state).await.addr;
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
    assert_eq!(body, "Reloaded: 1 endpoints kept, 1 started, 1 removed\n");
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

    // A changed secret is a changed account: fetched again (and failing
    // here, since the simulator knows the old secret).
    write(&[
        account_yaml(&sim, "a", "one", "another-secret"),
        account_yaml(&sim, "c", "three", SECRET),
    ]);
    let (status, body) = reload(addr).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "Reloaded: 1 endpoints kept, 1 started, 0 removed\n");
    assert!(!body.contains("another-secret"));
}
