//! A fake ScaleEngine API that behaves as the seed document says.
//!
//! It reads the form field `json`, verifies the signature over its own PHP
//! `json_encode` of the decoded request (as a PHP server does), rejects
//! stale timestamps, answers failures as `"status": "failure"` with a
//! message, pages with `limit`/`offset` and `count` (capping `limit` at
//! [`MAX_LIMIT`]), returns numbers as strings, and serves the rows it is
//! given, duplicates included. Values grow with time when asked, so demo
//! graphs move. For the tests it can also leave out `count`, answer chosen
//! pages slowly, and record how many pages a client must have held at once.
//!
//! With [`Accrual::Daily`] it serves a history, which backfill is checked
//! against ([`daily_usage`] computes any answer without HTTP). The app's
//! `day` rows are a weight-1 day; its `month` rows are not used:
//!
//! - day D, per row: `value × w(D)` for a past D, `⌊value × w(D) × ms
//!   passed of D / 86,400,000⌋` for today, 0 for a future D, where
//!   `w` is [`weight`];
//! - a month, per row: the sum of its days' answers, each floored as above
//!   (so month to date for the current month, 0 for a future one).
//!
//! The newcomer's trap: a real API's month is the sum of its days, so in
//! this mode it is here too, exactly; the other modes serve `month` rows
//! that have nothing to do with the `day` rows.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{json, Map, Value};
use time::Date;

use super::{weight, Accrual, Share};
use crate::clock::Clock;
use crate::providers::scaleengine::sign;

/// The largest page the fake serves, whatever `limit` asks for.
pub const MAX_LIMIT: u64 = 1000;
/// How far a request's timestamp may be from the fake's clock.
const TIMESTAMP_WINDOW_SECS: u64 = 300;
const DAY: Duration = Duration::from_secs(86_400);

/// One usage row as the API returns it.
#[derive(Debug, Clone)]
pub struct Row {
    pub video_url: String,
    pub bytes: u64,
    pub requests: u64,
}

impl Row {
    pub fn new(video_url: impl Into<String>, bytes: u64, requests: u64) -> Row {
        Row {
            video_url: video_url.into(),
            bytes,
            requests,
        }
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub id: u64,
    pub name: String,
    /// Rows for a whole-month query, in the order served (unused with
    /// [`Accrual::Daily`]).
    pub month: Vec<Row>,
    /// Rows for a query with `day` (and, with [`Accrual::Daily`], a
    /// weight-1 day of every query).
    pub day: Vec<Row>,
}

/// Credentials and data of the fake account.
#[derive(Debug, Clone)]
pub struct Account {
    pub api_key: String,
    pub api_secret: String,
    pub cdn_id: u64,
    pub apps: Vec<App>,
    /// How values accrue over the period asked for. `Steady`: a month or
    /// day in progress returns the rows scaled by the share of it that has
    /// passed by the simulator's clock, a closed one the rows as given, a
    /// future one zeros. `Daily`: a history, as the module doc says. `Off`:
    /// the rows as given for any period.
    pub accrual: Accrual,
    /// A churning library: each new query (a page at offset 0) moves a
    /// window over an endless list of URLs `slide/<n>` by this many, so
    /// that many URLs vanish and as many appear; the rows give the values.
    pub sliding: Option<u64>,
}

/// One request the fake answered, for tests that count calls.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Call {
    pub command: String,
    pub app: String,
    /// `year`, `month` and `day` asked for (0 when not sent).
    pub year: u64,
    pub month: u64,
    pub day: Option<u64>,
    pub offset: u64,
}

