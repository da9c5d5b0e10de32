//! An AWS STS stand-in speaking STS's Query/XML protocol as `aws-sdk-sts` sends it: `POST /`
//! with a form-urlencoded body naming the `Action`. It knows trusted identity providers and
//! roles with trust rules, answers `AssumeRoleWithWebIdentity` and `GetCallerIdentity` (other
//! actions are `InvalidAction`), plays injected faults, and records requests and the
//! credentials it issued.

pub mod sigv4;
mod validation;
mod web_identity;
mod wire;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::github::GithubTokenService;
use crate::http::{Reply, Request, Server};
use crate::jwt::VerifyingKey;
use crate::{clock, random};
use wire::{StsError, Xml, text};

/// An OpenID Connect provider the account trusts: tokens whose `iss` is `issuer` and that one
/// of `keys` signed.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityProvider {
    pub issuer: String,
    pub keys: Vec<VerifyingKey>,
}

/// A role and its trust rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// Accepted `aud` values; `["sts.amazonaws.com"]` by default.
    pub audiences: Vec<String>,
    /// A `StringLike` pattern (`*`, `?`) the `sub` claim must match; `*` by default.
    pub subject: String,
    /// The longest session, in seconds; 3600 by default.
    pub max_session_duration: u32,
    /// The role's unique id (`AROA…`), the first half of each session's `AssumedRoleId`.
    pub role_id: String,
}

impl Default for Role {
    fn default() -> Self {
        Role {
            audiences: vec!["sts.amazonaws.com".into()],
            subject: "*".into(),
            max_session_duration: 3600,
            role_id: format!("AROA{}", random::string(random::UPPER_ALPHANUMERIC, 17)),
        }
    }
}

/// Changes one role's trust rule in place; made by [`StsStandIn::role`].
#[derive(Debug)]
pub struct RoleRule<'a> {
    sts: &'a StsStandIn,
    arn: String,
}

impl RoleRule<'_> {
    fn update(self, change: impl FnOnce(&mut Role)) -> Self {
        change(
            self.sts
                .lock()
                .roles
                .get_mut(&self.arn)
                .expect("the role exists"),
        );
        self
    }

    /// Replaces the accepted audiences.
    pub fn audiences(self, audiences: &[&str]) -> Self {
        self.update(|role| role.audiences = audiences.iter().map(|a| a.to_string()).collect())
    }

    /// Sets the `sub` pattern (`StringLike`: `*` and `?` wildcards).
    pub fn subject(self, pattern: &str) -> Self {
        self.update(|role| role.subject = pattern.into())
    }

    /// Sets the maximum session duration, in seconds.
    pub fn max_session_duration(self, seconds: u32) -> Self {
        self.update(|role| role.max_session_duration = seconds)
    }

    /// A copy of the role as it stands.
    pub fn get(&self) -> Role {
        self.sts.lock().roles[&self.arn].clone()
    }
}

/// A failure the stand-in plays for one request instead of (or before) answering normally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 400 `Throttling`: "Rate exceeded".
    Throttling,
    /// 500 `InternalFailure`.
    InternalError,
    /// 503 `ServiceUnavailable`.
    ServiceUnavailable,
    /// 400 `IDPCommunicationError`.
    IdpCommunicationError,
    /// 400 `InvalidIdentityToken`: "Couldn't retrieve verification key from your identity
    /// provider, …" (the one retryable `InvalidIdentityToken`).
    VerificationKey,
    /// Answer normally after the delay.
    Slow(Duration),
    /// Never answer; hold the connection until the client gives up.
    Hang,
    /// Close the connection without answering.
    Drop,
    /// Any error.
    Error {
        status: u16,
        code: String,
        message: String,
    },
}

