//! `policy` run as a user would, its output checked by `explain`: allowed for the runs it was
//! written for, denied for the near misses.

use std::path::Path;
use std::process::{Command, Output};

use crate::support;

fn binary() -> Command {
    Command::new(support::binary())
}

fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("the binary runs")
}

/// `explain`'s exit code for the policy in `path` and a github.com token with `sub` and `aud`.
fn explain(path: &Path, sub: &str, aud: &str) -> i32 {
    let out = binary()
        .arg("explain")
        .arg("--trust-policy")
        .arg(path)
        .args(["--sub", sub, "--aud", aud])
        .output()
        .expect("the binary runs");
    let code = out.status.code().expect("an exit code");
    assert!(
        code == 0 || code == 1,
        "{sub}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    code
}

#[test]
fn explain_admits_what_policy_wrote_and_nothing_near_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trust.json");
    let args = [
        "policy",
        "--repo",
        "octo-org/my-repo",
        "--branch",
        "main",
        "--branch",
        "release/*",
        "--environment",
        "prod",
        "--account",
        "123456789012",
    ];
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&path, &out.stdout).unwrap();

    let sts = "sts.amazonaws.com";
    for sub in [
        "repo:octo-org/my-repo:ref:refs/heads/main",
        "repo:octo-org/my-repo:ref:refs/heads/release/2.0",
        "repo:octo-org/my-repo:environment:prod",
    ] {
        assert_eq!(explain(&path, sub, sts), 0, "{sub}");
        assert_eq!(
            explain(&path, sub, "other"),
            1,
            "{sub} with another audience"
        );
    }
    for sub in [
        "repo:other-org/my-repo:ref:refs/heads/main",
        "repo:octo-org/my-repo-fork:ref:refs/heads/main",
        "repo:octo-org/my-repo-fork:ref:refs/heads/release/2.0",
        "repo:octo-org/my-repo:pull_request",
        "repo:octo-org/my-repo:ref:refs/heads/dev",
        "repo:octo-org/my-repo:environment:staging",
    ] {
        assert_eq!(explain(&path, sub, sts), 1, "{sub}");
    }
}

#[test]
fn the_placeholder_account_is_said_on_stderr() {
    let out = run(&["policy", "--repo", "octo-org/my-repo", "--pull-request"]);
    assert_eq!(out.status.code(), Some(0));
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let principal = &document["Statement"][0]["Principal"]["Federated"];
    assert_eq!(
        principal,
        "arn:aws:iam::<ACCOUNT_ID>:oidc-provider/token.actions.githubusercontent.com"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("note: the provider ARN holds the placeholder <ACCOUNT_ID>"));
    assert!(stderr.contains(
        "needs IAM's OIDC provider for https://token.actions.githubusercontent.com (github.com)"
    ));
}

/// A GitHub Enterprise Server's tokens: its own provider and keys, the command that creates
/// the provider, and explain agreeing for a token from it and not for one from github.com.
#[test]
fn a_policy_for_github_enterprise_server() {
    let ghes = "https://github.example.com/_services/token";
    let out = run(&[
        "policy",
        "--repo",
        "octo-org/my-repo",
        "--branch",
        "main",
        "--issuer",
        ghes,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "(GitHub Enterprise Server); if it has none: aws iam create-open-id-connect-provider \
             --url {ghes} --client-id-list sts.amazonaws.com"
        )),
        "{stderr}"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\"github.example.com/_services/token:sub\""),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trust.json");
    std::fs::write(&path, text).unwrap();
    let main = "repo:octo-org/my-repo:ref:refs/heads/main";
    let explain = |issuer: &str| {
        let path = path.to_str().unwrap();
        let aud = "sts.amazonaws.com";
        let args = [
            "explain",
            "--trust-policy",
            path,
            "--sub",
            main,
            "--aud",
            aud,
        ];
        run(&[&args[..], &["--issuer", issuer]].concat())
            .status
            .code()
    };
    assert_eq!(explain(ghes), Some(0));
    assert_eq!(
        explain("https://token.actions.githubusercontent.com"),
        Some(1)
    );
}

#[test]
fn no_runs_named_is_a_usage_error() {
    let out = run(&["policy", "--repo", "octo-org/my-repo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: say which runs the role admits: --branch NAME"),
        "{stderr}"
    );
    assert!(stderr.contains("\nusage: aws-oidc-credentials policy --repo"));

    let help = run(&["policy", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--pull-request"));
}

#[test]
fn other_formats_hold_the_same_subjects() {
    for (format, expected) in [
        (
            "terraform",
            "    condition {\n      test     = \"StringLike\"\n",
        ),
        ("cloudformation", "              \"StringLike\":\n"),
    ] {
        let out = run(&[
            "policy",
            "--repo",
            "octo-org/my-repo",
            "--tag",
            "v*",
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(out.stderr.is_empty(), "{format}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(expected), "{format}: {text}");
        assert!(text.contains("\"repo:octo-org/my-repo:ref:refs/tags/v*\""));
    }
}
