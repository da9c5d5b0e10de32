//! Jobs and steps: the environment a node action's step gets (as the runner builds it), the
//! job state carried from step to step (`GITHUB_ENV`, `GITHUB_PATH`, masks, pending post
//! steps), and each step's result.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use super::action::ActionDir;
use super::commands::{Transcript, WorkflowCommand};
use super::condition;
use super::files::{self, LineEnds};
use super::mask::Masker;
use super::process;
use crate::context::WorkflowContext;
use crate::github::GithubTokenService;
use crate::random;

/// Variables of the test process a step keeps (on Windows, processes need `SystemRoot`).
const KEPT_VARIABLES: &[&str] = &["PATH", "SYSTEMROOT"];

/// The default step timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The result of one step.
#[derive(Clone, Debug)]
pub struct StepResult {
    /// The script run, relative to the action directory (`dist/main.js`).
    pub script: String,
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    /// Whether the timeout killed the process.
    pub timed_out: bool,
    pub duration: Duration,
    pub stdout: String,
    pub stderr: String,
    /// What the step wrote to `GITHUB_ENV`, last value winning.
    pub env: BTreeMap<String, String>,
    /// What it wrote to `GITHUB_OUTPUT`.
    pub outputs: BTreeMap<String, String>,
    /// What it wrote to `GITHUB_STATE`.
    pub state: BTreeMap<String, String>,
    /// What it wrote to `GITHUB_PATH`.
    pub path: Vec<String>,
    /// What it wrote to `GITHUB_STEP_SUMMARY`.
    pub summary: String,
    /// The values of its `add-mask` commands, in order.
    pub masks: Vec<String>,
    /// Every workflow command it gave, with its stream and offset.
    pub commands: Vec<WorkflowCommand>,
    /// Annotations and debug messages, masked as the runner records them.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub notices: Vec<String>,
    pub debug: Vec<String>,
    log: String,
}

impl StepResult {
    /// The output as the runner would show it: stdout and stderr lines in arrival order,
    /// command lines hidden or shown as `##[error]…`, every known secret replaced by `***`.
    pub fn log(&self) -> &str {
        &self.log
    }

    /// Whether the process exited with code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The commands of this name, in order.
    pub fn commands_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a WorkflowCommand> {
        self.commands
            .iter()
            .filter(move |command| command.name == name)
    }

    /// Panics, showing the output, unless the step succeeded.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        if !self.success() {
            panic!("the step should have succeeded but {}", self.describe());
        }
        self
    }

    /// Panics, showing the output, unless the step failed (without timing out).
    #[track_caller]
    pub fn assert_failure(&self) -> &Self {
        if self.success() || self.timed_out {
            panic!("the step should have failed but {}", self.describe());
        }
        self
    }

    fn describe(&self) -> String {
        let ending = match (self.timed_out, self.code) {
            (true, _) => "timed out".to_string(),
            (false, Some(code)) => format!("exited with {code}"),
            (false, None) => "was killed by a signal".to_string(),
        };
        format!(
            "{} {ending} after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.script, self.duration, self.stdout, self.stderr
        )
    }
}

/// A post step at the end of the job.
#[derive(Clone, Debug)]
pub enum PostRun {
    Ran(Box<StepResult>),
    /// `runs.post-if` was false.
    Skipped {
        condition: String,
    },
}

impl PostRun {
    /// The result, if the step ran.
    pub fn result(&self) -> Option<&StepResult> {
        match self {
            PostRun::Ran(result) => Some(result),
            PostRun::Skipped { .. } => None,
        }
    }
}

/// How one step of an action is configured; kept for its post step.
#[derive(Clone, Debug)]
struct StepConfig {
    action: ActionDir,
    with: Vec<(String, String)>,
    /// Step `env:` settings in order; `None` removes the variable.
    env: Vec<(String, Option<String>)>,
    timeout: Duration,
}

/// A post step waiting for the end of the job.
#[derive(Debug)]
struct PendingPost {
    config: StepConfig,
    state: BTreeMap<String, String>,
}

