//! Any bytes as an upstream's answer (status line, headers such as
//! `Retry-After`, a body cut off at any byte), through the shared HTTP
//! client and the refresher's failure handling: a result or an error and a
//! bounded back-off, never a panic, never a secret in the error.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use tokio::runtime::Runtime;
use video_usage_exporter::clock::SystemClock;
use video_usage_exporter::exposition::SnapshotBuilder;
use video_usage_exporter::providers::http::{CallLabels, Limits, Observer, Upstream};
use video_usage_exporter::refresh::{CacheObserver, Refresher, MAX_BACKOFF_FLOOR};
use video_usage_exporter::simulator::faults::{raw_upstream, FnEndpoint};

const INTERVAL: Duration = Duration::from_secs(300);
const SECRET: &str = "fuzz-secret";

struct Ignore;

impl Observer for Ignore {
    fn observe(&self, _: &CallLabels, _: &str, _: Duration) {}
}

impl CacheObserver for Ignore {
    fn hit(&self) {}
    fn miss(&self) {}
}

/// One runtime and client for every input, as in the exporter.
fn shared() -> &'static (Runtime, Arc<Upstream>) {
    static SHARED: OnceLock<(Runtime, Arc<Upstream>)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let limits = Limits {
            timeout: Duration::from_secs(5),
            max_body_bytes: 4096,
            max_attempts: 2,
            backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
        };
        let upstream = Arc::new(Upstream::new(Arc::new(Ignore), limits).expect("a client"));
        (runtime, upstream)
    })
}

fuzz_target!(|answer: &[u8]| {
    let (runtime, upstream) = shared();
    runtime.block_on(async {
        // The first attempt gets the input; a retry finds nobody listening.
        let url = raw_upstream(vec![answer.to_vec()]).await.unwrap();
        let upstream = upstream.clone();
        let fetch = move |_| -> video_usage_exporter::providers::BoxFuture<'static, _> {
            let (upstream, url) = (upstream.clone(), url.clone());
            Box::pin(async move {
                let call = CallLabels {
                    provider: "fake",
                    account: "fuzz".into(),
                    endpoint: "usage".into(),
                };
                upstream
                    .send(&call, &[SECRET], |client| client.get(&url))
                    .await?;
                Ok(SnapshotBuilder::new("fuzz").finish())
            })
        };
        let endpoint = Arc::new(FnEndpoint::new("fuzz", INTERVAL, Arc::new(fetch)));
        let refresher = Refresher::new(vec![endpoint], Arc::new(Ignore), Arc::new(SystemClock));
        let outcome = refresher.refresh_now(0).await;
        let status = refresher.targets()[0].status();
        assert!(status.attempted && refresher.ready());
        assert_eq!(status.up, outcome.is_ok());
        if let Some(retry_at) = status.retry_at() {
            let wait = retry_at
                .duration_since(SystemTime::now())
                .unwrap_or_default();
            assert!(wait <= INTERVAL.max(MAX_BACKOFF_FLOOR));
        }
        if let Some(error) = status.last_error {
            assert!(!error.contains(SECRET), "{error}");
        }
    });
});
