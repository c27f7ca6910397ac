//! The provider seam: what every provider hands to the core.
//!
//! A provider turns one or more upstream calls into an [`Endpoint`] whose
//! `fetch` returns a complete [`Snapshot`], or an error. The snapshot holds
//! its samples ready to send (per-row tables compactly, rendered once, by
//! the first scrape that needs them), so a scrape only concatenates bytes.
//! A provider never sees Prometheus or the HTTP server; the core never sees
//! a provider's wire format.
//!
//! Adding a provider is one module below this one and one line in
//! [`endpoints`].

pub mod http;
pub mod numbers;
pub mod scaleengine;
pub mod wowza;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::Config;
use crate::exposition::Snapshot;
use crate::period::{Bounds, Period};

/// A future as returned by [`Endpoint::fetch`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One refreshable unit: a (provider, account, endpoint, period) whose
/// data is fetched, cached and replaced as a whole.
pub trait Endpoint: Send + Sync {
    /// Provider name as used in the `provider` label (`scaleengine`).
    fn provider(&self) -> &'static str;
    /// The configured `account` label value.
    fn account(&self) -> &str;
    /// The `endpoint` label value (`video.usage`).
    fn name(&self) -> &str;
    /// Which period it reports, and how often it is fetched.
    fn schedule(&self) -> Schedule;
    /// Fetches everything for `bounds` (all pages) and renders it, every
    /// usage series labelled with the period; never half a result.
    fn fetch(&self, bounds: Bounds) -> BoxFuture<'_, Result<Snapshot, ProviderError>>;
}

/// When an endpoint is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub period: Period,
    /// The day (1..=28) its months start on.
    pub billing_day: u8,
    /// The least time between two fetches.
    pub refresh_interval: Duration,
    /// For closed periods: how long after the period's end the numbers
    /// may still change; a fetch after that is final.
    pub settle_time: Duration,
}

/// Why a fetch failed. Messages never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("request failed: {0}")]
    Http(String),
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("HTTP {status} unauthorized: {message} (check the account's credentials)")]
    Auth { status: u16, message: String },
    #[error("HTTP {status}, rate limited: {message}")]
    RateLimited {
        status: u16,
        message: String,
        /// What `Retry-After` asked for, when it was given.
        retry_after: Option<Duration>,
    },
    #[error("cannot decode response: {0}")]
    Decode(String),
    #[error("API returned failure: {0}")]
    Api(String),
    /// The API answered (HTTP 200) but refused the credentials.
    #[error("API refused the credentials: {0} (check the account's keys and secret)")]
    ApiAuth(String),
    #[error("response is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("pagination: {0}")]
    Pagination(String),
    #[error("not ready: {0}")]
    NotReady(String),
    /// The refresh panicked: a bug in the exporter, contained to this
    /// endpoint; the log has the panic's message.
    #[error("internal error (a bug; please report it with the log line `refresh panicked`)")]
    Internal,
}

impl ProviderError {
    /// Credentials errors: retrying before the next interval cannot help.
    pub fn is_auth(&self) -> bool {
        matches!(self, ProviderError::Auth { .. } | ProviderError::ApiAuth(_))
    }

    /// The same error with the account's `secrets`, and any request
    /// signature, removed from text that came from upstream (an API may
    /// echo the request in an error body).
    pub fn redact(self, secrets: &[&str]) -> ProviderError {
        let clean = |text: String| redact(&text, secrets);
        match self {
            ProviderError::Http(m) => ProviderError::Http(clean(m)),
            ProviderError::Status { status, message } => ProviderError::Status {
                status,
                message: clean(message),
            },
            ProviderError::Auth { status, message } => ProviderError::Auth {
                status,
                message: clean(message),
            },
            ProviderError::RateLimited {
                status,
                message,
                retry_after,
            } => ProviderError::RateLimited {
                status,
                message: clean(message),
                retry_after,
            },
            ProviderError::Decode(m) => ProviderError::Decode(clean(m)),
            ProviderError::Api(m) => ProviderError::Api(clean(m)),
            ProviderError::ApiAuth(m) => ProviderError::ApiAuth(clean(m)),
            ProviderError::Pagination(m) => ProviderError::Pagination(clean(m)),
            other @ (ProviderError::TooLarge { .. }
            | ProviderError::NotReady(_)
            | ProviderError::Internal) => other,
        }
    }

