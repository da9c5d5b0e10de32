//! The main step: the source credentials, then the role and the roles of `profiles`
//! (concurrently, with one GitHub token), then the checks. Each stage gets the validated
//! `Config`; the result is one [`Outcome`](crate::outcome::Outcome), which writes nothing: the export
//! ([`crate::export::write`]) turns it into what later steps see, and nothing is written unless
//! every stage succeeded, for every role.

use crate::aws::http::{self, SdkHttpClient};
use crate::aws::iam;
use crate::aws::retry::Verdict;
use crate::aws::sts::{self, Assumed, Caller, Clients, Credentials, Identity, StsError};
use crate::config::tags::SessionTags;
use crate::config::{
    CheckTrustPolicy, Config, IdTokenRequest, ProfileRole, RoleRef, RoleRequest, Source,
};
use crate::error::{Error, StsFailure, Via};
use crate::explain::TrustPolicy;
use crate::explain::diagnosis::{self, Context};
use crate::explain::issuer::Issuer;
use crate::explain::lint;
use crate::export::{self, profiles};
use crate::outcome::{How, Outcome, ProfileOutcome};
use crate::runner;
use crate::source::github::{self, Claims, IdToken};
use crate::source::token_file;

/// Why the main step failed: the error, and for a role STS refused, what the diagnosis explains
/// it with (the token's claims, the trust policy).
#[derive(Debug)]
pub struct Failed {
    pub error: Error,
    pub diagnosis: Option<Box<Context>>,
}

impl From<Error> for Failed {
    fn from(error: Error) -> Failed {
        Failed {
            error,
            diagnosis: None,
        }
    }
}

/// The diagnosis's context of each role STS refused, kept while the roles are assumed (several
/// at once with `profiles`) so that the step's failure carries the one its error names.
#[derive(Default)]
struct Denials(std::sync::Mutex<Vec<(String, Option<String>, Context)>>);

impl Denials {
    fn record(&self, failure: &StsFailure, context: Context) {
        let mut denials = self.0.lock().unwrap_or_else(|e| e.into_inner());
        denials.push((failure.role_arn.clone(), failure.profile.clone(), context));
    }

    /// The context of the role `error` names, if STS refused it.
    fn of(&self, error: &Error) -> Option<Box<Context>> {
        let Error::Sts(failure) = error else {
            return None;
        };
        let mut denials = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let at = denials.iter().position(|(arn, profile, _)| {
            *arn == failure.role_arn && *profile == failure.profile
        })?;
        Some(Box::new(denials.swap_remove(at).2))
    }
}

/// [`run`] on a runtime of its own, for the binary's commands (the main step, `exec`,
/// `credential-process`).
pub fn run_blocking(config: &Config) -> Result<Outcome, Failed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))?;
    runtime.block_on(run(config))
}

/// Runs the main step under `action-timeout-s`, if set.
pub async fn run(config: &Config) -> Result<Outcome, Failed> {
    let denials = Denials::default();
    run_in_time(config, &denials).await.map_err(|error| Failed {
        diagnosis: denials.of(&error),
        error,
    })
}

async fn run_in_time(config: &Config, denials: &Denials) -> Result<Outcome, Error> {
    let profile_roles = config.profiles.iter().flat_map(|p| &p.roles);
    let roles = config.role.iter().chain(profile_roles.map(|p| &p.role));
    for role in roles {
        if let RoleRef::Arn(arn) = &role.role {
            mask_account(config, arn, arn.split(':').nth(4).unwrap_or_default());
        }
    }
    match config.timeout {
        None => main_step(config, denials).await,
        Some(limit) => {
            runner::info(&format!(
                "Setting a global timeout of {} seconds for the action",
                limit.as_secs()
            ));
            tokio::time::timeout(limit, main_step(config, denials))
                .await
                .unwrap_or(Err(Error::Timeout(limit.as_secs())))
        }
    }
}

