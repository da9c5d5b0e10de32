//! Which certificates the action trusts: Mozilla's built-in roots, the PEM files named by
//! `NODE_EXTRA_CA_CERTS` and `AWS_CA_BUNDLE`, and the system store only with
//! `NODE_USE_SYSTEM_CA=1`. The token service and STS answer over https with certificates of a CA
//! each test makes.

use std::time::{Duration, Instant};

use crate::support::{Bench, assert_failed_with};
use testbench::runner::Step;
use testbench::sts::StsStandIn;
use testbench::tls::CertificateAuthority;

/// A test's CA, its certificate written to a file (in `dir`, removed when dropped), and a
/// bench whose services it certifies.
struct Setup {
    bench: Bench,
    ca_file: String,
    dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let ca = CertificateAuthority::new();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = ca.write_pem(dir.path(), "ca.pem").display().to_string();
    Setup {
        bench: Bench::https(&ca),
        ca_file,
        dir,
    }
}

#[test]
fn a_ca_in_node_extra_ca_certs_is_trusted() {
    let Setup {
        mut bench,
        ca_file,
        dir: _dir,
    } = setup();
    assert!(bench.sts.endpoint().starts_with("https://"));
    bench
        .run(|s| s.env("NODE_EXTRA_CA_CERTS", &ca_file))
        .assert_success();
    assert_eq!(bench.github.requests().len(), 1);
    assert_eq!(bench.sts.requests().len(), 1);
}

#[test]
fn a_ca_in_aws_ca_bundle_is_trusted() {
    let Setup {
        mut bench,
        ca_file,
        dir: _dir,
    } = setup();
    bench
        .run(|s| s.env("AWS_CA_BUNDLE", &ca_file))
        .assert_success();
    assert_eq!(bench.sts.requests().len(), 1);
}

#[test]
fn an_untrusted_certificate_is_one_clear_error() {
    let Setup {
        mut bench,
        dir: _dir,
        ..
    } = setup();
    // Not retried: the same certificate would come back on every try.
    let started = Instant::now();
    let result = bench.run(|s| s);
    assert_failed_with(
        &result,
        &[
            "Could not get a GitHub OIDC token",
            "the token service's certificate is not trusted",
            "invalid peer certificate: UnknownIssuer",
            "NODE_EXTRA_CA_CERTS or AWS_CA_BUNDLE",
        ],
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!result.stdout.contains("panicked"), "{}", result.stdout);
    assert_eq!(bench.sts.requests().len(), 0);
}

#[test]
fn sts_with_an_untrusted_certificate_is_one_clear_error() {
    // The token service is trusted (another CA's file names it); STS's certificate is not.
    let Setup {
        mut bench,
        ca_file,
        dir: _dir,
    } = setup();
    let other = StsStandIn::start_tls(&CertificateAuthority::new());
    let endpoint = other.endpoint();
    let result = bench.run(|s| {
        s.env("NODE_EXTRA_CA_CERTS", &ca_file)
            .with("sts-endpoint", &endpoint)
    });
    assert_failed_with(
        &result,
        &[
            "UntrustedCertificate",
            "UnknownIssuer",
            "NODE_EXTRA_CA_CERTS",
        ],
    );
    // One try, not three in each of twelve attempts.
    assert_eq!(other.requests().len(), 0);
    assert!(!result.stdout.contains("trying again"), "{}", result.stdout);
}

#[test]
fn a_certificate_file_that_cannot_be_used_is_named_before_any_request() {
    let Setup { mut bench, dir, .. } = setup();
    let missing = dir.path().join("missing.pem").display().to_string();
    let result = bench.run(|s| s.env("NODE_EXTRA_CA_CERTS", &missing));
    assert_failed_with(
        &result,
        &[&format!(
            "Could not set up TLS: NODE_EXTRA_CA_CERTS names {missing}, which cannot be read"
        )],
    );

    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let empty = empty.display().to_string();
    let result = bench.run(|s| s.env("AWS_CA_BUNDLE", &empty));
    assert_failed_with(
        &result,
        &[&format!(
            "Could not set up TLS: AWS_CA_BUNDLE names {empty}, which holds no PEM certificate"
        )],
    );
    assert!(bench.github.requests().is_empty());
    assert!(bench.sts.requests().is_empty());
}

