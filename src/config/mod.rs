//! All validation in one place: raw [`Inputs`] and the runner's environment become one typed
//! [`Config`] before any network call. After this, no value needs checking again.
//!
//! The stage owns the inputs as given ([`inputs`]) and what they are checked into: this
//! [`Config`], the session tags ([`tags`]), the proxy settings ([`proxy`]) and the roles of
//! `profiles` ([`named_roles`]).

pub mod inputs;
pub mod named_roles;
pub mod profile_files;
pub mod proxy;
pub mod tags;

use std::path::PathBuf;
use std::time::Duration;

use crate::aws::retry::RetryPolicy;
use crate::config::inputs::Inputs;
use crate::config::proxy::Proxy;
use crate::error::Error;
use crate::runner;
use profile_files::ProfileFiles;
use tags::SessionTags;

pub const DEFAULT_SESSION_NAME: &str = "GitHubActions";
pub const DEFAULT_DURATION_SECONDS: i32 = 3600;
pub const DEFAULT_MAX_ATTEMPTS: u32 = 12;
const MAX_MANAGED_POLICIES: usize = 10;

/// Everything the main step needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub region: String,
    /// Where the first credentials come from.
    pub source: Source,
    /// The role to assume with them, if any.
    pub role: Option<RoleRequest>,
    /// Write the credentials to this profile of the shared files.
    pub profile: Option<Profile>,
    /// More roles to assume, each written to its own profile of the shared files (`profiles`).
    pub profiles: Option<Profiles>,
    pub use_existing_credentials: bool,
    pub mask_account_id: bool,
    pub output_credentials: bool,
    pub output_env_credentials: bool,
    pub unset_current_credentials: bool,
    pub special_characters_workaround: bool,
    pub allowed_account_ids: Vec<String>,
    pub retry: RetryPolicy,
    pub timeout: Option<Duration>,
    pub sts_endpoint: Option<String>,
    pub proxy: Option<Proxy>,
    /// `md/…` entries for the STS user agent (the run id, attempt and action).
    pub user_agent_metadata: Vec<String>,
    /// Warnings the original gives for these inputs, to print before anything else.
    pub warnings: Vec<String>,
    /// A role is set, but neither OIDC nor keys are available: say that OIDC needs a permission.
    pub oidc_hint: bool,
    /// The role's trust policy, to check a denied token against (`trust-policy-file`).
    pub trust_policy_file: Option<PathBuf>,
    /// `check-trust-policy`: read the assumed role's trust policy from IAM and warn about it.
    pub check_trust_policy: Option<CheckTrustPolicy>,
    /// Write a summary of the run (or of a denial) to the job summary (`job-summary`).
    pub job_summary: bool,
    /// Add the binary's folder to `GITHUB_PATH` for later steps (`install-cli`).
    pub install_cli: bool,
    /// `refresh-credentials`: later steps get a profile that renews the credentials itself.
    pub refresh: Option<Refresh>,
}

/// Where `check-trust-policy` asks IAM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckTrustPolicy {
    /// The IAM endpoint the environment names (`AWS_ENDPOINT_URL_IAM`, else `AWS_ENDPOINT_URL`,
    /// as the SDKs read them unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true); `None`: the
    /// partition's.
    pub iam_endpoint: Option<String>,
}

/// How later steps renew the credentials (`refresh-credentials`); the profile they read is
/// [`Config::profile`].
#[derive(Debug, Clone)]
pub struct Refresh {
    /// Renew once fewer than this remain (`refresh-margin-seconds`).
    pub margin: Duration,
    /// Where the renewal settings and the cache go (`RUNNER_TEMP`).
    pub dir: PathBuf,
    /// `http-proxy` and `no-proxy` as given (or as their environment fallbacks give them), for
    /// the renewals to go the same way.
    pub http_proxy: Option<String>,
    pub no_proxy: Option<String>,
}

/// How the profile `refresh-credentials` writes when `aws-profile` names none begins; the rest
/// makes it this use's own (see [`refresh_profile_name`]).
pub const REFRESH_PROFILE_PREFIX: &str = "aws-oidc-credentials-";
/// The default of `refresh-margin-seconds`: the AWS CLI and boto3 ask for new credentials once
/// fewer than 15 minutes remain.
pub const DEFAULT_REFRESH_MARGIN: u64 = 900;

/// Where the first credentials come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The job's GitHub OIDC token.
    GithubOidc {
        request: IdTokenRequest,
        /// `None` asks GitHub for a token with its default audience.
        audience: Option<String>,
    },
    /// A web identity token in a file (e.g. a Kubernetes service account token).
    TokenFile(PathBuf),
    /// Access keys given as inputs.
    AccessKeys(Keys),
    /// The credentials already in the environment (`role-chaining`).
    Chaining,
    /// Whatever the SDK's default chain finds: environment, profile, container or instance role.
    Ambient,
}

/// Long-term or temporary access keys.
#[derive(Clone)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Where and how to ask the runner for the job's OIDC token.
#[derive(Debug, Clone)]
pub struct IdTokenRequest {
    pub url: String,
    pub bearer: String,
}

/// The role to assume and the session's settings.
#[derive(Debug, Clone)]
pub struct RoleRequest {
    pub role: RoleRef,
    pub session_name: String,
    pub duration_seconds: i32,
    pub external_id: Option<String>,
    pub inline_session_policy: Option<String>,
    pub managed_session_policies: Vec<String>,
    /// Sent with `AssumeRole` only; `None` when tagging is skipped.
    pub tags: Option<SessionTags>,
}

/// A role given as an ARN, or as a bare name completed from the source credentials' account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRef {
    Arn(String),
    Name(String),
}

impl RoleRef {
    /// The ARN, completing a name with the partition and account of `caller_arn`.
    pub fn arn(&self, caller_arn: Option<&str>) -> Option<String> {
        match self {
            RoleRef::Arn(arn) => Some(arn.clone()),
            RoleRef::Name(name) => {
                let parts: Vec<&str> = caller_arn?.split(':').collect();
                let (partition, account) = match parts[..] {
                    ["arn", partition, _, _, account, _, ..]
                        if is_partition(partition) && is_account_id(account) =>
                    {
                        (partition, account)
                    }
                    _ => return None,
                };
                Some(format!("arn:{partition}:iam::{account}:role/{name}"))
            }
        }
    }
}

/// The shared-files profile to write.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub overwrite: bool,
    pub files: ProfileFiles,
    /// With `overwrite`: where a replaced profile is kept for the post step to put back
    /// (`RUNNER_TEMP`).
    pub keep_in: Option<PathBuf>,
}

/// The roles of `profiles`, and where their profiles go.
#[derive(Debug, Clone)]
pub struct Profiles {
    pub roles: Vec<ProfileRole>,
    pub overwrite: bool,
    pub files: ProfileFiles,
    /// With `overwrite`: where replaced profiles are kept for the post step to put back.
    pub keep_in: Option<PathBuf>,
}

/// A role of `profiles`, with the same session settings as `role-to-assume`'s.
#[derive(Debug, Clone)]
pub struct ProfileRole {
    pub name: String,
    pub role: RoleRequest,
}

impl Config {
    /// Validates the inputs and the runner environment read through `env`, for the main step.
    pub fn from_inputs(
        inputs: &Inputs,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        Self::validate(inputs, env, true)
    }

    /// Whether the main step only installs the CLI: `install-cli` without a role, keys or
    /// profiles, which needs no other input (a `run:` step then asks for credentials with
    /// `exec`).
    pub fn install_cli_only(inputs: &Inputs) -> Result<bool, Error> {
        inputs.check_utf8()?;
        Ok(inputs.boolean("install-cli", false)?
            && inputs.get("role-to-assume").is_none()
            && inputs.get("aws-access-key-id").is_none()
            && inputs.get("profiles").is_none())
    }

    /// The same rules for a command run with the credentials (`exec`), which writes none of the
    /// runner's files and so needs none of them.
    pub fn for_command(
        inputs: &Inputs,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        Self::validate(inputs, env, false)
    }

    fn validate(
        inputs: &Inputs,
        env: impl Fn(&str) -> Option<String>,
        runner_files: bool,
    ) -> Result<Self, Error> {
        Self::validate_inputs(inputs, env, runner_files).map_err(|e| inputs.name_origin(e))
    }

