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
//! Basic auth costs one bcrypt per new credential: verdicts are cached under
//! a SHA-256 of user, stored hash and password (never the password itself),
//! so a scrape every 15 s does not pay ~70 ms of CPU each time. A flood of
//! wrong passwords must cost no more than that: bcrypts run one at a time,
//! few may wait for their turn (the rest are answered 429 at once), and a
//! wrong password's verdict never pushes a right one out of the cache.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig};
use serde::{Deserialize, Deserializer};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

/// How often the web config file and the files it names are compared with
/// what is being served.
const RELOAD_INTERVAL: Duration = Duration::from_secs(5);

/// Verdicts kept for presented credentials; beyond this, random wrong ones
/// go.
const VERIFIED_CAPACITY: usize = 128;

/// New credentials being verified or waiting for their turn at once; more
/// are answered 429 Too Many Requests (exporter-toolkit's answer to a rate
/// limit), not 401: the credentials were not checked, and a client with
/// good ones should retry rather than think them wrong.
const MAX_PENDING_VERIFICATIONS: usize = 8;

/// Salt and digest of exporter-toolkit's bcrypt of "fakepassword": checked
/// for an unknown user at the configured users' cost, so that a wrong user
/// name costs what a wrong password does.
const UNKNOWN_USER_SALT_AND_DIGEST: &str = "QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

/// Response headers the file may set, and their allowed values (any when
/// empty): exporter-toolkit's list.
const EXTRA_HEADERS: [(&str, &[&str]); 5] = [
    ("Strict-Transport-Security", &[]),
    ("X-Content-Type-Options", &["nosniff"]),
    ("X-Frame-Options", &["deny", "sameorigin"]),
    ("X-XSS-Protection", &[]),
    ("Content-Security-Policy", &[]),
];

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