pub struct ScaleEngineSim {
    account: Account,
    clock: Arc<dyn Clock>,
    calls: Mutex<Vec<Call>>,
    failure: Mutex<Option<String>>,
    /// Faults still to inject, and how many more times each.
    faults: Mutex<Vec<(Fault, u32)>>,
    /// The signed `timestamp` of every request received, faulted or not.
    timestamps: Mutex<Vec<u64>>,
    /// How far a sliding account's window has moved.
    generation: AtomicU64,
    /// Whether `video.usage` answers leave out `count`.
    count_omitted: AtomicBool,
    /// Pages answered only after a while: app name, offset, latency.
    slow_pages: Mutex<Vec<(String, u64, Duration)>>,
    pages: Mutex<Outstanding>,
}

/// One `video.usage` query (app, year, month, day), whatever its offset.
type Query = (String, u64, u64, Option<u64>);

/// The pages a client that reads each query's pages in order must hold at
/// a time: those in flight, and those answered while an earlier page of
/// the same query was still in flight.
#[derive(Debug, Default)]
struct Outstanding {
    /// Per query: offsets in flight, and offsets answered early.
    queries: HashMap<Query, (BTreeSet<u64>, BTreeSet<u64>)>,
    most: usize,
}

impl Outstanding {
    fn start(&mut self, query: &Query, offset: u64) {
        let (in_flight, _) = self.queries.entry(query.clone()).or_default();
        in_flight.insert(offset);
        self.measure();
    }

    fn answered(&mut self, query: &Query, offset: u64) {
        let (in_flight, early) = self.queries.entry(query.clone()).or_default();
        in_flight.remove(&offset);
        let first = in_flight.first().copied();
        if first.is_some_and(|first| first < offset) {
            early.insert(offset);
        }
        early.retain(|&o| first.is_some_and(|first| first < o));
        self.measure();
    }

    fn measure(&mut self) {
        let now = self
            .queries
            .values()
            .map(|(in_flight, early)| in_flight.len() + early.len())
            .sum();
        self.most = self.most.max(now);
    }
}

/// A page request being answered; marks it answered when dropped.
struct PageInFlight<'a> {
    sim: &'a ScaleEngineSim,
    query: Query,
    offset: u64,
}

impl Drop for PageInFlight<'_> {
    fn drop(&mut self) {
        self.sim
            .pages
            .lock()
            .expect("pages lock")
            .answered(&self.query, self.offset);
    }
}

/// Misbehaviour on demand, for the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer a request with this HTTP status, the request echoed in the
    /// body (as some servers do), and `Retry-After` when given.
    Http {
        status: u16,
        retry_after: Option<u64>,
    },
    /// On a page after the first, report a `count` one higher: rows were
    /// added while paging.
    CountChange,
    /// Serve the page before again instead of the one asked for.
    RepeatPage,
}

impl ScaleEngineSim {
    pub fn new(account: Account, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(ScaleEngineSim {
            account,
            clock,
            calls: Mutex::new(Vec::new()),
            failure: Mutex::new(None),
            faults: Mutex::new(Vec::new()),
            timestamps: Mutex::new(Vec::new()),
            generation: AtomicU64::new(0),
            count_omitted: AtomicBool::new(false),
            slow_pages: Mutex::new(Vec::new()),
            pages: Mutex::new(Outstanding::default()),
        })
    }

    /// From now on, answer `video.usage` without `count` (or with it).
    pub fn omit_count(&self, omitted: bool) {
        self.count_omitted.store(omitted, Ordering::Relaxed);
    }

    /// From now on, answer the page of `app` (by name) at `offset` only
    /// after `latency`, as a slow server would.
    pub fn slow_page(&self, app: &str, offset: u64, latency: Duration) {
        self.slow_pages
            .lock()
            .expect("slow pages lock")
            .push((app.to_string(), offset, latency));
    }

    /// The most `video.usage` pages a client reading each query's pages in
    /// order must have held at once: requests in flight, and pages answered
    /// while an earlier page of the same query was in flight.
    pub fn most_pages_outstanding(&self) -> usize {
        self.pages.lock().expect("pages lock").most
    }

