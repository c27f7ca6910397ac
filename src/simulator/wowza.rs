//! A fake Wowza Streaming Cloud usage API, as the API document and the
//! OpenAPI document describe it.
//!
//! Both auth styles (`wsc-api-key` + `wsc-access-key`, or a bearer token),
//! 401 answers in Wowza's `meta` envelope, 422 for query values outside the
//! documented enums or date format, 429 with `Retry-After` on demand, the
//! six resources served from JSON the caller provides (the seed's examples
//! by default), and, when asked, values that accrue with time: a query
//! returns the example numbers as a 30-day month's usage, scaled by how
//! much of `from`..`to` has passed by the simulator's clock. For the
//! tests, viewer data can be answered slowly, and the most viewer-data
//! calls in flight at once is recorded.
//!
//! With [`Accrual::Daily`] it serves a history instead, which backfill is
//! checked against ([`daily_usage`] computes any answer without HTTP):
//! each usage number `value` of the examples, for a window `from`..`to`,
//! becomes
//!
//! ```text
//! ⌊ value × Σ_D w(D) × s(D) / (30 × 86,400 × 18) ⌋
//! ```
//!
//! over the UTC days D, where `w` is [`weight`](super::weight) (1 to 35,
//! mean 18, so a 30-day month of average days accrues the example numbers
//! once) and s(D) the seconds of D from `from` up to min(`to` + 1 s, now),
//! now in whole seconds. The trap: `to` is inclusive (a closed day is `00:00:00` to
//! `23:59:59`, as the exporter asks), so that a month's whole days add up
//! to the month: the weighted seconds of any windows that tile a longer
//! one sum to exactly the longer one's, and only the one floor differs.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::{weight_of_day, Accrual, Share};
use crate::clock::Clock;

/// Where the fake serves the API; `api_url` is this below the simulator.
pub const BASE: &str = "/wowza/api/v1";

/// Credentials and data of the fake account.
#[derive(Debug, Clone)]
pub struct Account {
    pub api_key: String,
    pub access_key: String,
    pub token: String,
    /// `/usage/time/transcoders` by (`billing_mode`, `transcoder_type`).
    pub time_transcoders: BTreeMap<(String, String), Value>,
    /// `/usage/network/transcoders` by (`billing_mode`, `transcoder_type`).
    pub network_transcoders: BTreeMap<(String, String), Value>,
    pub stream_sources: Value,
    pub stream_targets: Value,
    pub peak_recording: Value,
    /// `/usage/viewer_data/stream_targets/{id}` by id; other ids get 404.
    pub viewer_data: BTreeMap<String, Value>,
    /// How numbers accrue over the queried window: `Off`, served as
    /// given whatever the window; `Steady` and `Daily` as the module doc
    /// says.
    pub accrual: Accrual,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub raw_query: String,
    pub status: u16,
}

pub struct WowzaSim {
    account: Account,
    clock: Arc<dyn Clock>,
    calls: Mutex<Vec<Call>>,
    /// Per path: how many more calls get 429, and the `Retry-After` value.
    throttle: Mutex<(u32, u64, HashMap<String, u32>)>,
    /// How long viewer data takes to answer.
    viewer_latency: Mutex<Duration>,
    /// Viewer-data calls in flight now, and the most ever.
    viewer_calls: AtomicUsize,
    most_viewer_calls: AtomicUsize,
}

/// A viewer-data call in flight, counted until dropped.
struct ViewerCall<'a>(&'a WowzaSim);

impl<'a> ViewerCall<'a> {
    fn start(sim: &'a WowzaSim) -> Self {
        let now = sim.viewer_calls.fetch_add(1, Ordering::SeqCst) + 1;
        sim.most_viewer_calls.fetch_max(now, Ordering::SeqCst);
        ViewerCall(sim)
    }
}

impl Drop for ViewerCall<'_> {
    fn drop(&mut self) {
        self.0.viewer_calls.fetch_sub(1, Ordering::SeqCst);
    }
}

const BILLING_MODES: [&str; 2] = ["pay_as_you_go", "twentyfour_seven"];
const TRANSCODER_TYPES: [&str; 2] = ["transcoded", "passthrough"];
const GROWING: [&str; 7] = [
    "bytes_used",
    "bytes_billed",
    "seconds_used",
    "seconds_billed",
    "bytes_total",
    "total_unique_viewers",
    "seconds_total_viewing_time",
];

