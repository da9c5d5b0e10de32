//! `AssumeRole` on the STS stand-in: the answer's shape, session tags and their limits, trust
//! by account or by principal, external ids, and role chaining.

use testbench::sts::sigv4::Keys;
use testbench::sts::{IssuedCredentials, StsStandIn};

use crate::client::{Answer, signed_sts_post};
use crate::sts::assert_error;

const USER: &str = "arn:aws:iam::111122223333:user/ci";
const ROLE: &str = "arn:aws:iam::111122223333:role/deploy";
const TARGET: &str = "arn:aws:iam::111122223333:role/target";

/// An `AssumeRole` of `role` as `keys`, with `extra` parameters.
fn assume(sts: &StsStandIn, keys: Keys<'_>, role: &str, extra: &[(&str, &str)]) -> Answer {
    let mut params = vec![
        ("Action", "AssumeRole"),
        ("Version", "2011-06-15"),
        ("RoleArn", role),
        ("RoleSessionName", "ci"),
    ];
    params.extend_from_slice(extra);
    signed_sts_post(&sts.endpoint(), keys, &params)
}

/// The last credentials issued.
fn last(sts: &StsStandIn) -> IssuedCredentials {
    sts.issued_credentials()
        .pop()
        .expect("credentials were issued")
}

fn denied(caller: &str, role: &str) -> String {
    format!("User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role}")
}

