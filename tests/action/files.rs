//! What the step leaves in files, under odd runners: profile files named twice, full disks,
//! concurrent steps on one home directory, a replaced profile brought back by the post step.

use std::fs;
use std::time::Duration;

use crate::support::{Bench, REGION, ROLE, assert_failed_with};

#[test]
fn one_new_profile_file_named_two_ways_keeps_both_sections() {
    let mut bench = Bench::new();
    let dir = bench.job.workspace().join("aws-files");
    fs::create_dir(&dir).unwrap();
    let file = dir.join("aws");
    let other_spelling = dir.join("sub").join("..").join("aws");
    let result = bench.run(|s| {
        s.with("aws-profile", "ci")
            .env("AWS_SHARED_CREDENTIALS_FILE", file.to_str().unwrap())
            .env("AWS_CONFIG_FILE", other_spelling.to_str().unwrap())
    });
    result.assert_success();
    let issued = &bench.sts.issued_credentials()[0];
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        format!(
            "[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n\n[profile ci]\nregion = {REGION}\n",
            issued.access_key_id, issued.secret_access_key, issued.session_token
        )
    );
    bench.finish()[0].result().unwrap().assert_success();
    assert!(!file.exists(), "the post step removed both sections");
}

/// A denial with `trust-policy-file` naming `file` (relative to the workspace, or absolute): the
/// step fails at once with the denial, and the diagnosis says why the file was not checked.
#[cfg(unix)]
fn denied_with_trust_policy_file(file: &str, reason: &str) {
    let mut bench = Bench::new();
    bench
        .sts
        .role(ROLE)
        .subject("repo:octo-org/octo-repo:ref:refs/heads/release");
    let result = bench.run(|s| {
        s.with("trust-policy-file", file)
            .with("action-timeout-s", "5")
            .timeout(Duration::from_secs(20))
    });
    assert!(!result.timed_out, "the step hung on {file}");
    assert_failed_with(&result, &["AccessDenied"]);
    assert!(
        result
            .log()
            .contains("could not be checked: cannot read trust policy "),
        "{}",
        result.log()
    );
    assert!(result.log().contains(reason), "{file}: {}", result.log());
}

#[cfg(unix)]
#[test]
fn a_trust_policy_file_must_be_a_small_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    denied_with_trust_policy_file(fifo.to_str().unwrap(), ": path is not a regular file");
    denied_with_trust_policy_file("/dev/zero", ": path is not a regular file");

    let large = dir.path().join("large.json");
    let mut text = String::from("{\"Statement\": [");
    text.push_str(&" ".repeat(1024 * 1024));
    text.push_str("]}");
    fs::write(&large, text).unwrap();
    denied_with_trust_policy_file(large.to_str().unwrap(), ": file is larger than 1 MiB");

    let linked = dir.path().join("linked.json");
    std::os::unix::fs::symlink(&large, &linked).unwrap();
    denied_with_trust_policy_file(linked.to_str().unwrap(), ": path is a symbolic link");
}