async fn main_step(config: &Config, denials: &Denials) -> Result<Outcome, Error> {
    for warning in &config.warnings {
        runner::warning(warning);
    }
    if config.oidc_hint {
        runner::info(
            "It looks like you might be trying to authenticate with OIDC. Did you mean to set the \
             `id-token` permission? If you are not trying to authenticate with OIDC and the action \
             is working successfully, you can ignore this message.",
        );
    }
    if let Some(profile) = &config.profile {
        profiles::check_writable(&profile.files, &profile.name, profile.overwrite)?;
    }
    for (files, overwrite, role) in config.profiles.iter().flat_map(|p| {
        p.roles
            .iter()
            .map(move |role| (&p.files, p.overwrite, role))
    }) {
        profiles::check_writable(files, &role.name, overwrite)?;
    }
    let http = http::client(config.proxy.as_ref())?;
    let clients = Clients::new(config, SdkHttpClient::shared(http.clone())).await;

    if config.use_existing_credentials {
        let client = clients.client(Caller::DefaultChain);
        if sts::get_caller_identity(&client).await.is_ok() {
            runner::notice("Pre-existing credentials are valid. No need to generate new ones.");
            return Ok(Outcome {
                credentials: None,
                identity: None,
                how: How::Existing,
                profiles: Vec::new(),
                trust_policy_warnings: Vec::new(),
            });
        }
        runner::notice("No valid credentials exist. Running as normal.");
    }

    // The credentials to start from, and whose they are where that is needed: without a role
    // they are the result; with a role given by name, their account completes its ARN.
    let keys = match &config.source {
        Source::AccessKeys(keys) => {
            let creds = Credentials::from(keys);
            export::mask_credentials(&creds);
            Some(creds)
        }
        _ => None,
    };
    let caller = || match &keys {
        Some(creds) => Caller::Keys(creds),
        None => Caller::DefaultChain,
    };
    let needs_identity = config
        .role
        .as_ref()
        .is_none_or(|role| matches!(role.role, RoleRef::Name(_)));
    let source_identity = match &config.source {
        Source::GithubOidc { .. } | Source::TokenFile(_) => None,
        _ if needs_identity => {
            let identity = identify(config, &clients.client(caller())).await?;
            mask_account(config, &identity.arn, &identity.account);
            Some(identity)
        }
        _ => None,
    };

    // One GitHub token for every role, fetched when first needed.
    let token = SharedToken::default();
    let method = |role: &RoleRequest| match &config.source {
        Source::GithubOidc { request, audience } => Method::Oidc {
            request,
            audience: audience.as_deref(),
            http: &http,
            token: &token,
        },
        Source::TokenFile(path) => Method::TokenFile(path),
        _ => Method::Sign {
            client: clients.client(caller()),
            tags: role.tags.clone(),
        },
    };

    let main = async {
        let Some(role) = &config.role else {
            // With a web identity, there are no source credentials: its token serves `profiles`.
            if let Some(identity) = &source_identity {
                check_account(config, identity, None)?;
                runner::info("Proceeding with IAM user credentials");
            }
            let outcome = Outcome {
                credentials: keys.clone(),
                identity: source_identity.clone(),
                how: How::Source { mode: mode(config) },
                profiles: Vec::new(),
                trust_policy_warnings: Vec::new(),
            };
            return Ok((outcome, None, None));
        };
        let role_arn = role_arn(&role.role, source_identity.as_ref())?;
        let (assumed, claims) = assume(
            config,
            role,
            &role_arn,
            &clients,
            method(role),
            None,
            denials,
        )
        .await?;
        mask_account(config, &assumed.identity.arn, &assumed.identity.account);
        check_account(config, &assumed.identity, None)?;
        export::mask_credentials(&assumed.credentials);
        // The issuer of the token the role trusted, which its policy is checked for.
        let issuer = claims
            .as_ref()
            .and_then(|c| c.text("iss"))
            .and_then(|iss| Issuer::parse(&iss).ok());
        let trust_policy_warnings = match &config.check_trust_policy {
            Some(check) => check_trust_policy(check, &http, &assumed, issuer.as_ref()).await,
            None => Vec::new(),
        };
        let outcome = Outcome {
            credentials: Some(assumed.credentials),
            identity: Some(assumed.identity),
            how: How::Role {
                mode: mode(config),
                role_arn,
                session_name: role.session_name.clone(),
                subject: claims.and_then(|c| c.text("sub")),
            },
            profiles: Vec::new(),
            trust_policy_warnings,
        };
        Ok((outcome, Some(assumed.assumed_role_id), issuer))
    };
    let extra =
        futures_util::future::try_join_all(config.profiles.iter().flat_map(|p| &p.roles).map(
            |profile| assume_profile(config, profile, &clients, method(&profile.role), denials),
        ));
    let ((mut outcome, assumed_role_id, issuer), extra) = tokio::try_join!(main, extra)?;

    // Every issued credential and (with `mask-aws-account-id`) account is masked before any
    // line could show them; then the profiles' accounts are checked, the error naming the
    // profile.
    for (profile, _) in &extra {
        mask_account(config, &profile.identity.arn, &profile.identity.account);
        export::mask_credentials(&profile.credentials);
    }
    for (profile, _) in &extra {
        check_account(config, &profile.identity, Some(&profile.name))?;
    }
    // STS's text, so only once every mask (of every role) is out.
    if let Some(id) = assumed_role_id {
        runner::info(&format!("Authenticated as assumedRoleId {id}"));
    }
    for (profile, id) in &extra {
        runner::info(&format!(
            "Authenticated for profile '{}' as assumedRoleId {id}",
            profile.name
        ));
    }
    if let Some(path) = &config.trust_policy_file {
        let found = lint_trust_policy_file(path, issuer.as_ref());
        outcome.trust_policy_warnings.extend(found);
    }
    for warning in &outcome.trust_policy_warnings {
        runner::warning(&format!("The role's trust policy: {warning}"));
    }
    outcome.profiles = extra.into_iter().map(|(profile, _)| profile).collect();
    Ok(outcome)
}

