//! Which certificates the action's HTTPS connections trust: the same as node gives the original
//! action. Mozilla's root certificates are compiled in; the PEM files named by
//! `NODE_EXTRA_CA_CERTS` (what GHES and proxied self-hosted runners set for node actions) and
//! `AWS_CA_BUNDLE` (what the AWS CLI and SDKs honour) add to them; the operating system's store
//! is read only with `NODE_USE_SYSTEM_CA=1` (or node's `--use-system-ca` in `NODE_OPTIONS`). By default nothing is read from the system: that is
//! slow, and minimal container images have no store at all.

use std::ffi::OsString;
use std::path::Path;

use crate::error::Error;

/// The variables naming PEM files whose certificates are trusted besides Mozilla's roots.
const EXTRA_CA_VARIABLES: [&str; 2] = ["NODE_EXTRA_CA_CERTS", "AWS_CA_BUNDLE"];
/// Set to `1`, the operating system's certificate store is trusted too.
const SYSTEM_CA_VARIABLE: &str = "NODE_USE_SYSTEM_CA";
/// Node's flag for the same, which `NODE_OPTIONS` may hold.
const SYSTEM_CA_FLAG: &str = "--use-system-ca";

/// The certificates to trust.
#[derive(Debug)]
pub struct Trust {
    /// Mozilla's roots, then the extra certificates.
    certificates: Vec<reqwest::Certificate>,
    /// Whether the operating system's store is trusted too.
    system: bool,
}

impl Trust {
    /// Reads the variables of the process environment.
    pub fn from_env() -> Result<Trust, Error> {
        Trust::from_lookup(|name| std::env::var_os(name))
    }

    fn from_lookup(env: impl Fn(&str) -> Option<OsString>) -> Result<Trust, Error> {
        let mut certificates = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Tls(format!("the built-in root certificates: {e}")))?;
        for variable in EXTRA_CA_VARIABLES {
            if let Some(path) = env(variable).filter(|p| !p.is_empty()) {
                certificates.extend(read_pem_file(variable, Path::new(&path))?);
            }
        }
        let system = env(SYSTEM_CA_VARIABLE).is_some_and(|v| v == "1")
            || env("NODE_OPTIONS").is_some_and(|v| {
                v.to_string_lossy()
                    .split_whitespace()
                    .any(|o| o == SYSTEM_CA_FLAG)
            });
        Ok(Trust {
            certificates,
            system,
        })
    }

    /// Gives the client these certificates, and the system store only when asked for.
    pub fn apply(self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        if self.system {
            builder.tls_certs_merge(self.certificates)
        } else {
            builder.tls_certs_only(self.certificates)
        }
    }
}

/// The certificates of the PEM file `path` that `variable` names; an error when the file cannot
/// be read, holds no certificate, or holds one that cannot be a trust anchor.
fn read_pem_file(variable: &str, path: &Path) -> Result<Vec<reqwest::Certificate>, Error> {
    let at_fault = |problem: String| {
        Error::Tls(format!(
            "{variable} names {}, which {problem}",
            path.display()
        ))
    };
    let pem = std::fs::read(path).map_err(|e| at_fault(format!("cannot be read: {e}")))?;
    let ders = pem_certificates(&pem).map_err(|e| at_fault(format!("is not valid PEM: {e}")))?;
    if ders.is_empty() {
        return Err(at_fault(
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    let mut check = rustls::RootCertStore::empty();
    ders.iter()
        .enumerate()
        .map(|(i, der)| {
            check.add(der.as_slice().into()).map_err(|e| {
                at_fault(format!(
                    "holds a certificate (number {}) that cannot be used: {e}",
                    i + 1
                ))
            })?;
            reqwest::Certificate::from_der(der)
                .map_err(|e| at_fault(format!("holds a certificate that cannot be used: {e}")))
        })
        .collect()
}

/// The DER bytes of each `CERTIFICATE` block of a PEM file; other blocks are skipped.
fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .map(|der| der.map(|d| d.to_vec()).map_err(|e| e.to_string()))
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
    fn by_default_only_the_built_in_roots_and_no_system_store() {
        let trust = trust(&[("NODE_EXTRA_CA_CERTS", ""), ("NODE_USE_SYSTEM_CA", "0")]).unwrap();
        assert_eq!(
            trust.certificates.len(),
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.len()
        );
        assert!(trust.certificates.len() > 100);
        assert!(!trust.system);
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
        let built_in = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        let pem = |der: &[u8]| {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD.encode(der);
            let lines: Vec<&str> = b64
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                lines.join("\n")
            )
        };
        let node = dir.path().join("node.pem");
        std::fs::write(
            &node,
            format!("comment\n{}{}", pem(&built_in[0]), pem(&built_in[1])),
        )
        .unwrap();
        let aws = dir.path().join("aws.pem");
        std::fs::write(
            &aws,
            format!(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n{}",
                pem(&built_in[2])
            ),
        )
        .unwrap();
        let trust = trust(&[
            ("NODE_EXTRA_CA_CERTS", node.to_str().unwrap()),
            ("AWS_CA_BUNDLE", aws.to_str().unwrap()),
        ])
        .unwrap();
        assert_eq!(trust.certificates.len(), built_in.len() + 3);
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
