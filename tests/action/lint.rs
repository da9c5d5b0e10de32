//! `lint` run as a user or a workflow would: what `policy` writes lints clean, the SARIF log has
//! what code scanning reads, and the exit codes.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support;

fn run(args: &[&str]) -> Output {
    Command::new(support::binary())
        .args(args)
        .output()
        .expect("the binary runs")
}

/// `lint --format json --fail-on never --issuer ISSUER` on `path`: the findings' ids and
/// severities.
fn findings(path: &Path, issuer: &str) -> Vec<(String, String)> {
    let out = run(&[
        "lint",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--issuer",
        issuer,
        path.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    list.iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// For its own issuer: none of it is GHA015; for another, the JSON document is.
#[test]
fn what_policy_writes_lints_clean() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trust.json");
    let issuers = [
        "https://token.actions.githubusercontent.com",
        "https://token.actions.githubusercontent.com/octo-enterprise",
        "https://token.actions.octocorp.ghe.com",
        "https://github.example.com/_services/token",
    ];
    // The runs asked for, and whether they admit pull requests (a warning, GHA005, which is
    // what `policy --help` says of them too).
    let runs: [(&[&str], bool); 5] = [
        (&["--branch", "main"], false),
        (
            &["--branch", "main", "--branch", "release/*", "--tag", "v*"],
            false,
        ),
        (
            &["--environment", "prod", "--environment", "stage-?"],
            false,
        ),
        (&["--branch", "main", "--pull-request"], true),
        (&["--any-ref"], true),
    ];
    // The JSON document, and the CloudFormation template in YAML (its provider by `!Ref`).
    let formats = ["json", "cloudformation"];
    for (issuer, format) in issuers.iter().flat_map(|i| formats.map(|f| (*i, f))) {
        for repo in ["octo-org/octo-repo", "octo-org@59/octo-repo@1296269"] {
            for (runs, pull_requests) in runs {
                let mut args = vec!["policy", "--repo", repo, "--issuer", issuer];
                args.extend(["--format", format]);
                args.extend(runs);
                let out = run(&args);
                assert_eq!(out.status.code(), Some(0), "{args:?}");
                std::fs::write(&path, &out.stdout).unwrap();
                let found = findings(&path, issuer);
                // The JSON document names its provider: for another issuer it is GHA015.
                let other = issuers.iter().find(|i| *i != &issuer).unwrap();
                if format == "json" {
                    let untrusted = findings(&path, other);
                    assert!(
                        untrusted.iter().any(|(id, _)| id == "GHA015"),
                        "{args:?} {other}"
                    );
                }
                let serious: Vec<&str> = found
                    .iter()
                    .filter(|(_, severity)| severity != "note")
                    .map(|(id, _)| id.as_str())
                    .collect();
                if pull_requests {
                    assert!(!serious.is_empty(), "{args:?}");
                    assert!(
                        serious.iter().all(|id| *id == "GHA005"),
                        "{args:?}: {found:?}"
                    );
                } else {
                    assert!(serious.is_empty(), "{args:?}: {found:?}");
                }
                // Only the immutable form leaves no note about names.
                let mutable = found.iter().any(|(id, _)| id == "GHA013");
                assert_eq!(mutable, !repo.contains('@'), "{args:?}: {found:?}");
            }
        }
    }
}

#[test]
fn sarif_for_code_scanning_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("open.json");
    std::fs::write(
        &open,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}
      }
    }
  ]
}
"#,
    )
    .unwrap();
    let out = Command::new(support::binary())
        .current_dir(dir.path())
        .args(["lint", "--format", "sarif", "open.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let sarif_run = &log["runs"][0];
    assert_eq!(sarif_run["tool"]["driver"]["name"], "aws-oidc-credentials");
    let results = sarif_run["results"].as_array().unwrap();
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["GHA003", "GHA007"]);
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "open.json");
    assert_eq!(location["region"]["startLine"], 9);
    assert_eq!(results[1]["level"], "error");

    let path = open.to_str().unwrap();
    assert_eq!(
        run(&["lint", "--fail-on", "never", path]).status.code(),
        Some(0)
    );
    let missing = run(&["lint", "no-such-file.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-file.json"));
    assert_eq!(run(&["lint"]).status.code(), Some(2));
    // --issuer: the issuer's own provider is trusted here, another's is not (a warning); a bad
    // URL is a usage error naming the option.
    let dotcom = "https://token.actions.githubusercontent.com";
    let ghe = "https://token.actions.octocorp.ghe.com";
    let with_issuer = |issuer: &str| {
        let out = run(&["lint", "--format", "json", "--issuer", issuer, path]);
        let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        let ids: Vec<String> = list
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        (out.status.code(), ids)
    };
    assert_eq!(
        with_issuer(dotcom),
        (Some(1), vec!["GHA003".into(), "GHA007".into()])
    );
    assert_eq!(
        with_issuer(ghe),
        (
            Some(1),
            vec!["GHA003".into(), "GHA007".into(), "GHA015".into()]
        )
    );
    let text = run(&["lint", "--fail-on", "warning", "--issuer", ghe, path]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!(
            "aws iam create-open-id-connect-provider --url {ghe} --client-id-list"
        )),
        "{text}"
    );
    let bad = run(&[
        "lint",
        "--issuer",
        "http://token.actions.githubusercontent.com",
        path,
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.starts_with("error: --issuer must be an https URL"),
        "{stderr}"
    );
    let help = run(&["--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("aws-oidc-credentials lint "));
}

/// `-` reads standard input, as in `aws iam get-role --role-name deploy | … lint -`: the role's
/// name and its findings as from a file; `-` twice is a usage error.
#[test]
fn reads_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let role = r#"{"Role": {"RoleName": "deploy", "AssumeRolePolicyDocument": {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}
      }]}}}"#;
    let mut child = Command::new(support::binary())
        .args(["lint", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(role.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["GHA003", "GHA007"]);
    assert_eq!(list[0]["file"], "-");
    assert_eq!(list[0]["role"], "deploy");
    assert_eq!(list[0]["line"], 7);
    let twice = run(&["lint", "-", "-"]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&twice.stderr)
            .starts_with("error: standard input (-) is given twice")
    );
}