    /// The query and offset of a `video.usage` request, the app by name.
    fn page_of(&self, request: &Map<String, Value>) -> Option<(Query, u64)> {
        if request.get("command").and_then(Value::as_str) != Some("video.usage") {
            return None;
        }
        let app = self.app(request)?;
        let field = |name: &str| request.get(name).and_then(Value::as_u64);
        let query = (
            app.name.clone(),
            field("year")?,
            field("month")?,
            field("day"),
        );
        Some((query, field("offset").unwrap_or(0)))
    }

    /// The app a `video.usage` request asks for, by name or id.
    fn app(&self, request: &Map<String, Value>) -> Option<&App> {
        match request.get("app")? {
            Value::String(name) => self.account.apps.iter().find(|a| &a.name == name),
            Value::Number(id) => self.account.apps.iter().find(|a| Some(a.id) == id.as_u64()),
            _ => None,
        }
    }

    /// Counts a page request in flight until the returned guard is dropped,
    /// after waiting out its latency if it is a slow page.
    async fn serve_page(&self, (query, offset): (Query, u64)) -> PageInFlight<'_> {
        self.pages.lock().expect("pages lock").start(&query, offset);
        let page = PageInFlight {
            sim: self,
            query,
            offset,
        };
        let latency = self
            .slow_pages
            .lock()
            .expect("slow pages lock")
            .iter()
            .find(|(app, at, _)| *app == page.query.0 && *at == offset)
            .map(|(_, _, latency)| *latency);
        if let Some(latency) = latency {
            tokio::time::sleep(latency).await;
        }
        page
    }

    /// Serves the API at `/scaleengine/`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/scaleengine/", post(handle))
            .with_state(self.clone())
    }

    /// Every request answered so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("calls lock").clone()
    }

    /// Forgets the requests received so far (a long soak would otherwise
    /// measure this log's growth).
    pub fn clear_log(&self) {
        self.calls.lock().expect("calls lock").clear();
        self.timestamps.lock().expect("timestamps lock").clear();
    }

    /// The `timestamp` field of every request received so far, in order.
    pub fn timestamps(&self) -> Vec<u64> {
        self.timestamps.lock().expect("timestamps lock").clone()
    }

    /// Injects `fault` into the next `times` requests it applies to (HTTP
    /// faults: any request; page faults: pages after the first).
    pub fn inject(&self, fault: Fault, times: u32) {
        self.faults
            .lock()
            .expect("faults lock")
            .push((fault, times));
    }

    /// Takes one injection of a fault that `applies`, if any is left.
    fn take_fault(&self, applies: impl Fn(&Fault) -> bool) -> Option<Fault> {
        let mut faults = self.faults.lock().expect("faults lock");
        let (fault, left) = faults.iter_mut().find(|(f, n)| *n > 0 && applies(f))?;
        *left -= 1;
        Some(*fault)
    }

    /// From now on, answer every request with this failure message (or not).
    pub fn set_failure(&self, message: Option<&str>) {
        *self.failure.lock().expect("failure lock") = message.map(str::to_string);
    }

    /// The shares of a row's value that a query for (`year`, `month`,
    /// optional `day`) answers with, each floored, summed.
    fn shares(&self, year: u64, month: u64, day: Option<u64>) -> Vec<Share> {
        match self.account.accrual {
            Accrual::Off => vec![Share::WHOLE],
            Accrual::Steady => vec![self.steady_share(year, month, day)],
            Accrual::Daily => daily_shares(year, month, day, self.clock.now()),
        }
    }

    /// The share of the period that has passed, for steady accrual.
    fn steady_share(&self, year: u64, month: u64, day: Option<u64>) -> Share {
        let bounds = match day {
            Some(d) => calendar_date(year, month, d).map(|s| (midnight(s), midnight(s) + DAY)),
            None => calendar_date(year, month, 1).and_then(|s| {
                let next = if month == 12 {
                    calendar_date(year + 1, 1, 1)
                } else {
                    calendar_date(year, month + 1, 1)
                };
                Some((midnight(s), midnight(next?)))
            }),
        };
        let Some((start, end)) = bounds else {
            return Share::of(Duration::ZERO, Duration::from_secs(1));
        };
        let now = self.clock.now();
        let passed = now.duration_since(start).unwrap_or_default();
        let length = end.duration_since(start).unwrap_or_default();
        Share::of(passed, length).at_most_whole()
    }

    fn answer(&self, request: Map<String, Value>) -> Result<Value, String> {
        if let Some(message) = self.failure.lock().expect("failure lock").clone() {
            return Err(message);
        }
        if request.get("api_key").and_then(Value::as_str) != Some(&self.account.api_key) {
            return Err("Invalid API key".into());
        }
        let cdn = request
            .get("cdn_id")
            .or_else(|| request.get("cdn"))
            .and_then(Value::as_u64);
        if cdn != Some(self.account.cdn_id) {
            return Err("Invalid CDN ID".into());
        }
        let now = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        match request.get("timestamp").and_then(Value::as_u64) {
            Some(ts) if ts.abs_diff(now) <= TIMESTAMP_WINDOW_SECS => {}
            _ => return Err("Request timestamp is missing or expired".into()),
        }
        if !sign::verify(request.clone(), &self.account.api_secret) {
            return Err("Invalid signature".into());
        }
        let command = request.get("command").and_then(Value::as_str).unwrap_or("");
        match command {
            "video.getapps" => {
                self.record(command, "", (0, 0, None), 0);
                let apps: Vec<Value> = self
                    .account
                    .apps
                    .iter()
                    .map(|a| json!({"app_id": a.id.to_string(), "app_name": a.name}))
                    .collect();
                Ok(json!({
                    "status": "success",
                    "apps": apps,
                    "count": self.account.apps.len(),
                    "message": "Found Apps",
                }))
            }
            "video.usage" => self.usage(&request),
            other => Err(format!("Unknown command {other}")),
        }
    }

    fn usage(&self, request: &Map<String, Value>) -> Result<Value, String> {
        if !matches!(
            request.get("app"),
            Some(Value::String(_) | Value::Number(_))
        ) {
            return Err("Missing app".into());
        }
        let app = self.app(request).ok_or("Unknown app")?;
        let (Some(year), Some(month)) = (
            request.get("year").and_then(Value::as_u64),
            request.get("month").and_then(Value::as_u64),
        ) else {
            return Err("Missing year or month".into());
        };
        let day = request.get("day").and_then(Value::as_u64);
        let shares = self.shares(year, month, day);
        let scale = |value: u64| total(&shares, value);
        let offset = request.get("offset").and_then(Value::as_u64).unwrap_or(0);
        let limit = request
            .get("limit")
            .and_then(Value::as_u64)
            .unwrap_or(MAX_LIMIT)
            .min(MAX_LIMIT);
        let urls: Option<Vec<&str>> = match request.get("url") {
            None => None,
            Some(Value::String(u)) => Some(vec![u.as_str()]),
            Some(Value::Array(us)) => Some(us.iter().filter_map(Value::as_str).collect()),
            Some(_) => return Err("Invalid url".into()),
        };
        self.record("video.usage", &app.name, (year, month, day), offset);
        let source = if day.is_some() || self.account.accrual == Accrual::Daily {
            &app.day
        } else {
            &app.month
        };
        // Unfiltered pages are slices: a million rows are not walked per page.
        let rows: Cow<[Row]> = match &urls {
            None => Cow::Borrowed(source),
            Some(us) => Cow::Owned(
                source
                    .iter()
                    .filter(|r| us.contains(&r.video_url.as_str()))
                    .cloned()
                    .collect(),
            ),
        };
        let generation = match (self.account.sliding, offset) {
            (None, _) => 0,
            (Some(_), 0) => self.generation.fetch_add(1, Ordering::Relaxed) + 1,
            (Some(_), _) => self.generation.load(Ordering::Relaxed),
        };
        let mut count = rows.len();
        let mut start = offset;
        if offset > 0 {
            match self.take_fault(|f| matches!(f, Fault::CountChange | Fault::RepeatPage)) {
                Some(Fault::CountChange) => count += 1,
                Some(Fault::RepeatPage) => start = offset.saturating_sub(limit),
                _ => {}
            }
        }
        let from = usize::try_from(start).unwrap_or(usize::MAX).min(rows.len());
        let to = from
            .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
            .min(rows.len());
        let page: Vec<Value> = rows[from..to]
            .iter()
            .zip(from..)
            .map(|(r, index)| {
                let url = match self.account.sliding {
                    Some(stride) => {
                        Cow::Owned(format!("slide/{}", generation * stride + index as u64))
                    }
                    None => Cow::Borrowed(r.video_url.as_str()),
                };
                json!({
                    "video_url": url,
                    "bytes_total": scale(r.bytes).to_string(),
                    "requests_total": scale(r.requests).to_string(),
                })
            })
            .collect();
        let mut answer = json!({
            "status": "success",
            "usage": page,
            "count": count,
            "message": "Found Video Usage",
            "handle_time": "0.0010 seconds",
        });
        if self.count_omitted.load(Ordering::Relaxed) {
            answer.as_object_mut().expect("an object").remove("count");
        }
        Ok(answer)
    }

    fn record(
        &self,
        command: &str,
        app: &str,
        (year, month, day): (u64, u64, Option<u64>),
        offset: u64,
    ) {
        self.calls.lock().expect("calls lock").push(Call {
            command: command.to_string(),
            app: app.to_string(),
            year,
            month,
            day,
            offset,
        });
    }
}

