//! The one HTTP client every provider calls through.
//!
//! It bounds each call (timeout, body size), retries 429 and 5xx answers and
//! transport errors with backoff and jitter, honouring `Retry-After`, and
//! reports every attempt to an [`Observer`] (the self-metrics). 401 and 403
//! are never retried: the same keys will fail the same way.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::RETRY_AFTER;
use reqwest::{RequestBuilder, StatusCode};

use super::ProviderError;

/// Who made an upstream call, for the self-metrics.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallLabels {
    pub provider: &'static str,
    pub account: String,
    pub endpoint: String,
}

/// Receives one observation per upstream HTTP attempt.
pub trait Observer: Send + Sync {
    /// `code` is the HTTP status, or `error` when no response arrived.
    fn observe(&self, call: &CallLabels, code: &str, elapsed: Duration);
}

/// Limits that apply to every upstream call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Duration,
    pub max_body_bytes: u64,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// First backoff; doubles per attempt unless `Retry-After` says otherwise.
    pub backoff: Duration,
    /// Longest single wait, also for a larger `Retry-After`.
    pub max_backoff: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(30),
            max_body_bytes: 64 << 20,
            max_attempts: 4,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }
}

pub struct Upstream {
    client: reqwest::Client,
    observer: Arc<dyn Observer>,
    limits: Limits,
}

impl Upstream {
    pub fn new(observer: Arc<dyn Observer>, limits: Limits) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(limits.timeout)
            .user_agent(concat!("video-usage-exporter/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Upstream {
            client,
            observer,
            limits,
        })
    }

    /// Sends the request `build` makes (again on each retry) and returns the
    /// body of a 2xx answer. Errors, logged or returned, have `secrets` (and
    /// any request signature) removed: an API may echo the request.
    pub async fn send(
        &self,
        call: &CallLabels,
        secrets: &[&str],
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Vec<u8>, ProviderError> {
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let outcome = self.attempt(&build).await;
            let code = match &outcome {
                Attempt::Answered { status, .. } | Attempt::TooLarge { status, .. } => {
                    status.as_str()
                }
                Attempt::Transport(_) => "error",
            };
            self.observer.observe(call, code, started.elapsed());
            let retry_after = match outcome {
                // Also a body cut off mid-way: the next attempt may get it whole.
                Attempt::Transport(err) => {
                    let err = err.redact(secrets);
                    if attempt >= self.limits.max_attempts {
                        return Err(err);
                    }
                    tracing::debug!(provider = call.provider, account = %call.account,
                        endpoint = %call.endpoint, attempt, error = %err, "upstream call failed, retrying");
                    None
                }
                Attempt::TooLarge { limit, .. } => return Err(ProviderError::TooLarge { limit }),
                Attempt::Answered {
                    status,
                    retry_after,
                    body,
                } => {
                    if status.is_success() {
                        return Ok(body);
                    }
                    let err = status_error(status, &body, retry_after).redact(secrets);
                    let retryable =
                        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                    // A wait longer than we would sleep inside one fetch is
                    // left to the refresher's backoff instead.
                    let too_long = retry_after.is_some_and(|d| d > self.limits.max_backoff);
                    if !retryable || too_long || attempt >= self.limits.max_attempts {
                        return Err(err);
                    }
                    tracing::debug!(provider = call.provider, account = %call.account,
                        endpoint = %call.endpoint, attempt, error = %err, "upstream call refused, retrying");
                    retry_after
                }
            };
            tokio::time::sleep(self.wait(attempt, retry_after)).await;
            attempt += 1;
        }
    }

    /// One request and its whole body.
    async fn attempt(&self, build: &impl Fn(&reqwest::Client) -> RequestBuilder) -> Attempt {
        let transport = |e: reqwest::Error| {
            Attempt::Transport(ProviderError::Http(e.without_url().to_string()))
        };
        let mut response = match build(&self.client).send().await {
            Ok(response) => response,
            Err(err) => return transport(err),
        };
        let status = response.status();
        let limit = self.limits.max_body_bytes;
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        if response.content_length().is_some_and(|n| n > limit) {
            return Attempt::TooLarge { status, limit };
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > limit {
                        return Attempt::TooLarge { status, limit };
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(err) => return transport(err),
            }
        }
        Attempt::Answered {
            status,
            retry_after,
            body,
        }
    }

    /// Waits `Retry-After` when given, else exponential backoff; plus up to
    /// 25% jitter so that several accounts do not retry in lockstep.
    fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let base = retry_after.unwrap_or_else(|| {
            self.limits
                .backoff
                .saturating_mul(1 << (attempt - 1).min(16))
        });
        let base = base.min(self.limits.max_backoff);
        base + base.mul_f64(fastrand::f64() * 0.25)
    }
}

/// How one attempt ended.
enum Attempt {
    /// A whole answer, of any status.
    Answered {
        status: StatusCode,
        retry_after: Option<Duration>,
        body: Vec<u8>,
    },
    /// An answer whose body exceeds the limit: not read, not retried.
    TooLarge { status: StatusCode, limit: u64 },
    /// No answer, or one cut off before its end.
    Transport(ProviderError),
}

