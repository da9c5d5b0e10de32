//! Credentials that renew themselves (`refresh-credentials`), for `role-to-assume`'s profile
//! and each of `profiles`. For each such profile the main step leaves two files under
//! `RUNNER_TEMP`: the [`Settings`] (JSON, 0600, nothing secret: the job's token request
//! comes from the environment of the later step) and the [`cache`] of the credentials last had,
//! seeded with the step's own; and a profile whose `credential_process` runs this binary's
//! `credential-process` subcommand ([`process`]) with the settings file. The subcommand answers
//! from the cache, or assumes the role again through the main step's own code (the same
//! validation of what it sends, retry policy and HTTP client). The post step deletes both files.

pub mod cache;
pub mod process;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::aws::retry::RetryPolicy;
use crate::aws::sts::Credentials;
use crate::config::proxy::Proxy;
use crate::config::{Config, IdTokenRequest, RoleRef, RoleRequest, Source};
use crate::error::Error;
use crate::runner;
use cache::ProcessCredentials;

/// The subcommand the profile's `credential_process` runs.
pub const SUBCOMMAND: &str = "credential-process";

/// Everything needed to assume the role again, as the main step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub region: String,
    pub role_arn: String,
    pub session_name: String,
    pub duration_seconds: i32,
    pub inline_session_policy: Option<String>,
    pub managed_session_policies: Vec<String>,
    /// With GitHub OIDC: the audience asked for (`None`: GitHub's default).
    pub audience: Option<String>,
    /// With `web-identity-token-file`: the file, read again at each renewal.
    pub token_file: Option<PathBuf>,
    pub sts_endpoint: Option<String>,
    pub http_proxy: Option<String>,
    pub no_proxy: Option<String>,
    pub max_attempts: u32,
    pub special_characters_workaround: bool,
    pub allowed_account_ids: Vec<String>,
    pub user_agent_metadata: Vec<String>,
    /// Renew once fewer than this many seconds remain.
    pub margin_seconds: u64,
    /// How long one `credential-process` call may take in all, a wait for another caller's
    /// renewal included (see [`time_limit`]).
    pub limit_seconds: u64,
    /// The cache of the credentials last had.
    pub cache: PathBuf,
}

/// How later steps renew the credentials.
#[derive(Debug)]
pub enum Renewal {
    /// The SDKs themselves, from the token file: the profile names the role, the file and the
    /// session name, which every SDK reads and renews on its own (without this binary).
    TokenFile {
        role_arn: String,
        session_name: String,
        path: PathBuf,
    },
    /// This binary's `credential-process`, with the settings saved at `path`.
    Process {
        path: PathBuf,
        settings: Box<Settings>,
    },
}

impl Renewal {
    /// How `config`'s credentials (those of `role-to-assume`) are renewed; `None` without
    /// `refresh-credentials`.
    pub fn of(config: &Config) -> Option<Renewal> {
        Renewal::for_role(config, config.role.as_ref()?)
    }

    /// How the credentials of `role` (`role-to-assume`'s, or a role of `profiles`) are renewed,
    /// each role with settings and a cache of its own; `None` without `refresh-credentials`
    /// (whose validation leaves roles given by ARN and a web identity source). A token file is
    /// left to the SDKs unless a setting they would not apply is given (`sts-endpoint`,
    /// `http-proxy`, session policies).
    pub fn for_role(config: &Config, role: &RoleRequest) -> Option<Renewal> {
        let refresh = config.refresh.as_ref()?;
        let RoleRef::Arn(role_arn) = &role.role else {
            return None;
        };
        let (audience, token_file) = match &config.source {
            Source::GithubOidc { audience, .. } => (audience.clone(), None),
            Source::TokenFile(path) => (None, Some(path.clone())),
            _ => return None,
        };
        if let Some(path) = &token_file
            && config.sts_endpoint.is_none()
            && refresh.http_proxy.is_none()
            && role.inline_session_policy.is_none()
            && role.managed_session_policies.is_empty()
        {
            return Some(Renewal::TokenFile {
                role_arn: role_arn.clone(),
                session_name: role.session_name.clone(),
                path: path.clone(),
            });
        }
        let stem = format!("aws-oidc-credentials-{}", runner::random_uuid());
        let path = refresh.dir.join(format!("{stem}.json"));
        let settings = Settings {
            region: config.region.clone(),
            role_arn: role_arn.clone(),
            session_name: role.session_name.clone(),
            duration_seconds: role.duration_seconds,
            inline_session_policy: role.inline_session_policy.clone(),
            managed_session_policies: role.managed_session_policies.clone(),
            audience,
            token_file,
            sts_endpoint: config.sts_endpoint.clone(),
            http_proxy: refresh.http_proxy.clone(),
            no_proxy: refresh.no_proxy.clone(),
            max_attempts: config.retry.max_attempts,
            special_characters_workaround: config.special_characters_workaround,
            allowed_account_ids: config.allowed_account_ids.clone(),
            user_agent_metadata: config.user_agent_metadata.clone(),
            margin_seconds: refresh.margin.as_secs(),
            limit_seconds: time_limit(config.timeout).as_secs(),
            cache: refresh.dir.join(format!("{stem}.cache.json")),
        };
        Some(Renewal::Process {
            path,
            settings: Box::new(settings),
        })
    }

