//! A fake of the runner's OIDC token endpoint: `GET /token?api-version=2.0&audience=…` with the
//! job's bearer request token answers `{"count":1,"value":"<jwt>"}`, a JWT shaped like GitHub's
//! and signed with RS256. It also serves its OpenID configuration and JWKS, injects faults, and
//! records every request and every token it issued.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::clock;
use crate::context::WorkflowContext;
use crate::http::{Reply, Request, Response, Server};
use crate::jwt::{SigningKey, VerifyingKey};
use crate::random;
use crate::tls::CertificateAuthority;

/// What the tokens say and how they are signed. Chain the setters on
/// `TokenSettings::default()`.
#[derive(Clone, Debug)]
pub struct TokenSettings {
    /// The run the claims describe.
    pub context: WorkflowContext,
    /// The job's deployment environment: adds the `environment` claim and, unless `subject`
    /// is set, makes `sub` `repo:OWNER/REPO:environment:NAME`.
    pub environment: Option<String>,
    /// `sub`; by default `repo:OWNER/REPO:ref:REF` (or the environment form).
    pub subject: Option<String>,
    /// Claims set last, over the computed ones; a `null` value removes the claim.
    pub claims: Map<String, Value>,
    /// `exp - iat`: 5 minutes, as GitHub's.
    pub lifetime: Duration,
    /// How long before the request `iat` lies.
    pub age: Duration,
    /// The key tokens are signed with.
    pub key: SigningKey,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            context: WorkflowContext::default(),
            environment: None,
            subject: None,
            claims: Map::new(),
            lifetime: Duration::from_secs(300),
            age: Duration::ZERO,
            key: SigningKey::github(),
        }
    }
}

impl TokenSettings {
    /// Describes this run.
    pub fn context(mut self, context: WorkflowContext) -> Self {
        self.context = context;
        self
    }

    /// `owner/name` of the repository.
    pub fn repository(mut self, repository: &str) -> Self {
        self.context.repository = repository.into();
        self
    }

    /// The full ref (`refs/heads/main`, `refs/tags/v1`).
    pub fn git_ref(mut self, git_ref: &str) -> Self {
        self.context.git_ref = git_ref.into();
        self
    }

    /// The triggering event (`push`, `pull_request`, …).
    pub fn event_name(mut self, event_name: &str) -> Self {
        self.context.event_name = event_name.into();
        self
    }

    /// The job's deployment environment.
    pub fn environment(mut self, environment: &str) -> Self {
        self.environment = Some(environment.into());
        self
    }

    /// An explicit `sub` claim.
    pub fn subject(mut self, subject: &str) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets (or, with `Value::Null`, removes) any claim, after the computed ones.
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// `exp - iat`.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Back-dates `iat` (and so `nbf` and `exp`) by `age`.
    pub fn issued_ago(mut self, age: Duration) -> Self {
        self.age = age;
        self
    }

    /// Issues tokens that expired a minute ago.
    pub fn expired(self) -> Self {
        let age = self.lifetime + Duration::from_secs(60);
        self.issued_ago(age)
    }

    /// Signs with another key.
    pub fn signing_key(mut self, key: SigningKey) -> Self {
        self.key = key;
        self
    }

    /// The `sub` claim these settings produce.
    pub fn sub(&self) -> String {
        let repo = &self.context.repository;
        match (&self.subject, &self.environment) {
            (Some(subject), _) => subject.clone(),
            (None, Some(environment)) => format!("repo:{repo}:environment:{environment}"),
            (None, None) if self.context.event_name == "pull_request" => {
                format!("repo:{repo}:pull_request")
            }
            (None, None) => format!("repo:{repo}:ref:{}", self.context.git_ref),
        }
    }

    /// The claims of a token for `audience` from `issuer`, issued now.
    fn token_claims(&self, issuer: &str, audience: &str) -> Value {
        let ctx = &self.context;
        let age = i64::try_from(self.age.as_secs()).expect("a sane token age");
        let lifetime = i64::try_from(self.lifetime.as_secs()).expect("a sane token lifetime");
        let iat = clock::now() - age;
        let mut claims = json!({
            "jti": random::uuid(),
            "sub": self.sub(),
            "aud": audience,
            "ref": ctx.git_ref,
            "sha": ctx.sha,
            "repository": ctx.repository,
            "repository_owner": ctx.repository_owner(),
            "repository_owner_id": ctx.repository_owner_id,
            "repository_id": ctx.repository_id,
            "repository_visibility": "private",
            "run_id": ctx.run_id,
            "run_number": ctx.run_number,
            "run_attempt": ctx.run_attempt,
            "actor": ctx.actor,
            "actor_id": ctx.actor_id,
            "workflow": ctx.workflow,
            "workflow_ref": ctx.workflow_ref(),
            "workflow_sha": ctx.sha,
            "job_workflow_ref": ctx.workflow_ref(),
            "job_workflow_sha": ctx.sha,
            "event_name": ctx.event_name,
            "ref_type": ctx.ref_type(),
            "ref_protected": "false",
            "head_ref": "",
            "base_ref": "",
            "runner_environment": "github-hosted",
            "iss": issuer,
            "nbf": iat,
            "iat": iat,
            "exp": iat + lifetime,
        });
        let map = claims.as_object_mut().expect("claims are an object");
        if let Some(environment) = &self.environment {
            map.insert("environment".into(), environment.as_str().into());
        }
        for (name, value) in &self.claims {
            if value.is_null() {
                map.remove(name);
            } else {
                map.insert(name.clone(), value.clone());
            }
        }
        claims
    }
}

