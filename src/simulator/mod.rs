//! Built-in fake provider APIs on loopback, for `--demo` and the tests.
//!
//! The fakes follow the providers' documents, not our client: they verify
//! signatures, paginate and format numbers the way the real APIs are
//! documented to, so a client bug shows up as a failure here too.

pub mod scaleengine;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::Config;
use scaleengine::ScaleEngineSim;

/// The running fakes.
pub struct Simulator {
    pub addr: SocketAddr,
    pub scaleengine: Arc<ScaleEngineSim>,
}

impl Simulator {
    /// Serves the fakes on 127.0.0.1 at a free port, until the runtime ends.
    pub async fn start(scaleengine: scaleengine::Account) -> std::io::Result<Simulator> {
        let scaleengine = ScaleEngineSim::new(scaleengine);
        let app = Router::new().merge(scaleengine.router());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::error!(error = %err, "simulator stopped");
            }
        });
        Ok(Simulator { addr, scaleengine })
    }

    /// The `api_url` of the fake ScaleEngine API.
    pub fn scaleengine_url(&self) -> String {
        format!("http://{}/scaleengine/", self.addr)
    }
}

/// Starts the demo fakes and returns a config that points at them.
pub async fn demo() -> std::io::Result<(Simulator, Config)> {
    let account = scaleengine::demo_account();
    let (key, secret, cdn) = (
        account.api_key.clone(),
        account.api_secret.clone(),
        account.cdn_id,
    );
    let sim = Simulator::start(account).await?;
    let yaml = format!(
        "refresh_interval: 15s\n\
         scaleengine:\n\
         \x20 - account: demo\n\
         \x20   api_url: {url}\n\
         \x20   api_key: {key}\n\
         \x20   api_secret: {secret}\n\
         \x20   cdn_id: {cdn}\n",
        url = sim.scaleengine_url(),
    );
    let config =
        Config::parse(&yaml, "<demo>").map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok((sim, config))
}
