//! The other modes of the original: access keys, role names, session tags, role chaining, a web
//! identity token file, the SDK's ambient credentials, existing credentials, and the user agent.

use crate::support::{
    ACCOUNT, Bench, REGION, ROLE, assert_account_masked_first, assert_failed_with,
};
use testbench::http::{Request, Response, Server};
use testbench::imds::Imds;
use testbench::runner::Step;
use testbench::sts::Fault;

const USER: &str = "arn:aws:iam::111122223333:user/ci";
const OTHER_ROLE: &str = "arn:aws:iam::111122223333:role/audit";

fn keys(bench: &Bench) -> (String, String) {
    let keys = bench.sts.user(USER);
    (keys.access_key_id, keys.secret_access_key)
}

/// Access keys as the step's inputs.
trait KeyInputs {
    fn keys(self, id: &str, secret: &str) -> Self;
}

impl KeyInputs for Step<'_> {
    fn keys(self, id: &str, secret: &str) -> Self {
        self.with("aws-access-key-id", id)
            .with("aws-secret-access-key", secret)
    }
}

#[test]
fn access_keys_without_a_role_are_validated_and_exported() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .keys(&id, &secret)
            .with("output-credentials", "true")
    });
    result.assert_success();
    assert_eq!(result.env["AWS_ACCESS_KEY_ID"], id);
    assert_eq!(result.env["AWS_SECRET_ACCESS_KEY"], secret);
    assert_eq!(result.env["AWS_REGION"], REGION);
    assert!(!result.env.contains_key("AWS_SESSION_TOKEN"));
    assert_eq!(result.outputs["aws-account-id"], ACCOUNT);
    assert_eq!(result.outputs["authenticated-arn"], USER);
    assert_eq!(result.outputs["aws-access-key-id"], id);
    assert!(!result.outputs.contains_key("aws-expiration"));
    assert!(result.masks.contains(&id) && result.masks.contains(&secret));
    assert!(bench.github.requests().is_empty(), "keys win over OIDC");
    let calls = bench.sts.requests();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].action, "GetCallerIdentity");
    assert_eq!(calls[0].caller_access_key.as_deref(), Some(id.as_str()));
    assert_eq!(calls[0].outcome, "OK");
}

#[test]
fn long_term_keys_clear_an_earlier_session_token() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .keys(&id, &secret)
            .env("AWS_SESSION_TOKEN", "from-an-earlier-step")
    });
    result.assert_success();
    assert_eq!(result.env["AWS_SESSION_TOKEN"], "");
}

#[test]
fn a_wrong_secret_fails_with_sts_words_and_stays_masked() {
    let mut bench = Bench::new();
    let (id, _) = keys(&bench);
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("aws-access-key-id", &id)
            .with(
                "aws-secret-access-key",
                "not-the-secret-0000000000000000000000000",
            )
    });
    assert_failed_with(
        &result,
        &["Credentials could not be loaded", "SignatureDoesNotMatch"],
    );
    assert!(result.masks.iter().any(|m| m.starts_with("not-the-secret")));
    assert_eq!(
        bench.sts.requests().len(),
        1,
        "a signature error is not retried"
    );
}