/// A certificate file that would block the reader (a FIFO no one writes), never end
/// (`/dev/zero`) or is larger than any bundle ends the main step, `exec` and a renewal at once
/// with one error naming the variable and the file, before any request.
#[cfg(unix)]
#[test]
fn a_certificate_file_that_would_never_end_is_refused_at_once() {
    let Setup {
        mut bench,
        dir,
        ca_file,
    } = setup();
    let fifo = dir.path().join("fifo.pem");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success(), "mkfifo makes a FIFO");
    let huge = dir.path().join("huge.pem");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(17 * 1024 * 1024).unwrap();
    let cases = [
        (fifo.display().to_string(), "path is not a regular file"),
        ("/dev/zero".to_owned(), "path is not a regular file"),
        (huge.display().to_string(), "file is larger than 16 MiB"),
    ];
    // Node before 23 reads NODE_EXTRA_CA_CERTS itself as it starts, so the launcher would hang
    // on the FIFO before the binary runs; the runner's node 24 reads it only when it needs it.
    let node_reads_it_first = node_major() < 23;
    for variable in ["NODE_EXTRA_CA_CERTS", "AWS_CA_BUNDLE"] {
        for (path, problem) in &cases {
            let start = Instant::now();
            if node_reads_it_first && variable == "NODE_EXTRA_CA_CERTS" {
                eprintln!(
                    "not through the launcher: node {} reads {variable}",
                    node_major()
                );
            } else {
                let result = bench.run(|s| s.env(variable, path).with("action-timeout-s", "30"));
                let message = format!("{variable} names {path}, which cannot be read: {problem}");
                assert_failed_with(&result, &[&message]);
            }
            let output = bench
                .later_step(crate::support::binary())
                .args(["exec", "--aws-region", "us-east-2"])
                .args(["--role-to-assume", crate::support::ROLE, "--", "true"])
                .env("AWS_ENDPOINT_URL_STS", bench.sts.endpoint())
                .env(variable, path)
                .output()
                .unwrap();
            assert_refused(output, &format!("{variable} names {path}"));
            assert!(start.elapsed() < Duration::from_secs(10), "{path}");
        }
    }
    assert!(bench.github.requests().is_empty());
    assert!(bench.sts.requests().is_empty());

    // A renewal reads them too.
    bench.sts.session_lifetime(Some(600));
    let result = bench.run(|s| {
        s.with("refresh-credentials", "true")
            .env("NODE_EXTRA_CA_CERTS", &ca_file)
    });
    result.assert_success();
    let config = std::fs::read_to_string(bench.job.home().join(".aws/config")).unwrap();
    let line = config
        .lines()
        .find_map(|l| l.strip_prefix("credential_process = "))
        .unwrap();
    let fifo = fifo.display().to_string();
    let output = bench
        .later_step("sh")
        .args(["-c", line])
        .env("AWS_CA_BUNDLE", &fifo)
        .output()
        .unwrap();
    assert_refused(
        output,
        &format!("AWS_CA_BUNDLE names {fifo}, which cannot be read"),
    );
}

/// The major version of the node on `PATH`, which runs the launcher.
#[cfg(unix)]
fn node_major() -> u32 {
    let output = std::process::Command::new("node")
        .args(["-p", "process.versions.node.split('.')[0]"])
        .output()
        .expect("node runs");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap()
}

/// A command of the binary ended with exit code 1 and `needle` on stderr.
#[cfg(unix)]
fn assert_refused(output: std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(needle), "{stderr}");
}

#[test]
fn no_system_store_is_needed() {
    // A job container without a CA bundle: the system store's paths lead nowhere.
    let Setup {
        mut bench,
        ca_file,
        dir,
    } = setup();
    let nowhere = dir.path().join("nowhere").display().to_string();
    bench
        .run(|s| {
            s.env("SSL_CERT_FILE", &nowhere)
                .env("SSL_CERT_DIR", &nowhere)
                .env("NODE_EXTRA_CA_CERTS", &ca_file)
        })
        .assert_success();
    assert_eq!(bench.sts.requests().len(), 1);
}

#[test]
fn the_system_store_is_read_only_with_node_use_system_ca() {
    // On Linux the system store honours SSL_CERT_FILE: here it holds only the test's CA.
    let Setup {
        mut bench,
        ca_file,
        dir,
    } = setup();
    let nowhere = dir.path().join("nowhere").display().to_string();
    fn system<'s>(s: Step<'s>, ca_file: &str, nowhere: &str) -> Step<'s> {
        s.env("SSL_CERT_FILE", ca_file)
            .env("SSL_CERT_DIR", nowhere)
            .with("disable-retry", "true")
    }
    let result = bench.run(|s| system(s, &ca_file, &nowhere));
    assert_failed_with(&result, &["UnknownIssuer"]);
    if cfg!(target_os = "linux") {
        bench
            .run(|s| system(s, &ca_file, &nowhere).env("NODE_USE_SYSTEM_CA", "1"))
            .assert_success();
    }
}
