//! Raw inputs as the runner passes them: `INPUT_<NAME>` (upper-cased, spaces to `_`, hyphens
//! kept), trimmed, with the original action's environment-variable fallbacks. Nothing here
//! judges a value beyond its syntax class (boolean, lines); `config` turns them into typed values.

use std::collections::BTreeMap;
use std::ffi::OsString;

use crate::error::Error;

/// Every input the action declares in `action.yml`.
pub const NAMES: &[&str] = &[
    "aws-region",
    "aws-profile",
    "overwrite-aws-profile",
    "role-to-assume",
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
    "web-identity-token-file",
    "role-chaining",
    "audience",
    "http-proxy",
    "no-proxy",
    "mask-aws-account-id",
    "role-duration-seconds",
    "role-external-id",
    "role-session-name",
    "role-skip-session-tagging",
    "transitive-tag-keys",
    "inline-session-policy",
    "managed-session-policies",
    "output-credentials",
    "output-env-credentials",
    "unset-current-credentials",
    "disable-retry",
    "retry-max-attempts",
    "special-characters-workaround",
    "use-existing-credentials",
    "allowed-account-ids",
    "force-skip-oidc",
    "action-timeout-s",
    "custom-tags",
    "sts-endpoint",
    "trust-policy-file",
    "check-trust-policy",
    "job-summary",
    "install-cli",
    "profiles",
    "refresh-credentials",
    "refresh-margin-seconds",
];

/// Environment variables the original action reads when the input itself is empty.
const ENV_FALLBACKS: &[(&str, &str)] = &[
    ("AWS_REGION", "aws-region"),
    ("ROLE_TO_ASSUME", "role-to-assume"),
    ("WEB_IDENTITY_TOKEN_FILE", "web-identity-token-file"),
    ("ROLE_CHAINING", "role-chaining"),
    ("AUDIENCE", "audience"),
    ("MASK_AWS_ACCOUNT_ID", "mask-aws-account-id"),
    ("ROLE_DURATION_SECONDS", "role-duration-seconds"),
    ("ROLE_EXTERNAL_ID", "role-external-id"),
    ("ROLE_SESSION_NAME", "role-session-name"),
    ("ROLE_SKIP_SESSION_TAGGING", "role-skip-session-tagging"),
    ("TRANSITIVE_TAG_KEYS", "transitive-tag-keys"),
    ("INLINE_SESSION_POLICY", "inline-session-policy"),
    ("MANAGED_SESSION_POLICIES", "managed-session-policies"),
    ("OUTPUT_CREDENTIALS", "output-credentials"),
    ("UNSET_CURRENT_CREDENTIALS", "unset-current-credentials"),
    ("DISABLE_RETRY", "disable-retry"),
    ("RETRY_MAX_ATTEMPTS", "retry-max-attempts"),
    (
        "SPECIAL_CHARACTERS_WORKAROUND",
        "special-characters-workaround",
    ),
    ("USE_EXISTING_CREDENTIALS", "use-existing-credentials"),
    ("OVERWRITE_AWS_PROFILE", "overwrite-aws-profile"),
];

/// Proxy settings from the environment, most specific first: the input wins, then these.
const PROXY_ENV: &[&str] = &["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"];
const NO_PROXY_ENV: &[&str] = &["NO_PROXY", "no_proxy"];

/// The non-empty, trimmed input values.
#[derive(Debug, Default, Clone)]
pub struct Inputs {
    values: BTreeMap<&'static str, String>,
    /// The environment variable an input's value was taken from, where the input was empty.
    fallbacks: BTreeMap<&'static str, &'static str>,
    /// The first input whose variable holds text that is not UTF-8, and that variable.
    not_utf8: Option<(&'static str, String)>,
}

impl Inputs {
    /// Reads the inputs from this process's environment.
    pub fn from_env() -> Self {
        Self::from_os_lookup(|name| std::env::var_os(name))
    }

    /// Reads the inputs through `lookup`, which answers an environment variable's value.
    #[cfg(test)]
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        Self::from_os_lookup(|name| lookup(name).map(OsString::from))
    }