#[test]
fn access_keys_assume_a_role_with_session_tags() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    let result = bench.run(|s| {
        s.keys(&id, &secret)
            .with("role-duration-seconds", "900")
            .with("custom-tags", r#"{"Team":"infra"}"#)
            .with("transitive-tag-keys", "Team\nRepository\nNope")
    });
    result.assert_success();
    let calls = bench.sts.requests();
    assert_eq!(
        calls.len(),
        1,
        "an ARN needs no GetCallerIdentity: {calls:?}"
    );
    assert_eq!(calls[0].action, "AssumeRole");
    assert_eq!(calls[0].caller_access_key.as_deref(), Some(id.as_str()));
    let issued = &bench.sts.issued_credentials()[0];
    assert_eq!(issued.source, USER);
    assert_eq!(issued.duration_seconds, 900);
    let tag = |key: &str| {
        issued
            .tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(tag("GitHub"), Some("Actions"));
    assert_eq!(tag("Repository"), Some("octo-org/octo-repo"));
    assert_eq!(tag("Branch"), Some("refs/heads/main"));
    assert_eq!(tag("Team"), Some("infra"));
    assert_eq!(issued.transitive_tag_keys, ["Team", "Repository"]);
    assert_eq!(result.env["AWS_ACCESS_KEY_ID"], issued.access_key_id);
    assert_eq!(result.env["AWS_SESSION_TOKEN"], issued.session_token);
    assert_eq!(
        result.outputs["authenticated-arn"],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/deploy/GitHubActions")
    );
    assert!(result.log().contains("Assuming role with user credentials"));
}

#[test]
fn a_role_name_is_completed_from_the_caller_account() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    bench
        .run(|s| s.with("role-to-assume", "deploy").keys(&id, &secret))
        .assert_success();
    let calls = bench.sts.requests();
    let actions: Vec<&str> = calls.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["GetCallerIdentity", "AssumeRole"]);
    assert_eq!(calls[1].params["RoleArn"], ROLE);
}

#[test]
fn mask_aws_account_id_masks_an_account_learned_from_the_caller() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    let result = bench.run(|s| {
        s.with("role-to-assume", "deploy")
            .keys(&id, &secret)
            .with("mask-aws-account-id", "true")
            .env("RUNNER_DEBUG", "1")
    });
    result.assert_success();
    assert_account_masked_first(&result, false);

    // The account is also masked in the error that refuses it.
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .keys(&id, &secret)
            .with("mask-aws-account-id", "true")
            .with("allowed-account-ids", "999988887777")
    });
    assert_failed_with(&result, &["AWS account ***", "allowed-account-ids"]);
    assert_account_masked_first(&result, false);
}

#[test]
fn a_role_name_and_a_caller_arn_that_cannot_complete_it_fail_cleanly() {
    // An endpoint whose GetCallerIdentity answer has no partition and account to complete with.
    let sts = Server::start(|_: &Request| {
        Response::new(200)
            .header("Content-Type", "text/xml")
            .body(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <GetCallerIdentityResult><Arn>not-an-arn</Arn><UserId>AIDAEXAMPLE</UserId>\
                 <Account>111122223333</Account></GetCallerIdentityResult>\
                 <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
                 </GetCallerIdentityResponse>",
            )
            .into()
    });
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    let result = bench.run(|s| {
        s.with("role-to-assume", "deploy")
            .keys(&id, &secret)
            .with("sts-endpoint", &sts.base_url())
    });
    assert_failed_with(&result, &["role-to-assume", "'not-an-arn'", "full ARN"]);
    assert!(
        !result.stdout.contains("internal error"),
        "{}",
        result.stdout
    );
}

#[test]
fn skip_session_tagging_sends_no_tags() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    bench
        .run(|s| {
            s.keys(&id, &secret)
                .with("role-skip-session-tagging", "true")
                .with("transitive-tag-keys", "Repository")
        })
        .assert_success();
    let params = &bench.sts.requests()[0].params;
    assert!(
        !params
            .keys()
            .any(|k| k.starts_with("Tags") || k.starts_with("Transitive"))
    );
}

#[test]
fn too_large_tags_are_retried_once_without_the_droppable_ones() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    bench.sts.role(ROLE).packed_policy_limit(200);
    let result = bench.run(|s| s.keys(&id, &secret));
    result.assert_success();
    let calls = bench.sts.requests();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].outcome, "PackedPolicyTooLarge");
    let tag_values = |i: usize| -> Vec<String> {
        calls[i]
            .params
            .iter()
            .filter(|(k, _)| k.ends_with(".Key"))
            .map(|(_, v)| v.clone())
            .collect()
    };
    assert!(tag_values(0).contains(&"RunId".to_owned()));
    assert!(!tag_values(1).contains(&"RunId".to_owned()));
    assert!(tag_values(1).contains(&"Repository".to_owned()));
    assert!(result.log().contains("dropping droppable tags"));
}

