//! The real binary behind `--web.config.file` and the server limits: TLS,
//! basic auth, client certificates and certificate rotation as
//! exporter-toolkit does them, refused configs, slow and oversized clients.
//!
//! Certificates are made at test time (rcgen); everything talks to
//! 127.0.0.1 only; waits are polls with a deadline.

mod common;

use common::process::{free_port, temp_dir, Running, BIN};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SerialNumber,
};

/// Writes `path` whole at once (a rename), as cert-manager's symlink swap
/// appears to a reader.
fn replace(path: &Path, contents: &str) {
    let temp = path.with_extension("new");
    std::fs::write(&temp, contents).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

/// A test CA and the certificates it issues.
struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its key, in PEM, and the certificate in DER.
struct Issued {
    cert: String,
    key: String,
    der: Vec<u8>,
}

impl Issued {
    /// Key and certificate in one PEM, as `reqwest::Identity` takes them.
    fn identity(&self) -> reqwest::Identity {
        reqwest::Identity::from_pem(format!("{}{}", self.key, self.cert).as_bytes()).unwrap()
    }
}

impl Pki {
    fn new(name: &str) -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        Pki {
            ca: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    fn issue(&self, name: &str, serial: u64, purpose: ExtendedKeyUsagePurpose) -> Issued {
        self.issue_with(name, serial, purpose, IsCa::NoCa)
    }

    fn issue_with(
        &self,
        name: &str,
        serial: u64,
        purpose: ExtendedKeyUsagePurpose,
        is_ca: IsCa,
    ) -> Issued {
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.serial_number = Some(SerialNumber::from(serial));
        params.extended_key_usages = vec![purpose];
        params.is_ca = is_ca;
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        Issued {
            cert: cert.pem(),
            key: key.serialize_pem(),
            der: cert.der().to_vec(),
        }
    }

    fn server(&self, serial: u64) -> Issued {
        self.issue("exporter", serial, ExtendedKeyUsagePurpose::ServerAuth)
    }

    fn client(&self) -> Issued {
        self.issue("prometheus", 100, ExtendedKeyUsagePurpose::ClientAuth)
    }
}

/// The exporter in `--demo` mode with `args`, its log in `dir/stderr.log`.
struct Exporter {
    process: Running,
    port: u16,
    log: PathBuf,
}

impl Exporter {
    fn start(dir: &Path, args: &[&str]) -> Exporter {
        let port = free_port();
        let log = dir.join("stderr.log");
        let child = Command::new(BIN)
            .args(["--demo", &format!("--web.listen-address=127.0.0.1:{port}")])
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Exporter {
            process: Running(child),
            port,
            log,
        }
    }

    fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls `check` until it holds, failing with the log after `within`.
    async fn wait_for<F, Fut>(&self, what: &str, within: Duration, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + within;
        while !check().await {
            assert!(
                Instant::now() < deadline,
                "{what}: not within {within:?}; log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A client trusting only `ca`, presenting `identity` if given; one
/// connection per request, so that every request is a new handshake.
fn tls_client(ca: &str, identity: Option<reqwest::Identity>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        .tls_info(true)
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10));
    if let Some(identity) = identity {
        builder = builder.identity(identity);
    }
    builder.build().unwrap()
}

fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Waits until the exporter stops and returns its exit code.
fn exit_code(process: &mut Running, within: Duration) -> Option<i32> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = process.0.try_wait().unwrap() {
            return status.code();
        }
        assert!(Instant::now() < deadline, "still running after {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn tls_and_basic_auth_behave_like_exporter_toolkit() {
    let dir = temp_dir("auth");
    let pki = Pki::new("test CA");
    let server = pki.server(1);
    std::fs::write(dir.join("server.pem"), &server.cert).unwrap();
    std::fs::write(dir.join("server.key"), &server.key).unwrap();
    let hash = bcrypt::hash("s3cret", 4).unwrap();
    // Relative file names: relative to the web config's directory.
    std::fs::write(
        dir.join("web.yml"),
        format!(
            "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS12\n\
             http_server_config:\n  headers:\n    X-Frame-Options: deny\n\
             basic_auth_users:\n  alice: {hash}\n"
        ),
    )
    .unwrap();
    let web_config = format!("--web.config.file={}", dir.join("web.yml").display());
    let mut exporter = Exporter::start(&dir, &[&web_config]);
    let client = tls_client(&pki.ca_pem(), None);
    let get = |path: &str, credentials: Option<(&str, &str)>| {
        let mut request = client.get(exporter.url("https", path));
        if let Some((user, password)) = credentials {
            request = request.basic_auth(user, Some(password));
        }
        request.send()
    };
    exporter
        .wait_for("TLS exporter up", Duration::from_secs(60), || async {
            get("/-/healthy", Some(("alice", "s3cret")))
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await;

    for credentials in [None, Some(("alice", "wrong")), Some(("mallory", "s3cret"))] {
        for path in ["/metrics", "/-/healthy", "/-/ready", "/", "/nowhere"] {
            let response = get(path, credentials).await.unwrap();
            assert_eq!(response.status(), 401, "{path} with {credentials:?}");
            assert_eq!(response.headers()["www-authenticate"], "Basic");
            assert_eq!(response.headers()["x-frame-options"], "deny");
        }
    }
    let response = get("/metrics", Some(("alice", "s3cret"))).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-frame-options"], "deny");
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("scaleengine_app_bytes{"));
    assert_eq!(
        get("/nowhere", Some(("alice", "s3cret")))
            .await
            .unwrap()
            .status(),
        404
    );

    // No plain HTTP on the TLS port.
    let plain = plain_client()
        .get(exporter.url("http", "/-/healthy"))
        .basic_auth("alice", Some("s3cret"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP answered: {plain:?}");

    // SIGTERM still stops it cleanly.
    let pid = exporter.process.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(
        exit_code(&mut exporter.process, Duration::from_secs(20)),
        Some(0)
    );
}

/// The exporter with `args`, requiring client certificates from `pki`'s
/// CA; returns once a client with such a certificate is served.
async fn start_mtls(name: &str, pki: &Pki, args: &[&str]) -> Exporter {
    let dir = temp_dir(name);
    let server = pki.server(1);
    std::fs::write(dir.join("server.pem"), &server.cert).unwrap();
    std::fs::write(dir.join("server.key"), &server.key).unwrap();
    std::fs::write(dir.join("ca.pem"), pki.ca_pem()).unwrap();
    std::fs::write(
        dir.join("web.yml"),
        format!(
            "tls_server_config:\n  cert_file: {d}/server.pem\n  key_file: {d}/server.key\n  \
             client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {d}/ca.pem\n",
            d = dir.display()
        ),
    )
    .unwrap();
    let web_config = format!("--web.config.file={}", dir.join("web.yml").display());
    let exporter = Exporter::start(&dir, &[&[web_config.as_str()], args].concat());
    let url = exporter.url("https", "/-/healthy");
    let trusted = tls_client(&pki.ca_pem(), Some(pki.client().identity()));
    exporter
        .wait_for("mTLS exporter up", Duration::from_secs(60), || async {
            trusted
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await;
    exporter
}

#[tokio::test]
async fn mtls_accepts_only_clients_with_a_certificate_from_the_client_ca() {
    let pki = Pki::new("test CA");
    let stranger = Pki::new("another CA");
    let exporter = start_mtls("mtls", &pki, &[]).await;
    let url = exporter.url("https", "/-/healthy");
    let trusted = tls_client(&pki.ca_pem(), Some(pki.client().identity()));

    let anonymous = tls_client(&pki.ca_pem(), None).get(&url).send().await;
    assert!(anonymous.is_err(), "served without a client certificate");
    let foreign = tls_client(&pki.ca_pem(), Some(stranger.client().identity()))
        .get(&url)
        .send()
        .await;
    assert!(foreign.is_err(), "served a certificate of another CA");
    let metrics = trusted
        .get(exporter.url("https", "/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
}

/// rustls refuses a client certificate that is itself a CA (Go accepts
/// one): the refusal is logged at debug, with the reason.
#[tokio::test]
async fn a_refused_client_certificate_is_logged_with_the_reason() {
    let pki = Pki::new("test CA");
    let exporter = start_mtls("mtls-refused", &pki, &["--log.level=debug"]).await;
    let ca_as_client = pki.issue_with(
        "prometheus",
        101,
        ExtendedKeyUsagePurpose::ClientAuth,
        IsCa::Ca(BasicConstraints::Unconstrained),
    );
    let refused = tls_client(&pki.ca_pem(), Some(ca_as_client.identity()))
        .get(exporter.url("https", "/-/healthy"))
        .send()
        .await;
    assert!(refused.is_err(), "served a CA certificate as a client's");
    exporter
        .wait_for("the refusal logged", Duration::from_secs(30), || async {
            exporter.log().lines().any(|line| {
                line.contains("TLS handshake failed")
                    && line.contains("CaUsedAsEndEntity")
                    && line.contains("CA:FALSE")
                    && line.contains("peer=127.0.0.1:")
            })
        })
        .await;
}

#[tokio::test]
async fn a_rotated_certificate_is_served_and_a_broken_one_keeps_the_old() {
    let dir = temp_dir("rotate");
    let pki = Pki::new("test CA");
    let first = pki.server(1);
    let second = pki.server(2);
    let cert = dir.join("tls.crt");
    let key = dir.join("tls.key");
    replace(&cert, &first.cert);
    replace(&key, &first.key);
    std::fs::write(
        dir.join("web.yml"),
        "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n",
    )
    .unwrap();
    let web_config = format!("--web.config.file={}", dir.join("web.yml").display());
    let exporter = Exporter::start(&dir, &[&web_config]);
    let ca = pki.ca_pem();
    // The certificate a new connection is served.
    let served = || async {
        let response = tls_client(&ca, None)
            .get(exporter.url("https", "/-/healthy"))
            .send()
            .await
            .ok()?;
        let info = response.extensions().get::<reqwest::tls::TlsInfo>()?;
        info.peer_certificate().map(<[u8]>::to_vec)
    };
    exporter
        .wait_for("TLS exporter up", Duration::from_secs(60), || async {
            served().await.is_some()
        })
        .await;
    assert_eq!(served().await.unwrap(), first.der);

    // A broken certificate is logged and the old one kept.
    replace(
        &cert,
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    );
    exporter
        .wait_for("reload error logged", Duration::from_secs(30), || async {
            exporter.log().contains("web config reload failed")
        })
        .await;
    assert!(exporter.log().contains("tls_server_config.cert_file"));
    assert_eq!(served().await.unwrap(), first.der);

    // A good new pair is picked up without a restart.
    replace(&key, &second.key);
    replace(&cert, &second.cert);
    exporter
        .wait_for(
            "rotated certificate served",
            Duration::from_secs(30),
            || async { served().await.is_some_and(|der| der == second.der) },
        )
        .await;
    assert!(exporter.log().contains("web config reloaded"));
}

/// A valid config file for `check-config`, so that only the web config is
/// on trial.
fn good_config(dir: &Path) -> String {
    let path = dir.join("config.yml");
    std::fs::write(
        &path,
        "scaleengine:\n  - account: main\n    api_key: k\n    api_secret: s\n    cdn_id: 158\n",
    )
    .unwrap();
    format!("--config.file={}", path.display())
}

#[test]
fn bad_web_configs_are_refused_by_check_config_and_at_start_up() {
    let dir = temp_dir("bad");
    let pki = Pki::new("test CA");
    let server = pki.server(1);
    let other = pki.server(2);
    std::fs::write(dir.join("server.pem"), &server.cert).unwrap();
    std::fs::write(dir.join("server.key"), &server.key).unwrap();
    std::fs::write(dir.join("other.key"), &other.key).unwrap();
    let config = good_config(&dir);
    let tls = "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n";

    let good = dir.join("good.yml");
    std::fs::write(
        &good,
        format!("{tls}  client_auth_type: RequireAnyClientCert\n"),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args([
            "check-config",
            &config,
            &format!("--web.config.file={}", good.display()),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("good.yml: valid (TLS, client_auth_type RequireAnyClientCert"),
        "{stdout}"
    );

    let cases = [
        ("tls_config:\n  cert_file: x\n", "unknown field `tls_config`"),
        (
            "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: Sometimes\n",
            "tls_server_config.client_auth_type: unknown variant `Sometimes`",
        ),
        (
            "tls_server_config:\n  cert_file: missing.pem\n  key_file: server.key\n",
            "tls_server_config.cert_file: cannot read",
        ),
        (
            "tls_server_config:\n  cert_file: server.pem\n  key_file: other.key\n",
            "tls_server_config.key_file: does not fit tls_server_config.cert_file",
        ),
        (
            &format!("{tls}  client_auth_type: RequireAndVerifyClientCert\n"),
            "RequireAndVerifyClientCert needs client_ca_file",
        ),
        (
            "basic_auth_users:\n  alice: plaintext-password\n",
            "basic_auth_users.alice: is not a bcrypt hash",
        ),
    ];
    for (i, (text, reason)) in cases.iter().enumerate() {
        let file = dir.join(format!("bad{i}.yml"));
        std::fs::write(&file, text).unwrap();
        let flag = format!("--web.config.file={}", file.display());
        let name = format!("bad{i}.yml: ");

        let out = Command::new(BIN)
            .args(["check-config", &config, &flag])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&name) && err.contains(reason), "{text}: {err}");
        assert!(!err.contains("plaintext-password"), "{err}");

        let mut exporter = Exporter::start(&dir, &[&flag]);
        assert_eq!(
            exit_code(&mut exporter.process, Duration::from_secs(30)),
            Some(1),
            "{text}"
        );
        let log = exporter.log();
        assert!(log.contains(&name) && log.contains(reason), "{text}: {log}");
        assert!(!log.contains("panicked"), "{log}");
    }
}

#[test]
fn telemetry_paths_the_server_uses_itself_are_refused_without_a_panic() {
    let dir = temp_dir("telemetry-path");
    for path in ["/-/healthy", "/-/ready", "/", "metrics", "/{x}"] {
        let mut exporter = Exporter::start(&dir, &[&format!("--web.telemetry-path={path}")]);
        assert_eq!(
            exit_code(&mut exporter.process, Duration::from_secs(30)),
            Some(1),
            "{path}"
        );
        let log = exporter.log();
        assert!(
            log.contains(&format!("--web.telemetry-path `{path}`")),
            "{path}: {log}"
        );
        assert!(!log.contains("panicked"), "{path}: {log}");
    }
}

#[tokio::test]
async fn accept_and_accept_encoding_with_q0_are_honoured() {
    let dir = temp_dir("accept");
    let exporter = Exporter::start(&dir, &["--web.telemetry-path=/exporter/metrics"]);
    let client = plain_client();
    let get = |accept: &str, encoding: &str| {
        client
            .get(exporter.url("http", "/exporter/metrics"))
            .header("Accept", accept)
            .header("Accept-Encoding", encoding)
            .send()
    };
    exporter
        .wait_for("exporter up", Duration::from_secs(60), || async {
            get("text/plain", "identity")
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await;

    let refused = get("application/openmetrics-text;q=0, text/plain", "identity")
        .await
        .unwrap();
    assert!(refused.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    assert!(!refused.text().await.unwrap().contains("# EOF"));
    let wanted = get(
        "application/openmetrics-text;q=0.5, text/plain;q=0.1",
        "identity",
    )
    .await
    .unwrap();
    assert!(wanted.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    assert!(wanted.text().await.unwrap().ends_with("# EOF\n"));

    let no_gzip = get("text/plain", "gzip;q=0, *").await.unwrap();
    assert!(no_gzip.headers().get("content-encoding").is_none());
    assert!(no_gzip
        .text()
        .await
        .unwrap()
        .contains("scaleengine_app_bytes{"));
    let gzip = get("text/plain", "deflate;q=0, *").await.unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
}

/// Reads what the server sends on `stream` until it closes the connection,
/// while `tick` is called between reads of at most 100 ms; gives up (fails)
/// after `within`.
fn read_until_closed(
    stream: &mut TcpStream,
    within: Duration,
    mut tick: impl FnMut(&mut TcpStream),
) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + within;
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        assert!(
            Instant::now() < deadline,
            "connection still open after {within:?}"
        );
        match stream.read(&mut buf) {
            Ok(0) => return received,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                tick(stream)
            }
            Err(_) => return received, // reset: closed too
        }
    }
}

#[tokio::test]
async fn slow_and_oversized_headers_are_cut_off() {
    let dir = temp_dir("slow");
    let exporter = Exporter::start(&dir, &["--web.read-header-timeout=1s"]);
    let healthy = || async {
        plain_client()
            .get(exporter.url("http", "/-/healthy"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    };
    exporter
        .wait_for("exporter up", Duration::from_secs(60), healthy)
        .await;
    let addr = format!("127.0.0.1:{}", exporter.port);

    // Slowloris: a header line every 100 ms, never the end of the headers.
    let slow = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || {
            let mut stream = TcpStream::connect(&addr).unwrap();
            stream
                .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            let started = Instant::now();
            read_until_closed(&mut stream, Duration::from_secs(30), |s| {
                let _ = s.write_all(b"X-Slow: still-coming\r\n");
            });
            started.elapsed()
        }
    });
    let elapsed = slow.await.unwrap();
    assert!(
        elapsed >= Duration::from_secs(1),
        "closed after {elapsed:?}"
    );

    // An idle connection is closed by the same deadline.
    let idle = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || {
            let mut stream = TcpStream::connect(&addr).unwrap();
            read_until_closed(&mut stream, Duration::from_secs(30), |_| {})
        }
    });
    assert!(idle.await.unwrap().is_empty());

    // Headers over the limit: 431, or at least no answer but a closed line.
    let big = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&addr).unwrap();
        let request = format!(
            "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(64 * 1024)
        );
        let _ = stream.write_all(request.as_bytes());
        read_until_closed(&mut stream, Duration::from_secs(30), |_| {})
    });
    let answer = String::from_utf8_lossy(&big.await.unwrap()).to_string();
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer}"
    );

    // The server is none the worse.
    assert!(healthy().await);
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let dir = temp_dir("max-connections");
    let exporter = Exporter::start(
        &dir,
        &["--web.max-connections=1", "--web.read-header-timeout=60s"],
    );
    let url = exporter.url("http", "/-/healthy");
    let healthy = |timeout: Duration| {
        let request = plain_client().get(&url).timeout(timeout).send();
        async move { request.await.is_ok_and(|r| r.status() == 200) }
    };
    exporter
        .wait_for("exporter up", Duration::from_secs(60), || {
            healthy(Duration::from_secs(10))
        })
        .await;

    // One idle connection holds the only slot: nobody else is served.
    let hog = TcpStream::connect(format!("127.0.0.1:{}", exporter.port)).unwrap();
    assert!(
        !healthy(Duration::from_secs(1)).await,
        "served beyond --web.max-connections"
    );
    drop(hog);
    exporter
        .wait_for(
            "served once the slot is free",
            Duration::from_secs(30),
            || healthy(Duration::from_secs(10)),
        )
        .await;
}

/// `/-/reload` is Prometheus's lifecycle API: refused unless
/// `--web.enable-lifecycle`, and then still refused to a browser's
/// cross-site request; a failed reload's answer names no file or secret.
#[tokio::test]
async fn reload_over_http_needs_the_lifecycle_flag_and_a_same_origin_request() {
    let reload = |exporter: &Exporter, headers: &[(&str, &str)]| {
        let mut request = plain_client()
            .post(exporter.url("http", "/-/reload"))
            .header("Content-Type", "text/plain")
            .body("x");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let up = |exporter: &Exporter| {
        let url = exporter.url("http", "/-/healthy");
        async move {
            plain_client()
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    };

    let closed = Exporter::start(&temp_dir("lifecycle-off"), &[]);
    closed
        .wait_for("exporter up", Duration::from_secs(60), || up(&closed))
        .await;
    for headers in [&[][..], &[("Origin", "http://evil.example")]] {
        assert_eq!(
            reload(&closed, headers).await,
            (403, "Lifecycle API is not enabled.\n".to_string())
        );
    }
    let put = plain_client()
        .put(closed.url("http", "/-/reload"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 403);

    let open = Exporter::start(&temp_dir("lifecycle-on"), &["--web.enable-lifecycle"]);
    open.wait_for("exporter up", Duration::from_secs(60), || up(&open))
        .await;
    let same_origin = format!("http://127.0.0.1:{}", open.port);
    for cross_site in [
        &[("Sec-Fetch-Site", "cross-site")][..],
        &[("Sec-Fetch-Site", "same-site")],
        &[("Origin", "http://evil.example")],
        &[("Origin", "null")],
        &[("Sec-Fetch-Site", "cross-site"), ("Origin", &same_origin)],
    ] {
        let (status, body) = reload(&open, cross_site).await;
        assert_eq!(status, 403, "{cross_site:?}: {body}");
    }
    // curl, configmap-reload, a same-origin page: they reach the reload,
    // which fails in --demo (no file): a generic answer, the reason logged.
    for allowed in [
        &[][..],
        &[("Origin", same_origin.as_str())],
        &[("Sec-Fetch-Site", "same-origin")],
        &[("Sec-Fetch-Site", "none")],
    ] {
        assert_eq!(
            reload(&open, allowed).await,
            (
                500,
                "reload failed; the running configuration stays (see the exporter's log)\n"
                    .to_string()
            ),
            "{allowed:?}"
        );
    }
    assert!(open.log().contains("nothing to reload"), "{}", open.log());
}
