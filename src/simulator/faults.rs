//! Faults no well-behaved provider fake would produce, for the tests and
//! fuzz targets of the layers under the providers: an upstream that
//! answers raw bytes (a cut body, any `Retry-After`), and an endpoint whose
//! fetch does whatever a closure says (fail, panic, take time).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::exposition::Snapshot;
use crate::period::{Bounds, Period};
use crate::providers::{BoxFuture, Endpoint, ProviderError, Schedule};

/// Serves its n-th connection `answers[n]`, byte for byte, once the
/// request's head has arrived, then closes it; later connections are
/// refused. Returns the server's base URL on 127.0.0.1.
pub async fn raw_upstream(answers: Vec<Vec<u8>>) -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/", listener.local_addr()?);
    tokio::spawn(async move {
        for answer in answers {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match tcp.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = tcp.write_all(&answer).await;
            let _ = tcp.shutdown().await;
        }
    });
    Ok(url)
}

/// What [`FnEndpoint`] runs for each fetch.
pub type Fetch =
    dyn Fn(Bounds) -> BoxFuture<'static, Result<Snapshot, ProviderError>> + Send + Sync;

/// A `month` endpoint of provider `fake`, refreshed every `interval`, whose
/// fetch is a closure.
pub struct FnEndpoint {
    account: String,
    interval: Duration,
    fetch: Arc<Fetch>,
}

impl FnEndpoint {
    pub fn new(account: &str, interval: Duration, fetch: Arc<Fetch>) -> FnEndpoint {
        FnEndpoint {
            account: account.into(),
            interval,
            fetch,
        }
    }
}

impl Endpoint for FnEndpoint {
    fn provider(&self) -> &'static str {
        "fake"
    }
    fn account(&self) -> &str {
        &self.account
    }
    fn name(&self) -> &str {
        "usage"
    }
    fn schedule(&self) -> Schedule {
        Schedule {
            period: Period::Month,
            billing_day: 1,
            refresh_interval: self.interval,
            settle_time: self.interval,
        }
    }
    fn fetch(&self, bounds: Bounds) -> BoxFuture<'_, Result<Snapshot, ProviderError>> {
        (self.fetch)(bounds)
    }
}
