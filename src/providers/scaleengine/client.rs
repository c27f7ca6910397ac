//! ScaleEngine API calls: request fields in the seed's order, signed, POSTed
//! as form field `json`, and `video.usage` paginated to the end.
//!
//! Pagination follows `limit`/`offset` until `offset` reaches `count` (rows,
//! duplicates included). An empty page before that, or more pages than
//! `max_pages`, is an error: half a result must never become a snapshot.
//! The server may cap a page below `limit`, so the first page's length,
//! not `page_size`, is the step between offsets.
//!
//! `concurrency` bounds pages in flight and parsed pages waiting their turn
//! together: a page keeps its permit until its rows are absorbed.

use std::collections::HashSet;
use std::hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use futures_util::{stream, StreamExt as _};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::config::{AppRef, CdnField, ScaleEngineAccount};
use super::model::{self, App, UsagePage, UsageRow};
use super::sign::signed_json;
use crate::clock::Clock;
use crate::exposition::{ExcludedIds, Rows, Values};
use crate::providers::account::Account as _;
use crate::providers::http::{CallLabels, Upstream};
use crate::providers::ProviderError;

/// Bytes and requests of one video URL or stream in one period.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub requests: u64,
}

impl Usage {
    /// Bytes and requests as the values of a `VIDEOS` table row.
    pub fn values(self) -> Values {
        [Some(self.bytes.into()), Some(self.requests.into())]
    }

    /// Adds another row; an overflow means the data is corrupt, not large.
    pub fn add(&mut self, bytes: u64, requests: u64) -> Result<(), ProviderError> {
        let overflow = || ProviderError::Decode("usage sum overflows 64 bits".into());
        self.bytes = self.bytes.checked_add(bytes).ok_or_else(overflow)?;
        self.requests = self.requests.checked_add(requests).ok_or_else(overflow)?;
        Ok(())
    }
}

/// Which `year`/`month`/`day` a `video.usage` query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// Any instant of the month or day asked for.
    pub at: OffsetDateTime,
    /// Whether `day` is sent (a day period) or not (a month).
    pub day: bool,
}

pub struct Client {
    account: Arc<ScaleEngineAccount>,
    upstream: Arc<Upstream>,
    clock: Arc<dyn Clock>,
    /// Bounds the account's `video.usage` pages in flight or parsed and
    /// not yet absorbed (`concurrency`), over all its periods and apps.
    permits: Semaphore,
    usage_call: CallLabels,
    apps_call: CallLabels,
}

impl Client {
    pub fn new(
        account: Arc<ScaleEngineAccount>,
        upstream: Arc<Upstream>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let call = |endpoint: &str| CallLabels {
            provider: super::PROVIDER,
            account: account.account.clone(),
            endpoint: endpoint.to_string(),
        };
        Client {
            usage_call: call("video.usage"),
            apps_call: call("video.getapps"),
            permits: Semaphore::new(account.concurrency),
            account,
            upstream,
            clock,
        }
    }

