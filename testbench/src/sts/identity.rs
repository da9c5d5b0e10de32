//! Who signed a request: an IAM user with a long-term key, or a session this stand-in issued.
//! The SigV4 signature is recomputed with the secret of the key the request names and compared,
//! and every refusal is worded as AWS words it. `GetCallerIdentity` answers with the caller.

use super::sigv4::{self, Authorization, Keys};
use super::validation::IamArn;
use super::wire::{StsError, Xml, text};
use super::{IssuedCredentials, State};
use crate::clock;
use crate::http::Request;
use crate::random;

/// An IAM user's long-term access key; made by [`super::StsStandIn::user`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserKeys {
    /// `AKIA…`, 20 characters.
    pub access_key_id: String,
    /// 40 characters.
    pub secret_access_key: String,
}

impl<'a> From<&'a UserKeys> for Keys<'a> {
    fn from(keys: &'a UserKeys) -> Keys<'a> {
        Keys {
            access_key_id: &keys.access_key_id,
            secret_access_key: &keys.secret_access_key,
            session_token: None,
        }
    }
}

impl<'a> From<&'a IssuedCredentials> for Keys<'a> {
    fn from(credentials: &'a IssuedCredentials) -> Keys<'a> {
        Keys {
            access_key_id: &credentials.access_key_id,
            secret_access_key: &credentials.secret_access_key,
            session_token: Some(&credentials.session_token),
        }
    }
}

/// An IAM user the account has.
#[derive(Debug)]
pub(super) struct User {
    pub arn: String,
    /// `AIDA…`.
    user_id: String,
    account: String,
    pub keys: UserKeys,
}

impl User {
    /// A user with a new random key. Panics on an ARN that is not a user's.
    pub fn new(arn: &str) -> User {
        let parsed = IamArn::parse(arn, "user").expect("a user ARN");
        User {
            arn: arn.into(),
            user_id: format!("AIDA{}", random::string(random::UPPER_ALPHANUMERIC, 17)),
            account: parsed.account,
            keys: UserKeys {
                access_key_id: format!("AKIA{}", random::string(random::UPPER_ALPHANUMERIC, 16)),
                secret_access_key: random::string(random::BASE64, 40),
            },
        }
    }
}

/// The principal a request was signed as.
#[derive(Debug)]
pub(super) struct Caller {
    pub arn: String,
    /// `AIDA…` for a user, `AROA…:SESSION` for a role session.
    pub user_id: String,
    pub account: String,
    /// Whether the caller is a role session, so that assuming a role from it is role chaining.
    pub role_session: bool,
}

fn invalid_client_token() -> StsError {
    StsError::new(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )
}

fn signature_mismatch(message: impl Into<String>) -> StsError {
    StsError::new(403, "SignatureDoesNotMatch", message)
}

impl State {
    /// Verifies a signed request and names its signer. The key must be a user's (and no
    /// session token sent) or an issued session's (and its token sent in
    /// `x-amz-security-token`); the scope's service must be `sts`, its date that of
    /// `x-amz-date`; the signature must match; a session must not have expired.
    pub(super) fn authenticate(&self, request: &Request) -> Result<Caller, StsError> {
        self.authenticate_for(request, "sts")
    }

