//! What a successful run leaves for later steps: the main step's [`Outcome`] becomes environment
//! variables, outputs, state, the profile files and the job summary, through [`write()`] alone.
//! Values are masked (again: the main step masks them as soon as they are known), gathered
//! completely, and written all or nothing: `GITHUB_ENV`, `GITHUB_OUTPUT`, `GITHUB_STATE` and
//! (with `install-cli`) `GITHUB_PATH` are appended to in turn, then the profile files replaced; when one of them fails, the runner
//! files already appended to are cut back to their length before.
//!
//! The stage owns every write that outlives the step: the profile files ([`profiles`], under a
//! [`lock`]) and their removal by the post step ([`cleanup`]). The `aws-profile` profile and
//! those of `profiles` are written in one change of the files, and `GITHUB_STATE` names each of
//! them for the post step.

pub mod cleanup;
pub mod lock;
pub mod profiles;

use crate::aws::sts::{Credentials, Identity};
use crate::config::{Config, Source};
use crate::error::Error;
use crate::outcome::{How, Outcome, ProfileOutcome};
use crate::refresh::{self, Renewal};
use crate::runner::{self, FileCommand, FileWrites, OpenFile};
use profiles::{Holds, NewProfile, ProfileCredentials};

/// The variables the action owns in the job's environment.
pub const CREDENTIAL_VARIABLES: [&str; 5] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
];

/// The step's outputs, as `action.yml` declares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    AccountId,
    AuthenticatedArn,
    AccessKeyId,
    SecretAccessKey,
    SessionToken,
    Expiration,
}

impl Output {
    /// Every output, for the test that `action.yml` declares exactly these.
    #[cfg(test)]
    pub const ALL: [Output; 6] = [
        Output::AccountId,
        Output::AuthenticatedArn,
        Output::AccessKeyId,
        Output::SecretAccessKey,
        Output::SessionToken,
        Output::Expiration,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Output::AccountId => "aws-account-id",
            Output::AuthenticatedArn => "authenticated-arn",
            Output::AccessKeyId => "aws-access-key-id",
            Output::SecretAccessKey => "aws-secret-access-key",
            Output::SessionToken => "aws-session-token",
            Output::Expiration => "aws-expiration",
        }
    }
}

/// The `GITHUB_STATE` names that tell the post step which profile to remove, and from where.
pub const STATE_PROFILE: &str = "profile";
pub const STATE_CREDENTIALS_FILE: &str = "credentials_file";
pub const STATE_CONFIG_FILE: &str = "config_file";
/// Where the profile that `overwrite-aws-profile` replaced is kept, for the post step to put back.
pub const STATE_PROFILE_KEPT: &str = "profile_kept";
/// The profiles of `profiles`: a JSON list of [`StateProfile`].
pub const STATE_PROFILES: &str = "profiles";

/// A profile of `profiles` in `GITHUB_STATE`: its name, where what it replaced is kept, and
/// (with `refresh-credentials`) its settings file, deleted with its cache.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StateProfile {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<String>,
}
/// The settings file of `aws-profile`'s renewing profile (`refresh-credentials`), for the post
/// step to delete with its cache; those of `profiles` are in [`StateProfile`].
pub const STATE_REFRESH_SETTINGS: &str = "refresh_settings";