/// Assumes a role of `profiles`; the answer's assumed role id comes with it, to print once
/// every mask is out.
async fn assume_profile(
    config: &Config,
    profile: &ProfileRole,
    clients: &Clients,
    method: Method<'_>,
    denials: &Denials,
) -> Result<(ProfileOutcome, String), Error> {
    let role_arn = role_arn(&profile.role.role, None)?;
    let (assumed, _) = assume(
        config,
        &profile.role,
        &role_arn,
        clients,
        method,
        Some(&profile.name),
        denials,
    )
    .await?;
    let outcome = ProfileOutcome {
        name: profile.name.clone(),
        role_arn,
        credentials: assumed.credentials,
        identity: assumed.identity,
    };
    Ok((outcome, assumed.assumed_role_id))
}

/// The role's ARN: as given, or a name completed with the partition and account of the source
/// credentials' identity, which STS answered and so must be checked.
fn role_arn(role: &RoleRef, source: Option<&Identity>) -> Result<String, Error> {
    let caller = source.map(|identity| identity.arn.as_str());
    role.arn(caller).ok_or_else(|| {
        Error::input(
            "role-to-assume",
            format!(
                "is a role name, completed with the partition and account of the source \
                 credentials, but their identity '{}' is not an ARN with both: give the role's \
                 full ARN",
                caller.unwrap_or_default()
            ),
        )
    })
}

/// How the credentials were had, for the job summary.
fn mode(config: &Config) -> &'static str {
    match (&config.source, config.role.is_some()) {
        (Source::GithubOidc { .. }, _) => "GitHub OIDC",
        (Source::TokenFile(_), _) => "web identity token file",
        (Source::AccessKeys(_), true) => "access keys, then AssumeRole",
        (Source::AccessKeys(_), false) => "access keys",
        (Source::Chaining, _) => "role chaining",
        (Source::Ambient, true) => "existing credentials, then AssumeRole",
        (Source::Ambient, false) => "existing credentials",
    }
}

/// With `mask-aws-account-id`, masks an account id and an ARN that names it as soon as they are
/// known, before any line (debug and error lines included) could show them. The account id goes
/// first, as the original does: a runner that cannot read the ARN's mask line (act does not
/// parse a `::` inside a command's value) prints it as it is, and the account in it is masked
/// already.
fn mask_account(config: &Config, arn: &str, account: &str) {
    if config.mask_account_id {
        runner::mask(account);
        runner::mask(arn);
    }
}

/// Fails unless `allowed-account-ids` is empty or lists the identity's account; `profile` names
/// the profile of `profiles` the credentials are for.
fn check_account(config: &Config, identity: &Identity, profile: Option<&str>) -> Result<(), Error> {
    if config.allowed_account_ids.is_empty()
        || config.allowed_account_ids.contains(&identity.account)
    {
        return Ok(());
    }
    Err(Error::AccountNotAllowed {
        account: identity.account.clone(),
        allowed: config.allowed_account_ids.join(", "),
        profile: profile.map(str::to_owned),
    })
}

/// `GetCallerIdentity` for the source credentials, retried by the policy.
async fn identify(config: &Config, client: &aws_sdk_sts::Client) -> Result<Identity, Error> {
    config
        .retry
        .run(
            "GetCallerIdentity",
            async |_| sts::get_caller_identity(client).await,
            |e| e.verdict,
            ToString::to_string,
        )
        .await
        .map_err(|(e, _)| Error::SourceCredentials {
            message: e.to_string(),
            oidc_hint: config.oidc_hint,
        })
}