    fn validate_inputs(
        inputs: &Inputs,
        env: impl Fn(&str) -> Option<String>,
        runner_files: bool,
    ) -> Result<Self, Error> {
        inputs.check_utf8()?;
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let region = inputs
            .get("aws-region")
            .ok_or_else(|| Error::input("aws-region", "is required (for example us-east-2)"))?;
        check_region(region)?;

        // Every boolean is checked even where this mode does not use it.
        let profile_name = inputs.get("aws-profile");
        let refresh_credentials = inputs.boolean("refresh-credentials", false)?;
        // Renewing credentials put nothing secret in the environment: exported by default.
        let output_env_credentials = inputs.boolean(
            "output-env-credentials",
            profile_name.is_none() || refresh_credentials,
        )?;
        let mask_account_id = inputs.boolean("mask-aws-account-id", false)?;
        let output_credentials = inputs.boolean("output-credentials", false)?;
        let unset_current_credentials = inputs.boolean("unset-current-credentials", false)?;
        let disable_retry = inputs.boolean("disable-retry", false)?;
        let special_characters_workaround =
            inputs.boolean("special-characters-workaround", false)?;
        let use_existing_credentials = inputs.boolean("use-existing-credentials", false)?;
        let overwrite_profile = inputs.boolean("overwrite-aws-profile", false)?;
        let job_summary = inputs.boolean("job-summary", true)?;
        let check_trust_policy = inputs.boolean("check-trust-policy", false)?;
        let skip_session_tagging = inputs.boolean("role-skip-session-tagging", false)?;
        let role_chaining = inputs.boolean("role-chaining", false)?;
        let force_skip_oidc = inputs.boolean("force-skip-oidc", false)?;
        let install_cli = inputs.boolean("install-cli", false)?;
        if unset_current_credentials && role_chaining {
            return Err(Error::input(
                "unset-current-credentials",
                "cannot be true together with 'role-chaining': role chaining starts from the \
                 credentials in the environment, which 'unset-current-credentials' drops; set \
                 one of them to false",
            ));
        }

        let (source, oidc_hint) = source(inputs, &env, role_chaining, force_skip_oidc)?;
        let web_identity = matches!(source, Source::GithubOidc { .. } | Source::TokenFile(_));
        let mut warnings = Vec::new();
        let custom_tags = custom_tags(inputs, &env)?;
        if custom_tags.is_some() && web_identity {
            warnings.push(
                "'custom-tags' is set but will be ignored because session tags cannot be applied \
                 when using OIDC or web identity token authentication. Tags are controlled by the \
                 identity provider token claims in these authentication flows."
                    .to_owned(),
            );
        }
        let role_request = |role| {
            role_request(
                inputs,
                &env,
                role,
                &source,
                custom_tags.clone(),
                skip_session_tagging,
            )
        };
        let role = match inputs.get("role-to-assume") {
            None => None,
            Some(role) => Some(role_request(role_ref(role, web_identity)?)?),
        };
        let keep_in = || match overwrite_profile {
            false => Ok(None),
            true => env("RUNNER_TEMP")
                .map(|dir| Some(PathBuf::from(dir)))
                .ok_or(Error::RunnerEnv("RUNNER_TEMP")),
        };

        // The profile `role-to-assume`'s credentials go to: `aws-profile`, or with
        // `refresh-credentials` a renewing profile of this use's own, which concurrent jobs
        // sharing a home directory and other uses in the job do not touch.
        let role_profile = match profile_name {
            Some(name) => Some((name.to_owned(), "'aws-profile' names")),
            None if refresh_credentials && role.is_some() => Some((
                refresh_profile_name(&env),
                "'refresh-credentials' writes for 'role-to-assume'",
            )),
            None => None,
        };
        let profiles = match inputs.get("profiles") {
            None => None,
            Some(text) => {
                let taken = role_profile.as_ref().map(|(name, by)| (name.as_str(), *by));
                let named = named_roles::parse(text, taken, is_role_arn)
                    .map_err(|problem| Error::input("profiles", problem))?;
                let mut roles = Vec::with_capacity(named.len());
                for named in named {
                    roles.push(ProfileRole {
                        role: role_request(RoleRef::Arn(named.arn))?,
                        name: named.name,
                    });
                }
                Some(Profiles {
                    roles,
                    overwrite: overwrite_profile,
                    files: ProfileFiles::locate(env)?,
                    keep_in: keep_in()?,
                })
            }
        };
        let refresh = match refresh_credentials {
            false => None,
            // The roles of `profiles` share the session settings of `role-to-assume`.
            true => Some(refresh(
                inputs,
                &env,
                &source,
                role.as_ref().or(profiles
                    .as_ref()
                    .and_then(|p| p.roles.first())
                    .map(|p| &p.role)),
            )?),
        };
        if let Some(r) = refresh
            .as_ref()
            .filter(|r| r.margin.as_secs() < DEFAULT_REFRESH_MARGIN)
        {
            let margin = r.margin.as_secs();
            warnings.push(format!(
                "'refresh-margin-seconds' is {margin}: the AWS CLI and boto3 take credentials \
                 with fewer than 900 seconds left as due for renewal, so in the last {} seconds \
                 before the margin they run the profile's credential_process before every \
                 request (a few milliseconds each, answered from the cache). They refuse only \
                 expired credentials; the default of 900 avoids the extra runs",
                DEFAULT_REFRESH_MARGIN - margin
            ));
        }
        let profile = match profile_name {
            // Our own renewing profile for `role-to-assume`, under a name no one else uses.
            None => match role_profile {
                Some((name, _)) => Some(Profile {
                    name,
                    overwrite: false,
                    files: ProfileFiles::locate(env)?,
                    keep_in: None,
                }),
                None => None,
            },
            Some(name) => {
                profile_files::check_name(name).map_err(|problem| {
                    Error::input("aws-profile", format!("{problem}, got '{name}'"))
                })?;
                Some(Profile {
                    name: name.to_owned(),
                    overwrite: overwrite_profile,
                    files: ProfileFiles::locate(env)?,
                    keep_in: keep_in()?,
                })
            }
        };
        if let Some(problem) = profiles_conflict(
            profiles.is_some(),
            role.is_some(),
            web_identity,
            profile_name.is_some(),
            use_existing_credentials,
        ) {
            return Err(Error::input("profiles", problem));
        }

        let max_attempts = match inputs.get("retry-max-attempts") {
            None => DEFAULT_MAX_ATTEMPTS,
            Some(v) => whole_number(v)
                .filter(|n| (1..=100).contains(n))
                .map(|n| n as u32)
                .ok_or_else(|| {
                    Error::input(
                        "retry-max-attempts",
                        format!("must be a whole number from 1 to 100, got '{v}'"),
                    )
                })?,
        };
        let retry = if special_characters_workaround {
            // As in the original, the workaround needs retries and takes over their settings.
            RetryPolicy::new(DEFAULT_MAX_ATTEMPTS)
        } else if disable_retry {
            RetryPolicy::new(1)
        } else {
            RetryPolicy::new(max_attempts)
        };

        let timeout = match inputs.get("action-timeout-s") {
            None => None,
            Some(v) => match whole_number(v) {
                Some(0) => None,
                Some(n) => Some(Duration::from_secs(n)),
                None => {
                    return Err(Error::input(
                        "action-timeout-s",
                        format!("must be a whole number of seconds (0 for no timeout), got '{v}'"),
                    ));
                }
            },
        };

        let allowed_account_ids: Vec<String> = inputs
            .get("allowed-account-ids")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(bad) = allowed_account_ids.iter().find(|a| !is_account_id(a)) {
            return Err(Error::input(
                "allowed-account-ids",
                format!("must be a comma-separated list of 12-digit AWS account ids, got '{bad}'"),
            ));
        }

        let sts_endpoint = match inputs.get("sts-endpoint") {
            None => None,
            Some(v) => Some(http_url(v).ok_or_else(|| {
                Error::input(
                    "sts-endpoint",
                    format!("must be an http:// or https:// URL, like https://sts.us-east-2.amazonaws.com, got '{v}'{}", idn_hint(v)),
                )
            })?),
        };

        let proxy = match inputs.get("http-proxy") {
            None => None,
            Some(v) => Some(Proxy::new(v, inputs.get("no-proxy")).ok_or_else(|| {
                Error::input(
                    "http-proxy",
                    format!(
                        "must be a proxy URL like http://proxy.example.com:3128, got '{v}'{}",
                        idn_hint(v)
                    ),
                )
            })?),
        };

        if runner_files {
            if output_env_credentials && env("GITHUB_ENV").is_none() {
                return Err(Error::RunnerEnv("GITHUB_ENV"));
            }
            if env("GITHUB_OUTPUT").is_none() {
                return Err(Error::RunnerEnv("GITHUB_OUTPUT"));
            }
            if (profile.is_some() || profiles.is_some()) && env("GITHUB_STATE").is_none() {
                return Err(Error::RunnerEnv("GITHUB_STATE"));
            }
            if install_cli && env("GITHUB_PATH").is_none() {
                return Err(Error::RunnerEnv("GITHUB_PATH"));
            }
        }

        let trust_policy_file = match inputs.get("trust-policy-file") {
            None => None,
            Some(file) => Some(workspace_path(file, &env)?),
        };
        let check_trust_policy = match check_trust_policy {
            false => None,
            true if role.is_none() => {
                return Err(Error::input(
                    "check-trust-policy",
                    "needs 'role-to-assume': it reads the trust policy of the role assumed",
                ));
            }
            true => Some(CheckTrustPolicy {
                iam_endpoint: env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
                    .filter(|v| v.eq_ignore_ascii_case("true"))
                    .map_or_else(
                        || env("AWS_ENDPOINT_URL_IAM").or_else(|| env("AWS_ENDPOINT_URL")),
                        |_| None,
                    ),
            }),
        };

        let (user_agent_metadata, ua_warnings) = user_agent_metadata(&env);
        warnings.extend(ua_warnings);

        Ok(Config {
            region: region.to_owned(),
            source,
            role,
            profile,
            profiles,
            use_existing_credentials,
            mask_account_id,
            output_credentials,
            output_env_credentials,
            unset_current_credentials,
            special_characters_workaround,
            allowed_account_ids,
            retry,
            timeout,
            sts_endpoint,
            proxy,
            user_agent_metadata,
            warnings,
            oidc_hint,
            trust_policy_file,
            check_trust_policy,
            job_summary,
            install_cli,
            refresh,
        })
    }
}

