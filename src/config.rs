//! All validation in one place: raw [`Inputs`] and the runner's environment become one typed
//! [`Config`] before any network call. After this, no value needs checking again.

use std::time::Duration;

use crate::error::Error;
use crate::inputs::Inputs;
use crate::proxy::Proxy;
use crate::retry::RetryPolicy;

pub const DEFAULT_SESSION_NAME: &str = "GitHubActions";
pub const DEFAULT_DURATION_SECONDS: i32 = 3600;
pub const DEFAULT_MAX_ATTEMPTS: u32 = 12;
const MAX_MANAGED_POLICIES: usize = 10;

/// Everything the main step needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub region: String,
    pub role_arn: String,
    pub session_name: String,
    pub duration_seconds: i32,
    /// `None` asks GitHub for a token with its default audience.
    pub audience: Option<String>,
    pub inline_session_policy: Option<String>,
    pub managed_session_policies: Vec<String>,
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
    /// Set but ignored with OIDC, as in the original (a warning says so).
    pub custom_tags_ignored: bool,
    pub id_token_request: IdTokenRequest,
}

/// Where and how to ask the runner for the job's OIDC token.
#[derive(Debug, Clone)]
pub struct IdTokenRequest {
    pub url: String,
    pub bearer: String,
}

impl Config {
    /// Validates the inputs and the runner environment read through `env`.
    pub fn from_inputs(
        inputs: &Inputs,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
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
        let aws_profile = inputs.get("aws-profile");
        let output_env_credentials =
            inputs.boolean("output-env-credentials", aws_profile.is_none())?;
        let mask_account_id = inputs.boolean("mask-aws-account-id", false)?;
        let output_credentials = inputs.boolean("output-credentials", false)?;
        let unset_current_credentials = inputs.boolean("unset-current-credentials", false)?;
        let disable_retry = inputs.boolean("disable-retry", false)?;
        let special_characters_workaround =
            inputs.boolean("special-characters-workaround", false)?;
        let force_skip_oidc = inputs.boolean("force-skip-oidc", false)?;
        let role_chaining = inputs.boolean("role-chaining", false)?;
        let use_existing_credentials = inputs.boolean("use-existing-credentials", false)?;
        inputs.boolean("overwrite-aws-profile", false)?;
        inputs.boolean("role-skip-session-tagging", false)?;

        let role = inputs.get("role-to-assume");
        let access_key = inputs.get("aws-access-key-id");
        let token_file = inputs.get("web-identity-token-file");
        if force_skip_oidc && role.is_some() && access_key.is_none() && token_file.is_none() {
            return Err(Error::input(
                "force-skip-oidc",
                "is true and 'role-to-assume' is set, so 'aws-access-key-id' or 'web-identity-token-file' must be set too",
            ));
        }
        for name in [
            "aws-access-key-id",
            "aws-secret-access-key",
            "aws-session-token",
            "web-identity-token-file",
            "aws-profile",
        ] {
            if inputs.get(name).is_some() {
                return Err(Error::Unsupported(name));
            }
        }
        if role_chaining {
            return Err(Error::Unsupported("role-chaining"));
        }
        if use_existing_credentials {
            return Err(Error::Unsupported("use-existing-credentials"));
        }
        let Some(role) = role else {
            return Err(Error::UnsupportedMode(
                "Using the runner's existing AWS credentials (no 'role-to-assume')",
            ));
        };
        let role_arn = role_arn(role)?;

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
                    format!("must be an http:// or https:// URL, like https://sts.us-east-2.amazonaws.com, got '{v}'"),
                )
            })?),
        };

        let proxy = match inputs.get("http-proxy") {
            None => None,
            Some(v) => Some(Proxy::new(v, inputs.get("no-proxy")).ok_or_else(|| {
                Error::input(
                    "http-proxy",
                    format!("must be a proxy URL like http://proxy.example.com:3128, got '{v}'"),
                )
            })?),
        };

        let non_empty = |name: &str| env(name).filter(|v| !v.is_empty());
        let Some(bearer) = non_empty("ACTIONS_ID_TOKEN_REQUEST_TOKEN") else {
            return Err(Error::NoIdTokenPermission);
        };
        let url = non_empty("ACTIONS_ID_TOKEN_REQUEST_URL")
            .ok_or(Error::RunnerEnv("ACTIONS_ID_TOKEN_REQUEST_URL"))?;
        if output_env_credentials && non_empty("GITHUB_ENV").is_none() {
            return Err(Error::RunnerEnv("GITHUB_ENV"));
        }
        if (output_env_credentials || output_credentials) && non_empty("GITHUB_OUTPUT").is_none() {
            return Err(Error::RunnerEnv("GITHUB_OUTPUT"));
        }

        Ok(Config {
            region: region.to_owned(),
            role_arn,
            session_name,
            duration_seconds,
            audience: inputs.get("audience").map(str::to_owned),
            inline_session_policy,
            managed_session_policies,
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
            custom_tags_ignored: inputs.get("custom-tags").is_some(),
            id_token_request: IdTokenRequest { url, bearer },
        })
    }
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
    fn defaults_match_the_original() {
        let c = config(&[]).unwrap();
        assert_eq!(c.region, "us-east-2");
        assert_eq!(c.role_arn, ROLE);
        assert_eq!(c.session_name, "GitHubActions");
        assert_eq!(c.duration_seconds, 3600);
        assert_eq!(c.audience.as_deref(), Some("sts.amazonaws.com"));
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
            assert_eq!(
                config(&[("INPUT_ROLE-TO-ASSUME", good)]).unwrap().role_arn,
                good
            );
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
        assert_eq!(c.session_name, "run-1_a+b=c,d.e@f");
    }

    #[test]
    fn numbers_are_checked() {
        assert_eq!(
            config(&[("INPUT_ROLE-DURATION-SECONDS", "900")])
                .unwrap()
                .duration_seconds,
            900
        );
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
    fn other_modes_say_not_supported_yet() {
        assert!(
            error(&[("INPUT_AWS-ACCESS-KEY-ID", "AKIA")])
                .starts_with("Input 'aws-access-key-id' is not supported yet")
        );
        assert!(
            error(&[("INPUT_ROLE-CHAINING", "true")])
                .starts_with("Input 'role-chaining' is not supported yet")
        );
        assert!(error(&[("INPUT_ROLE-TO-ASSUME", "")]).contains("not supported yet"));
        assert!(
            error(&[("INPUT_ROLE-CHAINING", "maybe")])
                .starts_with("Input 'role-chaining' must be a boolean")
        );
    }

    #[test]
    fn oidc_needs_the_id_token_permission() {
        assert!(
            error(&[("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")])
                .contains("permissions: id-token: write")
        );
        assert!(error(&[("INPUT_FORCE-SKIP-OIDC", "true")]).starts_with("Input 'force-skip-oidc'"));
        assert!(error(&[("GITHUB_ENV", "")]).starts_with("GITHUB_ENV is not set"));
    }
}