impl WowzaSim {
    pub fn new(account: Account, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(WowzaSim {
            account,
            clock,
            calls: Mutex::new(Vec::new()),
            throttle: Mutex::new((0, 1, HashMap::new())),
            viewer_latency: Mutex::new(Duration::ZERO),
            viewer_calls: AtomicUsize::new(0),
            most_viewer_calls: AtomicUsize::new(0),
        })
    }

    /// From now on, answer viewer data only after `latency`, as a slow
    /// server would, so that a client's calls overlap.
    pub fn slow_viewer_data(&self, latency: Duration) {
        *self.viewer_latency.lock().expect("latency lock") = latency;
    }

    /// The most viewer-data calls that were in flight at once.
    pub fn most_viewer_calls_in_flight(&self) -> usize {
        self.most_viewer_calls.load(Ordering::SeqCst)
    }

    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route(&format!("{BASE}/usage/{{kind}}/{{what}}"), get(resource))
            .route(
                &format!("{BASE}/usage/viewer_data/stream_targets/{{id}}"),
                get(viewer),
            )
            .with_state(self.clone())
    }

    /// Every request received so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("calls lock").clone()
    }

    /// Answers the first `count` calls of every path with 429 and
    /// `Retry-After: retry_after_secs`.
    pub fn throttle_first(&self, count: u32, retry_after_secs: u64) {
        *self.throttle.lock().expect("throttle lock") = (count, retry_after_secs, HashMap::new());
    }

    fn respond(
        &self,
        path: String,
        headers: &HeaderMap,
        query: HashMap<String, String>,
        raw_query: Option<String>,
        answer: impl FnOnce(&HashMap<String, String>) -> Option<Value>,
    ) -> Response {
        let (status, body, retry_after) = self.decide(&path, headers, &query, answer);
        self.calls.lock().expect("calls lock").push(Call {
            path,
            query: query.into_iter().collect(),
            raw_query: raw_query.unwrap_or_default(),
            status: status.as_u16(),
        });
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert("retry-after", secs.to_string().parse().expect("digits"));
        }
        response
    }

    fn decide(
        &self,
        path: &str,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
        answer: impl FnOnce(&HashMap<String, String>) -> Option<Value>,
    ) -> (StatusCode, Value, Option<u64>) {
        if let Err(error) = self.authenticate(headers) {
            return (StatusCode::UNAUTHORIZED, error, None);
        }
        {
            let mut throttle = self.throttle.lock().expect("throttle lock");
            let (limit, secs) = (throttle.0, throttle.1);
            let seen = throttle.2.entry(path.to_string()).or_insert(0);
            if *seen < limit {
                *seen += 1;
                let body = meta(429, "ERR-429-RateLimited", "Too many requests.");
                return (StatusCode::TOO_MANY_REQUESTS, body, Some(secs));
            }
        }
        if let Err(message) = validate(query) {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                meta(422, "ERR-422-InvalidParameter", &message),
                None,
            );
        }
        match answer(query) {
            Some(mut body) => {
                let factor = self.factor(query);
                grow(&mut body, None, factor);
                (StatusCode::OK, body, None)
            }
            None => (
                StatusCode::NOT_FOUND,
                meta(
                    404,
                    "ERR-404-RecordNotFound",
                    "The requested resource couldn't be found.",
                ),
                None,
            ),
        }
    }

    fn authenticate(&self, headers: &HeaderMap) -> Result<(), Value> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(auth) = header("authorization") {
            return match auth.strip_prefix("Bearer ") {
                Some(token) if token == self.account.token => Ok(()),
                _ => Err(meta(401, "ERR-401-InvalidToken", "Invalid token.")),
            };
        }
        match (header("wsc-api-key"), header("wsc-access-key")) {
            (None, _) => Err(meta(401, "ERR-401-NoApiKey", "No API key sent in header.")),
            (_, None) => Err(meta(
                401,
                "ERR-401-NoAccessKey",
                "No access key sent in header.",
            )),
            (Some(k), _) if k != self.account.api_key => {
                Err(meta(401, "ERR-401-InvalidApiKey", "Invalid API key."))
            }
            (_, Some(a)) if a != self.account.access_key => {
                Err(meta(401, "ERR-401-InvalidAccessKey", "Invalid access key."))
            }
            _ => Ok(()),
        }
    }

    /// The share of the example numbers that `from`..`to` has accrued by
    /// now (1 when accrual is off or the window is not given).
    fn factor(&self, query: &HashMap<String, String>) -> Share {
        let parse = |name: &str| {
            let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
            query
                .get(name)
                .and_then(|v| PrimitiveDateTime::parse(v, format).ok())
                .map(PrimitiveDateTime::assume_utc)
        };
        let (Some(from), Some(to)) = (parse("from"), parse("to")) else {
            return Share::WHOLE;
        };
        let now = self.clock.now();
        match self.account.accrual {
            Accrual::Off => Share::WHOLE,
            // A 30-day month's usage, at a steady rate.
            Accrual::Steady => {
                let span = SystemTime::from(to)
                    .min(now)
                    .duration_since(from.into())
                    .unwrap_or_default();
                Share::of(span, Duration::from_secs(30 * 86_400))
            }
            Accrual::Daily => daily_share(from, to, now),
        }
    }

    /// Rows of the transcoder queries matching `billing_mode` and
    /// `transcoder_type`; an omitted one means both, as the document says.
    fn transcoders(
        table: &BTreeMap<(String, String), Value>,
        query: &HashMap<String, String>,
    ) -> Value {
        let rows: Vec<Value> = table
            .iter()
            .filter(|((mode, kind), _)| {
                query.get("billing_mode").is_none_or(|m| m == mode)
                    && query.get("transcoder_type").is_none_or(|t| t == kind)
            })
            .flat_map(|(_, body)| body["transcoders"].as_array().cloned().unwrap_or_default())
            .collect();
        json!({ "transcoders": rows })
    }
}