impl Fault {
    /// The error this fault answers with; `None` for the faults that change how or whether the
    /// normal answer is sent.
    fn error(&self) -> Option<StsError> {
        Some(match self {
            Fault::Throttling => StsError::new(400, "Throttling", "Rate exceeded"),
            Fault::InternalError => StsError::new(
                500,
                "InternalFailure",
                "The request processing has failed because of an unknown error, exception or failure.",
            ),
            Fault::ServiceUnavailable => StsError::new(
                503,
                "ServiceUnavailable",
                "Service is unable to handle request.",
            ),
            Fault::IdpCommunicationError => StsError::new(
                400,
                "IDPCommunicationError",
                "The request could not be fulfilled because the identity provider (IDP) that \
                 was asked to verify the incoming identity token could not be reached.",
            ),
            Fault::VerificationKey => StsError::new(
                400,
                "InvalidIdentityToken",
                "Couldn't retrieve verification key from your identity provider,  please \
                 reference AssumeRoleWithWebIdentity documentation for requirements",
            ),
            Fault::Error {
                status,
                code,
                message,
            } => StsError::new(*status, code, message.as_str()),
            Fault::Slow(_) | Fault::Hang | Fault::Drop => return None,
        })
    }
}

/// One request as received, and how it was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsRequest {
    /// The `Action` parameter (empty when missing).
    pub action: String,
    /// Every decoded parameter, from the query string and the form body.
    pub params: BTreeMap<String, String>,
    pub user_agent: Option<String>,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    /// `OK`, the error code answered, or `Hang` / `Drop` when no answer was sent.
    pub outcome: String,
}

/// Credentials the stand-in issued, with the session they belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// As sent: `2026-11-25T22:00:00Z`.
    pub expiration: String,
    /// The same, in Unix seconds.
    pub expires_at: i64,
    /// The role assumed.
    pub role_arn: String,
    /// `arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub assumed_role_arn: String,
    /// `AROA…:SESSION`.
    pub assumed_role_id: String,
    pub account: String,
    pub session_name: String,
    pub duration_seconds: u32,
    /// The token's `sub`.
    pub subject: String,
    /// The token's accepted `aud`.
    pub audience: String,
    /// The `Provider` answered: the issuer without its scheme.
    pub provider: String,
    /// The session policy, if one was passed.
    pub policy: Option<String>,
    /// The managed session policies passed.
    pub policy_arns: Vec<String>,
}

#[derive(Debug, Default)]
struct State {
    providers: Vec<IdentityProvider>,
    roles: BTreeMap<String, Role>,
    faults: VecDeque<Fault>,
    next_secrets: VecDeque<String>,
    requests: Vec<StsRequest>,
    issued: Vec<IssuedCredentials>,
}

/// The STS stand-in. Dropping it stops the server.
#[derive(Debug)]
pub struct StsStandIn {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl StsStandIn {
    /// Starts with no trusted provider and no role.
    pub fn start() -> StsStandIn {
        let state = Arc::new(Mutex::new(State::default()));
        let handler_state = Arc::clone(&state);
        let server = Server::start(move |request: &Request| handle(&handler_state, request));
        StsStandIn { server, state }
    }

    /// The endpoint URL, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        self.server.base_url()
    }

    /// Trusts the token service: its issuer and its current signing key.
    pub fn trust(&self, github: &GithubTokenService) -> &Self {
        self.trust_provider(&github.issuer(), vec![github.verifying_key()])
    }

    /// Trusts tokens from `issuer` signed by one of `keys`.
    pub fn trust_provider(&self, issuer: &str, keys: Vec<VerifyingKey>) -> &Self {
        self.lock().providers.push(IdentityProvider {
            issuer: issuer.into(),
            keys,
        });
        self
    }

