//! The STS stand-in: exact success and error XML, AWS's checks in order, faults, the
//! signed `GetCallerIdentity`, and the request log.

use std::time::{Duration, Instant};

use testbench::github::{GithubTokenService, TokenSettings};
use testbench::jwt::SigningKey;
use testbench::sts::{Fault, StsStandIn};

use testbench::sts::sigv4::Keys;

use crate::client::{Answer, Connection, form, now, signed_sts_post, sts_post};

const ROLE: &str = "arn:aws:iam::111122223333:role/ci/deploy";

fn bench() -> (GithubTokenService, StsStandIn) {
    let github = GithubTokenService::start();
    let sts = StsStandIn::start();
    sts.trust(&github);
    sts.role(ROLE);
    (github, sts)
}

/// An `AssumeRoleWithWebIdentity` call; `changes` replace or add parameters, and an empty
/// value removes one.
fn assume(sts: &StsStandIn, token: &str, changes: &[(&str, &str)]) -> Answer {
    let mut params = vec![
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", ROLE),
        ("RoleSessionName", "GitHubActions"),
        ("WebIdentityToken", token),
    ];
    for (name, value) in changes {
        params.retain(|(n, _)| n != name);
        if !value.is_empty() {
            params.push((name, value));
        }
    }
    sts_post(
        &sts.endpoint(),
        &[("User-Agent", "aws-sdk-rust/1.3 test")],
        &params,
    )
}

fn error_xml(code: &str, kind: &str, message: &str, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    \
         <Type>{kind}</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  \
         </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
    )
}

#[track_caller]
pub fn assert_error(answer: &Answer, status: u16, code: &str, message: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let expected = error_xml(code, kind, message, &answer.headers["x-amzn-requestid"]);
    assert_eq!(answer.body, expected);
    assert_eq!(answer.headers["content-type"], "text/xml");
}

#[test]
fn answers_success_in_sts_shape() {
    let (github, sts) = bench();
    let token = github.mint("sts.amazonaws.com");
    let answer = assume(&sts, &token, &[("DurationSeconds", "900")]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let issued = sts.issued_credentials();
    assert_eq!(issued.len(), 1);
    let c = &issued[0];
    let request_id = &answer.headers["x-amzn-requestid"];
    assert_eq!(request_id.len(), 36);
    let role_id = &c.assumed_role_id[..21];
    let expected = format!(
        r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>repo:octo-org/octo-repo:ref:refs/heads/main</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::111122223333:assumed-role/deploy/GitHubActions</Arn>
      <AssumedRoleId>{role_id}:GitHubActions</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>{}</SessionToken>
      <SecretAccessKey>{}</SecretAccessKey>
      <Expiration>{}</Expiration>
      <AccessKeyId>{}</AccessKeyId>
    </Credentials>
    <Provider>{}</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>{request_id}</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
"#,
        c.session_token,
        c.secret_access_key,
        c.expiration,
        c.access_key_id,
        github.issuer().strip_prefix("http://").unwrap(),
    );
    assert_eq!(answer.body, expected);

    assert!(role_id.starts_with("AROA"));
    assert!(c.access_key_id.starts_with("ASIA"));
    assert_eq!(c.access_key_id.len(), 20);
    assert!(
        c.access_key_id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );
    assert_eq!(c.secret_access_key.len(), 40);
    assert!(c.session_token.len() > 500);
    assert!((now() + 895..=now() + 900).contains(&c.expires_at));
    assert!(c.expiration.ends_with('Z') && c.expiration.len() == 20);
    assert_eq!(c.duration_seconds, 900);
    assert_eq!(c.account, "111122223333");
    assert_eq!(c.role_arn, ROLE);
    assert_eq!(
        c.source,
        format!(
            "arn:aws:iam::111122223333:oidc-provider/{}",
            github.issuer().strip_prefix("http://").unwrap()
        )
    );
    assert!(c.tags.is_empty() && c.transitive_tag_keys.is_empty() && c.external_id.is_none());
}

#[test]
fn secrets_look_like_real_ones() {
    let (github, sts) = bench();
    let token = github.mint("sts.amazonaws.com");
    for _ in 0..20 {
        assert_eq!(assume(&sts, &token, &[]).status, 200);
    }
    let secrets: String = sts
        .issued_credentials()
        .iter()
        .map(|c| c.secret_access_key.clone())
        .collect();
    assert!(secrets.contains('/') && secrets.contains('+'));
}

#[test]
fn validates_parameters_first_in_aws_wording() {
    let (_github, sts) = bench();
    // A token that would fail every later check: validation must answer first.
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("RoleSessionName", "x")],
            "1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy \
             constraint: Member must have length greater than or equal to 2",
        ),
        (
            &[("RoleSessionName", "has space")],
            "1 validation error detected: Value 'has space' at 'roleSessionName' failed to \
             satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        ),
        (
            &[("DurationSeconds", "899")],
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy \
             constraint: Member must have value greater than or equal to 900",
        ),
        (
            &[("DurationSeconds", "43201")],
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy \
             constraint: Member must have value less than or equal to 43200",
        ),
        (
            &[("RoleArn", "arn:aws:iam::1:role/x")],
            "Request ARN is invalid",
        ),
        (
            &[
                ("RoleArn", ""),
                ("RoleSessionName", ""),
                ("WebIdentityToken", ""),
            ],
            "3 validation errors detected: Value null at 'roleArn' failed to satisfy \
             constraint: Member must not be null; Value null at 'roleSessionName' failed to \
             satisfy constraint: Member must not be null; Value null at 'webIdentityToken' \
             failed to satisfy constraint: Member must not be null",
        ),
    ];
    for (changes, message) in cases {
        assert_error(
            &assume(&sts, "not-a-jwt", changes),
            400,
            "ValidationError",
            message,
        );
    }
    let arns: Vec<String> = (1..=11)
        .map(|n| format!("arn:aws:iam::aws:policy/P{n}"))
        .collect();
    let names: Vec<String> = (1..=11)
        .map(|n| format!("PolicyArns.member.{n}.arn"))
        .collect();
    let changes: Vec<(&str, &str)> = names
        .iter()
        .zip(&arns)
        .map(|(n, a)| (n.as_str(), a.as_str()))
        .collect();
    let answer = assume(&sts, "not-a-jwt", &changes);
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10"));
}