    /// The settings file, which the post step deletes (with the cache it names).
    pub fn settings_file(&self) -> Option<&Path> {
        match self {
            Renewal::TokenFile { .. } => None,
            Renewal::Process { path, .. } => Some(path),
        }
    }
}

/// The most one `credential-process` call may take, a wait for another caller's renewal
/// included: below the minute after which the Go SDK (Terraform's AWS provider) stops a
/// `credential_process`, and below the lock's own wait, so that a renewal against an STS that
/// does not answer ends, and lets its waiters end, with an error.
pub const TIME_LIMIT: Duration = Duration::from_secs(50);

/// The time limit of each renewal: the step's `action-timeout-s` where it is shorter than
/// [`TIME_LIMIT`].
pub fn time_limit(action_timeout: Option<Duration>) -> Duration {
    action_timeout.map_or(TIME_LIMIT, |limit| limit.min(TIME_LIMIT))
}

impl Settings {
    /// Writes a new private (0600) file at `path`.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let json = serde_json::to_vec_pretty(self).expect("settings serialise");
        options
            .open(path)
            .and_then(|mut file| file.write_all(&json))
            .map_err(|e| {
                let _ = fs::remove_file(path);
                Error::Renew(format!("could not write {}: {e}", path.display()))
            })
    }

    /// Reads what [`Settings::save`] wrote.
    pub fn load(path: &Path) -> Result<Settings, Error> {
        let bytes = fs::read(path).map_err(|e| {
            Error::Renew(format!(
                "could not read its settings {} ({e}); the action's step writes them and its post \
                 step deletes them, so only later steps of that job can renew",
                path.display()
            ))
        })?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::Renew(format!(
                "its settings {} are not what the action wrote: {e}",
                path.display()
            ))
        })
    }

    /// The main step's configuration for one renewal: the same role and session, asked for with
    /// a new token (from the job's token request in `env`, or the token file), nothing exported.
    pub fn config(&self, env: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let source = match &self.token_file {
            Some(path) => Source::TokenFile(path.clone()),
            None => {
                let get = |name: &'static str| {
                    env(name).filter(|v| !v.is_empty()).ok_or_else(|| {
                        Error::Renew(format!(
                            "{name} is not set: a renewal asks for a new GitHub OIDC token, which \
                             only the steps of the job that ran the action can (with \
                             'permissions: id-token: write')"
                        ))
                    })
                };
                let request = IdTokenRequest {
                    url: get("ACTIONS_ID_TOKEN_REQUEST_URL")?,
                    bearer: get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")?,
                };
                runner::known_secret(&request.bearer);
                Source::GithubOidc {
                    request,
                    audience: self.audience.clone(),
                }
            }
        };
        let proxy = match &self.http_proxy {
            None => None,
            Some(url) => Some(Proxy::new(url, self.no_proxy.as_deref()).ok_or_else(|| {
                Error::Renew("its settings name a proxy that is not a proxy URL".into())
            })?),
        };
        Ok(Config {
            region: self.region.clone(),
            source,
            role: Some(RoleRequest {
                role: RoleRef::Arn(self.role_arn.clone()),
                session_name: self.session_name.clone(),
                duration_seconds: self.duration_seconds,
                external_id: None,
                inline_session_policy: self.inline_session_policy.clone(),
                managed_session_policies: self.managed_session_policies.clone(),
                tags: None,
            }),
            profile: None,
            profiles: None,
            use_existing_credentials: false,
            mask_account_id: false,
            output_credentials: false,
            output_env_credentials: false,
            unset_current_credentials: false,
            special_characters_workaround: self.special_characters_workaround,
            allowed_account_ids: self.allowed_account_ids.clone(),
            retry: RetryPolicy::new(self.max_attempts),
            timeout: None,
            sts_endpoint: self.sts_endpoint.clone(),
            proxy,
            user_agent_metadata: self.user_agent_metadata.clone(),
            warnings: Vec::new(),
            oidc_hint: false,
            trust_policy_file: None,
            check_trust_policy: None,
            job_summary: false,
            install_cli: false,
            refresh: None,
        })
    }
}

