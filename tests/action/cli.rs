//! The binary's own command line: `explain`, run directly as a user would.

use std::process::{Command, Output};

fn explain(args: &[&std::ffi::OsStr]) -> Output {
    // A release build can be tested in place of the one cargo built for the tests.
    let binary = std::env::var("AWS_OIDC_CREDENTIALS_TEST_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_aws-oidc-credentials").to_owned());
    Command::new(binary)
        .arg("explain")
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn an_argument_that_is_not_utf8_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let out = explain(&[
        "--trust-policy".as_ref(),
        std::ffi::OsStr::from_bytes(b"trust\xff.json"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: argument trust"), "{stderr}");
    assert!(stderr.contains("is not UTF-8 text\nusage:"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("internal error"));
}

#[test]
fn explain_reads_only_small_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let claims = [
        "--sub",
        "repo:o/r:ref:refs/heads/main",
        "--aud",
        "sts.amazonaws.com",
    ];
    for (policy, problem) in [
        (fifo.to_str().unwrap(), "path is not a regular file"),
        ("/dev/zero", "path is not a regular file"),
    ] {
        let mut args = vec!["--trust-policy", policy];
        args.extend(claims);
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        let out = explain(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with(&format!(
                "error: cannot read trust policy {policy}: {problem}\n"
            )),
            "{stderr}"
        );
    }
}