    /// The role `arn`, created with the default trust rule if new, to adjust with the returned
    /// [`RoleRule`].
    pub fn role(&self, arn: &str) -> RoleRule<'_> {
        self.lock().roles.entry(arn.into()).or_default();
        RoleRule {
            sts: self,
            arn: arn.into(),
        }
    }

    /// Plays `fault` for the next `count` requests (after any queued before).
    pub fn fail_next(&self, count: usize, fault: Fault) {
        self.lock().faults.extend(std::iter::repeat_n(fault, count));
    }

    /// Issues these secret access keys next, in order, instead of random ones.
    pub fn issue_secrets(&self, secrets: &[&str]) {
        self.lock()
            .next_secrets
            .extend(secrets.iter().map(|s| s.to_string()));
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<StsRequest> {
        self.lock().requests.clone()
    }

    /// Every set of credentials issued so far.
    pub fn issued_credentials(&self) -> Vec<IssuedCredentials> {
        self.lock().issued.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn handle(state: &Mutex<State>, request: &Request) -> Reply {
    let params = wire::params(request);
    let action = params.get("Action").cloned().unwrap_or_default();
    let request_id = random::uuid();
    let mut state = lock(state);
    let fault = state.faults.pop_front();
    let (reply, outcome) = match fault {
        Some(Fault::Hang) => (Reply::Hang, "Hang".to_string()),
        Some(Fault::Drop) => (Reply::Disconnect, "Drop".to_string()),
        fault => {
            let result = match fault.as_ref().and_then(Fault::error) {
                Some(error) => Err(error),
                None => state.dispatch(&action, &params, request),
            };
            let (response, outcome) = match result {
                Ok(result) => (wire::success(&action, result, &request_id), "OK".into()),
                Err(error) => (error.response(&request_id), error.code),
            };
            match fault {
                Some(Fault::Slow(delay)) => (Reply::Delay(delay, response), outcome),
                _ => (response.into(), outcome),
            }
        }
    };
    state.requests.push(StsRequest {
        action,
        params,
        user_agent: request.header("user-agent").map(str::to_string),
        headers: request.headers.clone(),
        outcome,
    });
    reply
}

impl State {
    fn dispatch(
        &mut self,
        action: &str,
        params: &BTreeMap<String, String>,
        request: &Request,
    ) -> Result<Vec<Xml>, StsError> {
        match action {
            "AssumeRoleWithWebIdentity" => {
                web_identity::assume_role_with_web_identity(self, params)
            }
            "GetCallerIdentity" => self.get_caller_identity(request),
            _ => Err(StsError::new(
                400,
                "InvalidAction",
                format!("Could not find operation {action} for version 2011-06-15"),
            )),
        }
    }

    fn get_caller_identity(&self, request: &Request) -> Result<Vec<Xml>, StsError> {
        let caller = self.authenticate(request)?;
        Ok(vec![
            text("Arn", caller.assumed_role_arn.as_str()),
            text("UserId", caller.assumed_role_id.as_str()),
            text("Account", caller.account.as_str()),
        ])
    }

    /// The credentials a signed request was made with. For now the access key id named in the
    /// SigV4 `Authorization` header (and the `x-amz-security-token` header) must be ones this
    /// stand-in issued and not yet expired; the signature itself is not checked.
    fn authenticate(&self, request: &Request) -> Result<&IssuedCredentials, StsError> {
        let access_key_id = request
            .header("authorization")
            .and_then(|auth| auth.strip_prefix("AWS4-HMAC-SHA256 "))
            .and_then(|auth| {
                auth.split(',')
                    .find_map(|part| part.trim().strip_prefix("Credential="))
            })
            .and_then(|credential| credential.split('/').next())
            .ok_or_else(|| {
                StsError::new(
                    403,
                    "MissingAuthenticationToken",
                    "Request is missing Authentication Token",
                )
            })?;
        let credentials = self
            .issued
            .iter()
            .find(|c| {
                c.access_key_id == access_key_id
                    && request.header("x-amz-security-token") == Some(c.session_token.as_str())
            })
            .ok_or_else(|| {
                StsError::new(
                    403,
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                )
            })?;
        if clock::now() >= credentials.expires_at {
            return Err(StsError::new(
                400,
                "ExpiredToken",
                "The security token included in the request is expired",
            ));
        }
        Ok(credentials)
    }
}
