//! Saying why access was denied, the job summary, and cleaning up profiles in the post step.

use std::fs;

use crate::support::{ACCOUNT, Bench, ROLE, assert_failed_with};
use testbench::github::TokenSettings;
use testbench::sts::Fault;

/// The lines of the diagnosis group, which must follow the `::error::` line.
fn diagnosis(result: &testbench::runner::StepResult) -> String {
    let error_at = result
        .commands_named("error")
        .next()
        .expect("an error")
        .offset;
    let group = result
        .commands_named("group")
        .next()
        .expect("a diagnosis group");
    assert!(
        group.offset > error_at,
        "the diagnosis follows the error line"
    );
    assert_eq!(group.data, "Why AWS refused the token");
    let start = result.stdout.find("::group::").unwrap();
    let end = result.stdout.find("::endgroup::").unwrap();
    result.stdout[start..end].to_owned()
}

#[test]
fn a_trust_policy_denial_shows_the_claims_and_a_condition_that_fits() {
    let mut bench = Bench::new();
    bench
        .github
        .set_settings(TokenSettings::default().environment("prod"));
    bench
        .sts
        .role(ROLE)
        .subject("repo:octo-org/octo-repo:ref:refs/heads/main");
    let result = bench.run(|s| s);
    assert_failed_with(&result, &["AccessDenied"]);
    let text = diagnosis(&result);
    for line in [
        &format!("Role asked for: {ROLE}"),
        "  iss: http://127.0.0.1:",
        "  aud: sts.amazonaws.com",
        "  sub: repo:octo-org/octo-repo:environment:prod",
        "  repository: octo-org/octo-repo",
        "  environment: prod",
        "  job_workflow_ref: ",
        "\"StringEquals\": {",
        ":sub\": \"repo:octo-org/octo-repo:environment:prod\"",
        ":aud\": \"sts.amazonaws.com\"",
        "environment form",
        "Fix: the role's trust policy does not admit this token",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    assert!(result.summary.contains("could not assume"));
    assert!(
        result
            .summary
            .contains("sub: repo:octo-org/octo-repo:environment:prod")
    );
}

#[test]
fn known_sts_messages_get_their_one_line_fix() {
    let mut bench = Bench::new();
    bench.sts.role(ROLE).audiences(&["other"]);
    let text = diagnosis(&bench.run(|s| s));
    assert!(
        text.contains("Fix: the token's aud 'sts.amazonaws.com' comes from the 'audience' input")
    );

    let mut bench = Bench::new();
    bench
        .github
        .set_settings(TokenSettings::default().claim("iss", "https://token.example.test"));
    let text = diagnosis(&bench.run(|s| s));
    assert!(text.contains(
        "aws iam create-open-id-connect-provider --url https://token.example.test --client-id-list sts.amazonaws.com"
    ));
}

#[test]
fn a_rejected_claim_and_an_expired_token_are_explained_too() {
    let mut bench = Bench::new();
    bench.sts.fail_next(
        1,
        Fault::Error {
            status: 400,
            code: "IDPRejectedClaim".into(),
            message: "Token is not from a supported provider of this federation".into(),
        },
    );
    let result = bench.run(|s| s);
    assert_failed_with(&result, &["IDPRejectedClaim"]);
    assert!(diagnosis(&result).contains("Fix: the identity provider rejected a claim"));
    assert_eq!(bench.sts.requests().len(), 1, "not retried");

    let mut bench = Bench::new();
    bench
        .github
        .set_settings(TokenSettings::default().expired());
    let result = bench.run(|s| s.with("retry-max-attempts", "2"));
    assert!(diagnosis(&result).contains("Fix: the token expired before STS accepted it"));
}

#[test]
fn trust_policy_file_shows_which_condition_failed() {
    let mut bench = Bench::new();
    // GitHub's real issuer, so that the policy's principal names the token's provider.
    let issuer = "https://token.actions.githubusercontent.com";
    bench.tokens_from(issuer);
    bench
        .sts
        .role(ROLE)
        .subject("repo:octo-org/octo-repo:ref:refs/heads/release");
    let policy = r#"{
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:ref:refs/heads/release"}}
      }]
    }"#;
    fs::write(bench.job.workspace().join("trust.json"), policy).unwrap();
    let result = bench.run(|s| s.with("trust-policy-file", "trust.json"));
    let text = diagnosis(&result);
    assert!(text.contains("The trust policy in "), "{text}");
    assert!(text.contains("denied"), "{text}");
    let failed = text
        .lines()
        .find(|l| l.contains("FAILS"))
        .unwrap_or_else(|| panic!("a failed condition in\n{text}"));
    assert!(failed.contains(":sub"), "{failed}");
    assert!(
        failed.contains("\"repo:octo-org/octo-repo:ref:refs/heads/release\""),
        "{failed}"
    );
    assert!(
        failed.contains("\"repo:octo-org/octo-repo:ref:refs/heads/main\""),
        "{failed}"
    );
}

#[test]
fn success_adds_a_session_table_to_the_job_summary() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("mask-aws-account-id", "true"));
    result.assert_success();
    let summary = &result.summary;
    for cell in [
        "| Credentials | `GitHub OIDC` |",
        "| Role | `***` |",
        "| Session name | `GitHubActions` |",
        "| Region | `us-east-2` |",
        "| Token subject (sub) | `repo:octo-org/octo-repo:ref:refs/heads/main` |",
    ] {
        assert!(summary.contains(cell), "{cell:?} in\n{summary}");
    }
    assert!(
        !summary.contains(ACCOUNT),
        "the masked account stays masked:\n{summary}"
    );
    assert!(summary.contains("| Expires | `20"));

    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("job-summary", "false"));
    result.assert_success();
    assert!(result.summary.is_empty());
}

#[test]
fn the_post_step_removes_the_profile_and_keeps_the_others() {
    let mut bench = Bench::new();
    let dir = bench.job.home().join(".aws");
    fs::create_dir_all(&dir).unwrap();
    let before = "# keep me\n[other]\naws_access_key_id = A\naws_secret_access_key = B\n";
    fs::write(dir.join("credentials"), before).unwrap();
    let result = bench.run(|s| s.with("aws-profile", "ci"));
    result.assert_success();
    assert_eq!(result.state["profile"], "ci");
    assert!(
        fs::read_to_string(dir.join("credentials"))
            .unwrap()
            .contains("[ci]")
    );

    let posts = bench.finish();
    let post = posts[0].result().expect("the post step ran");
    post.assert_success();
    assert_eq!(fs::read_to_string(dir.join("credentials")).unwrap(), before);
    assert!(!dir.join("config").exists(), "a file left empty is removed");
}