/// `refresh-credentials`: only a source that can be used again later in the job, without this
/// step, can renew the role's session; and `refresh-margin-seconds` must leave the session time
/// to be used.
fn refresh(
    inputs: &Inputs,
    env: &impl Fn(&str) -> Option<String>,
    source: &Source,
    role: Option<&RoleRequest>,
) -> Result<Refresh, Error> {
    let renewable = matches!(source, Source::GithubOidc { .. } | Source::TokenFile(_));
    let Some(role) = role.filter(|_| renewable) else {
        return Err(Error::input(
            "refresh-credentials",
            "works with GitHub OIDC (permissions: id-token: write) and 'web-identity-token-file' \
             with 'role-to-assume' or 'profiles': later steps renew the roles' sessions with a \
             new token. Access keys, 'role-chaining' and the runner's own credentials cannot; \
             set it to false with those",
        ));
    };
    let margin = match inputs.get("refresh-margin-seconds") {
        None => DEFAULT_REFRESH_MARGIN,
        Some(v) => whole_number(v)
            .filter(|&n| n < role.duration_seconds as u64)
            .ok_or_else(|| {
                Error::input(
                    "refresh-margin-seconds",
                    format!(
                        "must be a whole number of seconds less than the session's {} \
                         ('role-duration-seconds'), got '{v}'",
                        role.duration_seconds
                    ),
                )
            })?,
    };
    Ok(Refresh {
        margin: Duration::from_secs(margin),
        dir: PathBuf::from(env("RUNNER_TEMP").ok_or(Error::RunnerEnv("RUNNER_TEMP"))?),
        http_proxy: inputs.get("http-proxy").map(str::to_owned),
        no_proxy: inputs.get("no-proxy").map(str::to_owned),
    })
}

/// The name of the renewing profile of `role-to-assume` when `aws-profile` names none: the
/// prefix, the run, its attempt and the job where the runner gives them (so that a profile left
/// behind by a cancelled job says whose it was), then eight random hex digits, which keep apart
/// two uses of the action in one job and two legs of a matrix on runners of one machine.
fn refresh_profile_name(env: &impl Fn(&str) -> Option<String>) -> String {
    let mut name = REFRESH_PROFILE_PREFIX.to_owned();
    for variable in ["GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB"] {
        if let Some(value) = env(variable) {
            // Only what a profile name and a shell word hold as they are.
            name.extend(value.chars().take(64).map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '-' => c,
                _ => '_',
            }));
            name.push('-');
        }
    }
    name.push_str(&runner::random_uuid()[..8]);
    name
}

/// Chooses the source of the first credentials the way the original does, and whether to hint
/// at the missing `id-token` permission.
fn source(
    inputs: &Inputs,
    env: &impl Fn(&str) -> Option<String>,
    chaining: bool,
    force_skip_oidc: bool,
) -> Result<(Source, bool), Error> {
    // A role to assume: `role-to-assume`, or the roles of `profiles`.
    let role = inputs
        .get("role-to-assume")
        .or_else(|| inputs.get("profiles"));
    let access_key = inputs.get("aws-access-key-id");
    let token_file = inputs.get("web-identity-token-file");
    let oidc_token = env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    let audience = inputs.get("audience").map(audience).transpose()?;

    if force_skip_oidc && role.is_some() && access_key.is_none() && token_file.is_none() {
        let which = match inputs.get("role-to-assume") {
            Some(_) => "role-to-assume",
            None => "profiles",
        };
        return Err(Error::input(
            "force-skip-oidc",
            format!(
                "is true and '{which}' is set, so 'aws-access-key-id' or 'web-identity-token-file' must be set too"
            ),
        ));
    }
    if let Some(access_key_id) = access_key {
        let secret_access_key = inputs.get("aws-secret-access-key").ok_or_else(|| {
            Error::input(
                "aws-secret-access-key",
                "is required when 'aws-access-key-id' is set",
            )
        })?;
        let keys = Keys {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            session_token: inputs.get("aws-session-token").map(str::to_owned),
        };
        return Ok((Source::AccessKeys(keys), false));
    }
    if let Some(token) = oidc_token
        .filter(|_| role.is_some() && !force_skip_oidc && token_file.is_none() && !chaining)
    {
        let url = env("ACTIONS_ID_TOKEN_REQUEST_URL")
            .ok_or(Error::RunnerEnv("ACTIONS_ID_TOKEN_REQUEST_URL"))?;
        let request = IdTokenRequest { url, bearer: token };
        return Ok((Source::GithubOidc { request, audience }, false));
    }
    if let Some(file) = token_file {
        if role.is_none() {
            return Err(Error::input(
                "web-identity-token-file",
                "needs 'role-to-assume': the token is exchanged for that role's credentials",
            ));
        }
        return Ok((Source::TokenFile(workspace_path(file, env)?), false));
    }
    if chaining {
        return Ok((Source::Chaining, false));
    }
    let hint =
        role.is_some() && !force_skip_oidc && env("ACTIONS_ID_TOKEN_REQUEST_TOKEN").is_none();
    Ok((Source::Ambient, hint))
}

/// A path as given, or relative to `GITHUB_WORKSPACE`.
fn workspace_path(file: &str, env: &impl Fn(&str) -> Option<String>) -> Result<PathBuf, Error> {
    let path = PathBuf::from(file);
    if path.is_absolute() {
        return Ok(path);
    }
    let workspace = env("GITHUB_WORKSPACE").ok_or(Error::RunnerEnv("GITHUB_WORKSPACE"))?;
    Ok(PathBuf::from(workspace).join(path))
}

