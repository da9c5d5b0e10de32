//! The OIDC path end to end: the real launcher and binary under the runner simulator, against the
//! GitHub token and STS stand-ins.

use std::time::{Duration, Instant};

use crate::support::{
    ACCOUNT, Bench, EXPORTED, REGION, ROLE, assert_account_masked_first, assert_failed_with,
};
use testbench::github::{TokenFault, TokenSettings};
use testbench::runner::PostRun;
use testbench::sts::Fault;

#[test]
fn exports_role_credentials_like_the_original() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s);
    result.assert_success();

    let issued = bench.sts.issued_credentials();
    assert_eq!(issued.len(), 1);
    let creds = &issued[0];
    let env: Vec<&str> = result.env.keys().map(String::as_str).collect();
    assert_eq!(env, EXPORTED);
    assert_eq!(result.env["AWS_ACCESS_KEY_ID"], creds.access_key_id);
    assert_eq!(result.env["AWS_SECRET_ACCESS_KEY"], creds.secret_access_key);
    assert_eq!(result.env["AWS_SESSION_TOKEN"], creds.session_token);
    assert_eq!(result.env["AWS_REGION"], REGION);
    assert_eq!(result.env["AWS_DEFAULT_REGION"], REGION);

    let outputs: Vec<(&str, &str)> = result
        .outputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/deploy/GitHubActions");
    assert_eq!(
        outputs,
        [
            ("authenticated-arn", arn.as_str()),
            ("aws-account-id", ACCOUNT)
        ]
    );

    // The JWT and the three credentials are masked; the account id is not by default.
    let jwt = &bench.github.issued_tokens()[0];
    let mut masks = result.masks.clone();
    masks.sort();
    let mut expected = vec![
        jwt.clone(),
        creds.access_key_id.clone(),
        creds.secret_access_key.clone(),
        creds.session_token.clone(),
    ];
    expected.sort();
    assert_eq!(masks, expected);
    assert!(result.errors.is_empty() && result.warnings.is_empty());
    assert!(result.state.is_empty() && result.path.is_empty());
}

#[test]
fn makes_one_token_request_and_one_sts_call() {
    let mut bench = Bench::new();
    bench.run(|s| s).assert_success();

    let tokens = bench.github.requests();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].audience.as_deref(), Some("sts.amazonaws.com"));
    assert!(tokens[0].authorized);

    let calls = bench.sts.requests();
    assert_eq!(calls.len(), 1, "no GetCallerIdentity: {calls:?}");
    let call = &calls[0];
    assert_eq!(call.action, "AssumeRoleWithWebIdentity");
    assert_eq!(call.outcome, "OK");
    let params: Vec<&str> = call.params.keys().map(String::as_str).collect();
    assert_eq!(
        params,
        [
            "Action",
            "DurationSeconds",
            "RoleArn",
            "RoleSessionName",
            "Version",
            "WebIdentityToken"
        ]
    );
    assert_eq!(call.params["RoleArn"], ROLE);
    assert_eq!(call.params["RoleSessionName"], "GitHubActions");
    assert_eq!(call.params["DurationSeconds"], "3600");
    assert_eq!(
        call.params["WebIdentityToken"],
        bench.github.issued_tokens()[0]
    );
}

