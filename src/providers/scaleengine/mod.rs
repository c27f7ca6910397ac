//! ScaleEngine video usage (`video.usage`), per app and per video URL.
//!
//! One endpoint per account and period: every app (listed by
//! `video.getapps` when `apps` is omitted), each app queried once and on
//! its own so that rows are attributed to it. The snapshot replaces the previous one
//! only when all of those queries, all pages, succeeded. `video.usage`
//! knows calendar months and days only, so ScaleEngine has no billing day.
//!
//! History (`backfill`) is by day, the API's finest grain: a past month's
//! month-to-date at the end of a day is the sum of its days so far (a month
//! query would return the whole month), each day read once for the month
//! and the day endpoints of the account alike.

pub mod client;
pub mod config;
pub mod model;
pub mod metrics;
pub mod sign;

use std::sync::Arc;

use futures_util::{stream, StreamExt as _, TryStreamExt as _};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use super::account::{account_keys, Account, Context};
use super::{BoxFuture, Endpoint, ProviderError, Schedule};
use crate::exposition::{Snapshot, SnapshotBuilder};
use crate::period::{Bounds, Period};
use client::{AppUsage, Client, Date};
use config::AppRef;
use metrics::{APP_BYTES, APP_REQUESTS, VIDEOS};
pub use config::ScaleEngineAccount;

pub const PROVIDER: &str = "scaleengine";

impl Account for ScaleEngineAccount {
    account_keys!(PROVIDER);

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
        let history = Arc::new(Mutex::new(History::default()));
        account
            .periods
            .iter()
            .map(|&period| {
                Arc::new(UsageEndpoint {
                    client: client.clone(),
                    account: account.clone(),
                    schedule: context.schedule(period, 1, interval),
                    history: history.clone(),
                }) as Arc<dyn Endpoint>
            })
            .collect()
    }
}

struct UsageEndpoint {
    client: Arc<Client>,
    account: Arc<ScaleEngineAccount>,
    schedule: Schedule,
    /// What a backfill has read, shared by the account's endpoints.
    history: Arc<Mutex<History>>,
}

/// Each app's usage in one period, in the order of the apps.
type Usages = Vec<(AppRef, AppUsage)>;

/// What a backfill has read of an account, oldest day first.
#[derive(Default)]
struct History {
    /// The day read last and each app's usage on it: the month and the day
    /// endpoints of one step ask for the same day.
    day: Option<(time::Date, Usages)>,
    /// The month being summed: its first day, the last day added, and each
    /// app's usage so far.
    month: Option<(time::Date, time::Date, Usages)>,
}

impl UsageEndpoint {
    async fn fetch_all(&self, bounds: Bounds) -> Result<Snapshot, ProviderError> {
        let period = self.schedule.period;
        // One date for every query of this fetch, so that all pages and apps
        // agree on the period even across midnight.
        let date = Date {
            at: bounds.start,
            day: matches!(period, Period::Day | Period::PreviousDay),
        };
        Ok(self.snapshot(self.usages(date).await?))
    }

    /// Every app's usage on `date`: apps concurrently (the client bounds
    /// the calls in flight), in order.
    async fn usages(&self, date: Date) -> Result<Usages, ProviderError> {
        let apps = self.client.apps().await?;
        let client = &self.client;
        stream::iter(apps)
            .map(|app| async move {
                let usage = client.usage(&app, date).await?;
                Ok((app, usage))
            })
            .buffered(self.client.concurrency())
            .try_collect()
            .await
    }

    /// The snapshot of the endpoint's period with these usages.
    fn snapshot(&self, usages: Usages) -> Snapshot {
        let cardinality = &self.account.cardinality;
        let period = self.schedule.period.label();
        let mut snapshot = SnapshotBuilder::usage(&self.account.account, &period, cardinality);
        let mut totals = Vec::new();
        let mut videos = snapshot.table(&VIDEOS);
        for (app, usage) in usages {
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
        snapshot.finish()
    }

    /// The history of `bounds`, whose `to` is the last second of a day: a
    /// month so far as the sum of its days, a day from its own query.
    async fn history(&self, bounds: Bounds) -> Result<Snapshot, ProviderError> {
        let last = bounds.to.date();
        match self.schedule.period {
            Period::Month => {
                let mut history = self.history.lock().await;
                let first = bounds.start.date();
                let (through, mut sum) = match history.month.take() {
                    Some((start, through, sum)) if start == first && through <= last => {
                        (Some(through), sum)
                    }
                    _ => (None, Usages::new()),
                };
                let mut day = through.map_or(Some(first), |d| d.next_day());
                while let Some(date) = day.filter(|d| *d <= last) {
                    for (app, usage) in self.day(&mut history, date).await? {
                        match sum.iter_mut().find(|(a, _)| *a == app) {
                            Some((_, so_far)) => so_far.merge(usage)?,
                            None => sum.push((app, usage)),
                        }
                    }
                    day = date.next_day();
                }
                history.month = Some((first, last, sum.clone()));
                Ok(self.snapshot(sum))
            }
            Period::Day => {
                let mut history = self.history.lock().await;
                Ok(self.snapshot(self.day(&mut history, last).await?))
            }
            _ => self.fetch_all(bounds).await,
        }
    }

    /// Every app's usage on `date`, read once for all the account's
    /// endpoints.
    async fn day(&self, history: &mut History, date: time::Date) -> Result<Usages, ProviderError> {
        if let Some((day, usages)) = &history.day {
            if *day == date {
                return Ok(usages.clone());
            }
        }
        let at = date.midnight().assume_utc();
        let usages = self.usages(Date { at, day: true }).await?;
        history.day = Some((date, usages.clone()));
        Ok(usages)
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

    fn fetch_history(&self, bounds: Bounds) -> BoxFuture<'_, Result<Snapshot, ProviderError>> {
        Box::pin(self.history(bounds))
    }

    /// Days only: at a day's last second.
    fn has_history_at(&self, at: OffsetDateTime) -> bool {
        (at.hour(), at.minute(), at.second()) == (23, 59, 59)
    }
}