/// A failure the token endpoint plays instead of answering normally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenFault {
    /// This status, with a JSON `message`.
    Status(u16),
    /// Status 200 with a body that has no `value`.
    MissingValue,
    /// Answer normally after a delay.
    Slow(Duration),
    /// Never answer.
    Hang,
    /// Close the connection without answering.
    Disconnect,
    /// This answer instead of the token (a redirect, an error page echoing anything, …).
    Respond(Response),
    /// Status 200 and a JSON body that never ends.
    Endless,
    /// Status 200 with an HTML page instead of JSON, as a captive portal or a broken proxy
    /// answers.
    NotJson,
    /// Answer normally, but with a token that expired a minute ago.
    Expired,
}

/// One request to the token endpoint, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// The decoded `audience` query parameter, if any.
    pub audience: Option<String>,
    /// Whether `Authorization: Bearer <request token>` was right.
    pub authorized: bool,
    /// The status answered, or `None` when no answer was sent.
    pub status: Option<u16>,
}

#[derive(Debug)]
struct State {
    settings: TokenSettings,
    faults: VecDeque<TokenFault>,
    requests: Vec<TokenRequest>,
    issued: Vec<String>,
}

/// The fake token endpoint. Dropping it stops the server.
#[derive(Debug)]
pub struct GithubTokenService {
    server: Server,
    request_token: String,
    state: Arc<Mutex<State>>,
}

impl GithubTokenService {
    /// Starts with the default settings: a push to `main` of `octo-org/octo-repo`.
    pub fn start() -> GithubTokenService {
        GithubTokenService::start_with(TokenSettings::default())
    }

    /// Starts with these settings.
    pub fn start_with(settings: TokenSettings) -> GithubTokenService {
        GithubTokenService::start_on(settings, None)
    }

    /// Starts with the default settings, over https with a certificate of `ca`.
    pub fn start_tls(ca: &CertificateAuthority) -> GithubTokenService {
        GithubTokenService::start_on(TokenSettings::default(), Some(ca))
    }

    fn start_on(settings: TokenSettings, ca: Option<&CertificateAuthority>) -> GithubTokenService {
        let request_token = random::string(random::BASE64, 40);
        let state = Arc::new(Mutex::new(State {
            settings,
            faults: VecDeque::new(),
            requests: Vec::new(),
            issued: Vec::new(),
        }));
        let (handler_state, handler_token) = (Arc::clone(&state), request_token.clone());
        let make_handler = move |issuer: &str| {
            let issuer = issuer.to_string();
            move |request: &Request| route(&handler_state, &issuer, &handler_token, request)
        };
        let server = match ca {
            None => Server::start_with(make_handler),
            Some(ca) => Server::start_tls_with(ca, make_handler),
        };
        GithubTokenService {
            server,
            request_token,
            state,
        }
    }