#[test]
fn passes_session_settings_to_sts() {
    let mut bench = Bench::new();
    bench.sts.role(ROLE).max_session_duration(7200);
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let result = bench.run(|s| {
        s.with("role-session-name", "deploy-run_1")
            .with("role-duration-seconds", "7200")
            .with("inline-session-policy", policy)
            .with(
                "managed-session-policies",
                "arn:aws:iam::aws:policy/ReadOnlyAccess\n\narn:aws:iam::111122223333:policy/extra\n",
            )
    });
    result.assert_success();
    let params = &bench.sts.requests()[0].params;
    assert_eq!(params["RoleSessionName"], "deploy-run_1");
    assert_eq!(params["DurationSeconds"], "7200");
    assert_eq!(params["Policy"], policy);
    assert_eq!(
        params["PolicyArns.member.1.arn"],
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
    assert_eq!(
        params["PolicyArns.member.2.arn"],
        "arn:aws:iam::111122223333:policy/extra"
    );
    assert_eq!(
        result.outputs["authenticated-arn"],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/deploy/deploy-run_1")
    );
}

#[test]
fn output_credentials_adds_plain_iso_expiration() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("output-credentials", "true"));
    result.assert_success();
    let creds = &bench.sts.issued_credentials()[0];
    assert_eq!(result.outputs["aws-access-key-id"], creds.access_key_id);
    assert_eq!(
        result.outputs["aws-secret-access-key"],
        creds.secret_access_key
    );
    assert_eq!(result.outputs["aws-session-token"], creds.session_token);
    let expiration = &result.outputs["aws-expiration"];
    assert!(!expiration.contains('"'), "{expiration}");
    assert!(
        expiration.ends_with('Z') && expiration.contains('T'),
        "{expiration}"
    );
    assert_eq!(&expiration[..19], &creds.expiration[..19]);
    assert_eq!(result.outputs.len(), 6);
}

#[test]
fn output_env_credentials_false_exports_nothing_to_the_environment() {
    let mut bench = Bench::new();
    let result = bench.run(|s| {
        s.with("output-env-credentials", "false")
            .with("output-credentials", "true")
    });
    result.assert_success();
    assert!(result.env.is_empty(), "{:?}", result.env);
    let outputs: Vec<&str> = result.outputs.keys().map(String::as_str).collect();
    assert_eq!(
        outputs,
        [
            "aws-access-key-id",
            "aws-expiration",
            "aws-secret-access-key",
            "aws-session-token"
        ]
    );
}

#[test]
fn mask_aws_account_id_masks_account_and_arn() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("mask-aws-account-id", "true"));
    result.assert_success();
    assert!(result.masks.iter().any(|m| m == ACCOUNT));
    assert!(
        result
            .masks
            .iter()
            .any(|m| m.ends_with(":assumed-role/deploy/GitHubActions"))
    );
    assert!(!result.log().contains(ACCOUNT));
}

#[test]
fn mask_aws_account_id_masks_before_any_line_debug_and_errors_included() {
    let mut bench = Bench::new();
    let result = bench.run(|s| {
        s.with("mask-aws-account-id", "true")
            .env("RUNNER_DEBUG", "1")
    });
    result.assert_success();
    assert!(!result.debug.is_empty());
    assert_account_masked_first(&result, true);
    assert!(
        result.masks.iter().any(|m| m == ROLE),
        "the role ARN is masked"
    );

    // A denial's error line and diagnosis name the role.
    let mut bench = Bench::new();
    bench.sts.role(ROLE).subject("repo:someone/else:*");
    let result = bench.run(|s| {
        s.with("mask-aws-account-id", "true")
            .env("RUNNER_DEBUG", "1")
    });
    assert_failed_with(&result, &["AccessDenied", "Could not assume role ***"]);
    assert_account_masked_first(&result, true);
}

#[test]
fn unset_current_credentials_blanks_then_sets() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("unset-current-credentials", "true"));
    result.assert_success();
    // The blanks come first, so the final values are the new credentials.
    assert_eq!(result.env["AWS_REGION"], REGION);
    assert!(!result.env["AWS_ACCESS_KEY_ID"].is_empty());
}

#[test]
fn unset_current_credentials_with_role_chaining_is_an_input_error() {
    let mut bench = Bench::new();
    let result = bench.run(|s| {
        s.with("unset-current-credentials", "true")
            .with("role-chaining", "true")
    });
    assert_failed_with(&result, &["'unset-current-credentials'", "'role-chaining'"]);
    assert!(bench.sts.requests().is_empty());
    assert!(bench.github.requests().is_empty());
}

#[test]
fn custom_audience_reaches_the_token_and_sts() {
    let mut bench = Bench::new();
    bench.sts.role(ROLE).audiences(&["my-aud"]);
    bench.run(|s| s.with("audience", "my-aud")).assert_success();
    assert_eq!(
        bench.github.requests()[0].audience.as_deref(),
        Some("my-aud")
    );
}

