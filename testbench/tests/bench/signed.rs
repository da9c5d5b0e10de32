//! SigV4 verification by the STS stand-in: IAM users' long-term keys and issued sessions sign
//! `GetCallerIdentity`; wrong secrets, tampered requests, unknown keys, expired sessions and
//! incomplete signatures are refused in AWS's words.

use testbench::sts::StsStandIn;
use testbench::sts::sigv4::{self, Keys};

use crate::client::{Answer, now, signed_sts_post, sts_request};
use crate::sts::assert_error;

const USER: &str = "arn:aws:iam::111122223333:user/ci";
const IDENTITY: [(&str, &str); 2] = [("Action", "GetCallerIdentity"), ("Version", "2011-06-15")];
const MISMATCH: &str = "The request signature we calculated does not match the signature you \
                        provided. Check your AWS Secret Access Key and signing method. Consult \
                        the service documentation for details.";

fn identity(sts: &StsStandIn, keys: Keys<'_>) -> Answer {
    signed_sts_post(&sts.endpoint(), keys, &IDENTITY)
}

#[test]
fn users_sign_with_long_term_keys() {
    let sts = StsStandIn::start();
    let keys = sts.user(USER);
    assert!(keys.access_key_id.starts_with("AKIA"));
    assert_eq!(keys.access_key_id.len(), 20);
    assert_eq!(keys.secret_access_key.len(), 40);
    assert_eq!(sts.user(USER), keys, "the same user keeps its key");

    let answer = identity(&sts, (&keys).into());
    assert_eq!(answer.status, 200, "{}", answer.body);
    let user_id = answer
        .body
        .split("<UserId>")
        .nth(1)
        .and_then(|rest| rest.split("</UserId>").next())
        .unwrap()
        .to_string();
    assert!(
        user_id.starts_with("AIDA") && user_id.len() == 21,
        "{user_id}"
    );
    let expected = format!(
        r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>{USER}</Arn>
    <UserId>{user_id}</UserId>
    <Account>111122223333</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>{}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
"#,
        answer.headers["x-amzn-requestid"]
    );
    assert_eq!(answer.body, expected);
    assert!(identity(&sts, (&keys).into()).body.contains(&user_id));

    let logged = sts.requests();
    assert_eq!(
        logged[0].caller_access_key.as_deref(),
        Some(keys.access_key_id.as_str())
    );
}

#[test]
fn refuses_wrong_secrets_and_tampered_requests() {
    let sts = StsStandIn::start();
    let keys = sts.user(USER);
    let wrong = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    let wrong_secret = Keys {
        secret_access_key: wrong,
        ..Keys::from(&keys)
    };
    assert_error(
        &identity(&sts, wrong_secret),
        403,
        "SignatureDoesNotMatch",
        MISMATCH,
    );

    let sign = |request: &mut _| sigv4::sign(request, (&keys).into(), "eu-west-3", "sts", now());
    let answer = sts_request(&sts.endpoint(), &IDENTITY, sign);
    assert_eq!(answer.status, 200, "any region: {}", answer.body);
    let tampered_body = sts_request(&sts.endpoint(), &IDENTITY, |request| {
        sign(request);
        request.body.extend_from_slice(b"&Extra=1");
    });
    assert_error(&tampered_body, 403, "SignatureDoesNotMatch", MISMATCH);
    let tampered_header = sts_request(&sts.endpoint(), &IDENTITY, |request| {
        sign(request);
        request
            .headers
            .insert("content-type".into(), "text/plain".into());
    });
    assert_error(&tampered_header, 403, "SignatureDoesNotMatch", MISMATCH);

    // The payload hash is the one declared in `x-amz-content-sha256` when it is sent.
    let unsigned_payload = sts_request(&sts.endpoint(), &IDENTITY, |request| {
        request
            .headers
            .insert("x-amz-content-sha256".into(), "UNSIGNED-PAYLOAD".into());
        sign(request);
        request.body.extend_from_slice(b"&Extra=1");
    });
    assert_eq!(unsigned_payload.status, 200, "{}", unsigned_payload.body);

    let other_service = sts_request(&sts.endpoint(), &IDENTITY, |request| {
        sigv4::sign(request, (&keys).into(), "us-east-1", "iam", now());
    });
    assert_error(
        &other_service,
        403,
        "SignatureDoesNotMatch",
        "Credential should be scoped to correct service: 'sts'.",
    );
}

#[test]
fn refuses_unknown_keys_and_expired_sessions() {
    let sts = StsStandIn::start();
    let keys = sts.user(USER);
    let invalid = "The security token included in the request is invalid.";
    let unknown = Keys {
        access_key_id: "AKIAAAAAAAAAAAAAAAAA",
        ..Keys::from(&keys)
    };
    assert_error(
        &identity(&sts, unknown),
        403,
        "InvalidClientTokenId",
        invalid,
    );
    let with_token = Keys {
        session_token: Some("token"),
        ..Keys::from(&keys)
    };
    assert_error(
        &identity(&sts, with_token),
        403,
        "InvalidClientTokenId",
        invalid,
    );

    let session = sts.instance_profile("arn:aws:iam::111122223333:role/box");
    assert_eq!(identity(&sts, (&session).into()).status, 200);
    sts.expire(&session.access_key_id);
    assert_error(
        &identity(&sts, (&session).into()),
        400,
        "ExpiredToken",
        "The security token included in the request is expired",
    );
    let outcomes: Vec<_> = sts.requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            "InvalidClientTokenId",
            "InvalidClientTokenId",
            "OK",
            "ExpiredToken"
        ]
    );
}

#[test]
fn refuses_incomplete_signatures() {
    let sts = StsStandIn::start();
    let keys = sts.user(USER);
    let without_date = sts_request(&sts.endpoint(), &IDENTITY, |request| {
        sigv4::sign(request, (&keys).into(), "us-east-1", "sts", now());
        request.headers.remove("x-amz-date");
    });
    assert_eq!(without_date.status, 400);
    assert!(without_date.body.contains(
        "<Code>IncompleteSignature</Code>\n    <Message>Authorization header requires \
         existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 \
         Credential="
    ));

    let header = format!(
        "AWS4-HMAC-SHA256 Credential={}/20261125/us-east-1/sts/aws4_request",
        keys.access_key_id
    );
    let incomplete = sts_request(&sts.endpoint(), &IDENTITY, |request| {
        request
            .headers
            .insert("authorization".into(), header.clone());
    });
    assert_error(
        &incomplete,
        400,
        "IncompleteSignature",
        &format!(
            "Authorization header requires 'Signature' parameter. Authorization header \
             requires 'SignedHeaders' parameter. Authorization={header}"
        ),
    );

    let yesterday = sts_request(&sts.endpoint(), &IDENTITY, |request| {
        sigv4::sign(request, (&keys).into(), "us-east-1", "sts", now() - 86_400);
        let today = sigv4::amz_date(now());
        request.headers.insert("x-amz-date".into(), today);
    });
    assert_eq!(yesterday.status, 403);
    assert!(yesterday.body.contains(
        "<Message>Date in Credential scope does not match YYYYMMDD from ISO-8601 version of \
         date from HTTP: '"
    ));
}