    /// The request timestamp: Unix seconds by the shared clock.
    fn timestamp(&self) -> u64 {
        self.clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// `command`, `api_key`, `timestamp` and the CDN id, in the seed's order.
    fn base_request(&self, command: &str, timestamp: u64) -> Map<String, Value> {
        let mut request = Map::new();
        request.insert("command".into(), command.into());
        request.insert("api_key".into(), self.account.api_key.expose().into());
        request.insert("timestamp".into(), timestamp.into());
        let cdn = Value::from(self.account.cdn_id);
        if matches!(self.account.cdn_field, CdnField::Both | CdnField::Cdn) {
            request.insert("cdn".into(), cdn.clone());
        }
        if matches!(self.account.cdn_field, CdnField::Both | CdnField::CdnId) {
            request.insert("cdn_id".into(), cdn);
        }
        request
    }

    /// A `video.usage` request for one app, period and page.
    pub fn usage_request(
        &self,
        app: &AppRef,
        date: Date,
        timestamp: u64,
        offset: u64,
    ) -> Map<String, Value> {
        let mut request = self.base_request("video.usage", timestamp);
        request.insert(
            "app".into(),
            match app {
                AppRef::Id(id) => Value::from(*id),
                AppRef::Name(name) => Value::from(name.as_str()),
            },
        );
        if !self.account.urls.is_empty() {
            request.insert("url".into(), self.account.urls.clone().into());
        }
        request.insert("year".into(), date.at.year().into());
        request.insert("month".into(), u8::from(date.at.month()).into());
        if date.day {
            request.insert("day".into(), date.at.day().into());
        }
        request.insert("limit".into(), self.account.page_size.into());
        request.insert("offset".into(), offset.into());
        request
    }

    /// POSTs the request `make` builds for a timestamp, signed anew for
    /// each attempt (a retry after a long `Retry-After` must not carry a
    /// stale timestamp). Errors are stripped of the account's secrets, as
    /// callers must do for the errors of parsing the body.
    async fn post(
        &self,
        call: &CallLabels,
        make: impl Fn(u64) -> Map<String, Value>,
    ) -> Result<Vec<u8>, ProviderError> {
        let secret = self.account.api_secret.expose();
        let url = self.account.api_url.as_str();
        self.upstream
            .send(call, &self.secrets(), |client| {
                let body = signed_json(make(self.timestamp()), secret);
                client.post(url).form(&[("json", body.as_str())])
            })
            .await
    }

    fn secrets(&self) -> Vec<&str> {
        self.account.secrets()
    }

    /// `err` without the account's key and secret, or a signature.
    fn redact(&self, err: ProviderError) -> ProviderError {
        err.redact(&self.secrets())
    }

    /// The apps to query, each once: those configured, else every app of
    /// the account (`video.getapps`). Configured apps that mix names and
    /// ids are matched by `video.getapps`, so that an app listed both ways
    /// is queried once, by the reference listed first.
    pub async fn apps(&self) -> Result<Vec<AppRef>, ProviderError> {
        match &self.account.apps {
            Some(apps) if !mixes_names_and_ids(apps) => Ok(apps.clone()),
            Some(apps) => Ok(configured_apps(apps, &self.getapps().await?)),
            None => Ok(distinct_apps(self.getapps().await?)),
        }
    }

    /// Every app of the account, as `video.getapps` lists them.
    async fn getapps(&self) -> Result<Vec<App>, ProviderError> {
        let body = self
            .post(&self.apps_call, |timestamp| {
                self.base_request("video.getapps", timestamp)
            })
            .await?;
        model::parse_apps(&body).map_err(|e| self.redact(e))
    }

    /// All usage rows of one app and period (a URL's duplicate rows are
    /// summed when the table is finished).
    ///
    /// Pages are trusted only while they are consistent: when `count`
    /// changes between pages, or a page repeats the one before, the data
    /// moved under us, so the fetch starts over once; a second
    /// inconsistency is an error. Rows are never counted twice.
    pub async fn usage(&self, app: &AppRef, date: Date) -> Result<AppUsage, ProviderError> {
        match self.usage_pages(app, date).await? {
            Pages::Complete(totals) => Ok(totals),
            Pages::Inconsistent(why) => {
                tracing::debug!(account = %self.account.account, app = %app, reason = %why,
                    "video.usage pages were inconsistent; fetching again from the start");
                match self.usage_pages(app, date).await? {
                    Pages::Complete(totals) => Ok(totals),
                    Pages::Inconsistent(again) => Err(ProviderError::Pagination(format!(
                        "app {app}: pages inconsistent twice ({why}; then {again})"
                    ))),
                }
            }
        }
    }

    /// One pass over the pages. The first page gives `count` and the
    /// server's page length; the rest are then fetched in order, up to
    /// `concurrency` at a time over the whole account, and checked in order.
    /// Without `count`, pages follow one another until one is shorter than
    /// the first (see [`Client::pages_without_count`]).
    ///
    /// The semaphore is fair and `buffered` starts pages in order, so a
    /// page never waits for a permit held by a later page of its app: the
    /// permits of parsed pages waiting their turn always drain.
    async fn usage_pages(&self, app: &AppRef, date: Date) -> Result<Pages, ProviderError> {
        let mut usage = AppUsage::new();
        let (first, permit) = self.page(app, date, 0).await?;
        let step = first.usage.len() as u64;
        self.absorb(&mut usage, &first)?;
        let mut previous = fingerprint(&first.usage);
        let count = first.count;
        drop((first, permit));
        let Some(count) = count else {
            return self
                .pages_without_count(app, date, usage, step, previous)
                .await;
        };
        if step >= count {
            return Ok(Pages::Complete(usage));
        }
        if step == 0 {
            return Err(ProviderError::Pagination(format!(
                "app {app}: `count` is {count} but the page at offset 0 is empty"
            )));
        }
        let pages = (count - step).div_ceil(step);
        if pages >= u64::from(self.account.max_pages) {
            return Err(self.too_many_pages(app));
        }
        let mut rest = stream::iter((1..=pages).map(|k| k * step))
            .map(|offset| async move { (offset, self.page(app, date, offset).await) })
            .buffered(self.concurrency());
        while let Some((offset, page)) = rest.next().await {
            let (page, _permit) = page?;
            if page.count != Some(count) {
                return Ok(Pages::Inconsistent(format!(
                    "`count` changed from {count} to {} at offset {offset}",
                    show(page.count)
                )));
            }
            let print = fingerprint(&page.usage);
            if !page.usage.is_empty() && print == previous {
                return Ok(Pages::Inconsistent(format!(
                    "the page at offset {offset} repeats the one before"
                )));
            }
            let expected = step.min(count - offset);
            if page.usage.is_empty() {
                return Err(ProviderError::Pagination(format!(
                    "app {app}: `count` is {count} but the page at offset {offset} is empty"
                )));
            }
            if page.usage.len() as u64 != expected {
                return Ok(Pages::Inconsistent(format!(
                    "the page at offset {offset} has {} rows, not {expected}",
                    page.usage.len()
                )));
            }
            self.absorb(&mut usage, &page)?;
            previous = print;
        }
        Ok(Pages::Complete(usage))
    }

    /// Pages one after another (no `count` to plan by) until one is shorter
    /// than the first, which gave the server's page length; a whole number
    /// of pages ends with an empty one. So a single page costs a second,
    /// empty call: its shortness alone cannot tell the end from a cap.
    async fn pages_without_count(
        &self,
        app: &AppRef,
        date: Date,
        mut usage: AppUsage,
        step: u64,
        mut previous: u64,
    ) -> Result<Pages, ProviderError> {
        if step == 0 {
            return Ok(Pages::Complete(usage));
        }
        let (mut offset, mut rows) = (0, step);
        let max_pages = self.account.max_pages;
        // `max_pages` pages of rows, and the empty one that may end them.
        for index in 1..=max_pages {
            offset += rows;
            let (page, _permit) = self.page(app, date, offset).await?;
            if page.count.is_some() {
                return Ok(Pages::Inconsistent(format!(
                    "`count` appeared at offset {offset}"
                )));
            }
            if index == max_pages && !page.usage.is_empty() {
                break;
            }
            let print = fingerprint(&page.usage);
            if !page.usage.is_empty() && print == previous {
                return Ok(Pages::Inconsistent(format!(
                    "the page at offset {offset} repeats the one before"
                )));
            }
            self.absorb(&mut usage, &page)?;
            rows = page.usage.len() as u64;
            if rows < step {
                return Ok(Pages::Complete(usage));
            }
            previous = print;
        }
        Err(self.too_many_pages(app))
    }

    /// One page, parsed, with the permit it holds until it is absorbed.
    async fn page(
        &self,
        app: &AppRef,
        date: Date,
        offset: u64,
    ) -> Result<(UsagePage, SemaphorePermit<'_>), ProviderError> {
        let permit = self
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let body = self
            .post(&self.usage_call, |timestamp| {
                self.usage_request(app, date, timestamp, offset)
            })
            .await?;
        let page = UsagePage::parse(&body).map_err(|e| self.redact(e))?;
        Ok((page, permit))
    }

    /// Adds a page's rows; filtered while parsing, so an excluded URL is
    /// never stored. The total is checked for overflow, which bounds the
    /// sum of any URL's duplicate rows too.
    fn absorb(&self, usage: &mut AppUsage, page: &UsagePage) -> Result<(), ProviderError> {
        for row in &page.usage {
            usage.total.add(row.bytes_total, row.requests_total)?;
            if self.account.cardinality.keeps(&row.video_url) {
                let usage_of_row = Usage {
                    bytes: row.bytes_total,
                    requests: row.requests_total,
                };
                usage.rows.add(&[&row.video_url], usage_of_row.values());
            } else {
                usage.excluded.add(row.bytes_total, row.requests_total)?;
                usage.excluded_ids.add(&[&row.video_url]);
            }
        }
        Ok(())
    }

    fn too_many_pages(&self, app: &AppRef) -> ProviderError {
        ProviderError::Pagination(format!(
            "app {app}: more than max_pages ({}) pages of {} rows",
            self.account.max_pages, self.account.page_size
        ))
    }

    /// Upstream calls in flight at once, for this account.
    pub fn concurrency(&self) -> usize {
        self.account.concurrency
    }
}

/// One app's usage in one period.
#[derive(Debug, Clone)]
pub struct AppUsage {
    /// The kept rows by video URL (bytes, requests); duplicate URLs are
    /// summed when the table is finished.
    pub rows: Rows,
    /// All rows summed, kept and excluded: the app's total.
    pub total: Usage,
    /// The rows `include`/`exclude` dropped, summed, and their URLs.
    pub excluded: Usage,
    pub excluded_ids: ExcludedIds,
}

impl AppUsage {
    fn new() -> Self {
        AppUsage {
            rows: Rows::new(&super::metrics::VIDEOS),
            total: Usage::default(),
            excluded: Usage::default(),
            excluded_ids: ExcludedIds::default(),
        }
    }