#[test]
fn masks_come_before_anything_is_written() {
    // GITHUB_OUTPUT cannot be opened: the masks must already be out, and GITHUB_ENV untouched.
    let mut bench = Bench::new();
    let dir = tempfile::tempdir().unwrap();
    let result = bench.run(|s| s.env("GITHUB_OUTPUT", dir.path().to_str().unwrap()));
    assert_failed_with(&result, &["GITHUB_OUTPUT"]);
    let creds = &bench.sts.issued_credentials()[0];
    for secret in [
        &creds.access_key_id,
        &creds.secret_access_key,
        &creds.session_token,
    ] {
        assert!(result.masks.contains(secret));
    }
    let mask_end = result
        .commands_named("add-mask")
        .map(|c| c.offset)
        .max()
        .unwrap();
    let error_at = result.commands_named("error").next().unwrap().offset;
    assert!(mask_end < error_at);
}

#[test]
fn environment_fallbacks_fill_empty_inputs() {
    let mut bench = Bench::new();
    let result = bench.run(|s| {
        s.with("aws-region", "")
            .env("AWS_REGION", "eu-west-1")
            .with("role-session-name", "")
            .env("ROLE_SESSION_NAME", "from-env")
    });
    result.assert_success();
    assert_eq!(result.env["AWS_REGION"], "eu-west-1");
    assert_eq!(
        bench.sts.requests()[0].params["RoleSessionName"],
        "from-env"
    );
}

#[test]
fn sdk_endpoint_environment_is_honoured_without_the_input() {
    let mut bench = Bench::new();
    let endpoint = bench.sts.endpoint();
    let result = bench.run(|s| {
        s.with("sts-endpoint", "")
            .env("AWS_ENDPOINT_URL_STS", &endpoint)
    });
    result.assert_success();
    assert_eq!(bench.sts.requests().len(), 1);
}

#[test]
fn bad_inputs_fail_before_any_request() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("aws-region", "", &["aws-region", "required"]),
        (
            "aws-region",
            "US_EAST",
            &["aws-region", "must be a region name", "'US_EAST'"],
        ),
        (
            "role-to-assume",
            "deploy",
            &[
                "role-to-assume",
                "full ARN",
                "arn:aws:iam::123456789012:role/deploy",
            ],
        ),
        (
            "role-to-assume",
            "arn:aws:iam::1:role/x",
            &["role-to-assume", "must be a role ARN"],
        ),
        ("role-session-name", "x", &["role-session-name", "2 to 64"]),
        (
            "role-session-name",
            "has space",
            &["role-session-name", "letters, digits"],
        ),
        (
            "role-duration-seconds",
            "1h",
            &["role-duration-seconds", "900 to 43200"],
        ),
        (
            "retry-max-attempts",
            "many",
            &["retry-max-attempts", "whole number"],
        ),
        (
            "action-timeout-s",
            "-5",
            &["action-timeout-s", "whole number"],
        ),
        (
            "output-credentials",
            "yes",
            &["output-credentials", "true | True | TRUE"],
        ),
        (
            "use-existing-credentials",
            "false-ish",
            &["use-existing-credentials", "boolean"],
        ),
        (
            "inline-session-policy",
            "{",
            &["inline-session-policy", "JSON object"],
        ),
        (
            "managed-session-policies",
            "ReadOnly",
            &["managed-session-policies", "policy ARNs"],
        ),
        (
            "allowed-account-ids",
            "12",
            &["allowed-account-ids", "12-digit"],
        ),
        ("sts-endpoint", "sts.example.com", &["sts-endpoint", "http"]),
        ("http-proxy", "socks5://p:1", &["http-proxy", "proxy URL"]),
        (
            "aws-access-key-id",
            "AKIAEXAMPLE",
            &[
                "aws-secret-access-key",
                "is required when 'aws-access-key-id' is set",
            ],
        ),
        (
            "aws-profile",
            "my profile",
            &["aws-profile", "whitespace", "'my profile'"],
        ),
        ("role-chaining", "maybe", &["role-chaining", "boolean"]),
        ("custom-tags", "{", &["custom-tags", "valid JSON"]),
        (
            "custom-tags",
            r#"{"Repository":"x"}"#,
            &["custom-tags", "'Repository'"],
        ),
        ("role-external-id", "x", &["role-external-id", "2 to 1224"]),
    ];
    for (input, value, needles) in cases {
        let mut bench = Bench::new();
        let result = bench.run(|s| s.with(input, value));
        assert_failed_with(&result, needles);
        assert!(
            bench.github.requests().is_empty(),
            "{input}: no token request"
        );
        assert!(bench.sts.requests().is_empty(), "{input}: no STS call");
    }
}

