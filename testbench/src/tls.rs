//! Certificates for HTTPS stand-ins: a throwaway certificate authority made by each test, and
//! the server certificate it issues for `localhost` and `127.0.0.1`. The action trusts it only
//! where a test says so (`NODE_EXTRA_CA_CERTS`, `AWS_CA_BUNDLE`, …).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::random;

/// A certificate authority and the server configuration of the stand-ins it certifies.
#[derive(Clone)]
pub struct CertificateAuthority {
    pem: String,
    server: Arc<ServerConfig>,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// Makes a new authority (its own key and a name of its own, so that no two are confused)
    /// and a server certificate for `localhost` and `127.0.0.1` signed by it.
    pub fn new() -> CertificateAuthority {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(
            DnType::CommonName,
            format!("aws-oidc-credentials test CA {}", random::uuid()),
        );
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().expect("a CA key");
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("a CA certificate");

        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server certificate parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let key = KeyPair::generate().expect("a server key");
        let certificate = params.signed_by(&key, &ca).expect("a server certificate");

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let server = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![
                    certificate.der().clone(),
                    CertificateDer::from(ca.der().to_vec()),
                ],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .expect("a server configuration");
        CertificateAuthority {
            pem: ca.pem(),
            server: Arc::new(server),
        }
    }

    /// The authority's certificate, PEM-encoded.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// Writes the authority's certificate to `dir/name` and returns the path.
    pub fn write_pem(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, &self.pem).expect("cannot write the CA certificate");
        path
    }

    pub(crate) fn server_config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.server)
    }
}

impl Default for CertificateAuthority {
    fn default() -> Self {
        CertificateAuthority::new()
    }
}

/// One TLS connection, shared by the reading and the writing half of a connection thread. An
/// HTTP/1.1 exchange reads, then writes, so the two never wait on each other.
#[derive(Clone)]
pub(crate) struct TlsStream(Arc<Mutex<StreamOwned<ServerConnection, TcpStream>>>);

impl TlsStream {
    pub(crate) fn accept(config: Arc<ServerConfig>, tcp: TcpStream) -> io::Result<TlsStream> {
        let connection = ServerConnection::new(config).map_err(io::Error::other)?;
        Ok(TlsStream(Arc::new(Mutex::new(StreamOwned::new(
            connection, tcp,
        )))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StreamOwned<ServerConnection, TcpStream>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.lock().read(buf)
    }
}

impl Write for TlsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.lock().flush()
    }
}
