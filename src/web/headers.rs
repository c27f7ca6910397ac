//! `http_server_config`: the response headers the file may set, added to
//! every response, and exporter-toolkit's `http2` switch, accepted and
//! ignored.
//!
//! Only exporter-toolkit's list may be set, some only to a few values: a
//! header outside it is an error, not passed through, and a blank value
//! means the header is not sent.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

use super::{invalid, nullable, Invalid};

/// Response headers the file may set, and their allowed values (any when
/// empty): exporter-toolkit's list.
const EXTRA_HEADERS: [(&str, &[&str]); 5] = [
    ("Strict-Transport-Security", &[]),
    ("X-Content-Type-Options", &["nosniff"]),
    ("X-Frame-Options", &["deny", "sameorigin"]),
    ("X-XSS-Protection", &[]),
    ("Content-Security-Policy", &[]),
];

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct HttpFile {
    /// exporter-toolkit's HTTP/2-over-TLS switch. Accepted so that shared
    /// files load; this exporter speaks HTTP/1.1 (all Prometheus needs).
    #[serde(default, rename = "http2")]
    _http2: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    headers: BTreeMap<String, String>,
}

impl HttpFile {
    pub(super) fn headers(&self) -> Result<HeaderMap, Invalid> {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            let key = format!("http_server_config.headers.{name}");
            let Some((_, allowed)) = EXTRA_HEADERS.iter().find(|(n, _)| n == name) else {
                let names: Vec<_> = EXTRA_HEADERS.iter().map(|(n, _)| *n).collect();
                return Err(invalid(
                    key,
                    format!("cannot be set; allowed: {}", names.join(", ")),
                ));
            };
            if !allowed.is_empty() && !allowed.contains(&value.as_str()) {
                return Err(invalid(key, format!("must be one of {allowed:?}")));
            }
            if value.is_empty() {
                continue; // blank: not sent, as in exporter-toolkit
            }
            let value = HeaderValue::from_str(value)
                .map_err(|_| invalid(&key, "is not a valid header value"))?;
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(&key, "is not a valid header name"))?;
            map.insert(name, value);
        }
        Ok(map)
    }
}