#[test]
fn missing_id_token_permission_says_how_to_fix_it() {
    let mut bench = Bench::new();
    let result = bench.run(|s| {
        s.env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
    });
    assert_failed_with(
        &result,
        &[
            "Credentials could not be loaded",
            "permissions: id-token: write",
        ],
    );
    assert!(
        result
            .log()
            .contains("Did you mean to set the `id-token` permission?")
    );
}

#[test]
fn trust_policy_denial_fails_at_once() {
    let mut bench = Bench::new();
    bench.sts.role(ROLE).subject("repo:octo-org/other-repo:*");
    let started = Instant::now();
    let result = bench.run(|s| s);
    assert_failed_with(
        &result,
        &[
            ROLE,
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            ":sub",
        ],
    );
    assert_eq!(bench.sts.requests().len(), 1, "AccessDenied is not retried");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn wrong_audience_and_unknown_provider_fail_at_once() {
    let mut bench = Bench::new();
    bench.sts.role(ROLE).audiences(&["something-else"]);
    let result = bench.run(|s| s);
    assert_failed_with(
        &result,
        &[
            "InvalidIdentityToken",
            "Incorrect token audience",
            "'audience' input",
        ],
    );
    assert_eq!(bench.sts.requests().len(), 1);

    let mut bench = Bench::new();
    bench
        .github
        .set_settings(TokenSettings::default().claim("iss", "https://unknown.example"));
    let result = bench.run(|s| s);
    assert_failed_with(
        &result,
        &[
            "No OpenIDConnect provider",
            "Create an IAM OIDC identity provider",
        ],
    );
    assert_eq!(bench.sts.requests().len(), 1);
}

#[test]
fn transient_sts_errors_are_retried() {
    for fault in [
        Fault::Throttling,
        Fault::InternalError,
        Fault::ServiceUnavailable,
        Fault::IdpCommunicationError,
        Fault::Drop,
    ] {
        let mut bench = Bench::new();
        bench.sts.fail_next(2, fault.clone());
        let result = bench.run(|s| s.with("retry-max-attempts", "3"));
        result.assert_success();
        assert_eq!(bench.sts.requests().len(), 3, "{fault:?}");
        assert_eq!(
            bench.github.requests().len(),
            1,
            "{fault:?}: the token is reused"
        );
        assert_eq!(result.env["AWS_REGION"], REGION);
    }
}

#[test]
fn verification_key_failure_is_retried_with_a_fresh_token() {
    let mut bench = Bench::new();
    bench.sts.fail_next(1, Fault::VerificationKey);
    let result = bench.run(|s| s);
    result.assert_success();
    assert_eq!(bench.sts.requests().len(), 2);
    assert_eq!(bench.github.requests().len(), 2);
    let tokens = bench.github.issued_tokens();
    assert_eq!(
        bench.sts.requests()[1].params["WebIdentityToken"],
        tokens[1]
    );
}

#[test]
fn an_expired_token_is_replaced() {
    let mut bench = Bench::new();
    // The first token is already past its expiry, so it is replaced before STS sees it.
    bench
        .github
        .set_settings(TokenSettings::default().expired());
    let result = bench.run(|s| s.with("retry-max-attempts", "2"));
    // Both tokens are stale; the action asks twice, then lets STS judge the last one.
    assert_failed_with(&result, &["ExpiredTokenException"]);
    assert_eq!(bench.github.requests().len(), 2);
}

#[test]
fn each_attempt_tries_a_throttled_call_three_times() {
    // As in the original, whose SDK tries each call of an attempt up to three times.
    let mut bench = Bench::new();
    bench.sts.fail_next(4, Fault::Throttling);
    let result = bench.run(|s| s.with("retry-max-attempts", "2"));
    result.assert_success();
    let outcomes: Vec<String> = bench
        .sts
        .requests()
        .into_iter()
        .map(|r| r.outcome)
        .collect();
    assert_eq!(
        outcomes,
        ["Throttling"; 4]
            .into_iter()
            .chain(["OK"])
            .collect::<Vec<_>>()
    );
    assert_eq!(bench.github.requests().len(), 1, "the token is reused");
}

#[test]
fn a_token_close_to_expiry_is_renewed_before_the_next_try() {
    let mut bench = Bench::new();
    // Valid for STS, but inside the freshness margin from the start.
    bench
        .github
        .set_settings(TokenSettings::default().lifetime(Duration::from_secs(30)));
    bench.sts.fail_next(2, Fault::Throttling);
    let result = bench.run(|s| s.with("disable-retry", "true"));
    result.assert_success();
    let sent: Vec<String> = bench
        .sts
        .requests()
        .into_iter()
        .map(|r| r.params["WebIdentityToken"].clone())
        .collect();
    assert_eq!(
        sent,
        bench.github.issued_tokens(),
        "a new token for each try"
    );
    assert_eq!(sent.len(), 3);
}

#[test]
fn retries_end_after_max_attempts_of_three_tries_and_say_so() {
    let mut bench = Bench::new();
    bench.sts.fail_always(Fault::Throttling);
    let result = bench.run(|s| s.with("retry-max-attempts", "2"));
    assert_failed_with(
        &result,
        &["Throttling", "Rate exceeded", "after 6 tries in 2 attempts"],
    );
    assert_eq!(bench.sts.requests().len(), 6);
}

#[test]
fn disable_retry_is_one_attempt_of_three_tries() {
    let mut bench = Bench::new();
    bench.sts.fail_always(Fault::InternalError);
    let result = bench.run(|s| s.with("disable-retry", "true"));
    assert_failed_with(&result, &["InternalFailure", "after 3 tries in 1 attempt"]);
    assert_eq!(bench.sts.requests().len(), 3);
}

#[test]
fn denials_are_never_tried_again() {
    for fault in [
        Fault::Error {
            status: 403,
            code: "AccessDenied".into(),
            message: "Not authorized to perform sts:AssumeRoleWithWebIdentity".into(),
        },
        Fault::Error {
            status: 400,
            code: "IDPRejectedClaim".into(),
            message: "Token is not from a supported provider of this federation".into(),
        },
        Fault::Error {
            status: 400,
            code: "ValidationError".into(),
            message: "1 validation error detected".into(),
        },
    ] {
        let mut bench = Bench::new();
        bench.sts.fail_always(fault.clone());
        let result = bench.run(|s| s.with("retry-max-attempts", "3"));
        result.assert_failure();
        assert_eq!(result.errors.len(), 1, "{fault:?}");
        assert_eq!(bench.sts.requests().len(), 1, "{fault:?}");
    }
}

#[test]
fn token_service_errors() {
    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::Status(500));
    bench.run(|s| s).assert_success();
    assert_eq!(bench.github.requests().len(), 2);

    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::Status(403));
    let result = bench.run(|s| s);
    assert_failed_with(&result, &["GitHub OIDC token", "HTTP 403"]);
    assert_eq!(bench.github.requests().len(), 1);
    assert!(bench.sts.requests().is_empty());

    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::MissingValue);
    assert_failed_with(&bench.run(|s| s), &["no \"value\""]);

    let mut bench = Bench::new();
    let result = bench.run(|s| s.env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "wrong"));
    assert_failed_with(&result, &["HTTP 401"]);
}

