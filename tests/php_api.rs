//! Against a ScaleEngine-like API written in real PHP, which verifies our
//! signatures with PHP's own `json_encode`. Needs `php`; skipped without it
//! unless `REQUIRE_PHP` is set (CI sets it).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;

struct PhpServer(Child, u16);

impl Drop for PhpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn php_server() -> Option<PhpServer> {
    if Command::new("php").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("REQUIRE_PHP").is_none(),
            "REQUIRE_PHP is set but php is missing"
        );
        eprintln!("php not installed; skipping");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/php_api.php");
    let child = Command::new("php")
        .args(["-S", &format!("127.0.0.1:{port}"), script])
        .env("SE_KEY", KEY)
        .env("SE_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = PhpServer(child, port);
    eventually(Duration::from_secs(10), || async move {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
    })
    .await;
    Some(server)
}

fn config(port: u16, extra: &str) -> String {
    format!(
        "scaleengine:\n  - account: php\n    api_url: http://127.0.0.1:{port}/\n    api_key: {KEY}\n    api_secret: {SECRET}\n    cdn_id: 158\n    periods: [month]\n{extra}"
    )
}

const UP: &str = "video_usage_exporter_up{provider=\"scaleengine\",account=\"php\",endpoint=\"video.usage\",period=\"month\"} 1\n";

#[tokio::test]
async fn php_accepts_signatures_with_slash_and_non_ascii_url_filters() {
    let Some(php) = php_server().await else {
        return;
    };
    let urls = [
        "sestore/jb/my_video.mp4",
        "live/café",
        "直播/频道",
        "emoji 😀/x",
        "quote\"s and \\backslash",
    ];
    let list = urls
        .iter()
        .map(|u| format!("'{}'", u.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    // By name and by id: one app, so one exporter each (listed together,
    // they are one app, fetched once).
    for app in ["php-app", "7"] {
        let exporter = start_exporter(&config(
            php.1,
            &format!("    apps: [{app}]\n    urls: [{list}]\n"),
        ))
        .await;
        let text = scrape(exporter.addr).await;
        assert!(text.contains(UP), "PHP rejected a signature:\n{text}");
        for u in urls {
            // PHP's strlen counts UTF-8 bytes: the URL arrived intact.
            let bytes = 4_294_967_296u64 + 1000 * u.len() as u64;
            let series = format!(
                "scaleengine_video_bytes{{account=\"php\",period=\"month\",app=\"{app}\",video_url=\"{}\"}} {bytes}\n",
                escape(u)
            );
            assert!(text.contains(&series), "missing {series}");
        }
    }
}

#[tokio::test]
async fn php_pages_of_2100_urls_with_a_duplicate_are_exact() {
    let Some(php) = php_server().await else {
        return;
    };
    let exporter = start_exporter(&config(php.1, "")).await;
    let text = scrape(exporter.addr).await;
    assert!(text.contains(UP), "{text}");
    let bytes = samples(&text, "scaleengine_video_bytes{");
    assert_eq!(bytes.len(), 2100);
    for i in 0..2100u64 {
        let url = if i % 2 == 1 {
            format!("café/stream-{i}")
        } else {
            format!("vod/file-{i}.mp4")
        };
        let want = 4_294_967_296 + i + if i == 0 { 5 } else { 0 };
        let key = format!("scaleengine_video_bytes{{account=\"php\",period=\"month\",app=\"php-app\",video_url=\"{url}\"}}");
        assert_eq!(bytes.get(&key), Some(&want.to_string()), "{url}");
    }
}