    /// [`State::authenticate`] for the scope's `service` (`iam` for `GetRole`).
    pub(super) fn authenticate_for(
        &self,
        request: &Request,
        service: &str,
    ) -> Result<Caller, StsError> {
        let header = request.header("authorization").ok_or_else(|| {
            StsError::new(
                403,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            )
        })?;
        let incomplete = |message: String| StsError::new(400, "IncompleteSignature", message);
        let authorization = Authorization::parse(header).map_err(incomplete)?;
        let amz_date = request.header("x-amz-date").ok_or_else(|| {
            incomplete(format!(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
                 header. Authorization={header}"
            ))
        })?;
        let scope = &authorization.scope;
        if scope.service != service {
            return Err(signature_mismatch(format!(
                "Credential should be scoped to correct service: '{service}'."
            )));
        }
        let date = amz_date.get(..8).unwrap_or(amz_date);
        if scope.date != date {
            return Err(signature_mismatch(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
                 from HTTP: '{}' != '{date}', from '{amz_date}'.",
                scope.date
            )));
        }
        let (secret, caller, expires_at) = self.signer(
            &authorization.access_key_id,
            request.header("x-amz-security-token"),
        )?;
        let canonical = sigv4::canonical_request(request, &authorization.signed_headers);
        if sigv4::signature(secret, amz_date, scope, &canonical) != authorization.signature {
            return Err(signature_mismatch(
                "The request signature we calculated does not match the signature you \
                 provided. Check your AWS Secret Access Key and signing method. Consult the \
                 service documentation for details.",
            ));
        }
        if expires_at.is_some_and(|expires_at| clock::now() >= expires_at) {
            return Err(StsError::new(
                400,
                "ExpiredToken",
                "The security token included in the request is expired",
            ));
        }
        Ok(caller)
    }

    /// The secret of the key `access_key_id`, whom it belongs to, and when it expires.
    fn signer(
        &self,
        access_key_id: &str,
        session_token: Option<&str>,
    ) -> Result<(&str, Caller, Option<i64>), StsError> {
        if let Some(user) = self
            .users
            .iter()
            .find(|user| user.keys.access_key_id == access_key_id)
            .filter(|_| session_token.is_none())
        {
            let caller = Caller {
                arn: user.arn.clone(),
                user_id: user.user_id.clone(),
                account: user.account.clone(),
                role_session: false,
            };
            return Ok((&user.keys.secret_access_key, caller, None));
        }
        let session = self
            .issued
            .iter()
            .find(|c| {
                c.access_key_id == access_key_id && session_token == Some(c.session_token.as_str())
            })
            .ok_or_else(invalid_client_token)?;
        let caller = Caller {
            arn: session.assumed_role_arn.clone(),
            user_id: session.assumed_role_id.clone(),
            account: session.account.clone(),
            role_session: true,
        };
        Ok((&session.secret_access_key, caller, Some(session.expires_at)))
    }

    /// IAM's `GetRole` on the role of the calling session: its trust policy, URL-encoded as
    /// IAM sends it, when the role was given one its sessions may read
    /// ([`super::RoleRule::readable_trust_policy`]); `AccessDenied` otherwise, as for a role
    /// without `iam:GetRole` on itself.
    pub(super) fn get_role(
        &self,
        request: &Request,
        params: &std::collections::BTreeMap<String, String>,
    ) -> Result<Vec<Xml>, StsError> {
        let caller = self.authenticate_for(request, "iam")?;
        let name = params.get("RoleName").cloned().unwrap_or_default();
        let denied = || {
            StsError::new(
                403,
                "AccessDenied",
                format!(
                    "User: {} is not authorized to perform: iam:GetRole on resource: role {name} \
                     because no identity-based policy allows the iam:GetRole action",
                    caller.arn
                ),
            )
        };
        let own = caller.role_session && caller.arn.split('/').nth(1) == Some(name.as_str());
        let (arn, role) = self
            .roles
            .iter()
            .find(|(arn, _)| arn.rsplit('/').next() == Some(name.as_str()))
            .filter(|_| own)
            .ok_or_else(denied)?;
        let document = role.trust_policy.as_deref().ok_or_else(denied)?;
        let encoded: String = document
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        Ok(vec![super::wire::element(
            "Role",
            vec![
                text("RoleName", name),
                text("Arn", arn.clone()),
                text("RoleId", role.role_id.clone()),
                text("AssumeRolePolicyDocument", encoded),
            ],
        )])
    }

    pub(super) fn get_caller_identity(&self, request: &Request) -> Result<Vec<Xml>, StsError> {
        let caller = self.authenticate(request)?;
        Ok(vec![
            text("Arn", caller.arn),
            text("UserId", caller.user_id),
            text("Account", caller.account),
        ])
    }
}