/// `custom-tags`, checked wherever it is set (as in the original, even where it is ignored).
fn custom_tags(
    inputs: &Inputs,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Vec<(String, String)>>, Error> {
    let Some(text) = inputs.get("custom-tags") else {
        return Ok(None);
    };
    tags::parse_custom(text, tags::default_count(env))
        .map(Some)
        .map_err(|problem| Error::input("custom-tags", problem))
}

/// `role-to-assume`: an ARN, or (with source credentials to complete it) a role name.
fn role_ref(role: &str, web_identity: bool) -> Result<RoleRef, Error> {
    if role.starts_with("arn:") {
        Ok(RoleRef::Arn(role_arn(role)?))
    } else if web_identity {
        Err(Error::input(
            "role-to-assume",
            format!(
                "must be the role's full ARN with a web identity, like arn:aws:iam::123456789012:role/{role}, got the role name '{role}'"
            ),
        ))
    } else if !role.is_empty() && role.len() <= 64 && role.chars().all(is_iam_name_char) {
        Ok(RoleRef::Name(role.to_owned()))
    } else {
        Err(Error::input(
            "role-to-assume",
            format!(
                "must be a role ARN like arn:aws:iam::123456789012:role/NAME, or a role name, got '{role}'"
            ),
        ))
    }
}

/// Why `profiles` cannot go with the other inputs as set, if it cannot.
fn profiles_conflict(
    profiles: bool,
    role: bool,
    web_identity: bool,
    aws_profile: bool,
    use_existing: bool,
) -> Option<&'static str> {
    if !profiles {
        None
    } else if use_existing {
        Some(
            "cannot be used with 'use-existing-credentials', which may skip every role; set \
             one of them",
        )
    } else if aws_profile && web_identity && !role {
        Some(
            "is set with 'aws-profile' but without 'role-to-assume': with a web identity there \
             are no credentials for 'aws-profile'; name that profile in 'profiles' instead",
        )
    } else {
        None
    }
}

/// The session settings of `role` (those of `role-to-assume`, shared by `profiles`).
fn role_request(
    inputs: &Inputs,
    env: &impl Fn(&str) -> Option<String>,
    role: RoleRef,
    source: &Source,
    custom_tags: Option<Vec<(String, String)>>,
    skip_session_tagging: bool,
) -> Result<RoleRequest, Error> {
    let web_identity = matches!(source, Source::GithubOidc { .. } | Source::TokenFile(_));
    let session_name = inputs
        .get("role-session-name")
        .unwrap_or(DEFAULT_SESSION_NAME)
        .to_owned();
    check_session_name(&session_name)?;

    let duration_seconds = match inputs.get("role-duration-seconds") {
        None => DEFAULT_DURATION_SECONDS,
        Some(v) => whole_number(v)
            .filter(|n| (900..=43200).contains(n))
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| {
                Error::input(
                    "role-duration-seconds",
                    format!("must be a whole number of seconds from 900 to 43200 (and at most the role's maximum), got '{v}'"),
                )
            })?,
    };

    let inline_session_policy = inputs.get("inline-session-policy").map(str::to_owned);
    if let Some(policy) = &inline_session_policy
        && serde_json::from_str::<serde_json::Value>(policy).map_or(true, |v| !v.is_object())
    {
        return Err(Error::input(
            "inline-session-policy",
            "must be an IAM policy document: a JSON object like {\"Version\":\"2012-10-17\",\"Statement\":[…]}",
        ));
    }
    let managed_session_policies: Vec<String> = inputs
        .lines("managed-session-policies")
        .into_iter()
        .map(str::to_owned)
        .collect();
    if managed_session_policies.len() > MAX_MANAGED_POLICIES {
        return Err(Error::input(
            "managed-session-policies",
            format!(
                "must list at most {MAX_MANAGED_POLICIES} policies (STS's limit), got {}",
                managed_session_policies.len()
            ),
        ));
    }
    if let Some(bad) = managed_session_policies.iter().find(|p| !is_policy_arn(p)) {
        return Err(Error::input(
            "managed-session-policies",
            format!(
                "must list policy ARNs, one per line, like arn:aws:iam::aws:policy/ReadOnlyAccess, got '{bad}'"
            ),
        ));
    }

    let external_id = inputs.get("role-external-id").map(str::to_owned);
    if let Some(id) = &external_id {
        let len = id.chars().count();
        if !(2..=1224).contains(&len)
            || !id
                .chars()
                .all(|c| is_iam_name_char(c) || c == ':' || c == '/')
        {
            return Err(Error::input(
                "role-external-id",
                format!("must be 2 to 1224 letters, digits and _+=,.@:/-, got '{id}'"),
            ));
        }
    }

    let tags = if web_identity || skip_session_tagging {
        None
    } else {
        for var in [
            "GITHUB_REPOSITORY",
            "GITHUB_WORKFLOW",
            "GITHUB_ACTION",
            "GITHUB_ACTOR",
            "GITHUB_SHA",
        ] {
            if env(var).is_none() {
                return Err(Error::RunnerEnv(var));
            }
        }
        Some(SessionTags::new(
            env,
            custom_tags.unwrap_or_default(),
            &inputs.lines("transitive-tag-keys"),
        ))
    };

    Ok(RoleRequest {
        role,
        session_name,
        duration_seconds,
        external_id,
        inline_session_policy,
        managed_session_policies,
        tags,
    })
}

/// The run's id, attempt and action for the user agent, as the original sends them; a value of
/// an unexpected form is left out with a warning.
fn user_agent_metadata(env: &impl Fn(&str) -> Option<String>) -> (Vec<String>, Vec<String>) {
    let fields = [
        ("GITHUB_ACTION", "action", 128),
        ("GITHUB_RUN_ID", "run_id", 20),
        ("GITHUB_RUN_ATTEMPT", "attempt", 10),
    ];
    let allowed = |label: &str, c: char| match label {
        "action" => c.is_ascii_alphanumeric() || c == '_' || c == '-',
        _ => c.is_ascii_digit(),
    };
    let (mut metadata, mut warnings) = (Vec::new(), Vec::new());
    for (var, label, max) in fields {
        let Some(value) = env(var) else { continue };
        if value.len() <= max && value.chars().all(|c| allowed(label, c)) {
            metadata.push(format!("md/{label}#{value}"));
        } else {
            warnings.push(format!(
                "{var} has unexpected format; omitting from User-Agent"
            ));
        }
    }
    (metadata, warnings)
}

/// Fails unless `region` has a region's shape, naming the `aws-region` input.
pub fn check_region(region: &str) -> Result<(), Error> {
    if is_region(region) {
        return Ok(());
    }
    Err(Error::input(
        "aws-region",
        format!(
            "must be a region name of lower-case letters, digits and hyphens, like us-east-2 or us-gov-west-1, got '{region}'"
        ),
    ))
}

/// A region's shape: lower-case words and numbers joined by single hyphens, starting with a
/// letter and ending with a number (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`).
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let word = |p: &&str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    parts.len() >= 2
        && parts.iter().all(word)
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `[\w+=,.@-]` of IAM's patterns (`\w` being ASCII letters, digits and `_`).
fn is_iam_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

fn whole_number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The most characters of `audience`: an IAM OIDC provider's client ids have at most 255.
const MAX_AUDIENCE: usize = 255;

/// `audience`, checked wherever it is set: an IAM OIDC provider's client id, so at most 255
/// characters, none of them a space or a control character.
fn audience(value: &str) -> Result<String, Error> {
    let len = value.chars().count();
    if len > MAX_AUDIENCE {
        return Err(Error::input(
            "audience",
            format!(
                "must be at most {MAX_AUDIENCE} characters long (an IAM OIDC provider's client id), got {len}"
            ),
        ));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::input(
            "audience",
            "must not hold spaces, line breaks or other control characters (an IAM OIDC \
             provider's client id, like sts.amazonaws.com)",
        ));
    }
    Ok(value.to_owned())
}

fn check_session_name(name: &str) -> Result<(), Error> {
    let len = name.chars().count();
    if !(2..=64).contains(&len) {
        return Err(Error::input(
            "role-session-name",
            format!("must be 2 to 64 characters long, got {len}: '{name}'"),
        ));
    }
    if let Some(c) = name.chars().find(|&c| !is_iam_name_char(c)) {
        return Err(Error::input(
            "role-session-name",
            format!("must use only letters, digits and _+=,.@-, got '{name}' (with '{c}')"),
        ));
    }
    Ok(())
}

