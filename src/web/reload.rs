//! Following the web config's files: what every file held when the config
//! was loaded, as one digest, compared with what they hold now every few
//! seconds; a change that loads is swapped in whole, for the next request
//! and the next handshake.
//!
//! Contents are compared, not modification times, and a file that has gone
//! is a change too. A change that does not load, or that would switch TLS on
//! or off (the listener was built for one of them: that needs a restart),
//! keeps the previous configuration.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use super::{Web, WebConfig};

/// How often the web config file and the files it names are compared with
/// what is being served.
const RELOAD_INTERVAL: Duration = Duration::from_secs(5);

/// The files a config was read from, and a digest of what they held.
#[derive(Default)]
pub(super) struct Sources {
    paths: Vec<PathBuf>,
    digest: Sha256,
}

impl Sources {
    pub(super) fn read(&mut self, path: &Path) -> std::io::Result<Vec<u8>> {
        let bytes = std::fs::read(path);
        self.add(path, bytes.as_deref().ok());
        self.paths.push(path.to_path_buf());
        bytes
    }

    fn add(&mut self, path: &Path, bytes: Option<&[u8]>) {
        let path = path.as_os_str().as_encoded_bytes();
        self.digest.update((path.len() as u64).to_le_bytes());
        self.digest.update(path);
        match bytes {
            Some(bytes) => {
                self.digest.update((bytes.len() as u64).to_le_bytes());
                self.digest.update(bytes);
            }
            None => self.digest.update(u64::MAX.to_le_bytes()),
        }
    }

    pub(super) fn finish(self) -> (Vec<PathBuf>, [u8; 32]) {
        (self.paths, self.digest.finalize().into())
    }

    /// The digest `paths` would have now.
    fn fingerprint(paths: &[PathBuf]) -> [u8; 32] {
        let mut sources = Sources::default();
        for path in paths {
            sources.add(path, std::fs::read(path).ok().as_deref());
        }
        sources.digest.finalize().into()
    }
}

impl Web {
    /// Re-reads the file and the files it names when their contents change,
    /// forever. A change that does not load is logged once and the previous
    /// configuration kept.
    pub async fn watch(self: Arc<Self>) {
        let Some(path) = self.path.clone() else {
            return;
        };
        let mut failed: Option<[u8; 32]> = None;
        let mut tick = tokio::time::interval(RELOAD_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let web = self.clone();
            let path = path.clone();
            let check = tokio::task::spawn_blocking(move || {
                let current = web.current.load_full();
                let now = Sources::fingerprint(&current.sources);
                if now == current.fingerprint {
                    return None; // as served (again, after a bad edit was undone)
                }
                if Some(now) == failed {
                    return failed; // the same bad files: reported already
                }
                match WebConfig::load(&path) {
                    Ok(new) if new.tls() != current.tls() => {
                        tracing::error!(file = %path.display(),
                            "web config reload: switching TLS on or off needs a restart; keeping the previous configuration");
                        Some(now)
                    }
                    Ok(new) => {
                        tracing::info!(file = %path.display(), config = new.describe(),
                            "web config reloaded");
                        web.current.store(Arc::new(new));
                        None
                    }
                    Err(err) => {
                        tracing::error!(error = %err,
                            "web config reload failed; keeping the previous configuration");
                        Some(now)
                    }
                }
            });
            match check.await {
                Ok(outcome) => failed = outcome,
                Err(err) => tracing::error!(error = %err, "web config reload panicked"),
            }
        }
    }
}
