//! The one error type of the action. Every failure ends as one of these, and `main` turns it into
//! the single `::error::` line and exit code 1. Messages say what is wrong and what is allowed.

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input is missing or has a value the action cannot use.
    #[error("Input '{input}' {problem}")]
    Input {
        input: &'static str,
        problem: String,
    },

    /// The runner did not give us something every step gets (`GITHUB_ENV`, `GITHUB_OUTPUT`, …).
    #[error("{0} is not set: run this action as a step of a GitHub Actions job")]
    RunnerEnv(&'static str),

    /// The credentials to start from (keys, the environment's, the SDK's chain) do not work.
    #[error(
        "Credentials could not be loaded, please check your action inputs: {message}{}",
        oidc_hint_text(*oidc_hint)
    )]
    SourceCredentials { message: String, oidc_hint: bool },

    /// The web identity token file cannot be used.
    #[error("{0}")]
    TokenFile(String),

    /// The runner's token service did not give us a token.
    #[error("Could not get a GitHub OIDC token: {0}")]
    IdToken(String),

    /// STS refused or failed to assume the role.
    #[error("{0}")]
    Sts(Box<StsFailure>),

    /// The credentials belong to an account that `allowed-account-ids` does not list.
    #[error(
        "The credentials{} are for AWS account {account}, which 'allowed-account-ids' does not \
         allow (allowed: {allowed}); nothing was exported",
        for_profile(profile.as_deref())
    )]
    AccountNotAllowed {
        account: String,
        allowed: String,
        /// The profile of `profiles` they are for.
        profile: Option<String>,
    },

    /// `action-timeout-s` ran out.
    #[error("The action timed out after {0} seconds ('action-timeout-s'); nothing was exported")]
    Timeout(u64),

    /// A value cannot be written safely to a runner file command.
    #[error("Refusing to write {name} to {file}: {problem}")]
    FileCommandValue {
        file: &'static str,
        name: String,
        problem: &'static str,
    },

    /// Writing a runner file failed.
    #[error("Could not write {file} ({path}): {source}")]
    FileCommandIo {
        file: &'static str,
        path: String,
        source: std::io::Error,
    },

    /// The certificates to trust cannot be loaded (a file named by `NODE_EXTRA_CA_CERTS` or
    /// `AWS_CA_BUNDLE`, or the system store with `NODE_USE_SYSTEM_CA=1`).
    #[error("Could not set up TLS: {0}")]
    Tls(String),

    /// The async runtime could not start (no threads or timers left on the machine).
    #[error("Could not start: {0}")]
    Runtime(String),

    /// Neither the profile files' variables nor the home directory's variable is set.
    #[error(
        "Cannot locate the AWS profile files: {0} is not set (set it, or set both \
         AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE)"
    )]
    ProfileHome(&'static str),

    /// The profile is already in one of its files and 'overwrite-aws-profile' is not true.
    #[error(
        "Failed to write AWS profile '{profile}' to {path}: Profile with name \"{profile}\" already \
         exists. Please use the overwrite-aws-profile input if you want to overwrite existing \
         profiles. No profile file was written"
    )]
    ProfileExists { profile: String, path: String },

    /// A profile file, or its directory, is not something the action writes to safely.
    #[error(
        "Failed to write AWS profile '{profile}': Refusing {path} ({problem}). No profile file was written"
    )]
    ProfilePath {
        profile: String,
        path: String,
        problem: &'static str,
    },

    /// A value would break the profile file's line format.
    #[error("Failed to write AWS profile '{profile}': the value of {key} holds a line break")]
    ProfileValue { profile: String, key: &'static str },

    /// What `credential-process` needs to renew the credentials is missing or unusable (its
    /// settings, its cache, the job's token request).
    #[error("Cannot renew the AWS credentials: {0}")]
    Renew(String),

    /// Reading, creating or replacing a profile file failed.
    #[error("Failed to write AWS profile '{profile}': could not {action} {path}: {source}")]
    ProfileIo {
        profile: String,
        action: &'static str,
        path: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn input(input: &'static str, problem: impl Into<String>) -> Self {
        Error::Input {
            input,
            problem: problem.into(),
        }
    }
}

/// ` for profile 'NAME'`, naming a profile of `profiles`.
fn for_profile(profile: Option<&str>) -> String {
    profile.map_or_else(String::new, |name| format!(" for profile '{name}'"))
}

fn oidc_hint_text(hint: bool) -> &'static str {
    if hint {
        ". To use GitHub OIDC instead, give the job `permissions: id-token: write`"
    } else {
        ""
    }
}

/// How the action asked for the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Oidc,
    TokenFile,
    Credentials,
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Via::Oidc => "OIDC",
            Via::TokenFile => "web identity token file",
            Via::Credentials => "user credentials",
        })
    }
}

/// Why an STS call failed, with what the user needs to act on it. What explains a denial
/// further (the token's claims, the trust policy) is the diagnosis's, attached where the step
/// fails ([`crate::step::Failed`]).
#[derive(Debug)]
pub struct StsFailure {
    pub role_arn: String,
    /// The profile of `profiles` the role was for.
    pub profile: Option<String>,
    pub via: Via,
    /// The STS error code (`AccessDenied`, `Throttling`, …) or a transport kind (`Timeout`, …).
    pub code: String,
    pub message: String,
    /// How many attempts and tries were made.
    pub spent: Spent,
    /// The one-line fix for the STS answers users meet most, if this is one.
    pub hint: Option<String>,
}

impl fmt::Display for StsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Could not assume role {}{} with {}: {}: {}",
            self.role_arn,
            for_profile(self.profile.as_deref()),
            self.via,
            self.code,
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, ". {hint}")?;
        }
        f.write_str(&self.spent.note())
    }
}

/// How much a failed run of the retry policy spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spent {
    pub attempts: u32,
    /// Requests made, over all attempts.
    pub tries: u32,
}

impl Spent {
    /// ` (after 6 tries in 2 attempts)`, or nothing after a single try.
    pub fn note(self) -> String {
        if self.tries <= 1 {
            return String::new();
        }
        let plural = if self.attempts == 1 { "" } else { "s" };
        format!(
            " (after {} tries in {} attempt{plural})",
            self.tries, self.attempts
        )
    }
}
