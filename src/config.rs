//! All validation in one place: raw [`Inputs`] and the runner's environment become one typed
//! [`Config`] before any network call. After this, no value needs checking again.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;
use crate::inputs::Inputs;
use crate::profiles::{self, ProfileFiles};
use crate::proxy::Proxy;
use crate::retry::RetryPolicy;
use crate::tags::{self, SessionTags};

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
    /// Write a summary of the run (or of a denial) to the job summary (`job-summary`).
    pub job_summary: bool,
}

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
                let mut parts = caller_arn?.split(':');
                let partition = parts.nth(1)?;
                let account = parts.nth(2)?;
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
}

impl Config {
    /// Validates the inputs and the runner environment read through `env`.
    pub fn from_inputs(
        inputs: &Inputs,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let region = inputs
            .get("aws-region")
            .ok_or_else(|| Error::input("aws-region", "is required (for example us-east-2)"))?;
        if !is_region(region) {
            return Err(Error::input(
                "aws-region",
                format!(
                    "must be a region name of lower-case letters, digits and hyphens, like us-east-2, got '{region}'"
                ),
            ));
        }

        // Every boolean is checked even where this mode does not use it.
        let profile_name = inputs.get("aws-profile");
        let output_env_credentials =
            inputs.boolean("output-env-credentials", profile_name.is_none())?;
        let mask_account_id = inputs.boolean("mask-aws-account-id", false)?;
        let output_credentials = inputs.boolean("output-credentials", false)?;
        let unset_current_credentials = inputs.boolean("unset-current-credentials", false)?;
        let disable_retry = inputs.boolean("disable-retry", false)?;
        let special_characters_workaround =
            inputs.boolean("special-characters-workaround", false)?;
        let use_existing_credentials = inputs.boolean("use-existing-credentials", false)?;
        let overwrite_profile = inputs.boolean("overwrite-aws-profile", false)?;
        let job_summary = inputs.boolean("job-summary", true)?;
        let skip_session_tagging = inputs.boolean("role-skip-session-tagging", false)?;
        let role_chaining = inputs.boolean("role-chaining", false)?;
        let force_skip_oidc = inputs.boolean("force-skip-oidc", false)?;
        if unset_current_credentials && role_chaining {
            return Err(Error::input(
                "unset-current-credentials",
                "cannot be true together with 'role-chaining': role chaining starts from the \
                 credentials in the environment, which 'unset-current-credentials' drops; set \
                 one of them to false",
            ));
        }

        let (source, oidc_hint) = source(inputs, &env, role_chaining, force_skip_oidc)?;
        let mut warnings = Vec::new();
        let custom_tags = custom_tags(inputs, &env)?;
        if custom_tags.is_some()
            && matches!(source, Source::GithubOidc { .. } | Source::TokenFile(_))
        {
            warnings.push(
                "'custom-tags' is set but will be ignored because session tags cannot be applied \
                 when using OIDC or web identity token authentication. Tags are controlled by the \
                 identity provider token claims in these authentication flows."
                    .to_owned(),
            );
        }
        let role = match inputs.get("role-to-assume") {
            None => None,
            Some(role) => Some(role_request(
                inputs,
                &env,
                role,
                &source,
                custom_tags,
                skip_session_tagging,
            )?),
        };

        let profile = match profile_name {
            None => None,
            Some(name) => {
                profiles::check_name(name).map_err(|problem| {
                    Error::input("aws-profile", format!("{problem}, got '{name}'"))
                })?;
                Some(Profile {
                    name: name.to_owned(),
                    overwrite: overwrite_profile,
                    files: ProfileFiles::locate(env)?,
                })
            }
        };

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

        if output_env_credentials && env("GITHUB_ENV").is_none() {
            return Err(Error::RunnerEnv("GITHUB_ENV"));
        }
        if env("GITHUB_OUTPUT").is_none() {
            return Err(Error::RunnerEnv("GITHUB_OUTPUT"));
        }
        if profile.is_some() && env("GITHUB_STATE").is_none() {
            return Err(Error::RunnerEnv("GITHUB_STATE"));
        }

        let trust_policy_file = match inputs.get("trust-policy-file") {
            None => None,
            Some(file) => Some(workspace_path(file, &env)?),
        };

        let (user_agent_metadata, ua_warnings) = user_agent_metadata(&env);
        warnings.extend(ua_warnings);

        Ok(Config {
            region: region.to_owned(),
            source,
            role,
            profile,
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
            job_summary,
        })
    }
}

