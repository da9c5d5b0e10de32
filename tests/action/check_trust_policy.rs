//! `check-trust-policy`: after assuming the role, the step reads the role's own trust policy
//! with IAM's `GetRole` (signed with the new credentials) and warns about whom else it admits;
//! a role that may not read itself is one notice, and nothing is asked for when it is off.

use crate::support::{ACCOUNT, Bench, ROLE, assert_failed_with};

/// The role's trust policy, for tokens of the bench's token service, with `sub` conditions.
fn trust_policy(bench: &Bench, sub: &str) -> String {
    let issuer = bench.github.issuer();
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {format!("{issuer}:aud"): "sts.amazonaws.com"},
                "StringLike": {format!("{issuer}:sub"): sub}
            }
        }]
    })
    .to_string()
}

fn get_role_calls(bench: &Bench) -> Vec<testbench::sts::StsRequest> {
    let requests = bench.sts.requests();
    requests
        .into_iter()
        .filter(|r| r.action == "GetRole")
        .collect()
}

#[test]
fn a_policy_that_admits_other_repositories_is_a_warning_and_in_the_summary() {
    let mut bench = Bench::new();
    let policy = trust_policy(&bench, "repo:octo-org/*");
    bench.sts.role(ROLE).readable_trust_policy(&policy);
    let endpoint = bench.sts.endpoint();
    let result = bench.run(|s| {
        s.with("check-trust-policy", "true")
            .env("AWS_ENDPOINT_URL_IAM", &endpoint)
    });
    result.assert_success();
    assert_eq!(result.warnings.len(), 1, "{:?}", result.warnings);
    assert!(
        result.warnings[0].starts_with("The role's trust policy: statement 1")
            && result.warnings[0].contains("admits every repository matching \"octo-org/*\""),
        "{:?}",
        result.warnings
    );
    assert!(
        result.summary.contains("**The role's trust policy**")
            && result.summary.contains("octo-org/\\*"),
        "{}",
        result.summary
    );
    // Asked of IAM once, as the role's new session, for the role itself.
    let calls = get_role_calls(&bench);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].params["RoleName"], "deploy");
    assert_eq!(calls[0].outcome, "OK");
    let issued = bench.sts.issued_credentials().pop().unwrap();
    assert_eq!(
        calls[0].caller_access_key.as_deref(),
        Some(issued.access_key_id.as_str())
    );
    assert!(result.env["AWS_ACCESS_KEY_ID"] == issued.access_key_id);
}

#[test]
fn a_policy_for_this_repository_alone_gives_no_warning() {
    let mut bench = Bench::new();
    let policy = trust_policy(&bench, "repo:octo-org/octo-repo:ref:refs/heads/main");
    bench.sts.role(ROLE).readable_trust_policy(&policy);
    let endpoint = bench.sts.endpoint();
    let result = bench.run(|s| {
        s.with("check-trust-policy", "true")
            .env("AWS_ENDPOINT_URL_IAM", &endpoint)
    });
    result.assert_success();
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);
    assert!(result.notices.is_empty(), "{:?}", result.notices);
    assert!(
        !result.summary.contains("trust policy"),
        "{}",
        result.summary
    );
}

#[test]
fn a_role_that_may_not_read_itself_is_one_notice() {
    let mut bench = Bench::new();
    let endpoint = bench.sts.endpoint();
    let result = bench.run(|s| {
        s.with("check-trust-policy", "true")
            .env("AWS_ENDPOINT_URL", &endpoint)
    });
    result.assert_success();
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);
    assert_eq!(result.notices.len(), 1, "{:?}", result.notices);
    assert!(
        result.notices[0].contains("may not read it (it needs iam:GetRole on itself)")
            && result.notices[0].contains("AccessDenied"),
        "{:?}",
        result.notices
    );
    assert_eq!(get_role_calls(&bench)[0].outcome, "AccessDenied");
}

#[test]
fn off_by_default_and_refused_without_a_role() {
    let mut bench = Bench::new();
    bench
        .sts
        .role(ROLE)
        .readable_trust_policy(&trust_policy(&bench, "*"));
    bench.run(|s| s).assert_success();
    assert!(get_role_calls(&bench).is_empty(), "no second request");
    let result = bench.run(|s| {
        s.with("check-trust-policy", "true")
            .with("role-to-assume", "")
    });
    assert_failed_with(
        &result,
        &["Input 'check-trust-policy' needs 'role-to-assume'"],
    );
}