    /// Waits `latency` before every answer from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.server.set_latency(latency);
    }

    /// The value for `ACTIONS_ID_TOKEN_REQUEST_URL`; it already has a query string.
    pub fn request_url(&self) -> String {
        format!("{}/token?api-version=2.0", self.issuer())
    }

    /// The value for `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub fn request_token(&self) -> &str {
        &self.request_token
    }

    /// The `iss` claim: this server's base URL.
    pub fn issuer(&self) -> String {
        self.server.base_url()
    }

    /// The public key that checks the tokens.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.lock().settings.key.verifying_key()
    }

    /// The JWKS document served at `/.well-known/jwks`.
    pub fn jwks(&self) -> Value {
        jwks(&self.verifying_key())
    }

    /// A copy of the current settings.
    pub fn settings(&self) -> TokenSettings {
        self.lock().settings.clone()
    }

    /// Replaces the settings for the tokens issued from now on.
    pub fn set_settings(&self, settings: TokenSettings) {
        self.lock().settings = settings;
    }

    /// Plays `fault` for the next `count` token requests (after any queued before).
    pub fn fail_next(&self, count: usize, fault: TokenFault) {
        self.lock().faults.extend(std::iter::repeat_n(fault, count));
    }

    /// Issues a token for `audience` without a request, as the endpoint would (and records it).
    pub fn mint(&self, audience: &str) -> String {
        self.lock().issue(&self.issuer(), audience)
    }

    /// Every request to the token endpoint so far.
    pub fn requests(&self) -> Vec<TokenRequest> {
        self.lock().requests.clone()
    }

    /// Every token issued so far, to check that none leaks into any output.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.lock().issued.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl State {
    fn issue(&mut self, issuer: &str, audience: &str) -> String {
        let token = self
            .settings
            .key
            .sign(&self.settings.token_claims(issuer, audience));
        self.issued.push(token.clone());
        token
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn route(state: &Mutex<State>, issuer: &str, request_token: &str, request: &Request) -> Reply {
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/token") => token(&mut lock(state), issuer, request_token, request),
        ("GET", "/.well-known/openid-configuration") => {
            Response::json(200, &openid_configuration(issuer)).into()
        }
        ("GET", "/.well-known/jwks") => {
            Response::json(200, &jwks(&lock(state).settings.key.verifying_key())).into()
        }
        _ => Response::json(404, &json!({"message": "Not Found"})).into(),
    }
}

fn token(state: &mut State, issuer: &str, request_token: &str, request: &Request) -> Reply {
    let audience = request
        .query_pairs()
        .into_iter()
        .find(|(name, _)| name == "audience")
        .map(|(_, value)| value);
    let authorized = request
        .header("authorization")
        .and_then(|value| value.split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && token.trim() == request_token
        });
    let reply = match state.faults.pop_front() {
        Some(TokenFault::Status(status)) => Response::json(
            status,
            &json!({"message": format!("injected failure: status {status}")}),
        )
        .into(),
        Some(TokenFault::MissingValue) => Response::json(200, &json!({"count": 0})).into(),
        Some(TokenFault::Hang) => Reply::Hang,
        Some(TokenFault::Disconnect) => Reply::Disconnect,
        Some(TokenFault::Respond(response)) => response.into(),
        Some(TokenFault::Endless) => Reply::Endless(
            Response::new(200)
                .header("Content-Type", "application/json")
                .body(r#"{"value":"eyJ"#),
        ),
        Some(TokenFault::NotJson) => Response::new(200)
            .header("Content-Type", "text/html")
            .body("<html><body><h1>Sign in to the network</h1></body></html>")
            .into(),
        Some(TokenFault::Expired) => {
            let settings = state.settings.clone();
            state.settings = settings.clone().expired();
            let response = answer(state, issuer, authorized, audience.as_deref());
            state.settings = settings;
            response.into()
        }
        Some(TokenFault::Slow(delay)) => Reply::Delay(
            delay,
            answer(state, issuer, authorized, audience.as_deref()),
        ),
        None => answer(state, issuer, authorized, audience.as_deref()).into(),
    };
    let status = match &reply {
        Reply::Respond(response) | Reply::Delay(_, response) | Reply::Endless(response) => {
            Some(response.status)
        }
        Reply::Hang | Reply::Disconnect => None,
    };
    state.requests.push(TokenRequest {
        audience,
        authorized,
        status,
    });
    reply
}

/// The normal answer: a token for the audience (or the owner's URL), or 401.
fn answer(state: &mut State, issuer: &str, authorized: bool, audience: Option<&str>) -> Response {
    if !authorized {
        let message = "TF400813: The user '' is not authorized to access this resource.";
        return Response::json(401, &json!({"message": message}));
    }
    let audience = match audience {
        Some(audience) if !audience.is_empty() => audience.to_string(),
        _ => format!(
            "https://github.com/{}",
            state.settings.context.repository_owner()
        ),
    };
    let token = state.issue(issuer, &audience);
    Response::json(200, &json!({"count": 1, "value": token}))
}

fn jwks(key: &VerifyingKey) -> Value {
    json!({"keys": [key.to_jwk()]})
}

fn openid_configuration(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks"),
        "subject_types_supported": ["public", "pairwise"],
        "response_types_supported": ["id_token"],
        "claims_supported": [
            "sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha", "repository",
            "repository_id", "repository_owner", "repository_owner_id", "run_id", "run_number",
            "run_attempt", "actor", "actor_id", "workflow", "workflow_ref", "job_workflow_ref",
            "event_name", "ref_type", "environment", "runner_environment"
        ],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid"],
    })
}
