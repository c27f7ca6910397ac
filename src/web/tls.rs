//! `tls_server_config`: the certificate and key, the protocol versions and
//! the client-certificate check, built into one rustls `ServerConfig` per
//! load.
//!
//! Relative file names are relative to the web config file's directory, not
//! the working directory; and every file read goes into the [`Sources`], so
//! that the reload notices when it changes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig};
use serde::Deserialize;

use super::reload::Sources;
use super::{invalid, Invalid};

pub(super) struct Tls {
    pub(super) config: Arc<ServerConfig>,
    pub(super) client_auth: ClientAuth,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TlsFile {
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
pub(super) enum ClientAuth {
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
    pub(super) fn build(mut self, dir: &Path, sources: &mut Sources) -> Result<Tls, Invalid> {
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