/// What the profile that renews the credentials holds in the config file, besides the region
/// (the credentials file gets no keys: old ones there would win over the profile). For
/// [`Renewal::Process`] the settings and the cache, seeded with the main step's credentials so
/// that the first caller needs no STS call, are written first; a failure leaves neither.
pub fn prepare(
    creds: &Credentials,
    renewal: &Renewal,
) -> Result<Vec<(&'static str, String)>, Error> {
    let (path, settings) = match renewal {
        Renewal::TokenFile {
            role_arn,
            session_name,
            path,
        } => {
            return Ok(vec![
                ("role_arn", role_arn.clone()),
                (
                    "web_identity_token_file",
                    path.to_string_lossy().into_owned(),
                ),
                ("role_session_name", session_name.clone()),
            ]);
        }
        Renewal::Process { path, settings } => (path, settings),
    };
    let program = std::env::current_exe()
        .map_err(|e| Error::Renew(format!("could not find this program's own path: {e}")))?;
    let line = command_line(&program, path)?;
    settings.save(path)?;
    let result = ProcessCredentials::of(creds)
        .ok_or_else(|| Error::Renew("STS answered without a session token or expiry".into()))
        .and_then(|first| cache::write(&settings.cache, &first));
    if let Err(error) = result {
        delete(path);
        return Err(error);
    }
    Ok(vec![("credential_process", line)])
}

/// Deletes the settings file at `path` and the cache it names, for the post step (and for a
/// main step whose export failed after writing them). Missing files are fine.
pub fn delete(path: &Path) {
    if let Ok(settings) = Settings::load(path) {
        let _ = fs::remove_file(&settings.cache);
    }
    let _ = fs::remove_file(path);
}

/// The profile's `credential_process` line: this binary, the subcommand and the settings
/// file, quoted so that the SDKs split it back into those three whatever the paths hold.
pub fn command_line(program: &Path, settings: &Path) -> Result<String, Error> {
    command_line_for(program, settings, cfg!(windows))
}

/// [`command_line`] as written on Windows (`windows`) or on Unix. On Unix each path goes in
/// single quotes: every SDK runs the line with `sh -c` or splits it as `sh` would (botocore).
/// On Windows botocore splits it by the C runtime's rules (only space and tab separate, double
/// quotes group) and the JavaScript SDK runs it with `cmd.exe /d /s /c "LINE"`, for which `&`,
/// `(`, `)` and `^` are cmd.exe's own and the program's path may end at a `,`, `;` or `=`. A
/// path holding one of those or a space goes in double quotes (which no Windows path holds);
/// any other is left bare, because the Go and Rust SDKs hand the line to `cmd.exe /C` as one
/// argument with its quotes escaped (`\"`), which cmd.exe does not undo: only a bare line works
/// for them. A path with `%` is refused: cmd.exe expands `%NAME%` even within quotes.
pub fn command_line_for(program: &Path, settings: &Path, windows: bool) -> Result<String, Error> {
    let quote = |path: &Path| quote(&path.to_string_lossy(), windows);
    Ok(format!(
        "{} {SUBCOMMAND} {}",
        quote(program)?,
        quote(settings)?
    ))
}

