//! The token service: the token answer, its claims and signature, errors and faults.

use std::time::Duration;

use testbench::github::{GithubTokenService, TokenFault, TokenRequest, TokenSettings};
use testbench::jwt::{Jwt, SigningKey, VerifyingKey};

use crate::client::get;

fn fetch(github: &GithubTokenService, audience: Option<&str>) -> crate::client::Answer {
    let mut url = github.request_url();
    if let Some(audience) = audience {
        url.push_str(&format!("&audience={}", crate::client::encode(audience)));
    }
    let bearer = format!("Bearer {}", github.request_token());
    get(
        &url,
        &[("Authorization", &bearer), ("Accept", "application/json")],
    )
}

fn token(github: &GithubTokenService, audience: Option<&str>) -> Jwt {
    let answer = fetch(github, audience);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["count"], 1);
    Jwt::decode(body["value"].as_str().unwrap()).unwrap()
}

#[test]
fn issues_a_jwt_that_verifies_against_its_jwks() {
    let github = GithubTokenService::start();
    assert!(github.request_url().starts_with(&github.issuer()));
    assert!(github.request_url().ends_with("/token?api-version=2.0"));

    let jwt = token(&github, Some("sts.amazonaws.com"));
    let jwks = get(&format!("{}/.well-known/jwks", github.issuer()), &[]).json();
    let key = VerifyingKey::from_jwk(&jwks["keys"][0]).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], key.kid());
    assert!(jwt.verify(&key));
    assert!(jwt.verify(&github.verifying_key()));
    assert!(!jwt.verify(&SigningKey::untrusted().verifying_key()));

    assert_eq!(jwt.header["alg"], "RS256");
    assert_eq!(jwt.header["typ"], "JWT");
    assert_eq!(jwt.header["kid"], jwt.header["x5t"]);
    assert_eq!(jwt.kid(), Some(key.kid()));
    assert_eq!(jwt.str_claim("aud"), Some("sts.amazonaws.com"));
    assert_eq!(jwt.str_claim("iss"), Some(github.issuer().as_str()));
    assert_eq!(
        jwt.str_claim("sub"),
        Some("repo:octo-org/octo-repo:ref:refs/heads/main")
    );
    assert_eq!(jwt.str_claim("repository"), Some("octo-org/octo-repo"));
    assert_eq!(jwt.str_claim("repository_owner"), Some("octo-org"));
    assert_eq!(jwt.str_claim("ref"), Some("refs/heads/main"));
    assert_eq!(jwt.str_claim("ref_type"), Some("branch"));
    assert_eq!(jwt.str_claim("event_name"), Some("push"));
    assert_eq!(jwt.str_claim("runner_environment"), Some("github-hosted"));
    assert_eq!(
        jwt.str_claim("job_workflow_ref"),
        Some("octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main")
    );
    for claim in [
        "jti",
        "sha",
        "repository_id",
        "repository_owner_id",
        "run_id",
        "run_number",
        "run_attempt",
        "actor",
        "actor_id",
        "workflow",
        "workflow_ref",
    ] {
        assert!(jwt.str_claim(claim).is_some(), "{claim} missing");
    }
    assert!(!jwt.claims.contains_key("environment"));
    let iat = jwt.int_claim("iat").unwrap();
    assert_eq!(jwt.int_claim("exp").unwrap() - iat, 300);
    assert_eq!(jwt.int_claim("nbf"), Some(iat));

    let discovery = get(
        &format!("{}/.well-known/openid-configuration", github.issuer()),
        &[],
    )
    .json();
    assert_eq!(discovery["issuer"], github.issuer());
    assert_eq!(
        discovery["jwks_uri"],
        format!("{}/.well-known/jwks", github.issuer())
    );
    assert_eq!(github.jwks(), jwks);

    assert_eq!(github.issued_tokens().len(), 1);
    assert_eq!(
        github.requests(),
        vec![TokenRequest {
            audience: Some("sts.amazonaws.com".into()),
            authorized: true,
            status: Some(200),
        }]
    );
}

