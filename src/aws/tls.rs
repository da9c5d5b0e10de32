//! Which certificates the action's HTTPS connections trust: the same as node gives the original
//! action. Mozilla's root certificates are compiled in; the PEM files named by
//! `NODE_EXTRA_CA_CERTS` (what GHES and proxied self-hosted runners set for node actions) and
//! `AWS_CA_BUNDLE` (what the AWS CLI and SDKs honour) add to them; the operating system's store
//! is read only with `NODE_USE_SYSTEM_CA=1` (or node's `--use-system-ca` in `NODE_OPTIONS`). By
//! default nothing is read from the system: that is slow, and minimal container images have no
//! store at all. The PEM files are read as the action's other files are: a regular file, of at
//! most 16 MiB.

use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::Error;
use crate::files::{self, Limit};

/// The variables naming PEM files whose certificates are trusted besides Mozilla's roots.
const EXTRA_CA_VARIABLES: [&str; 2] = ["NODE_EXTRA_CA_CERTS", "AWS_CA_BUNDLE"];
/// Set to `1`, the operating system's certificate store is trusted too.
const SYSTEM_CA_VARIABLE: &str = "NODE_USE_SYSTEM_CA";
/// Node's flag for the same, which `NODE_OPTIONS` may hold.
const SYSTEM_CA_FLAG: &str = "--use-system-ca";

/// What to trust besides Mozilla's roots (compiled in as trust anchors, `webpki-roots`: less
/// than half the size of the full certificates, and nothing to parse at each start).
#[derive(Debug)]
pub struct Trust {
    /// The certificates of the extra PEM files.
    extra: Vec<CertificateDer<'static>>,
    /// Whether the operating system's store is trusted too.
    system: bool,
}

impl Trust {
    /// Reads the variables of the process environment.
    pub fn from_env() -> Result<Trust, Error> {
        Trust::from_lookup(|name| std::env::var_os(name))
    }

    fn from_lookup(env: impl Fn(&str) -> Option<OsString>) -> Result<Trust, Error> {
        let mut extra = Vec::new();
        for variable in EXTRA_CA_VARIABLES {
            if let Some(path) = env(variable).filter(|p| !p.is_empty()) {
                extra.extend(read_pem_file(variable, Path::new(&path))?);
            }
        }
        let system = env(SYSTEM_CA_VARIABLE).is_some_and(|v| v == "1")
            || env("NODE_OPTIONS").is_some_and(|v| {
                v.to_string_lossy()
                    .split_whitespace()
                    .any(|o| o == SYSTEM_CA_FLAG)
            });
        Ok(Trust { extra, system })
    }

    /// The client's TLS settings (ring's cryptography, TLS 1.2 and 1.3, HTTP/1.1): a server is
    /// trusted when Mozilla's roots or the extra certificates vouch for it, or, when asked for,
    /// the operating system's verifier with its store.
    pub fn client_config(self) -> Result<ClientConfig, Error> {
        let tls_error = |e: rustls::Error| Error::Tls(e.to_string());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        // Each was checked to be usable when its file was read.
        roots.add_parsable_certificates(self.extra.iter().cloned());
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| Error::Tls(e.to_string()))?;
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?;
        let builder = if self.system {
            let system =
                rustls_platform_verifier::Verifier::new_with_extra_roots(self.extra, provider)
                    .map_err(tls_error)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(EitherVerifier { webpki, system }))
        } else {
            builder.with_webpki_verifier(webpki)
        };
        let mut config = builder.with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// Trusts a server that Mozilla's roots (and the extra certificates) vouch for, else one that
/// the operating system's verifier accepts; the error is the first verifier's.
#[derive(Debug)]
struct EitherVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    system: rustls_platform_verifier::Verifier,
}

impl ServerCertVerifier for EitherVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verify = |v: &dyn ServerCertVerifier| {
            v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        };
        verify(self.webpki.as_ref()).or_else(|e| verify(&self.system).map_err(|_| e))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// The certificates of the PEM file `path` that `variable` names; an error when the file cannot