#[test]
fn a_hung_sts_call_ends_with_action_timeout() {
    let mut bench = Bench::new();
    bench.sts.fail_next(1, Fault::Hang);
    let started = Instant::now();
    let result = bench.run(|s| s.with("action-timeout-s", "2"));
    assert_failed_with(&result, &["timed out after 2 seconds", "action-timeout-s"]);
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[test]
fn a_stalled_sts_call_is_abandoned_and_retried() {
    let mut bench = Bench::new();
    bench.sts.fail_next(1, Fault::Hang);
    let result = bench.run(|s| s);
    result.assert_success();
    assert_eq!(bench.sts.requests().len(), 2);
}

#[test]
fn special_characters_workaround_asks_again_until_the_secret_is_plain() {
    let mut bench = Bench::new();
    let plain = "abcdEFGH0123abcdEFGH0123abcdEFGH01234567";
    bench
        .sts
        .issue_secrets(&["abc/def+ghi", "abc+defghi", plain]);
    let result = bench.run(|s| {
        s.with("special-characters-workaround", "true")
            .with("disable-retry", "true")
    });
    result.assert_success();
    assert_eq!(bench.sts.requests().len(), 3);
    assert_eq!(result.env["AWS_SECRET_ACCESS_KEY"], plain);

    // Without the workaround, the first secret is taken as it is.
    let mut bench = Bench::new();
    bench.sts.issue_secrets(&["abc/def+ghi"]);
    let result = bench.run(|s| s);
    result.assert_success();
    assert_eq!(result.env["AWS_SECRET_ACCESS_KEY"], "abc/def+ghi");
}

#[test]
fn debug_output_shows_the_sdk_at_work_and_no_secret() {
    let mut bench = Bench::new();
    bench.sts.fail_next(1, Fault::Throttling);
    // The leak check of every run covers these debug lines too.
    let result = bench.run(|s| s.env("RUNNER_DEBUG", "1"));
    result.assert_success();
    assert!(
        result
            .debug
            .iter()
            .any(|d| d.contains("session name GitHubActions"))
    );
    for sdk_line in ["will apply endpoint", "request_id="] {
        assert!(
            result.debug.iter().any(|d| d.contains(sdk_line)),
            "the SDK's {sdk_line:?} reaches ::debug::: {:?}",
            result.debug
        );
    }
}

#[test]
fn force_skip_oidc_with_only_a_role_is_refused() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("force-skip-oidc", "true"));
    assert_failed_with(
        &result,
        &[
            "force-skip-oidc",
            "aws-access-key-id",
            "web-identity-token-file",
        ],
    );
    assert!(bench.github.requests().is_empty());
}

