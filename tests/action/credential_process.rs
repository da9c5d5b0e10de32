//! Ambient credentials from a profile with `credential_process` (a credential helper: aws-vault,
//! a company's broker), in every mode that uses the SDK's chain, and the profile kinds the chain
//! cannot use.

use std::fs;
use std::path::PathBuf;

use crate::support::{ACCOUNT, Bench, REGION, ROLE, assert_failed_with};
use testbench::runner::Step;

const USER: &str = "arn:aws:iam::111122223333:user/helper";

/// A config file whose profile `helper` runs `script` (a shell script written here) as its
/// `credential_process`.
fn helper_profile(bench: &Bench, script: &str) -> PathBuf {
    let dir = bench.job.workspace().join("helper");
    fs::create_dir_all(&dir).unwrap();
    let program = dir.join("credential-helper.sh");
    fs::write(&program, format!("#!/bin/sh\n{script}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&program, fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.join("config");
    fs::write(
        &config,
        format!(
            "[profile helper]\ncredential_process = {}\n",
            program.display()
        ),
    )
    .unwrap();
    config
}

/// A helper that prints the keys of the STS stand-in's user, as `credential_process` output.
fn working_helper(bench: &Bench) -> (PathBuf, String) {
    let keys = bench.sts.user(USER);
    let json = format!(
        r#"{{"Version": 1, "AccessKeyId": "{}", "SecretAccessKey": "{}"}}"#,
        keys.access_key_id, keys.secret_access_key
    );
    (
        helper_profile(bench, &format!("printf '%s' '{json}'")),
        keys.access_key_id,
    )
}

/// The step uses the profile `helper` of `config`, and no OIDC.
trait UsesProfile {
    fn profile(self, config: &std::path::Path) -> Self;
}

impl UsesProfile for Step<'_> {
    fn profile(self, config: &std::path::Path) -> Self {
        self.env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
            .env("AWS_CONFIG_FILE", config.to_str().unwrap())
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
            .env("AWS_PROFILE", "helper")
    }
}

#[test]
fn ambient_credentials_from_a_credential_process() {
    let mut bench = Bench::new();
    let (config, key) = working_helper(&bench);
    let result = bench.run(|s| s.with("role-to-assume", "").profile(&config));
    result.assert_success();
    assert_eq!(result.outputs["aws-account-id"], ACCOUNT);
    assert_eq!(result.outputs["authenticated-arn"], USER);
    let calls = bench.sts.requests();
    assert_eq!(calls[0].action, "GetCallerIdentity");
    assert_eq!(calls[0].caller_access_key.as_deref(), Some(key.as_str()));
}

#[test]
fn a_role_on_top_of_a_credential_process() {
    let mut bench = Bench::new();
    let (config, key) = working_helper(&bench);
    let result = bench.run(|s| s.profile(&config));
    result.assert_success();
    assert_eq!(result.env["AWS_REGION"], REGION);
    let calls = bench.sts.requests();
    assert_eq!(calls[0].action, "AssumeRole");
    assert_eq!(calls[0].params["RoleArn"], ROLE);
    assert_eq!(calls[0].caller_access_key.as_deref(), Some(key.as_str()));

    // Role chaining from the profile, as a step after one that left it.
    let mut bench = Bench::new();
    let (config, key) = working_helper(&bench);
    let result = bench.run(|s| s.with("role-chaining", "true").profile(&config));
    result.assert_success();
    let calls = bench.sts.requests();
    assert_eq!(calls[0].action, "AssumeRole");
    assert_eq!(calls[0].caller_access_key.as_deref(), Some(key.as_str()));
}

#[test]
fn use_existing_credentials_accepts_a_credential_process() {
    let mut bench = Bench::new();
    let (config, key) = working_helper(&bench);
    let result = bench.run(|s| s.with("use-existing-credentials", "true").profile(&config));
    result.assert_success();
    assert_eq!(
        result.notices,
        ["Pre-existing credentials are valid. No need to generate new ones."]
    );
    let calls = bench.sts.requests();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].caller_access_key.as_deref(), Some(key.as_str()));
}

#[test]
fn a_failing_credential_process_shows_its_error_and_exports_nothing() {
    let mut bench = Bench::new();
    let config = helper_profile(
        &bench,
        "echo 'the broker says: token expired, run broker login' >&2\nexit 3",
    );
    for role in ["", ROLE] {
        let result = bench.run(|s| s.with("role-to-assume", role).profile(&config));
        assert_failed_with(
            &result,
            &[
                "AWS profile 'helper'",
                "credential_process",
                "exited with code 3. Stderr:",
                "the broker says: token expired, run broker login",
            ],
        );
        assert!(
            !result.errors[0].contains("ConnectionError"),
            "{}",
            result.errors[0]
        );
    }
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn a_credential_process_printing_invalid_json_is_refused() {
    let mut bench = Bench::new();
    let config = helper_profile(&bench, "echo 'not json'");
    let result = bench.run(|s| s.with("role-to-assume", "").profile(&config));
    assert_failed_with(
        &result,
        &[
            "AWS profile 'helper'",
            "credential_process",
            "could not parse",
        ],
    );
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn an_sso_profile_is_named_with_what_to_use_instead() {
    let mut bench = Bench::new();
    let dir = bench.job.workspace();
    let config = dir.join("sso-config");
    fs::write(
        &config,
        "[profile helper]\nsso_session = corp\nsso_account_id = 111122223333\n\
         sso_role_name = Deploy\n\n[sso-session corp]\n\
         sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .unwrap();
    let result = bench.run(|s| s.with("role-to-assume", "").profile(&config));
    assert_failed_with(
        &result,
        &[
            "AWS profile 'helper'",
            "IAM Identity Center (SSO)",
            "credential_process",
        ],
    );
    assert!(
        !result.errors[0].contains("cargo feature"),
        "{}",
        result.errors[0]
    );
    assert!(bench.sts.requests().is_empty());
}