#[test]
fn audience_defaults_to_the_owner_url_and_is_url_decoded() {
    let github = GithubTokenService::start();
    assert_eq!(
        token(&github, None).str_claim("aud"),
        Some("https://github.com/octo-org")
    );
    assert_eq!(
        token(&github, Some("https://a.example/x y&z")).str_claim("aud"),
        Some("https://a.example/x y&z")
    );
}

#[test]
fn claims_follow_the_settings() {
    let github = GithubTokenService::start_with(
        TokenSettings::default()
            .repository("acme/app")
            .environment("prod")
            .claim("ref_protected", "true")
            .claim("runner_environment", serde_json::Value::Null)
            .lifetime(Duration::from_secs(60)),
    );
    let jwt = token(&github, None);
    assert_eq!(jwt.str_claim("sub"), Some("repo:acme/app:environment:prod"));
    assert_eq!(jwt.str_claim("environment"), Some("prod"));
    assert_eq!(jwt.str_claim("aud"), Some("https://github.com/acme"));
    assert_eq!(jwt.str_claim("ref_protected"), Some("true"));
    assert!(!jwt.claims.contains_key("runner_environment"));
    assert_eq!(
        jwt.int_claim("exp").unwrap() - jwt.int_claim("iat").unwrap(),
        60
    );

    github.set_settings(github.settings().subject("custom:sub").expired());
    let jwt = token(&github, None);
    assert_eq!(jwt.str_claim("sub"), Some("custom:sub"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(jwt.int_claim("exp").unwrap() < now);

    let pull = TokenSettings::default()
        .event_name("pull_request")
        .git_ref("refs/pull/7/merge");
    assert_eq!(pull.sub(), "repo:octo-org/octo-repo:pull_request");
}

#[test]
fn refuses_a_wrong_or_missing_bearer() {
    let github = GithubTokenService::start();
    let wrong = get(&github.request_url(), &[("Authorization", "Bearer nope")]);
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.json()["message"]
            .as_str()
            .unwrap()
            .contains("not authorized")
    );
    assert_eq!(get(&github.request_url(), &[]).status, 401);
    assert!(
        github
            .requests()
            .iter()
            .all(|r| !r.authorized && r.status == Some(401))
    );
    assert!(github.issued_tokens().is_empty());
}

#[test]
fn plays_faults_then_recovers() {
    let github = GithubTokenService::start();
    github.fail_next(2, TokenFault::Status(500));
    github.fail_next(1, TokenFault::MissingValue);
    assert_eq!(fetch(&github, None).status, 500);
    assert_eq!(fetch(&github, None).status, 500);
    let missing = fetch(&github, None);
    assert_eq!(missing.status, 200);
    assert!(missing.json().get("value").is_none());
    assert_eq!(fetch(&github, None).status, 200);
    assert_eq!(github.issued_tokens().len(), 1);

    github.fail_next(1, TokenFault::Disconnect);
    let mut connection = crate::client::Connection::open(&github.issuer());
    connection.send("GET", "/token?api-version=2.0", &[], "");
    assert!(connection.receive().is_none());
    assert_eq!(github.requests().last().unwrap().status, None);
}

#[test]
fn plays_an_html_page_and_an_expired_token() {
    let github = GithubTokenService::start();
    github.fail_next(1, TokenFault::NotJson);
    github.fail_next(1, TokenFault::Expired);
    let page = fetch(&github, None);
    assert_eq!(page.status, 200);
    assert_eq!(page.headers["content-type"], "text/html");
    assert!(serde_json::from_str::<serde_json::Value>(&page.body).is_err());

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let expired = token(&github, None);
    assert!(expired.int_claim("exp").unwrap() < now);
    // Only the one token is expired; the settings stay as they were.
    assert!(token(&github, None).int_claim("exp").unwrap() > now);
    assert_eq!(github.settings().age, Duration::ZERO);
    assert_eq!(github.issued_tokens().len(), 2);
}

#[test]
fn mints_tokens_directly() {
    let github = GithubTokenService::start();
    let token = github.mint("sts.amazonaws.com");
    assert_eq!(github.issued_tokens(), vec![token.clone()]);
    assert!(Jwt::decode(&token).unwrap().verify(&github.verifying_key()));
    assert!(github.requests().is_empty());
}