/// One path of [`command_line_for`], quoted for Windows or for Unix.
fn quote(path: &str, windows: bool) -> Result<String, Error> {
    if !windows {
        return Ok(format!("'{}'", path.replace('\'', r"'\''")));
    }
    if path.contains('%') {
        return Err(Error::Renew(format!(
            "the credential_process line cannot name {path}: cmd.exe, through which the SDKs run \
             it on Windows, expands '%' even within quotes; 'refresh-credentials' needs a runner \
             folder without '%'"
        )));
    }
    let special = path.contains([' ', '\t', '&', '(', ')', '^', ',', ';', '=']);
    Ok(if special {
        format!("\"{path}\"")
    } else {
        path.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_command_line_survives_a_shell() {
        let program = Path::new("/home/run ner/it's/aws-oidc-credentials");
        let settings = Path::new("/tmp/$HOME `x` \"q\"/s.json");
        let line = command_line(program, settings).unwrap();
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("printf '%s\\n' {line}")])
            .output()
            .unwrap();
        let words: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(
            words,
            [
                program.to_str().unwrap(),
                SUBCOMMAND,
                settings.to_str().unwrap()
            ]
        );
    }

    #[test]
    fn windows_paths_are_quoted_only_where_they_need_it() {
        let windows = |path: &str| quote(path, true).unwrap();
        assert_eq!(
            windows(r"C:\actions runner\_work\_actions\o\r\v1\dist\bin\a.exe"),
            r#""C:\actions runner\_work\_actions\o\r\v1\dist\bin\a.exe""#
        );
        for special in ["&", "(", ")", "^", ",", ";", "="] {
            let path = format!(r"C:\r{special}x\a.exe");
            assert_eq!(windows(&path), format!("\"{path}\""));
        }
        for bare in [
            r"D:\a\_temp\aws-oidc-credentials-1.json",
            r"C:\it's!\[1]{2}+#$@~`\a.exe",
        ] {
            assert_eq!(windows(bare), bare);
        }
        assert_eq!(quote("/a b/it's", false).unwrap(), r"'/a b/it'\''s'");
        assert_eq!(quote("/50%/x", false).unwrap(), "'/50%/x'");
    }

    #[test]
    fn a_windows_path_with_a_percent_sign_is_refused_by_name() {
        let error = command_line_for(
            Path::new(r"C:\runner\aws-oidc-credentials.exe"),
            Path::new(r"D:\a%USERNAME%\s.json"),
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains(r"D:\a%USERNAME%\s.json"), "{error}");
        assert!(error.contains("cmd.exe"), "{error}");
    }

    #[test]
    fn a_renewal_ends_within_the_step_timeout_and_never_after_50_seconds() {
        assert_eq!(time_limit(None), Duration::from_secs(50));
        assert_eq!(
            time_limit(Some(Duration::from_secs(5))),
            Duration::from_secs(5)
        );
        assert_eq!(time_limit(Some(Duration::from_secs(600))), TIME_LIMIT);
    }

    #[test]
    fn settings_hold_no_secret_and_give_back_the_session() {
        let settings = Settings {
            region: "us-east-2".into(),
            role_arn: "arn:aws:iam::111122223333:role/deploy".into(),
            session_name: "GitHubActions".into(),
            duration_seconds: 3600,
            inline_session_policy: None,
            managed_session_policies: Vec::new(),
            audience: Some("sts.amazonaws.com".into()),
            token_file: None,
            sts_endpoint: Some("http://127.0.0.1:1".into()),
            http_proxy: None,
            no_proxy: None,
            max_attempts: 12,
            special_characters_workaround: false,
            allowed_account_ids: Vec::new(),
            user_agent_metadata: Vec::new(),
            margin_seconds: 900,
            limit_seconds: 50,
            cache: PathBuf::from("/tmp/c.json"),
        };
        let env = |name: &str| match name {
            "ACTIONS_ID_TOKEN_REQUEST_URL" => Some("http://127.0.0.1:2/token".to_owned()),
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => Some("bearer-secret".to_owned()),
            _ => None,
        };
        let config = settings.config(env).unwrap();
        let role = config.role.as_ref().unwrap();
        assert_eq!(role.role, RoleRef::Arn(settings.role_arn.clone()));
        assert!(matches!(
            &config.source,
            Source::GithubOidc { request, audience }
                if request.bearer == "bearer-secret" && audience.as_deref() == Some("sts.amazonaws.com")
        ));
        assert!(config.profile.is_none() && !config.output_env_credentials);
        let json = serde_json::to_string(&settings).unwrap();
        assert!(!json.contains("bearer-secret"));

        let error = settings.config(|_| None).unwrap_err().to_string();
        assert!(
            error.contains("ACTIONS_ID_TOKEN_REQUEST_URL is not set"),
            "{error}"
        );
    }
}