#[test]
fn answers_with_tagged_credentials_that_sign() {
    let sts = StsStandIn::start();
    sts.role(ROLE);
    let keys = sts.user(USER);
    let answer = assume(
        &sts,
        (&keys).into(),
        ROLE,
        &[
            ("DurationSeconds", "900"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "platform"),
            ("Tags.member.2.Key", "run"),
            ("Tags.member.2.Value", ""),
            ("TransitiveTagKeys.member.1", "team"),
            ("ExternalId", "ext-123"),
            (
                "PolicyArns.member.1.arn",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
        ],
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let c = last(&sts);
    let expected = format!(
        r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::111122223333:assumed-role/deploy/ci</Arn>
      <AssumedRoleId>{}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>{}</SessionToken>
      <SecretAccessKey>{}</SecretAccessKey>
      <Expiration>{}</Expiration>
      <AccessKeyId>{}</AccessKeyId>
    </Credentials>
    <PackedPolicySize>1</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>{}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
"#,
        c.assumed_role_id,
        c.session_token,
        c.secret_access_key,
        c.expiration,
        c.access_key_id,
        answer.headers["x-amzn-requestid"]
    );
    assert_eq!(answer.body, expected);
    assert_eq!(c.source, USER);
    assert_eq!(c.duration_seconds, 900);
    assert_eq!(
        c.tags,
        [
            ("team".to_string(), "platform".to_string()),
            ("run".to_string(), String::new())
        ]
    );
    assert_eq!(c.transitive_tag_keys, ["team"]);
    assert_eq!(c.external_id.as_deref(), Some("ext-123"));
    assert_eq!(c.policy_arns, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    assert!(c.access_key_id.starts_with("ASIA"));
    let request = sts.requests().pop().unwrap();
    assert_eq!(
        request.caller_access_key.as_deref(),
        Some(keys.access_key_id.as_str())
    );

    let identity = signed_sts_post(
        &sts.endpoint(),
        (&c).into(),
        &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
    );
    assert!(
        identity
            .body
            .contains("<Arn>arn:aws:sts::111122223333:assumed-role/deploy/ci</Arn>"),
        "{}",
        identity.body
    );

    let untagged = assume(&sts, (&keys).into(), ROLE, &[]);
    assert_eq!(untagged.status, 200);
    assert!(!untagged.body.contains("PackedPolicySize"));
}

#[test]
fn trusts_the_account_unless_told_whom() {
    let sts = StsStandIn::start();
    sts.role(ROLE);
    let ci = sts.user(USER);
    let stranger_arn = "arn:aws:iam::444455556666:user/stranger";
    let stranger = sts.user(stranger_arn);
    assert_error(
        &assume(&sts, (&stranger).into(), ROLE, &[]),
        403,
        "AccessDenied",
        &denied(stranger_arn, ROLE),
    );
    let unknown = "arn:aws:iam::111122223333:role/nope";
    assert_error(
        &assume(&sts, (&ci).into(), unknown, &[]),
        403,
        "AccessDenied",
        &denied(USER, unknown),
    );

    sts.role(ROLE).trust_principals(&[stranger_arn]);
    assert_eq!(assume(&sts, (&stranger).into(), ROLE, &[]).status, 200);
    assert_error(
        &assume(&sts, (&ci).into(), ROLE, &[]),
        403,
        "AccessDenied",
        &denied(USER, ROLE),
    );

    // Only sessions of the role `box` may assume `deploy`.
    sts.role(ROLE)
        .trust_principals(&["arn:aws:sts::111122223333:assumed-role/box/*"]);
    let session = sts.instance_profile("arn:aws:iam::111122223333:role/box");
    let answer = assume(&sts, (&session).into(), ROLE, &[]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(last(&sts).source, session.assumed_role_arn);
}

#[test]
fn requires_the_external_id_the_role_names() {
    let sts = StsStandIn::start();
    sts.role(ROLE).external_id("secret-handshake");
    let keys = sts.user(USER);
    for extra in [&[][..], &[("ExternalId", "wrong-one")]] {
        assert_error(
            &assume(&sts, (&keys).into(), ROLE, extra),
            403,
            "AccessDenied",
            &denied(USER, ROLE),
        );
    }
    let answer = assume(
        &sts,
        (&keys).into(),
        ROLE,
        &[("ExternalId", "secret-handshake")],
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(last(&sts).external_id.as_deref(), Some("secret-handshake"));
}

#[test]
fn role_chaining_is_capped_at_an_hour() {
    let sts = StsStandIn::start();
    sts.role(ROLE).max_session_duration(7200);
    sts.role(TARGET).max_session_duration(7200);
    let keys = sts.user(USER);
    assert_eq!(
        assume(&sts, (&keys).into(), ROLE, &[("DurationSeconds", "7200")]).status,
        200
    );
    let first = last(&sts);
    assert_error(
        &assume(
            &sts,
            (&first).into(),
            TARGET,
            &[("DurationSeconds", "3601")],
        ),
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by \
         role chaining.",
    );
    let answer = assume(
        &sts,
        (&first).into(),
        TARGET,
        &[("DurationSeconds", "3600")],
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let second = last(&sts);
    assert_eq!(
        second.source,
        "arn:aws:sts::111122223333:assumed-role/deploy/ci"
    );
    assert_eq!(
        second.assumed_role_arn,
        "arn:aws:sts::111122223333:assumed-role/target/ci"
    );

    assert_error(
        &assume(&sts, (&keys).into(), ROLE, &[("DurationSeconds", "7201")]),
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
}

#[test]
fn limits_session_tags() {
    let sts = StsStandIn::start();
    sts.role(ROLE).packed_policy_limit(100);
    let keys = sts.user(USER);
    let long = "v".repeat(140);
    assert_error(
        &assume(
            &sts,
            (&keys).into(),
            ROLE,
            &[("Tags.member.1.Key", "k"), ("Tags.member.1.Value", &long)],
        ),
        400,
        "PackedPolicyTooLarge",
        "Packed policy consumes 141% of allotted space, please use smaller policy for your \
         session.",
    );
    let answer = assume(
        &sts,
        (&keys).into(),
        ROLE,
        &[
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", &long[..49]),
        ],
    );
    assert!(
        answer
            .body
            .contains("<PackedPolicySize>50</PackedPolicySize>")
    );

    let key = "k".repeat(129);
    let value = "v".repeat(257);
    assert_error(
        &assume(
            &sts,
            (&keys).into(),
            ROLE,
            &[
                ("Tags.member.1.Key", &key),
                ("Tags.member.1.Value", &value),
                ("Tags.member.2.Key", "bad*key"),
                ("Tags.member.2.Value", "ok"),
            ],
        ),
        400,
        "ValidationError",
        &format!(
            "3 validation errors detected: Value '{key}' at 'tags.1.member.key' failed to \
             satisfy constraint: Member must have length less than or equal to 128; Value \
             '{value}' at 'tags.1.member.value' failed to satisfy constraint: Member must have \
             length less than or equal to 256; Value 'bad*key' at 'tags.2.member.key' failed \
             to satisfy constraint: Member must satisfy regular expression pattern: \
             [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]+"
        ),
    );

    let names: Vec<(String, String)> = (1..=51)
        .map(|n| {
            (
                format!("Tags.member.{n}.Key"),
                format!("Tags.member.{n}.Value"),
            )
        })
        .collect();
    let mut extra = Vec::new();
    for (key, value) in &names {
        extra.push((key.as_str(), "k"));
        extra.push((value.as_str(), "v"));
    }
    let answer = assume(&sts, (&keys).into(), ROLE, &extra);
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains(
        "at 'tags' failed to satisfy constraint: Member must have length less than or equal \
         to 50"
    ));
    assert!(answer.body.contains("<Code>ValidationError</Code>"));
}

#[test]
fn validates_like_assume_role_with_web_identity() {
    let sts = StsStandIn::start();
    sts.role(ROLE);
    let keys = sts.user(USER);
    assert_error(
        &assume(
            &sts,
            (&keys).into(),
            ROLE,
            &[("DurationSeconds", "899"), ("ExternalId", "x")],
        ),
        400,
        "ValidationError",
        "2 validation errors detected: Value '899' at 'durationSeconds' failed to satisfy \
         constraint: Member must have value greater than or equal to 900; Value 'x' at \
         'externalId' failed to satisfy constraint: Member must have length greater than or \
         equal to 2",
    );
    assert_error(
        &assume(&sts, (&keys).into(), ROLE, &[("Policy", "[]")]),
        400,
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
    );
    // The signature is checked before anything else.
    let unknown = Keys {
        access_key_id: "AKIAAAAAAAAAAAAAAAAA",
        ..Keys::from(&keys)
    };
    assert_error(
        &assume(&sts, unknown, "not-an-arn", &[]),
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    );
}