/// The mean [`weight`](super::weight) over its cycle of 1 to 35.
const MEAN_WEIGHT: u128 = 18;
const DAY_SECS: i64 = 86_400;

/// What a [`Accrual::Daily`] account answers at `now` for a usage number
/// `value` and the window `from`..`to` (inclusive): see the module doc.
pub fn daily_usage(value: u64, from: OffsetDateTime, to: OffsetDateTime, now: SystemTime) -> u64 {
    daily_share(from, to, now).apply(value)
}

fn daily_share(from: OffsetDateTime, to: OffsetDateTime, now: SystemTime) -> Share {
    let end = (to.unix_timestamp() + 1).min(OffsetDateTime::from(now).unix_timestamp());
    Share::new(
        weighted_seconds(from.unix_timestamp(), end),
        30 * 86_400 * MEAN_WEIGHT,
    )
}

/// Σ over UTC days D of w(D) × the seconds of D from `start` up to `end`
/// (Unix seconds): one step per day, and `from`'s four-digit year bounds them.
fn weighted_seconds(start: i64, end: i64) -> u128 {
    let mut sum = 0;
    let mut at = start;
    while at < end {
        let day = at.div_euclid(DAY_SECS);
        let piece_end = ((day + 1) * DAY_SECS).min(end);
        sum += u128::from(weight_of_day(day)) * u128::from((piece_end - at).unsigned_abs());
        at = piece_end;
    }
    sum
}

