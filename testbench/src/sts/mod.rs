//! An AWS STS stand-in speaking STS's Query/XML protocol as `aws-sdk-sts` sends it: `POST /`
//! with a form-urlencoded body naming the `Action`. It knows trusted identity providers, IAM
//! users with long-term keys, and roles with trust rules; answers `AssumeRoleWithWebIdentity`,
//! the SigV4-signed `AssumeRole` and `GetCallerIdentity`, and IAM's `GetRole` of a session's own
//! role, at the same address (other actions are `InvalidAction`); issues instance-profile credentials for the [`crate::imds`] stand-in; plays
//! injected faults; and records requests and the credentials it issued.

mod assume_role;
mod identity;
mod session;
pub mod sigv4;
mod validation;
mod web_identity;
mod wire;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::github::GithubTokenService;
use crate::http::{Reply, Request, Response, Server};
use crate::jwt::VerifyingKey;
use crate::tls::CertificateAuthority;
use crate::{clock, random};
use identity::User;
pub use identity::UserKeys;
use session::SessionParams;
use validation::IamArn;
use wire::{StsError, Xml};

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
    /// `StringLike` patterns of the caller ARNs `AssumeRole` accepts; `None` (the default)
    /// accepts every caller of the role's account.
    pub trust_principals: Option<Vec<String>>,
    /// The `ExternalId` `AssumeRole` callers must pass; `None` by default.
    pub external_id: Option<String>,
    /// The most bytes of session tag keys and values `AssumeRole` accepts; 2048 by default.
    pub packed_policy_limit: usize,
    /// The trust policy document IAM's `GetRole` gives the role's own sessions; `None` (the
    /// default): they may not read it.
    pub trust_policy: Option<String>,
}

