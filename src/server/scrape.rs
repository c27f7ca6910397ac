//! `/metrics`: what is in memory, rendered in the format and the encoding
//! the scraper asks for (`Accept`, `Accept-Encoding`), and sent as a body
//! of shared chunks, without copying.
//!
//! The choice follows client_golang: weights first, the listed order only
//! among equal weights, and `q=0` is a refusal, not the least preference.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::{Frame, SizeHint};

use crate::app::AppState;
use crate::metrics::Format;

/// How long a scrape may wait for the very first fetches after start-up.
const FIRST_SCRAPE_WAIT: Duration = Duration::from_secs(5);

pub(super) async fn metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    state.refresher.wait_ready(FIRST_SCRAPE_WAIT).await;
    state.refresher.on_scrape();
    let format = negotiate_format(headers.get(ACCEPT).and_then(|v| v.to_str().ok()));
    let gzip = accepts_gzip(headers.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok()));
    // Rendering may compress megabytes after a refresh: off the async threads.
    let rendered = tokio::task::spawn_blocking(move || state.exposition.render(format, gzip)).await;
    let chunks = match rendered {
        Ok(chunks) => chunks,
        Err(err) => {
            tracing::error!(error = %err, "rendering the exposition failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "rendering the exposition failed\n",
            )
                .into_response();
        }
    };
    let mut response = Response::new(Body::new(Chunks::new(chunks)));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(VARY, HeaderValue::from_static("Accept, Accept-Encoding"));
    if gzip {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// A response body sent as the given chunks, in order, without copying.
pub(super) struct Chunks {
    chunks: VecDeque<Bytes>,
    remaining: u64,
}

impl Chunks {
    pub(super) fn new(chunks: Vec<Bytes>) -> Self {
        let remaining = chunks.iter().map(|c| c.len() as u64).sum();
        Chunks {
            chunks: chunks.into_iter().filter(|c| !c.is_empty()).collect(),
            remaining,
        }
    }
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = self.chunks.pop_front();
        if let Some(chunk) = &next {
            self.remaining -= chunk.len() as u64;
        }
        Poll::Ready(next.map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// The items of an `Accept`-style header (media ranges or codings) with
/// their weights; an item with a malformed `q` counts as refused.
fn weighted(header: &str) -> impl Iterator<Item = (&str, f32)> {
    header.split(',').filter_map(|item| {
        let mut parts = item.split(';').map(str::trim);
        let value = parts.next().filter(|v| !v.is_empty())?;
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, q)| q.trim().parse::<f32>().ok())
            .filter(|q| (0.0..=1.0).contains(q))
            .unwrap_or(0.0);
        Some((value, q))
    })
}

/// The format the scraper prefers, as client_golang picks it: the listed
/// types by falling weight, the first of OpenMetrics or `text/plain` wins;
/// types refused with `q=0` do not count; the text format by default.
pub fn negotiate_format(accept: Option<&str>) -> Format {
    let mut ranges: Vec<(&str, f32)> = accept
        .map(|a| weighted(a).filter(|(_, q)| *q > 0.0).collect())
        .unwrap_or_default();
    ranges.sort_by(|a, b| b.1.total_cmp(&a.1)); // stable: ties keep their order
    for (range, _) in ranges {
        if range.eq_ignore_ascii_case("application/openmetrics-text") {
            return Format::OpenMetrics;
        }
        if range.eq_ignore_ascii_case("text/plain") {
            return Format::Text;
        }
    }
    Format::Text
}

/// Whether `Accept-Encoding` allows gzip: listed (or `*` when gzip itself
/// is not) with a weight above zero.
fn accepts_gzip(header: Option<&str>) -> bool {
    let (mut gzip, mut any) = (None, None);
    for (coding, q) in header.into_iter().flat_map(weighted) {
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(q);
        } else if coding == "*" {
            any = Some(q);
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_used_only_when_accepted() {
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(accepts_gzip(Some("x-gzip")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("gzip;q=0.000")));
        assert!(!accepts_gzip(Some("gzip; Q=0")));
        assert!(!accepts_gzip(Some("gzip;q=0, *")));
        assert!(!accepts_gzip(Some("*;q=0")));
        assert!(!accepts_gzip(Some("gzip;q=nonsense")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(None));
    }

    #[test]
    fn format_negotiation_follows_weights_and_honours_q0() {
        let om = Format::OpenMetrics;
        let text = Format::Text;
        for (accept, want) in [
            // What Prometheus sends.
            ("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2", om),
            ("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", om),
            ("application/openmetrics-text", om),
            ("application/openmetrics-text;q=0, text/plain", text),
            ("application/openmetrics-text; q=0.0", text),
            ("text/plain;q=0.9, application/openmetrics-text;q=0.5", text),
            ("text/plain;q=0.5, application/openmetrics-text", om),
            ("text/plain, application/openmetrics-text", text),
            ("*/*", text),
            ("text/plain", text),
            ("", text),
        ] {
            assert_eq!(negotiate_format(Some(accept)), want, "{accept}");
        }
        assert_eq!(negotiate_format(None), text);
    }
}