    /// Adds another period's usage of the app (a day to the month so far).
    pub fn merge(&mut self, other: AppUsage) -> Result<(), ProviderError> {
        self.rows.merge(other.rows);
        self.total.add(other.total.bytes, other.total.requests)?;
        self.excluded
            .add(other.excluded.bytes, other.excluded.requests)?;
        self.excluded_ids.merge(other.excluded_ids);
        Ok(())
    }
}

/// The outcome of one pass over the pages.
enum Pages {
    Complete(AppUsage),
    /// The pages contradicted each other; why.
    Inconsistent(String),
}

/// A page's rows in 64 bits, to tell a repeated page without keeping it.
fn fingerprint(rows: &[UsageRow]) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(rows)
}

fn show(count: Option<u64>) -> String {
    count.map_or_else(|| "absent".into(), |c| c.to_string())
}

/// Apps as references, each once: a repeated name, or an id listed on its
/// own next to the same app by name, is queried once (by name).
fn distinct_apps(apps: Vec<App>) -> Vec<AppRef> {
    let named_ids: Vec<u64> = apps
        .iter()
        .filter(|a| a.name.is_some())
        .filter_map(|a| a.id)
        .collect();
    let mut distinct: Vec<AppRef> = Vec::with_capacity(apps.len());
    for App { id, name } in apps {
        let app = match (name, id) {
            (Some(name), _) => AppRef::Name(name),
            (None, Some(id)) if named_ids.contains(&id) => continue,
            (None, Some(id)) => AppRef::Id(id),
            (None, None) => unreachable!("parse_apps rejects apps without name and id"),
        };
        if !distinct.contains(&app) {
            distinct.push(app);
        }
    }
    distinct
}

