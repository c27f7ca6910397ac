//! `--web.config.file`: the Prometheus exporter-toolkit web configuration
//! (TLS, client certificates, basic auth, extra response headers).
//!
//! Every exporter of a Prometheus stack is secured with the same file, so
//! operators reuse theirs unchanged: the keys, defaults and checks follow
//! exporter-toolkit's `docs/web-configuration.md`. The file and the files it
//! names are checked whole at start-up (and by `check-config`), then
//! compared with what is served every few seconds: a changed certificate
//! (cert-manager rotates them in place) is served from the next handshake
//! after that, and a broken one is logged and the previous configuration
//! kept, so a bad rotation never takes the exporter down.
//!
//! Here: the file as a whole ([`WebConfig`]), the configuration in force
//! ([`Web`]) and the middleware that applies it to every request
//! ([`guard`]). Each part of the file has its own module: `tls` (the server
//! certificate, versions and client certificates), `auth` (basic auth and
//! its bcrypt costs), `headers` (the response headers), and `reload` (the
//! files compared with what is served).

mod auth;
mod headers;
mod reload;
mod tls;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::extract::{Request, State};
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer};
use tokio_rustls::TlsAcceptor;

use auth::{check_users, unknown_user_hash, Access, Verified};
use headers::HttpFile;
use reload::Sources;
use tls::{Tls, TlsFile};

/// A web config error, formatted as `file: key: reason`.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct WebConfigError {
    pub file: String,
    pub message: String,
}

/// What a web config file asks for, with every file it names read and
/// checked.
#[derive(Default)]
pub struct WebConfig {
    tls: Option<Tls>,
    /// User name to bcrypt hash.
    users: Vec<(String, String)>,
    /// Checked for a user name not in `users`.
    unknown_user_hash: String,
    headers: HeaderMap,
    /// The file itself and the files it names, in reading order.
    sources: Vec<PathBuf>,
    /// Of the bytes those sources held when read.
    fingerprint: [u8; 32],
}

impl WebConfig {
    /// Reads and checks `path` and the certificate and key files it names
    /// (relative paths are relative to the file's directory).
    pub fn load(path: &Path) -> Result<WebConfig, WebConfigError> {
        let error = |message: String| WebConfigError {
            file: path.display().to_string(),
            message,
        };
        let mut sources = Sources::default();
        let text = sources
            .read(path)
            .map_err(|e| error(format!("cannot read: {e}")))?;
        let text = String::from_utf8(text).map_err(|_| error("not UTF-8 text".into()))?;
        let file: File = serde_norway::from_str::<Option<File>>(&text)
            .map_err(|e| error(e.to_string()))?
            .unwrap_or_default();
        let dir = path.parent().unwrap_or(Path::new("."));
        let invalid = |e: Invalid| error(format!("{}: {}", e.key, e.reason));
        let tls = file
            .tls_server_config
            .map(|tls| tls.build(dir, &mut sources))
            .transpose()
            .map_err(invalid)?;
        let users = check_users(file.basic_auth_users).map_err(invalid)?;
        let unknown_user_hash = unknown_user_hash(&users);
        let headers = file.http_server_config.headers().map_err(invalid)?;
        let (sources, fingerprint) = sources.finish();
        Ok(WebConfig {
            tls,
            users,
            unknown_user_hash,
            headers,
            sources,
            fingerprint,
        })
    }

    pub fn tls(&self) -> bool {
        self.tls.is_some()
    }

    /// One line for logs and `check-config`: what is switched on.
    pub fn describe(&self) -> String {
        let tls = match &self.tls {
            None => "plain HTTP".to_string(),
            Some(tls) => format!("TLS, client_auth_type {:?}", tls.client_auth),
        };
        match self.users.len() {
            0 => format!("{tls}, no basic auth"),
            n => format!("{tls}, basic auth for {n} user(s)"),
        }
    }
}