    /// How long the provider asked us to wait before calling again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// What a provider's endpoints are built from.
pub struct Context<'a> {
    pub config: &'a Config,
    pub upstream: &'a Arc<http::Upstream>,
    pub clock: &'a Arc<dyn Clock>,
}

impl Context<'_> {
    /// The schedule of one endpoint of `period`: closed periods follow
    /// `previous_periods`, the others `refresh_interval`.
    pub fn schedule(&self, period: Period, billing_day: u8, interval: Duration) -> Schedule {
        let previous = &self.config.previous_periods;
        Schedule {
            period,
            billing_day,
            refresh_interval: if period.is_previous() {
                previous.refresh_interval
            } else {
                interval
            },
            settle_time: previous.settle_time,
        }
    }
}

const REDACTED: &str = "<redacted>";

/// `text` with every secret removed, as sent (raw), URL-encoded and
/// JSON-escaped (by serde and the PHP way), and with the value after any `signature` key replaced.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let json = serde_json::to_string(secret).unwrap_or_default();
        let php = scaleengine::sign::php_json_encode(&serde_json::Value::from(*secret));
        let forms = [
            secret.to_string(),
            url_encode(secret),
            url_encode(secret).replace("%20", "+"),
            json.trim_matches('"').to_string(),
            php.trim_matches('"').to_string(),
        ];
        for form in forms.iter().filter(|f| !f.is_empty()) {
            out = out.replace(form.as_str(), REDACTED);
        }
    }
    redact_signatures(&out)
}

/// Replaces the value following each `signature` key (in JSON, a query
/// string or a form, plain or percent-encoded).
fn redact_signatures(text: &str) -> String {
    const KEY: &str = "signature";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find(KEY) {
        let mut at = search + found + KEY.len();
        // Separators between key and value: quotes, colons, equals signs,
        // spaces, backslashes and their percent-encodings.
        loop {
            let rest = &lower[at..];
            let step = ["%22", "%3a", "%3d", "%5c", "\\", "\"", ":", "=", " "]
                .iter()
                .find(|sep| rest.starts_with(**sep))
                .map(|sep| sep.len());
            match step {
                Some(n) => at += n,
                None => break,
            }
        }
        let value_len = text[at..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || b"+/=%_-\\".contains(b))
            .count();
        if value_len > 0 {
            out.push_str(&text[copied..at]);
            out.push_str(REDACTED);
            copied = at + value_len;
        }
        search = at + value_len;
    }
    out.push_str(&text[copied..]);
    out
}

/// Percent-encodes all but RFC 3986 unreserved characters.
pub(crate) fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The endpoints of every configured provider account, in config order.
pub fn endpoints(context: &Context) -> Vec<Arc<dyn Endpoint>> {
    let mut all = Vec::new();
    all.extend(scaleengine::endpoints(context));
    all.extend(wowza::endpoints(context));
    all
}

/// Test fixtures under `tests/fixtures/`, for the unit tests.
#[cfg(test)]
pub mod fixtures {
    use std::path::PathBuf;

    pub fn path(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    pub fn bytes(name: &str) -> Vec<u8> {
        std::fs::read(path(name)).expect("fixture exists")
    }

    pub fn json(name: &str) -> serde_json::Value {
        serde_json::from_slice(&bytes(name)).expect("fixture is JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_removes_secrets_in_every_encoding_and_signatures() {
        let secrets = ["k3y/+ä", "s3cr3t"];
        let echoed = concat!(
            r#"{"api_key":"k3y\/+\u00e4","signature":"AbC+\/9=="} "#,
            "json=%7B%22api_key%22%3A%22k3y%2F%2B%C3%A4%22%2C%22signature%22%3A%22AbC%2B%2F9%3D%3D%22%7D ",
            "raw k3y/+ä s3cr3t SIGNATURE=xyz123 ",
            r#"api_key=k3y%2F%2B%C3%A4"#,
        );
        let clean = redact(echoed, &secrets);
        for leak in ["k3y", "s3cr3t", "AbC", "9==", "xyz123", "%2B%2F9"] {
            assert!(!clean.contains(leak), "{leak} in {clean}");
        }
        assert!(clean.contains(r#""signature":"<redacted>""#), "{clean}");
        assert_eq!(redact("no secrets here", &secrets), "no secrets here");
        let err = ProviderError::Status {
            status: 500,
            message: "echo: s3cr3t".into(),
        };
        assert_eq!(
            err.redact(&secrets).to_string(),
            "HTTP 500: echo: <redacted>"
        );
    }
}
