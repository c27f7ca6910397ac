//! ScaleEngine video usage (`video.usage`), per app and per video URL.
//!
//! One endpoint per account: every configured period of every app (listed
//! by `video.getapps` when `apps` is omitted), each app queried on its own so
//! that rows are attributed to it. The snapshot replaces the previous one
//! only when all of those queries, all pages, succeeded.

pub mod client;
pub mod model;
pub mod sign;

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use super::http::Upstream;
use super::{BoxFuture, Endpoint, GaugeFamily, ProviderError, Snapshot, SnapshotBuilder};
use crate::config::{Config, ScaleEngineAccount};
use client::{Client, Usage};

pub const PROVIDER: &str = "scaleengine";

pub static VIDEO_BYTES: GaugeFamily = GaugeFamily {
    name: "scaleengine_video_bytes",
    help: "Bytes of bandwidth used by a video URL or stream in the period so far (video.usage bytes_total, duplicate rows summed).",
};
pub static VIDEO_REQUESTS: GaugeFamily = GaugeFamily {
    name: "scaleengine_video_requests",
    help: "Play, pause and stop commands received for a video URL or stream in the period so far (video.usage requests_total).",
};
pub static APP_BYTES: GaugeFamily = GaugeFamily {
    name: "scaleengine_app_bytes",
    help:
        "Bytes of bandwidth used by an app in the period so far: the sum of its video.usage rows.",
};
pub static APP_REQUESTS: GaugeFamily = GaugeFamily {
    name: "scaleengine_app_requests",
    help: "Requests received by an app in the period so far: the sum of its video.usage rows.",
};

/// The endpoints of every configured ScaleEngine account.
pub fn endpoints(config: &Config, upstream: &Arc<Upstream>) -> Vec<Arc<dyn Endpoint>> {
    config
        .scaleengine
        .iter()
        .map(|account| {
            let interval = account.refresh_interval.unwrap_or(config.refresh_interval);
            Arc::new(UsageEndpoint {
                client: Client::new(Arc::new(account.clone()), upstream.clone()),
                account: account.clone(),
                interval,
            }) as Arc<dyn Endpoint>
        })
        .collect()
}

struct UsageEndpoint {
    client: Client,
    account: ScaleEngineAccount,
    interval: Duration,
}

impl UsageEndpoint {
    async fn fetch_all(&self) -> Result<Snapshot, ProviderError> {
        let apps = match &self.account.apps {
            Some(apps) => apps.clone(),
            None => self.client.apps().await?,
        };
        // One date for every query of this fetch, so that all pages and apps
        // agree on the period even across midnight.
        let now = OffsetDateTime::now_utc();
        let mut snapshot = SnapshotBuilder::new(&self.account.account);
        for &period in &self.account.periods {
            for app in &apps {
                let rows = self.client.usage(app, period, now).await?;
                let app_label = app.to_string();
                let mut total = Usage::default();
                for (url, usage) in &rows {
                    total.add(usage.bytes, usage.requests)?;
                    let labels = [
                        ("app", app_label.as_str()),
                        ("video_url", url.as_str()),
                        ("period", period.as_str()),
                    ];
                    snapshot.gauge(&VIDEO_BYTES, &labels, usage.bytes);
                    snapshot.gauge(&VIDEO_REQUESTS, &labels, usage.requests);
                }
                let labels = [("app", app_label.as_str()), ("period", period.as_str())];
                snapshot.gauge(&APP_BYTES, &labels, total.bytes);
                snapshot.gauge(&APP_REQUESTS, &labels, total.requests);
            }
        }
        Ok(snapshot.finish())
    }
}

impl Endpoint for UsageEndpoint {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn account(&self) -> &str {
        &self.account.account
    }

    fn name(&self) -> &str {
        "video.usage"
    }

    fn refresh_interval(&self) -> Duration {
        self.interval
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Snapshot, ProviderError>> {
        Box::pin(self.fetch_all())
    }
}
