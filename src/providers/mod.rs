//! The provider seam: what every provider hands to the core.
//!
//! A provider turns one or more upstream calls into an [`Endpoint`] whose
//! `fetch` returns a complete [`Snapshot`], or an error. The snapshot holds
//! its samples ready to send (per-row tables compactly, rendered once, by
//! the first scrape that needs them), so a scrape only concatenates bytes.
//! A provider never sees Prometheus or the HTTP server; the core never sees
//! a provider's wire format.
//!
//! Adding a provider is one folder below this one and one line in
//! `registered!`; the README's "Adding a provider" lists the files.

pub mod account;
pub mod http;
pub mod numbers;
pub mod php;
pub mod redact;

/// Every provider: its folder below this one (whose name is its config key
/// and its `provider` label) and its account type. Invokes `$then!` with
/// the list, so that the modules here and the config file's keys
/// ([`crate::config`]) follow from this one list.
macro_rules! registered {
    ($then:ident) => {
        $then! {
            scaleengine: ScaleEngineAccount,
            wowza: WowzaAccount,
        }
    };
}
pub(crate) use registered;

macro_rules! declare {
    ($($key:ident: $account:ident,)*) => {
        $(pub mod $key;)*
    };
}
registered!(declare);

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

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
    /// What it would have served when `bounds` were current, read from
    /// the provider's history (`backfill`), asked for in time order. By
    /// default a fetch of `bounds`: right for an API that takes any window.
    fn fetch_history(&self, bounds: Bounds) -> BoxFuture<'_, Result<Snapshot, ProviderError>> {
        self.fetch(bounds)
    }
    /// Whether its history is known at `at` (the last second of a step): an
    /// API that knows whole days only has history at the end of a day.
    fn has_history_at(&self, _at: time::OffsetDateTime) -> bool {
        true
    }
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
        let clean = |text: String| redact::redact(&text, secrets);
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
    fn errors_from_upstream_lose_the_secrets_they_echo() {
        let err = ProviderError::Status {
            status: 500,
            message: "echo: s3cr3t".into(),
        };
        assert_eq!(
            err.redact(&["s3cr3t"]).to_string(),
            "HTTP 500: echo: <redacted>"
        );
    }
}