#[test]
fn use_existing_credentials_false_means_false() {
    let mut bench = Bench::new();
    bench
        .run(|s| s.with("use-existing-credentials", "false"))
        .assert_success();
    assert_eq!(bench.sts.requests().len(), 1);
}

#[test]
fn allowed_account_ids_rejects_other_accounts_and_exports_nothing() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("allowed-account-ids", "999988887777, 444455556666"));
    assert_failed_with(&result, &[ACCOUNT, "allowed-account-ids", "999988887777"]);

    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("allowed-account-ids", &format!("999988887777,{ACCOUNT}")));
    result.assert_success();
}

#[test]
fn custom_tags_are_ignored_with_a_warning() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("custom-tags", r#"{"Team":"a"}"#));
    result.assert_success();
    assert_eq!(result.warnings.len(), 1);
    assert!(result.warnings[0].contains("'custom-tags' is set but will be ignored"));
    assert!(
        !bench.sts.requests()[0]
            .params
            .keys()
            .any(|k| k.starts_with("Tags"))
    );
}

#[test]
fn post_step_blanks_what_the_main_step_exported() {
    let mut bench = Bench::new();
    bench.run(|s| s).assert_success();
    let posts = bench.finish();
    assert_eq!(posts.len(), 1);
    let post = posts[0].result().expect("the post step ran");
    post.assert_success();
    let env: Vec<(&str, &str)> = post
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(env, EXPORTED.map(|k| (k, "")));
    for name in EXPORTED {
        assert_eq!(bench.job.env()[name], "");
    }
}

#[test]
fn post_step_is_skipped_with_aws_skip_cleanup_step() {
    let mut bench = Bench::new();
    bench
        .run(|s| s.env("AWS_SKIP_CLEANUP_STEP", "true"))
        .assert_success();
    let posts = bench.finish();
    assert!(
        matches!(posts.as_slice(), [PostRun::Skipped { .. }]),
        "{posts:?}"
    );
}