#[test]
fn external_id_is_passed_and_required_by_the_role() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    bench.sts.role(ROLE).external_id("tenant-42");
    let result = bench.run(|s| s.keys(&id, &secret));
    assert_failed_with(
        &result,
        &["with user credentials", "AccessDenied", "role-external-id"],
    );
    assert_eq!(bench.sts.requests().len(), 1, "AccessDenied is not retried");

    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    bench.sts.role(ROLE).external_id("tenant-42");
    bench
        .run(|s| s.keys(&id, &secret).with("role-external-id", "tenant-42"))
        .assert_success();
    assert_eq!(
        bench.sts.issued_credentials()[0].external_id.as_deref(),
        Some("tenant-42")
    );
}

#[test]
fn role_chaining_assumes_the_next_role_with_the_job_credentials() {
    let mut bench = Bench::new();
    bench.sts.role(OTHER_ROLE);
    bench.run(|s| s).assert_success();
    let first = bench.sts.issued_credentials()[0].clone();

    let result = bench.run(|s| {
        s.with("role-to-assume", OTHER_ROLE)
            .with("role-chaining", "true")
    });
    result.assert_success();
    let calls = bench.sts.requests();
    let last = calls.last().unwrap();
    assert_eq!(last.action, "AssumeRole");
    assert_eq!(
        last.caller_access_key.as_deref(),
        Some(first.access_key_id.as_str())
    );
    let second = bench.sts.issued_credentials()[1].clone();
    assert_eq!(second.source, first.assumed_role_arn);
    assert_eq!(result.env["AWS_ACCESS_KEY_ID"], second.access_key_id);
    assert_eq!(bench.github.requests().len(), 1, "no token for chaining");

    // STS caps chained sessions at an hour.
    let result = bench.run(|s| {
        s.with("role-to-assume", OTHER_ROLE)
            .with("role-chaining", "true")
            .with("role-duration-seconds", "7200")
    });
    assert_failed_with(&result, &["ValidationError", "1 hour session limit"]);
}

#[test]
fn a_web_identity_token_file_is_read_from_the_workspace() {
    let mut bench = Bench::new();
    let token = bench.github.mint("sts.amazonaws.com");
    std::fs::write(bench.job.workspace().join("token"), &token).unwrap();
    let result = bench.run(|s| {
        s.with("web-identity-token-file", "token")
            .with("custom-tags", r#"{"Team":"infra"}"#)
    });
    result.assert_success();
    assert!(result.masks.contains(&token), "the token is masked");
    assert!(result.warnings[0].contains("'custom-tags' is set but will be ignored"));
    assert!(bench.github.requests().is_empty());
    let call = &bench.sts.requests()[0];
    assert_eq!(call.action, "AssumeRoleWithWebIdentity");
    assert_eq!(call.params["WebIdentityToken"], token);
    assert!(!call.params.keys().any(|k| k.starts_with("Tags")));
    assert!(
        result
            .log()
            .contains("Assuming role with web identity token file")
    );
}

#[test]
fn a_missing_or_linked_token_file_is_refused() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("web-identity-token-file", "nope"));
    assert_failed_with(&result, &["Web identity token file does not exist", "nope"]);
    assert!(bench.sts.requests().is_empty());

    #[cfg(unix)]
    {
        let mut bench = Bench::new();
        let workspace = bench.job.workspace();
        std::fs::write(
            workspace.join("real"),
            bench.github.mint("sts.amazonaws.com"),
        )
        .unwrap();
        std::os::unix::fs::symlink(workspace.join("real"), workspace.join("link")).unwrap();
        let result = bench.run(|s| s.with("web-identity-token-file", "link"));
        assert_failed_with(
            &result,
            &["Refusing web identity token file", "symbolic link"],
        );
        assert!(bench.sts.requests().is_empty());
    }
}