/// Writes what the main step had for later steps: the region (and the blanks of
/// `unset-current-credentials`) first, as the original exports them, then the credentials, the
/// identity, the profile and the job summary. A failure leaves nothing written.
pub fn write(config: &Config, outcome: &Outcome) -> Result<(), Error> {
    let in_env = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    let mut plan = Plan::new(config, in_env, &outcome.profiles);
    if let Some(creds) = &outcome.credentials {
        plan.credentials(creds);
    }
    // The account id and ARN outputs: with the credentials in the environment, and always for
    // the ambient chain's own credentials, as the original does.
    let identity_output = config.output_env_credentials
        || matches!(
            (&outcome.how, &config.source),
            (How::Source { .. }, Source::Ambient)
        );
    if let Some(identity) = outcome.identity.as_ref().filter(|_| identity_output) {
        plan.identity(identity);
    }
    let expires = outcome
        .credentials
        .as_ref()
        .and_then(|creds| creds.expiration.as_deref())
        .unwrap_or_default();
    let (arn, account) = outcome
        .identity
        .as_ref()
        .map_or(("", ""), |identity| (&identity.arn, &identity.account));
    match &outcome.how {
        How::Existing => {}
        How::Source { mode } => {
            plan.profile(outcome.credentials.as_ref());
            plan.summary(&[
                ("Credentials", mode),
                ("Identity", arn),
                ("Account", account),
                ("Region", &config.region),
            ]);
        }
        How::Role {
            mode,
            role_arn,
            session_name,
            subject,
        } => {
            plan.profile(outcome.credentials.as_ref());
            plan.summary(&[
                ("Credentials", mode),
                ("Role", role_arn),
                ("Session name", session_name),
                ("Account", account),
                ("Region", &config.region),
                ("Expires", expires),
                (
                    "Token subject (sub)",
                    subject.as_deref().unwrap_or_default(),
                ),
            ]);
        }
    }
    plan.trust_policy_summary(&outcome.trust_policy_warnings);
    if config.install_cli {
        plan.install_cli()?;
    }
    plan.write()
}

/// `install-cli` alone (no role, no keys): writes this binary's folder to `GITHUB_PATH` and
/// nothing else.
pub fn install_cli_only() -> Result<(), Error> {
    let mut path = FileWrites::new(FileCommand::Path);
    path.add_path(&cli_folder()?);
    write_all(&[path])
}

/// This binary's folder, for later steps to find it on `PATH` (`aws-oidc-credentials exec …`).
fn cli_folder() -> Result<String, Error> {
    let unknown = |problem: &str| Error::FileCommandIo {
        file: "GITHUB_PATH",
        path: "this binary's folder".into(),
        source: std::io::Error::other(problem.to_owned()),
    };
    let exe = std::env::current_exe().map_err(|e| unknown(&e.to_string()))?;
    let folder = exe.parent().ok_or_else(|| unknown("it has no folder"))?;
    let folder = folder
        .to_str()
        .ok_or_else(|| unknown("its path is not UTF-8 text"))?;
    runner::info(&format!(
        "Adding {folder} to PATH for later steps (install-cli)"
    ));
    Ok(folder.to_owned())
}

/// The job summary's table of the profiles of `profiles`, if any.
fn profiles_summary(profiles: &[ProfileOutcome]) -> String {
    if profiles.is_empty() {
        return String::new();
    }
    let mut markdown =
        String::from("\n| Profile | Role | Account | Expires |\n|---|---|---|---|\n");
    for profile in profiles {
        let expires = profile
            .credentials
            .expiration
            .as_deref()
            .unwrap_or_default();
        let cells = [
            profile.name.as_str(),
            &profile.role_arn,
            &profile.identity.account,
            expires,
        ]
        .map(crate::runner::markdown::code);
        markdown.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    markdown
}

/// Masks a set of credentials: every secret in them, before anything could print it.
pub fn mask_credentials(creds: &Credentials) {
    runner::mask(&creds.access_key_id);
    runner::mask(&creds.secret_access_key);
    if let Some(token) = &creds.session_token {
        runner::mask(token);
    }
}

/// Everything to write at the end of a successful run.
struct Plan<'c> {
    config: &'c Config,
    /// The profiles of `profiles`, to write with the `aws-profile` one.
    extra: &'c [ProfileOutcome],
    /// The job's environment already holds a session token (from an earlier step).
    session_token_in_env: bool,
    env: FileWrites,
    outputs: FileWrites,
    path: FileWrites,
    profile: Option<Credentials>,
    summary: Option<String>,
}

