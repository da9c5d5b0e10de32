//! `AssumeRoleWithWebIdentity` as AWS answers it: parameters are validated first, then the
//! token (issuer, signature, expiry), then the role's trust rule (audience, `sub` pattern), the
//! session duration and the session policy; on success new credentials are issued and recorded,
//! their source being the identity provider's ARN.

use std::collections::BTreeMap;

use serde_json::Value;

use super::session::{self, SessionParams};
use super::validation::{IamArn, Violations, string_like};
use super::wire::{StsError, Xml, text};
use super::{IdentityProvider, IssuedCredentials, State};
use crate::clock;
use crate::jwt::Jwt;

/// The request's parameters, once they satisfy STS's constraints.
struct Input<'a> {
    session: SessionParams<'a>,
    token: &'a str,
}

impl<'a> Input<'a> {
    fn validate(params: &'a BTreeMap<String, String>) -> Result<Input<'a>, StsError> {
        let mut v = Violations::default();
        let session = SessionParams::check(params, &mut v);
        let token = v.required(
            "webIdentityToken",
            params.get("WebIdentityToken").map(String::as_str),
        );
        if let Some(token) = token {
            v.length("webIdentityToken", token, true, 4, 20_000);
        }
        v.finish()?;
        let (Some(session), Some(token)) = (session, token) else {
            unreachable!("validation passed with a member missing");
        };
        Ok(Input { session, token })
    }
}

fn invalid_token(message: impl Into<String>) -> StsError {
    StsError::new(400, "InvalidIdentityToken", message)
}

fn access_denied() -> StsError {
    StsError::new(
        403,
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    )
}

/// Decodes the token and checks it against the trusted providers: issuer, signature, expiry.
/// Returns the token and its provider.
fn verify_token<'p>(
    providers: &'p [IdentityProvider],
    token: &str,
) -> Result<(Jwt, &'p IdentityProvider), StsError> {
    let jwt = Jwt::decode(token)
        .map_err(|_| invalid_token("Couldn't parse the provided web identity token."))?;
    let issuer = jwt.str_claim("iss").unwrap_or_default();
    let provider = providers
        .iter()
        .find(|provider| provider.issuer == issuer)
        .ok_or_else(|| {
            invalid_token(format!(
                "No OpenIDConnect provider found in your account for {issuer}"
            ))
        })?;
    let signed = provider
        .keys
        .iter()
        .filter(|key| jwt.kid().is_none_or(|kid| kid == key.kid()))
        .any(|key| jwt.verify(key));
    if !signed {
        return Err(invalid_token("Failed to validate the token signature"));
    }
    let expires = jwt
        .int_claim("exp")
        .ok_or_else(|| invalid_token("The token has no expiration time (exp)"))?;
    let now = clock::now();
    if now >= expires {
        return Err(StsError::new(
            400,
            "ExpiredTokenException",
            format!(
                "Token expired: current date/time {now} must be before the expiration date/time {expires}"
            ),
        ));
    }
    Ok((jwt, provider))
}

/// The token's audiences: `aud` is a string or an array of strings.
fn audiences(jwt: &Jwt) -> Vec<String> {
    match jwt.claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn assume_role_with_web_identity(
    state: &mut State,
    params: &BTreeMap<String, String>,
) -> Result<Vec<Xml>, StsError> {
    let Input { session, token } = Input::validate(params)?;
    let arn = IamArn::parse(session.role_arn, "role")?;
    let (jwt, provider) = verify_token(&state.providers, token)?;
    let role = state
        .roles
        .get(session.role_arn)
        .ok_or_else(access_denied)?;
    // AWS checks `aud` against the provider's client ids; the stand-in keeps them per role.
    let audience = audiences(&jwt)
        .into_iter()
        .find(|aud| role.audiences.contains(aud))
        .ok_or_else(|| invalid_token("Incorrect token audience"))?;
    let subject = jwt.str_claim("sub").unwrap_or_default().to_string();
    if !string_like(&role.subject, &subject) {
        return Err(access_denied());
    }
    session.check_role(role)?;
    let provider_host = provider
        .issuer
        .split_once("://")
        .map_or(provider.issuer.as_str(), |(_, rest)| rest)
        .trim_end_matches('/')
        .to_string();
    let source = format!(
        "arn:{}:iam::{}:oidc-provider/{provider_host}",
        arn.partition, arn.account
    );
    let credentials = IssuedCredentials {
        subject,
        audience,
        provider: provider_host,
        ..session::issue(state, &arn, session, source)
    };
    let result = vec![
        text("SubjectFromWebIdentityToken", credentials.subject.as_str()),
        text("Audience", credentials.audience.as_str()),
        session::assumed_role_user(&credentials),
        session::credentials(&credentials),
        text("Provider", credentials.provider.as_str()),
    ];
    state.issued.push(credentials);
    Ok(result)
}
