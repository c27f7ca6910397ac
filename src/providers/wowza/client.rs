//! Wowza Streaming Cloud REST calls: auth headers, the `from`/`to` window,
//! query encoding, and readable API errors.
//!
//! `from` and `to` are sent as `YYYY-MM-DD HH:MM:SS` (UTC), as the API
//! document and the OpenAPI descriptions say (the OpenAPI `format:
//! date-time` contradicts its own description). Spaces are encoded as `%20`,
//! which every server decodes, where `+` is only decoded by form parsers.

use std::sync::Arc;

use reqwest::header::ACCEPT;
use reqwest::Url;
use time::macros::format_description;
use time::OffsetDateTime;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::config::{WowzaAccount, WowzaAuth};
use crate::providers::account::Account as _;
use crate::providers::http::{CallLabels, Upstream};
use crate::providers::redact::url_encode;
use crate::providers::ProviderError;

/// Viewer-data calls in flight at once, per account: over all its stream
/// targets and periods.
pub const VIEWER_CONCURRENCY: usize = 4;

/// The calls of one account; every endpoint (resource and period) of the
/// account shares it.
pub struct Client {
    account: Arc<WowzaAccount>,
    upstream: Arc<Upstream>,
    /// Bounds the account's viewer-data calls in flight.
    viewer_permits: Semaphore,
}

impl Client {
    pub fn new(account: Arc<WowzaAccount>, upstream: Arc<Upstream>) -> Self {
        Client {
            account,
            upstream,
            viewer_permits: Semaphore::new(VIEWER_CONCURRENCY),
        }
    }

    /// `api_url` with `resource` (a path like `usage/time/transcoders`) and
    /// then `id` appended, each segment percent-encoded.
    pub fn url(&self, resource: &str, id: Option<&str>) -> Url {
        let mut url = self.account.api_url.clone();
        url.path_segments_mut()
            .expect("api_url is an http(s) URL")
            .pop_if_empty()
            .extend(resource.split('/'))
            .extend(id);
        url
    }

    /// GETs `resource` (of the stream target `id`, for viewer data) with
    /// `query`; the resource names the call in the self-metrics.
    pub async fn get(
        &self,
        resource: &str,
        id: Option<&str>,
        query: &[(&str, &str)],
    ) -> Result<Vec<u8>, ProviderError> {
        let mut url = self.url(resource, id);
        if !query.is_empty() {
            url.set_query(Some(&encode_query(query)));
        }
        let call = CallLabels {
            provider: super::PROVIDER,
            account: self.account.account.clone(),
            endpoint: resource.to_string(),
        };
        self.upstream
            .send(&call, &self.secrets(), |client| {
                let request = client.get(url.clone()).header(ACCEPT, "application/json");
                match &self.account.auth {
                    WowzaAuth::Keys {
                        api_key,
                        access_key,
                    } => request
                        .header("wsc-api-key", api_key.expose())
                        .header("wsc-access-key", access_key.expose()),
                    WowzaAuth::Token(token) => request.bearer_auth(token.expose()),
                }
            })
            .await
            .map_err(readable)
    }

    /// Leave for one viewer-data call: waits while the account has
    /// [`VIEWER_CONCURRENCY`] of them in flight; hold it until the answer.
    pub async fn viewer_permit(&self) -> SemaphorePermit<'_> {
        self.viewer_permits
            .acquire()
            .await
            .expect("the semaphore is never closed")
    }

    fn secrets(&self) -> Vec<&str> {
        self.account.secrets()
    }

    /// `err` without the account's credentials.
    pub fn redact(&self, err: ProviderError) -> ProviderError {
        err.redact(&self.secrets())
    }
}

/// `YYYY-MM-DD HH:MM:SS`
pub fn format_time(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]"
    ))
    .expect("a UTC date formats")
}

/// Percent-encodes names and values; only RFC 3986 unreserved characters
/// stay as they are.
fn encode_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", url_encode(name), url_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Wowza errors come as `{"meta": {"code": ..., "message": ...}}`; show
/// those two instead of raw JSON.
fn readable(err: ProviderError) -> ProviderError {
    fn meta(message: &str) -> Option<String> {
        let value: serde_json::Value = serde_json::from_str(message).ok()?;
        let meta = value.get("meta")?;
        let text = meta.get("message")?.as_str()?;
        Some(match meta.get("code").and_then(|c| c.as_str()) {
            Some(code) => format!("{code}: {text}"),
            None => text.to_string(),
        })
    }
    match err {
        ProviderError::Auth { status, message } => ProviderError::Auth {
            status,
            message: meta(&message).unwrap_or(message),
        },
        ProviderError::Status { status, message } => ProviderError::Status {
            status,
            message: meta(&message).unwrap_or(message),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded_with_space_as_20() {
        assert_eq!(
            encode_query(&[
                ("from", "2015-07-01 12:00:00"),
                ("billing_mode", "pay_as_you_go")
            ]),
            "from=2015-07-01%2012%3A00%3A00&billing_mode=pay_as_you_go"
        );
    }

    #[test]
    fn api_errors_show_code_and_message() {
        let err = readable(ProviderError::Auth {
            status: 401,
            message: r#"{"meta":{"status":401,"code":"ERR-401-InvalidApiKey","title":"Invalid Api Key Error","message":"Invalid API key.","description":"","links":[]}}"#.into(),
        });
        assert_eq!(
            err.to_string(),
            "HTTP 401 unauthorized: ERR-401-InvalidApiKey: Invalid API key. (check the account's credentials)"
        );
    }
}