/// be read, holds no certificate, or holds one that cannot be a trust anchor.
fn read_pem_file(variable: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let at_fault = |problem: String| {
        Error::Tls(format!(
            "{variable} names {}, which {problem}",
            path.display()
        ))
    };
    // A regular file of a bundle's size (links allowed: system bundles are often links); a FIFO
    // or a device would block or never end.
    let pem = match files::read_regular(path, true, Limit::CaBundle) {
        Ok(Some(pem)) => pem,
        Ok(None) => return Err(at_fault("cannot be read: it does not exist".into())),
        Err(e) => return Err(at_fault(format!("cannot be read: {e}"))),
    };
    let ders = pem_certificates(&pem).map_err(|e| at_fault(format!("is not valid PEM: {e}")))?;
    if ders.is_empty() {
        return Err(at_fault(
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    let mut check = RootCertStore::empty();
    for (i, der) in ders.iter().enumerate() {
        check.add(der.clone()).map_err(|e| {
            at_fault(format!(
                "holds a certificate (number {}) that cannot be used: {e}",
                i + 1
            ))
        })?;
    }
    Ok(ders)
}

/// Each `CERTIFICATE` block of a PEM file; other blocks are skipped.
fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem)
        .map(|der| der.map_err(|e| e.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trust(vars: &[(&str, &str)]) -> Result<Trust, Error> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Trust::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    fn tls_message(result: Result<Trust, Error>) -> String {
        match result {
            Err(Error::Tls(message)) => message,
            other => panic!("expected a TLS error, got {other:?}"),
        }
    }

    #[test]
    fn by_default_no_extra_certificates_and_no_system_store() {
        let trust = trust(&[("NODE_EXTRA_CA_CERTS", ""), ("NODE_USE_SYSTEM_CA", "0")]).unwrap();
        assert!(trust.extra.is_empty());
        assert!(!trust.system);
        assert!(webpki_roots::TLS_SERVER_ROOTS.len() > 100);
        let config = trust.client_config().unwrap();
        assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
    }

    #[test]
    fn the_system_store_only_with_node_use_system_ca_1_or_node_s_flag() {
        assert!(trust(&[("NODE_USE_SYSTEM_CA", "1")]).unwrap().system);
        assert!(!trust(&[("NODE_USE_SYSTEM_CA", "true")]).unwrap().system);
        let flag = [("NODE_OPTIONS", "--max-old-space-size=64 --use-system-ca")];
        assert!(trust(&flag).unwrap().system);
        let other = [("NODE_OPTIONS", "--use-system-ca-not")];
        assert!(!trust(&other).unwrap().system);
    }

    #[test]
    fn extra_files_add_their_certificates_and_skip_other_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let cas: Vec<_> = (0..3)
            .map(|_| testbench::tls::CertificateAuthority::new())
            .collect();
        let node = dir.path().join("node.pem");
        std::fs::write(&node, format!("comment\n{}{}", cas[0].pem(), cas[1].pem())).unwrap();
        let aws = dir.path().join("aws.pem");
        std::fs::write(
            &aws,
            format!(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n{}",
                cas[2].pem()
            ),
        )
        .unwrap();
        let trust = trust(&[
            ("NODE_EXTRA_CA_CERTS", node.to_str().unwrap()),
            ("AWS_CA_BUNDLE", aws.to_str().unwrap()),
            ("NODE_USE_SYSTEM_CA", "1"),
        ])
        .unwrap();
        assert_eq!(trust.extra.len(), 3);
        assert!(trust.client_config().is_ok());
    }

    #[test]
    fn a_file_that_cannot_be_read_is_named_with_its_variable() {
        let message = tls_message(trust(&[("AWS_CA_BUNDLE", "/nonexistent/ca.pem")]));
        assert!(
            message.starts_with("AWS_CA_BUNDLE names /nonexistent/ca.pem, which cannot be read"),
            "{message}"
        );
    }

    #[test]
    fn a_file_without_a_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let message = tls_message(trust(&[("NODE_EXTRA_CA_CERTS", empty.to_str().unwrap())]));
        assert_eq!(
            message,
            format!(
                "NODE_EXTRA_CA_CERTS names {}, which holds no PEM certificate \
                 (-----BEGIN CERTIFICATE-----)",
                empty.display()
            )
        );
    }

    #[test]
    fn a_certificate_that_is_not_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.pem");
        std::fs::write(
            &bad,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let message = tls_message(trust(&[("NODE_EXTRA_CA_CERTS", bad.to_str().unwrap())]));
        assert!(
            message.contains("holds a certificate (number 1) that cannot be used"),
            "{message}"
        );
    }
}