/// A job: its directories, the environment its steps accumulated, the secrets registered,
/// and the post steps to run at its end.
#[derive(Debug)]
pub struct Job {
    context: WorkflowContext,
    node: PathBuf,
    root: TempDir,
    env: BTreeMap<String, String>,
    prepend_path: Vec<String>,
    masker: Masker,
    posts: Vec<PendingPost>,
    /// Another job's home directory, shared with it (see [`Job::share_home`]).
    shared_home: Option<PathBuf>,
}

impl Default for Job {
    fn default() -> Self {
        Job::with_context(WorkflowContext::default())
    }
}

impl Job {
    /// A job of the default run (a push to `main` of `octo-org/octo-repo`).
    pub fn new() -> Job {
        Job::default()
    }

    /// A job of this run.
    pub fn with_context(context: WorkflowContext) -> Job {
        let node = find_on_path("node").unwrap_or_else(|| {
            panic!(
                "the runner simulator needs node on PATH to run JavaScript actions; install Node.js"
            )
        });
        let root = tempfile::Builder::new()
            .prefix("job-")
            .tempdir()
            .expect("cannot make the job's directory");
        for dir in [
            "home",
            "workspace",
            "temp/_runner_file_commands",
            "temp/_github_workflow",
        ] {
            fs::create_dir_all(root.path().join(dir)).expect("cannot make a job directory");
        }
        fs::write(root.path().join("temp/_github_workflow/event.json"), "{}\n")
            .expect("cannot write the event file");
        Job {
            context,
            node,
            root,
            env: BTreeMap::new(),
            prepend_path: Vec::new(),
            masker: Masker::default(),
            posts: Vec::new(),
            shared_home: None,
        }
    }

    /// Makes this job's steps use `other`'s home directory, as two jobs of runners that one
    /// user runs on one self-hosted machine do; each keeps its own workspace and `RUNNER_TEMP`.
    pub fn share_home(&mut self, other: &Job) {
        self.shared_home = Some(other.home());
    }