/// The job's GitHub token, shared by every role's calls: fetched by the first call that needs
/// it, while the others wait, and again only when stale or refused.
type SharedToken = tokio::sync::Mutex<Option<IdToken>>;

/// How the role is asked for.
enum Method<'a> {
    /// With the job's GitHub token, fetched (again) when needed.
    Oidc {
        request: &'a IdTokenRequest,
        audience: Option<&'a str>,
        http: &'a reqwest::Client,
        token: &'a SharedToken,
    },
    /// With the token in this file, read for each attempt (it may be rotated).
    TokenFile(&'a std::path::Path),
    /// `AssumeRole`, signed by the client's credentials.
    Sign {
        client: aws_sdk_sts::Client,
        tags: Option<SessionTags>,
    },
}

/// Why one attempt at the role failed.
enum Failure {
    /// No token could be had: final.
    Token(Error),
    Sts(StsError),
}

/// Assumes the role (for the named profile of `profiles`, if given), retried by the policy.
async fn assume(
    config: &Config,
    role: &RoleRequest,
    role_arn: &str,
    clients: &Clients,
    mut method: Method<'_>,
    profile: Option<&str>,
    denials: &Denials,
) -> Result<(Assumed, Option<Claims>), Error> {
    let via = match method {
        Method::Oidc { .. } => Via::Oidc,
        Method::TokenFile(_) => Via::TokenFile,
        Method::Sign { .. } => Via::Credentials,
    };
    match profile {
        None => runner::info(&format!("Assuming role with {via}")),
        Some(name) => runner::info(&format!("Assuming role for profile '{name}' with {via}")),
    }
    runner::debug(&format!(
        "role {role_arn}, session name {}, duration {} s, region {}",
        role.session_name, role.duration_seconds, config.region
    ));
    let anonymous = clients.client(Caller::Anonymous);
    let mut token: Option<IdToken> = None;
    let outcome = config
        .retry
        .run(
            "AssumeRole",
            async |attempt| {
                let result = match &mut method {
                    Method::Oidc {
                        request,
                        audience,
                        http,
                        token: shared,
                    } => {
                        let mut held = shared.lock().await;
                        // A token refused to this call is fetched again, unless another call
                        // fetched a new one since.
                        let refused = |t: &IdToken| {
                            attempt.fresh_token
                                && token.as_ref().is_some_and(|used| used.jwt == t.jwt)
                        };
                        let current = match held.as_ref() {
                            Some(t) if !t.is_stale() && !refused(t) => t.clone(),
                            _ => {
                                let fresh = id_token(config, http, request, *audience)
                                    .await
                                    .map_err(Failure::Token)?;
                                *held = Some(fresh.clone());
                                fresh
                            }
                        };
                        drop(held);
                        let jwt = current.jwt.clone();
                        token = Some(current);
                        sts::assume_role_with_web_identity(&anonymous, role, role_arn, &jwt).await
                    }
                    Method::TokenFile(path) => {
                        let jwt = token_file::read(path).map_err(Failure::Token)?;
                        runner::mask(&jwt);
                        token = Some(IdToken::new(jwt.clone()));
                        sts::assume_role_with_web_identity(&anonymous, role, role_arn, &jwt).await
                    }
                    Method::Sign { client, tags } => {
                        match sts::assume_role(client, role, role_arn, tags.as_ref()).await {
                            Err(e) if e.code == "PackedPolicyTooLarge" && tags.is_some() => {
                                runner::info(
                                    "Session tag size is too large; dropping droppable tags and retrying.",
                                );
                                *tags = tags.as_ref().map(SessionTags::without_droppable);
                                sts::assume_role(client, role, role_arn, tags.as_ref()).await
                            }
                            other => other,
                        }
                    }
                };
                result
                    .and_then(|assumed| check_special_characters(config, assumed))
                    .map_err(Failure::Sts)
            },
            |failure| match failure {
                Failure::Token(_) => Verdict::Fail,
                Failure::Sts(e) => e.verdict,
            },
            |failure| match failure {
                Failure::Token(e) => e.to_string(),
                Failure::Sts(e) => e.to_string(),
            },
        )
        .await;
    let claims = token.as_ref().and_then(IdToken::claims);
    outcome
        .map(|assumed| (assumed, claims.clone()))
        .map_err(|(failure, spent)| match failure {
            Failure::Token(e) => e,
            Failure::Sts(e) if e.code == sts::NO_CREDENTIALS => Error::SourceCredentials {
                message: e.to_string(),
                oidc_hint: config.oidc_hint,
            },
            Failure::Sts(e) => {
                let failure = StsFailure {
                    role_arn: role_arn.to_owned(),
                    profile: profile.map(str::to_owned),
                    via,
                    hint: diagnosis::hint(via, &e.code, &e.message, claims.as_ref()),
                    code: e.code,
                    message: e.message,
                    spent,
                };
                denials.record(
                    &failure,
                    Context {
                        claims,
                        trust_policy: config.trust_policy_file.as_deref().map(TrustPolicy::read),
                        job_summary: config.job_summary,
                    },
                );
                Error::Sts(Box::new(failure))
            }
        })
}