impl<'c> Plan<'c> {
    /// Starts with the region (and the blanks of `unset-current-credentials`), as the original
    /// exports them first.
    fn new(
        config: &'c Config,
        in_env: impl Fn(&str) -> bool,
        extra: &'c [ProfileOutcome],
    ) -> Plan<'c> {
        let mut env = FileWrites::new(FileCommand::Env);
        if config.output_env_credentials {
            if config.unset_current_credentials {
                for name in CREDENTIAL_VARIABLES {
                    env.set(name, "");
                }
            } else if config.refresh.is_some() && config.role.is_some() {
                // Keys in the environment would win over the renewing profile in every SDK.
                for name in &CREDENTIAL_VARIABLES[..3] {
                    if in_env(name) {
                        env.set(name, "");
                    }
                }
            }
            env.set("AWS_DEFAULT_REGION", &config.region);
            env.set("AWS_REGION", &config.region);
        }
        for profile in extra {
            mask_credentials(&profile.credentials);
        }
        Plan {
            config,
            extra,
            session_token_in_env: in_env("AWS_SESSION_TOKEN"),
            env,
            outputs: FileWrites::new(FileCommand::Output),
            path: FileWrites::new(FileCommand::Path),
            profile: None,
            summary: None,
        }
    }

    /// Masks the credentials and plans them as environment and outputs.
    fn credentials(&mut self, creds: &Credentials) {
        mask_credentials(creds);
        // Renewing credentials reach later steps through the profile only.
        if self.config.output_env_credentials && self.config.refresh.is_none() {
            self.env.set("AWS_ACCESS_KEY_ID", &creds.access_key_id);
            self.env
                .set("AWS_SECRET_ACCESS_KEY", &creds.secret_access_key);
            match &creds.session_token {
                Some(token) => self.env.set("AWS_SESSION_TOKEN", token),
                // Long-term keys: an earlier step's session token must not pair with them.
                None if self.session_token_in_env => self.env.set("AWS_SESSION_TOKEN", ""),
                None => {}
            }
        }
        if self.config.output_credentials {
            self.output(Output::AccessKeyId, &creds.access_key_id);
            self.output(Output::SecretAccessKey, &creds.secret_access_key);
            if let Some(token) = &creds.session_token {
                self.output(Output::SessionToken, token);
            }
            if let Some(expiration) = &creds.expiration {
                self.output(Output::Expiration, expiration);
            }
        }
    }

    fn output(&mut self, output: Output, value: &str) {
        self.outputs.set(output.name(), value);
    }

    /// Plans the account id and ARN outputs (masked with `mask-aws-account-id`).
    fn identity(&mut self, identity: &Identity) {
        if self.config.mask_account_id {
            // The account first, as in `step`: it is in the ARN.
            runner::mask(&identity.account);
            runner::mask(&identity.arn);
        }
        self.output(Output::AccountId, &identity.account);
        self.output(Output::AuthenticatedArn, &identity.arn);
    }

    /// Plans the profile: credentials to write when given, and `AWS_PROFILE` for later steps.
    fn profile(&mut self, creds: Option<&Credentials>) {
        let Some(profile) = &self.config.profile else {
            return;
        };
        if let Some(creds) = creds {
            self.profile = Some(creds.clone());
        }
        if self.config.output_env_credentials {
            self.env.set("AWS_PROFILE", &profile.name);
            // A config file named only in this step's environment, for later steps to read.
            if self.config.refresh.is_some() && std::env::var_os("AWS_CONFIG_FILE").is_some() {
                self.env
                    .set("AWS_CONFIG_FILE", &profile.files.config.to_string_lossy());
            }
        }
    }

    /// Adds what `lint` found in the role's trust policy to the job summary, each as text.
    fn trust_policy_summary(&mut self, warnings: &[String]) {
        let Some(markdown) = self.summary.as_mut().filter(|_| !warnings.is_empty()) else {
            return;
        };
        markdown.push_str("\n**What lint finds in the role's trust policy:**\n\n");
        for warning in warnings {
            markdown.push_str(&format!("- {}\n", crate::runner::markdown::inline(warning)));
        }
    }

    /// Plans this binary's folder for `GITHUB_PATH` (`install-cli`).
    fn install_cli(&mut self) -> Result<(), Error> {
        self.path.add_path(&cli_folder()?);
        Ok(())
    }

    /// Plans the job summary's table of the session (with `job-summary`); masked values show
    /// as `***` there too, and every value is escaped (a branch name can hold Markdown).
    fn summary(&mut self, rows: &[(&str, &str)]) {
        if !self.config.job_summary {
            return;
        }
        let mut markdown = String::from("### aws-oidc-credentials\n\n| | |\n|---|---|\n");
        for (name, value) in rows.iter().filter(|(_, v)| !v.is_empty()) {
            let value = crate::runner::markdown::code(value);
            markdown.push_str(&format!("| {name} | {value} |\n"));
        }
        markdown.push_str(&profiles_summary(self.extra));
        self.summary = Some(markdown);
    }

    /// Writes everything: the runner's files are rendered and opened first, then appended to,
    /// then the profile files are written, then the job summary. A failure leaves none of the
    /// runner's files and profile files changed.
    fn write(self) -> Result<(), Error> {
        // Every profile to write, `aws-profile`'s first, with where what it replaces is kept.
        let kept_in = |dir: Option<&std::path::Path>| {
            dir.map(|dir| {
                dir.join(format!(
                    "aws-oidc-credentials-{}.profile",
                    runner::random_uuid()
                ))
            })
        };
        let mut target = None;
        let mut planned = Vec::new();
        let aws_profile = self.config.profile.as_ref().zip(self.profile.as_ref());
        if let Some((profile, creds)) = aws_profile {
            target = Some((&profile.files, profile.overwrite));
            let renewal = Renewal::of(self.config);
            planned.push(Planned {
                name: &profile.name,
                creds,
                keep: kept_in(profile.keep_in.as_deref()),
                renewal,
            });
        }
        if let Some(extra) = self
            .config
            .profiles
            .as_ref()
            .filter(|_| !self.extra.is_empty())
        {
            target = target.or(Some((&extra.files, extra.overwrite)));
            for profile in self.extra {
                // With `refresh-credentials`, each role renews itself, as `aws-profile`'s does.
                let renewal = extra
                    .roles
                    .iter()
                    .find(|role| role.name == profile.name)
                    .and_then(|role| Renewal::for_role(self.config, &role.role));
                planned.push(Planned {
                    name: &profile.name,
                    creds: &profile.credentials,
                    keep: kept_in(extra.keep_in.as_deref()),
                    renewal,
                });
            }
        }
        // The post step removes what is written, so it does not outlive the job, and puts
        // back what it replaced: `aws-profile`'s under its own names, those of `profiles` as
        // a list; and deletes the settings and cache of each renewing profile.
        let mut state = FileWrites::new(FileCommand::State);
        let mut listed = Vec::new();
        for (index, profile) in planned.iter().enumerate() {
            let path = |path: &std::path::Path| path.to_string_lossy().into_owned();
            let kept = profile.keep.as_deref().map(path);
            let settings = profile
                .renewal
                .as_ref()
                .and_then(Renewal::settings_file)
                .map(path);
            if index == 0 && aws_profile.is_some() {
                state.set(STATE_PROFILE, profile.name);
                if let Some(kept) = &kept {
                    state.set(STATE_PROFILE_KEPT, kept);
                }
                if let Some(settings) = &settings {
                    state.set(STATE_REFRESH_SETTINGS, settings);
                }
            } else {
                listed.push(StateProfile {
                    name: profile.name.clone(),
                    kept,
                    settings,
                });
            }
        }
        if !listed.is_empty() {
            let listed = serde_json::to_string(&listed).expect("names and paths serialise");
            state.set(STATE_PROFILES, &listed);
        }
        if let Some((files, _)) = target {
            state.set(STATE_CREDENTIALS_FILE, &files.credentials.to_string_lossy());
            state.set(STATE_CONFIG_FILE, &files.config.to_string_lossy());
        }

        let writes = [self.env, self.outputs, state, self.path];
        let written = commit(prepare(&writes)?)?;
        // A renewing profile's settings (and the cache, seeded with its credentials) are saved
        // first, profile by profile; a failure deletes those saved before it.
        let mut renewing = Vec::with_capacity(planned.len());
        for profile in &planned {
            let lines = match &profile.renewal {
                None => None,
                Some(renewal) => match refresh::prepare(profile.creds, renewal) {
                    Ok(lines) => Some(lines),
                    Err(error) => {
                        undo(&written);
                        delete_settings(&planned);
                        return Err(error);
                    }
                },
            };
            renewing.push(lines);
        }
        let renewing: Vec<Option<Vec<(&'static str, &str)>>> = renewing
            .iter()
            .map(|lines| {
                lines
                    .as_ref()
                    .map(|lines| lines.iter().map(|(k, v)| (*k, v.as_str())).collect())
            })
            .collect();
        let new: Vec<NewProfile<'_>> = planned
            .iter()
            .zip(&renewing)
            .map(|(profile, lines)| {
                let name = profile.name;
                let holds = match lines {
                    Some(lines) => {
                        runner::info(&format!(
                            "Writing a profile that renews the credentials: {name}"
                        ));
                        Holds::Renewing(lines)
                    }
                    None => {
                        runner::info(&format!("Writing credentials to profile: {name}"));
                        keys(profile.creds)
                    }
                };
                NewProfile {
                    name,
                    holds,
                    keep: profile.keep.as_deref(),
                }
            })
            .collect();
        if let Some((files, overwrite)) = target {
            let result = profiles::write(files, &new, &self.config.region, overwrite);
            if let Err(error) = result {
                undo(&written);
                delete_settings(&planned);
                return Err(error);
            }
        }
        if let Some(markdown) = &self.summary
            && let Err(e) = runner::append_summary(markdown)
        {
            runner::warning(&format!("The job summary was not written: {e}"));
        }
        Ok(())
    }
}