/// The date `year`-`month`-`day`, if there is one.
fn calendar_date(year: u64, month: u64, day: u64) -> Option<Date> {
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

fn midnight(date: Date) -> SystemTime {
    SystemTime::from(date.midnight().assume_utc())
}

/// What a [`Accrual::Daily`] account answers at `now`, for a row of
/// `value`, to a query for (`year`, `month`, optional `day`): see the
/// module doc.
pub fn daily_usage(value: u64, year: u64, month: u64, day: Option<u64>, now: SystemTime) -> u64 {
    total(&daily_shares(year, month, day, now), value)
}

/// One share per day asked for (none for a date that does not exist):
/// its weight times the part of it that has passed by `now`.
fn daily_shares(year: u64, month: u64, day: Option<u64>, now: SystemTime) -> Vec<Share> {
    let days: Vec<Date> = match day {
        Some(d) => calendar_date(year, month, d).into_iter().collect(),
        None => calendar_date(year, month, 1)
            .map(|first| {
                std::iter::successors(Some(first), |d| {
                    d.next_day().filter(|next| next.month() == first.month())
                })
                .collect()
            })
            .unwrap_or_default(),
    };
    days.into_iter()
        .map(|date| {
            let passed = now.duration_since(midnight(date)).unwrap_or_default();
            Share::of(passed, DAY).at_most_whole().times(weight(date))
        })
        .collect()
}

/// `value` times each of `shares`, each floored, summed.
fn total(shares: &[Share], value: u64) -> u64 {
    shares
        .iter()
        .fold(0, |sum: u64, share| sum.saturating_add(share.apply(value)))
}

async fn handle(
    State(sim): State<Arc<ScaleEngineSim>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let request = form
        .get("json")
        .ok_or_else(|| "Missing json field".to_string())
        .and_then(|text| {
            serde_json::from_str::<Map<String, Value>>(text)
                .map_err(|e| format!("Invalid JSON: {e}"))
        });
    if let Some(timestamp) = request
        .as_ref()
        .ok()
        .and_then(|r| r.get("timestamp"))
        .and_then(Value::as_u64)
    {
        sim.timestamps
            .lock()
            .expect("timestamps lock")
            .push(timestamp);
    }
    // Held until the answer is made, so that it counts as in flight.
    let _page = match request.as_ref().ok().and_then(|r| sim.page_of(r)) {
        Some(page) => Some(sim.serve_page(page).await),
        None => None,
    };
    if let Some(Fault::Http {
        status,
        retry_after,
    }) = sim.take_fault(|f| matches!(f, Fault::Http { .. }))
    {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let echo = format!(
            "error; request was json={}",
            form.get("json").map_or("", String::as_str)
        );
        let mut response = (status, echo).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        return response;
    }
    let answer = request.and_then(|r| sim.answer(r));
    match answer {
        Ok(value) => Json(value).into_response(),
        Err(message) => Json(json!({
            "status": "failure",
            "message": message,
            "handle_time": "0.0001 seconds",
        }))
        .into_response(),
    }
}

/// A large account: one app `huge` (id 1, cdn 1) of `urls` live channels,
/// month rows only; row i is `live/channel-%06d/playlist.m3u8` with
/// 5,000,000 + 13·i bytes and 10 + i mod 97 requests (issue 16's account).
pub fn huge_account(urls: u64, api_key: &str, api_secret: &str) -> Account {
    let month = (0..urls)
        .map(|i| {
            Row::new(
                format!("live/channel-{i:06}/playlist.m3u8"),
                5_000_000 + 13 * i,
                10 + i % 97,
            )
        })
        .collect();
    Account {
        api_key: api_key.into(),
        api_secret: api_secret.into(),
        cdn_id: 1,
        apps: vec![App {
            id: 1,
            name: "huge".into(),
            month,
            day: Vec::new(),
        }],
        accrual: Accrual::Off,
        sliding: None,
    }
}

/// A demo account: a few apps of VOD files and live streams, with some
/// duplicate rows, names with `/` and non-ASCII, and values that grow.
pub fn demo_account() -> Account {
    let mut apps = Vec::new();
    for (id, name, count) in [
        (101, "demo-origin", 40u64),
        (102, "demo-vod", 120),
        (103, "demo-live", 8),
    ] {
        let mut month = Vec::new();
        for i in 0..count {
            let url = match i % 4 {
                0 => format!("sestore/{name}/video_{i}.mp4"),
                1 => format!("live/stream-{i}"),
                2 => format!("sestore/{name}/clip-é-{i}.mp4"),
                _ => format!("{name}/folder/{i}/index.m3u8"),
            };
            let bytes = 1_000_000 * (i + 1) * (id - 100) + 4_294_967_296 * (i % 3);
            month.push(Row::new(url.clone(), bytes, 10 * (i + 1)));
            if i % 7 == 0 {
                month.push(Row::new(url, bytes / 3, i + 1));
            }
        }
        let day = month
            .iter()
            .map(|r| Row::new(r.video_url.clone(), r.bytes / 25, r.requests / 25 + 1))
            .collect();
        apps.push(App {
            id,
            name: name.to_string(),
            month,
            day,
        });
    }
    Account {
        api_key: "DEMOKEY0000000000000000000000000".into(),
        api_secret: "demo-secret-not-a-real-one".into(),
        cdn_id: 158,
        apps,
        accrual: Accrual::Steady,
        sliding: None,
    }
}

/// A history account, for backfill's tests and benchmarks: `urls` VOD
/// files spread over three apps `history-1` .. `history-3` (ids 1 to 3,
/// cdn 1), file i in app i mod 3 + 1 with a weight-1 day of
/// 1,000,000 + 7·i bytes and 1 + i mod 13 requests, with
/// [`Accrual::Daily`].
pub fn history_account(urls: u64) -> Account {
    let apps = (1..=3)
        .map(|id| App {
            id,
            name: format!("history-{id}"),
            month: Vec::new(),
            day: (id - 1..urls)
                .step_by(3)
                .map(|i| {
                    Row::new(
                        format!("vod/file-{i:06}.mp4"),
                        1_000_000 + 7 * i,
                        1 + i % 13,
                    )
                })
                .collect(),
        })
        .collect();
    Account {
        api_key: "HISTORYKEY0000000000000000000000".into(),
        api_secret: "history-secret".into(),
        cdn_id: 1,
        apps,
        accrual: Accrual::Daily,
        sliding: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use time::macros::{date, datetime};
    use time::OffsetDateTime;

    use super::*;
    use crate::clock::ManualClock;

    type PerUrl = BTreeMap<String, (u64, u64)>;

    /// A history account with one URL served twice in `history-1`.
    fn sim_at(at: OffsetDateTime) -> (Arc<ScaleEngineSim>, Arc<ManualClock>) {
        let mut account = history_account(7);
        let duplicate = account.apps[0].day[0].clone();
        account.apps[0].day.push(duplicate);
        let clock = Arc::new(ManualClock::new(at.into()));
        (ScaleEngineSim::new(account, clock.clone()), clock)
    }

    /// Bytes and requests per URL of `app`'s answer, duplicates summed.
    fn usage(
        sim: &ScaleEngineSim,
        app: &str,
        (year, month): (u64, u64),
        day: Option<u64>,
    ) -> PerUrl {
        let mut request = json!({"app": app, "year": year, "month": month});
        if let Some(day) = day {
            request["day"] = json!(day);
        }
        let answer = sim.usage(request.as_object().unwrap()).unwrap();
        let mut per_url = PerUrl::new();
        for row in answer["usage"].as_array().unwrap() {
            let number = |key: &str| row[key].as_str().unwrap().parse::<u64>().unwrap();
            let url = row["video_url"].as_str().unwrap().to_string();
            let entry = per_url.entry(url).or_default();
            entry.0 += number("bytes_total");
            entry.1 += number("requests_total");
        }
        per_url
    }

    /// Every app's month answer, and the sum of its days' answers.
    fn month_and_its_days(
        sim: &ScaleEngineSim,
        month: (u64, u64),
        days: u64,
    ) -> Vec<(PerUrl, PerUrl)> {
        sim.account
            .apps
            .iter()
            .map(|app| {
                let mut sum = PerUrl::new();
                for day in 1..=days {
                    for (url, (bytes, requests)) in usage(sim, &app.name, month, Some(day)) {
                        let entry = sum.entry(url).or_default();
                        entry.0 += bytes;
                        entry.1 += requests;
                    }
                }
                (usage(sim, &app.name, month, None), sum)
            })
            .collect()
    }

    #[test]
    fn a_past_month_is_the_sum_of_its_days_for_every_url() {
        let (sim, _) = sim_at(datetime!(2024-05-10 12:00 UTC));
        for (month, days) in [
            ((2023, 2), 28),
            ((2024, 1), 31),
            ((2024, 2), 29),
            ((2024, 3), 31),
            ((2024, 4), 30),
        ] {
            for (answer, sum) in month_and_its_days(&sim, month, days) {
                assert!(!answer.is_empty(), "{month:?}");
                assert_eq!(answer, sum, "{month:?}");
                assert!(answer
                    .values()
                    .all(|&(bytes, requests)| bytes > 0 && requests > 0));
            }
        }
    }

    #[test]
    fn a_past_day_is_its_weight_times_the_rows() {
        let (sim, _) = sim_at(datetime!(2024-05-10 12:00 UTC));
        let leap_day = usage(&sim, "history-2", (2024, 2), Some(29));
        let w = weight(date!(2024 - 02 - 29));
        assert_eq!(leap_day["vod/file-000001.mp4"], (1_000_007 * w, 2 * w));
        // The duplicated row counts twice.
        let leap_day = usage(&sim, "history-1", (2024, 2), Some(29));
        assert_eq!(leap_day["vod/file-000000.mp4"], (2 * 1_000_000 * w, 2 * w));
    }

    #[test]
    fn neighbouring_days_differ_across_the_leap_day_and_month_end() {
        let (sim, _) = sim_at(datetime!(2024-05-10 12:00 UTC));
        let days = [
            (2024, 2, 27),
            (2024, 2, 28),
            (2024, 2, 29),
            (2024, 3, 1),
            (2024, 3, 2),
        ];
        let answers: Vec<PerUrl> = days
            .iter()
            .map(|&(y, m, d)| usage(&sim, "history-3", (y, m), Some(d)))
            .collect();
        for pair in answers.windows(2) {
            for (url, values) in &pair[0] {
                assert_ne!(pair[1][url], *values, "{url}");
            }
        }
    }

    #[test]
    fn month_to_date_is_the_sum_of_the_days_so_far() {
        let (sim, clock) = sim_at(datetime!(2024-02-29 18:00 UTC));
        for (answer, sum) in month_and_its_days(&sim, (2024, 2), 29) {
            assert_eq!(answer, sum);
        }
        // Three quarters of the leap day, none of the days after it.
        let today = usage(&sim, "history-2", (2024, 2), Some(29));
        let w = weight(date!(2024 - 02 - 29));
        assert_eq!(
            today["vod/file-000001.mp4"],
            (1_000_007 * w * 3 / 4, 2 * w * 3 / 4)
        );
        for zero in [
            usage(&sim, "history-2", (2024, 3), None),
            usage(&sim, "history-2", (2024, 3), Some(1)),
        ] {
            assert!(zero.values().all(|&values| values == (0, 0)), "{zero:?}");
        }
        clock.set(datetime!(2024-03-01 06:00 UTC).into());
        for (answer, sum) in month_and_its_days(&sim, (2024, 3), 31) {
            assert_eq!(answer, sum);
            assert_ne!(answer.values().next(), Some(&(0, 0)));
        }
        for (answer, sum) in month_and_its_days(&sim, (2024, 2), 29) {
            assert_eq!(answer, sum);
        }
    }

    #[test]
    fn today_accrues_with_the_clock_and_then_stays() {
        let (sim, clock) = sim_at(datetime!(2024-02-29 00:00 UTC));
        let leap_day = |sim: &ScaleEngineSim| {
            usage(sim, "history-2", (2024, 2), Some(29))["vod/file-000001.mp4"]
        };
        let w = weight(date!(2024 - 02 - 29));
        assert_eq!(leap_day(&sim), (0, 0));
        clock.advance(Duration::from_secs(6 * 3600));
        assert_eq!(leap_day(&sim), (1_000_007 * w / 4, 2 * w / 4));
        clock.advance(Duration::from_secs(18 * 3600 - 1));
        let now = clock.now();
        let expected = (
            daily_usage(1_000_007, 2024, 2, Some(29), now),
            daily_usage(2, 2024, 2, Some(29), now),
        );
        assert_eq!(leap_day(&sim), expected);
        assert!(expected.0 < 1_000_007 * w);
        for _ in 0..2 {
            clock.advance(Duration::from_secs(1));
            assert_eq!(leap_day(&sim), (1_000_007 * w, 2 * w));
            clock.advance(Duration::from_secs(86_400));
        }
    }

    #[test]
    fn daily_usage_is_what_the_simulator_answers() {
        let (sim, _) = sim_at(datetime!(2024-03-10 08:30 UTC));
        let now = sim.clock.now();
        for (month, day) in [
            ((2024, 3), None),
            ((2024, 3), Some(10)),
            ((2024, 2), None),
            ((2024, 2), Some(29)),
        ] {
            let answer = usage(&sim, "history-3", month, day);
            let expected = (
                daily_usage(1_000_014, month.0, month.1, day, now),
                daily_usage(3, month.0, month.1, day, now),
            );
            assert_eq!(answer["vod/file-000002.mp4"], expected, "{month:?} {day:?}");
        }
    }
}
