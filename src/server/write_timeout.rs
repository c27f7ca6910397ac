//! The write deadlines against slow readers: [`WriteTimeout`] wraps a
//! connection's socket so that its writes fail once the client has taken
//! no bytes for [`WRITE_TIMEOUT`](super::WRITE_TIMEOUT), or once one
//! response has taken longer than the response timeout.
//!
//! hyper does not say where one response ends: that is when its body is
//! done (the [`OpenBodies`], each body [`Counted`]) *and* a flush has
//! succeeded. A flush alone happens in the middle of a body too.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// How many response bodies of one connection are still being produced:
/// once none is and the writes are flushed, a response was written whole.
#[derive(Clone, Default)]
pub(super) struct OpenBodies(Arc<AtomicUsize>);

impl OpenBodies {
    pub(super) fn open(&self) -> OpenBody {
        self.0.fetch_add(1, Ordering::AcqRel);
        OpenBody(self.0.clone())
    }

    fn none_open(&self) -> bool {
        self.0.load(Ordering::Acquire) == 0
    }
}

/// One of [`OpenBodies`], until dropped.
pub(super) struct OpenBody(Arc<AtomicUsize>);

impl Drop for OpenBody {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body, counted among its connection's [`OpenBodies`].
pub(super) struct Counted {
    pub(super) body: Body,
    pub(super) _open: OpenBody,
}

impl http_body::Body for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A connection whose writes fail once the peer has taken no bytes for
/// [`WRITE_TIMEOUT`](super::WRITE_TIMEOUT), so that a client that stops
/// reading frees its slot; or once one response has taken longer than the
/// response timeout, so that a client that reads ever so slowly frees it
/// (and the body) too.
pub(super) struct WriteTimeout<T> {
    io: T,
    stall_limit: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
    response_limit: Duration,
    /// Started by a response's first write, ended once it is flushed whole.
    response: Option<Pin<Box<Sleep>>>,
    bodies: OpenBodies,
}

impl<T: AsyncWrite + Unpin> WriteTimeout<T> {
    pub(super) fn new(
        io: T,
        stall_limit: Duration,
        response_limit: Duration,
        bodies: OpenBodies,
    ) -> Self {
        WriteTimeout {
            io,
            stall_limit,
            stalled: None,
            response_limit,
            response: None,
            bodies,
        }
    }

    /// `op` on the inner writer, unless the response in progress is past
    /// its deadline; a write (`start`) starts one when none is in progress.
    fn write<R>(
        &mut self,
        cx: &mut Context<'_>,
        start: bool,
        op: impl FnOnce(Pin<&mut T>, &mut Context<'_>) -> Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        if start && self.response.is_none() {
            self.response = Some(Box::pin(tokio::time::sleep(self.response_limit)));
        }
        if let Some(deadline) = &mut self.response {
            if deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the response took longer than the response timeout",
                )));
            }
        }
        self.progress(cx, op)
    }

    /// `op` on the inner writer; while it is pending, the stall clock runs.
    fn progress<R>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(Pin<&mut T>, &mut Context<'_>) -> Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match op(Pin::new(&mut self.io), cx) {
            Poll::Ready(result) => {
                self.stalled = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let limit = self.stall_limit;
                let stalled = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match stalled.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client took no response bytes",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteTimeout<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write(cx, true, |io, cx| io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.write(cx, true, |io, cx| io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    /// hyper flushes its own buffer first, and flushes us only once that
    /// is empty: a flush with no body open ends the response.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = self.write(cx, false, |io, cx| io.poll_flush(cx));
        if matches!(flushed, Poll::Ready(Ok(()))) && self.bodies.none_open() {
            self.response = None;
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.write(cx, false, |io, cx| io.poll_shutdown(cx))
    }
}

#[cfg(test)]
mod tests {
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// A peer that reads nothing: writes fail after the limit instead of
    /// waiting forever.
    #[tokio::test]
    async fn writes_to_a_client_that_reads_nothing_time_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _peer = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (tcp, _) = listener.accept().await.unwrap();
        let mut io = WriteTimeout::new(
            tcp,
            Duration::from_millis(100),
            Duration::from_secs(3600),
            OpenBodies::default(),
        );
        let chunk = vec![0u8; 1 << 16];
        let mut written = 0usize;
        let err = loop {
            // Far more than any socket buffer holds.
            assert!(
                written < 1 << 30,
                "1 GiB written to a peer that reads nothing"
            );
            match std::future::poll_fn(|cx| Pin::new(&mut io).poll_write(cx, &chunk)).await {
                Ok(n) => written += n,
                Err(err) => break err,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