impl Default for Role {
    fn default() -> Self {
        Role {
            audiences: vec!["sts.amazonaws.com".into()],
            subject: "*".into(),
            max_session_duration: 3600,
            role_id: format!("AROA{}", random::string(random::UPPER_ALPHANUMERIC, 17)),
            trust_principals: None,
            external_id: None,
            packed_policy_limit: 2048,
            trust_policy: None,
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

    /// Trusts only these callers for `AssumeRole`: user ARNs or role-session ARNs, with `*` and
    /// `?` wildcards (`arn:aws:sts::111122223333:assumed-role/ci/*`).
    pub fn trust_principals(self, arns: &[&str]) -> Self {
        self.update(|role| {
            role.trust_principals = Some(arns.iter().map(|arn| arn.to_string()).collect());
        })
    }

    /// Requires `AssumeRole` callers to pass this `ExternalId`.
    pub fn external_id(self, id: &str) -> Self {
        self.update(|role| role.external_id = Some(id.into()))
    }

    /// Sets how many bytes of session tag keys and values `AssumeRole` accepts before
    /// answering `PackedPolicyTooLarge`.
    pub fn packed_policy_limit(self, bytes: usize) -> Self {
        self.update(|role| role.packed_policy_limit = bytes)
    }

    /// Lets the role's sessions read its trust policy, `document`, with IAM's `GetRole`.
    pub fn readable_trust_policy(self, document: &str) -> Self {
        self.update(|role| role.trust_policy = Some(document.into()))
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
    /// Status 200 with a body that is not well-formed XML (its elements do not nest).
    MalformedXml,
    /// Status 200 with a well-formed answer to the action that holds no result: no
    /// credentials, no identity.
    EmptyResult,
    /// Any error.
    Error {
        status: u16,
        code: String,
        message: String,
    },
    /// Answer with a redirect to `location` (STS never redirects; a proxy or a man in the
    /// middle might).
    Redirect { status: u16, location: String },
    /// Answer 200 with a body that never ends.
    Endless,
    /// Answer normally, but with every element named `element` given `value` instead, or
    /// left out when `value` is `None` (an STS that lies).
    Rewrite {
        element: String,
        value: Option<String>,
    },
    /// 400 `ValidationError` whose message echoes part of the request's `WebIdentityToken`.
    EchoToken(TokenPart),
}

/// Which part of the web identity token an [`Fault::EchoToken`] answer repeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenPart {
    /// The signature, the JWT's last part.
    Signature,
    /// The whole token but its first and last `n` characters.
    Trimmed(usize),
}

impl Fault {
    /// The error this fault answers the request of `params` with; `None` for the faults that
    /// change how or whether the normal answer is sent.
    fn error(&self, params: &BTreeMap<String, String>) -> Option<StsError> {
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
            Fault::EchoToken(part) => {
                let token = params.get("WebIdentityToken").cloned().unwrap_or_default();
                let echoed = match part {
                    TokenPart::Signature => token.rsplit('.').next().unwrap_or_default(),
                    TokenPart::Trimmed(n) => token
                        .get(*n..token.len().saturating_sub(*n))
                        .unwrap_or_default(),
                };
                StsError::validation(format!("The token {echoed} could not be parsed"))
            }
            Fault::Slow(_)
            | Fault::Hang
            | Fault::Drop
            | Fault::Redirect { .. }
            | Fault::Endless
            | Fault::Rewrite { .. }
            | Fault::MalformedXml
            | Fault::EmptyResult => return None,
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
    /// The access key id a signed request names in its `Authorization` header.
    pub caller_access_key: Option<String>,
    /// `OK`, the error code answered, `Hang` / `Drop` when no answer was sent, or the name of
    /// the fault that shaped the answer (`Redirect`, `Endless`, `MalformedXml`, `EmptyResult`).
    pub outcome: String,
    /// When it arrived.
    pub received: Instant,
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
    /// The token's `sub` (empty for other sessions than web identity ones).
    pub subject: String,
    /// The token's accepted `aud` (empty for other sessions).
    pub audience: String,
    /// The `Provider` answered: the issuer without its scheme (empty for other sessions).
    pub provider: String,
    /// The session policy, if one was passed.
    pub policy: Option<String>,
    /// The managed session policies passed.
    pub policy_arns: Vec<String>,
    /// The session tags passed to `AssumeRole`, in order.
    pub tags: Vec<(String, String)>,
    /// The tag keys passed as transitive.
    pub transitive_tag_keys: Vec<String>,
    /// The `ExternalId` passed to `AssumeRole`.
    pub external_id: Option<String>,
    /// Who assumed the role: the caller's ARN for `AssumeRole`, the identity provider's ARN
    /// (`arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST`) for a web identity, and
    /// `ec2.amazonaws.com` for an instance profile.
    pub source: String,
}

#[derive(Debug, Default)]
struct State {
    providers: Vec<IdentityProvider>,
    users: Vec<User>,
    roles: BTreeMap<String, Role>,
    faults: VecDeque<Fault>,
    /// Played once the queued faults are used up.
    always: Option<Fault>,
    /// At most this many answers in any one second; `Throttling` above it.
    rate_limit: Option<usize>,
    /// When the requests of the last second arrived, for the rate limit.
    recent: VecDeque<Instant>,
    next_secrets: VecDeque<String>,
    /// Sessions end this many seconds after they are issued, whatever their duration.
    session_lifetime: Option<u32>,
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
        StsStandIn::start_on(None)
    }

    /// Starts like [`StsStandIn::start`], over https with a certificate of `ca`.
    pub fn start_tls(ca: &CertificateAuthority) -> StsStandIn {
        StsStandIn::start_on(Some(ca))
    }

    fn start_on(ca: Option<&CertificateAuthority>) -> StsStandIn {
        let state = Arc::new(Mutex::new(State::default()));
        let handler_state = Arc::clone(&state);
        let handler = move |request: &Request| handle(&handler_state, request);
        let server = match ca {
            None => Server::start(handler),
            Some(ca) => Server::start_tls_with(ca, |_| handler),
        };
        StsStandIn { server, state }
    }

    /// The endpoint URL, `http://127.0.0.1:PORT` (`https://…` when started with TLS).
    pub fn endpoint(&self) -> String {
        self.server.base_url()
    }

    /// Waits `latency` before every answer from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.server.set_latency(latency);
    }

    /// Answers at most `per_second` requests in any one second and `Throttling` to the rest,
    /// as STS does above an account's quota.
    pub fn rate_limit(&self, per_second: usize) {
        self.lock().rate_limit = Some(per_second);
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

    /// The long-term keys of the IAM user `arn` (`arn:aws:iam::111122223333:user/ci`), created
    /// with a new key if new. Panics on an ARN that is not a user's.
    pub fn user(&self, arn: &str) -> UserKeys {
        let mut state = self.lock();
        if let Some(user) = state.users.iter().find(|user| user.arn == arn) {
            return user.keys.clone();
        }
        let user = User::new(arn);
        let keys = user.keys.clone();
        state.users.push(user);
        keys
    }

    /// Credentials for an EC2 instance whose instance profile holds the role `role_arn`
    /// (created with the default trust rule if new): a six-hour session named after a made-up
    /// instance id, recorded as issued so that they sign requests. Serve them with
    /// [`crate::imds::Imds`]. Panics on an ARN that is not a role's.
    pub fn instance_profile(&self, role_arn: &str) -> IssuedCredentials {
        let arn = IamArn::parse(role_arn, "role").expect("a role ARN");
        self.role(role_arn);
        let instance_id = format!("i-{}", &hex::encode(random::bytes(9))[..17]);
        let session = SessionParams {
            role_arn,
            session_name: &instance_id,
            duration: 6 * 3600,
            policy: None,
            policy_arns: Vec::new(),
        };
        let mut state = self.lock();
        let credentials = session::issue(&mut state, &arn, session, "ec2.amazonaws.com".into());
        state.issued.push(credentials.clone());
        credentials
    }

    /// Ends the session of `access_key_id` now, as if its time had run out: requests it signs
    /// get `ExpiredToken`.
    pub fn expire(&self, access_key_id: &str) {
        let now = clock::now();
        for credentials in self.lock().issued.iter_mut() {
            if credentials.access_key_id == access_key_id {
                credentials.expires_at = now;
                credentials.expiration = clock::iso8601(now);
            }
        }
    }

    /// Plays `fault` for the next `count` requests (after any queued before).
    pub fn fail_next(&self, count: usize, fault: Fault) {
        self.lock().faults.extend(std::iter::repeat_n(fault, count));
    }

    /// Plays `fault` for every request after the queued ones, for good.
    pub fn fail_always(&self, fault: Fault) {
        self.lock().always = Some(fault);
    }

    /// Issues these secret access keys next, in order, instead of random ones.
    pub fn issue_secrets(&self, secrets: &[&str]) {
        self.lock()
            .next_secrets
            .extend(secrets.iter().map(|s| s.to_string()));
    }

    /// Issues sessions that end `seconds` after they are issued from now on, whatever duration
    /// was asked for (`None`: the duration asked for), so that a test sees credentials expire
    /// and be renewed within seconds.
    pub fn session_lifetime(&self, seconds: Option<u32>) {
        self.lock().session_lifetime = seconds;
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
    let received = Instant::now();
    let fault = state
        .faults
        .pop_front()
        .or_else(|| state.always.clone())
        .or_else(|| state.over_rate_limit(received).then_some(Fault::Throttling));
    let (reply, outcome) = match fault {
        Some(Fault::Hang) => (Reply::Hang, "Hang".to_string()),
        Some(Fault::Drop) => (Reply::Disconnect, "Drop".to_string()),
        Some(Fault::Redirect { status, location }) => (
            Response::new(status).header("Location", &location).into(),
            "Redirect".to_string(),
        ),
        Some(Fault::Endless) => (
            Reply::Endless(
                Response::new(200)
                    .header("Content-Type", "text/xml")
                    .body("<a>"),
            ),
            "Endless".to_string(),
        ),
        Some(Fault::MalformedXml) => (
            wire::malformed(&action, &request_id).into(),
            "MalformedXml".to_string(),
        ),
        Some(Fault::EmptyResult) => (
            wire::success(&action, Vec::new(), &request_id).into(),
            "EmptyResult".to_string(),
        ),
        fault => {
            let result = match fault.as_ref().and_then(|f| f.error(&params)) {
                Some(error) => Err(error),
                None => state.dispatch(&action, &params, request),
            };
            let result = match (&fault, result) {
                (Some(Fault::Rewrite { element, value }), Ok(mut result)) => {
                    wire::rewrite(&mut result, element, value.as_deref());
                    Ok(result)
                }
                (_, result) => result,
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
    let caller_access_key = request
        .header("authorization")
        .and_then(|header| sigv4::Authorization::parse(header).ok())
        .map(|authorization| authorization.access_key_id);
    state.requests.push(StsRequest {
        action,
        params,
        user_agent: request.header("user-agent").map(str::to_string),
        headers: request.headers.clone(),
        caller_access_key,
        outcome,
        received,
    });
    reply
}

impl State {
    /// Counts a request at `now` against the rate limit: whether it is over it, as STS
    /// answers `Throttling` when an account calls faster than its quota.
    fn over_rate_limit(&mut self, now: Instant) -> bool {
        let Some(limit) = self.rate_limit else {
            return false;
        };
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.recent.pop_front();
        }
        if self.recent.len() >= limit {
            return true;
        }
        self.recent.push_back(now);
        false
    }

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
            "AssumeRole" => assume_role::assume_role(self, request, params),
            "GetCallerIdentity" => self.get_caller_identity(request),
            "GetRole" => self.get_role(request, params),
            _ => Err(StsError::new(
                400,
                "InvalidAction",
                format!("Could not find operation {action} for version 2011-06-15"),
            )),
        }
    }
}