/// A role ARN: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
fn role_arn(role: &str) -> Result<String, Error> {
    if !role.starts_with("arn:") {
        return Err(Error::input(
            "role-to-assume",
            format!(
                "must be the role's full ARN with GitHub OIDC, like arn:aws:iam::123456789012:role/{role}, got the role name '{role}'"
            ),
        ));
    }
    if !is_role_arn(role) {
        return Err(Error::input(
            "role-to-assume",
            format!(
                "must be a role ARN like arn:aws:iam::123456789012:role/NAME (a path may come before NAME), got '{role}'"
            ),
        ));
    }
    Ok(role.to_owned())
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
fn is_role_arn(role: &str) -> bool {
    let parts: Vec<&str> = role.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && is_partition(parts[1])
        && parts[2] == "iam"
        && parts[3].is_empty()
        && is_account_id(parts[4])
        && parts[5].strip_prefix("role/").is_some_and(is_role_path)
}

fn is_partition(s: &str) -> bool {
    s == "aws"
        || s.strip_prefix("aws-").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        })
}

fn is_role_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    !name.is_empty()
        && name.len() <= 64
        && path.len() <= 512 + 64
        && path.chars().all(|c| c == '/' || is_iam_name_char(c))
}

fn is_policy_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && is_partition(parts[1])
        && parts[2] == "iam"
        && parts[3].is_empty()
        && (parts[4] == "aws" || is_account_id(parts[4]))
        && parts[5].strip_prefix("policy/").is_some_and(|p| {
            !p.is_empty() && !p.ends_with('/') && p.chars().all(|c| c == '/' || is_iam_name_char(c))
        })
}

/// For a URL refused with non-ASCII text in it: host names are read in ASCII only (the binary
/// carries no tables for internationalised domain names).
fn idn_hint(url: &str) -> &'static str {
    if url.is_ascii() {
        ""
    } else {
        " (an international host name must be given in its ASCII xn-- form)"
    }
}

