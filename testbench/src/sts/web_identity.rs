//! `AssumeRoleWithWebIdentity` as AWS answers it: parameters are validated first, then the
//! token (issuer, signature, expiry), then the role's trust rule (audience, `sub` pattern), the
//! session duration and the session policy; on success new credentials are issued and recorded.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use super::validation::{RoleArn, Violations, string_like};
use super::wire::{StsError, Xml, element, text};
use super::{IdentityProvider, IssuedCredentials, State};
use crate::jwt::Jwt;
use crate::{clock, random};

/// The request's parameters, once they satisfy STS's constraints.
struct Input<'a> {
    role_arn: &'a str,
    session_name: &'a str,
    token: &'a str,
    duration: u32,
    policy: Option<&'a str>,
    policy_arns: Vec<String>,
}

impl<'a> Input<'a> {
    fn validate(params: &'a BTreeMap<String, String>) -> Result<Input<'a>, StsError> {
        let param = |name: &str| params.get(name).map(String::as_str);
        let mut v = Violations::default();
        let role_arn = v.required("roleArn", param("RoleArn"));
        if let Some(arn) = role_arn {
            v.length("roleArn", arn, false, 20, 2048);
        }
        let session_name = v.required("roleSessionName", param("RoleSessionName"));
        if let Some(name) = session_name {
            v.length("roleSessionName", name, false, 2, 64);
            let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
            v.pattern(
                "roleSessionName",
                name,
                name.chars().all(allowed),
                r"[\w+=,.@-]*",
            );
        }
        let token = v.required("webIdentityToken", param("WebIdentityToken"));
        if let Some(token) = token {
            v.length("webIdentityToken", token, true, 4, 20_000);
        }
        let duration = match param("DurationSeconds") {
            Some(value) => v.range("durationSeconds", value, 900, 43_200),
            None => Some(3600),
        };
        let policy = param("Policy");
        if let Some(policy) = policy {
            v.length("policy", policy, false, 1, 2048);
        }
        let policy_arns: Vec<String> = (1..)
            .map_while(|n| params.get(&format!("PolicyArns.member.{n}.arn")).cloned())
            .collect();
        v.count("policyArns", &policy_arns, 10);
        v.finish()?;
        // Every required member is present once the checks pass.
        let (Some(role_arn), Some(session_name), Some(token), Some(duration)) =
            (role_arn, session_name, token, duration)
        else {
            unreachable!("validation passed with a member missing");
        };
        Ok(Input {
            role_arn,
            session_name,
            token,
            duration: u32::try_from(duration).expect("a validated duration fits"),
            policy,
            policy_arns,
        })
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
    let input = Input::validate(params)?;
    let arn = RoleArn::parse(input.role_arn)?;
    let (jwt, provider) = verify_token(&state.providers, input.token)?;
    let role = state.roles.get(input.role_arn).ok_or_else(access_denied)?;
    // AWS checks `aud` against the provider's client ids; the stand-in keeps them per role.
    let audience = audiences(&jwt)
        .into_iter()
        .find(|aud| role.audiences.contains(aud))
        .ok_or_else(|| invalid_token("Incorrect token audience"))?;
    let subject = jwt.str_claim("sub").unwrap_or_default().to_string();
    if !string_like(&role.subject, &subject) {
        return Err(access_denied());
    }
    if input.duration > role.max_session_duration {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    if input
        .policy
        .is_some_and(|policy| !serde_json::from_str::<Value>(policy).is_ok_and(|v| v.is_object()))
    {
        return Err(StsError::new(
            400,
            "MalformedPolicyDocument",
            "Syntax errors in policy.",
        ));
    }
    let provider_host = provider
        .issuer
        .split_once("://")
        .map_or(provider.issuer.as_str(), |(_, rest)| rest)
        .trim_end_matches('/')
        .to_string();
    let expires_at = clock::now() + i64::from(input.duration);
    let credentials = IssuedCredentials {
        access_key_id: format!("ASIA{}", random::string(random::UPPER_ALPHANUMERIC, 16)),
        secret_access_key: state
            .next_secrets
            .pop_front()
            .unwrap_or_else(|| random::string(random::BASE64, 40)),
        session_token: format!("IQoJb3JpZ2luX2Vj{}", B64.encode(random::bytes(600))),
        expiration: clock::iso8601(expires_at),
        expires_at,
        role_arn: input.role_arn.to_string(),
        assumed_role_arn: format!(
            "arn:{}:sts::{}:assumed-role/{}/{}",
            arn.partition, arn.account, arn.name, input.session_name
        ),
        assumed_role_id: format!("{}:{}", role.role_id, input.session_name),
        account: arn.account,
        session_name: input.session_name.to_string(),
        duration_seconds: input.duration,
        subject,
        audience,
        provider: provider_host,
        policy: input.policy.map(str::to_string),
        policy_arns: input.policy_arns,
    };
    let result = vec![
        text("SubjectFromWebIdentityToken", credentials.subject.as_str()),
        text("Audience", credentials.audience.as_str()),
        element(
            "AssumedRoleUser",
            vec![
                text("Arn", credentials.assumed_role_arn.as_str()),
                text("AssumedRoleId", credentials.assumed_role_id.as_str()),
            ],
        ),
        element(
            "Credentials",
            vec![
                text("SessionToken", credentials.session_token.as_str()),
                text("SecretAccessKey", credentials.secret_access_key.as_str()),
                text("Expiration", credentials.expiration.as_str()),
                text("AccessKeyId", credentials.access_key_id.as_str()),
            ],
        ),
        text("Provider", credentials.provider.as_str()),
    ];
    state.issued.push(credentials);
    Ok(result)
}
