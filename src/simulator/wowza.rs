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
use time::PrimitiveDateTime;

use super::Share;
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
    /// Whether numbers accrue over the queried window (else they are
    /// served as given, whatever the window).
    pub accrual: bool,
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

    /// The share of a 30-day month's usage that `from`..`to` has accrued
    /// by now (1 when accrual is off).
    fn factor(&self, query: &HashMap<String, String>) -> Share {
        if !self.account.accrual {
            return Share::WHOLE;
        }
        let parse = |name: &str| {
            let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
            query
                .get(name)
                .and_then(|v| PrimitiveDateTime::parse(v, format).ok())
                .map(|t| SystemTime::from(t.assume_utc()))
        };
        let now = self.clock.now();
        let (Some(from), Some(to)) = (parse("from"), parse("to")) else {
            return Share::WHOLE;
        };
        let span = to.min(now).duration_since(from).unwrap_or_default();
        Share::of(span, Duration::from_secs(30 * 86_400))
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
        accrual: true,
    }
}