    /// Reads the inputs through `lookup`, which answers an environment variable's raw value. A
    /// value that is not UTF-8 is never taken as unset: [`Inputs::check_utf8`] reports it.
    pub fn from_os_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Self {
        let mut not_utf8 = Vec::new();
        let mut non_empty = |input: &'static str, var: &str| match lookup(var)?.into_string() {
            Ok(value) => Some(value.trim().to_owned()).filter(|v| !v.is_empty()),
            Err(_) => {
                not_utf8.push((input, var.to_owned()));
                None
            }
        };
        let mut values = BTreeMap::new();
        // The inputs first, so that an input's own variable is the one reported.
        for &name in NAMES {
            let var = format!("INPUT_{}", name.replace(' ', "_").to_uppercase());
            if let Some(value) = non_empty(name, &var) {
                values.insert(name, value);
            }
        }
        let fallbacks = ENV_FALLBACKS
            .iter()
            .map(|&(var, name)| (name, vec![var]))
            .chain([
                ("http-proxy", PROXY_ENV.to_vec()),
                ("no-proxy", NO_PROXY_ENV.to_vec()),
            ]);
        let mut taken_from = BTreeMap::new();
        for (name, vars) in fallbacks {
            // A fallback is read only when the input itself is empty.
            if values.contains_key(name) {
                continue;
            }
            if let Some((var, value)) = vars
                .iter()
                .find_map(|&var| non_empty(name, var).map(|value| (var, value)))
            {
                values.insert(name, value);
                taken_from.insert(name, var);
            }
        }
        Inputs {
            values,
            fallbacks: taken_from,
            not_utf8: not_utf8.into_iter().next(),
        }
    }

    /// Says where an input error's value came from when it was an environment variable's
    /// (the input itself being empty), so that a user who never set the input finds it.
    pub fn name_origin(&self, error: Error) -> Error {
        match error {
            Error::Input { input, problem } => match self.fallbacks.get(input) {
                Some(var) => Error::Input {
                    input,
                    problem: format!(
                        "{problem} (the input is empty, so the value came from the {var} \
                         environment variable)"
                    ),
                },
                None => Error::Input { input, problem },
            },
            other => other,
        }
    }

    /// Fails for an input whose variable is not UTF-8 text.
    pub fn check_utf8(&self) -> Result<(), Error> {
        match &self.not_utf8 {
            None => Ok(()),
            Some((input, var)) => Err(Error::input(
                input,
                format!("is not valid UTF-8 text (in {var})"),
            )),
        }
    }

    /// The value, if the input is set and not empty.
    pub fn get(&self, name: &'static str) -> Option<&str> {
        debug_assert!(NAMES.contains(&name), "undeclared input {name}");
        self.values.get(name).map(String::as_str)
    }

    /// A boolean by the YAML 1.2 core schema; `default` when the input is empty.
    pub fn boolean(&self, name: &'static str, default: bool) -> Result<bool, Error> {
        match self.get(name) {
            None => Ok(default),
            Some("true" | "True" | "TRUE") => Ok(true),
            Some("false" | "False" | "FALSE") => Ok(false),
            Some(other) => Err(Error::input(
                name,
                format!(
                    "must be a boolean (true | True | TRUE | false | False | FALSE), got '{other}'"
                ),
            )),
        }
    }

    /// The input's non-empty lines, each trimmed.
    pub fn lines(&self, name: &'static str) -> Vec<&str> {
        self.get(name)
            .map(|v| v.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(pairs: &[(&str, &str)]) -> Inputs {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Inputs::from_lookup(|name| map.get(name).cloned())
    }

    /// The names declared under a top-level section of action.yml, read line by line: the
    /// section's two-space-indented keys.
    fn declared(section: &str) -> Vec<String> {
        let action = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml"));
        action
            .lines()
            .skip_while(|l| *l != format!("{section}:"))
            .skip(1)
            .take_while(|l| l.is_empty() || l.starts_with(' '))
            .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
            .filter(|k| !k.starts_with(' '))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn action_yml_declares_exactly_these_inputs() {
        let mut declared = declared("inputs");
        let mut known: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
        declared.sort();
        known.sort();
        assert_eq!(declared, known);
    }

    #[test]
    fn action_yml_declares_exactly_these_outputs() {
        let mut declared = declared("outputs");
        let mut known: Vec<String> = crate::export::Output::ALL
            .iter()
            .map(|o| o.name().to_owned())
            .collect();
        declared.sort();
        known.sort();
        assert_eq!(declared, known);
    }

    #[test]
    fn reads_trimmed_inputs_with_hyphens_kept() {
        let i = inputs(&[
            ("INPUT_ROLE-TO-ASSUME", "  arn:x \n"),
            ("INPUT_AWS-REGION", ""),
        ]);
        assert_eq!(i.get("role-to-assume"), Some("arn:x"));
        assert_eq!(i.get("aws-region"), None);
    }

    #[test]
    fn falls_back_to_environment_only_when_input_is_empty() {
        let i = inputs(&[
            ("INPUT_AWS-REGION", ""),
            ("AWS_REGION", "eu-west-1"),
            ("INPUT_ROLE-SESSION-NAME", "mine"),
            ("ROLE_SESSION_NAME", "theirs"),
        ]);
        assert_eq!(i.get("aws-region"), Some("eu-west-1"));
        assert_eq!(i.get("role-session-name"), Some("mine"));
    }

    #[test]
    fn https_proxy_wins_over_http_proxy() {
        let i = inputs(&[("HTTP_PROXY", "http://a:1"), ("HTTPS_PROXY", "http://b:2")]);
        assert_eq!(i.get("http-proxy"), Some("http://b:2"));
        let i = inputs(&[("http_proxy", "http://c:3"), ("no_proxy", "x")]);
        assert_eq!(i.get("http-proxy"), Some("http://c:3"));
        assert_eq!(i.get("no-proxy"), Some("x"));
        let i = inputs(&[
            ("INPUT_HTTP-PROXY", "http://d:4"),
            ("HTTPS_PROXY", "http://b:2"),
        ]);
        assert_eq!(i.get("http-proxy"), Some("http://d:4"));
    }

    #[test]
    fn booleans_follow_the_yaml_core_schema() {
        for (v, want) in [
            ("true", true),
            ("True", true),
            ("TRUE", true),
            ("false", false),
        ] {
            let i = inputs(&[("INPUT_DISABLE-RETRY", v)]);
            assert_eq!(i.boolean("disable-retry", !want).unwrap(), want);
        }
        assert!(inputs(&[]).boolean("disable-retry", true).unwrap());
        for v in ["yes", "1", "tRue", "on"] {
            let err = inputs(&[("INPUT_DISABLE-RETRY", v)])
                .boolean("disable-retry", false)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("Input 'disable-retry' must be a boolean"),
                "{err}"
            );
        }
    }

    #[test]
    fn lines_skip_blanks_and_trim() {
        let i = inputs(&[("INPUT_MANAGED-SESSION-POLICIES", "a\n\n  b  \r\nc")]);
        assert_eq!(i.lines("managed-session-policies"), vec!["a", "b", "c"]);
    }
}