struct Tls {
    config: Arc<ServerConfig>,
    client_auth: ClientAuth,
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

/// The files a config was read from, and a digest of what they held.
#[derive(Default)]
struct Sources {
    paths: Vec<PathBuf>,
    digest: Sha256,
}

impl Sources {
    fn read(&mut self, path: &Path) -> std::io::Result<Vec<u8>> {
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

    fn finish(self) -> (Vec<PathBuf>, [u8; 32]) {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    cert: Option<String>,
    /// Inline private key: a secret, never printed.
    key: Option<String>,
    client_ca: Option<String>,
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    client_ca_file: Option<PathBuf>,
    #[serde(default)]
    client_auth_type: ClientAuth,
    #[serde(default = "tls12")]
    min_version: TlsVersion,
    #[serde(default = "tls13")]
    max_version: TlsVersion,
    #[serde(default = "yes")]
    prefer_server_cipher_suites: bool,
}

/// exporter-toolkit's names, which are Go's `tls.ClientAuthType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
enum ClientAuth {
    #[default]
    NoClientCert,
    RequestClientCert,
    #[serde(alias = "RequireClientCert")]
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

/// rustls speaks TLS 1.2 and 1.3 only; older versions are refused by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
enum TlsVersion {
    #[serde(rename = "TLS12")]
    Tls12,
    #[serde(rename = "TLS13")]
    Tls13,
}

fn tls12() -> TlsVersion {
    TlsVersion::Tls12
}

fn tls13() -> TlsVersion {
    TlsVersion::Tls13
}

fn yes() -> bool {
    true
}

const TLS: &str = "tls_server_config";

impl TlsFile {
    fn build(mut self, dir: &Path, sources: &mut Sources) -> Result<Tls, Invalid> {
        let cert = pem(
            self.cert.take(),
            self.cert_file.take(),
            "cert",
            dir,
            sources,
        )?
        .ok_or_else(|| invalid(TLS, "cert_file (or cert) is required"))?;
        let key = pem(self.key.take(), self.key_file.take(), "key", dir, sources)?
            .ok_or_else(|| invalid(TLS, "key_file (or key) is required"))?;
        let client_ca = pem(
            self.client_ca.take(),
            self.client_ca_file.take(),
            "client_ca",
            dir,
            sources,
        )?;

        let chain = CertificateDer::pem_slice_iter(&cert.bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(&cert.key, format!("not a PEM certificate: {e}")))?;
        if chain.is_empty() {
            return Err(invalid(&cert.key, "no CERTIFICATE block in it"));
        }
        let private_key = PrivateKeyDer::from_pem_slice(&key.bytes).map_err(|_| {
            invalid(
                &key.key,
                "no PEM private key in it (PKCS#8, PKCS#1 or SEC1)",
            )
        })?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = self.client_verifier(client_ca, &provider)?;
        if self.min_version > self.max_version {
            return Err(invalid(
                format!("{TLS}.min_version"),
                "is above max_version",
            ));
        }
        let versions: Vec<_> = [
            (TlsVersion::Tls12, &rustls::version::TLS12),
            (TlsVersion::Tls13, &rustls::version::TLS13),
        ]
        .into_iter()
        .filter(|(v, _)| (self.min_version..=self.max_version).contains(v))
        .map(|(_, version)| version)
        .collect();
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&versions)
            .map_err(|e| invalid(format!("{TLS}.min_version"), e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, private_key)
            .map_err(|e| invalid(&key.key, format!("does not fit {}: {e}", cert.key)))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config.ignore_client_order = self.prefer_server_cipher_suites;
        Ok(Tls {
            config: Arc::new(config),
            client_auth: self.client_auth_type,
        })
    }

    fn client_verifier(
        &self,
        client_ca: Option<Pem>,
        provider: &Arc<CryptoProvider>,
    ) -> Result<Arc<dyn ClientCertVerifier>, Invalid> {
        let auth_key = format!("{TLS}.client_auth_type");
        let any = |mandatory| -> Arc<dyn ClientCertVerifier> {
            Arc::new(AnyClientCert {
                mandatory,
                algorithms: provider.signature_verification_algorithms,
            })
        };
        let verified = |ca: Option<Pem>, optional: bool| {
            let ca = ca.ok_or_else(|| {
                invalid(
                    &auth_key,
                    format!(
                        "{:?} needs client_ca_file (or client_ca)",
                        self.client_auth_type
                    ),
                )
            })?;
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(&ca.bytes) {
                let cert =
                    cert.map_err(|e| invalid(&ca.key, format!("not a PEM certificate: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| invalid(&ca.key, format!("not a CA certificate: {e}")))?;
            }
            if roots.is_empty() {
                return Err(invalid(&ca.key, "no CERTIFICATE block in it"));
            }
            let builder =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
            let builder = if optional {
                builder.allow_unauthenticated()
            } else {
                builder
            };
            builder.build().map_err(|e| invalid(&ca.key, e.to_string()))
        };
        match self.client_auth_type {
            ClientAuth::NoClientCert => match client_ca {
                Some(ca) => Err(invalid(
                    &ca.key,
                    "is set but client_auth_type is NoClientCert (use RequireAndVerifyClientCert)",
                )),
                None => Ok(WebPkiClientVerifier::no_client_auth()),
            },
            ClientAuth::RequestClientCert => Ok(any(false)),
            ClientAuth::RequireAnyClientCert => Ok(any(true)),
            ClientAuth::VerifyClientCertIfGiven => verified(client_ca, true),
            ClientAuth::RequireAndVerifyClientCert => verified(client_ca, false),
        }
    }
}

/// PEM text from a file or inline, and the key it came from.
struct Pem {
    key: String,
    bytes: Vec<u8>,
}

/// `name` (inline) or `name_file`: at most one of them.
fn pem(
    inline: Option<String>,
    file: Option<PathBuf>,
    name: &str,
    dir: &Path,
    sources: &mut Sources,
) -> Result<Option<Pem>, Invalid> {
    let inline = inline.filter(|s| !s.is_empty());
    let file = file.filter(|f| !f.as_os_str().is_empty());
    match (inline, file) {
        (Some(_), Some(_)) => Err(invalid(
            format!("{TLS}.{name}_file"),
            format!("set either {name} or {name}_file, not both"),
        )),
        (Some(text), None) => Ok(Some(Pem {
            key: format!("{TLS}.{name}"),
            bytes: text.into_bytes(),
        })),
        (None, Some(file)) => {
            let key = format!("{TLS}.{name}_file");
            let path = dir.join(&file);
            let bytes = sources
                .read(&path)
                .map_err(|e| invalid(&key, format!("cannot read {}: {e}", path.display())))?;
            Ok(Some(Pem { key, bytes }))
        }
        (None, None) => Ok(None),
    }
}

/// `RequestClientCert` and `RequireAnyClientCert`: a certificate is asked
/// for (or required) and its signature checked, but not its issuer. Go
/// allows these; exporter-toolkit calls them insecure, and so do we.
#[derive(Debug)]
struct AnyClientCert {
    mandatory: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

fn check_users(users: BTreeMap<String, String>) -> Result<Vec<(String, String)>, Invalid> {
    for (user, hash) in &users {
        let key = format!("basic_auth_users.{user}");
        if user.contains(':') {
            return Err(invalid(key, "a user name cannot contain `:`"));
        }
        // The hash is a secret too: the error does not quote it.
        if hash.parse::<bcrypt::HashParts>().is_err() {
            return Err(invalid(
                key,
                "is not a bcrypt hash (make one with: htpasswd -nBC 10 \"\" | tr -d ':\\n')",
            ));
        }
    }
    Ok(users.into_iter().collect())
}

/// A hash as costly as the dearest of `users`' (they should share one).
fn unknown_user_hash(users: &[(String, String)]) -> String {
    let cost = users
        .iter()
        .filter_map(|(_, hash)| hash.parse::<bcrypt::HashParts>().ok())
        .map(|parts| parts.get_cost())
        .max()
        .unwrap_or(bcrypt::DEFAULT_COST);
    format!("$2y${cost:02}${UNKNOWN_USER_SALT_AND_DIGEST}")
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HttpFile {
    /// exporter-toolkit's HTTP/2-over-TLS switch. Accepted so that shared
    /// files load; this exporter speaks HTTP/1.1 (all Prometheus needs).
    #[serde(default, rename = "http2")]
    _http2: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    headers: BTreeMap<String, String>,
}

impl HttpFile {
    fn headers(&self) -> Result<HeaderMap, Invalid> {
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

    /// Whether `headers` carry credentials the configuration accepts (any
    /// request does when it lists no users).
    async fn authorized(self: &Arc<Self>, config: &WebConfig, headers: &HeaderMap) -> Access {
        if config.users.is_empty() {
            return Access::Granted;
        }
        let Some((user, password)) = basic_credentials(headers) else {
            return Access::Denied;
        };
        // Every name is compared, in constant time: no early exit tells
        // which names exist.
        let mut hash = None;
        for (name, stored) in &config.users {
            if bool::from(name.as_bytes().ct_eq(&user)) {
                hash = Some(stored.clone());
            }
        }
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| config.unknown_user_hash.clone());
        let key: [u8; 32] = {
            let mut digest = Sha256::new();
            for part in [&user[..], hash.as_bytes(), &password[..]] {
                digest.update((part.len() as u64).to_le_bytes());
                digest.update(part);
            }
            digest.finalize().into()
        };
        if let Some(verdict) = self.verified.get(&key) {
            return Access::from(verdict);
        }
        let Ok(pending) = self.verified.pending.clone().try_acquire_owned() else {
            return Access::Busy;
        };
        let web = self.clone();
        let verify = tokio::task::spawn_blocking(move || {
            let _pending = pending;
            // One bcrypt at a time: on two cores, a burst of new
            // credentials must not starve the scrapes.
            let _one = web
                .verified
                .bcrypt
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(verdict) = web.verified.get(&key) {
                return verdict;
            }
            let verdict = bcrypt::verify(&password, &hash).unwrap_or(false) && known;
            web.verified.insert(key, verdict);
            verdict
        });
        Access::from(verify.await.unwrap_or(false))
    }
}

/// What a request's credentials are worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Granted,
    Denied,
    /// Not checked: [`MAX_PENDING_VERIFICATIONS`] are pending already.
    Busy,
}

impl From<bool> for Access {
    fn from(verdict: bool) -> Self {
        if verdict {
            Access::Granted
        } else {
            Access::Denied
        }
    }
}

/// (user, password) from `Authorization: Basic`, when well formed.
fn basic_credentials(headers: &HeaderMap) -> Option<(Vec<u8>, Vec<u8>)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some((decoded[..colon].to_vec(), decoded[colon + 1..].to_vec()))
}

/// Verdicts by credential digest, bounded; the lock that serialises
/// bcrypt, and the permits to wait for it.
struct Verified {
    verdicts: Mutex<HashMap<[u8; 32], bool>>,
    bcrypt: Mutex<()>,
    pending: Arc<Semaphore>,
}

impl Default for Verified {
    fn default() -> Self {
        Verified {
            verdicts: Mutex::default(),
            bcrypt: Mutex::default(),
            pending: Arc::new(Semaphore::new(MAX_PENDING_VERIFICATIONS)),
        }
    }
}

impl Verified {
    fn get(&self, key: &[u8; 32]) -> Option<bool> {
        let verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        verdicts.get(key).copied()
    }

    /// Makes room by evicting a random wrong verdict, or for a right one,
    /// a random right one: a flood of wrong passwords churns only itself,
    /// and never pushes out the scraper's verdict.
    fn insert(&self, key: [u8; 32], verdict: bool) {
        let mut verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        if verdicts.len() >= VERIFIED_CAPACITY && !verdicts.contains_key(&key) {
            let wrong = verdicts.values().filter(|v| !**v).count();
            let (pool, n) = match (wrong, verdict) {
                (0, false) => return, // only right ones kept: not worth one
                (0, true) => (true, verdicts.len()),
                (n, _) => (false, n),
            };
            let victim = verdicts
                .iter()
                .filter(|(_, v)| **v == pool)
                .nth(fastrand::usize(..n))
                .map(|(k, _)| *k);
            if let Some(victim) = victim {
                verdicts.remove(&victim);
            }
        }
        verdicts.insert(key, verdict);
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

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn temp_dir(name: &str) -> PathBuf {
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

    /// Users alice and bob with password "secret" hashed at `cost`.
    fn users(name: &str, cost: u32) -> (Arc<Web>, Arc<WebConfig>) {
        let hash = bcrypt::hash("secret", cost).unwrap();
        let path = write(
            &temp_dir(name),
            "web.yml",
            &format!("basic_auth_users:\n  alice: {hash}\n  bob: {hash}\n"),
        );
        let web = Arc::new(Web::new(&path, WebConfig::load(&path).unwrap()));
        let current = web.current.load_full();
        (web, current)
    }

    fn basic(credentials: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        );
        headers.insert(AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[tokio::test]
    async fn basic_auth_checks_user_and_password_and_caches_verdicts() {
        let (web, current) = users("auth", 4);
        let access = |credentials: &'static str| {
            let (web, current) = (web.clone(), current.clone());
            async move { web.authorized(&current, &basic(credentials)).await }
        };
        assert_eq!(access("alice:secret").await, Access::Granted);
        assert_eq!(access("bob:secret").await, Access::Granted);
        assert_eq!(access("alice:wrong").await, Access::Denied);
        assert_eq!(access("carol:secret").await, Access::Denied);
        assert_eq!(
            web.authorized(&current, &HeaderMap::new()).await,
            Access::Denied
        );
        // Four verdicts, none holding a password.
        assert_eq!(web.verified.verdicts.lock().unwrap().len(), 4);
        // A cached verdict is the same verdict.
        assert_eq!(access("alice:secret").await, Access::Granted);
        assert_eq!(access("alice:wrong").await, Access::Denied);
    }

    /// A flood of new credentials while bcrypt is busy: a few wait, the
    /// rest are refused at once, and a cached right one is still let in.
    #[tokio::test(flavor = "multi_thread")]
    async fn verifications_beyond_the_bound_are_refused_at_once() {
        let (web, current) = users("auth-flood", 4);
        assert_eq!(
            web.authorized(&current, &basic("alice:secret")).await,
            Access::Granted
        );
        let within = Duration::from_secs(30);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let holder = tokio::task::spawn_blocking({
            let web = web.clone();
            move || {
                let _busy = web.verified.bcrypt.lock().unwrap();
                released.recv().unwrap();
            }
        });
        let waiting: Vec<_> = (0..MAX_PENDING_VERIFICATIONS)
            .map(|i| {
                let (web, current) = (web.clone(), current.clone());
                tokio::spawn(async move {
                    let credentials = basic(&format!("alice:guess{i}"));
                    web.authorized(&current, &credentials).await
                })
            })
            .collect();
        let deadline = std::time::Instant::now() + within;
        while web.verified.pending.available_permits() > 0 {
            assert!(std::time::Instant::now() < deadline, "never all pending");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let refused = tokio::time::timeout(
            within,
            web.authorized(&current, &basic("alice:one-too-many")),
        )
        .await;
        assert_eq!(refused.ok(), Some(Access::Busy));
        assert_eq!(
            web.authorized(&current, &basic("alice:secret")).await,
            Access::Granted
        );
        release.send(()).unwrap();
        holder.await.unwrap();
        for verdict in waiting {
            assert_eq!(verdict.await.unwrap(), Access::Denied);
        }
        assert_eq!(
            web.authorized(&current, &basic("bob:secret")).await,
            Access::Granted
        );
    }

    #[test]
    fn unknown_users_cost_what_configured_users_cost() {
        let (_, current) = users("auth-cost", 5);
        let parts: bcrypt::HashParts = current.unknown_user_hash.parse().unwrap();
        assert_eq!(parts.get_cost(), 5);
        assert_eq!(
            bcrypt::verify("secret", &current.unknown_user_hash).ok(),
            Some(false)
        );
    }

    #[test]
    fn the_verdict_cache_is_bounded() {
        let verified = Verified::default();
        for i in 0..1000u32 {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            verified.insert(key, false);
        }
        assert_eq!(verified.verdicts.lock().unwrap().len(), VERIFIED_CAPACITY);
    }

    #[test]
    fn a_flood_of_wrong_passwords_never_evicts_a_right_one() {
        let verified = Verified::default();
        let right = [0xff; 32];
        verified.insert(right, true);
        for i in 0..1000u32 {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            verified.insert(key, false);
        }
        assert_eq!(verified.get(&right), Some(true));
    }

    #[test]
    fn credentials_are_parsed_from_basic_only() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, "basic dTpwOnE=".parse().unwrap());
        assert_eq!(
            basic_credentials(&headers),
            Some((b"u".to_vec(), b"p:q".to_vec()))
        );
        headers.insert(AUTHORIZATION, "Bearer dTpw".parse().unwrap());
        assert_eq!(basic_credentials(&headers), None);
    }
}