/// An absolute http(s) URL with a host, normalised.
fn http_url(s: &str) -> Option<String> {
    let url = reqwest::Url::parse(s).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    mod bad_inputs;

    const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";

    fn config(pairs: &[(&str, &str)]) -> Result<Config, Error> {
        let mut map: BTreeMap<String, String> = [
            ("INPUT_AWS-REGION", "us-east-2"),
            ("INPUT_ROLE-TO-ASSUME", ROLE),
            ("INPUT_AUDIENCE", "sts.amazonaws.com"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer"),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                "http://127.0.0.1:1/token?x=1",
            ),
            ("GITHUB_ENV", "/tmp/env"),
            ("GITHUB_OUTPUT", "/tmp/out"),
            ("GITHUB_STATE", "/tmp/state"),
            ("GITHUB_WORKSPACE", "/work/space"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_WORKFLOW", "CI"),
            ("GITHUB_ACTION", "__run"),
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_SHA", "abc"),
            ("GITHUB_RUN_ID", "42"),
            ("HOME", "/home/runner"),
            ("RUNNER_TEMP", "/home/runner/work/_temp"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            map.insert(k.to_string(), v.to_string());
        }
        let lookup = |name: &str| map.get(name).cloned();
        Config::from_inputs(&Inputs::from_lookup(lookup), lookup)
    }

    fn error(pairs: &[(&str, &str)]) -> String {
        config(pairs).unwrap_err().to_string()
    }

    #[test]
    fn audience_is_a_client_id() {
        let long = "a".repeat(100_000);
        assert!(
            error(&[("INPUT_AUDIENCE", &long)]).contains("Input 'audience' must be at most 255")
        );
        assert!(
            error(&[("INPUT_AUDIENCE", "sts.amazonaws.com\n::error::x")])
                .contains("Input 'audience'")
        );
        assert!(error(&[("INPUT_AUDIENCE", "a b")]).contains("Input 'audience'"));
        assert!(config(&[("INPUT_AUDIENCE", &"a".repeat(255))]).is_ok());
        assert!(config(&[("INPUT_AUDIENCE", "https://github.com/octo-org")]).is_ok());
    }

    fn role(c: &Config) -> &RoleRequest {
        c.role.as_ref().expect("a role")
    }

    #[test]
    fn refresh_credentials_writes_our_profile_and_exports_it() {
        let c = config(&[("INPUT_REFRESH-CREDENTIALS", "true")]).unwrap();
        let refresh = c.refresh.as_ref().expect("refresh");
        assert_eq!(refresh.margin, Duration::from_secs(900));
        assert_eq!(refresh.dir, Path::new("/home/runner/work/_temp"));
        let profile = c.profile.as_ref().expect("a profile");
        assert!(profile.name.starts_with(REFRESH_PROFILE_PREFIX));
        // A name of this use's own, which nothing else writes: nothing to replace or put back.
        assert!(!profile.overwrite && profile.keep_in.is_none());
        assert!(c.output_env_credentials);
        assert!(c.warnings.is_empty());
        let again = config(&[("INPUT_REFRESH-CREDENTIALS", "true")]).unwrap();
        assert_ne!(again.profile.unwrap().name, profile.name);

        let c = config(&[
            ("INPUT_REFRESH-CREDENTIALS", "true"),
            ("INPUT_AWS-PROFILE", "ci"),
        ])
        .unwrap();
        let profile = c.profile.as_ref().expect("a profile");
        assert_eq!(profile.name, "ci");
        assert!(!profile.overwrite && c.output_env_credentials);
        assert!(
            config(&[("INPUT_AWS-PROFILE", "ci")])
                .unwrap()
                .refresh
                .is_none()
        );
    }

    #[test]
    fn the_renewing_profile_is_named_after_the_run_and_the_job() {
        let runner = |name: &str| match name {
            "GITHUB_RUN_ID" => Some("16789012345".to_owned()),
            "GITHUB_RUN_ATTEMPT" => Some("2".to_owned()),
            "GITHUB_JOB" => Some("deploy [eu] $(x)".to_owned()),
            _ => None,
        };
        let name = refresh_profile_name(&runner);
        let (named, random) = name.rsplit_once('-').unwrap();
        assert_eq!(named, "aws-oidc-credentials-16789012345-2-deploy__eu____x_");
        assert!(random.len() == 8 && random.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(profile_files::check_name(&name).is_ok());
        // Outside a runner (act without these variables, a test): the random part alone.
        let name = refresh_profile_name(&|_: &str| None);
        assert_eq!(name.len(), REFRESH_PROFILE_PREFIX.len() + 8, "{name}");
    }

    #[test]
    fn a_profile_of_profiles_may_not_be_role_to_assumes() {
        let e = error(&[
            ("INPUT_REFRESH-CREDENTIALS", "true"),
            ("INPUT_AWS-PROFILE", "ci"),
            ("INPUT_PROFILES", "ci=arn:aws:iam::222222222222:role/deploy"),
        ]);
        assert!(
            e.contains("Input 'profiles' line 1")
                && e.contains("the profile 'ci' is already the one 'aws-profile' names"),
            "{e}"
        );
    }

    #[test]
    fn the_refresh_margin_leaves_the_session_time_to_be_used() {
        let with = |margin: &str, duration: &str| {
            config(&[
                ("INPUT_REFRESH-CREDENTIALS", "true"),
                ("INPUT_REFRESH-MARGIN-SECONDS", margin),
                ("INPUT_ROLE-DURATION-SECONDS", duration),
            ])
        };
        let c = with("1800", "7200").unwrap();
        assert_eq!(c.refresh.unwrap().margin, Duration::from_secs(1800));
        for (margin, duration) in [("3600", "3600"), ("-1", "3600"), ("15m", "3600")] {
            let e = with(margin, duration).unwrap_err().to_string();
            assert!(
                e.contains("Input 'refresh-margin-seconds' must be a whole number of seconds less than the session's"),
                "{e}"
            );
        }
        // Inside the AWS CLI's and boto3's refresh window: allowed, with a warning that says
        // what it costs them (and that they do not fail).
        let c = with("60", "3600").unwrap();
        assert!(
            c.warnings[0].contains("in the last 840 seconds before the margin they run")
                && c.warnings[0].contains("They refuse only expired credentials"),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn refresh_credentials_needs_a_source_that_can_be_used_again() {
        let keys = [
            ("INPUT_REFRESH-CREDENTIALS", "true"),
            ("INPUT_AWS-ACCESS-KEY-ID", "AKIAEXAMPLE"),
            ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
        ];
        let chaining = [
            ("INPUT_REFRESH-CREDENTIALS", "true"),
            ("INPUT_ROLE-CHAINING", "true"),
        ];
        let ambient = [
            ("INPUT_REFRESH-CREDENTIALS", "true"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", ""),
        ];
        for pairs in [&keys[..], &chaining, &ambient] {
            let e = error(pairs);
            assert!(
                e.contains("Input 'refresh-credentials' works with GitHub OIDC"),
                "{e}"
            );
            assert!(e.contains("web-identity-token-file"), "{e}");
        }
        let c = config(&[
            ("INPUT_REFRESH-CREDENTIALS", "true"),
            ("INPUT_WEB-IDENTITY-TOKEN-FILE", "/t/token"),
        ])
        .unwrap();
        assert!(c.refresh.is_some());
        assert!(error(&[("INPUT_REFRESH-CREDENTIALS", "yes")]).contains("refresh-credentials"));
    }

    #[test]
    fn refresh_credentials_renews_the_roles_of_profiles_from_the_same_sources() {
        const PROD: &str = "arn:aws:iam::222222222222:role/deploy";
        let profiles = format!("prod={PROD}");
        let with = |extra: &[(&str, &str)]| {
            let mut pairs = vec![
                ("INPUT_REFRESH-CREDENTIALS", "true"),
                ("INPUT_PROFILES", profiles.as_str()),
            ];
            pairs.extend_from_slice(extra);
            config(&pairs)
        };
        // With `role-to-assume`: its own profile, and the roles of `profiles`.
        let c = with(&[]).unwrap();
        assert!(c.refresh.is_some() && c.profiles.is_some());
        assert!(
            c.profile
                .as_ref()
                .unwrap()
                .name
                .starts_with(REFRESH_PROFILE_PREFIX)
        );
        // Without it: no profile of ours, which would hold nothing.
        for source in [
            &[("INPUT_ROLE-TO-ASSUME", "")][..],
            &[
                ("INPUT_ROLE-TO-ASSUME", ""),
                ("INPUT_WEB-IDENTITY-TOKEN-FILE", "/t/token"),
            ],
        ] {
            let c = with(source).unwrap();
            assert!(c.refresh.is_some() && c.role.is_none() && c.profile.is_none());
        }
        // The margin is checked against the roles' sessions.
        let e = with(&[
            ("INPUT_ROLE-TO-ASSUME", ""),
            ("INPUT_REFRESH-MARGIN-SECONDS", "3600"),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("less than the session's 3600"), "{e}");
        // The sources that cannot renew are refused, with or without `role-to-assume`.
        for role in [ROLE, ""] {
            for source in [
                &[
                    ("INPUT_AWS-ACCESS-KEY-ID", "AKIAEXAMPLE"),
                    ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
                ][..],
                &[("INPUT_ROLE-CHAINING", "true")],
                &[("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")],
            ] {
                let mut pairs = vec![("INPUT_ROLE-TO-ASSUME", role)];
                pairs.extend_from_slice(source);
                let e = with(&pairs).unwrap_err().to_string();
                assert!(
                    e.contains("Input 'refresh-credentials' works with GitHub OIDC"),
                    "{e}"
                );
                assert!(e.contains("'role-to-assume' or 'profiles'"), "{e}");
            }
        }
    }

    #[test]
    fn defaults_match_the_original() {
        let c = config(&[]).unwrap();
        assert_eq!(c.region, "us-east-2");
        assert_eq!(role(&c).role, RoleRef::Arn(ROLE.into()));
        assert_eq!(role(&c).session_name, "GitHubActions");
        assert_eq!(role(&c).duration_seconds, 3600);
        assert!(role(&c).tags.is_none(), "no tags with OIDC");
        let Source::GithubOidc { audience, request } = &c.source else {
            panic!("OIDC: {:?}", c.source)
        };
        assert_eq!(audience.as_deref(), Some("sts.amazonaws.com"));
        assert_eq!(request.bearer, "bearer");
        assert_eq!(c.user_agent_metadata, ["md/action#__run", "md/run_id#42"]);
        assert!(c.warnings.is_empty() && !c.oidc_hint);
        assert_eq!(c.retry.max_attempts, 12);
        assert!(c.output_env_credentials);
        assert!(!c.output_credentials && !c.mask_account_id);
        assert!(c.timeout.is_none() && c.proxy.is_none() && c.sts_endpoint.is_none());
    }

    #[test]
    fn region_is_required_and_checked() {
        assert_eq!(
            error(&[("INPUT_AWS-REGION", "")]),
            "Input 'aws-region' is required (for example us-east-2)"
        );
        assert!(
            error(&[("INPUT_AWS-REGION", "US-EAST-2")])
                .starts_with("Input 'aws-region' must be a region name")
        );
    }

    #[test]
    fn region_must_have_a_region_shape() {
        for good in [
            "us-east-1",
            "us-gov-west-1",
            "cn-north-1",
            "cn-northwest-1",
            "eu-central-2",
            "ap-southeast-5",
            "il-central-1",
            "mx-central-1",
            "me-south-1",
            "ca-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "us-isof-south-1",
            "eusc-de-east-1",
        ] {
            assert_eq!(config(&[("INPUT_AWS-REGION", good)]).unwrap().region, good);
        }
        for bad in [
            "---",
            "-",
            "us",
            "us-",
            "-us-east-1",
            "us--east-1",
            "us-east-",
            "us-east",
            "1-east-1",
            "us-east-1-",
            "US-EAST-1",
            "us_east_1",
            "us-east-1a",
        ] {
            assert!(
                error(&[("INPUT_AWS-REGION", bad)])
                    .starts_with("Input 'aws-region' must be a region name"),
                "{bad}"
            );
        }
    }

    #[test]
    fn profile_names_with_control_characters_are_refused() {
        for (name, problem) in [
            ("a\u{1}b", "must not contain control characters"),
            ("ci\u{7f}", "must not contain control characters"),
            ("ci\u{1b}[31m", "must not contain control characters"),
            ("a\tb", "must not contain whitespace"),
        ] {
            assert_eq!(
                error(&[("INPUT_AWS-PROFILE", name)]),
                format!("Input 'aws-profile' {problem}, got '{name}'"),
                "{name:?}"
            );
        }
    }

    #[test]
    fn inputs_that_are_not_utf8_are_refused() {
        let mut env: BTreeMap<String, std::ffi::OsString> = [
            ("INPUT_AWS-REGION", "us-east-2"),
            ("GITHUB_ENV", "/tmp/env"),
            ("GITHUB_OUTPUT", "/tmp/out"),
            ("GITHUB_STATE", "/tmp/state"),
            ("HOME", "/home/runner"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.into()))
        .collect();
        let not_utf8 = || {
            #[cfg(unix)]
            {
                use std::os::unix::ffi::OsStringExt;
                std::ffi::OsString::from_vec(b"111122223333,\xff".to_vec())
            }
            #[cfg(windows)]
            {
                use std::os::windows::ffi::OsStringExt;
                std::ffi::OsString::from_wide(&[0x31, 0xd800])
            }
        };
        let run = |env: &BTreeMap<String, std::ffi::OsString>| {
            let inputs = Inputs::from_os_lookup(|name| env.get(name).cloned());
            Config::from_inputs(&inputs, |name| {
                env.get(name).and_then(|v| v.to_str()).map(str::to_owned)
            })
        };
        assert!(run(&env).is_ok());
        for (variable, input) in [
            ("INPUT_ALLOWED-ACCOUNT-IDS", "allowed-account-ids"),
            ("INPUT_AWS-PROFILE", "aws-profile"),
            ("ROLE_SESSION_NAME", "role-session-name"),
        ] {
            let mut env = env.clone();
            env.insert(variable.into(), not_utf8());
            assert_eq!(
                run(&env).unwrap_err().to_string(),
                format!("Input '{input}' is not valid UTF-8 text (in {variable})"),
            );
        }
        // A fallback variable that is not used does not matter.
        env.insert("INPUT_ROLE-SESSION-NAME".into(), "mine".into());
        env.insert("ROLE_SESSION_NAME".into(), not_utf8());
        assert!(run(&env).is_ok());
    }

    #[test]
    fn role_must_be_a_role_arn() {
        assert!(
            error(&[("INPUT_ROLE-TO-ASSUME", "deploy")]).contains("got the role name 'deploy'")
        );
        for bad in [
            "arn:aws:iam::12345678901:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a b",
        ] {
            assert!(
                error(&[("INPUT_ROLE-TO-ASSUME", bad)]).contains("must be a role ARN"),
                "{bad}"
            );
        }
        for good in [
            "arn:aws-us-gov:iam::123456789012:role/x",
            "arn:aws-cn:iam::123456789012:role/path/to/x",
        ] {
            let c = config(&[("INPUT_ROLE-TO-ASSUME", good)]).unwrap();
            assert_eq!(role(&c).role, RoleRef::Arn(good.into()));
        }
    }

    #[test]
    fn session_name_rules() {
        assert!(error(&[("INPUT_ROLE-SESSION-NAME", "a")]).contains("2 to 64 characters"));
        assert!(
            error(&[("INPUT_ROLE-SESSION-NAME", &"a".repeat(65))]).contains("2 to 64 characters")
        );
        assert!(error(&[("INPUT_ROLE-SESSION-NAME", "a b")]).contains("(with ' ')"));
        let c = config(&[("INPUT_ROLE-SESSION-NAME", "run-1_a+b=c,d.e@f")]).unwrap();
        assert_eq!(role(&c).session_name, "run-1_a+b=c,d.e@f");
    }

    #[test]
    fn numbers_are_checked() {
        let c = config(&[("INPUT_ROLE-DURATION-SECONDS", "900")]).unwrap();
        assert_eq!(role(&c).duration_seconds, 900);
        for bad in ["899", "43201", "1h", "-1", "3600.5"] {
            assert!(
                error(&[("INPUT_ROLE-DURATION-SECONDS", bad)])
                    .starts_with("Input 'role-duration-seconds'")
            );
        }
        assert_eq!(
            config(&[("INPUT_RETRY-MAX-ATTEMPTS", "3")])
                .unwrap()
                .retry
                .max_attempts,
            3
        );
        assert!(
            error(&[("INPUT_RETRY-MAX-ATTEMPTS", "0")]).starts_with("Input 'retry-max-attempts'")
        );
        assert_eq!(
            config(&[("INPUT_DISABLE-RETRY", "true")])
                .unwrap()
                .retry
                .max_attempts,
            1
        );
        let c = config(&[
            ("INPUT_DISABLE-RETRY", "true"),
            ("INPUT_SPECIAL-CHARACTERS-WORKAROUND", "true"),
        ])
        .unwrap();
        assert_eq!(c.retry.max_attempts, 12);
        assert_eq!(
            config(&[("INPUT_ACTION-TIMEOUT-S", "30")]).unwrap().timeout,
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            config(&[("INPUT_ACTION-TIMEOUT-S", "0")]).unwrap().timeout,
            None
        );
        assert!(
            error(&[("INPUT_ACTION-TIMEOUT-S", "soon")]).starts_with("Input 'action-timeout-s'")
        );
    }

    #[test]
    fn policies_and_accounts_are_checked() {
        assert!(
            error(&[("INPUT_INLINE-SESSION-POLICY", "{not json")])
                .starts_with("Input 'inline-session-policy'")
        );
        let many = (0..11)
            .map(|i| format!("arn:aws:iam::aws:policy/P{i}"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(error(&[("INPUT_MANAGED-SESSION-POLICIES", &many)]).contains("at most 10"));
        assert!(
            error(&[("INPUT_MANAGED-SESSION-POLICIES", "ReadOnly")])
                .contains("must list policy ARNs")
        );
        let c = config(&[("INPUT_ALLOWED-ACCOUNT-IDS", " 123456789012, 210987654321 ,")]).unwrap();
        assert_eq!(c.allowed_account_ids, ["123456789012", "210987654321"]);
        assert!(
            error(&[("INPUT_ALLOWED-ACCOUNT-IDS", "1234")])
                .starts_with("Input 'allowed-account-ids'")
        );
    }

    #[test]
    fn urls_are_checked() {
        assert!(error(&[("INPUT_STS-ENDPOINT", "sts.local")]).starts_with("Input 'sts-endpoint'"));
        assert!(error(&[("INPUT_STS-ENDPOINT", "ftp://x")]).starts_with("Input 'sts-endpoint'"));
        assert!(error(&[("INPUT_HTTP-PROXY", "socks5://x:1")]).starts_with("Input 'http-proxy'"));
        let c = config(&[("INPUT_STS-ENDPOINT", "http://127.0.0.1:9/")]).unwrap();
        assert_eq!(c.sts_endpoint.as_deref(), Some("http://127.0.0.1:9/"));
    }

    #[test]
    fn international_host_names_are_given_in_their_ascii_form() {
        let hint = "(an international host name must be given in its ASCII xn-- form)";
        let e = error(&[("INPUT_STS-ENDPOINT", "https://bücher.example")]);
        assert!(
            e.starts_with("Input 'sts-endpoint'") && e.ends_with(hint),
            "{e}"
        );
        let e = error(&[("INPUT_HTTP-PROXY", "http://bücher.example:3128")]);
        assert!(
            e.starts_with("Input 'http-proxy'") && e.ends_with(hint),
            "{e}"
        );
        let c = config(&[("INPUT_STS-ENDPOINT", "https://xn--bcher-kva.example")]).unwrap();
        assert_eq!(
            c.sts_endpoint.as_deref(),
            Some("https://xn--bcher-kva.example")
        );
        assert!(!error(&[("INPUT_STS-ENDPOINT", "ftp://x")]).contains(hint));
    }

    #[test]
    fn modes_are_chosen_like_the_original() {
        let keys = [
            ("INPUT_AWS-ACCESS-KEY-ID", "AKIAEXAMPLE"),
            ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
        ];
        let c = config(&keys).unwrap();
        let Source::AccessKeys(k) = &c.source else {
            panic!("{:?}", c.source)
        };
        assert_eq!(
            (k.access_key_id.as_str(), k.session_token.as_ref()),
            ("AKIAEXAMPLE", None)
        );
        let tags = role(&c).tags.as_ref().expect("tags with AssumeRole");
        assert_eq!(tags.tags[0], ("GitHub".to_owned(), "Actions".to_owned()));
        assert!(error(&keys[..1]).starts_with(
            "Input 'aws-secret-access-key' is required when 'aws-access-key-id' is set"
        ));

        let c = config(&[("INPUT_WEB-IDENTITY-TOKEN-FILE", "token")]).unwrap();
        assert!(
            matches!(&c.source, Source::TokenFile(p) if p == &PathBuf::from("/work/space/token"))
        );
        let c = config(&[("INPUT_WEB-IDENTITY-TOKEN-FILE", "/abs/token")]).unwrap();
        assert!(matches!(&c.source, Source::TokenFile(p) if p == &PathBuf::from("/abs/token")));
        assert!(
            error(&[
                ("INPUT_WEB-IDENTITY-TOKEN-FILE", "t"),
                ("INPUT_ROLE-TO-ASSUME", "")
            ])
            .starts_with("Input 'web-identity-token-file' needs 'role-to-assume'")
        );

        let c = config(&[("INPUT_ROLE-CHAINING", "true")]).unwrap();
        assert!(matches!(c.source, Source::Chaining));
        let both = error(&[
            ("INPUT_ROLE-CHAINING", "true"),
            ("INPUT_UNSET-CURRENT-CREDENTIALS", "true"),
        ]);
        assert!(
            both.starts_with(
                "Input 'unset-current-credentials' cannot be true together with 'role-chaining'"
            ),
            "{both}"
        );
        let c = config(&[("INPUT_ROLE-TO-ASSUME", "")]).unwrap();
        assert!(matches!(c.source, Source::Ambient) && c.role.is_none() && !c.oidc_hint);
        let c = config(&[("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")]).unwrap();
        assert!(matches!(c.source, Source::Ambient) && c.oidc_hint);
        assert!(
            error(&[("INPUT_ROLE-CHAINING", "maybe")])
                .starts_with("Input 'role-chaining' must be a boolean")
        );
        assert!(error(&[("INPUT_FORCE-SKIP-OIDC", "true")]).starts_with("Input 'force-skip-oidc'"));
        assert!(error(&[("GITHUB_ENV", "")]).starts_with("GITHUB_ENV is not set"));
    }

    #[test]
    fn role_names_need_source_credentials() {
        let c = config(&[
            ("INPUT_ROLE-TO-ASSUME", "deploy"),
            ("INPUT_ROLE-CHAINING", "true"),
        ])
        .unwrap();
        assert_eq!(role(&c).role, RoleRef::Name("deploy".into()));
        assert_eq!(
            role(&c)
                .role
                .arn(Some("arn:aws-cn:iam::123456789012:user/ci"))
                .as_deref(),
            Some("arn:aws-cn:iam::123456789012:role/deploy")
        );
        assert_eq!(role(&c).role.arn(None), None);
        for caller in [
            "not-an-arn",
            "arn:aws",
            "arn:aws:sts::12345:assumed-role/x/y",
            "arn:<b>:sts::123456789012:assumed-role/x/y",
            "urn:aws:sts::123456789012:assumed-role/x/y",
        ] {
            assert_eq!(role(&c).role.arn(Some(caller)), None, "{caller}");
        }
        assert!(error(&[("INPUT_ROLE-TO-ASSUME", "deploy")]).contains("with a web identity"));
    }

    #[test]
    fn session_tags_and_their_inputs() {
        let keys = [
            ("INPUT_AWS-ACCESS-KEY-ID", "AKIAEXAMPLE"),
            ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = keys.to_vec();
            pairs.extend_from_slice(extra);
            config(&pairs)
        };
        let c = with(&[("INPUT_ROLE-SKIP-SESSION-TAGGING", "true")]).unwrap();
        assert!(role(&c).tags.is_none());
        let c = with(&[
            ("INPUT_CUSTOM-TAGS", r#"{"Team":"infra"}"#),
            ("INPUT_TRANSITIVE-TAG-KEYS", "Team\nRepository"),
        ])
        .unwrap();
        let tags = role(&c).tags.as_ref().unwrap();
        assert!(tags.tags.contains(&("Team".to_owned(), "infra".to_owned())));
        assert_eq!(tags.transitive_keys, ["Team", "Repository"]);
        let err = with(&[("INPUT_CUSTOM-TAGS", "[]")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("Input 'custom-tags' must be a JSON object"),
            "{err}"
        );
        let err = with(&[("GITHUB_SHA", "")]).unwrap_err().to_string();
        assert!(err.starts_with("GITHUB_SHA is not set"), "{err}");
        // With OIDC the tags are checked, then ignored with the original's warning.
        assert!(error(&[("INPUT_CUSTOM-TAGS", "{")]).starts_with("Input 'custom-tags'"));
        let c = config(&[("INPUT_CUSTOM-TAGS", r#"{"Team":"infra"}"#)]).unwrap();
        assert!(c.warnings[0].starts_with("'custom-tags' is set but will be ignored"));
    }

    #[test]
    fn profiles_and_external_ids_are_checked() {
        let c = config(&[
            ("INPUT_AWS-PROFILE", "ci"),
            ("INPUT_OVERWRITE-AWS-PROFILE", "true"),
        ])
        .unwrap();
        let profile = c.profile.as_ref().unwrap();
        assert_eq!((profile.name.as_str(), profile.overwrite), ("ci", true));
        assert_eq!(
            profile.keep_in.as_deref(),
            Some(Path::new("/home/runner/work/_temp"))
        );
        assert_eq!(
            error(&[
                ("INPUT_AWS-PROFILE", "ci"),
                ("INPUT_OVERWRITE-AWS-PROFILE", "true"),
                ("RUNNER_TEMP", ""),
            ]),
            "RUNNER_TEMP is not set: run this action as a step of a GitHub Actions job"
        );
        let c = config(&[("INPUT_AWS-PROFILE", "ci"), ("RUNNER_TEMP", "")]).unwrap();
        assert_eq!(c.profile.unwrap().keep_in, None);
        assert!(
            !c.output_env_credentials,
            "profile mode keeps credentials out of the environment"
        );
        assert!(error(&[("INPUT_AWS-PROFILE", "a/b")]).starts_with("Input 'aws-profile'"));
        assert!(error(&[("INPUT_ROLE-EXTERNAL-ID", "x")]).starts_with("Input 'role-external-id'"));
    }

    #[test]
    fn profiles_share_the_session_settings_and_need_no_role_to_assume() {
        let text =
            "dev=arn:aws:iam::111111111111:role/a\n# later\nprod=arn:aws:iam::222222222222:role/b";
        let c = config(&[
            ("INPUT_ROLE-TO-ASSUME", ""),
            ("INPUT_PROFILES", text),
            ("INPUT_ROLE-SESSION-NAME", "deploy-7"),
            ("INPUT_ROLE-DURATION-SECONDS", "900"),
        ])
        .unwrap();
        assert!(c.role.is_none());
        assert!(
            matches!(c.source, Source::GithubOidc { .. }),
            "the token is used"
        );
        let profiles = c.profiles.unwrap();
        let names: Vec<&str> = profiles.roles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["dev", "prod"]);
        let prod = &profiles.roles[1].role;
        assert_eq!(
            prod.role,
            RoleRef::Arn("arn:aws:iam::222222222222:role/b".into())
        );
        assert_eq!(prod.session_name, "deploy-7");
        assert_eq!(prod.duration_seconds, 900);
        assert!(prod.tags.is_none(), "no tags with a web identity");
        assert_eq!(
            profiles.files.credentials,
            Path::new("/home/runner/.aws/credentials")
        );

        // With access keys, each role gets the run's session tags, and `role-to-assume` stays.
        let c = config(&[
            ("INPUT_PROFILES", text),
            ("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE"),
            ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
            ("INPUT_OVERWRITE-AWS-PROFILE", "true"),
        ])
        .unwrap();
        assert!(c.role.is_some());
        let profiles = c.profiles.unwrap();
        assert!(profiles.roles.iter().all(|p| p.role.tags.is_some()));
        assert!(profiles.overwrite);
        assert!(profiles.keep_in.is_some());
    }

    #[test]
    fn user_agent_metadata_keeps_only_expected_forms() {
        let c = config(&[("GITHUB_ACTION", "a b"), ("GITHUB_RUN_ATTEMPT", "2")]).unwrap();
        assert_eq!(c.user_agent_metadata, ["md/run_id#42", "md/attempt#2"]);
        assert_eq!(
            c.warnings,
            ["GITHUB_ACTION has unexpected format; omitting from User-Agent"]
        );
    }

    #[test]
    fn a_command_needs_none_of_the_runner_files() {
        let no_files = [
            ("GITHUB_ENV", ""),
            ("GITHUB_OUTPUT", ""),
            ("GITHUB_STATE", ""),
        ];
        assert!(matches!(
            config(&no_files),
            Err(Error::RunnerEnv("GITHUB_ENV"))
        ));
        let map: BTreeMap<&str, &str> = [
            ("INPUT_AWS-REGION", "us-east-2"),
            ("INPUT_ROLE-TO-ASSUME", ROLE),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer"),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:1/t"),
        ]
        .into_iter()
        .collect();
        let lookup = |name: &str| map.get(name).map(|v| v.to_string());
        let config = Config::for_command(&Inputs::from_lookup(lookup), lookup).unwrap();
        assert!(matches!(config.source, Source::GithubOidc { .. }));
    }

    #[test]
    fn install_cli_needs_github_path_and_alone_nothing_else() {
        let install = ("INPUT_INSTALL-CLI", "true");
        assert!(matches!(
            config(&[install]),
            Err(Error::RunnerEnv("GITHUB_PATH"))
        ));
        assert!(
            config(&[install, ("GITHUB_PATH", "/tmp/path")])
                .unwrap()
                .install_cli
        );
        let only = |pairs: &[(&str, &str)]| {
            let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
            Config::install_cli_only(&Inputs::from_lookup(|n| map.get(n).map(|v| v.to_string())))
        };
        assert!(only(&[install]).unwrap());
        assert!(!only(&[install, ("INPUT_ROLE-TO-ASSUME", ROLE)]).unwrap());
        assert!(!only(&[install, ("ROLE_TO_ASSUME", ROLE)]).unwrap());
        assert!(!only(&[install, ("INPUT_AWS-ACCESS-KEY-ID", "AKIA")]).unwrap());
        assert!(!only(&[install, ("INPUT_PROFILES", &format!("prod={ROLE}"))]).unwrap());
        assert!(!only(&[]).unwrap());
        let error = only(&[("INPUT_INSTALL-CLI", "yes")])
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("Input 'install-cli' must be a boolean"),
            "{error}"
        );
    }
}