/// Chooses the source of the first credentials the way the original does, and whether to hint
/// at the missing `id-token` permission.
fn source(
    inputs: &Inputs,
    env: &impl Fn(&str) -> Option<String>,
    chaining: bool,
    force_skip_oidc: bool,
) -> Result<(Source, bool), Error> {
    let role = inputs.get("role-to-assume");
    let access_key = inputs.get("aws-access-key-id");
    let token_file = inputs.get("web-identity-token-file");
    let oidc_token = env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    let audience = inputs.get("audience").map(audience).transpose()?;

    if force_skip_oidc && role.is_some() && access_key.is_none() && token_file.is_none() {
        return Err(Error::input(
            "force-skip-oidc",
            "is true and 'role-to-assume' is set, so 'aws-access-key-id' or 'web-identity-token-file' must be set too",
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

fn role_request(
    inputs: &Inputs,
    env: &impl Fn(&str) -> Option<String>,
    role: &str,
    source: &Source,
    custom_tags: Option<Vec<(String, String)>>,
    skip_session_tagging: bool,
) -> Result<RoleRequest, Error> {
    let web_identity = matches!(source, Source::GithubOidc { .. } | Source::TokenFile(_));
    let role = if role.starts_with("arn:") {
        RoleRef::Arn(role_arn(role)?)
    } else if web_identity {
        return Err(Error::input(
            "role-to-assume",
            format!(
                "must be the role's full ARN with a web identity, like arn:aws:iam::123456789012:role/{role}, got the role name '{role}'"
            ),
        ));
    } else if !role.is_empty() && role.len() <= 64 && role.chars().all(is_iam_name_char) {
        RoleRef::Name(role.to_owned())
    } else {
        return Err(Error::input(
            "role-to-assume",
            format!(
                "must be a role ARN like arn:aws:iam::123456789012:role/NAME, or a role name, got '{role}'"
            ),
        ));
    };

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
    if let Some(policy) = &inline_session_policy {
        if serde_json::from_str::<serde_json::Value>(policy).map_or(true, |v| !v.is_object()) {
            return Err(Error::input(
                "inline-session-policy",
                "must be an IAM policy document: a JSON object like {\"Version\":\"2012-10-17\",\"Statement\":[…]}",
            ));
        }
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

fn is_region(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
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
    let parts: Vec<&str> = role.splitn(6, ':').collect();
    let valid = parts.len() == 6
        && is_partition(parts[1])
        && parts[2] == "iam"
        && parts[3].is_empty()
        && is_account_id(parts[4])
        && parts[5].strip_prefix("role/").is_some_and(is_role_path);
    if !valid {
        return Err(Error::input(
            "role-to-assume",
            format!(
                "must be a role ARN like arn:aws:iam::123456789012:role/NAME (a path may come before NAME), got '{role}'"
            ),
        ));
    }
    Ok(role.to_owned())
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
        && parts[5]
            .strip_prefix("policy/")
            .is_some_and(|p| !p.is_empty())
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
        assert!(
            !c.output_env_credentials,
            "profile mode keeps credentials out of the environment"
        );
        assert!(error(&[("INPUT_AWS-PROFILE", "a/b")]).starts_with("Input 'aws-profile'"));
        assert!(error(&[("INPUT_ROLE-EXTERNAL-ID", "x")]).starts_with("Input 'role-external-id'"));
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
}