#[test]
fn checks_the_token_then_the_trust_rule() {
    let (github, sts) = bench();
    let good = github.mint("sts.amazonaws.com");

    assert_error(
        &assume(&sts, "not-a-jwt", &[]),
        400,
        "InvalidIdentityToken",
        "Couldn't parse the provided web identity token.",
    );

    let stranger = GithubTokenService::start();
    assert_error(
        &assume(&sts, &stranger.mint("sts.amazonaws.com"), &[]),
        400,
        "InvalidIdentityToken",
        &format!(
            "No OpenIDConnect provider found in your account for {}",
            stranger.issuer()
        ),
    );

    github.set_settings(TokenSettings::default().signing_key(SigningKey::untrusted()));
    assert_error(
        &assume(&sts, &github.mint("sts.amazonaws.com"), &[]),
        400,
        "InvalidIdentityToken",
        "Failed to validate the token signature",
    );

    github.set_settings(TokenSettings::default().expired());
    let expired = assume(&sts, &github.mint("sts.amazonaws.com"), &[]);
    assert_eq!(expired.status, 400);
    assert!(expired.body.contains("<Code>ExpiredTokenException</Code>"));
    assert!(
        expired
            .body
            .contains("<Message>Token expired: current date/time ")
    );
    assert!(
        expired
            .body
            .contains(" must be before the expiration date/time ")
    );

    github.set_settings(TokenSettings::default());
    assert_error(
        &assume(&sts, &github.mint("other"), &[]),
        400,
        "InvalidIdentityToken",
        "Incorrect token audience",
    );

    let denied = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
    let unknown_role = "arn:aws:iam::111122223333:role/nope";
    assert_error(
        &assume(&sts, &good, &[("RoleArn", unknown_role)]),
        403,
        "AccessDenied",
        denied,
    );

    sts.role(ROLE).subject("repo:octo-org/other:*");
    assert_error(&assume(&sts, &good, &[]), 403, "AccessDenied", denied);
    sts.role(ROLE)
        .subject("repo:octo-org/octo-repo:ref:refs/heads/*");
    assert_eq!(assume(&sts, &good, &[]).status, 200);

    assert_error(
        &assume(&sts, &good, &[("DurationSeconds", "7200")]),
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
    sts.role(ROLE).max_session_duration(7200);
    assert_eq!(
        assume(&sts, &good, &[("DurationSeconds", "7200")]).status,
        200
    );

    assert_error(
        &assume(&sts, &good, &[("Policy", "{not json")]),
        400,
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
    );
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let answer = assume(
        &sts,
        &good,
        &[
            ("Policy", policy),
            (
                "PolicyArns.member.1.arn",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
        ],
    );
    assert_eq!(answer.status, 200);
    let last = sts.issued_credentials().pop().unwrap();
    assert_eq!(last.policy.as_deref(), Some(policy));
    assert_eq!(
        last.policy_arns,
        vec!["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    );

    sts.role(ROLE).audiences(&["custom"]);
    assert_eq!(assume(&sts, &github.mint("custom"), &[]).status, 200);
    assert_eq!(sts.role(ROLE).get().audiences, vec!["custom"]);
}

#[test]
fn plays_faults_one_per_request() {
    let (github, sts) = bench();
    let token = github.mint("sts.amazonaws.com");
    let faults = [
        (Fault::Throttling, 400, "Throttling", "Rate exceeded"),
        (
            Fault::InternalError,
            500,
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
        ),
        (
            Fault::ServiceUnavailable,
            503,
            "ServiceUnavailable",
            "Service is unable to handle request.",
        ),
        (
            Fault::IdpCommunicationError,
            400,
            "IDPCommunicationError",
            "The request could not be fulfilled because the identity provider (IDP) that was \
             asked to verify the incoming identity token could not be reached.",
        ),
        (
            Fault::VerificationKey,
            400,
            "InvalidIdentityToken",
            "Couldn't retrieve verification key from your identity provider,  please reference \
             AssumeRoleWithWebIdentity documentation for requirements",
        ),
        (
            Fault::Error {
                status: 400,
                code: "RegionDisabledException".into(),
                message: "STS is not activated in this region".into(),
            },
            400,
            "RegionDisabledException",
            "STS is not activated in this region",
        ),
    ];
    for (fault, ..) in &faults {
        sts.fail_next(1, fault.clone());
    }
    for (_, status, code, message) in &faults {
        assert_error(&assume(&sts, &token, &[]), *status, code, message);
    }
    assert_eq!(assume(&sts, &token, &[]).status, 200);
    assert_eq!(sts.issued_credentials().len(), 1);

    sts.fail_next(1, Fault::Slow(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(assume(&sts, &token, &[]).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    sts.fail_next(1, Fault::Drop);
    let mut dropped = Connection::open(&sts.endpoint());
    dropped.send("POST", "/", &[], &form(&[("Action", "GetCallerIdentity")]));
    assert!(dropped.receive().is_none());

    sts.fail_next(1, Fault::Hang);
    let mut hung = Connection::open(&sts.endpoint());
    hung.send("POST", "/", &[], &form(&[("Action", "GetCallerIdentity")]));
    assert!(hung.stays_silent(Duration::from_millis(300)));

    let outcomes: Vec<String> = sts.requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            "Throttling",
            "InternalFailure",
            "ServiceUnavailable",
            "IDPCommunicationError",
            "InvalidIdentityToken",
            "RegionDisabledException",
            "OK",
            "OK",
            "Drop",
            "Hang"
        ]
    );
}

#[test]
fn plays_answers_that_are_not_usable() {
    let (github, sts) = bench();
    let token = github.mint("sts.amazonaws.com");
    sts.fail_next(1, Fault::MalformedXml);
    sts.fail_next(1, Fault::EmptyResult);

    let malformed = assume(&sts, &token, &[]);
    assert_eq!(malformed.status, 200);
    assert!(
        malformed
            .body
            .starts_with("<AssumeRoleWithWebIdentityResponse")
    );
    assert!(
        malformed
            .body
            .trim_end()
            .ends_with("</AssumeRoleWithWebIdentityResult>\n</Credentials>")
    );

    let empty = assume(&sts, &token, &[]);
    assert_eq!(empty.status, 200);
    assert!(
        empty
            .body
            .contains("<AssumeRoleWithWebIdentityResult>\n  </AssumeRoleWithWebIdentityResult>"),
        "{}",
        empty.body
    );
    assert!(!empty.body.contains("Credentials"));
    assert!(empty.body.contains("<RequestId>"));

    assert_eq!(assume(&sts, &token, &[]).status, 200);
    assert_eq!(sts.issued_credentials().len(), 1);
    let outcomes: Vec<String> = sts.requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, ["MalformedXml", "EmptyResult", "OK"]);
}

#[test]
fn plays_a_lasting_fault_after_the_queued_ones() {
    let (github, sts) = bench();
    let token = github.mint("sts.amazonaws.com");
    sts.fail_next(1, Fault::InternalError);
    sts.fail_always(Fault::Throttling);
    assert_eq!(assume(&sts, &token, &[]).status, 500);
    for _ in 0..3 {
        assert_error(
            &assume(&sts, &token, &[]),
            400,
            "Throttling",
            "Rate exceeded",
        );
    }
    assert!(sts.issued_credentials().is_empty());
}

#[test]
fn throttles_above_its_rate_limit_and_adds_latency() {
    let (github, sts) = bench();
    let token = github.mint("sts.amazonaws.com");
    sts.rate_limit(3);
    let statuses: Vec<u16> = (0..5).map(|_| assume(&sts, &token, &[]).status).collect();
    assert_eq!(statuses, [200, 200, 200, 400, 400]);
    let log = sts.requests();
    assert_eq!(log[3].outcome, "Throttling");
    assert!(log.windows(2).all(|w| w[0].received <= w[1].received));
    // A second later the window has room again.
    std::thread::sleep(Duration::from_millis(1050));
    assert_eq!(assume(&sts, &token, &[]).status, 200);

    sts.set_latency(Duration::from_millis(200));
    let started = Instant::now();
    assume(&sts, &token, &[]);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[test]
fn get_caller_identity_knows_issued_keys() {
    let (github, sts) = bench();
    assert_eq!(
        assume(&sts, &github.mint("sts.amazonaws.com"), &[]).status,
        200
    );
    let c = sts.issued_credentials().remove(0);
    let call = |keys: Keys<'_>| {
        signed_sts_post(
            &sts.endpoint(),
            keys,
            &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
        )
    };
    let answer = call(Keys::from(&c));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let expected = format!(
        r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::111122223333:assumed-role/deploy/GitHubActions</Arn>
    <UserId>{}</UserId>
    <Account>111122223333</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>{}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
"#,
        c.assumed_role_id, answer.headers["x-amzn-requestid"]
    );
    assert_eq!(answer.body, expected);

    let invalid = "The security token included in the request is invalid.";
    let stranger = Keys {
        access_key_id: "ASIAAAAAAAAAAAAAAAAA",
        ..Keys::from(&c)
    };
    assert_error(&call(stranger), 403, "InvalidClientTokenId", invalid);
    let wrong_token = Keys {
        session_token: Some("wrong"),
        ..Keys::from(&c)
    };
    assert_error(&call(wrong_token), 403, "InvalidClientTokenId", invalid);
    let unsigned = sts_post(&sts.endpoint(), &[], &[("Action", "GetCallerIdentity")]);
    assert_error(
        &unsigned,
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    );
}

#[test]
fn rejects_unknown_actions_and_logs_requests() {
    let (github, sts) = bench();
    let answer = sts_post(
        &sts.endpoint(),
        &[],
        &[("Action", "AssumeRoot"), ("Version", "2011-06-15")],
    );
    assert_error(
        &answer,
        400,
        "InvalidAction",
        "Could not find operation AssumeRoot for version 2011-06-15",
    );
    let token = github.mint("sts.amazonaws.com");
    assume(&sts, &token, &[("Policy", r#"{"a": "b c+d"}"#)]);
    let requests = sts.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].action, "AssumeRoot");
    assert_eq!(requests[0].outcome, "InvalidAction");
    let assumed = &requests[1];
    assert_eq!(assumed.action, "AssumeRoleWithWebIdentity");
    assert_eq!(assumed.outcome, "OK");
    assert_eq!(assumed.caller_access_key, None);
    assert_eq!(assumed.user_agent.as_deref(), Some("aws-sdk-rust/1.3 test"));
    assert_eq!(assumed.params["WebIdentityToken"], token);
    assert_eq!(assumed.params["Policy"], r#"{"a": "b c+d"}"#);
    assert_eq!(
        assumed.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
}