/// `Retry-After` as delay-seconds or as an HTTP date (RFC 9110).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    match value.parse::<u64>() {
        Ok(secs) => Some(Duration::from_secs(secs)),
        Err(_) => httpdate::parse_http_date(value)
            .ok()
            .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default()),
    }
}

/// An error for a non-2xx answer, with a short, printable excerpt of the body.
fn status_error(status: StatusCode, body: &[u8], retry_after: Option<Duration>) -> ProviderError {
    let text: String = String::from_utf8_lossy(body)
        .chars()
        .filter(|c| !c.is_control())
        .take(500)
        .collect();
    let message = if text.trim().is_empty() {
        status.canonical_reason().unwrap_or("no body").to_string()
    } else {
        text
    };
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        ProviderError::Auth {
            status: status.as_u16(),
            message,
        }
    } else if status == StatusCode::TOO_MANY_REQUESTS || retry_after.is_some() {
        ProviderError::RateLimited {
            status: status.as_u16(),
            message,
            retry_after,
        }
    } else {
        ProviderError::Status {
            status: status.as_u16(),
            message,
        }
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    use std::sync::Mutex;

    use crate::simulator::faults::raw_upstream;

    struct Ignore;

    /// Remembers the code of every attempt.
    #[derive(Default)]
    struct Codes(Mutex<Vec<String>>);

    impl Observer for Codes {
        fn observe(&self, _: &CallLabels, code: &str, _: Duration) {
            self.0.lock().unwrap().push(code.to_string());
        }
    }

    fn quick(observer: Arc<dyn Observer>) -> Upstream {
        let limits = Limits {
            backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
            ..Limits::default()
        };
        Upstream::new(observer, limits).unwrap()
    }

    fn call() -> CallLabels {
        CallLabels {
            provider: "test",
            account: "a".into(),
            endpoint: "e".into(),
        }
    }

    #[tokio::test]
    async fn a_body_cut_off_is_retried_and_counted_as_an_error() {
        let mut cut = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec();
        cut.extend_from_slice(&[b'x'; 100]);
        let whole = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwhole".to_vec();
        let url = raw_upstream(vec![cut, whole]).await.unwrap();
        let codes = Arc::new(Codes::default());
        let up = quick(codes.clone());
        let body = up.send(&call(), &[], |c| c.get(&url)).await.unwrap();
        assert_eq!(body, b"whole");
        assert_eq!(*codes.0.lock().unwrap(), ["error", "200"]);
    }

    #[tokio::test]
    async fn a_retry_after_beyond_any_clock_is_returned_not_slept() {
        let answer = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 10000000000000000000\r\nContent-Length: 0\r\n\r\n".to_vec();
        let url = raw_upstream(vec![answer]).await.unwrap();
        let codes = Arc::new(Codes::default());
        let err = quick(codes.clone())
            .send(&call(), &[], |c| c.get(&url))
            .await
            .unwrap_err();
        assert!(err
            .retry_after()
            .is_some_and(|d| d > Duration::from_secs(1 << 40)));
        assert_eq!(*codes.0.lock().unwrap(), ["429"]);
    }

    impl Observer for Ignore {
        fn observe(&self, _: &CallLabels, _: &str, _: Duration) {}
    }

    /// An upstream client whose observations go nowhere.
    pub fn upstream() -> Arc<Upstream> {
        Arc::new(Upstream::new(Arc::new(Ignore), Limits::default()).unwrap())
    }

    #[test]
    fn waits_honour_retry_after_with_bounded_jitter() {
        let up = upstream();
        for _ in 0..100 {
            let w = up.wait(1, Some(Duration::from_secs(2)));
            assert!(w >= Duration::from_secs(2) && w <= Duration::from_millis(2500));
            let w = up.wait(3, None);
            assert!(w >= Duration::from_secs(4) && w <= Duration::from_secs(5));
            let w = up.wait(1, Some(Duration::from_secs(3600)));
            assert!(w <= Duration::from_secs(75));
        }
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        assert_eq!(parse_retry_after(" 2 "), Some(Duration::from_secs(2)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let wait = parse_retry_after(&later).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn unauthorized_is_an_auth_error_and_others_are_not() {
        assert!(status_error(StatusCode::UNAUTHORIZED, b"{}", None).is_auth());
        assert!(status_error(StatusCode::FORBIDDEN, b"", None).is_auth());
        let err = status_error(StatusCode::BAD_GATEWAY, b"", None);
        assert!(!err.is_auth());
        assert_eq!(err.to_string(), "HTTP 502: Bad Gateway");
        let err = status_error(
            StatusCode::TOO_MANY_REQUESTS,
            b"slow down",
            Some(Duration::from_secs(90)),
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(90)));
        assert_eq!(err.to_string(), "HTTP 429, rate limited: slow down");
    }
}