    /// A step running `action`; configure it, then [`Step::run`].
    pub fn step(&mut self, action: &ActionDir) -> Step<'_> {
        Step {
            job: self,
            config: StepConfig {
                action: action.clone(),
                with: Vec::new(),
                env: Vec::new(),
                timeout: DEFAULT_TIMEOUT,
            },
        }
    }

    /// The variables earlier steps exported through `GITHUB_ENV`.
    pub fn env(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// Every secret registered so far (including each line of multi-line ones).
    pub fn masks(&self) -> &[String] {
        self.masker.secrets()
    }

    /// The job's home directory (`HOME` of its steps).
    pub fn home(&self) -> PathBuf {
        match &self.shared_home {
            Some(home) => home.clone(),
            None => self.root.path().join("home"),
        }
    }

    /// `GITHUB_WORKSPACE`, the steps' working directory.
    pub fn workspace(&self) -> PathBuf {
        self.root.path().join("workspace")
    }

    /// `RUNNER_TEMP`.
    pub fn runner_temp(&self) -> PathBuf {
        self.root.path().join("temp")
    }

    /// The AWS CLI as pip installs it: a script on Unix, `aws.cmd` on Windows (which
    /// `Command` does not find by its bare name).
    pub const AWS_CLI: &'static str = if cfg!(windows) { "aws.cmd" } else { "aws" };

    /// A command for a later `run:` step: the environment cleared, then `PATH` (with
    /// `GITHUB_PATH` additions), `HOME`, the runner's `GITHUB_*`/`RUNNER_*` variables and
    /// the job's exported variables; run in the workspace.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .envs(self.base_env())
            .current_dir(self.workspace());
        command
    }

    /// Runs the pending post steps, last registered first, and returns them in that order.
    pub fn finish(&mut self) -> Vec<PostRun> {
        std::iter::from_fn(|| self.run_last_post()).collect()
    }

    /// Runs the last registered post step that has not run yet, as the job's end does first;
    /// `None` when none is left.
    pub fn run_last_post(&mut self) -> Option<PostRun> {
        let post = self.posts.pop()?;
        let meta = post.config.action.meta().clone();
        let script = meta
            .post
            .expect("only actions with a post step register one");
        let mut context = self.env.clone();
        apply_changes(&mut context, &post.config.env);
        if !condition::evaluate(&meta.post_if, &context) {
            return Some(PostRun::Skipped {
                condition: meta.post_if,
            });
        }
        let state = post
            .state
            .iter()
            .map(|(name, value)| (format!("STATE_{name}"), value.clone()))
            .collect();
        Some(PostRun::Ran(Box::new(self.execute(
            &post.config,
            &script,
            state,
        ))))
    }

    /// `PATH` with the `GITHUB_PATH` additions (most recent first), the kept variables,
    /// `HOME`, the runner's variables and the exported ones.
    fn base_env(&self) -> BTreeMap<String, String> {
        let mut env: BTreeMap<String, String> = KEPT_VARIABLES
            .iter()
            .filter_map(|name| {
                std::env::var(name)
                    .ok()
                    .map(|value| (name.to_string(), value))
            })
            .collect();
        if !self.prepend_path.is_empty() {
            let mut dirs: Vec<PathBuf> =
                self.prepend_path.iter().rev().map(PathBuf::from).collect();
            dirs.extend(std::env::split_paths(
                env.get("PATH").map_or("", String::as_str),
            ));
            let joined = std::env::join_paths(dirs).expect("GITHUB_PATH entries join into PATH");
            env.insert("PATH".into(), joined.to_string_lossy().into_owned());
        }
        env.insert("HOME".into(), path_string(&self.home()));
        if cfg!(windows) {
            // Where Windows programs (the action, the AWS CLI) look for the home directory.
            env.insert("USERPROFILE".into(), path_string(&self.home()));
        }
        env.extend(self.env.clone());
        env.extend(self.runner_env());
        env
    }

    /// The variables the runner sets for every step.
    fn runner_env(&self) -> Vec<(String, String)> {
        let ctx = &self.context;
        let (os, arch) = runner_platform();
        let vars = [
            ("CI", "true".to_string()),
            ("GITHUB_ACTIONS", "true".into()),
            ("GITHUB_ACTION", "__octo-org_aws-oidc-credentials".into()),
            ("GITHUB_ACTOR", ctx.actor.clone()),
            ("GITHUB_ACTOR_ID", ctx.actor_id.clone()),
            ("GITHUB_TRIGGERING_ACTOR", ctx.actor.clone()),
            ("GITHUB_API_URL", "https://api.github.com".into()),
            (
                "GITHUB_GRAPHQL_URL",
                "https://api.github.com/graphql".into(),
            ),
            ("GITHUB_SERVER_URL", "https://github.com".into()),
            ("GITHUB_REPOSITORY", ctx.repository.clone()),
            ("GITHUB_REPOSITORY_ID", ctx.repository_id.clone()),
            ("GITHUB_REPOSITORY_OWNER", ctx.repository_owner().into()),
            (
                "GITHUB_REPOSITORY_OWNER_ID",
                ctx.repository_owner_id.clone(),
            ),
            ("GITHUB_REF", ctx.git_ref.clone()),
            ("GITHUB_REF_NAME", ctx.ref_name().into()),
            ("GITHUB_REF_TYPE", ctx.ref_type().into()),
            ("GITHUB_REF_PROTECTED", "false".into()),
            ("GITHUB_HEAD_REF", String::new()),
            ("GITHUB_BASE_REF", String::new()),
            ("GITHUB_SHA", ctx.sha.clone()),
            ("GITHUB_WORKFLOW", ctx.workflow.clone()),
            ("GITHUB_WORKFLOW_REF", ctx.workflow_ref()),
            ("GITHUB_WORKFLOW_SHA", ctx.sha.clone()),
            ("GITHUB_RUN_ID", ctx.run_id.clone()),
            ("GITHUB_RUN_NUMBER", ctx.run_number.clone()),
            ("GITHUB_RUN_ATTEMPT", ctx.run_attempt.clone()),
            ("GITHUB_JOB", ctx.job.clone()),
            ("GITHUB_EVENT_NAME", ctx.event_name.clone()),
            (
                "GITHUB_EVENT_PATH",
                path_string(&self.runner_temp().join("_github_workflow/event.json")),
            ),
            ("GITHUB_RETENTION_DAYS", "90".into()),
            ("GITHUB_WORKSPACE", path_string(&self.workspace())),
            ("RUNNER_OS", os.into()),
            ("RUNNER_ARCH", arch.into()),
            ("RUNNER_NAME", "GitHub Actions 1".into()),
            ("RUNNER_ENVIRONMENT", "github-hosted".into()),
            ("RUNNER_TEMP", path_string(&self.runner_temp())),
            (
                "RUNNER_TOOL_CACHE",
                path_string(&self.runner_temp().join("_tool")),
            ),
        ];
        vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// Runs `script` of the step's action with the step's environment plus `extra`, then
    /// reads its file commands and carries them into the job.
    fn execute(
        &mut self,
        config: &StepConfig,
        script: &str,
        extra: BTreeMap<String, String>,
    ) -> StepResult {
        let files = FileCommands::create(&self.runner_temp().join("_runner_file_commands"));
        let mut env = self.base_env();
        env.extend(inputs(config));
        env.extend(extra);
        env.extend(files.variables());
        apply_changes(&mut env, &config.env);
        let runner_debug = env.get("RUNNER_DEBUG").is_some_and(|v| v == "1");

        let mut command = Command::new(&self.node);
        command
            .arg(config.action.path().join(script))
            .env_clear()
            .envs(&env)
            .current_dir(self.workspace());
        let finished = process::run(command, config.timeout);
        let mut transcript =
            Transcript::interpret(&finished.lines, self.masker.clone(), runner_debug);

        let written = files.read(script);
        let mut errors = std::mem::take(&mut transcript.errors);
        for (name, value) in &written.env {
            // The runner refuses NODE_OPTIONS from GITHUB_ENV.
            if name.eq_ignore_ascii_case("NODE_OPTIONS") {
                errors.push(
                    "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.".into(),
                );
            } else {
                self.env.insert(name.clone(), value.clone());
            }
        }
        for dir in &written.path {
            self.prepend_path.retain(|known| known != dir);
            self.prepend_path.push(dir.clone());
        }
        self.masker = transcript.masker;
        StepResult {
            script: script.to_string(),
            code: finished.code,
            timed_out: finished.timed_out,
            duration: finished.duration,
            stdout: finished.stdout,
            stderr: finished.stderr,
            env: written.env.into_iter().collect(),
            outputs: written.outputs.into_iter().collect(),
            state: written.state.into_iter().collect(),
            path: written.path,
            summary: written.summary,
            masks: transcript
                .commands
                .iter()
                .filter(|c| c.name == "add-mask" && !c.data.trim().is_empty())
                .map(|c| c.data.clone())
                .collect(),
            commands: transcript.commands,
            errors,
            warnings: transcript.warnings,
            notices: transcript.notices,
            debug: transcript.debug,
            log: transcript.log,
        }
    }
}