/// Multiplies every usage number in `value` by `factor`, exactly.
fn grow(value: &mut Value, key: Option<&str>, factor: Share) {
    match value {
        Value::Number(n) if key.is_some_and(|k| GROWING.contains(&k)) => {
            if let Some(i) = n.as_u64() {
                *value = json!(factor.apply(i));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| grow(v, key, factor)),
        Value::Object(map) => map.iter_mut().for_each(|(k, v)| grow(v, Some(k), factor)),
        _ => {}
    }
}

fn meta(status: u16, code: &str, message: &str) -> Value {
    json!({"meta": {"status": status, "code": code, "title": "Error", "message": message, "description": "", "links": []}})
}

/// The query checks of the OpenAPI document: enums, and dates as
/// `YYYY-MM-DD HH:MM:SS` per the parameters' descriptions.
fn validate(query: &HashMap<String, String>) -> Result<(), String> {
    for (name, allowed) in [
        ("billing_mode", &BILLING_MODES[..]),
        ("transcoder_type", &TRANSCODER_TYPES[..]),
    ] {
        if let Some(v) = query.get(name) {
            if !allowed.contains(&v.as_str()) {
                return Err(format!("{name} must be one of {allowed:?}"));
            }
        }
    }
    for name in ["from", "to"] {
        if let Some(v) = query.get(name) {
            let ok = v.len() == 19
                && v.bytes().enumerate().all(|(i, b)| match i {
                    4 | 7 => b == b'-',
                    10 => b == b' ',
                    13 | 16 => b == b':',
                    _ => b.is_ascii_digit(),
                });
            if !ok {
                return Err(format!("{name} must be YYYY-MM-DD HH:MM:SS"));
            }
        }
    }
    Ok(())
}

async fn resource(
    State(sim): State<Arc<WowzaSim>>,
    Path((kind, what)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    RawQuery(raw): RawQuery,
) -> Response {
    let path = format!("usage/{kind}/{what}");
    let account = sim.account.clone();
    sim.respond(path.clone(), &headers, query, raw, |q| {
        match path.as_str() {
            "usage/time/transcoders" => Some(WowzaSim::transcoders(&account.time_transcoders, q)),
            "usage/network/transcoders" => {
                Some(WowzaSim::transcoders(&account.network_transcoders, q))
            }
            "usage/network/stream_sources" => Some(account.stream_sources.clone()),
            "usage/network/stream_targets" => Some(account.stream_targets.clone()),
            "usage/storage/peak_recording" => Some(account.peak_recording.clone()),
            _ => None,
        }
    })
}

async fn viewer(
    State(sim): State<Arc<WowzaSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    RawQuery(raw): RawQuery,
) -> Response {
    let _call = ViewerCall::start(&sim);
    let latency = *sim.viewer_latency.lock().expect("latency lock");
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let path = format!("usage/viewer_data/stream_targets/{id}");
    let data = sim.account.viewer_data.get(&id).cloned();
    sim.respond(path, &headers, query, raw, |_| data)
}

/// A demo account built on the seed's example responses: three
/// transcoders split over the billing modes and types, the seed's stream
/// sources, the OpenAPI example's stream targets (with protocols and
/// zones), peak storage, and viewer data for each stream target.
pub fn demo_account() -> Account {
    // The API documents' example responses, compiled in.
    macro_rules! seed {
        ($name:literal) => {
            serde_json::from_str::<Value>(include_str!(concat!(
                "../../tests/fixtures/",
                $name,
                ".json"
            )))
            .expect("fixture is JSON")
        };
    }
    let seed_time = seed!("wowza_time_transcoders");
    let seed_network = seed!("wowza_network_transcoders");
    let split = |body: &Value| {
        let rows = body["transcoders"].as_array().cloned().unwrap_or_default();
        let mut table = BTreeMap::new();
        for (i, row) in rows.into_iter().enumerate() {
            let key = (
                BILLING_MODES[i % 2].to_string(),
                TRANSCODER_TYPES[(i / 2) % 2].to_string(),
            );
            table
                .entry(key)
                .or_insert_with(|| json!({"transcoders": []}))["transcoders"]
                .as_array_mut()
                .expect("array")
                .push(row);
        }
        table
    };
    let mut viewer = seed!("wowza_viewer_data_seed");
    // The seed's countries are placeholders; give the demo some numbers.
    viewer["stream_target"]["countries"] = json!([
        {"US": {"name": "United States of America", "total_unique_viewers": 9120, "seconds_total_viewing_time": 25_100_440}},
        {"CA": {"name": "Canada", "total_unique_viewers": 3310, "seconds_total_viewing_time": 8_420_117}},
        {"GB": {"name": "United Kingdom", "total_unique_viewers": 2904, "seconds_total_viewing_time": 6_930_002}},
        {"DE": {"name": "Germany", "total_unique_viewers": 1724, "seconds_total_viewing_time": 4_474_939}},
    ]);
    let targets = seed!("wowza_network_stream_targets_spec");
    let viewer_data = targets["stream_targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["id"].as_str())
        .map(|id| (id.to_string(), viewer.clone()))
        .collect();
    Account {
        api_key: "demo-wsc-api-key".into(),
        access_key: "demo-wsc-access-key".into(),
        token: "demo.jwt.token".into(),
        time_transcoders: split(&seed_time),
        network_transcoders: split(&seed_network),
        stream_sources: seed!("wowza_network_stream_sources"),
        stream_targets: targets,
        peak_recording: seed!("wowza_peak_recording"),
        viewer_data,
        accrual: Accrual::Steady,
    }
}

/// A history account, for backfill's tests and benchmarks: the demo
/// account's examples with [`Accrual::Daily`].
pub fn history_account() -> Account {
    Account {
        accrual: Accrual::Daily,
        ..demo_account()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::clock::ManualClock;
    use crate::simulator::weight;

    /// The model's denominator: a value of this many comes back unfloored,
    /// as the exact weighted seconds of the window.
    const EXACT: u64 = 30 * 86_400 * 18;

    /// The windows of each UTC day of `from`..`to`, as the exporter asks:
    /// whole days to `23:59:59`, the last one to `to`.
    fn day_windows(
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Vec<(OffsetDateTime, OffsetDateTime)> {
        let mut windows = Vec::new();
        let mut start = from;
        while start <= to {
            let next = start + time::Duration::DAY;
            windows.push((start, (next - time::Duration::SECOND).min(to)));
            start = next;
        }
        windows
    }

    #[test]
    fn a_month_to_date_is_the_sum_of_its_days_before_the_one_floor() {
        let now = SystemTime::from(datetime!(2024-03-15 13:27:41.250 UTC));
        let (from, to) = (
            datetime!(2024-03-01 00:00:00 UTC),
            datetime!(2024-03-15 13:27:41 UTC),
        );
        let days = day_windows(from, to);
        assert_eq!(days.len(), 15);
        let sum = |value: u64| -> u64 {
            days.iter()
                .map(|&(f, t)| daily_usage(value, f, t, now))
                .sum()
        };
        assert_eq!(daily_usage(EXACT, from, to, now), sum(EXACT));
        for value in [
            4_567_890,
            1_093_617_287,
            15_130_718_193,
            7,
            u64::from(u32::MAX),
        ] {
            let month = daily_usage(value, from, to, now);
            assert!((sum(value)..sum(value) + 15).contains(&month), "{value}");
        }
    }

    #[test]
    fn a_closed_leap_february_is_its_days_weighted_in_full() {
        let now = SystemTime::from(datetime!(2024-05-01 00:00 UTC));
        let (from, to) = (
            datetime!(2024-02-01 00:00:00 UTC),
            datetime!(2024-02-29 23:59:59 UTC),
        );
        let weights: u64 = day_windows(from, to)
            .iter()
            .map(|(f, _)| weight(f.date()))
            .sum();
        assert_eq!(daily_usage(EXACT, from, to, now), 86_400 * weights);
        let days: u64 = day_windows(from, to)
            .iter()
            .map(|&(f, t)| daily_usage(EXACT, f, t, now))
            .sum();
        assert_eq!(days, 86_400 * weights);
        // A window across the month end adds up too.
        let across = (
            datetime!(2024-02-29 12:00:00 UTC),
            datetime!(2024-03-01 05:59:59 UTC),
        );
        let expected =
            43_200 * weight(date!(2024 - 02 - 29)) + 21_600 * weight(date!(2024 - 03 - 01));
        assert_eq!(daily_usage(EXACT, across.0, across.1, now), expected);
    }

    #[test]
    fn neighbouring_days_differ() {
        let now = SystemTime::from(datetime!(2024-05-01 00:00 UTC));
        let answers: Vec<u64> = day_windows(
            datetime!(2024-02-26 00:00:00 UTC),
            datetime!(2024-03-02 23:59:59 UTC),
        )
        .into_iter()
        .map(|(from, to)| daily_usage(4_567_890, from, to, now))
        .collect();
        assert_eq!(answers.len(), 6);
        for pair in answers.windows(2) {
            assert_ne!(pair[0], pair[1]);
        }
    }

    #[test]
    fn a_day_in_progress_accrues_with_the_clock() {
        let clock = Arc::new(ManualClock::new(datetime!(2024-02-29 00:00 UTC).into()));
        let sim = WowzaSim::new(history_account(), clock.clone());
        let mut headers = HeaderMap::new();
        headers.insert("wsc-api-key", sim.account.api_key.parse().unwrap());
        headers.insert("wsc-access-key", sim.account.access_key.parse().unwrap());
        let examples = sim.account.stream_targets.clone();
        let bytes_used = |at: &str| {
            let query = HashMap::from([
                ("from".to_string(), "2024-02-29 00:00:00".to_string()),
                ("to".to_string(), at.to_string()),
            ]);
            let (status, body, _) =
                sim.decide("usage/network/stream_targets", &headers, &query, |_| {
                    Some(examples.clone())
                });
            assert_eq!(status, StatusCode::OK);
            body["stream_targets"][0]["bytes_used"].as_u64().unwrap()
        };
        let value = examples["stream_targets"][0]["bytes_used"]
            .as_u64()
            .unwrap();
        let w = weight(date!(2024 - 02 - 29));
        let quarter_day = |quarters: u64| value * w * 21_600 * quarters / EXACT;
        assert_eq!(bytes_used("2024-02-29 00:00:00"), 0);
        clock.advance(Duration::from_secs(6 * 3600));
        assert_eq!(bytes_used("2024-02-29 06:00:00"), quarter_day(1));
        assert_eq!(bytes_used("2024-02-29 23:59:59"), quarter_day(1));
        clock.advance(Duration::from_secs(3 * 6 * 3600));
        assert_eq!(bytes_used("2024-02-29 23:59:59"), quarter_day(4));
        clock.advance(Duration::from_secs(86_400));
        assert_eq!(bytes_used("2024-02-29 23:59:59"), quarter_day(4));
    }
}