fn mixes_names_and_ids(apps: &[AppRef]) -> bool {
    apps.iter().any(|a| matches!(a, AppRef::Id(_)))
        && apps.iter().any(|a| matches!(a, AppRef::Name(_)))
}

/// Configured apps, each once: a name is matched to its id in `known`
/// (`video.getapps`), and of the references to one id the first is kept.
/// A name `known` does not list is kept as it is.
fn configured_apps(apps: &[AppRef], known: &[App]) -> Vec<AppRef> {
    let id_of = |app: &AppRef| match app {
        AppRef::Id(id) => Some(*id),
        AppRef::Name(name) => known
            .iter()
            .find(|a| a.name.as_deref() == Some(name.as_str()))
            .and_then(|a| a.id),
    };
    let mut seen = HashSet::new();
    apps.iter()
        .filter(|app| id_of(app).is_none_or(|id| seen.insert(id)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::php::php_json_encode;

    fn vector(name: &str) -> Value {
        let all = crate::providers::fixtures::json("php_sign_vectors.json");
        all.as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap()
            .clone()
    }

    fn client(yaml: &str) -> Client {
        let account: ScaleEngineAccount = serde_norway::from_str(yaml).unwrap();
        let upstream = crate::providers::http::tests::upstream();
        Client::new(
            Arc::new(account),
            upstream,
            Arc::new(crate::clock::SystemClock),
        )
    }

    #[test]
    fn usage_request_is_signed_exactly_like_php() {
        let v = vector("client_usage_day_with_urls");
        let c = client(
            r#"
account: main
api_key: APX4GKLM0RKQLSP2FBO1ROPKSSW47DZE
api_secret: 8fc8c48da81e6a2a06a9556379bf798af508dc0792497c678b4c3532ba8b637f
cdn_id: 158
urls: ["sestore/jb/my_video.mp4", "live/café", "直播/频道", "emoji 😀/x", "quote\"back\\slash", "tab\there"]
"#,
        );
        let date = time::macros::datetime!(2025-11-23 10:00 UTC);
        let request = c.usage_request(
            &AppRef::Name("demo-origin".into()),
            Date {
                at: date,
                day: true,
            },
            1_763_856_000,
            2000,
        );
        assert_eq!(
            php_json_encode(&Value::Object(request.clone())),
            v["canonical"].as_str().unwrap()
        );
        assert_eq!(
            signed_json(request, c.account.api_secret.expose()),
            v["json"].as_str().unwrap()
        );
    }

    #[test]
    fn month_request_by_app_id_omits_day_and_url() {
        let v = vector("client_usage_month_app_id");
        let c = client(
            r#"
account: a
api_key: KEY
api_secret: "s3cr3t/with+base64=chars"
cdn_id: 7
page_size: 500
"#,
        );
        let date = time::macros::datetime!(2023-11-14 22:13:20 UTC);
        let month = Date {
            at: date,
            day: false,
        };
        let request = c.usage_request(&AppRef::Id(12345), month, 1_700_000_000, 0);
        assert_eq!(
            signed_json(request, c.account.api_secret.expose()),
            v["json"].as_str().unwrap()
        );
    }

    #[test]
    fn listed_apps_are_queried_once_each() {
        let app = |id: Option<u64>, name: Option<&str>| App {
            id,
            name: name.map(str::to_string),
        };
        let apps = distinct_apps(vec![
            app(Some(1), Some("live")),
            app(None, Some("live")),
            app(Some(1), None),
            app(Some(2), None),
            app(Some(2), None),
            app(Some(3), Some("vod")),
        ]);
        assert_eq!(
            apps,
            [
                AppRef::Name("live".into()),
                AppRef::Id(2),
                AppRef::Name("vod".into())
            ]
        );
    }

    #[test]
    fn configured_names_are_matched_to_ids_and_each_app_kept_once() {
        let known = [
            App {
                id: Some(12),
                name: Some("demo-origin".into()),
            },
            App {
                id: Some(13),
                name: Some("vod".into()),
            },
        ];
        let apps = [
            AppRef::Name("demo-origin".into()),
            AppRef::Id(13),
            AppRef::Id(12),
            AppRef::Name("vod".into()),
            AppRef::Name("unlisted".into()),
        ];
        assert!(mixes_names_and_ids(&apps));
        assert!(!mixes_names_and_ids(&apps[1..3]));
        assert_eq!(
            configured_apps(&apps, &known),
            [
                AppRef::Name("demo-origin".into()),
                AppRef::Id(13),
                AppRef::Name("unlisted".into())
            ]
        );
    }

    #[test]
    fn cdn_field_choice_is_honoured() {
        let c = client("{account: a, api_key: k, api_secret: s, cdn_id: 9, cdn_field: cdn_id}");
        let keys: Vec<String> = c.base_request("video.getapps", 1).keys().cloned().collect();
        assert_eq!(keys, ["command", "api_key", "timestamp", "cdn_id"]);
        let c = client("{account: a, api_key: k, api_secret: s, cdn_id: 9, cdn_field: cdn}");
        assert!(c.base_request("video.getapps", 1).contains_key("cdn"));
        assert!(!c.base_request("video.getapps", 1).contains_key("cdn_id"));
    }

    #[test]
    fn duplicate_rows_are_summed() {
        let mut u = Usage::default();
        u.add(5_106_077, 1).unwrap();
        u.add(2_875_558, 1).unwrap();
        assert_eq!(
            u,
            Usage {
                bytes: 7_981_635,
                requests: 2
            }
        );
        assert!(u.add(u64::MAX, 0).is_err());
    }
}
