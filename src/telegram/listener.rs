//! The webhook's HTTP listener: hyper's HTTP/1 server with the limits a listener open to
//! the internet needs, which `axum::serve` does not set.
//!
//! - A client must send its request headers within [`ListenerLimits::header_read`], or
//!   its connection is closed (a client trickling one byte a second holds nothing).
//! - At most [`ListenerLimits::connections`] connections are open at once; one more is
//!   closed as soon as it is accepted, so idle connections cannot use up the process's
//!   file descriptors and starve Telegram's.
//! - A stop closes idle connections and lets requests in flight finish.
//!
//! What a request may do once its headers are in (its secret checked before its body is
//! read, the body's own deadline) is the route's business ([`super::webhook`]).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The limits of the listener.
#[derive(Debug, Clone, Copy)]
pub struct ListenerLimits {
    /// How long a client may take to send a request's headers.
    pub header_read: Duration,
    /// How many connections may be open at once.
    pub connections: usize,
}

impl Default for ListenerLimits {
    fn default() -> Self {
        Self { header_read: Duration::from_secs(10), connections: 1024 }
    }
}

/// How long the listener pauses after `accept` fails (out of file descriptors, say),
/// instead of spinning.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// Serves `app` on `tcp` within `limits` until `stop` resolves, then lets open requests
/// finish for up to `grace`.
pub async fn serve(
    tcp: TcpListener,
    app: Router,
    limits: ListenerLimits,
    stop: impl Future<Output = ()>,
    grace: Duration,
) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(limits.connections));
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = tcp.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    log::warn!("webhook listener: accept failed: {error}");
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            },
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            log::debug!("webhook listener: {} connections open, closing one from {peer}", limits.connections);
            drop(stream);
            continue;
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            app.clone().oneshot(request.map(Body::new))
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = watched.await {
                log::debug!("webhook listener: connection from {peer} ended: {error}");
            }
            drop(permit);
        });
    }
    drop(tcp);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        log::warn!("webhook listener: connections still open {grace:?} after the stop were dropped");
    }
}