/// A step being configured.
#[derive(Debug)]
pub struct Step<'j> {
    job: &'j mut Job,
    config: StepConfig,
}

impl Step<'_> {
    /// A `with:` input, passed as given.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.config
            .with
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.config.with.push((name.into(), value.into()));
        self
    }

    /// A step `env:` variable; it overrides anything else, including the runner's variables.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.config.env.push((name.into(), Some(value.into())));
        self
    }

    /// Removes a variable the step would otherwise get.
    pub fn env_remove(mut self, name: &str) -> Self {
        self.config.env.push((name.into(), None));
        self
    }

    /// Grants `id-token: write`: sets `ACTIONS_ID_TOKEN_REQUEST_URL` and
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` for the token service.
    pub fn id_token(self, github: &GithubTokenService) -> Self {
        self.env("ACTIONS_ID_TOKEN_REQUEST_URL", &github.request_url())
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", github.request_token())
    }

    /// Kills the step after `timeout` (60 s by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Runs `runs.main` and registers the post step, if the action has one.
    pub fn run(self) -> StepResult {
        let main = self.config.action.meta().main.clone();
        let result = self.job.execute(&self.config, &main, BTreeMap::new());
        if self.config.action.meta().post.is_some() {
            self.job.posts.push(PendingPost {
                config: self.config,
                state: result.state.clone(),
            });
        }
        result
    }
}

/// `INPUT_<NAME>` for every declared input (the `with:` value, else the default, else empty)
/// and for every given one.
fn inputs(config: &StepConfig) -> Vec<(String, String)> {
    let meta = config.action.meta();
    let given = |name: &str| {
        config
            .with
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    };
    let mut vars: Vec<(String, String)> = meta
        .inputs
        .iter()
        .map(|input| {
            let value = given(&input.name).unwrap_or_else(|| {
                let default = input.default.clone().unwrap_or_default();
                if default.contains("${{") {
                    panic!(
                        "the default of input {:?} is an expression ({default}); the runner \
                         simulator cannot evaluate it: pass the input with .with()",
                        input.name
                    );
                }
                default
            });
            (input.name.clone(), value)
        })
        .collect();
    vars.extend(
        config
            .with
            .iter()
            .filter(|(name, _)| meta.input(name).is_none())
            .cloned(),
    );
    vars.into_iter()
        .map(|(name, value)| {
            (
                format!("INPUT_{}", name.replace(' ', "_").to_uppercase()),
                value,
            )
        })
        .collect()
}

fn apply_changes(env: &mut BTreeMap<String, String>, changes: &[(String, Option<String>)]) {
    for (name, value) in changes {
        match value {
            Some(value) => env.insert(name.clone(), value.clone()),
            None => env.remove(name),
        };
    }
}

/// What a step wrote to its file commands.
struct Written {
    env: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
    state: Vec<(String, String)>,
    path: Vec<String>,
    summary: String,
}

/// A step's fresh file-command files.
struct FileCommands {
    env: PathBuf,
    output: PathBuf,
    state: PathBuf,
    path: PathBuf,
    summary: PathBuf,
}

impl FileCommands {
    /// Creates empty files in `dir`, named as the runner names them.
    fn create(dir: &Path) -> FileCommands {
        let id = random::uuid();
        let file = |prefix: &str| {
            let path = dir.join(format!("{prefix}{id}"));
            fs::write(&path, "")
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
            path
        };
        FileCommands {
            env: file("set_env_"),
            output: file("set_output_"),
            state: file("save_state_"),
            path: file("add_path_"),
            summary: file("step_summary_"),
        }
    }

    fn variables(&self) -> [(String, String); 5] {
        [
            ("GITHUB_ENV".into(), path_string(&self.env)),
            ("GITHUB_OUTPUT".into(), path_string(&self.output)),
            ("GITHUB_STATE".into(), path_string(&self.state)),
            ("GITHUB_PATH".into(), path_string(&self.path)),
            ("GITHUB_STEP_SUMMARY".into(), path_string(&self.summary)),
        ]
    }

    /// Reads the files back. A malformed file fails the test, as it fails the step.
    fn read(&self, script: &str) -> Written {
        let text = |path: &Path| fs::read_to_string(path).unwrap_or_default();
        let pairs = |variable: &str, path: &Path| {
            files::parse_key_values(&text(path), LineEnds::of_runner()).unwrap_or_else(|error| {
                panic!("{script} wrote a malformed {variable} file (the runner would fail the step): {error}")
            })
        };
        Written {
            env: pairs("GITHUB_ENV", &self.env),
            outputs: pairs("GITHUB_OUTPUT", &self.output),
            state: pairs("GITHUB_STATE", &self.state),
            path: files::parse_path(&text(&self.path)),
            summary: text(&self.summary),
        }
    }
}

/// `RUNNER_OS` and `RUNNER_ARCH` of this machine.
fn runner_platform() -> (&'static str, &'static str) {
    let os = match std::env::consts::OS {
        "macos" => "macOS",
        "windows" => "Windows",
        _ => "Linux",
    };
    let arch = match std::env::consts::ARCH {
        "aarch64" => "ARM64",
        "arm" => "ARM",
        _ => "X64",
    };
    (os, arch)
}

/// The first `name` (or `name.exe`) in the test process's `PATH`.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            [
                dir.join(name),
                dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX)),
            ]
        })
        .find(|candidate| candidate.is_file())
}

fn path_string(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