/// A profile to write: its name, credentials, where what it replaces is kept, and how it
/// renews itself (with `refresh-credentials`).
struct Planned<'p> {
    name: &'p String,
    creds: &'p Credentials,
    keep: Option<std::path::PathBuf>,
    renewal: Option<Renewal>,
}

/// Deletes the settings and cache of every renewing profile planned (missing ones are fine),
/// for a write that did not happen.
fn delete_settings(planned: &[Planned<'_>]) {
    for path in planned
        .iter()
        .filter_map(|p| p.renewal.as_ref()?.settings_file())
    {
        refresh::delete(path);
    }
}

/// Static keys, for a profile.
fn keys(creds: &Credentials) -> Holds<'_> {
    Holds::Keys(ProfileCredentials {
        access_key_id: &creds.access_key_id,
        secret_access_key: &creds.secret_access_key,
        session_token: creds.session_token.as_deref(),
    })
}

/// Renders and opens every file first, so that a value that cannot be written or a file that
/// cannot be opened stops the run before any file is touched; then appends to each, all or
/// nothing.
pub fn write_all(writes: &[FileWrites]) -> Result<(), Error> {
    commit(prepare(writes)?).map(drop)
}

/// A runner file, rendered and open.
type Ready<'w> = (&'w FileWrites, OpenFile, String);

fn prepare(writes: &[FileWrites]) -> Result<Vec<Ready<'_>>, Error> {
    let mut ready = Vec::new();
    for w in writes.iter().filter(|w| !w.is_empty()) {
        let text = w.render()?;
        ready.push((w, w.open(&w.command().path()?)?, text));
    }
    Ok(ready)
}

/// Appends to each file in turn; when one fails, those appended to before it are cut back (the
/// failing one cuts itself back), so that none has changed.
fn commit(ready: Vec<Ready<'_>>) -> Result<Vec<OpenFile>, Error> {
    let mut written = Vec::with_capacity(ready.len());
    for (w, mut file, text) in ready {
        if let Err(error) = w.write(&mut file, &text) {
            undo(&written);
            return Err(error);
        }
        written.push(file);
    }
    Ok(written)
}

fn undo(written: &[OpenFile]) {
    for file in written {
        file.undo();
    }
}