/// A bad value: the key path and what is wrong with it.
struct Invalid {
    key: String,
    reason: String,
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> Invalid {
    Invalid {
        key: key.into(),
        reason: reason.into(),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    tls_server_config: Option<TlsFile>,
    #[serde(default, deserialize_with = "nullable")]
    http_server_config: HttpFile,
    #[serde(default, deserialize_with = "nullable")]
    basic_auth_users: BTreeMap<String, String>,
}

/// A key written with no value (`headers:`) is its default, as in Go.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The web configuration in force: read per request and per handshake,
/// replaced when its files change.
pub struct Web {
    path: Option<PathBuf>,
    current: ArcSwap<WebConfig>,
    verified: Verified,
}

impl Web {
    /// No file: plain HTTP, no authentication.
    pub fn plain() -> Web {
        Web {
            path: None,
            current: ArcSwap::from_pointee(WebConfig::default()),
            verified: Verified::default(),
        }
    }

    /// `config`, as loaded from `path`, which [`Web::watch`] then follows.
    pub fn new(path: &Path, config: WebConfig) -> Web {
        Web {
            path: Some(path.to_path_buf()),
            current: ArcSwap::from_pointee(config),
            verified: Verified::default(),
        }
    }

    /// For the next connection: `None` when the listener speaks plain HTTP.
    pub fn tls_acceptor(&self) -> Option<TlsAcceptor> {
        let current = self.current.load();
        current
            .tls
            .as_ref()
            .map(|tls| TlsAcceptor::from(tls.config.clone()))
    }
}

/// Middleware on every route: basic auth when users are configured (401
/// with `WWW-Authenticate: Basic` otherwise, 429 when too many new
/// credentials wait for their check), and the configured headers on every
/// response.
pub async fn guard(State(web): State<Arc<Web>>, request: Request, next: Next) -> Response {
    let config = web.current.load_full();
    let mut response = match web.authorized(&config, request.headers()).await {
        Access::Granted => next.run(request).await,
        Access::Denied => {
            let mut response = (StatusCode::UNAUTHORIZED, "Unauthorized\n").into_response();
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
            response
        }
        Access::Busy => (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests\n").into_response(),
    };
    for (name, value) in &config.headers {
        response.headers_mut().insert(name, value.clone());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub(super) fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vue-web-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn load_error(dir: &Path, text: &str) -> String {
        let path = write(dir, "web.yml", text);
        match WebConfig::load(&path) {
            Ok(_) => panic!("accepted: {text}"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn empty_files_mean_plain_http_without_auth() {
        let dir = temp_dir("empty");
        for text in [
            "",
            "# nothing\n",
            "basic_auth_users:\nhttp_server_config:\n",
        ] {
            let config = WebConfig::load(&write(&dir, "web.yml", text)).unwrap();
            assert!(!config.tls());
            assert_eq!(config.describe(), "plain HTTP, no basic auth");
        }
    }

    #[test]
    fn errors_name_file_key_and_reason_and_never_a_hash() {
        let dir = temp_dir("errors");
        let err = load_error(&dir, "tls_config: {}\n");
        assert!(err.contains("web.yml: unknown field `tls_config`"), "{err}");
        let err = load_error(
            &dir,
            "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: Always\n",
        );
        assert!(
            err.contains("tls_server_config.client_auth_type: unknown variant `Always`"),
            "{err}"
        );
        let err = load_error(
            &dir,
            "tls_server_config:\n  cert_file: missing.pem\n  key_file: k\n",
        );
        assert!(
            err.contains("tls_server_config.cert_file: cannot read"),
            "{err}"
        );
        assert!(err.contains("missing.pem"), "{err}");
        let err = load_error(&dir, "tls_server_config:\n  key_file: k\n");
        assert!(err.contains("cert_file (or cert) is required"), "{err}");
        let err = load_error(&dir, "tls_server_config:\n  min_version: TLS11\n");
        assert!(err.contains("unknown variant `TLS11`"), "{err}");
        let err = load_error(&dir, "basic_auth_users:\n  alice: $2y$10$short\n");
        assert!(
            err.contains("basic_auth_users.alice: is not a bcrypt hash"),
            "{err}"
        );
        assert!(!err.contains("short"), "{err}");
        let err = load_error(
            &dir,
            "http_server_config:\n  headers:\n    X-Frame-Options: always\n",
        );
        assert!(
            err.contains("http_server_config.headers.X-Frame-Options"),
            "{err}"
        );
        let err = load_error(&dir, "http_server_config:\n  headers:\n    Server: me\n");
        assert!(err.contains("cannot be set"), "{err}");
    }
}
