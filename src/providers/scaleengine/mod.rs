//! ScaleEngine video usage (`video.usage`), per app and per video URL.
//!
//! One endpoint per account and period: every app (listed by
//! `video.getapps` when `apps` is omitted), each app queried once and on
//! its own so that rows are attributed to it. The snapshot replaces the previous one
//! only when all of those queries, all pages, succeeded. `video.usage`
//! knows calendar months and days only, so ScaleEngine has no billing day.

pub mod client;
pub mod config;
pub mod model;
pub mod metrics;
pub mod sign;

use std::sync::Arc;

use futures_util::{stream, StreamExt as _};

use super::account::{Account, Context};
use super::{BoxFuture, Endpoint, ProviderError, Schedule};
use crate::billing::{Prices, Quotas};
use crate::exposition::{Snapshot, SnapshotBuilder};
use crate::period::{Bounds, Period};
use client::{Client, Date};
use metrics::{APP_BYTES, APP_REQUESTS, VIDEOS};
pub use config::ScaleEngineAccount;

pub const PROVIDER: &str = "scaleengine";

impl Account for ScaleEngineAccount {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn name(&self) -> &str {
        &self.account
    }

    fn quotas(&self) -> &Quotas {
        &self.quotas
    }

    fn prices(&self) -> Option<&Prices> {
        self.prices.as_ref()
    }

    fn fetch_key(&self) -> String {
        let fetch = ScaleEngineAccount {
            quotas: Quotas::default(),
            prices: None,
            ..self.clone()
        };
        format!("{fetch:?}")
    }

    fn data_key(&self) -> String {
        format!(
            "{:?}",
            (self.cdn_id, &self.apps, &self.urls, &self.cardinality)
        )
    }

    fn secrets(&self) -> Vec<&str> {
        vec![self.api_key.expose(), self.api_secret.expose()]
    }

    fn endpoints(&self, context: &Context) -> Vec<Arc<dyn Endpoint>> {
        let account = Arc::new(self.clone());
        let client = Arc::new(Client::new(
            account.clone(),
            context.upstream.clone(),
            context.clock.clone(),
        ));
        let interval = account.refresh_interval.unwrap_or(context.refresh_interval);
        account
            .periods
            .iter()
            .map(|&period| {
                Arc::new(UsageEndpoint {
                    client: client.clone(),
                    account: account.clone(),
                    schedule: context.schedule(period, 1, interval),
                }) as Arc<dyn Endpoint>
            })
            .collect()
    }
}

struct UsageEndpoint {
    client: Arc<Client>,
    account: Arc<ScaleEngineAccount>,
    schedule: Schedule,
}

impl UsageEndpoint {
    async fn fetch_all(&self, bounds: Bounds) -> Result<Snapshot, ProviderError> {
        let apps = self.client.apps().await?;
        let period = self.schedule.period;
        // One date for every query of this fetch, so that all pages and apps
        // agree on the period even across midnight.
        let date = Date {
            at: bounds.start,
            day: matches!(period, Period::Day | Period::PreviousDay),
        };
        let cardinality = &self.account.cardinality;
        let mut snapshot = SnapshotBuilder::usage(&self.account.account, &period.label(), cardinality);
        let mut totals = Vec::new();
        let mut videos = snapshot.table(&VIDEOS);
        // Apps concurrently (the client bounds the calls in flight), in order.
        let client = &self.client;
        let mut usages = stream::iter(apps)
            .map(|app| async move {
                let usage = client.usage(&app, date).await;
                (app, usage)
            })
            .buffered(self.client.concurrency());
        while let Some((app, usage)) = usages.next().await {
            let usage = usage?;
            let app_label = app.to_string();
            let group = [app_label.as_str()];
            videos.excluded(&group, usage.excluded.values(), usage.excluded_ids);
            videos.rows(&group, usage.rows);
            totals.push((app_label, usage.total));
        }
        videos.finish();
        for (app, total) in totals {
            let labels = [("app", app.as_str())];
            snapshot.gauge(&APP_BYTES, &labels, total.bytes);
            snapshot.gauge(&APP_REQUESTS, &labels, total.requests);
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

    fn schedule(&self) -> Schedule {
        self.schedule
    }

    fn fetch(&self, bounds: Bounds) -> BoxFuture<'_, Result<Snapshot, ProviderError>> {
        Box::pin(self.fetch_all(bounds))
    }
}
