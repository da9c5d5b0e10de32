//! `check-trust-policy`: after assuming the role, the step reads the role's own trust policy
//! with IAM's `GetRole` (signed with the new credentials) and warns about what `lint` finds in
//! it; a role that may not read itself is one notice, and nothing is asked for when it is off.
//! `trust-policy-file` is linted the same way.

use crate::support::{ACCOUNT, Bench, ROLE, assert_failed_with};
use testbench::sts::Fault;

/// A trust policy for github.com's tokens, with `sub` condition `sub` (the stand-in's own trust
/// rule decides who assumes the role; this is the document IAM gives back).
fn trust_policy(sub: &str) -> String {
    let provider = "token.actions.githubusercontent.com";
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {format!("{provider}:aud"): "sts.amazonaws.com"},
                "StringLike": {format!("{provider}:sub"): sub}
            }
        }]
    })
    .to_string()
}

/// A successful step with `check-trust-policy`, the role's readable trust policy having `sub`.
fn checked(bench: &mut Bench, sub: &str) -> testbench::runner::StepResult {
    bench
        .sts
        .role(ROLE)
        .readable_trust_policy(&trust_policy(sub));
    let endpoint = bench.sts.endpoint();
    let result = bench.run(|s| {
        s.with("check-trust-policy", "true")
            .env("AWS_ENDPOINT_URL_IAM", &endpoint)
    });
    result.assert_success();
    result
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
    let result = checked(&mut bench, "repo:octo-org/*");
    // Every finding of lint's: the owner-wide pattern, the pull requests it admits, the names.
    let found: Vec<&str> = result
        .warnings
        .iter()
        .map(|w| w.split(':').nth(1).unwrap_or_default().trim())
        .collect();
    assert_eq!(
        found,
        [
            "warning GHA004 sub-organization-wide",
            "warning GHA005 pull-requests",
            "note GHA013 mutable-sub"
        ],
        "{:?}",
        result.warnings
    );
    assert!(
        result
            .summary
            .contains("**What lint finds in the role's trust policy:**")
            && result.summary.contains("GHA004"),
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

/// With debug logging, the signed GetRole shows neither the new credentials (the bench checks
/// every run for them) nor its signature.
#[test]
fn debug_logging_shows_no_credential_or_signature() {
    let mut bench = Bench::new();
    bench
        .sts
        .role(ROLE)
        .readable_trust_policy(&trust_policy("repo:octo-org/*"));
    let endpoint = bench.sts.endpoint();
    let result = bench.run(|s| {
        s.with("check-trust-policy", "true")
            .env("AWS_ENDPOINT_URL_IAM", &endpoint)
            .env("RUNNER_DEBUG", "1")
    });
    result.assert_success();
    assert!(!result.debug.is_empty());
    assert_eq!(get_role_calls(&bench).len(), 1);
    let shown = format!("{}\n{}", result.log(), result.stderr).to_ascii_lowercase();
    for header in ["signature=", "x-amz-security-token:", "authorization:"] {
        assert!(!shown.contains(header), "{header} in:\n{shown}");
    }
}

#[test]
fn a_policy_for_this_repository_alone_gives_no_warning() {
    let mut bench = Bench::new();
    let result = checked(
        &mut bench,
        "repo:octo-org@1/octo-repo@2:ref:refs/heads/main",
    );
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
fn a_trust_policy_file_is_linted_in_the_step() {
    let mut bench = Bench::new();
    let file = bench.job.workspace().join("trust.json");
    std::fs::write(&file, trust_policy("*")).unwrap();
    let result = bench.run(|s| s.with("trust-policy-file", "trust.json"));
    result.assert_success();
    assert_eq!(result.warnings.len(), 1, "{:?}", result.warnings);
    assert!(
        result.warnings[0].starts_with("The role's trust policy: error GHA003 sub-any-owner: "),
        "{:?}",
        result.warnings
    );
    assert!(result.summary.contains("GHA003"), "{}", result.summary);
    assert!(get_role_calls(&bench).is_empty());
    // One that cannot be read is one notice, and the step goes on.
    let result = bench.run(|s| s.with("trust-policy-file", "missing.json"));
    result.assert_success();
    assert_eq!(result.notices.len(), 1, "{:?}", result.notices);
    assert!(
        result.notices[0].starts_with("trust-policy-file was not checked: "),
        "{:?}",
        result.notices
    );
}

/// The policy is checked for the issuer of the job's own token: a file written for data
/// residency's provider (with github.com's keys, as copied from a guide) gets GHA014 for the keys
/// and GHA015 naming the provider the token needs, with the command that creates it.
#[test]
fn a_trust_policy_file_is_checked_for_the_tokens_issuer() {
    let mut bench = Bench::new();
    let issuer = "https://token.actions.githubusercontent.com";
    bench.tokens_from(issuer);
    let ghe = "token.actions.octocorp.ghe.com";
    let dotcom = "token.actions.githubusercontent.com";
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{ghe}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{dotcom}:aud"): "sts.amazonaws.com",
                format!("{dotcom}:sub"): "repo:octo-org/octo-repo:ref:refs/heads/main",
            }}
        }]
    });
    std::fs::write(bench.job.workspace().join("trust.json"), policy.to_string()).unwrap();
    let result = bench.run(|s| s.with("trust-policy-file", "trust.json"));
    result.assert_success();
    let ids: Vec<&str> = result
        .warnings
        .iter()
        .filter_map(|w| w.split(' ').nth(5))
        .collect();
    assert_eq!(
        ids,
        ["GHA013", "GHA014", "GHA014", "GHA015"],
        "{:?}",
        result.warnings
    );
    let untrusted = result.warnings.last().unwrap();
    for part in [
        format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{dotcom}"),
        format!(
            "aws iam create-open-id-connect-provider --url {issuer} --client-id-list sts.amazonaws.com"
        ),
    ] {
        assert!(untrusted.contains(&part), "{part} in {untrusted}");
    }
    assert!(result.summary.contains("GHA015"), "{}", result.summary);
}

/// An IAM that answers without end, or with a redirect, is one notice: the answer is read no
/// further than any other, and the step succeeds.
#[test]
fn an_endless_or_redirected_answer_is_one_notice() {
    for (fault, says) in [
        (Fault::Endless, "answer is larger than 1 MiB"),
        (
            Fault::Redirect {
                status: 307,
                location: "https://elsewhere.example/".into(),
            },
            "IAM answered with a redirect (HTTP 307 to https://elsewhere.example)",
        ),
    ] {
        let mut bench = Bench::new();
        bench
            .sts
            .role(ROLE)
            .readable_trust_policy(&trust_policy("*"));
        // AssumeRoleWithWebIdentity is answered; GetRole gets the fault.
        bench
            .sts
            .fail_next(1, Fault::Slow(std::time::Duration::ZERO));
        bench.sts.fail_next(1, fault);
        let endpoint = bench.sts.endpoint();
        let result = bench.run(|s| {
            s.with("check-trust-policy", "true")
                .env("AWS_ENDPOINT_URL_IAM", &endpoint)
        });
        result.assert_success();
        assert!(result.warnings.is_empty(), "{:?}", result.warnings);
        assert_eq!(result.notices.len(), 1, "{:?}", result.notices);
        assert!(result.notices[0].contains(says), "{:?}", result.notices);
    }
}

#[test]
fn off_by_default_and_refused_without_a_role() {
    let mut bench = Bench::new();
    bench
        .sts
        .role(ROLE)
        .readable_trust_policy(&trust_policy("*"));
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
