//! One accepted connection: the TLS handshake under the header deadline,
//! then HTTP/1 served by hyper, with the write deadlines of
//! [`WriteTimeout`] around the socket and each response body counted among
//! the connection's [`OpenBodies`], until the client leaves or the server
//! shuts down.
//!
//! Most failed handshakes are scanners and plain-HTTP clients, so they are
//! logged at debug only; a refused client certificate gets a hint.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::body::Body;
use axum::Router;
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::Watcher;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::write_timeout::{Counted, OpenBodies, WriteTimeout};
use super::{Limits, WRITE_TIMEOUT};

type Service = TowerToHyperService<Router>;

/// One accepted connection and what serving it needs.
pub(super) struct Connection {
    pub(super) http: http1::Builder,
    pub(super) service: Service,
    pub(super) watcher: Watcher,
    pub(super) limits: Limits,
}

/// What a client whose certificate rustls refused needs to hear.
const CLIENT_CERT_HINT: &str = "a client certificate must be an end-entity certificate \
    (basicConstraints CA:FALSE, extendedKeyUsage clientAuth) issued by a CA in client_ca_file";

impl Connection {
    pub(super) async fn run(
        self,
        tcp: TcpStream,
        peer: SocketAddr,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) {
        let Some(tls) = tls else {
            return self.serve(tcp).await;
        };
        match tokio::time::timeout(self.limits.read_header_timeout, tls.accept(tcp)).await {
            Ok(Ok(stream)) => self.serve(stream).await,
            // Scanners and plain-HTTP clients end here too: debug, not more.
            Ok(Err(err)) => {
                let refused = err
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<rustls::Error>());
                let hint = matches!(refused, Some(rustls::Error::InvalidCertificate(_)))
                    .then_some(CLIENT_CERT_HINT);
                tracing::debug!(%peer, error = %err, hint, "TLS handshake failed");
            }
            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
        }
    }

    async fn serve<I: AsyncRead + AsyncWrite + Unpin + Send + 'static>(self, io: I) {
        let bodies = OpenBodies::default();
        let io = WriteTimeout::new(
            io,
            WRITE_TIMEOUT,
            self.limits.response_timeout,
            bodies.clone(),
        );
        let io = TokioIo::new(io);
        let service = self.service;
        let service = hyper::service::service_fn(move |request| {
            let open = bodies.open();
            let response = service.call(request);
            async move {
                let response = response.await?;
                Ok::<_, Infallible>(response.map(|body| Body::new(Counted { body, _open: open })))
            }
        });
        let connection = self.http.serve_connection(io, service);
        if let Err(err) = self.watcher.watch(connection).await {
            tracing::debug!(error = %err, "connection closed with an error");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::routing::get;
    use bytes::Bytes;
    use hyper_util::server::graceful::GracefulShutdown;
    use tokio::net::TcpListener;

    use super::*;
    use crate::server::scrape::Chunks;

    /// One connection served with `limits`: `/` answers `body`, `/small`
    /// a few bytes. Returns the client's end.
    async fn connection(limits: Limits, body: Vec<Bytes>) -> (TcpStream, GracefulShutdown) {
        let router = Router::new()
            .route(
                "/",
                get(move || {
                    let body = body.clone();
                    async move { Body::new(Chunks::new(body)) }
                }),
            )
            .route("/small", get(|| async { "small\n" }));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (tcp, _) = listener.accept().await.unwrap();
        let graceful = GracefulShutdown::new();
        let connection = Connection {
            http: http1::Builder::new(),
            service: TowerToHyperService::new(router),
            watcher: graceful.watcher(),
            limits,
        };
        tokio::spawn(connection.serve(tcp));
        (client, graceful)
    }

    /// A client that keeps reading, but slowly, is cut off at the response
    /// deadline, so it cannot keep a large rendering alive; quick responses
    /// on a connection that lives longer than the deadline are not.
    #[tokio::test]
    async fn a_slow_reader_is_cut_off_at_the_response_deadline() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let limits = Limits {
            response_timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        // 1 GiB of body from one shared MiB.
        let chunk = Bytes::from(vec![b'x'; 1 << 20]);
        let (mut client, _graceful) = connection(limits, vec![chunk; 1024]).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut buf = vec![0u8; 1 << 16];

        for _ in 0..2 {
            client
                .write_all(b"GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            let mut answer = Vec::new();
            while !answer.ends_with(b"small\n") {
                let n = tokio::time::timeout_at(deadline, client.read(&mut buf))
                    .await
                    .expect("an answer")
                    .unwrap();
                assert!(n > 0, "closed: {}", String::from_utf8_lossy(&answer));
                answer.extend_from_slice(&buf[..n]);
            }
            // Idle past the deadline: it ran for that response only.
            tokio::time::sleep(limits.response_timeout * 2).await;
        }

        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut received = 0usize;
        let mut paced = tokio::time::interval(Duration::from_millis(10));
        loop {
            paced.tick().await;
            let read = tokio::time::timeout_at(deadline, client.read(&mut buf)).await;
            assert!(
                tokio::time::Instant::now() < deadline,
                "the connection is still open"
            );
            match read.unwrap() {
                Ok(0) | Err(_) => break,
                Ok(n) => received += n,
            }
        }
        assert!(received < 1 << 30, "the whole body was sent");
    }
}
