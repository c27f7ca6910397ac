//! Shared test harness: the real exporter server on 127.0.0.1:0 in-process,
//! next to the simulator, talking HTTP.

#![allow(dead_code)] // each test binary uses a different part of the harness

pub mod process;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use video_usage_exporter::app::AppState;
use video_usage_exporter::clock::{Clock, SystemClock};
use video_usage_exporter::config::Config;
use video_usage_exporter::server;
use video_usage_exporter::simulator::scaleengine::{Account, App, Row};
use video_usage_exporter::simulator::{wowza, Accrual, Simulator};
use video_usage_exporter::web::Web;

pub const KEY: &str = "APX4GKLM0RKQLSP2FBO1ROPKSSW47DZE";
pub const SECRET: &str = "8fc8c48da81e6a2a06a9556379bf798af508dc0792497c678b4c3532ba8b637f";

pub struct Exporter {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
}

/// Starts the exporter for `yaml` (a full config file) and its first fetches.
pub async fn start_exporter(yaml: &str) -> Exporter {
    start_exporter_with_clock(yaml, Arc::new(SystemClock)).await
}

/// Like [`start_exporter`], reading time from `clock`. Returns once every
/// endpoint's first fetch has finished (succeeded or failed), so that
/// tests never depend on the first-scrape wait.
pub async fn start_exporter_with_clock(yaml: &str, clock: Arc<dyn Clock>) -> Exporter {
    let config = Config::parse(yaml, "test.yml").expect("test config is valid");
    serve(video_usage_exporter::assemble(&config, "/metrics", clock).unwrap()).await
}

/// Starts `state`'s refresher and serves it on 127.0.0.1:0; returns once
/// every endpoint's first fetch has finished.
pub async fn serve(state: Arc<AppState>) -> Exporter {
    serve_with_options(state, server::Options::default()).await
}

/// [`serve`] with `POST /-/reload` enabled (`--web.enable-lifecycle`).
pub async fn serve_with_lifecycle(state: Arc<AppState>) -> Exporter {
    let options = server::Options {
        enable_lifecycle: true,
        ..server::Options::default()
    };
    serve_with_options(state, options).await
}

/// [`serve`] with `options`.
pub async fn serve_with_options(state: Arc<AppState>, options: server::Options) -> Exporter {
    state.refresher.start();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve_with(
        listener,
        state.clone(),
        Arc::new(Web::plain()),
        options,
        std::future::pending(),
    ));
    let ready = state.clone();
    eventually(Duration::from_secs(60), || {
        let ready = ready.clone();
        async move { ready.refresher.ready() }
    })
    .await;
    Exporter { addr, state }
}

/// The fakes, with `scaleengine` as given and Wowza's demo data.
pub async fn start_scaleengine(scaleengine: Account) -> Simulator {
    Simulator::start(scaleengine, wowza::demo_account())
        .await
        .unwrap()
}

/// A ScaleEngine account of the fake with the test credentials.
pub fn account(apps: Vec<App>) -> Account {
    Account {
        api_key: KEY.into(),
        api_secret: SECRET.into(),
        cdn_id: 158,
        apps,
        accrual: Accrual::Off,
        sliding: None,
    }
}

pub fn app(id: u64, name: &str, month: Vec<Row>, day: Vec<Row>) -> App {
    App {
        id,
        name: name.into(),
        month,
        day,
    }
}

/// A config with one ScaleEngine account pointing at `sim`; `extra` lines
/// are added to the account (indented by the caller's text as given).
pub fn scaleengine_config(sim: &Simulator, extra: &str) -> String {
    format!(
        "refresh_interval: 5m\nscaleengine:\n  - account: main\n    api_url: {}\n    api_key: {KEY}\n    api_secret: {SECRET}\n    cdn_id: 158\n{extra}",
        sim.scaleengine_url()
    )
}

pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

pub async fn scrape(addr: SocketAddr) -> String {
    let response = get(addr, "/metrics", &[]).await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Series (name and labels as exposed) to value, for the given metric prefix.
pub fn samples(text: &str, prefix: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| l.starts_with(prefix))
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_string(), value.to_string())
        })
        .collect()
}

/// Polls `check` until it is true or `within` has passed.
pub async fn eventually<F, Fut>(within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "condition not met within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The label value escaping of the exposition formats.
pub fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