#[test]
fn ambient_credentials_from_the_environment() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .env("AWS_ACCESS_KEY_ID", &id)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
            .with("output-env-credentials", "false")
    });
    result.assert_success();
    // The ambient credentials stay where they are; only who they are is reported.
    assert!(result.env.is_empty(), "{:?}", result.env);
    assert_eq!(result.outputs["aws-account-id"], ACCOUNT);
    assert_eq!(result.outputs["authenticated-arn"], USER);
    assert_eq!(bench.sts.requests()[0].action, "GetCallerIdentity");
}

#[test]
fn ambient_credentials_from_the_instance_metadata_service() {
    let mut bench = Bench::new();
    let instance = bench
        .sts
        .instance_profile("arn:aws:iam::111122223333:role/runner");
    let imds = Imds::start(instance.clone());
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .env("AWS_EC2_METADATA_DISABLED", "false")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.endpoint())
    });
    result.assert_success();
    assert_eq!(result.outputs["aws-account-id"], ACCOUNT);
    assert_eq!(
        result.outputs["authenticated-arn"],
        instance.assumed_role_arn
    );
    let call = &bench.sts.requests()[0];
    assert_eq!(
        call.caller_access_key.as_deref(),
        Some(instance.access_key_id.as_str())
    );
    assert!(!imds.requests().is_empty());
}

#[test]
fn ambient_credentials_assume_a_role_without_oidc() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    let result = bench.run(|s| {
        s.env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
            .env("AWS_ACCESS_KEY_ID", &id)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
    });
    result.assert_success();
    assert!(
        result
            .log()
            .contains("Did you mean to set the `id-token` permission?")
    );
    let calls = bench.sts.requests();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].action, "AssumeRole");
    assert_eq!(calls[0].caller_access_key.as_deref(), Some(id.as_str()));
}

#[test]
fn force_skip_oidc_uses_the_keys_even_with_id_token_permission() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    bench
        .run(|s| s.with("force-skip-oidc", "true").keys(&id, &secret))
        .assert_success();
    assert!(bench.github.requests().is_empty());
    assert_eq!(bench.sts.requests()[0].action, "AssumeRole");
}

#[test]
fn use_existing_credentials_keeps_valid_ones() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    let result = bench.run(|s| {
        s.with("use-existing-credentials", "true")
            .env("AWS_ACCESS_KEY_ID", &id)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
    });
    result.assert_success();
    assert_eq!(
        result.notices,
        ["Pre-existing credentials are valid. No need to generate new ones."]
    );
    let env: Vec<&str> = result.env.keys().map(String::as_str).collect();
    assert_eq!(env, ["AWS_DEFAULT_REGION", "AWS_REGION"]);
    assert!(bench.github.requests().is_empty());

    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("use-existing-credentials", "true"));
    result.assert_success();
    assert_eq!(
        result.notices,
        ["No valid credentials exist. Running as normal."]
    );
    assert_eq!(bench.github.requests().len(), 1, "then OIDC as usual");
}

#[test]
fn allowed_account_ids_applies_to_access_keys_too() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .keys(&id, &secret)
            .with("allowed-account-ids", "999988887777")
    });
    assert_failed_with(&result, &[ACCOUNT, "allowed-account-ids"]);
}

#[test]
fn transient_errors_of_signed_calls_are_retried() {
    let mut bench = Bench::new();
    let (id, secret) = keys(&bench);
    bench.sts.fail_next(1, Fault::Throttling);
    bench.sts.fail_next(1, Fault::InternalError);
    bench.run(|s| s.keys(&id, &secret)).assert_success();
    assert_eq!(bench.sts.requests().len(), 3);
}

#[test]
fn the_user_agent_names_the_action_and_the_run() {
    let mut bench = Bench::new();
    bench.run(|s| s).assert_success();
    let agent = bench.sts.requests()[0]
        .user_agent
        .clone()
        .unwrap_or_default();
    for part in [
        "app/aws-oidc-credentials",
        "md/run_id#4242424242",
        "md/attempt#1",
        "md/action#",
    ] {
        assert!(agent.contains(part), "{part} in {agent}");
    }
}