/// `check-trust-policy`: the assumed role reads its own trust policy, which is linted as `lint`
/// does (for the token's `issuer`, when a token was used); its findings come back, to be warned
/// about. A role that may not read itself, or any other failure, is one notice: the check never
/// fails the step.
async fn check_trust_policy(
    check: &CheckTrustPolicy,
    http: &reqwest::Client,
    assumed: &Assumed,
    issuer: Option<&Issuer>,
) -> Vec<String> {
    let not_checked = |why: String| {
        runner::notice(&format!(
            "check-trust-policy: the role's trust policy was not checked: {why}"
        ));
        Vec::new()
    };
    let session = &assumed.identity.arn;
    let endpoint = check.iam_endpoint.as_deref();
    let text = match iam::role_trust_policy(http, &assumed.credentials, session, endpoint).await {
        Ok(text) => text,
        Err(e) if e.is_denial() => {
            return not_checked(format!(
                "the role may not read it (it needs iam:GetRole on itself): {e}"
            ));
        }
        Err(e) => return not_checked(format!("IAM did not give it: {e}")),
    };
    match serde_json::from_str(&text) {
        Ok(document) => lint::warnings(&document, issuer),
        Err(e) => not_checked(format!("IAM gave a document that is not JSON: {e}")),
    }
}

/// `trust-policy-file`: what `lint` finds in it (for the token's `issuer`, when a token was
/// used), to be warned about; a file that cannot be read or is not a policy is one notice, never
/// the step's failure.
fn lint_trust_policy_file(path: &std::path::Path, issuer: Option<&Issuer>) -> Vec<String> {
    TrustPolicy::read(path).lint(issuer).unwrap_or_else(|why| {
        runner::notice(&format!("trust-policy-file was not checked: {why}"));
        Vec::new()
    })
}

/// A GitHub token, with the retry policy's own attempts.
async fn id_token(
    config: &Config,
    http: &reqwest::Client,
    request: &IdTokenRequest,
    audience: Option<&str>,
) -> Result<IdToken, Error> {
    config
        .retry
        .run(
            "GitHub OIDC token",
            async |_| github::fetch(http, request, audience).await,
            github::TokenError::verdict,
            ToString::to_string,
        )
        .await
        .map_err(|(e, spent)| {
            let proxy = match (&e, &config.proxy) {
                (github::TokenError::Transport(_), Some(proxy)) => proxy.named_for(&request.url),
                _ => None,
            };
            let via = proxy.map_or_else(String::new, |p| format!(" (through the proxy {p})"));
            Error::IdToken(format!("{e}{via}{}", spent.note()))
        })
}

/// With `special-characters-workaround`, credentials whose key id or secret hold characters some
/// tools mishandle are refused so that the retry policy's next attempt asks for new ones.
fn check_special_characters(config: &Config, assumed: Assumed) -> Result<Assumed, StsError> {
    const SPECIAL: &str = "!@#$%^&*()_+-=[]{};':\"\\|,.<>/?";
    let special = |s: &str| s.contains(|c| SPECIAL.contains(c));
    let creds = &assumed.credentials;
    if config.special_characters_workaround
        && (special(&creds.access_key_id) || special(&creds.secret_access_key))
    {
        return Err(StsError {
            code: "SpecialCharacters".into(),
            message:
                "the secret access key has special characters ('special-characters-workaround')"
                    .into(),
            verdict: Verdict::NextAttempt,
        });
    }
    Ok(assumed)
}
