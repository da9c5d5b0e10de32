//! What every way of assuming a role shares: the common parameters (`RoleArn`,
//! `RoleSessionName`, `DurationSeconds`, `Policy`, `PolicyArns`) and their checks against the
//! role, and issuing the session's credentials and rendering them as STS does.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use super::validation::{IamArn, Violations, list};
use super::wire::{StsError, Xml, element, text};
use super::{IssuedCredentials, Role, State};
use crate::{clock, random};

/// The members every `AssumeRole*` action takes, once they satisfy STS's constraints.
pub struct SessionParams<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub duration: u32,
    pub policy: Option<&'a str>,
    pub policy_arns: Vec<String>,
}

impl<'a> SessionParams<'a> {
    /// Checks the shared members, adding what fails to `v`; `None` when one is missing or
    /// unusable (and `v` says why).
    pub fn check(
        params: &'a BTreeMap<String, String>,
        v: &mut Violations,
    ) -> Option<SessionParams<'a>> {
        let param = |name: &str| params.get(name).map(String::as_str);
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
        let duration = match param("DurationSeconds") {
            Some(value) => v.range("durationSeconds", value, 900, 43_200),
            None => Some(3600),
        };
        let policy = param("Policy");
        if let Some(policy) = policy {
            v.length("policy", policy, false, 1, 2048);
        }
        let policy_arns = list(params, |n| format!("PolicyArns.member.{n}.arn"));
        v.count("policyArns", &policy_arns, 10);
        Some(SessionParams {
            role_arn: role_arn?,
            session_name: session_name?,
            duration: u32::try_from(duration?).ok()?,
            policy,
            policy_arns,
        })
    }

    /// Checks the session against its role: the duration against the role's maximum, then the
    /// session policy's syntax.
    pub fn check_role(&self, role: &Role) -> Result<(), StsError> {
        if self.duration > role.max_session_duration {
            return Err(StsError::validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        let is_object =
            |policy: &str| serde_json::from_str::<Value>(policy).is_ok_and(|v| v.is_object());
        if self.policy.is_some_and(|policy| !is_object(policy)) {
            return Err(StsError::new(
                400,
                "MalformedPolicyDocument",
                "Syntax errors in policy.",
            ));
        }
        Ok(())
    }
}

/// New credentials for `session` of the role `arn` (which exists), assumed by `source`: the
/// next queued secret or a random one, and no token claims, tags or external id.
pub fn issue(
    state: &mut State,
    arn: &IamArn,
    session: SessionParams<'_>,
    source: String,
) -> IssuedCredentials {
    let role_id = &state.roles[session.role_arn].role_id;
    let lifetime = state.session_lifetime.unwrap_or(session.duration);
    let expires_at = clock::now() + i64::from(lifetime);
    IssuedCredentials {
        access_key_id: format!("ASIA{}", random::string(random::UPPER_ALPHANUMERIC, 16)),
        secret_access_key: state
            .next_secrets
            .pop_front()
            .unwrap_or_else(|| random::string(random::BASE64, 40)),
        session_token: format!("IQoJb3JpZ2luX2Vj{}", B64.encode(random::bytes(600))),
        expiration: clock::iso8601(expires_at),
        expires_at,
        role_arn: session.role_arn.to_string(),
        assumed_role_arn: format!(
            "arn:{}:sts::{}:assumed-role/{}/{}",
            arn.partition, arn.account, arn.name, session.session_name
        ),
        assumed_role_id: format!("{role_id}:{}", session.session_name),
        account: arn.account.clone(),
        session_name: session.session_name.to_string(),
        duration_seconds: session.duration,
        subject: String::new(),
        audience: String::new(),
        provider: String::new(),
        policy: session.policy.map(str::to_string),
        policy_arns: session.policy_arns,
        tags: Vec::new(),
        transitive_tag_keys: Vec::new(),
        external_id: None,
        source,
    }
}

/// `<AssumedRoleUser>` with the session's ARN and id.
pub fn assumed_role_user(credentials: &IssuedCredentials) -> Xml {
    element(
        "AssumedRoleUser",
        vec![
            text("Arn", credentials.assumed_role_arn.as_str()),
            text("AssumedRoleId", credentials.assumed_role_id.as_str()),
        ],
    )
}

/// `<Credentials>` with the keys, the token and the expiration.
pub fn credentials(credentials: &IssuedCredentials) -> Xml {
    element(
        "Credentials",
        vec![
            text("SessionToken", credentials.session_token.as_str()),
            text("SecretAccessKey", credentials.secret_access_key.as_str()),
            text("Expiration", credentials.expiration.as_str()),
            text("AccessKeyId", credentials.access_key_id.as_str()),
        ],
    )
}
